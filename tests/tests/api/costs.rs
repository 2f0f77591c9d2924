//! Cost insights on a hand-checked fixture: the expected numbers are written here, not
//! computed by the code under test.

use chrono::NaiveDate;
use e2e::{DbKind, Partner, Session, TestApp, on_both_databases};
use partner_billing::money::to_units;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// One day-grain row (unblended = net = amortized; list is 10 % higher).
async fn cost(app: &TestApp, payer: &str, day: &str, account: &str, service: &str, charge: &str, amount: &str) {
    cost_from(app, "cur", payer, day, account, service, charge, amount).await;
}

#[allow(clippy::too_many_arguments)]
async fn cost_from(app: &TestApp, source: &str, payer: &str, day: &str, account: &str, service: &str, charge: &str, amount: &str) {
    let amount: Decimal = amount.parse().unwrap();
    let units = to_units(amount).unwrap();
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    entity::cost_daily::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        payer_id: Set(payer.parse().unwrap()),
        source: Set(source.into()),
        billing_period: Set(day[..7].to_owned()),
        usage_date: Set(date),
        usage_account_id: Set(account.to_owned()),
        service_code: Set(service.to_owned()),
        service_name: Set(format!("{service} (name)")),
        usage_type: Set(format!("{service}-usage")),
        operation: Set("Op".into()),
        region: Set("us-east-1".into()),
        charge_type: Set(charge.to_owned()),
        billing_entity: Set("AWS".into()),
        pricing_unit: Set("Hrs".into()),
        currency: Set("USD".into()),
        unblended_cost: Set(units),
        net_unblended_cost: Set(units),
        amortized_cost: Set(units),
        list_cost: Set(to_units(amount * Decimal::new(11, 1)).unwrap()),
        usage_quantity: Set("1.5".into()),
        line_item_description: Set(format!("{service} {charge} on {day}")),
        line_count: Set(1),
        ingestion_id: Set(uuid::Uuid::now_v7()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // Written past ingestion: keep the month rollup in step, as every writer of the day grain does,
    // so these hand-checked numbers also check the rollup's path (whole months read from it).
    let payer = partner_billing::ids::PayerId(payer.parse().unwrap());
    partner_billing::ingest::rollup::refresh(&app.db, payer, source, &[day[..7].to_owned()]).await.unwrap();
}

const A1: &str = "000111222333";
const A2: &str = "444555666777";

/// October and November 2025 for one payer.
async fn fixture(app: &TestApp, p: &Partner) {
    let pid = p.payer_id.as_str();
    // October: EC2 100 (A1) − 5 credit, S3 50 (A2), Support 10 (A1).
    cost(app, pid, "2025-10-03", A1, "AmazonEC2", "Usage", "60.00").await;
    cost(app, pid, "2025-10-20", A1, "AmazonEC2", "Usage", "40.00").await;
    cost(app, pid, "2025-10-31", A1, "AmazonEC2", "Credit", "-5.00").await;
    cost(app, pid, "2025-10-05", A2, "AmazonS3", "Usage", "50.00").await;
    cost(app, pid, "2025-10-01", A1, "AWSSupportBusiness", "Usage", "10.00").await;
    // November: EC2 120.50 − 7 credit, S3 50, Lambda 7.25 (new), no Support (gone).
    cost(app, pid, "2025-11-02", A1, "AmazonEC2", "Usage", "120.4999999999").await;
    cost(app, pid, "2025-11-03", A1, "AmazonEC2", "Usage", "0.0000000001").await;
    cost(app, pid, "2025-11-30", A1, "AmazonEC2", "Credit", "-7.00").await;
    cost(app, pid, "2025-11-10", A2, "AmazonS3", "Usage", "50.00").await;
    cost(app, pid, "2025-11-11", A2, "AWSLambda", "Usage", "7.25").await;
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A partner with the October–November fixture on its payer.
async fn partner_with_fixture(app: &TestApp, name: &str) -> (Session, Partner) {
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, name).await;
    fixture(app, &p).await;
    (admin, p)
}

fn mom_input(payer: &str, month: &str, group_by: &str) -> Value {
    json!({ "payerIds": [payer], "month": month, "groupBy": [group_by] })
}

async fn month_over_month_on_a_hand_checked_fixture(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Cost Co").await;
    let viewer = app.as_user(&p.viewer);
    let mom = viewer.month_over_month(&mom_input(&p.payer_id, "2025-11", "SERVICE")).await;
    let changes = mom["changes"].as_array().unwrap().clone();
    let by = |s: &str| changes.iter().find(|c| c["key"]["service"] == s).unwrap().clone();
    let ec2 = by("AmazonEC2");
    assert_eq!((dec(&ec2["current"]), dec(&ec2["previous"]), dec(&ec2["delta"])), (d("113.5"), d("95"), d("18.5")));
    assert_eq!(dec(&ec2["deltaPercent"]), d("19.47"));
    let s3 = by("AmazonS3");
    assert_eq!((dec(&s3["delta"]), dec(&s3["deltaPercent"])), (d("0"), d("0")));
    let lambda = by("AWSLambda");
    assert_eq!((lambda["isNew"].as_bool(), dec(&lambda["previous"]), lambda["deltaPercent"].is_null()), (Some(true), d("0"), true));
    let support = by("AWSSupportBusiness");
    assert_eq!((support["isGone"].as_bool(), dec(&support["delta"]), dec(&support["deltaPercent"])), (Some(true), d("-10"), d("-100")));
    assert_eq!(mom["topIncreases"][0]["key"]["service"], "AmazonEC2");
    assert_eq!(mom["topIncreases"][1]["key"]["service"], "AWSLambda");
    assert_eq!(mom["topDecreases"][0]["key"]["service"], "AWSSupportBusiness");
    // Negative credits, by charge type: −7 against −5.
    let mom = viewer.month_over_month(&mom_input(&p.payer_id, "2025-11", "CHARGE_TYPE")).await;
    let credit = mom["changes"].as_array().unwrap().iter().find(|c| c["key"]["chargeType"] == "Credit").unwrap().clone();
    assert_eq!((dec(&credit["current"]), dec(&credit["previous"]), dec(&credit["delta"]), dec(&credit["deltaPercent"])), (d("-7"), d("-5"), d("-2"), d("-40")));
    // A month with nothing before it.
    let mom = viewer.month_over_month(&mom_input(&p.payer_id, "2025-10", "SERVICE")).await;
    assert!(mom["changes"].as_array().unwrap().iter().all(|c| c["isNew"] == true && c["deltaPercent"].is_null()));
}

/// The cost summary to the cent: by account with a month series, by service category, on the
/// list-cost metric; a backwards range is refused.
async fn cost_summary_adds_up_by_account_category_and_metric(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Sum Co").await;
    let viewer = app.as_user(&p.viewer);
    let pid = p.payer_id.as_str();
    let summary = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-10-01", "to": "2025-11-30", "granularity": "MONTH", "groupBy": ["ACCOUNT"] })).await;
    assert_eq!(summary["currency"], "USD");
    // 95 + 50 + 10 + 113.5 + 50 + 7.25, to the cent and beyond.
    assert_eq!(dec(&summary["total"]), d("325.75"));
    let groups = summary["groups"].as_array().unwrap();
    assert_eq!(groups[0]["key"]["accountId"], A1);
    assert_eq!(dec(&groups[0]["amount"]), d("218.5"));
    assert_eq!(dec(&groups[1]["amount"]), d("107.25"));
    assert!(groups[0]["key"]["serviceCategory"].is_null());
    let series = summary["series"].as_array().unwrap();
    assert_eq!(series.iter().filter(|s| s["period"] == "2025-11").count(), 2);
    // Service categories: Compute = EC2 + Lambda in November.
    let summary = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE_CATEGORY"] })).await;
    let compute = summary["groups"].as_array().unwrap().iter().find(|g| g["key"]["serviceCategory"] == "Compute").unwrap().clone();
    assert_eq!(dec(&compute["amount"]), d("120.75"));
    // List cost is its own metric.
    let list = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "metric": "LIST", "filter": { "accountIds": [A2] } })).await;
    assert_eq!(dec(&list["total"]), d("62.975"));
    // Bad range.
    viewer.try_cost_summary(&json!({ "payerIds": [pid], "from": "2025-11-30", "to": "2025-11-01" })).await.assert_code("VALIDATION");
}

