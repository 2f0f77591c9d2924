//! moto, the AWS emulator the tests talk to, and fixtures built in it (organizations, accounts).
//! moto keeps state per calling account, so each test works in accounts of its own.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use partner_billing::config::Config;

static MOTO: OnceLock<String> = OnceLock::new();

/// The moto endpoint: `TEST_MOTO_URL` (scripts/test starts one server for the whole run), else
/// a server started for this test process from `.venv`, stopped when the process ends.
pub fn moto_url() -> String {
    MOTO.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_MOTO_URL") {
            return url;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let moto = format!("{root}/.venv/bin/moto_server");
        assert!(std::path::Path::new(&moto).exists(), "moto is not installed: run scripts/test once (it creates .venv)");
        // A watchdog shell stops moto when this test process is gone.
        let script = format!(
            "{moto} -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; while kill -0 {pid} 2>/dev/null; do sleep 1; done; kill $m",
            pid = std::process::id()
        );
        // The watchdog outlives this call on purpose; it ends with the test process.
        #[allow(clippy::zombie_processes)]
        Command::new("sh").arg("-c").arg(script).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return url;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto did not start on port {port}");
    })
    .clone()
}

/// An address where nothing listens: AWS "unreachable".
pub fn closed_endpoint() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

/// The platform's own identity in moto (its default account 123456789012).
pub fn platform_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "tests")
}

/// An SDK configuration for the app: our loader (region, retries, timeouts) against `endpoint`
/// with one attempt, so unsupported calls fail fast.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    let config = Config::from_pairs([("aws_endpoint_url", endpoint.to_owned()), ("aws_max_attempts", "1".to_owned()), ("aws_timeout_seconds", "5".to_owned())]).unwrap();
    partner_billing::aws::sdk_loader(&config).credentials_provider(platform_credentials()).load().await
}

/// A fresh random 12-digit account id, unique to this test.
pub fn random_account() -> String {
    crate::partner::account_id()
}

/// Credentials for `account` in moto (moto lets anyone assume any role; it checks no trust).
pub async fn as_account(account: &str) -> SdkConfig {
    let base = sdk_config(&moto_url()).await;
    let sts = aws_sdk_sts::Client::new(&base);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/fixture"))
        .role_session_name("fixture")
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    base.to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "fixture",
        )))
        .build()
}

/// An organization in moto: a management account and `members` member accounts.
pub struct MotoOrg {
    pub management: String,
    pub members: Vec<String>,
    pub root_id: String,
}

impl MotoOrg {
    /// An Organizations client acting as the management account.
    pub async fn client(&self) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::new(&as_account(&self.management).await)
    }

    /// Creates an OU under the root and moves the given members into it; returns the OU id.
    pub async fn ou_with(&self, name: &str, members: &[&str]) -> String {
        let org = self.client().await;
        let ou = org.create_organizational_unit().parent_id(&self.root_id).name(name).send().await.unwrap();
        let ou_id = ou.organizational_unit().unwrap().id().unwrap().to_owned();
        for account in members {
            org.move_account().account_id(*account).source_parent_id(&self.root_id).destination_parent_id(&ou_id).send().await.unwrap();
        }
        ou_id
    }
}

pub async fn organization(members: usize) -> MotoOrg {
    let management = random_account();
    let sdk = as_account(&management).await;
    let org = aws_sdk_organizations::Client::new(&sdk);
    org.create_organization().feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All).send().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..members {
        let out = org
            .create_account()
            .email(format!("member{i}-{management}@accounts.example"))
            .account_name(format!("member {i}"))
            .send()
            .await
            .unwrap();
        ids.push(out.create_account_status().unwrap().account_id().unwrap().to_owned());
    }
    let roots = org.list_roots().send().await.unwrap();
    let root_id = roots.roots()[0].id().unwrap().to_owned();
    MotoOrg { management, members: ids, root_id }
}

/// The role ARN a payer registers for an account.
pub fn role_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/PartnerBillingAccess")
}
