//! Issue #19.5: views show a service's name as AWS shows it, from the cost data itself (CUR
//! `product_servicename` here), beside its code; a service the data names nowhere shows its code.
//! The code stays in the API and in the bill's CSV.

use std::collections::BTreeMap;

use e2e::{DbKind, Partner, TestApp, on_both_databases};
use partner_billing::ids::PayerId;
use partner_billing::ingest;
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use serde_json::{Value, json};

const A1: &str = "000111222333";
const A2: &str = "444555666777";

const HEADER: &str = "bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_account_id,bill_payer_account_id,line_item_product_code,product_servicename,line_item_usage_type,line_item_operation,line_item_line_item_type,line_item_currency_code,line_item_unblended_cost\n";

fn row(payer: &str, day: &str, account: &str, code: &str, name: &str, cost: &str) -> String {
    format!("{}-01T00:00:00Z,{day}T00:00:00Z,{account},{payer},{code},{name},{code}-Usage,Op,Usage,USD,{cost}\n", &day[..7])
}

/// October and November 2025 through the ingestion path: CloudWatch and KMS carry their names;
/// a third service (new in November) has none.
async fn ingest_fixture(app: &TestApp, p: &Partner) {
    let payer = p.payer_account_id.as_str();
    let dir = tempfile::tempdir().unwrap();
    let october = dir.path().join("october.csv");
    std::fs::write(
        &october,
        format!("{HEADER}{}{}", row(payer, "2025-10-03", A1, "AmazonCloudWatch", "Amazon CloudWatch", "10"), row(payer, "2025-10-04", A1, "awskms", "AWS Key Management Service", "3")),
    )
    .unwrap();
    let november = dir.path().join("november.csv");
    std::fs::write(
        &november,
        format!(
            "{HEADER}{}{}{}",
            row(payer, "2025-11-03", A1, "AmazonCloudWatch", "Amazon CloudWatch", "25"),
            row(payer, "2025-11-04", A2, "awskms", "AWS Key Management Service", "4"),
            row(payer, "2025-11-05", A2, "AmazonNoNameSvc", "", "7.5"),
        ),
    )
    .unwrap();
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    let payer_id = PayerId::parse(&p.payer_id).unwrap();
    for file in [october, november] {
        let report = ingest::ingest_files(&platform, payer_id, std::slice::from_ref(&file)).await.unwrap();
        assert_eq!(report.outcome, ingest::Outcome::Succeeded, "{report}");
    }
}

/// service code → (serviceName, amount) of a list of lines.
fn by_code(lines: &Value, code: &str, name: &str, amount: &str) -> BTreeMap<String, (Value, String)> {
    lines
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {lines}"))
        .iter()
        .map(|l| {
            let at = |path: &str| path.split('.').fold(l, |v, k| &v[k]).clone();
            (at(code).as_str().unwrap().to_owned(), (at(name), at(amount).as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap().normalize().to_string()))
        })
        .collect()
}

fn named(name: &str, amount: &str) -> (Value, String) {
    (json!(name), amount.to_owned())
}


async fn names_beside_codes_in_every_view(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Named Services").await;
    ingest_fixture(&app, &p).await;
    let pid = p.payer_id.as_str();

    // Cost by service: AWS's name beside the code; no name → the code.
    let viewer = app.as_user(&p.viewer);
    let nov = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE"] })).await;
    let groups = by_code(&nov["groups"], "key.service", "key.serviceName", "amount");
    assert_eq!(
        groups,
        BTreeMap::from([
            ("AmazonCloudWatch".to_owned(), named("Amazon CloudWatch", "25")),
            ("awskms".to_owned(), named("AWS Key Management Service", "4")),
            ("AmazonNoNameSvc".to_owned(), named("AmazonNoNameSvc", "7.5")),
        ])
    );
    let series = nov["series"].as_array().unwrap();
    assert!(series.iter().any(|s| s["key"]["serviceName"] == "AWS Key Management Service" && s["key"]["service"] == "awskms"), "{series:?}");
    // Not grouped by service: no name either.
    let by_account = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["ACCOUNT"] })).await;
    assert!(by_account["groups"].as_array().unwrap().iter().all(|g| g["key"]["serviceName"].is_null() && g["key"]["service"].is_null()), "{by_account}");

    // Month over month: the movers carry the names (KMS named from either month).
    let mom = viewer.month_over_month(&json!({ "payerIds": [pid], "month": "2025-11", "groupBy": ["SERVICE"] })).await;
    let changes = by_code(&mom["changes"], "key.service", "key.serviceName", "delta");
    assert_eq!(changes["AmazonCloudWatch"], named("Amazon CloudWatch", "15"));
    assert_eq!(changes["awskms"], named("AWS Key Management Service", "1"));
    assert_eq!(changes["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(mom["topIncreases"][0]["key"]["serviceName"], "Amazon CloudWatch");

    // The account bill: name and code on each line, both in the CSV.
    let bill = viewer.account_monthly_bill(pid, A2, "2025-11", None, None).await;
    let lines = by_code(&bill["lines"], "serviceCode", "serviceName", "cost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    let csv = bill["csv"].as_str().unwrap();
    assert!(csv.contains("AWS Key Management Service,awskms,"), "{csv}");

    // A customer's billing group: its report by service, the customer's own charges, and
    // PRO_FORMA cost by service all show the names.
    let admin = app.as_user(&p.admin);
    let customer = admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let acme_viewer = admin.create_user("viewer@acme-names.example", "VIEWER", ("tenantId", &customer)).await;
    let operator = app.as_user(&p.operator);
    let plan = operator.create_pricing_plan(json!({ "payerId": pid, "name": "list" })).await;
    let group = operator
        .create_billing_group(json!({ "payerId": pid, "name": "Acme", "primaryAccountId": A2, "accountIds": [A2], "pricingPlanId": plan, "customerTenantId": customer, "billingPeriod": "2025-10" }))
        .await;
    operator.create_custom_line_item(json!({ "billingGroupId": group, "name": "Support-fee", "chargeType": "FEE", "flatAmount": "20", "billingPeriodStart": "2025-10" })).await;
    let report = viewer.billing_group_cost_report_by(&group, "2025-10", "2025-11", "SERVICE").await;
    let lines = by_code(&report["lines"], "key", "serviceName", "awsCost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(lines["Support-fee"], named("Support-fee", "0"), "a custom line item by its name");
    let by_account = viewer.billing_group_cost_report_by(&group, "2025-10", "2025-11", "ACCOUNT").await;
    assert!(by_account["lines"].as_array().unwrap().iter().all(|l| l["serviceName"].is_null()), "{by_account}");

    let acme = app.as_user(&acme_viewer);
    let charges = acme.my_charges("2025-11").await;
    let lines = by_code(&charges[0]["lines"], "name", "serviceName", "amount");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(lines["Support-fee"], (Value::Null, "20".to_owned()), "a custom line item is no service");
    let proforma = acme.cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE"], "metric": "PRO_FORMA" })).await;
    let groups = by_code(&proforma["groups"], "key.service", "key.serviceName", "amount");
    assert_eq!(groups["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(groups["Support-fee"], named("Support-fee", "20"));

    // Stored results keep the names too.
    operator.recompute_billing(pid, "2025-11").await;
    let stored = viewer.billing_results(&group, "2025-11").await;
    let lines = by_code(&stored[0]["byService"], "key", "serviceName", "awsCost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
}

on_both_databases!(names_beside_codes_in_every_view);