/// Whole months by account read the rollup by account, which keeps no charge type: asked by
/// account and charge type, or by account for credits only, the numbers still split by charge
/// type (the rollup by account and service answers), to the cent of the fixture.
async fn by_account_with_charge_types_splits_them(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Charge Co").await;
    let viewer = app.as_user(&p.viewer);
    let pid = p.payer_id.as_str();
    let viewer = &viewer;
    let summary = |extra: Value| {
        let mut input = json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30" });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let query = "query($i: CostSummaryInput!) { costSummary(input: $i) { total groups { key { accountId chargeType } amount } } }";
        async move { viewer.run(query, json!({ "i": input })).await.take("costSummary") }
    };
    let amounts = |summary: &Value| -> Vec<(String, String, Decimal)> {
        let mut out: Vec<_> = summary["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["key"]["accountId"].as_str().unwrap_or("").to_owned(), g["key"]["chargeType"].as_str().unwrap_or("").to_owned(), dec(&g["amount"])))
            .collect();
        out.sort();
        out
    };
    // By account alone: one amount per account, every charge type in it.
    let by_account = summary(json!({ "groupBy": ["ACCOUNT"] })).await;
    assert_eq!(amounts(&by_account), [(A1.to_owned(), String::new(), d("113.5")), (A2.to_owned(), String::new(), d("57.25"))]);
    // By account and charge type: A1's credit apart from its usage.
    let split = summary(json!({ "groupBy": ["ACCOUNT", "CHARGE_TYPE"] })).await;
    assert_eq!(
        amounts(&split),
        [(A1.to_owned(), "Credit".to_owned(), d("-7")), (A1.to_owned(), "Usage".to_owned(), d("120.5")), (A2.to_owned(), "Usage".to_owned(), d("57.25"))]
    );
    // By account, credits only.
    let credits = summary(json!({ "groupBy": ["ACCOUNT"], "filter": { "chargeTypes": ["Credit"] } })).await;
    assert_eq!(amounts(&credits), [(A1.to_owned(), String::new(), d("-7"))]);
    assert_eq!(dec(&credits["total"]), d("-7"));
}

/// A past month's forecast is its total, and an account's monthly bill is itemised in the
/// reader's locale (a Chinese CSV with a byte-order mark).
async fn a_past_month_forecasts_its_total_and_bills_per_account(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Sum Co").await;
    let viewer = app.as_user(&p.viewer);
    let f = viewer.cost_forecast(&[&p.payer_id], "2025-11", None, None).await;
    assert_eq!(dec(&f["monthToDate"]), d("170.75"));
    assert_eq!(dec(&f["projected"]), d("170.75"), "a past month projects to its total");
    assert_eq!(f["daysInMonth"], 30);

    let bill = viewer.account_monthly_bill(&p.payer_id, A1, "2025-11", None, Some("zh-CN")).await;
    assert_eq!(dec(&bill["total"]), d("113.5"));
    let csv = bill["csv"].as_str().unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("服务"), "{csv}");
    assert!(csv.contains("AmazonEC2"));
}

