//! Importing the prior tool's DynamoDB table from moto, through the payer's role: more items
//! than one Scan page, exact monthly totals per account and service, malformed items skipped and
//! counted, earlier imports of the same months replaced, and bad input refused with nothing
//! written.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, PutRequest, ScalarAttributeType, WriteRequest};
use chrono::{Datelike, NaiveDate, Utc};
use e2e::{DbKind, TestApp, aws, on_both_databases};
use partner_billing::aws::AwsClients;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::cost_explorer::seed_row;

const SERVICES: [&str; 3] = ["Amazon Elastic Compute Cloud", "Amazon Simple Storage Service", "Amazon 关系型数据库服务"];

/// A cost in 10⁻⁸ units as the prior tool wrote it: a plain decimal string.
fn decimal_text(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    format!("{sign}{}.{:08}", units.abs() / 100_000_000, units.abs() % 100_000_000)
}

fn item(pairs: &[(&str, &str)], created: i64) -> WriteRequest {
    let mut put = PutRequest::builder().item("createAt", AttributeValue::N(created.to_string()));
    for (k, v) in pairs {
        put = put.item(*k, AttributeValue::S((*v).to_owned()));
    }
    WriteRequest::builder().put_request(put.build().unwrap()).build()
}

/// Rows of source `legacy`: (period, day, account, service, unblended units).
async fn legacy_rows(app: &TestApp) -> Vec<(String, String, String, String, i64)> {
    let sql = "SELECT billing_period AS p, CAST(usage_date AS TEXT) AS d, usage_account_id AS a, service_code AS s, unblended_cost AS u \
               FROM cost_daily WHERE source = 'legacy' ORDER BY billing_period, usage_account_id, service_code, usage_type";
    let found = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql.to_owned())).await.unwrap();
    found
        .iter()
        .map(|r| {
            let s = |c: &str| r.try_get::<String>("", c).unwrap();
            (s("p"), s("d"), s("a"), s("s"), r.try_get::<i64>("", "u").unwrap())
        })
        .collect()
}

