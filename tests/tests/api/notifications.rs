//! Notifications against real peers: an SMTP server (aiosmtpd) and an HTTP webhook receiver on
//! loopback; CloudEvents parsed with the official SDK; retries, dead endpoints, SSRF refusals,
//! template overrides and service notices.

use chrono::Utc;
use e2e::notify::{SmtpSink, WebhookReceiver, free_port};
use e2e::story::payer_input;
use e2e::{Actor, DbKind, Partner, TestApp, aws, on_both_databases};
use partner_billing::aws::AwsClients;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

/// Fast retries and a quick dispatcher, plus the given settings.
fn settings(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut s = vec![("notify_interval_ms", "100".to_owned()), ("notify_retry_seconds", "1".to_owned()), ("public_url", "https://billing.example.com".to_owned())];
    s.extend_from_slice(extra);
    s
}

/// Records a domain event for the partner's payer, as the organization code does.
async fn record_event(app: &TestApp, p: &Partner, event_type: &'static str, subject: &str, data: Value) -> String {
    let payer = entity::payers::Entity::find_by_id(p.payer_id.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    let event = partner_billing::notify::outbox::Event { event_type, payer: &payer, subject: Some(subject.to_owned()), data };
    partner_billing::notify::outbox::record(&app.db, event).await.unwrap().id.to_string()
}

/// Polls the delivery log until `check` holds (30 s at most).
async fn wait_log(who: Actor<'_>, filter: Value, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..300 {
        let rows = who.notifications(filter.clone()).await;
        if check(&rows) {
            return rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the delivery log never got there: {:?}", who.notifications(filter).await);
}

/// A user's own subscription, and others' by an admin only; event types are checked.
async fn only_admins_subscribe_others_and_only_to_known_events(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Sub Co").await;
    let (operator, admin) = (app.as_user(&p.operator), app.as_user(&p.admin));
    let mine = operator.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": p.operator.user_id })).await;
    assert_eq!(mine["eventTypes"], json!(["account.created"]));
    // An operator may not add someone else, nor an outside address.
    operator.try_subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "email": "anyone@outside.example" })).await.assert_code("FORBIDDEN");
    operator.try_subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": p.viewer.user_id })).await.assert_code("FORBIDDEN");
    admin.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": p.viewer.user_id })).await;
    admin.try_subscribe(json!({ "eventTypes": ["no.such.event"], "tenantId": p.tenant_id, "userId": p.viewer.user_id })).await.assert_code("VALIDATION");
}