/// Ingestion health: nothing to judge before any data; a warning for data that is old.
async fn ingestion_health_warns_about_old_data(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Sum Co").await;
    let viewer = app.as_user(&p.viewer);
    assert_eq!(viewer.ingestion_health(&p.payer_id).await["status"], "NOT_AVAILABLE");
    fixture(&app, &p).await;
    assert_eq!(viewer.ingestion_health(&p.payer_id).await["status"], "WARNING", "the fixture is from 2025: old data");
}

/// The same month loaded from a CUR export and the Cost Explorer pull counts once (the CUR);
/// a month only Cost Explorer has counts from it.
async fn a_month_from_two_sources_counts_once(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Two Sources").await;
    let pid = p.payer_id.as_str();
    cost_from(&app, "ce", pid, "2025-11-02", A1, "AmazonEC2", "Usage", "120.50").await;
    cost_from(&app, "legacy", pid, "2025-11-01", A1, "AmazonEC2", "Usage", "999.00").await;
    cost_from(&app, "ce", pid, "2025-12-01", A1, "AmazonEC2", "Usage", "3.25").await;
    let viewer = app.as_user(&p.viewer);
    let summary = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-10-01", "to": "2025-12-31", "granularity": "MONTH" })).await;
    assert_eq!(dec(&summary["total"]), d("329.00"), "325.75 from the CUR + 3.25 from Cost Explorer");
    let nov = summary["series"].as_array().unwrap().iter().find(|s| s["period"] == "2025-11").unwrap().clone();
    assert_eq!(dec(&nov["amount"]), d("170.75"));
    assert_eq!(dec(&viewer.account_monthly_bill(pid, A1, "2025-11", None, None).await["total"]), d("113.5"));
}

const A3: &str = "888999000111";

fn summary_input(payer: &str, from: &str, to: &str, granularity: &str, metric: &str, group_by: &[&str]) -> Value {
    json!({ "payerIds": [payer], "from": from, "to": to, "granularity": granularity, "metric": metric, "groupBy": group_by })
}

/// November, whole, by account, in a metric.
fn november(payer: &str, metric: &str) -> Value {
    summary_input(payer, "2025-11-01", "2025-11-30", "MONTH", metric, &["ACCOUNT"])
}

/// The pro-forma fixture: the partner prices its payer (plan base LIST, GLOBAL markup 10 %, list =
/// 1.1 × unblended in the fixture) for two customers, Acme (A1, with a fee and a credit) and
/// Globex (A2); A3 is in no group. By hand:
///   Acme (A1) October:  EC2 110 × 1.1 = 121, Support 11 × 1.1 = 12.1, credit not passed → 133.1;
///                       fee +20, credit −10 % × 133.1 = −13.31 → 139.79.
///   Acme (A1) November: EC2 132.55 × 1.1 = 145.805 → fee +20, credit −14.5805 → 151.2245.
///   Globex (A2) November: S3 55 × 1.1 = 60.5, Lambda 7.975 × 1.1 = 8.7725 → 69.2725.
///   A3 (no group) November: 5.00, left out.
struct ProForma {
    p: Partner,
    other: Partner,
    acme: String,
    globex: String,
    acme_viewer: Session,
}

