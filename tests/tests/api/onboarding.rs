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
use e2e::{DbKind, Gql, Session, TestApp, on_both_databases};
use partner_billing::aws::{AwsClients, SdkCurDefinitions, SdkDataExports};
use partner_billing::ids::ROOT_TENANT_ID;
use serde_json::{Value, json};

const ONBOARDING: &str = "query($c: ID!) { onboarding(customerTenantId: $c) { customer { id name } complete currentStep { step status blockingReason nextAction } steps { step status startedAt completedAt blockingReason nextAction } } }";
const REFRESH: &str = "mutation($c: ID!) { refreshOnboarding(customerTenantId: $c) { complete currentStep { step status blockingReason nextAction } steps { step status startedAt completedAt blockingReason nextAction } } }";
const CREATE_CONTRACT: &str = "mutation($i: CreateContractInput!) { createContract(input: $i) { id name status renewal startDate endDate invoicePrefix currency payerIds customer { id } } }";
const SETTINGS: &str = "query($id: ID!) { tenant(id: $id) { settings { defaultLocale { value source sourceTenant { id } } senderName { value source sourceTenant { id } } brandingName { value source sourceTenant { id } } overrides { defaultLocale senderName brandingName } } } }";
const UPDATE_SETTINGS: &str = "mutation($t: ID!, $i: UpdateTenantSettingsInput!) { updateTenantSettings(tenantId: $t, input: $i) { defaultLocale { value source } senderName { value source } brandingName { value source } overrides { defaultLocale senderName brandingName } } }";
const REGISTER: &str = "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id externalId status } }";

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

#[track_caller]
fn not_found(res: &Gql, what: &str) {
    assert_eq!(res.code(), Some("NOT_FOUND"), "{what}: {}", res.body);
}

#[track_caller]
fn invalid(res: &Gql, field: &str) {
    res.assert_code("VALIDATION");
    assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{}", res.body);
}

