//! Customer onboarding (issue 9): three tiers of partner admins, tenant settings inherited down
//! the tree, contracts (mailed on every change) gating payer registration, and the onboarding
//! state machine driven by real data — real SMTP sink, webhook receiver and moto (STS,
//! Organizations, S3). moto has no AWS Data Exports or CUR definitions: those are the official
//! `aws-smithy-mocks` clients, asserting the exact requests.

use std::sync::{Arc, Mutex};

use aws_sdk_bcmdataexports::operation::get_export::GetExportOutput;
use aws_sdk_bcmdataexports::operation::list_exports::ListExportsOutput;
use aws_sdk_bcmdataexports::types::{
    CompressionOption, DataQuery, DestinationConfigurations, Export, ExportReference, FormatOption, OverwriteOption, S3Destination, S3OutputConfigurations,
    S3OutputType,
};
use aws_sdk_costandusagereport::operation::describe_report_definitions::DescribeReportDefinitionsOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use chrono::{Duration, Utc};
use e2e::aws;
use e2e::notify::{SmtpSink, WebhookReceiver, free_port};
use e2e::story::payer_input;
use e2e::{Actor, DbKind, Partner, Session, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, SdkCurDefinitions, SdkDataExports};
use partner_billing::ids::ROOT_TENANT_ID;
use serde_json::{Value, json};

fn peers(smtp: &SmtpSink) -> Vec<(&'static str, String)> {
    vec![("smtp_url", smtp.url()), ("webhook_allow_private", "true".to_owned()), ("notify_interval_ms", "100".to_owned()), ("public_url", "https://billing.example.com".to_owned())]
}

fn step<'a>(onboarding: &'a Value, name: &str) -> &'a Value {
    onboarding["steps"].as_array().unwrap().iter().find(|s| s["step"] == name).unwrap_or_else(|| panic!("no step {name}: {onboarding}"))
}

fn day(offset: i64) -> String {
    (Utc::now().date_naive() + Duration::days(offset)).to_string()
}

fn contract_input(customer: &str, change_email: &str) -> Value {
    json!({
        "customerTenantId": customer, "name": "Managed AWS", "startDate": day(0), "renewal": "AUTO",
        "billingEmail": "billing@customer.example", "contractChangeEmail": change_email, "invoicePrefix": "acme-1", "currency": "usd",
    })
}

/// Invites a customer admin (a user without a password) and returns the set-password token from the mail.
async fn invite(admin: Actor<'_>, smtp: &SmtpSink, email: &str, tenant: &str) -> String {
    assert_eq!(admin.invite_user(email, "ADMIN", tenant).await["invitationPending"], true);
    let mail = smtp.wait_for(email, 1).await;
    let text = mail[0]["text"].as_str().unwrap();
    text.split("https://billing.example.com/set-password?token=").nth(1).expect("a set-password link").split_whitespace().next().unwrap().to_owned()
}

const EXPORT_ARN: &str = "arn:aws:bcm-data-exports:us-east-1:111122223333:export/acme-cur2-0001";

