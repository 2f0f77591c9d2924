//! Cost insights on a hand-checked fixture: the expected numbers are written here, not
//! computed by the code under test.

use chrono::NaiveDate;
use e2e::{DbKind, Partner, TestApp, on_both_databases};
use partner_billing::money::to_units;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
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
        line_count: Set(1),
        ingestion_id: Set(uuid::Uuid::now_v7()),
    }
    .insert(&app.db)
    .await
    .unwrap();
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

async fn month_over_month_on_a_hand_checked_fixture(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Cost Co").await;
    fixture(&app, &p).await;
    let q = "query($i: MonthOverMonthInput!) { monthOverMonth(input: $i) { changes { key { service chargeType } current previous delta deltaPercent isNew isGone } topIncreases { key { service } delta } topDecreases { key { service } delta } } }";
    let res = app.gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "month": "2025-11", "groupBy": ["SERVICE"] } })).await;
    let changes = res.data("monthOverMonth.changes").as_array().unwrap().clone();
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
    assert_eq!(res.data("monthOverMonth.topIncreases.0.key.service"), "AmazonEC2");
    assert_eq!(res.data("monthOverMonth.topIncreases.1.key.service"), "AWSLambda");
    assert_eq!(res.data("monthOverMonth.topDecreases.0.key.service"), "AWSSupportBusiness");
    // Negative credits, by charge type: −7 against −5.
    let res = app.gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "month": "2025-11", "groupBy": ["CHARGE_TYPE"] } })).await;
    let credit = res.data("monthOverMonth.changes").as_array().unwrap().iter().find(|c| c["key"]["chargeType"] == "Credit").unwrap().clone();
    assert_eq!((dec(&credit["current"]), dec(&credit["previous"]), dec(&credit["delta"]), dec(&credit["deltaPercent"])), (d("-7"), d("-5"), d("-2"), d("-40")));
    // A month with nothing before it.
    let res = app.gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "month": "2025-10", "groupBy": ["SERVICE"] } })).await;
    assert!(res.data("monthOverMonth.changes").as_array().unwrap().iter().all(|c| c["isNew"] == true && c["deltaPercent"].is_null()));
}

async fn summary_forecast_bill_and_health(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Sum Co").await;
    let health = "query($p: ID!) { ingestionHealth(payerId: $p) { status reason } }";
    assert_eq!(app.gql(p.viewer.bearer(), health, json!({ "p": p.payer_id })).await.data("ingestionHealth.status"), "NOT_AVAILABLE");
    fixture(&app, &p).await;
    let q = "query($i: CostSummaryInput!) { costSummary(input: $i) { currency total groups { key { accountId serviceCategory } amount } series { period amount } } }";
    let res = app
        .gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "from": "2025-10-01", "to": "2025-11-30", "granularity": "MONTH", "groupBy": ["ACCOUNT"] } }))
        .await;
    assert_eq!(res.data("costSummary.currency"), "USD");
    // 95 + 50 + 10 + 113.5 + 50 + 7.25, to the cent and beyond.
    assert_eq!(dec(res.data("costSummary.total")), d("325.75"));
    let groups = res.data("costSummary.groups").as_array().unwrap().clone();
    assert_eq!(groups[0]["key"]["accountId"], A1);
    assert_eq!(dec(&groups[0]["amount"]), d("218.5"));
    assert_eq!(dec(&groups[1]["amount"]), d("107.25"));
    assert!(groups[0]["key"]["serviceCategory"].is_null());
    let series = res.data("costSummary.series").as_array().unwrap();
    assert_eq!(series.iter().filter(|s| s["period"] == "2025-11").count(), 2);
    // Service categories: Compute = EC2 + Lambda in November.
    let res = app
        .gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["SERVICE_CATEGORY"] } }))
        .await;
    let compute = res.data("costSummary.groups").as_array().unwrap().iter().find(|g| g["key"]["serviceCategory"] == "Compute").unwrap().clone();
    assert_eq!(dec(&compute["amount"]), d("120.75"));
    // List cost is its own metric.
    let res = app
        .gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "from": "2025-11-01", "to": "2025-11-30", "metric": "LIST", "filter": { "accountIds": [A2] } } }))
        .await;
    assert_eq!(dec(res.data("costSummary.total")), d("62.975"));
    // Bad range.
    app.gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [p.payer_id], "from": "2025-11-30", "to": "2025-11-01" } })).await.assert_code("VALIDATION");

    let f = app.gql(p.viewer.bearer(), "query($p: ID!) { costForecast(payerIds: [$p], month: \"2025-11\") { monthToDate projected daysInMonth } }", json!({ "p": p.payer_id })).await;
    assert_eq!(dec(f.data("costForecast.monthToDate")), d("170.75"));
    assert_eq!(dec(f.data("costForecast.projected")), d("170.75"), "a past month projects to its total");
    assert_eq!(f.data("costForecast.daysInMonth"), 30);

    let bill = app
        .gql(p.viewer.bearer(), "query($p: ID!) { accountMonthlyBill(payerId: $p, accountId: \"000111222333\", month: \"2025-11\", locale: \"zh-CN\") { total lines { serviceCode cost usage unit } csv } }", json!({ "p": p.payer_id }))
        .await;
    assert_eq!(dec(bill.data("accountMonthlyBill.total")), d("113.5"));
    let csv = bill.data("accountMonthlyBill.csv").as_str().unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("服务"), "{csv}");
    assert!(csv.contains("AmazonEC2"));
    assert_eq!(app.gql(p.viewer.bearer(), health, json!({ "p": p.payer_id })).await.data("ingestionHealth.status"), "WARNING", "the fixture is from 2025: old data");
}

/// The same month loaded from a CUR export and the Cost Explorer pull counts once (the CUR);
/// a month only Cost Explorer has counts from it.
async fn a_month_from_two_sources_counts_once(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Two Sources").await;
    fixture(&app, &p).await;
    let pid = p.payer_id.as_str();
    cost_from(&app, "ce", pid, "2025-11-02", A1, "AmazonEC2", "Usage", "120.50").await;
    cost_from(&app, "legacy", pid, "2025-11-01", A1, "AmazonEC2", "Usage", "999.00").await;
    cost_from(&app, "ce", pid, "2025-12-01", A1, "AmazonEC2", "Usage", "3.25").await;
    let q = "query($i: CostSummaryInput!) { costSummary(input: $i) { total series { period amount } } }";
    let res = app.gql(p.viewer.bearer(), q, json!({ "i": { "payerIds": [pid], "from": "2025-10-01", "to": "2025-12-31", "granularity": "MONTH" } })).await;
    assert_eq!(dec(res.data("costSummary.total")), d("329.00"), "325.75 from the CUR + 3.25 from Cost Explorer");
    let series = res.data("costSummary.series").as_array().unwrap();
    let nov = series.iter().find(|s| s["period"] == "2025-11").unwrap();
    assert_eq!(dec(&nov["amount"]), d("170.75"));
    let bill = app.gql(p.viewer.bearer(), "query($p: ID!) { accountMonthlyBill(payerId: $p, accountId: \"000111222333\", month: \"2025-11\") { total } }", json!({ "p": pid })).await;
    assert_eq!(dec(bill.data("accountMonthlyBill.total")), d("113.5"));
}

on_both_databases!(
    a_month_from_two_sources_counts_once, month_over_month_on_a_hand_checked_fixture, summary_forecast_bill_and_health);