async fn account_created_reaches_a_mailbox_in_en_and_zh_cn_and_a_webhook(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let app = TestApp::spawn_with_aws(db, settings(&[("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned())]), clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Mail Co").await;
    let (admin, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    let zh_password = "zh-cn user long passphrase";
    admin.add_user(json!({ "email": "zh@mail-co.example", "password": zh_password, "locale": "zh-CN", "role": "VIEWER", "tenantId": p.tenant_id })).await;
    let zh = app.login("zh@mail-co.example", zh_password).await;

    // The operator subscribes themselves (English); the admin subscribes the Chinese-speaking viewer.
    operator.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": p.operator.user_id })).await;
    admin.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": zh.user_id })).await;
    let created = admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["*"], "description": "all events" })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    // A real account.created, through moto.
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let email = format!("dev-{}@new.example", org.management);
    let job = operator.create_linked_account(json!({ "payerId": payer, "email": email, "name": "Dev <account>" })).await;
    let job = app.wait_job(&p.operator, &job).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let account = job["result"]["accountId"].as_str().unwrap().to_owned();

    let en = smtp.wait_for(&p.operator.email, 1).await;
    assert_eq!(en[0]["subject"], format!("AWS account Dev <account> ({account}) created"));
    let text = en[0]["text"].as_str().unwrap();
    assert!(text.contains(&account) && text.contains(&email) && text.contains(&org.management), "{text}");
    let html = en[0]["html"].as_str().unwrap();
    assert!(html.contains("Dev &lt;account&gt;") && !html.contains("Dev <account>"), "HTML is escaped: {html}");
    assert_eq!(en[0]["from"], "no-reply@localhost");
    let zh_mail = smtp.wait_for("zh@mail-co.example", 1).await;
    assert_eq!(zh_mail[0]["subject"], format!("AWS 账号 Dev <account>（{account}）已创建"));
    assert!(zh_mail[0]["text"].as_str().unwrap().contains("已在付款账号"), "{}", zh_mail[0]);

    // The same event as a signed CloudEvent, read with the official SDK.
    let requests = hook.wait_for(1).await;
    let created = requests.iter().find(|r| r.body.contains("com.partnerbilling.account.created")).expect("account.created webhook");
    let ce = created.verify_with_sdk(&secret);
    assert_eq!(ce["signatureOk"], true, "{ce}");
    assert_eq!(ce["specversion"], "1.0");
    assert_eq!(ce["type"], "com.partnerbilling.account.created");
    assert_eq!(ce["source"], format!("/partner-billing/payers/{payer}"));
    assert_eq!(ce["subject"], account.as_str());
    assert_eq!(ce["data"]["accountId"], account.as_str());
    assert_eq!(ce["data"]["email"], email.as_str());
    assert_eq!(created.header("content-type"), Some("application/cloudevents+json"));

    // The log: each mail sent once, in the recipient's locale; the viewer sees it too.
    let rows = wait_log(viewer, json!({ "eventType": "account.created" }), |r| r.iter().filter(|n| n["status"] == "sent").count() == 3).await;
    let locales: Vec<_> = rows.iter().filter(|n| n["channel"] == "email").map(|n| (n["recipient"].as_str().unwrap().to_owned(), n["locale"].as_str().unwrap().to_owned())).collect();
    assert!(locales.contains(&(p.operator.email.clone(), "en".to_owned())) && locales.contains(&("zh@mail-co.example".to_owned(), "zh-CN".to_owned())), "{locales:?}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().iter().filter(|m| m["subject"].as_str().unwrap().contains(&account)).count(), 2, "exactly once each");

    // The log filters by channel and status as stored; a value that is neither is refused by name.
    let sent_mail = viewer.notifications(json!({ "eventType": "account.created", "channel": "email", "status": "sent" })).await;
    assert_eq!(sent_mail.len(), 2, "{sent_mail:?}");
    assert!(viewer.notifications(json!({ "eventType": "account.created", "status": "dead" })).await.is_empty());
    let refused = viewer.try_notifications(json!({ "status": "delivered" })).await;
    refused.assert_code("VALIDATION");
    assert!(refused.message().contains("filter.status") && refused.message().contains("pending, sent or dead"), "{}", refused.message());
    viewer.try_notifications(json!({ "channel": "sms" })).await.assert_code("VALIDATION");
}

async fn mail_waits_while_smtp_is_down_and_arrives_once(db: DbKind) {
    let port = free_port();
    let app = TestApp::spawn_with(db, settings(&[("smtp_url", format!("smtp://127.0.0.1:{port}"))])).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Down Co").await;
    let admin = app.as_user(&p.admin);
    admin.subscribe(json!({ "eventTypes": ["account.created"], "payerId": p.payer_id, "email": "ops@down-co.example" })).await;
    record_event(&app, &p, "account.created", "012345678901", json!({ "accountId": "012345678901", "accountName": "Late", "email": "late@down-co.example", "ouId": null, "payerAccountId": p.payer_account_id })).await;

    // Nothing listens: the delivery is retried, not lost.
    let rows = wait_log(admin, json!({ "channel": "email" }), |r| r.first().is_some_and(|n| n["attempts"].as_i64() >= Some(2))).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "pending");
    assert!(rows[0]["lastError"].as_str().unwrap().contains("SMTP"), "{}", rows[0]);

    let smtp = SmtpSink::start(port).await;
    let got = smtp.wait_for("ops@down-co.example", 1).await;
    assert_eq!(got[0]["subject"], "AWS account Late (012345678901) created");
    wait_log(admin, json!({ "channel": "email" }), |r| r[0]["status"] == "sent").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 1, "delivered exactly once");
}

/// A webhook is a CloudEvent signed with the endpoint's secret (shown once): a tampered body does
/// not verify, and the delivery is listed under its id.
async fn webhooks_are_signed_with_a_secret_shown_once(db: DbKind) {
    let hook = WebhookReceiver::start().await;
    let app = TestApp::spawn_with(db, settings(&[("webhook_allow_private", "true".to_owned())])).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Hook Co").await;
    let admin = app.as_user(&p.admin);
    let created = admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["account.created", "policy.attached"] })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();
    assert!(!admin.webhook_endpoints().await.body.to_string().contains(&secret), "the secret is shown once");

    let event = record_event(&app, &p, "policy.attached", "012345678901", json!({ "policyId": "p-1", "policyName": "Deny", "targetId": "012345678901", "by": p.admin.email })).await;
    let first = hook.wait_for(1).await.remove(0);
    let ce = first.verify_with_sdk(&secret);
    assert_eq!(ce["signatureOk"], true);
    assert_eq!(ce["id"], event.as_str());
    assert_eq!(ce["type"], "com.partnerbilling.policy.attached");
    assert_eq!(ce["data"]["policyName"], "Deny");
    // A tampered body does not verify.
    let mut forged = first.clone();
    forged.body = forged.body.replace("Deny", "Allow");
    assert_eq!(forged.verify_with_sdk(&secret)["signatureOk"], false);
    let deliveries = app.as_user(&p.viewer).webhook_deliveries(&endpoint).await;
    assert_eq!(deliveries[0]["id"], first.header("webhook-id").unwrap());
}