/// A CUR 2.0 export with everything ingestion needs (Parquet, hourly, resource ids, split cost
/// allocation data) delivering to `bucket` under `cur2/`.
fn good_export(bucket: &str) -> Export {
    let conf = [("TIME_GRANULARITY", "HOURLY"), ("INCLUDE_RESOURCES", "TRUE"), ("INCLUDE_SPLIT_COST_ALLOCATION_DATA", "TRUE"), ("INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY", "FALSE")];
    let output = S3OutputConfigurations::builder()
        .output_type(S3OutputType::Custom)
        .format(FormatOption::Parquet)
        .compression(CompressionOption::Parquet)
        .overwrite(OverwriteOption::OverwriteReport)
        .build()
        .unwrap();
    Export::builder()
        .export_arn(EXPORT_ARN)
        .name("acme-cur2")
        .data_query(
            DataQuery::builder()
                .query_statement("SELECT identity_line_item_id, line_item_unblended_cost FROM COST_AND_USAGE_REPORT")
                .table_configurations("COST_AND_USAGE_REPORT", conf.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
                .build()
                .unwrap(),
        )
        .destination_configurations(
            DestinationConfigurations::builder()
                .s3_destination(S3Destination::builder().s3_bucket(bucket).s3_prefix("cur2").s3_region("us-east-1").s3_output_configurations(output).build().unwrap())
                .build(),
        )
        .build()
        .unwrap()
}

/// moto for STS, Organizations and S3; mocked Data Exports (holding the export once `bucket` is
/// set) and CUR definitions (none), recording each request.
fn clients_with_mocked_exports(sdk: &aws_config::SdkConfig, bucket: &Arc<Mutex<Option<String>>>, calls: &Arc<Mutex<Vec<String>>>) -> AwsClients {
    let (b1, b2, c1, c2, c3) = (bucket.clone(), bucket.clone(), calls.clone(), calls.clone(), calls.clone());
    let list = mock!(aws_sdk_bcmdataexports::Client::list_exports).then_compute_output(move |_| {
        c1.lock().unwrap().push("ListExports".to_owned());
        let refs = b1.lock().unwrap().as_ref().map(|_| ExportReference::builder().export_arn(EXPORT_ARN).export_name("acme-cur2").build().unwrap());
        ListExportsOutput::builder().set_exports(Some(refs.into_iter().collect())).build()
    });
    let get = mock!(aws_sdk_bcmdataexports::Client::get_export).then_compute_output(move |r| {
        c2.lock().unwrap().push(format!("GetExport {}", r.export_arn().unwrap_or_default()));
        GetExportOutput::builder().set_export(b2.lock().unwrap().as_deref().map(good_export)).build()
    });
    let reports = mock!(aws_sdk_costandusagereport::Client::describe_report_definitions).then_compute_output(move |_| {
        c3.lock().unwrap().push("DescribeReportDefinitions".to_owned());
        DescribeReportDefinitionsOutput::builder().set_report_definitions(Some(vec![])).build()
    });
    let exports = mock_client!(aws_sdk_bcmdataexports, RuleMode::MatchAny, [&list, &get]);
    let cur = mock_client!(aws_sdk_costandusagereport, RuleMode::MatchAny, [&reports]);
    AwsClients::from_sdk_config(sdk)
        .with_data_exports(Arc::new(SdkDataExports::from_conf(exports.config().clone())))
        .with_cur_definitions(Arc::new(SdkCurDefinitions::from_conf(cur.config().clone())))
}

/// A bucket in the payer's account (moto keeps S3 per account) with one delivered CUR file.
async fn bucket_with_delivery(account: &str, name: &str) {
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&aws::as_account(account).await).force_path_style(true).build());
    s3.create_bucket().bucket(name).send().await.unwrap();
    let key = "cur2/acme-cur2/data/BILLING_PERIOD=2026-11/acme-cur2-00001.snappy.parquet";
    s3.put_object().bucket(name).key(key).body(aws_sdk_s3::primitives::ByteStream::from_static(b"PAR1")).send().await.unwrap();
}

/// The tree every three-tier story starts from: the platform, a distributor with two resellers,
/// each reseller with a customer (Acme under the first; Globex, with a contract, under the
/// second), and an admin on each tier but the customers.
struct Tree {
    root: Session,
    root_id: String,
    distributor: String,
    dist_admin: Session,
    reseller: String,
    reseller_admin: Session,
    other_reseller: String,
    other_admin: Session,
    other_customer: String,
    other_contract: String,
    customer: String,
}

async fn tree(app: &TestApp) -> Tree {
    let root = app.platform_admin().await;
    let root_id = ROOT_TENANT_ID.to_string();
    // Platform admin: a distributor and its admin. Distributor admin: two resellers and their admins.
    let platform = app.as_user(&root);
    let distributor = platform.create_tenant(&root_id, "DISTRIBUTOR", "Dist One").await;
    let dist_admin = platform.create_user("admin@dist.example", "ADMIN", ("tenantId", &distributor)).await;
    let dist = app.as_user(&dist_admin);
    let reseller = dist.create_tenant(&distributor, "RESELLER", "Resell One").await;
    let reseller_admin = dist.create_user("admin@resell-one.example", "ADMIN", ("tenantId", &reseller)).await;
    let other_reseller = dist.create_tenant(&distributor, "RESELLER", "Resell Two").await;
    let other_admin = dist.create_user("admin@resell-two.example", "ADMIN", ("tenantId", &other_reseller)).await;
    let other = app.as_user(&other_admin);
    let other_customer = other.create_tenant(&other_reseller, "CUSTOMER", "Globex").await;
    let other_contract = other.create_contract(&contract_input(&other_customer, "contracts@globex.example")).await["id"].as_str().unwrap().to_owned();
    // Reseller admin: a customer.
    let customer = app.as_user(&reseller_admin).create_tenant(&reseller, "CUSTOMER", "Acme").await;
    Tree { root, root_id, distributor, dist_admin, reseller, reseller_admin, other_reseller, other_admin, other_customer, other_contract, customer }
}

/// Settings set at the distributor, the sender overridden at the first reseller; what each
/// update answered.
async fn brand_the_tree(app: &TestApp, t: &Tree) -> (Value, Value) {
    let at_distributor = app
        .as_user(&t.dist_admin)
        .update_tenant_settings(&t.distributor, json!({ "defaultLocale": "zh-CN", "senderName": "Dist Billing", "brandingName": "DistBrand" }))
        .await;
    let at_reseller = app.as_user(&t.reseller_admin).update_tenant_settings(&t.reseller, json!({ "senderName": "Resell One Billing" })).await;
    (at_distributor, at_reseller)
}