/// Creates a user without a password (an invitation) and returns the set-password token from the mail.
async fn invite(app: &TestApp, smtp: &SmtpSink, by: &Session, email: &str, tenant: &str) -> String {
    let res = app
        .gql(by.bearer(), "mutation($i: CreateUserInput!) { createUser(input: $i) { id invitationPending } }", json!({ "i": { "email": email, "role": "ADMIN", "tenantId": tenant } }))
        .await;
    assert_eq!(res.data("createUser.invitationPending"), true);
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

/// The whole flow: platform → distributor → reseller → customer, with a contract (mailed), an
/// invited customer admin who sets a password and connects their payer (moto); onboarding walks
/// to VALIDATE_EXPORT, which is BLOCKED until the account has a valid export and one is selected,
/// then COMPLETE. Along the way: settings inheritance and who sees what.
async fn three_tier_onboarding(db: DbKind) {
    let smtp = SmtpSink::start(free_port()).await;
    let hook = WebhookReceiver::start().await;
    let export_bucket: Arc<Mutex<Option<String>>> = Arc::default();
    let aws_calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let clients = clients_with_mocked_exports(&aws::sdk_config(&aws::moto_url()).await, &export_bucket, &aws_calls);
    let app = TestApp::spawn_with_aws(db, peers(&smtp), clients).await;
    let root = app.platform_admin().await;
    let root_id = ROOT_TENANT_ID.to_string();

    // Platform admin: a distributor and its admin. Distributor admin: two resellers and their admins.
    let distributor = app.create_tenant(&root, &root_id, "DISTRIBUTOR", "Dist One").await;
    let dist_admin = app.create_user(&root, "admin@dist.example", "ADMIN", ("tenantId", &distributor)).await;
    let reseller = app.create_tenant(&dist_admin, &distributor, "RESELLER", "Resell One").await;
    let reseller_admin = app.create_user(&dist_admin, "admin@resell-one.example", "ADMIN", ("tenantId", &reseller)).await;
    let other_reseller = app.create_tenant(&dist_admin, &distributor, "RESELLER", "Resell Two").await;
    let other_admin = app.create_user(&dist_admin, "admin@resell-two.example", "ADMIN", ("tenantId", &other_reseller)).await;
    let other_customer = app.create_tenant(&other_admin, &other_reseller, "CUSTOMER", "Globex").await;
    let other_contract = app.gql(other_admin.bearer(), CREATE_CONTRACT, json!({ "i": contract_input(&other_customer, "contracts@globex.example") })).await;
    let other_contract = other_contract.data("createContract.id").as_str().unwrap().to_owned();

    // Reseller admin: a customer. Onboarding starts at CONTRACT.
    let customer = app.create_tenant(&reseller_admin, &reseller, "CUSTOMER", "Acme").await;
    let o = app.gql(reseller_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(step(&o, "ADD_CUSTOMER")["status"], "DONE");
    assert!(step(&o, "ADD_CUSTOMER")["completedAt"].is_string());
    assert_eq!(o["currentStep"]["step"], "CONTRACT");
    assert_eq!(o["currentStep"]["status"], "NOT_STARTED");
    assert_eq!(o["currentStep"]["nextAction"], "Create a contract for the customer");
    assert_eq!(step(&o, "CONNECT_ACCOUNT")["status"], "BLOCKED");
    assert!(step(&o, "CONNECT_ACCOUNT")["blockingReason"].as_str().unwrap().contains("no active contract"));

    // Settings: set at the distributor, the sender overridden at the reseller; the customer inherits.
    let set = app.gql(dist_admin.bearer(), UPDATE_SETTINGS, json!({ "t": distributor, "i": { "defaultLocale": "zh-CN", "senderName": "Dist Billing", "brandingName": "DistBrand" } })).await;
    assert_eq!(set.data("updateTenantSettings.defaultLocale"), &json!({ "value": "zh-CN", "source": "OWN" }));
    let set = app.gql(reseller_admin.bearer(), UPDATE_SETTINGS, json!({ "t": reseller, "i": { "senderName": "Resell One Billing" } })).await;
    assert_eq!(set.data("updateTenantSettings.senderName.value"), "Resell One Billing");
    assert_eq!(set.data("updateTenantSettings.defaultLocale"), &json!({ "value": "zh-CN", "source": "INHERITED" }));
    assert_eq!(set.data("updateTenantSettings.overrides"), &json!({ "defaultLocale": null, "senderName": "Resell One Billing", "brandingName": null }));
    let seen_by_dist = app.gql(dist_admin.bearer(), SETTINGS, json!({ "id": customer })).await.data("tenant.settings").clone();
    assert_eq!(seen_by_dist["defaultLocale"], json!({ "value": "zh-CN", "source": "INHERITED", "sourceTenant": { "id": distributor } }));
    assert_eq!(seen_by_dist["senderName"], json!({ "value": "Resell One Billing", "source": "INHERITED", "sourceTenant": { "id": reseller } }));
    assert_eq!(seen_by_dist["brandingName"]["value"], "DistBrand");
    assert_eq!(seen_by_dist["overrides"], json!({ "defaultLocale": null, "senderName": null, "brandingName": null }));
    // The reseller admin sees the inherited value but not the upstream tenant it comes from.
    let seen_by_reseller = app.gql(reseller_admin.bearer(), SETTINGS, json!({ "id": customer })).await.data("tenant.settings").clone();
    assert_eq!(seen_by_reseller["defaultLocale"], json!({ "value": "zh-CN", "source": "INHERITED", "sourceTenant": null }));
    assert!(!seen_by_reseller.to_string().contains(&distributor));
    // The other reseller keeps the distributor's sender; the platform has the defaults.
    let other = app.gql(other_admin.bearer(), SETTINGS, json!({ "id": other_reseller })).await;
    assert_eq!(other.data("tenant.settings.senderName.value"), "Dist Billing");
    let platform = app.gql(root.bearer(), SETTINGS, json!({ "id": root_id })).await;
    assert_eq!(platform.data("tenant.settings.defaultLocale"), &json!({ "value": "en", "source": "PLATFORM_DEFAULT", "sourceTenant": null }));
    assert_eq!(platform.data("tenant.settings.brandingName.value"), "Partner Billing");

    // The reseller's webhook gets contract.changed too.
    app.gql(
        reseller_admin.bearer(),
        "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }",
        json!({ "i": { "tenantId": reseller, "url": hook.url, "eventTypes": ["contract.changed"] } }),
    )
    .await
    .data("createWebhookEndpoint");

    // A contract: the change address gets the mail in the customer's inherited locale, from the
    // reseller's sender name, with the distributor's branding.
    let contract = app.gql(reseller_admin.bearer(), CREATE_CONTRACT, json!({ "i": contract_input(&customer, "contracts@acme.example") })).await;
    let contract = contract.data("createContract").clone();
    assert_eq!(contract["status"], "ACTIVE");
    assert_eq!(contract["invoicePrefix"], "ACME-1");
    assert_eq!(contract["currency"], "USD");
    let mail = smtp.wait_for("contracts@acme.example", 1).await;
    assert_eq!(mail[0]["subject"], "客户 Acme 的合同 Managed AWS 已变更", "{mail:?}");
    assert!(mail[0]["fromHeader"].as_str().unwrap().contains("Resell One Billing"), "{mail:?}");
    let text = mail[0]["text"].as_str().unwrap();
    assert!(text.contains("admin@resell-one.example") && text.contains("ACME-1") && text.contains("DistBrand"), "{text}");
    hook.wait_for_types(&["com.partnerbilling.contract.changed"]).await;
    let o = app.gql(reseller_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(step(&o, "CONTRACT")["status"], "DONE");
    assert_eq!(o["currentStep"]["step"], "INVITE_ADMIN");
    assert_eq!(o["currentStep"]["nextAction"], "Invite the customer's administrator");

    // The customer's admin is invited (set-password mail), sets a password and signs in.
    let token = invite(&app, &smtp, &reseller_admin, "admin@acme.example", &customer).await;
    let o = app.gql(reseller_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(o["currentStep"]["step"], "INVITE_ADMIN");
    assert_eq!(o["currentStep"]["status"], "IN_PROGRESS");
    assert!(o["currentStep"]["nextAction"].as_str().unwrap().contains("admin@acme.example"));
    let set = "mutation($t: String!, $p: String!) { setPassword(token: $t, password: $p) { accessToken } }";
    app.gql(None, set, json!({ "t": token, "p": "acme admin's own passphrase" })).await.data("setPassword");
    let customer_admin = app.login("admin@acme.example", "acme admin's own passphrase").await;
    let o = app.gql(customer_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(step(&o, "INVITE_ADMIN")["status"], "DONE");
    assert_eq!(o["currentStep"]["step"], "CONNECT_ACCOUNT");

    // The customer admin reads its contract but may not change it.
    let mine = app.gql(customer_admin.bearer(), "query($t: ID!) { contracts(tenantId: $t) { id status } }", json!({ "t": customer })).await;
    assert_eq!(mine.data("contracts").as_array().unwrap().len(), 1);
    let upd = "mutation($id: ID!) { updateContract(id: $id, input: { name: \"mine now\" }) { id } }";
    app.gql(customer_admin.bearer(), upd, json!({ "id": contract["id"] })).await.assert_code("FORBIDDEN");
    app.gql(customer_admin.bearer(), CREATE_CONTRACT, json!({ "i": contract_input(&customer, "x@acme.example") })).await.assert_code("FORBIDDEN");

    // The customer admin registers its management account (moto) and the check passes.
    let org = aws::organization(1).await;
    let reg = app
        .gql(customer_admin.bearer(), REGISTER, json!({ "i": { "tenantId": customer, "accountId": org.management, "name": "Acme payer", "roleArn": aws::role_arn(&org.management) } }))
        .await;
    let payer = reg.data("registerPayer.id").as_str().unwrap().to_owned();
    // Nobody presses a button: the registration's watch job checks the connection, and the
    // onboarding moves from CONNECT_ACCOUNT (in progress) to VALIDATE_EXPORT on its own. The wait
    // outlasts one failed probe and the watch's 30-second retry (a loaded machine once timed the
    // first probe out), and a timeout says what the probes said.
    let mut o = Value::Null;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(75);
    while std::time::Instant::now() < deadline {
        o = app.gql(customer_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
        if o["currentStep"]["step"] == "VALIDATE_EXPORT" {
            break;
        }
        assert_eq!((o["currentStep"]["step"].as_str(), o["currentStep"]["status"].as_str()), (Some("CONNECT_ACCOUNT"), Some("IN_PROGRESS")), "{o}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let probed = app.gql(customer_admin.bearer(), "query($id: ID!) { payer(id: $id) { status statusReason } }", json!({ "id": payer })).await;
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}\nthe payer: {}", probed.body);
    // A check by hand still answers the same.
    let checked = app.gql(customer_admin.bearer(), "mutation($id: ID!) { checkPayerConnection(id: $id) { status statusReason } }", json!({ "id": payer })).await;
    assert_eq!(checked.data("checkPayerConnection.status"), "CONNECTED", "{}", checked.body);

    let o = app.gql(customer_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}");
    assert_eq!(o["currentStep"]["status"], "NOT_STARTED", "{o}");
    assert!(aws_calls.lock().unwrap().is_empty(), "reading the onboarding calls no AWS API");

    // Refresh re-runs the checks: the account is connected; it has no cost export yet.
    let o = app.gql(customer_admin.bearer(), REFRESH, json!({ "c": customer })).await.data("refreshOnboarding").clone();
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
    let list = "query($t: ID!) { onboardings(tenantId: $t) { customer { id name } currentStep { step status } } }";
    let mine = app.gql(reseller_admin.bearer(), list, json!({ "t": reseller })).await.data("onboardings").clone();
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["customer"]["id"], customer.as_str());
    assert_eq!(mine[0]["currentStep"], json!({ "step": "VALIDATE_EXPORT", "status": "BLOCKED" }));
    let all = app.gql(dist_admin.bearer(), list, json!({ "t": distributor })).await.data("onboardings").clone();
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|o| o["customer"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme", "Globex"]);

    // The customer creates a valid CUR 2.0 export: the refresh finds it (valid, not selected yet);
    // once the customer admin selects it, onboarding is COMPLETE.
    let bucket = format!("acme-cur-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    bucket_with_delivery(&org.management, &bucket).await;
    *export_bucket.lock().unwrap() = Some(bucket.clone());
    let o = app.gql(customer_admin.bearer(), REFRESH, json!({ "c": customer })).await.data("refreshOnboarding").clone();
    assert_eq!(aws_calls.lock().unwrap()[2..], ["ListExports".to_owned(), format!("GetExport {EXPORT_ARN}"), "DescribeReportDefinitions".to_owned()]);
    assert_eq!(o["currentStep"]["step"], "VALIDATE_EXPORT", "{o}");
    assert_eq!(o["currentStep"]["status"], "BLOCKED", "{o}");
    assert!(o["currentStep"]["blockingReason"].as_str().unwrap().contains("acme-cur2"), "names the valid export: {o}");
    let select = "mutation($p: ID!, $n: String!) { selectCostExport(payerId: $p, exportName: $n) { health selectedExport } }";
    let selected = app.gql(customer_admin.bearer(), select, json!({ "p": payer, "n": "acme-cur2" })).await;
    assert_eq!(selected.data("selectCostExport.selectedExport"), "acme-cur2");
    let o = app.gql(reseller_admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(o["complete"], true, "{o}");
    assert_eq!(o["currentStep"]["step"], "COMPLETE");
    for s in o["steps"].as_array().unwrap() {
        assert_eq!(s["status"], "DONE", "{o}");
        assert!(s["completedAt"].is_string() && s["blockingReason"].is_null(), "{o}");
    }
    assert_eq!(aws_calls.lock().unwrap().len(), 5, "reading the onboarding calls no AWS API");
    let mine = app.gql(reseller_admin.bearer(), list, json!({ "t": reseller })).await.data("onboardings").clone();
    assert_eq!(mine[0]["currentStep"], json!({ "step": "COMPLETE", "status": "DONE" }));

    // Visibility sideways: the reseller admin sees neither the other reseller nor its customer.
    for id in [&other_reseller, &other_customer] {
        not_found(&app.gql(reseller_admin.bearer(), "query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": id })).await, "tenant of the other reseller");
        not_found(&app.gql(reseller_admin.bearer(), "query($t: ID!) { contracts(tenantId: $t) { id } }", json!({ "t": id })).await, "contracts of the other reseller");
    }
    not_found(&app.gql(reseller_admin.bearer(), ONBOARDING, json!({ "c": other_customer })).await, "onboarding of the other customer");
    not_found(&app.gql(reseller_admin.bearer(), "query($id: ID!) { contract(id: $id) { id } }", json!({ "id": other_contract })).await, "the other contract");
    let listed = app.gql(reseller_admin.bearer(), "{ tenants(first: 100) { nodes { id } } }", json!({})).await;
    let listed = listed.data("tenants.nodes").to_string();
    assert!(!listed.contains(&other_reseller) && !listed.contains(&other_customer) && !listed.contains(&distributor), "{listed}");
    // A customer admin sees no other customer.
    not_found(&app.gql(customer_admin.bearer(), "query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": other_customer })).await, "other customer");
    not_found(&app.gql(customer_admin.bearer(), "query($id: ID!) { contract(id: $id) { id } }", json!({ "id": other_contract })).await, "other customer's contract");
    not_found(&app.gql(customer_admin.bearer(), ONBOARDING, json!({ "c": other_customer })).await, "other customer's onboarding");
    let listed = app.gql(customer_admin.bearer(), "{ tenants(first: 100) { nodes { id } } }", json!({})).await;
    assert_eq!(listed.data("tenants.nodes"), &json!([{ "id": customer }]));

    // Nobody reads or changes upstream: tenants, users, settings, contracts.
    let upstream: [(&Session, &str, &str, &str); 3] = [
        (&customer_admin, reseller.as_str(), reseller_admin.user_id.as_str(), "customer admin"),
        (&reseller_admin, distributor.as_str(), dist_admin.user_id.as_str(), "reseller admin"),
        (&dist_admin, root_id.as_str(), root.user_id.as_str(), "distributor admin"),
    ];
    for (who, above, above_admin, label) in upstream {
        let cases: Vec<(&str, Value)> = vec![
            ("query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": above })),
            ("query($id: ID!) { tenant(id: $id) { settings { senderName { value } } } }", json!({ "id": above })),
            ("mutation($id: ID!) { updateTenant(id: $id, input: { name: \"taken\" }) { id } }", json!({ "id": above })),
            ("mutation($id: ID!) { updateTenantSettings(tenantId: $id, input: { senderName: \"taken\" }) { senderName { value } } }", json!({ "id": above })),
            ("mutation($id: ID!) { createTenant(input: { parentId: $id, kind: CUSTOMER, name: \"x\" }) { id } }", json!({ "id": above })),
            ("mutation($id: ID!) { createUser(input: { email: \"sneaky@up.example\", role: ADMIN, tenantId: $id, password: \"a long enough passphrase\" }) { id } }", json!({ "id": above })),
            ("query($id: ID!) { user(id: $id) { id } }", json!({ "id": above_admin })),
            ("mutation($id: ID!) { disableUser(id: $id) { id } }", json!({ "id": above_admin })),
            ("query($id: ID!) { contracts(tenantId: $id) { id } }", json!({ "id": above })),
            ("query($id: ID!) { onboardings(tenantId: $id) { customer { id } } }", json!({ "id": above })),
        ];
        for (q, vars) in cases {
            not_found(&app.gql(who.bearer(), q, vars).await, &format!("{label}: {q}"));
        }
    }
    // ...while each admin manages downstream: the distributor admin renames the customer.
    let renamed = app.gql(dist_admin.bearer(), "mutation($id: ID!) { updateTenant(id: $id, input: { name: \"Acme Corp\" }) { name } }", json!({ "id": customer })).await;
    assert_eq!(renamed.data("updateTenant.name"), "Acme Corp");
    let up = app.gql(root.bearer(), SETTINGS, json!({ "id": distributor })).await;
    assert_eq!(up.data("tenant.settings.senderName.value"), "Dist Billing", "upstream settings unchanged");
}

/// Contract rules: who may create them, the input checks, PENDING → ACTIVE → ENDED, the mail
/// per change; registering a payer on a customer needs an ACTIVE contract and writes nothing
/// otherwise; settings input checks.
async fn contracts_gate_payers(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Gate Co").await;
    let q = app.new_partner(&root, "Other Gate").await;
    let customer = app.create_tenant(&p.admin, &p.tenant_id, "CUSTOMER", "Gated").await;
    let customer_admin = app.create_user(&p.admin, "admin@gated.example", "ADMIN", ("tenantId", &customer)).await;
    let customer_viewer = app.create_user(&p.admin, "viewer@gated.example", "VIEWER", ("tenantId", &customer)).await;

    // No contract: registering a payer on the customer fails and writes nothing.
    let account = aws::random_account();
    let register = json!({ "i": { "tenantId": customer, "accountId": account, "name": "early", "roleArn": aws::role_arn(&account) } });
    let payers_before = app.count("payers").await;
    for who in [&customer_admin, &p.admin] {
        let res = app.gql(who.bearer(), REGISTER, register.clone()).await;
        invalid(&res, "tenantId");
        assert!(res.message().contains("no active contract"), "{}", res.body);
    }
    assert_eq!(app.count("payers").await, payers_before);
    // Moving a payer onto the customer is refused the same way.
    let mv = app.gql(root.bearer(), "mutation($id: ID!, $t: ID!) { movePayer(id: $id, tenantId: $t) { id } }", json!({ "id": p.payer_id, "t": customer })).await;
    invalid(&mv, "tenantId");

    // Who may create: admins above the customer only.
    let input = contract_input(&customer, "contracts@gated.example");
    app.gql(p.operator.bearer(), CREATE_CONTRACT, json!({ "i": input })).await.assert_code("FORBIDDEN");
    app.gql(p.viewer.bearer(), CREATE_CONTRACT, json!({ "i": input })).await.assert_code("FORBIDDEN");
    app.gql(customer_admin.bearer(), CREATE_CONTRACT, json!({ "i": input })).await.assert_code("FORBIDDEN");
    not_found(&app.gql(q.admin.bearer(), CREATE_CONTRACT, json!({ "i": input })).await, "another partner's customer");
    let on_distributor = app.gql(p.admin.bearer(), CREATE_CONTRACT, json!({ "i": contract_input(&p.tenant_id, "x@gated.example") })).await;
    invalid(&on_distributor, "customerTenantId");

    // Bad input names the field and changes nothing.
    let with = |k: &str, v: Value| {
        let mut i = input.clone();
        i[k] = v;
        json!({ "i": i })
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
    for (vars, field) in bad {
        invalid(&app.gql(p.admin.bearer(), CREATE_CONTRACT, vars.clone()).await, field);
    }
    assert_eq!(app.count("contracts").await, 0);
    assert!(app.outbox("contract.changed").await.is_empty());

    // A contract starting tomorrow is PENDING: still no payers; onboarding says when it starts.
    let pending = app.gql(p.admin.bearer(), CREATE_CONTRACT, with("startDate", json!(day(1)))).await;
    assert_eq!(pending.data("createContract.status"), "PENDING");
    let id = pending.data("createContract.id").as_str().unwrap().to_owned();
    invalid(&app.gql(customer_admin.bearer(), REGISTER, register.clone()).await, "tenantId");
    let o = app.gql(customer_viewer.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(step(&o, "CONTRACT")["status"], "IN_PROGRESS");
    assert!(step(&o, "CONTRACT")["nextAction"].as_str().unwrap().contains(&day(1)), "{o}");

    // Moved to ten days ago and covering the partner's payer: ACTIVE; the customer may connect.
    let upd = "mutation($id: ID!, $i: UpdateContractInput!) { updateContract(id: $id, input: $i) { status startDate payerIds payers { id } } }";
    let active = app.gql(p.admin.bearer(), upd, json!({ "id": id, "i": { "startDate": day(-10), "payerIds": [p.payer_id] } })).await;
    assert_eq!(active.data("updateContract.status"), "ACTIVE");
    assert_eq!(active.data("updateContract.payerIds"), &json!([p.payer_id]));
    assert_eq!(active.data("updateContract.payers"), &json!([{ "id": p.payer_id }]), "the partner's admin sees the payer it covers");
    // The customer admin cannot see the partner's payer, so it is not listed to them.
    let as_customer = app.gql(customer_admin.bearer(), "query($id: ID!) { contract(id: $id) { payerIds payers { id } status } }", json!({ "id": id })).await;
    assert_eq!(as_customer.data("contract.payers"), &json!([]));
    assert_eq!(as_customer.data("contract.status"), "ACTIVE");
    invalid(&app.gql(p.admin.bearer(), upd, json!({ "id": id, "i": { "renewal": "FIXED_TERM" } })).await, "endDate");
    invalid(&app.gql(p.admin.bearer(), upd, json!({ "id": id, "i": { "payerIds": [q.payer_id] } })).await, "payerIds");
    app.gql(customer_viewer.bearer(), upd, json!({ "id": id, "i": { "name": "x" } })).await.assert_code("FORBIDDEN");
    let registered = app.gql(customer_admin.bearer(), REGISTER, register.clone()).await;
    assert_eq!(registered.data("registerPayer.status"), "PENDING");
    assert_eq!(app.count("payers").await, payers_before + 1);

    // Ended yesterday: ENDED; no more payers; onboarding says the contract ended.
    let end = "mutation($id: ID!, $d: NaiveDate!) { endContract(id: $id, endDate: $d) { status endDate } }";
    invalid(&app.gql(p.admin.bearer(), end, json!({ "id": id, "d": day(-20) })).await, "endDate");
    app.gql(customer_admin.bearer(), end, json!({ "id": id, "d": day(-1) })).await.assert_code("FORBIDDEN");
    let ended = app.gql(p.admin.bearer(), end, json!({ "id": id, "d": day(-1) })).await;
    assert_eq!(ended.data("endContract.status"), "ENDED");
    let again = aws::random_account();
    let late = json!({ "i": { "tenantId": customer, "accountId": again, "name": "late", "roleArn": aws::role_arn(&again) } });
    invalid(&app.gql(customer_admin.bearer(), REGISTER, late).await, "tenantId");
    assert_eq!(app.count("payers").await, payers_before + 1);
    let o = app.gql(p.admin.bearer(), ONBOARDING, json!({ "c": customer })).await.data("onboarding").clone();
    assert_eq!(step(&o, "CONTRACT")["status"], "BLOCKED");
    assert!(step(&o, "CONTRACT")["blockingReason"].as_str().unwrap().contains("ended"), "{o}");

    // Every change was an event for the change address: created, updated, ended.
    let actions: Vec<String> = app.outbox("contract.changed").await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(actions, ["created", "updated", "ended"]);
    let events = app.outbox("contract.changed").await;
    assert!(events.iter().all(|e| e["contractChangeEmail"] == "contracts@gated.example"));

    // The customer's users read their contract; operators of the customer may not refresh as viewers.
    let listed = app.gql(customer_viewer.bearer(), "query($t: ID!) { contracts(tenantId: $t) { id status } }", json!({ "t": customer })).await;
    assert_eq!(listed.data("contracts"), &json!([{ "id": id, "status": "ENDED" }]));
    let partner_list = app.gql(p.viewer.bearer(), "query($t: ID!) { contracts(tenantId: $t) { id } }", json!({ "t": p.tenant_id })).await;
    assert_eq!(partner_list.data("contracts").as_array().unwrap().len(), 1);
    app.gql(customer_viewer.bearer(), REFRESH, json!({ "c": customer })).await.assert_code("FORBIDDEN");
    invalid(&app.gql(p.admin.bearer(), ONBOARDING, json!({ "c": p.tenant_id })).await, "customerTenantId");

    // Settings: checked input, role checks, null inherits again.
    invalid(&app.gql(p.admin.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "defaultLocale": "fr" } })).await, "defaultLocale");
    invalid(&app.gql(p.admin.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "senderName": "Evil <x@evil.example>" } })).await, "senderName");
    invalid(&app.gql(p.admin.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "brandingName": "b".repeat(101) } })).await, "brandingName");
    assert_eq!(app.count("tenant_settings").await, 0);
    app.gql(p.operator.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "brandingName": "x" } })).await.assert_code("FORBIDDEN");
    app.gql(customer_viewer.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "brandingName": "x" } })).await.assert_code("FORBIDDEN");
    let own = app.gql(customer_admin.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "brandingName": "Gated Brand", "defaultLocale": "zh-CN" } })).await;
    assert_eq!(own.data("updateTenantSettings.brandingName"), &json!({ "value": "Gated Brand", "source": "OWN" }));
    let kept = app.gql(customer_admin.bearer(), UPDATE_SETTINGS, json!({ "t": customer, "i": { "brandingName": null } })).await;
    assert_eq!(kept.data("updateTenantSettings.brandingName"), &json!({ "value": "Partner Billing", "source": "PLATFORM_DEFAULT" }));
    assert_eq!(kept.data("updateTenantSettings.defaultLocale"), &json!({ "value": "zh-CN", "source": "OWN" }), "a left-out field is kept");
}

on_both_databases!(three_tier_onboarding, contracts_gate_payers);