async fn pro_forma(app: &TestApp) -> ProForma {
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Pro Forma Co").await;
    let other = app.new_partner(&admin, "Elsewhere").await;
    fixture(app, &p).await;
    cost(app, &p.payer_id, "2025-11-12", A3, "AmazonEC2", "Usage", "5.00").await;
    let partner_admin = app.as_user(&p.admin);
    let acme = partner_admin.create_tenant(&p.tenant_id, "CUSTOMER", "Acme").await;
    let globex = partner_admin.create_tenant(&p.tenant_id, "CUSTOMER", "Globex").await;
    let acme_viewer = partner_admin.create_user("viewer@acme.example", "VIEWER", ("tenantId", &acme)).await;
    let operator = app.as_user(&p.operator);
    let rule = operator.create_pricing_rule(json!({ "payerId": p.payer_id, "name": "plus-10", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "10" })).await;
    let plan = operator.create_pricing_plan(json!({ "payerId": p.payer_id, "name": "list-plus-10", "pricingRuleIds": [rule] })).await;
    let group = |name: &str, account: &str, tenant: &str| {
        json!({ "payerId": p.payer_id, "name": name, "primaryAccountId": account, "accountIds": [account], "pricingPlanId": plan, "customerTenantId": tenant, "billingPeriod": "2025-10" })
    };
    let acme_group = operator.create_billing_group(group("Acme", A1, &acme)).await;
    operator.create_billing_group(group("Globex", A2, &globex)).await;
    operator.create_custom_line_item(json!({ "billingGroupId": acme_group, "name": "Monthly-fee", "chargeType": "FEE", "flatAmount": "20", "billingPeriodStart": "2025-10" })).await;
    operator.create_custom_line_item(json!({ "billingGroupId": acme_group, "name": "Loyalty-credit", "chargeType": "CREDIT", "percentage": "10", "billingPeriodStart": "2025-10" })).await;
    ProForma { p, other, acme, globex, acme_viewer }
}

/// End customers see what they are billed, for their own accounts only: summaries, trends,
/// forecasts and bills priced, equal to their charges; no AWS cost, no other account.
async fn customers_see_their_pro_forma_charges_only(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let ProForma { p, other, acme_viewer, .. } = pro_forma(&app).await;
    let pid = p.payer_id.as_str();
    let customer = app.as_user(&acme_viewer);

    // The customer learns which payers to ask about: this one, and not the other partner's.
    assert_eq!(customer.my_payer_ids().await, json!([pid]));
    // A partner's users reach their customers' groups too (as with myCharges): the same payer.
    assert_eq!(app.as_user(&p.operator).my_payer_ids().await, json!([pid]));

    // The customer: only A1, priced; equal to myCharges for the same period, to the cent.
    let nov = customer.cost_summary(&november(pid, "PRO_FORMA")).await;
    let charges = customer.my_charges("2025-11").await;
    assert_eq!(dec(&nov["total"]), d("151.2245"));
    assert_eq!(dec(&nov["total"]), dec(&charges[0]["total"]), "costSummary PRO_FORMA = myCharges");
    assert_eq!(dec(&nov["customLineItems"]), d("5.4195"));
    let groups = nov["groups"].as_array().unwrap();
    assert!(groups.iter().all(|g| g["key"]["accountId"] == A1), "only the customer's account: {groups:?}");
    assert!(nov["unpricedAccountIds"].as_array().unwrap().is_empty(), "customers learn of no other account");
    let body = nov.to_string();
    for secret in [A2, A3, "120.5", "113.5"] {
        assert!(!body.contains(secret), "{secret} leaked to the customer: {body}");
    }
    let both = customer.cost_summary(&summary_input(pid, "2025-10-01", "2025-11-30", "MONTH", "PRO_FORMA", &[])).await;
    assert_eq!(dec(&both["total"]), d("291.0145"));
    let series: Vec<(String, Decimal)> = both["series"].as_array().unwrap().iter().map(|s| (s["period"].as_str().unwrap().to_owned(), dec(&s["amount"]))).collect();
    assert_eq!(series, vec![("2025-10".to_owned(), d("139.79")), ("2025-11".to_owned(), d("151.2245"))]);
    // DAY series leave the custom line items out; the total keeps them.
    let days = customer.cost_summary(&summary_input(pid, "2025-11-01", "2025-11-30", "DAY", "PRO_FORMA", &[])).await;
    let day_sum: Decimal = days["series"].as_array().unwrap().iter().map(|s| dec(&s["amount"])).sum();
    assert_eq!((day_sum, dec(&days["total"])), (d("145.805"), d("151.2245")));
    // LIST is public pricing, allowed; AWS cost is not; another customer's account or another
    // partner's payer is not found.
    let list = customer.cost_summary(&summary_input(pid, "2025-11-01", "2025-11-30", "MONTH", "LIST", &[])).await;
    assert_eq!(dec(&list["total"]), d("124.85"));
    for metric in ["UNBLENDED", "NET_UNBLENDED", "AMORTIZED"] {
        customer.try_cost_summary(&summary_input(pid, "2025-11-01", "2025-11-30", "MONTH", metric, &[])).await.assert_code("FORBIDDEN");
    }
    customer.try_cost_forecast(&[pid], "2025-11", None, None).await.assert_code("FORBIDDEN");
    customer.try_month_over_month(&json!({ "payerIds": [pid], "month": "2025-11" })).await.assert_code("FORBIDDEN");
    let globex_account = json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "metric": "PRO_FORMA", "filter": { "accountIds": [A2] } });
    customer.try_cost_summary(&globex_account).await.assert_code("NOT_FOUND");
    customer.try_cost_summary(&summary_input(&other.payer_id, "2025-11-01", "2025-11-30", "MONTH", "PRO_FORMA", &[])).await.assert_code("NOT_FOUND");

    // Month over month and the forecast, priced.
    let mom = customer.month_over_month(&json!({ "payerIds": [pid], "month": "2025-11", "groupBy": ["SERVICE"], "metric": "PRO_FORMA" })).await;
    let changes = mom["changes"].as_array().unwrap().clone();
    let by = |s: &str| changes.iter().find(|c| c["key"]["service"] == s).unwrap_or_else(|| panic!("{s} in {changes:?}")).clone();
    assert_eq!((dec(&by("AmazonEC2")["current"]), dec(&by("AmazonEC2")["previous"])), (d("145.805"), d("121")));
    assert_eq!(by("AWSSupportBusiness")["isGone"], true);
    assert_eq!((dec(&by("Monthly-fee")["current"]), dec(&by("Monthly-fee")["previous"])), (d("20"), d("20")));
    assert_eq!((dec(&by("Loyalty-credit")["current"]), dec(&by("Loyalty-credit")["previous"])), (d("-14.5805"), d("-13.31")));
    let f = customer.cost_forecast(&[pid], "2025-11", Some("PRO_FORMA"), None).await;
    assert_eq!(dec(&f["projected"]), d("151.2245"), "a past month projects to its total");

    // The customer's own bill, priced, with the custom line items booked on the account.
    let bill = customer.try_account_monthly_bill(pid, A1, "2025-11", Some("PRO_FORMA"), None).await;
    assert_eq!((bill.data("accountMonthlyBill.metric"), bill.data("accountMonthlyBill.currency")), (&json!("PRO_FORMA"), &json!("USD")));
    assert_eq!(dec(bill.data("accountMonthlyBill.total")), d("151.2245"));
    let lines = bill.data("accountMonthlyBill.lines").as_array().unwrap().clone();
    let ec2 = lines.iter().find(|l| l["serviceCode"] == "AmazonEC2" && !dec(&l["cost"]).is_zero()).unwrap();
    assert_eq!(dec(&ec2["cost"]), d("145.805"));
    let fee = lines.iter().find(|l| l["serviceName"] == "Monthly-fee").unwrap();
    assert_eq!((fee["customLineItem"].as_bool(), dec(&fee["cost"])), (Some(true), d("20")));
    assert!(!bill.body.to_string().contains("120.5"), "no AWS cost in the customer's bill: {}", bill.body);
    customer.try_account_monthly_bill(pid, A1, "2025-11", Some("UNBLENDED"), None).await.assert_code("FORBIDDEN");
    customer.try_account_monthly_bill(pid, A2, "2025-11", Some("PRO_FORMA"), None).await.assert_code("NOT_FOUND");
    customer.try_account_monthly_bill(pid, A3, "2025-11", Some("PRO_FORMA"), None).await.assert_code("NOT_FOUND");
}