/// The whole onboarding: a reseller's new customer gets a contract (mailed), an invited customer
/// admin sets a password and connects their payer (moto); onboarding walks to VALIDATE_EXPORT,
/// which is BLOCKED until the account has a valid export and one is selected, then COMPLETE.
async fn onboarding_walks_a_new_customer_to_complete(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let export_bucket: Arc<Mutex<Option<String>>> = Arc::default();
    let aws_calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let clients = clients_with_mocked_exports(&aws::sdk_config(&aws::moto_url()).await, &export_bucket, &aws_calls);
    let app = TestApp::spawn_with_aws(db, peers(&smtp), clients).await;
    let t = tree(&app).await;
    let (reseller_admin, dist_admin) = (app.as_user(&t.reseller_admin), app.as_user(&t.dist_admin));
    let customer = t.customer.as_str();

    // A new customer's onboarding starts at CONTRACT.
    let o = reseller_admin.onboarding(customer).await;
    assert_eq!(step(&o, "ADD_CUSTOMER")["status"], "DONE");
    assert!(step(&o, "ADD_CUSTOMER")["completedAt"].is_string());
    assert_eq!(o["currentStep"]["step"], "CONTRACT");
    assert_eq!(o["currentStep"]["status"], "NOT_STARTED");
    assert_eq!(o["currentStep"]["nextAction"], "Create a contract for the customer");
    assert_eq!(step(&o, "CONNECT_ACCOUNT")["status"], "BLOCKED");
    assert!(step(&o, "CONNECT_ACCOUNT")["blockingReason"].as_str().unwrap().contains("no active contract"));

    // The reseller's webhook gets contract.changed too.
    brand_the_tree(&app, &t).await;
    reseller_admin.create_webhook_endpoint(json!({ "tenantId": t.reseller, "url": hook.url, "eventTypes": ["contract.changed"] })).await;

    // A contract: the change address gets the mail in the customer's inherited locale, from the
    // reseller's sender name, with the distributor's branding.
    let contract = reseller_admin.create_contract(&contract_input(customer, "contracts@acme.example")).await;
    assert_eq!(contract["status"], "ACTIVE");
    assert_eq!(contract["invoicePrefix"], "ACME-1");
    assert_eq!(contract["currency"], "USD");
    let mail = smtp.wait_for("contracts@acme.example", 1).await;
    assert_eq!(mail[0]["subject"], "客户 Acme 的合同 Managed AWS 已变更", "{mail:?}");
    assert!(mail[0]["fromHeader"].as_str().unwrap().contains("Resell One Billing"), "{mail:?}");
    let text = mail[0]["text"].as_str().unwrap();
    assert!(text.contains("admin@resell-one.example") && text.contains("ACME-1") && text.contains("DistBrand"), "{text}");
    hook.wait_for_types(&["com.partnerbilling.contract.changed"]).await;
    let o = reseller_admin.onboarding(customer).await;
    assert_eq!(step(&o, "CONTRACT")["status"], "DONE");
    assert_eq!(o["currentStep"]["step"], "INVITE_ADMIN");
    assert_eq!(o["currentStep"]["nextAction"], "Invite the customer's administrator");

    // The customer's admin is invited (set-password mail), sets a password and signs in.
    let token = invite(reseller_admin, &smtp, "admin@acme.example", customer).await;
    let o = reseller_admin.onboarding(customer).await;
    assert_eq!(o["currentStep"]["step"], "INVITE_ADMIN");
    assert_eq!(o["currentStep"]["status"], "IN_PROGRESS");
    assert!(o["currentStep"]["nextAction"].as_str().unwrap().contains("admin@acme.example"));
    app.anonymous().set_password(&token, "acme admin's own passphrase").await;
    let customer_admin = app.login("admin@acme.example", "acme admin's own passphrase").await;
    let customer_admin = app.as_user(&customer_admin);
    let o = customer_admin.onboarding(customer).await;
    assert_eq!(step(&o, "INVITE_ADMIN")["status"], "DONE");
    assert_eq!(o["currentStep"]["step"], "CONNECT_ACCOUNT");

    // The customer admin reads its contract but may not change it.
    assert_eq!(customer_admin.contracts(customer).await.as_array().unwrap().len(), 1);
    customer_admin.try_update_contract(contract["id"].as_str().unwrap(), json!({ "name": "mine now" })).await.assert_code("FORBIDDEN");
    customer_admin.try_create_contract(&contract_input(customer, "x@acme.example")).await.assert_code("FORBIDDEN");

    // The customer admin registers its management account (moto) and the check passes.
    let org = aws::organization(1).await;
    let payer = customer_admin.register_payer(&payer_input(customer, &org.management, "Acme payer")).await["id"].as_str().unwrap().to_owned();
    // Nobody presses a button: the registration's watch job checks the connection, and the
    // onboarding moves from CONNECT_ACCOUNT (in progress) to VALIDATE_EXPORT on its own. The wait
    // outlasts one failed probe and the watch's 30-second retry (a loaded machine once timed the
    // first probe out), and a timeout says what the probes said.
    let mut o = Value::Null;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(75);
    while std::time::Instant::now() < deadline {
        o = customer_admin.onboarding(customer).await;
        if o["currentStep"]["step"] == "VALIDATE_EXPORT" {
            break;
        }
        assert_eq!((o["currentStep"]["step"].as_str(), o["currentStep"]["status"].as_str()), (Some("CONNECT_ACCOUNT"), Some("IN_PROGRESS")), "{o}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let probed = customer_admin.try_payer(&payer).await;
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}\nthe payer: {}", probed.body);
    // A check by hand still answers the same.
    let checked = customer_admin.check_payer_connection(&payer).await;
    assert_eq!(checked["status"], "CONNECTED", "{checked}");

    let o = customer_admin.onboarding(customer).await;
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}");
    assert_eq!(o["currentStep"]["status"], "NOT_STARTED", "{o}");
    assert!(aws_calls.lock().unwrap().is_empty(), "reading the onboarding calls no AWS API");

    // Refresh re-runs the checks: the account is connected; it has no cost export yet.
    let o = customer_admin.refresh_onboarding(customer).await;
    assert_eq!(*aws_calls.lock().unwrap(), ["ListExports", "DescribeReportDefinitions"]);
    for done in ["ADD_CUSTOMER", "CONTRACT", "INVITE_ADMIN", "CONNECT_ACCOUNT"] {
        let s = step(&o, done);
        assert_eq!(s["status"], "DONE", "{done}: {o}");
        assert!(s["startedAt"].is_string() && s["completedAt"].is_string(), "{done}: {o}");
        assert!(s["startedAt"].as_str() <= s["completedAt"].as_str(), "{done}: {o}");
    }
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}");
    assert_eq!(o["currentStep"]["status"], "BLOCKED", "{o}");
    assert!(o["currentStep"]["blockingReason"].as_str().is_some_and(|r| !r.is_empty()), "{o}");
    assert!(o["currentStep"]["nextAction"].as_str().unwrap().contains("selectCostExport"), "{o}");
    assert!(step(&o, "VALIDATE_EXPORT")["startedAt"].is_string() && step(&o, "VALIDATE_EXPORT")["completedAt"].is_null(), "{o}");
    assert_eq!(step(&o, "COMPLETE")["status"], "NOT_STARTED");
    assert_eq!(o["complete"], false);
    // The steps are stored with their timestamps.
    let stored = app.count("onboarding_steps").await;
    assert!(stored >= 6, "{stored}");

    // The reseller's list shows its customer at VALIDATE_EXPORT; the distributor sees both customers.
    let mine = reseller_admin.onboardings(&t.reseller).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["customer"]["id"], customer);
    assert_eq!(mine[0]["currentStep"], json!({ "step": "VALIDATE_EXPORT", "status": "BLOCKED" }));
    let all = dist_admin.onboardings(&t.distributor).await;
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|o| o["customer"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme", "Globex"]);

    // The customer creates a valid CUR 2.0 export: the refresh finds it (valid, not selected yet);
    // once the customer admin selects it, onboarding is COMPLETE.
    let bucket = format!("acme-cur-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    bucket_with_delivery(&org.management, &bucket).await;
    *export_bucket.lock().unwrap() = Some(bucket.clone());
    let o = customer_admin.refresh_onboarding(customer).await;
    assert_eq!(aws_calls.lock().unwrap()[2..], ["ListExports".to_owned(), format!("GetExport {EXPORT_ARN}"), "DescribeReportDefinitions".to_owned()]);
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}");
    assert_eq!(o["currentStep"]["status"], "BLOCKED", "{o}");
    assert!(o["currentStep"]["blockingReason"].as_str().unwrap().contains("acme-cur2"), "names the valid export: {o}");
    assert_eq!(customer_admin.select_cost_export(&payer, "acme-cur2").await["selectedExport"], "acme-cur2");
    let o = reseller_admin.onboarding(customer).await;
    assert_eq!(o["complete"], true, "{o}");
    assert_eq!(o["currentStep"]["step"], "COMPLETE");
    for s in o["steps"].as_array().unwrap() {
        assert_eq!(s["status"], "DONE", "{o}");
        assert!(s["completedAt"].is_string() && s["blockingReason"].is_null(), "{o}");
    }
    assert_eq!(aws_calls.lock().unwrap().len(), 5, "reading the onboarding calls no AWS API");
    let mine = reseller_admin.onboardings(&t.reseller).await;
    assert_eq!(mine[0]["currentStep"], json!({ "step": "COMPLETE", "status": "DONE" }));
}