async fn imports_the_prior_tools_table_exactly(db: DbKind) {
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Legacy Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;

    // The prior tool's table, in the payer account.
    let ddb = aws_sdk_dynamodb::Client::new(&aws::as_account(&org.management).await);
    let table = format!("bill_top100_{}", org.management);
    ddb.create_table()
        .table_name(&table)
        .key_schema(KeySchemaElement::builder().attribute_name("account_month").key_type(KeyType::Hash).build().unwrap())
        .key_schema(KeySchemaElement::builder().attribute_name("createAt").key_type(KeyType::Range).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("account_month").attribute_type(ScalarAttributeType::S).build().unwrap())
        .attribute_definitions(AttributeDefinition::builder().attribute_name("createAt").attribute_type(ScalarAttributeType::N).build().unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();

    // 1,200 good lines over two accounts, months 7, 8 and 9 (9 is not imported), with credits;
    // the expected totals are added up here as integers.
    let accounts = [aws::random_account(), aws::random_account()];
    let mut expected: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    let mut writes = Vec::new();
    for i in 0..1200_i64 {
        let account = &accounts[(i % 2) as usize];
        let month = 7 + (i / 2) % 3;
        let service = SERVICES[((i / 6) % 3) as usize];
        let units = (i * 7_919_003) % 250_000_000 - if i % 10 == 0 { 300_000_000 } else { 0 };
        let account_month = format!("{account}_{month}");
        let usage = format!("{}.5", i % 40);
        let pairs = [
            ("account_month", account_month.as_str()),
            ("product_product_name", service),
            ("line_item_usage_type", "USE1-Usage"),
            ("line_item_line_item_description", "a line"),
            ("bill_payer_account_id", org.management.as_str()),
            ("usage_quantity", usage.as_str()),
            ("pricing_unit", "Hrs"),
            ("cost", &decimal_text(units)),
        ];
        writes.push(item(&pairs, 1_700_000_000_000 + i));
        if month != 9 {
            *expected.entry((format!("2025-{month:02}"), account.clone(), service.to_owned())).or_default() += units;
        }
    }
    // Malformed items (skipped and counted) and another payer's line (skipped).
    let a7 = format!("{}_7", accounts[0]);
    let bad = [
        vec![("account_month", a7.as_str()), ("product_product_name", SERVICES[0]), ("cost", "12,5")],
        vec![("account_month", a7.as_str()), ("product_product_name", SERVICES[0]), ("cost", "")],
        vec![("account_month", "not-an-account_7"), ("product_product_name", SERVICES[0]), ("cost", "1")],
        vec![("account_month", a7.as_str()), ("product_product_name", SERVICES[0]), ("cost", "1"), ("usage_quantity", "lots")],
        vec![("account_month", a7.as_str()), ("product_product_name", SERVICES[0]), ("cost", "5"), ("bill_payer_account_id", "000000000001")],
    ];
    for (n, pairs) in bad.iter().enumerate() {
        writes.push(item(pairs, 1_800_000_000_000 + n as i64));
    }
    for chunk in writes.chunks(25) {
        ddb.batch_write_item().request_items(&table, chunk.to_vec()).send().await.unwrap();
    }

    // An earlier import of July (replaced) and of June (kept).
    let july = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let june = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
    seed_row(&app, &payer, "legacy", july, &accounts[0], "Stale", 42).await;
    seed_row(&app, &payer, "legacy", june, &accounts[0], SERVICES[0], 77).await;

    // Refused, with nothing written or queued.
    let before = (app.count("jobs").await, app.count("cost_daily").await, app.count("ingestions").await);
    let input = |year: i32, months: serde_json::Value| json!({ "payerId": payer, "tableName": table, "year": year, "months": months });
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    viewer.try_import_legacy_dynamo_db(input(2025, json!([7, 8]))).await.assert_code("FORBIDDEN");
    for (year, months, field) in [
        (1999, json!([7]), "year"),
        (Utc::now().year() + 1, json!([1]), "year"),
        (2025, json!([13]), "months"),
        (2025, json!([0, 7]), "months"),
        (2025, json!([]), "months"),
        (Utc::now().year(), json!([12]), "months"),
    ] {
        if field == "months" && year == Utc::now().year() && Utc::now().month() == 12 {
            continue; // December itself is not in the future
        }
        let res = operator.try_import_legacy_dynamo_db(input(year, months.clone())).await;
        res.assert_code("VALIDATION");
        assert!(res.message().starts_with(field), "{year} {months}: {}", res.body);
    }
    let res = operator.try_import_legacy_dynamo_db(json!({ "payerId": payer, "tableName": "no such table!", "year": 2025, "months": [7] })).await;
    res.assert_code("VALIDATION");
    assert_eq!((app.count("jobs").await, app.count("cost_daily").await, app.count("ingestions").await), before);

    let job = app.wait_job(&p.operator, &operator.import_legacy_dynamo_db(input(2025, json!([8, 7]))).await).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    let result = &job["result"];
    assert!(result["pages"].as_u64().unwrap() >= 3, "more than one Scan page: {result}");
    assert_eq!(result["itemsRead"], 1205);
    assert_eq!(result["imported"], 800);
    assert_eq!(result["skipped"], json!({ "malformed": 4, "otherMonths": 400, "otherPayer": 1 }));
    assert!(result["problems"].to_string().contains("12,5"), "{result}");

    // Exact monthly totals per account and service, dated the first of the month; June stays.
    let got = legacy_rows(&app).await;
    let mut want: Vec<(String, String, String, String, i64)> =
        expected.iter().map(|((period, account, service), units)| (period.clone(), format!("{period}-01"), account.clone(), service.clone(), *units)).collect();
    want.push(("2025-06".to_owned(), "2025-06-01".to_owned(), accounts[0].clone(), SERVICES[0].to_owned(), 77));
    want.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    assert_eq!(got_sorted, want);

    // The prior tool's per-account bill, through the API, to the cent and beyond.
    let bill = viewer.account_monthly_bill(&payer, &accounts[1], "2025-07", None, None).await;
    let july_b: i64 = expected.iter().filter(|((period, account, _), _)| period == "2025-07" && account == &accounts[1]).map(|(_, u)| u).sum();
    let total: Decimal = bill["total"].as_str().unwrap().parse().unwrap();
    assert_eq!(total, Decimal::new(july_b, 8));
    assert_eq!(bill["lines"].as_array().unwrap().len(), 3);
    assert_eq!(bill["lines"][0]["unit"], "Hrs");
    assert_eq!(bill["lines"][0]["description"], "a line", "the prior tool's line item description is kept");

    // Importing again gives the same rows (each month is replaced, never added to).
    let again = app.wait_job(&p.operator, &operator.import_legacy_dynamo_db(input(2025, json!([7, 8]))).await).await;
    assert_eq!(again["state"], "SUCCEEDED", "{again}");
    assert_eq!(legacy_rows(&app).await, got);
}

on_both_databases!(imports_the_prior_tools_table_exactly);