/// The partner's pro forma is the same engine over every group, equal to the billing report (an
/// account in no group is named as left out, and has no pro-forma bill); looking at one customer,
/// the partner sees exactly what the customer sees, and the AWS cost of the same accounts beside
/// it; nobody names a customer that is not theirs.
async fn partners_see_the_billing_reports_pro_forma_and_each_customers_own(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let ProForma { p, other, acme, globex, acme_viewer } = pro_forma(&app).await;
    let pid = p.payer_id.as_str();
    let (viewer, customer) = (app.as_user(&p.viewer), app.as_user(&acme_viewer));
    let partner = viewer.cost_summary(&november(pid, "PRO_FORMA")).await;
    let report_total: Decimal = viewer.billing_group_cost_reports(pid, "2025-11").await.as_array().unwrap().iter().map(|r| dec(&r["proformaCost"])).sum();
    assert_eq!(dec(&partner["total"]), d("220.497"));
    assert_eq!(dec(&partner["total"]), report_total);
    assert_eq!(partner["unpricedAccountIds"], json!([A3]));
    let a2 = partner["groups"].as_array().unwrap().iter().find(|g| g["key"]["accountId"] == A2).unwrap().clone();
    assert_eq!(dec(&a2["amount"]), d("69.2725"));
    let bill = viewer.try_account_monthly_bill(pid, A3, "2025-11", Some("PRO_FORMA"), None).await;
    assert_eq!(bill.code(), Some("VALIDATION"), "{}", bill.body);
    assert_eq!(dec(&viewer.account_monthly_bill(pid, A1, "2025-11", Some("UNBLENDED"), None).await["total"]), d("113.5"));

    // The partner looks at one customer.
    let for_customer = |metric: &str, customer: &str| {
        let mut v = november(pid, metric);
        v["customerTenantId"] = json!(customer);
        v
    };
    let nov = customer.cost_summary(&november(pid, "PRO_FORMA")).await;
    assert_eq!(viewer.cost_summary(&for_customer("PRO_FORMA", &acme)).await, nov, "the partner's view of Acme is Acme's own");
    assert_eq!(customer.cost_summary(&for_customer("PRO_FORMA", &acme)).await, nov, "naming themselves changes nothing");
    let acme_cost = viewer.cost_summary(&for_customer("UNBLENDED", &acme)).await;
    assert_eq!(dec(&acme_cost["total"]), d("113.5"), "Acme's AWS cost: A1 only, so the margin is 151.2245 - 113.5");
    let globex_view = viewer.cost_summary(&for_customer("PRO_FORMA", &globex)).await;
    assert_eq!(dec(&globex_view["total"]), d("69.2725"));
    assert_eq!(globex_view["groups"].as_array().unwrap().iter().map(|g| g["key"]["accountId"].clone()).collect::<Vec<_>>(), vec![json!(A2)]);
    let mom = |c: Option<&str>| json!({ "payerIds": [pid], "month": "2025-11", "groupBy": ["SERVICE"], "metric": "PRO_FORMA", "customerTenantId": c });
    assert_eq!(viewer.month_over_month(&mom(Some(&acme))).await, customer.month_over_month(&mom(None)).await, "month over month");
    assert_eq!(viewer.cost_forecast(&[pid], "2025-11", Some("PRO_FORMA"), Some(&acme)).await, customer.cost_forecast(&[pid], "2025-11", Some("PRO_FORMA"), None).await, "forecast");
    // A customer may not name another customer, and still sees no AWS cost; a partner may not
    // name another partner's customer.
    customer.try_cost_summary(&for_customer("PRO_FORMA", &globex)).await.assert_code("NOT_FOUND");
    customer.try_cost_summary(&for_customer("UNBLENDED", &acme)).await.assert_code("FORBIDDEN");
    let far = app.as_user(&other.admin).create_tenant(&other.tenant_id, "CUSTOMER", "Far Away").await;
    viewer.try_cost_summary(&for_customer("PRO_FORMA", &far)).await.assert_code("NOT_FOUND");
}