/// Settings set at the distributor, the sender overridden at a reseller: the customer below
/// inherits each from where it was set; a reseller admin sees the value but not the upstream
/// tenant it comes from; the other reseller keeps the distributor's; the platform has defaults.
async fn settings_are_inherited_down_the_tree(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tree(&app).await;
    let (set_at_distributor, set_at_reseller) = brand_the_tree(&app, &t).await;
    assert_eq!(set_at_distributor["defaultLocale"], json!({ "value": "zh-CN", "source": "OWN" }));
    assert_eq!(set_at_reseller["senderName"]["value"], "Resell One Billing");
    assert_eq!(set_at_reseller["defaultLocale"], json!({ "value": "zh-CN", "source": "INHERITED" }));
    assert_eq!(set_at_reseller["overrides"], json!({ "defaultLocale": null, "senderName": "Resell One Billing", "brandingName": null }));

    let seen_by_dist = app.as_user(&t.dist_admin).tenant_settings(&t.customer).await;
    assert_eq!(seen_by_dist["defaultLocale"], json!({ "value": "zh-CN", "source": "INHERITED", "sourceTenant": { "id": t.distributor } }));
    assert_eq!(seen_by_dist["senderName"], json!({ "value": "Resell One Billing", "source": "INHERITED", "sourceTenant": { "id": t.reseller } }));
    assert_eq!(seen_by_dist["brandingName"]["value"], "DistBrand");
    assert_eq!(seen_by_dist["overrides"], json!({ "defaultLocale": null, "senderName": null, "brandingName": null }));
    // The reseller admin sees the inherited value but not the upstream tenant it comes from.
    let seen_by_reseller = app.as_user(&t.reseller_admin).tenant_settings(&t.customer).await;
    assert_eq!(seen_by_reseller["defaultLocale"], json!({ "value": "zh-CN", "source": "INHERITED", "sourceTenant": null }));
    assert!(!seen_by_reseller.to_string().contains(&t.distributor));
    // The other reseller keeps the distributor's sender; the platform has the defaults.
    assert_eq!(app.as_user(&t.other_admin).tenant_settings(&t.other_reseller).await["senderName"]["value"], "Dist Billing");
    let platform = app.as_user(&t.root).tenant_settings(&t.root_id).await;
    assert_eq!(platform["defaultLocale"], json!({ "value": "en", "source": "PLATFORM_DEFAULT", "sourceTenant": null }));
    assert_eq!(platform["brandingName"]["value"], "Partner Billing");
}