/// A failing receiver: the delivery is retried with the same id, then the endpoint is disabled
/// and its owner told; fixed and enabled again, the failed delivery is sent again (by an admin).
async fn a_failing_webhook_is_retried_disabled_and_redelivered_once_fixed(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let app = TestApp::spawn_with(db, settings(&[("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned()), ("webhook_max_failures", "3".to_owned())])).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Hook Co").await;
    let admin = app.as_user(&p.admin);
    let created = admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["account.created", "policy.attached"] })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_owned();

    hook.answer(500);
    record_event(&app, &p, "account.created", "012345678902", json!({ "accountId": "012345678902", "accountName": "X", "email": "x@hook-co.example", "ouId": null, "payerAccountId": "1" })).await;
    let requests = hook.wait_for(3).await;
    let retried: Vec<_> = requests.iter().map(|r| r.header("webhook-id").unwrap().to_owned()).collect();
    assert!(retried.iter().all(|id| id == &retried[0]), "stable delivery id across retries: {retried:?}");
    let mut enabled = true;
    for _ in 0..300 {
        let eps = admin.webhook_endpoints().await;
        enabled = eps.data("webhookEndpoints.0.enabled").as_bool().unwrap();
        if !enabled {
            assert_eq!(eps.data("webhookEndpoints.0.consecutiveFailures"), 3);
            assert!(eps.data("webhookEndpoints.0.disabledReason").as_str().unwrap().contains("HTTP 500"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!enabled, "the endpoint was disabled");
    let told = smtp.wait_for(&p.admin.email, 1).await;
    assert_eq!(told[0]["subject"], "Webhook endpoint disabled");
    let count = hook.requests().len();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(hook.requests().len(), count, "a disabled endpoint gets nothing");

    // Fixed and enabled again, the failed delivery is sent again with its id.
    hook.answer(204);
    admin.update_webhook_endpoint(&endpoint, json!({ "enabled": true })).await;
    let failed = retried[0].clone();
    app.as_user(&p.viewer).try_redeliver_webhook(&failed).await.assert_code("FORBIDDEN");
    admin.redeliver_webhook(&failed).await;
    let again = hook.wait_for(count + 1).await;
    assert_eq!(again.last().unwrap().header("webhook-id"), Some(failed.as_str()));
    assert_eq!(again.last().unwrap().verify_with_sdk(&secret)["signatureOk"], true);
}

async fn internal_webhook_targets_are_refused_by_default(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Ssrf Co").await;
    // Only validation happens here: nothing is ever sent to these addresses.
    let admin = app.as_user(&p.admin);
    for url in ["http://127.0.0.1", "http://169.254.169.254", "http://10.0.0.1", "http://localhost:9000/x", "http://[::1]/", "ftp://example.com/"] {
        let res = admin.try_create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": url, "eventTypes": ["*"] })).await;
        res.assert_code("VALIDATION");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], "url", "{url}");
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    // Nor may an existing endpoint be pointed at one.
    let ok = admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": "https://hooks.example.com/pb", "eventTypes": ["*"] })).await;
    let id = ok["endpoint"]["id"].as_str().unwrap().to_owned();
    admin.try_update_webhook_endpoint(&id, json!({ "url": "http://169.254.169.254/latest" })).await.assert_code("VALIDATION");
    app.as_user(&p.operator).try_create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": "https://hooks.example.com/pb", "eventTypes": ["*"] })).await.assert_code("FORBIDDEN");
}

async fn broken_template_overrides_are_refused_and_the_old_one_kept(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let app = TestApp::spawn_with(db, settings(&[("smtp_url", smtp.url())])).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Tpl Co").await;
    let (admin, viewer) = (app.as_user(&p.admin), app.as_user(&p.viewer));
    let input = |subject: &str, text: &str| json!({ "tenantId": p.tenant_id, "eventType": "account.created", "locale": "en", "subject": subject, "html": "<p>{{data.accountName}}</p>", "text": text });
    let ok = admin.try_update_notification_template(input("[{{payerName}}] new account {{data.accountId}}", "Account {{data.accountName}} is ready.")).await;
    assert_eq!(ok.data("updateNotificationTemplate.overridden"), true);
    viewer.try_update_notification_template(input("x", "y")).await.assert_code("FORBIDDEN");
    admin.try_update_notification_template(input("{{#if data.accountId}}never closed", "t")).await.assert_invalid("subject");
    admin.try_update_notification_template(input("ok", "{{data.password}}")).await.assert_code("VALIDATION");

    let list = viewer.notification_templates(&p.tenant_id).await;
    let all = list.as_array().unwrap();
    let mine = all.iter().find(|t| t["eventType"] == "account.created" && t["locale"] == "en").unwrap();
    assert_eq!(mine["subject"], "[{{payerName}}] new account {{data.accountId}}");
    assert!(all.iter().any(|t| t["eventType"] == "account.created" && t["locale"] == "zh-CN" && t["overridden"] == false));
    let preview = viewer.preview_notification_template(json!({ "tenantId": p.tenant_id, "eventType": "account.created", "locale": "en" })).await;
    assert_eq!(preview["subject"], "[Example payer] new account 012345678901");

    // Real mail uses the override that was kept.
    admin.subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": p.admin.user_id })).await;
    record_event(&app, &p, "account.created", "012345678903", json!({ "accountId": "012345678903", "accountName": "Tpl", "email": "t@tpl-co.example", "ouId": null, "payerAccountId": "1" })).await;
    let got = smtp.wait_for(&p.admin.email, 1).await;
    assert_eq!(got[0]["subject"], "[Tpl Co payer] new account 012345678903");
    assert!(got[0]["text"].as_str().unwrap().contains("Account Tpl is ready."));
}

async fn insert_account(app: &TestApp, payer: &str, email: &str) -> String {
    let account = aws::random_account();
    entity::linked_accounts::ActiveModel {
        payer_id: Set(payer.parse().unwrap()),
        account_id: Set(account.clone()),
        name: Set(format!("acct {account}")),
        email: Set(email.to_owned()),
        status: Set("ACTIVE".into()),
        joined_method: Set(Some("CREATED".into())),
        joined_at: Set(Some(Utc::now())),
        parent_id: Set(None),
        synced_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    account
}

async fn service_notices_reach_only_visible_accounts_and_are_rate_limited(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let app = TestApp::spawn_with(db, settings(&[("smtp_url", smtp.url()), ("service_notices_per_hour", "2".to_owned())])).await;
    let root = app.platform_admin().await;
    let a = app.new_partner(&root, "Notice A").await;
    let b = app.new_partner(&root, "Notice B").await;
    let a1 = insert_account(&app, &a.payer_id, "owner1@customer-a.example").await;
    let a2 = insert_account(&app, &a.payer_id, "owner2@customer-a.example").await;
    let b1 = insert_account(&app, &b.payer_id, "owner@customer-b.example").await;
    let notice = |payer: &str, accounts: Vec<&str>| json!({ "payerId": payer, "accountIds": accounts, "subject": "Maintenance <Friday>", "body": "Keys rotate on Friday.\nNo action needed." });
    let operator = app.as_user(&a.operator);

    operator.try_send_service_notice(notice(&b.payer_id, vec![&b1])).await.assert_code("NOT_FOUND");
    operator.try_send_service_notice(notice(&a.payer_id, vec![&a1, &b1])).await.assert_code("NOT_FOUND");
    app.as_user(&a.viewer).try_send_service_notice(notice(&a.payer_id, vec![&a1])).await.assert_code("FORBIDDEN");
    assert!(app.outbox("service.notice").await.is_empty(), "nothing recorded for refused notices");

    let sent = operator.send_service_notice(notice(&a.payer_id, vec![&a1])).await;
    assert_eq!(sent.as_array().unwrap().len(), 1);
    let got = smtp.wait_for("owner1@customer-a.example", 1).await;
    assert_eq!(got[0]["subject"], "Maintenance <Friday>");
    assert!(got[0]["text"].as_str().unwrap().contains("Keys rotate on Friday."));
    assert!(got[0]["html"].as_str().unwrap().contains("Maintenance") || got[0]["html"].as_str().unwrap().contains("Keys rotate"));
    // One more fits the hourly limit of 2; two more do not.
    operator.try_send_service_notice(notice(&a.payer_id, vec![&a1, &a2])).await.assert_code("RATE_LIMITED");
    operator.send_service_notice(notice(&a.payer_id, vec![&a2])).await;
    app.as_user(&a.admin).try_send_service_notice(notice(&a.payer_id, vec![&a1])).await.assert_code("RATE_LIMITED");
    // B's tenant has its own budget.
    app.as_user(&b.operator).send_service_notice(notice(&b.payer_id, vec![&b1])).await;
    smtp.wait_for("owner@customer-b.example", 1).await;
    // Recorded: the log shows what went to whom, scoped.
    let rows = wait_log(app.as_user(&a.viewer), json!({ "eventType": "service.notice" }), |r| r.len() == 2 && r.iter().all(|n| n["status"] == "sent")).await;
    assert!(rows.iter().all(|n| n["recipient"].as_str().unwrap().ends_with("@customer-a.example")), "{rows:?}");
}

/// Every organization event from a real flow (moto), the payer connection failing, and a user's
/// own invitation and password change reach a real mailbox and a real webhook.
async fn every_kind_of_event_reaches_a_mailbox_and_a_webhook(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let app = TestApp::spawn_with_aws(db, settings(&[("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned())]), clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Every Co").await;
    let types = ["account.created", "account.closed", "policy.attached", "policy.detached", "payer.connection_failed", "user.invited", "password.changed"];
    let (admin, operator) = (app.as_user(&p.admin), app.as_user(&p.operator));
    operator.subscribe(json!({ "eventTypes": types, "tenantId": p.tenant_id, "userId": p.operator.user_id })).await;
    admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["*"], "description": "all" })).await;

    let org = aws::organization(1).await;
    let member = org.members[0].clone();
    let payer = app.connected_payer(&p, &org.management).await;
    app.sync_accounts(&p.operator, &payer).await;
    let email = format!("new-{}@every.example", org.management);
    let job = operator.create_linked_account(json!({ "payerId": payer, "email": email, "name": "Fresh" })).await;
    let job = app.wait_job(&p.operator, &job).await;
    let created = job["result"]["accountId"].as_str().unwrap().to_owned();
    assert_eq!(admin.close_linked_account(&payer, &member).await["status"], "PENDING_CLOSURE");
    let policy = admin.create_policy_from_template(&payer, "deny-leave-organization", None).await["id"].as_str().unwrap().to_owned();
    operator.attach_policy(&payer, &policy, &created).await;
    operator.detach_policy(&payer, &policy, &created).await;
    // A payer whose role lives in an account that is not a management account: the check fails,
    // and people are told once, not on every check.
    let stray = admin.register_payer(&payer_input(&p.tenant_id, &member, "Stray")).await["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        assert_eq!(admin.check_payer_connection(&stray).await["status"], "ERROR");
    }
    assert_eq!(app.outbox("payer.connection_failed").await.len(), 1, "told once");

    // An invited user: the mail carries a one-time link; nothing else ever holds the token.
    assert_eq!(admin.invite_user("new.hire@every.example", "VIEWER", &p.tenant_id).await["invitationPending"], true);
    let invitation = smtp.wait_for("new.hire@every.example", 1).await;
    assert_eq!(invitation[0]["subject"], "You have been invited to Partner Billing");
    let text = invitation[0]["text"].as_str().unwrap();
    let token = text.split("https://billing.example.com/set-password?token=").nth(1).expect("a set-password link").split_whitespace().next().unwrap().to_owned();
    assert!(token.starts_with("pbs_") && token.len() > 40, "{token}");
    app.login_raw("new.hire@every.example", "any password at all", &[]).await.assert_code("UNAUTHENTICATED");
    let nobody = app.anonymous();
    nobody.try_set_password(&token, "short").await.assert_code("VALIDATION");
    assert!(!nobody.set_password(&token, "a new hire's own passphrase").await.is_empty());
    nobody.try_set_password(&token, "another long passphrase").await.assert_invalid("token");
    app.login("new.hire@every.example", "a new hire's own passphrase").await;
    let changed = smtp.wait_for("new.hire@every.example", 2).await;
    assert!(changed.iter().any(|m| m["subject"] == "Your Partner Billing password was changed"), "{changed:?}");
    assert!(!app.dump_all_text().await.contains(&token), "the token is stored nowhere");

    // The operator got one mail per organization event and the connection failure; personal
    // mail went to the person only.
    let mine = smtp.wait_for(&p.operator.email, 5).await;
    let subjects: Vec<&str> = mine.iter().map(|m| m["subject"].as_str().unwrap()).collect();
    assert!(subjects.contains(&format!("AWS account Fresh ({created}) created").as_str()), "{subjects:?}");
    assert!(subjects.contains(&"Payer Stray cannot be reached"), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.starts_with("Policy ") && s.ends_with(&format!("attached to {created}"))), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains(&member) && s.contains("closed")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains("detached from")), "{subjects:?}");
    assert!(!subjects.iter().any(|s| s.contains("invited") || s.contains("password")), "{subjects:?}");
    // The webhook saw each type.
    let wanted: Vec<String> = types.iter().map(|t| format!("com.partnerbilling.{t}")).collect();
    hook.wait_for_types(&wanted.iter().map(String::as_str).collect::<Vec<_>>()).await;
}

/// #16.15: three webhook endpoints that accept the connection and never answer, two events for
/// each (recorded together, so one dispatcher step takes both), and four mails. The mails arrive
/// while all three hanging requests are still open at once (mail waited for none of them, and the
/// endpoints were tried side by side); when the endpoints fail, each one's second delivery waits
/// for the retry interval instead of being tried (one request per endpoint, no attempt counted).
/// A third event, recorded after the failures and so taken by a later step, waits behind them too.
async fn a_hanging_webhook_delays_only_itself(db: DbKind) {
    use sea_orm::TransactionTrait as _;
    use std::sync::{Arc, Mutex};
    let smtp = SmtpSink::start(free_port()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held: Arc<Mutex<Vec<tokio::net::TcpStream>>> = Arc::default();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (h, a) = (held.clone(), accepted.clone());
    let acceptor = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            a.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            h.lock().unwrap().push(stream);
        }
    });
    let extra = [("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned()), ("notify_retry_seconds", "300".to_owned())];
    let app = TestApp::spawn_with(db, settings(&extra)).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Hanging Hooks").await;
    for who in [&p.operator, &p.admin] {
        app.as_user(who).subscribe(json!({ "eventTypes": ["account.created"], "tenantId": p.tenant_id, "userId": who.user_id })).await;
    }
    let admin = app.as_user(&p.admin);
    let mut endpoints = Vec::new();
    for i in 0..3 {
        let url = format!("http://127.0.0.1:{port}/hook{i}");
        let created = admin.create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": url, "eventTypes": ["*"] })).await;
        endpoints.push(created["endpoint"]["id"].as_str().unwrap().to_owned());
    }
    let payer = entity::payers::Entity::find_by_id(p.payer_id.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    let account_created = |n: u32| {
        let account = format!("11112222333{n}");
        let data = json!({ "accountId": account, "accountName": "Hang", "email": "x@hang.example" });
        partner_billing::notify::outbox::Event { event_type: "account.created", payer: &payer, subject: Some(account), data }
    };
    let txn = app.db.begin().await.unwrap();
    for n in 0..2 {
        partner_billing::notify::outbox::record(&txn, account_created(n)).await.unwrap();
    }
    txn.commit().await.unwrap();
    assert_eq!(smtp.wait_for(&p.operator.email, 2).await.len(), 2);
    assert_eq!(smtp.wait_for(&p.admin.email, 2).await.len(), 2);
    let open = || held.lock().unwrap().len();
    for _ in 0..50 {
        if open() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(open(), 3, "the three endpoints' first requests are open together, while the mail went out");
    // The endpoints fail (connection closed without an answer).
    held.lock().unwrap().clear();
    let hooks_of = |rows: &[Value]| rows.iter().filter(|n| n["channel"] == "webhook").cloned().collect::<Vec<Value>>();
    let rows = wait_log(admin, json!({ "eventType": "account.created" }), |r| hooks_of(r).iter().filter(|n| n["attempts"] == 1).count() == 3).await;
    let hooks = hooks_of(&rows);
    assert_eq!(hooks.len(), 6, "{rows:?}");
    assert!(hooks.iter().all(|n| n["status"] == "pending"), "{hooks:?}");
    assert_eq!(hooks.iter().filter(|n| n["attempts"] == 0).count(), 3, "each endpoint's second delivery was not tried: {hooks:?}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3, "one request per endpoint");

    // A later event, in a later step: its mails go out, its webhooks wait behind the failed ones.
    partner_billing::notify::outbox::record(&app.db, account_created(2)).await.unwrap();
    assert_eq!(smtp.wait_for(&p.admin.email, 3).await.len(), 3);
    wait_log(admin, json!({ "eventType": "account.created" }), |r| hooks_of(r).len() == 9).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 3, "the failing endpoints were not tried again");
    let hooks = hooks_of(&admin.notifications(json!({ "eventType": "account.created" })).await);
    assert_eq!(hooks.iter().filter(|n| n["attempts"] == 0 && n["status"] == "pending").count(), 6, "{hooks:?}");

    // Enabled again by its admin, one endpoint gets what waits for it at once, in order: its
    // first request opens (and hangs, holding the rest behind it); the other two still wait.
    let enabled = admin.update_webhook_endpoint(&endpoints[0], json!({ "enabled": true })).await;
    assert_eq!((&enabled["enabled"], &enabled["consecutiveFailures"]), (&json!(true), &json!(0)), "{enabled}");
    for _ in 0..100 {
        if accepted.load(std::sync::atomic::Ordering::SeqCst) == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 4, "one new request, to the enabled endpoint");
    let to_hook0 = held.lock().unwrap().len();
    assert_eq!(to_hook0, 1);
    acceptor.abort();
}

on_both_databases!(
    a_hanging_webhook_delays_only_itself,
    account_created_reaches_a_mailbox_in_en_and_zh_cn_and_a_webhook,
    every_kind_of_event_reaches_a_mailbox_and_a_webhook,
    mail_waits_while_smtp_is_down_and_arrives_once,
    webhooks_are_signed_with_a_secret_shown_once,
    a_failing_webhook_is_retried_disabled_and_redelivered_once_fixed,
    only_admins_subscribe_others_and_only_to_known_events,
    internal_webhook_targets_are_refused_by_default,
    broken_template_overrides_are_refused_and_the_old_one_kept,
    service_notices_reach_only_visible_accounts_and_are_rate_limited,
);