/// Grouped by account, each account carries its name from the last sync (A1 and A2 synced; A3
/// never was); the customer gets their own account's name and no other.
async fn account_names_reach_only_their_customer(db: DbKind) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = TestApp::spawn(db).await;
    let ProForma { p, acme_viewer, .. } = pro_forma(&app).await;
    let pid = p.payer_id.as_str();
    for (account, name) in [(A1, "acme-production"), (A2, "globex-web")] {
        entity::linked_accounts::ActiveModel {
            payer_id: Set(pid.parse().unwrap()),
            account_id: Set(account.to_owned()),
            name: Set(name.to_owned()),
            email: Set(format!("{name}@accounts.example")),
            status: Set("ACTIVE".to_owned()),
            joined_method: Set(None),
            joined_at: Set(None),
            parent_id: Set(None),
            synced_at: Set(chrono::Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let names = |summary: &Value| summary["groups"].as_array().unwrap().iter().map(|g| (g["key"]["accountId"].as_str().unwrap().to_owned(), g["key"]["accountName"].clone())).collect::<std::collections::BTreeMap<_, _>>();
    let partner_names = names(&app.as_user(&p.viewer).cost_summary(&november(pid, "UNBLENDED")).await);
    assert_eq!(partner_names.get(A1), Some(&json!("acme-production")));
    assert_eq!(partner_names.get(A2), Some(&json!("globex-web")));
    assert_eq!(partner_names.get(A3), Some(&Value::Null), "never synced: no name");
    let customer = app.as_user(&acme_viewer);
    let theirs = customer.cost_summary(&november(pid, "PRO_FORMA")).await;
    assert_eq!(names(&theirs), [(A1.to_owned(), json!("acme-production"))].into_iter().collect());
    assert!(!theirs.to_string().contains("globex-web"), "{theirs}");
    let mom = customer.month_over_month(&json!({ "payerIds": [pid], "month": "2025-11", "groupBy": ["ACCOUNT"], "metric": "PRO_FORMA" })).await;
    assert_eq!(mom["changes"][0]["key"]["accountId"], A1);
    assert_eq!(mom["changes"][0]["key"]["accountName"], "acme-production");
}

/// Cost Explorer and the prior tool's rows carry service names, not codes: they are filed under
/// their FOCUS category, not "Other".
async fn service_names_have_categories(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Names Co").await;
    let pid = p.payer_id.as_str();
    for (service, amount) in [
        ("Amazon Elastic Compute Cloud - Compute", "40.00"),
        ("EC2 - Other", "2.50"),
        ("AWS Lambda", "1.25"),
        ("Amazon Simple Storage Service", "3.00"),
        ("Amazon Relational Database Service", "12.00"),
        ("AmazonCloudWatch", "0.75"),
        ("Tax", "4.00"),
    ] {
        cost_from(&app, "ce", pid, "2025-09-14", A1, service, "", amount).await;
    }
    cost_from(&app, "legacy", pid, "2025-08-01", A1, "Amazon Simple Storage Service", "", "9.00").await;
    let viewer = app.as_user(&p.viewer);
    let summary = viewer.cost_summary(&json!({ "payerIds": [pid], "from": "2025-08-01", "to": "2025-09-30", "groupBy": ["SERVICE_CATEGORY"] })).await;
    let by: std::collections::BTreeMap<String, Decimal> = summary["groups"].as_array().unwrap().iter().map(|g| (g["key"]["serviceCategory"].as_str().unwrap().to_owned(), dec(&g["amount"]))).collect();
    assert_eq!(by.get("Compute"), Some(&d("43.75")), "{by:?}");
    assert_eq!(by.get("Storage"), Some(&d("12")), "Cost Explorer and the legacy import: {by:?}");
    assert_eq!(by.get("Databases"), Some(&d("12")));
    assert_eq!(by.get("Management and Governance"), Some(&d("0.75")));
    assert_eq!(by.get("Other"), Some(&d("4")), "only Tax is not a service");
    let categories = viewer.service_categories().await;
    let ec2 = categories.as_array().unwrap().iter().find(|c| c["serviceCode"] == "AmazonEC2").unwrap().clone();
    assert!(ec2["serviceNames"].as_array().unwrap().contains(&json!("Amazon Elastic Compute Cloud - Compute")), "{ec2}");
}

/// This month's forecast over several payers runs from the latest day any of them has data (of
/// its best source), and sums their month so far; a payer of another partner among them is not
/// found, and more payers than a view may name is refused.
async fn a_forecast_over_several_payers_runs_from_their_latest_day(db: DbKind) {
    use chrono::Datelike;
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Many Payers").await;
    let other = app.new_partner(&admin, "Elsewhere").await;
    let (second, _) = app.insert_payer(&p.tenant_id, "Second payer").await;
    let today = chrono::Utc::now().date_naive();
    let month = today.format("%Y-%m").to_string();
    let day = |n: u32| format!("{month}-{n:02}");
    cost(&app, &p.payer_id, &day(1), A1, "AmazonEC2", "Usage", "10.00").await;
    // A later day from Cost Explorer: the CUR is this payer's best source this month, so neither
    // its cost nor its day counts.
    cost_from(&app, "ce", &p.payer_id, &day(4), A1, "AmazonEC2", "Usage", "500.00").await;
    cost(&app, &second, &day(2), A2, "AmazonS3", "Usage", "20.00").await;
    cost(&app, &other.payer_id, &day(3), A3, "AmazonEC2", "Usage", "1.00").await;
    let days_in_month = (today.with_day(1).unwrap() + chrono::Months::new(1)).pred_opt().unwrap().day();
    let viewer = app.as_user(&p.viewer);

    let both = viewer.cost_forecast(&[&p.payer_id, &second], &month, None, None).await;
    assert_eq!(dec(&both["monthToDate"]), d("30.00"));
    assert_eq!(both["daysWithData"], 2, "{both}");
    assert_eq!(both["daysInMonth"], days_in_month);
    assert_eq!(dec(&both["projected"]), (d("30.00") / Decimal::from(2) * Decimal::from(days_in_month)).round_dp(2));

    let first = viewer.cost_forecast(&[&p.payer_id], &month, None, None).await;
    assert_eq!((dec(&first["monthToDate"]), first["daysWithData"].clone()), (d("10.00"), json!(1)), "{first}");
    assert_eq!(dec(&first["projected"]), d("10.00") * Decimal::from(days_in_month));

    viewer.try_cost_forecast(&[&p.payer_id, &other.payer_id], &month, None, None).await.assert_code("NOT_FOUND");
    let too_many: Vec<String> = (0..=partner_billing::domain::costs::MAX_PAYERS_PER_VIEW).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    viewer.try_cost_forecast(&too_many, &month, None, None).await.assert_invalid("payerIds");
}

/// #17: sums over whole payers are kept between requests (`domain/costs/kept.rs`), never past a
/// change of the data under them: rows written from outside the server, as another replica's
/// would be, show in the very next answer, in the summary and in the forecast's last day; and a
/// kept answer is no way around the caller's reach.
async fn kept_sums_follow_every_write_of_the_data(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (admin, p) = partner_with_fixture(&app, "Kept Co").await;
    let other = app.new_partner(&admin, "Elsewhere").await;
    let pid = p.payer_id.as_str();
    let viewer = app.as_user(&p.viewer);
    let by_service = json!({ "payerIds": [pid], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE"] });
    let first = viewer.cost_summary(&by_service).await;
    assert_eq!(dec(&first["total"]), d("170.75"));
    assert_eq!(viewer.cost_summary(&by_service).await, first, "asked again: the same answer");
    app.as_user(&other.viewer).try_cost_summary(&by_service).await.assert_code("NOT_FOUND");

    cost(&app, pid, "2025-11-15", A2, "AmazonS3", "Usage", "9.25").await;
    let after = viewer.cost_summary(&by_service).await;
    assert_eq!(dec(&after["total"]), d("180.00"), "{after}");
    let s3 = after["groups"].as_array().unwrap().iter().find(|g| g["key"]["service"] == "AmazonS3").unwrap().clone();
    assert_eq!(dec(&s3["amount"]), d("59.25"));

    let month = chrono::Utc::now().date_naive().format("%Y-%m").to_string();
    cost(&app, pid, &format!("{month}-01"), A1, "AmazonEC2", "Usage", "4.00").await;
    let f = viewer.cost_forecast(&[pid], &month, None, None).await;
    assert_eq!((dec(&f["monthToDate"]), f["daysWithData"].clone()), (d("4.00"), json!(1)), "{f}");
    cost(&app, pid, &format!("{month}-02"), A1, "AmazonEC2", "Usage", "6.00").await;
    let f = viewer.cost_forecast(&[pid], &month, None, None).await;
    assert_eq!((dec(&f["monthToDate"]), f["daysWithData"].clone()), (d("10.00"), json!(2)), "{f}");
}

on_both_databases!(
    kept_sums_follow_every_write_of_the_data,
    a_forecast_over_several_payers_runs_from_their_latest_day,
    a_month_from_two_sources_counts_once,
    month_over_month_on_a_hand_checked_fixture,
    cost_summary_adds_up_by_account_category_and_metric,
    by_account_with_charge_types_splits_them,
    a_past_month_forecasts_its_total_and_bills_per_account,
    ingestion_health_warns_about_old_data,
    customers_see_their_pro_forma_charges_only,
    partners_see_the_billing_reports_pro_forma_and_each_customers_own,
    account_names_reach_only_their_customer,
    service_names_have_categories,
);

/// #17: the billing page reads each group's stored price, and a stored price is never read once
/// its configuration or its data changed: after a rule change (effective from that month) and
/// after new data, the page shows what a fresh recomputation shows, to the cent.
async fn stored_prices_follow_configuration_and_data(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let (_, p) = partner_with_fixture(&app, "Stored Co").await;
    let pid = p.payer_id.as_str();
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    let rule = operator.create_pricing_rule(json!({ "payerId": pid, "name": "plus-10", "scope": "GLOBAL", "type": "MARKUP", "modifierPercentage": "10" })).await;
    let plan = operator.create_pricing_plan(json!({ "payerId": pid, "name": "plus", "pricingRuleIds": [rule] })).await;
    operator.create_billing_group(json!({ "payerId": pid, "name": "A1-group", "primaryAccountId": A1, "accountIds": [A1], "pricingPlanId": plan, "billingPeriod": "2025-10" })).await;
    let page = || async {
        let r = viewer.billing_group_cost_reports(pid, "2025-11").await;
        (dec(&r[0]["awsCost"]), dec(&r[0]["proformaCost"]))
    };
    let stored_at = || async {
        let row = entity::priced_periods::Entity::find().filter(entity::priced_periods::Column::BillingPeriod.eq("2025-11")).one(&app.db).await.unwrap().expect("a stored price for November");
        (row.computed_at, row.proforma_cost)
    };
    let recomputed = || async {
        let r = operator.recompute_billing(pid, "2025-11").await;
        (dec(&r[0]["awsCost"]), dec(&r[0]["proformaCost"]))
    };

    // November for A1: EC2 120.50 and a 7.00 credit: AWS cost 113.50. The plan prices the list
    // cost (the fixture lists at 1.1×: 132.55) plus 10%, and passes no credit: 145.805.
    let (aws, first) = page().await;
    assert_eq!((aws, first), (d("113.5"), d("145.805")));
    assert_eq!(app.count("priced_periods").await, 1, "the page stored the group's November");
    let (at, units) = stored_at().await;
    assert_eq!(Decimal::new(units, 8), first);
    // Read again: the stored price answers (it is not priced and stored anew).
    assert_eq!(page().await, (aws, first));
    assert_eq!(stored_at().await.0, at, "a current stored price is read, not rewritten");

    // The rule goes to 20% from November: 132.55 × 1.2 = 159.06, as a fresh recomputation says.
    operator.update_pricing_rule(&rule, json!({ "modifierPercentage": "20", "effectiveFrom": "2025-11" })).await;
    let (aws2, second) = page().await;
    assert_eq!(aws2, aws);
    assert_eq!(second, d("159.06"), "a configuration change is never hidden by a stored price");
    assert_eq!(recomputed().await, (aws2, second));

    // New November data for A1 (written as every writer does, with the rollups): 5.00, listed at
    // 5.50, charged 6.60.
    cost(&app, pid, "2025-11-20", A1, "AmazonEC2", "Usage", "5.00").await;
    let (aws3, third) = page().await;
    assert_eq!((aws3, third), (d("118.5"), d("165.66")), "new data is never hidden by a stored price");
    assert_eq!(recomputed().await, (aws3, third));
    assert_eq!(Decimal::new(stored_at().await.1, 8), third, "the stored price is the new one");

    // The whole-month PRO_FORMA views read the same stored price: by account (its lines) and the
    // trend (its month totals), each equal to the page.
    let by_account = viewer.cost_summary(&november(pid, "PRO_FORMA")).await;
    assert_eq!(dec(&by_account["total"]), third);
    assert_eq!(dec(&by_account["groups"][0]["amount"]), third);
    let trend = viewer.cost_summary(&summary_input(pid, "2025-10-01", "2025-11-30", "MONTH", "PRO_FORMA", &[])).await;
    let series = trend["series"].as_array().unwrap().clone();
    let november: Vec<Decimal> = series.iter().filter(|p| p["period"] == "2025-11").map(|p| dec(&p["amount"])).collect();
    assert_eq!(november, [third], "{series:?}");
    // October is priced on the 10% rule (the change applied from November): EC2 100 listed at 110,
    // Support 10 at 11, plus 10%: 133.10.
    let october: Vec<Decimal> = series.iter().filter(|p| p["period"] == "2025-10").map(|p| dec(&p["amount"])).collect();
    assert_eq!(october, [d("133.1")], "{series:?}");
}

on_both_databases!(stored_prices_follow_configuration_and_data);