/// Each admin reaches their own subtree only: a reseller admin sees neither the other reseller
/// nor its customer (their contracts, onboardings), a customer admin no other customer; nobody
/// reads or changes upstream (tenants, users, settings, contracts, onboardings), while each
/// admin manages downstream.
async fn admins_reach_their_own_subtree_only(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let t = tree(&app).await;
    brand_the_tree(&app, &t).await;
    let reseller_admin = app.as_user(&t.reseller_admin);
    let customer_session = reseller_admin.create_user("admin@acme.example", "ADMIN", ("tenantId", &t.customer)).await;
    let customer_admin = app.as_user(&customer_session);

    // Sideways.

    for id in [&t.other_reseller, &t.other_customer] {
        reseller_admin.try_tenant(id).await.assert_not_found("tenant of the other reseller");
        reseller_admin.try_contracts(id).await.assert_not_found("contracts of the other reseller");
    }
    reseller_admin.try_onboarding(&t.other_customer).await.assert_not_found("onboarding of the other customer");
    reseller_admin.try_contract(&t.other_contract).await.assert_not_found("the other contract");
    let listed = reseller_admin.tenants().await.to_string();
    assert!(!listed.contains(&t.other_reseller) && !listed.contains(&t.other_customer) && !listed.contains(&t.distributor), "{listed}");

    customer_admin.try_tenant(&t.other_customer).await.assert_not_found("other customer");
    customer_admin.try_contract(&t.other_contract).await.assert_not_found("other customer's contract");
    customer_admin.try_onboarding(&t.other_customer).await.assert_not_found("other customer's onboarding");
    let listed: Vec<Value> = customer_admin.tenants().await.as_array().unwrap().iter().map(|n| n["id"].clone()).collect();
    assert_eq!(listed, [json!(t.customer)]);

    // Upstream.
    let upstream: [(&Session, &str, &str, &str); 3] = [
        (&customer_session, t.reseller.as_str(), t.reseller_admin.user_id.as_str(), "customer admin"),
        (&t.reseller_admin, t.distributor.as_str(), t.dist_admin.user_id.as_str(), "reseller admin"),
        (&t.dist_admin, t.root_id.as_str(), t.root.user_id.as_str(), "distributor admin"),
    ];
    for (who, above, above_admin, label) in upstream {
        let who = app.as_user(who);
        let sneaky_user = json!({ "email": "sneaky@up.example", "role": "ADMIN", "tenantId": above, "password": "a long enough passphrase" });
        let refused = [
            ("tenant", who.try_tenant(above).await),
            ("tenant settings", who.try_tenant_settings(above).await),
            ("updateTenant", who.try_update_tenant(above, json!({ "name": "taken" })).await),
            ("updateTenantSettings", who.try_update_tenant_settings(above, json!({ "senderName": "taken" })).await),
            ("createTenant", who.try_create_tenant(above, "CUSTOMER", "x").await),
            ("createUser", who.try_add_user(sneaky_user).await),
            ("user", who.try_user(above_admin).await),
            ("disableUser", who.try_disable_user(above_admin).await),
            ("contracts", who.try_contracts(above).await),
            ("onboardings", who.try_onboardings(above).await),
        ];
        for (what, res) in refused {
            res.assert_not_found(&format!("{label}: {what}"));
        }
    }
    // ...while each admin manages downstream: the distributor admin renames the customer.
    assert_eq!(app.as_user(&t.dist_admin).update_tenant(&t.customer, json!({ "name": "Acme Corp" })).await["name"], "Acme Corp");
    let up = app.as_user(&t.root).tenant_settings(&t.distributor).await;
    assert_eq!(up["senderName"]["value"], "Dist Billing", "upstream settings unchanged");
}

