//! Secrets stay secret: no AWS credential in the database, no ExternalId in info logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_credential_types::Credentials;
use e2e::aws::{self, role_arn};
use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, AwsResult, SdkOrganizations, SdkSts, StsApi, TemporaryCredentials};
use serde_json::json;

/// The real STS adapter, remembering every secret it hands out.
struct RecordingSts {
    inner: SdkSts,
    seen: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl StsApi for RecordingSts {
    async fn assume_role(&self, role_arn: &str, external_id: &str, session: &str) -> AwsResult<TemporaryCredentials> {
        let out = self.inner.assume_role(role_arn, external_id, session).await?;
        let mut seen = self.seen.lock().unwrap();
        seen.push(out.credentials.secret_access_key().to_owned());
        seen.push(out.credentials.session_token().unwrap_or_default().to_owned());
        Ok(out)
    }
    async fn caller_account(&self, credentials: &Credentials) -> AwsResult<String> {
        self.inner.caller_account(credentials).await
    }
}

/// Log output of this test process (the server runs in it), at info level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn no_aws_secret_stored_and_no_external_id_logged(db: DbKind) {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(move || writer.clone()).finish(),
    )
    .unwrap();

    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sts = RecordingSts { inner: SdkSts::new(&sdk), seen: seen.clone() };
    let app = TestApp::spawn_with_aws(db, vec![], AwsClients::new(Arc::new(sts), Arc::new(SdkOrganizations::new(&sdk)))).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Secret Co").await;

    // One payer that connects and one that fails (so failure paths log too).
    let mut external_ids = Vec::new();
    for account in [aws::organization(0).await.management, aws::random_account()] {
        let res = app
            .gql(p.admin.bearer(), "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id externalId } }", json!({ "i": { "tenantId": p.tenant_id, "accountId": account, "name": "s", "roleArn": role_arn(&account) } }))
            .await;
        external_ids.push(res.data("registerPayer.externalId").as_str().unwrap().to_owned());
        let id = res.data("registerPayer.id").clone();
        app.gql(p.operator.bearer(), "mutation($id: ID!) { checkPayerConnection(id: $id) { status } }", json!({ "id": id })).await.data("checkPayerConnection");
    }

    let secrets = seen.lock().unwrap().clone();
    assert!(secrets.len() >= 4, "AssumeRole handed out credentials");
    let stored = app.dump_all_text().await;
    assert!(stored.contains(&external_ids[0]), "the dump is real: it holds the ExternalId");
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!stored.contains(secret.as_str()), "an AWS secret was stored in the database");
    }
    for password in [&admin.password, &p.admin.password, &p.viewer.password] {
        assert!(!stored.contains(password.as_str()), "a password was stored in clear");
    }
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("request done"), "logs were captured");
    for ext in &external_ids {
        assert!(!logged.contains(ext.as_str()), "ExternalId in the info log");
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!logged.contains(secret.as_str()), "AWS secret in the log");
    }
}

on_both_databases!(no_aws_secret_stored_and_no_external_id_logged);
