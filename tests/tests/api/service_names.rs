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

const SUMMARY: &str = "query($i: CostSummaryInput!) { costSummary(input: $i) { groups { amount key { service serviceName accountId } } series { period key { service serviceName } } } }";

async fn names_beside_codes_in_every_view(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Named Services").await;
    ingest_fixture(&app, &p).await;
    let pid = p.payer_id.as_str();

    // Cost by service: AWS's name beside the code; no name → the code.
    let nov = json!({ "i": { "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE"] } });
    let res = app.gql(p.viewer.bearer(), SUMMARY, nov).await;
    let groups = by_code(res.data("costSummary.groups"), "key.service", "key.serviceName", "amount");
    assert_eq!(
        groups,
        BTreeMap::from([
            ("AmazonCloudWatch".to_owned(), named("Amazon CloudWatch", "25")),
            ("awskms".to_owned(), named("AWS Key Management Service", "4")),
            ("AmazonNoNameSvc".to_owned(), named("AmazonNoNameSvc", "7.5")),
        ])
    );
    let series = res.data("costSummary.series").as_array().unwrap();
    assert!(series.iter().any(|s| s["key"]["serviceName"] == "AWS Key Management Service" && s["key"]["service"] == "awskms"), "{series:?}");
    // Not grouped by service: no name either.
    let by_account = app.gql(p.viewer.bearer(), SUMMARY, json!({ "i": { "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["ACCOUNT"] } })).await;
    assert!(by_account.data("costSummary.groups").as_array().unwrap().iter().all(|g| g["key"]["serviceName"].is_null() && g["key"]["service"].is_null()), "{:?}", by_account.body);

    // Month over month: the movers carry the names (KMS named from either month).
    let mom = app
        .gql(
            p.viewer.bearer(),
            "query($p: ID!) { monthOverMonth(input: { payerIds: [$p], month: \"2025-11\", groupBy: [SERVICE] }) { changes { delta key { service serviceName } } topIncreases { key { service serviceName } } } }",
            json!({ "p": pid }),
        )
        .await;
    let changes = by_code(mom.data("monthOverMonth.changes"), "key.service", "key.serviceName", "delta");
    assert_eq!(changes["AmazonCloudWatch"], named("Amazon CloudWatch", "15"));
    assert_eq!(changes["awskms"], named("AWS Key Management Service", "1"));
    assert_eq!(changes["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(mom.data("monthOverMonth.topIncreases.0.key.serviceName"), "Amazon CloudWatch");

    // The account bill: name and code on each line, both in the CSV.
    let bill = app
        .gql(
            p.viewer.bearer(),
            "query($p: ID!, $a: String!) { accountMonthlyBill(payerId: $p, accountId: $a, month: \"2025-11\") { lines { serviceCode serviceName cost } csv } }",
            json!({ "p": pid, "a": A2 }),
        )
        .await;
    let lines = by_code(bill.data("accountMonthlyBill.lines"), "serviceCode", "serviceName", "cost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    let csv = bill.data("accountMonthlyBill.csv").as_str().unwrap();
    assert!(csv.contains("AWS Key Management Service,awskms,"), "{csv}");

    // A customer's billing group: its report by service, the customer's own charges, and
    // PRO_FORMA cost by service all show the names.
    let customer = app.create_tenant(&p.admin, &p.tenant_id, "CUSTOMER", "Acme").await;
    let acme_viewer = app.create_user(&p.admin, "viewer@acme-names.example", "VIEWER", ("tenantId", &customer)).await;
    let plan = app
        .gql(p.operator.bearer(), "mutation($i: CreatePricingPlanInput!) { createPricingPlan(input: $i) { id } }", json!({ "i": { "payerId": pid, "name": "list" } }))
        .await
        .data("createPricingPlan.id")
        .clone();
    let group = app
        .gql(
            p.operator.bearer(),
            "mutation($i: CreateBillingGroupInput!) { createBillingGroup(input: $i) { id } }",
            json!({ "i": { "payerId": pid, "name": "Acme", "primaryAccountId": A2, "accountIds": [A2], "pricingPlanId": plan, "customerTenantId": customer, "billingPeriod": "2025-10" } }),
        )
        .await
        .data("createBillingGroup.id")
        .clone();
    app.gql(
        p.operator.bearer(),
        "mutation($i: CreateCustomLineItemInput!) { createCustomLineItem(input: $i) { id } }",
        json!({ "i": { "billingGroupId": group, "name": "Support-fee", "chargeType": "FEE", "flatAmount": "20", "billingPeriodStart": "2025-10" } }),
    )
    .await
    .data("createCustomLineItem.id");
    let report_q = "query($g: ID!, $by: BillingReportGroupBy!) { billingGroupCostReport(billingGroupId: $g, from: \"2025-10\", to: \"2025-11\", groupBy: $by) { lines { key serviceName customLineItem awsCost } } }";
    let report = app.gql(p.viewer.bearer(), report_q, json!({ "g": group, "by": "SERVICE" })).await;
    let lines = by_code(report.data("billingGroupCostReport.lines"), "key", "serviceName", "awsCost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(lines["Support-fee"], named("Support-fee", "0"), "a custom line item by its name");
    let by_account = app.gql(p.viewer.bearer(), report_q, json!({ "g": group, "by": "ACCOUNT" })).await;
    assert!(by_account.data("billingGroupCostReport.lines").as_array().unwrap().iter().all(|l| l["serviceName"].is_null()), "{:?}", by_account.body);

    let charges = app.gql(acme_viewer.bearer(), "query { myCharges(billingPeriod: \"2025-11\") { lines { name serviceName amount } } }", json!({})).await;
    let lines = by_code(charges.data("myCharges.0.lines"), "name", "serviceName", "amount");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
    assert_eq!(lines["Support-fee"], (Value::Null, "20".to_owned()), "a custom line item is no service");
    let proforma = app
        .gql(acme_viewer.bearer(), SUMMARY, json!({ "i": { "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE"], "metric": "PRO_FORMA" } }))
        .await;
    let groups = by_code(proforma.data("costSummary.groups"), "key.service", "key.serviceName", "amount");
    assert_eq!(groups["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(groups["Support-fee"], named("Support-fee", "20"));

    // Stored results keep the names too.
    app.gql(p.operator.bearer(), "mutation($p: ID!) { recomputeBilling(payerId: $p, billingPeriod: \"2025-11\") { id } }", json!({ "p": pid })).await.data("recomputeBilling");
    let stored = app
        .gql(p.viewer.bearer(), "query($g: ID!) { billingResults(billingGroupId: $g, billingPeriod: \"2025-11\") { byService { key serviceName awsCost } } }", json!({ "g": group }))
        .await;
    let lines = by_code(stored.data("billingResults.0.byService"), "key", "serviceName", "awsCost");
    assert_eq!(lines["awskms"], named("AWS Key Management Service", "4"));
    assert_eq!(lines["AmazonNoNameSvc"], named("AmazonNoNameSvc", "7.5"));
}

on_both_databases!(names_beside_codes_in_every_view);