/// A partner (and its payer) with a customer, which has an admin and a viewer.
struct Gated {
    root: Session,
    p: Partner,
    customer: String,
    customer_admin: Session,
    customer_viewer: Session,
}

async fn gated(app: &TestApp) -> Gated {
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Gate Co").await;
    let admin = app.as_user(&p.admin);
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Gated").await;
    let customer_admin = admin.create_user("admin@gated.example", "ADMIN", ("tenantId", &customer)).await;
    let customer_viewer = admin.create_user("viewer@gated.example", "VIEWER", ("tenantId", &customer)).await;
    Gated { root, p, customer, customer_admin, customer_viewer }
}

/// Only admins above a customer create its contracts (not the partner's operator or viewer, not
/// the customer's own admin, not another partner; and only for a customer), from checked input:
/// bad input names the field and writes nothing, no contract and no event.
async fn only_admins_above_a_customer_create_its_contract_from_checked_input(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let g = gated(&app).await;
    let q = app.new_partner(&g.root, "Other Gate").await;
    let input = contract_input(&g.customer, "contracts@gated.example");
    for who in [&g.p.operator, &g.p.viewer, &g.customer_admin] {
        app.as_user(who).try_create_contract(&input).await.assert_code("FORBIDDEN");
    }
    app.as_user(&q.admin).try_create_contract(&input).await.assert_not_found("another partner's customer");
    app.as_user(&g.p.admin).try_create_contract(&contract_input(&g.p.tenant_id, "x@gated.example")).await.assert_invalid("customerTenantId");

    // Bad input names the field and changes nothing.
    let with = |k: &str, v: Value| {
        let mut i = input.clone();
        i[k] = v;
        i
    };
    let bad = [
        (with("renewal", json!("FIXED_TERM")), "endDate"),
        (with("endDate", json!(day(-1))), "endDate"),
        (with("invoicePrefix", json!("TOO-LONG-PREFIX")), "invoicePrefix"),
        (with("invoicePrefix", json!("AC_ME")), "invoicePrefix"),
        (with("invoicePrefix", json!("")), "invoicePrefix"),
        (with("currency", json!("USS")), "currency"),
        (with("currency", json!("US")), "currency"),
        (with("billingEmail", json!("not an address")), "billingEmail"),
        (with("contractChangeEmail", json!("nobody")), "contractChangeEmail"),
        (with("name", json!("  ")), "name"),
        (with("payerIds", json!([q.payer_id])), "payerIds"),
        (with("payerIds", json!(["not-a-uuid"])), "payerIds"),
    ];
    let admin = app.as_user(&g.p.admin);
    for (input, field) in bad {
        admin.try_create_contract(&input).await.assert_invalid(field);
    }
    assert_eq!(app.count("contracts").await, 0);
    assert!(app.outbox("contract.changed").await.is_empty());
}

/// Payers join a customer only while its contract is ACTIVE: not before there is one (nor by a
/// move), not while it is PENDING, not once it ENDED; each change is an event for the change
/// address, and onboarding says where the contract stands.
async fn payers_join_a_customer_only_while_its_contract_is_active(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let g = gated(&app).await;
    let q = app.new_partner(&g.root, "Other Gate").await;
    let (admin, customer_admin, customer_viewer) = (app.as_user(&g.p.admin), app.as_user(&g.customer_admin), app.as_user(&g.customer_viewer));
    let customer = g.customer.as_str();
    let account = aws::random_account();
    let register = payer_input(customer, &account, "early");
    let payers_before = app.count("payers").await;

    // No contract: registering a payer on the customer fails and writes nothing; moving a payer
    // onto it is refused the same way.
    for who in [customer_admin, admin] {
        let res = who.try_register_payer(&register).await;
        res.assert_invalid("tenantId");
        assert!(res.message().contains("no active contract"), "{}", res.body);
    }
    assert_eq!(app.count("payers").await, payers_before);
    app.as_user(&g.root).try_move_payer(&g.p.payer_id, customer).await.assert_invalid("tenantId");

    // A contract starting tomorrow is PENDING: still no payers; onboarding says when it starts.
    let mut input = contract_input(customer, "contracts@gated.example");
    input["startDate"] = json!(day(1));
    let pending = admin.create_contract(&input).await;
    assert_eq!(pending["status"], "PENDING");
    let id = pending["id"].as_str().unwrap().to_owned();
    customer_admin.try_register_payer(&register).await.assert_invalid("tenantId");
    let o = customer_viewer.onboarding(customer).await;
    assert_eq!(step(&o, "CONTRACT")["status"], "IN_PROGRESS");
    assert!(step(&o, "CONTRACT")["nextAction"].as_str().unwrap().contains(&day(1)), "{o}");

    // Moved to ten days ago and covering the partner's payer: ACTIVE; the customer may connect.
    let active = admin.update_contract(&id, json!({ "startDate": day(-10), "payerIds": [g.p.payer_id] })).await;
    assert_eq!(active["status"], "ACTIVE");
    assert_eq!(active["payerIds"], json!([g.p.payer_id]));
    assert_eq!(active["payers"], json!([{ "id": g.p.payer_id }]), "the partner's admin sees the payer it covers");
    // The customer admin cannot see the partner's payer, so it is not listed to them.
    let as_customer = customer_admin.contract(&id).await;
    assert_eq!(as_customer["payers"], json!([]));
    assert_eq!(as_customer["status"], "ACTIVE");
    admin.try_update_contract(&id, json!({ "renewal": "FIXED_TERM" })).await.assert_invalid("endDate");
    admin.try_update_contract(&id, json!({ "payerIds": [q.payer_id] })).await.assert_invalid("payerIds");
    customer_viewer.try_update_contract(&id, json!({ "name": "x" })).await.assert_code("FORBIDDEN");
    assert_eq!(customer_admin.register_payer(&register).await["status"], "PENDING");
    assert_eq!(app.count("payers").await, payers_before + 1);

    // Ended yesterday: ENDED; no more payers; onboarding says the contract ended.
    admin.try_end_contract(&id, &day(-20)).await.assert_invalid("endDate");
    customer_admin.try_end_contract(&id, &day(-1)).await.assert_code("FORBIDDEN");
    assert_eq!(admin.end_contract(&id, &day(-1)).await["status"], "ENDED");
    let again = aws::random_account();
    customer_admin.try_register_payer(&payer_input(customer, &again, "late")).await.assert_invalid("tenantId");
    assert_eq!(app.count("payers").await, payers_before + 1);
    let o = admin.onboarding(customer).await;
    assert_eq!(step(&o, "CONTRACT")["status"], "BLOCKED");
    assert!(step(&o, "CONTRACT")["blockingReason"].as_str().unwrap().contains("ended"), "{o}");

    // Every change was an event for the change address: created, updated, ended.
    let events = app.outbox("contract.changed").await;
    let actions: Vec<&str> = events.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "updated", "ended"]);
    assert!(events.iter().all(|e| e["contractChangeEmail"] == "contracts@gated.example"));

    // The customer's users read their contract; its viewers may not refresh the onboarding; a
    // partner is no customer to onboard.
    assert_eq!(customer_viewer.contracts(customer).await, json!([{ "id": id, "status": "ENDED" }]));
    assert_eq!(app.as_user(&g.p.viewer).contracts(&g.p.tenant_id).await.as_array().unwrap().len(), 1);
    customer_viewer.try_refresh_onboarding(customer).await.assert_code("FORBIDDEN");
    admin.try_onboarding(&g.p.tenant_id).await.assert_invalid("customerTenantId");
}

/// Each contract with its parties, asked for one at a time.
async fn one_by_one(who: Actor<'_>, ids: &[String]) -> Value {
    let mut out = Vec::new();
    for id in ids {
        out.push(who.contract_parties(id).await);
    }
    Value::Array(out)
}

/// A list of contracts shows each one's customer and payers as asking for that contract does:
/// the partner's admin sees its payer, the customer's admin sees its own customer and no payer of
/// the partner's, and two contracts naming the same payer both show it.
async fn a_list_of_contracts_shows_each_ones_parties_as_asking_for_it_does(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let g = gated(&app).await;
    let admin = app.as_user(&g.p.admin);
    let second = admin.create_tenant(&g.p.tenant_id, "CUSTOMER", "Second").await;
    let mut ids = Vec::new();
    for (customer, payers) in [(&g.customer, json!([g.p.payer_id])), (&second, json!([g.p.payer_id])), (&g.customer, json!([]))] {
        let mut input = contract_input(customer, "contracts@gated.example");
        input["payerIds"] = payers;
        ids.push(admin.create_contract(&input).await["id"].as_str().unwrap().to_owned());
    }
    let listed = admin.contracts_parties(&g.p.tenant_id).await;
    assert_eq!(listed, one_by_one(admin, &ids).await);
    assert_eq!(listed[0]["payers"], json!([{ "id": g.p.payer_id, "name": listed[1]["payers"][0]["name"] }]), "{listed}");
    assert_eq!(listed[1]["customer"]["name"], "Second");

    let customer_admin = app.as_user(&g.customer_admin);
    let theirs = customer_admin.contracts_parties(&g.customer).await;
    assert_eq!(theirs, one_by_one(customer_admin, &[ids[0].clone(), ids[2].clone()]).await);
    assert_eq!(theirs[0]["customer"]["name"], "Gated");
    assert_eq!(theirs[0]["payers"], json!([]), "the partner's payer is not the customer admin's to see");
}

/// The onboardings and contracts of a tenant's subtree come a page at a time: onboardings by
/// customer name, contracts oldest first, every row once across the pages; a page size out of
/// range or a cursor from elsewhere is refused naming the argument.
async fn onboardings_and_contracts_come_a_page_at_a_time(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let g = gated(&app).await;
    let admin = app.as_user(&g.p.admin);
    // "Gated" exists already; two more customers, named so that creation order is not name order.
    let zulu = admin.create_tenant(&g.p.tenant_id, "CUSTOMER", "Zulu").await;
    let alpha = admin.create_tenant(&g.p.tenant_id, "CUSTOMER", "Alpha").await;
    let mut made = Vec::new();
    for customer in [&zulu, &g.customer, &alpha] {
        made.push(admin.create_contract(&contract_input(customer, "contracts@gated.example")).await["id"].as_str().unwrap().to_owned());
    }
    let names = |page: &Value| page["nodes"].as_array().unwrap().iter().map(|n| n["customer"]["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();

    let first = admin.onboardings_page(&g.p.tenant_id, Some(2), None).await;
    assert_eq!(names(&first), ["Alpha", "Gated"]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = admin.onboardings_page(&g.p.tenant_id, Some(2), first["pageInfo"]["endCursor"].as_str()).await;
    assert_eq!(names(&rest), ["Zulu"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    let ids = |page: &Value| page["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let first = admin.contracts_page(&g.p.tenant_id, Some(2), None).await;
    assert_eq!(ids(&first), made[..2]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = admin.contracts_page(&g.p.tenant_id, Some(2), first["pageInfo"]["endCursor"].as_str()).await;
    assert_eq!(ids(&rest), made[2..]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    for size in [0, 101] {
        admin.try_onboardings_page(&g.p.tenant_id, Some(size), None).await.assert_invalid("first");
        admin.try_contracts_page(&g.p.tenant_id, Some(size), None).await.assert_invalid("first");
    }
    admin.try_contracts_page(&g.p.tenant_id, None, Some("not-a-cursor")).await.assert_invalid("after");
    // The partner's own tenant is no customer of the list: its id is no cursor for it.
    admin.try_onboardings_page(&g.p.tenant_id, None, Some(&g.p.tenant_id)).await.assert_invalid("after");
}

/// Settings input is checked, only admins change settings, and a null inherits again while a
/// left-out field is kept.
async fn tenant_settings_are_checked_and_null_inherits_again(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let g = gated(&app).await;
    let customer = g.customer.as_str();
    let admin = app.as_user(&g.p.admin);
    admin.try_update_tenant_settings(customer, json!({ "defaultLocale": "fr" })).await.assert_invalid("defaultLocale");
    admin.try_update_tenant_settings(customer, json!({ "senderName": "Evil <x@evil.example>" })).await.assert_invalid("senderName");
    admin.try_update_tenant_settings(customer, json!({ "brandingName": "b".repeat(101) })).await.assert_invalid("brandingName");
    assert_eq!(app.count("tenant_settings").await, 0);
    for who in [&g.p.operator, &g.customer_viewer] {
        app.as_user(who).try_update_tenant_settings(customer, json!({ "brandingName": "x" })).await.assert_code("FORBIDDEN");
    }
    let customer_admin = app.as_user(&g.customer_admin);
    let own = customer_admin.update_tenant_settings(customer, json!({ "brandingName": "Gated Brand", "defaultLocale": "zh-CN" })).await;
    assert_eq!(own["brandingName"], json!({ "value": "Gated Brand", "source": "OWN" }));
    let kept = customer_admin.update_tenant_settings(customer, json!({ "brandingName": null })).await;
    assert_eq!(kept["brandingName"], json!({ "value": "Partner Billing", "source": "PLATFORM_DEFAULT" }));
    assert_eq!(kept["defaultLocale"], json!({ "value": "zh-CN", "source": "OWN" }), "a left-out field is kept");
}

on_both_databases!(
    onboarding_walks_a_new_customer_to_complete,
    settings_are_inherited_down_the_tree,
    admins_reach_their_own_subtree_only,
    only_admins_above_a_customer_create_its_contract_from_checked_input,
    payers_join_a_customer_only_while_its_contract_is_active,
    a_list_of_contracts_shows_each_ones_parties_as_asking_for_it_does,
    onboardings_and_contracts_come_a_page_at_a_time,
    tenant_settings_are_checked_and_null_inherits_again,
);
