//! The Cost Explorer pull against moto: results queued through moto's
//! `/moto-api/static/ce/cost-and-usage-results` (one result per GetCostAndUsage call, in order),
//! read over two pages, stored as source `ce` replacing exactly the days pulled, and sent as
//! signed `aws.service.daily` CloudEvents read back with the official SDK.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use e2e::notify::WebhookReceiver;
use e2e::{DbKind, Partner, Session, TestApp, aws, on_both_databases};
use partner_billing::aws::AwsClients;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};

const EC2: &str = "Amazon Elastic Compute Cloud - Compute";
const S3: &str = "Amazon Simple Storage Service";

/// Queues one GetCostAndUsage answer per call for `account` (moto keeps a queue per account).
async fn queue_ce_result(account: &str, result: Value) {
    let url = format!("{}/moto-api/static/ce/cost-and-usage-results", aws::moto_url());
    let res = reqwest::Client::new().post(url).json(&json!({ "results": [result], "account_id": account })).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
}

/// The five metrics, amounts as given (unblended last, as Cost Explorer names them).
fn metrics(amortized: &str, blended: &str, net_amortized: &str, net_unblended: &str, unblended: &str) -> Value {
    let m = |a: &str| json!({ "Amount": a, "Unit": "USD" });
    json!({ "AmortizedCost": m(amortized), "BlendedCost": m(blended), "NetAmortizedCost": m(net_amortized), "NetUnblendedCost": m(net_unblended), "UnblendedCost": m(unblended) })
}

fn day_result(day: NaiveDate, groups: Vec<(&str, &str, Value)>) -> Value {
    let groups: Vec<Value> = groups.into_iter().map(|(account, service, m)| json!({ "Keys": [account, service], "Metrics": m })).collect();
    json!({ "TimePeriod": { "Start": day.to_string(), "End": (day + Duration::days(1)).to_string() }, "Total": {}, "Groups": groups, "Estimated": false })
}

fn page(results: Vec<Value>, token: Option<&str>) -> Value {
    let mut p = json!({
        "ResultsByTime": results,
        "GroupDefinitions": [{ "Type": "DIMENSION", "Key": "LINKED_ACCOUNT" }, { "Type": "DIMENSION", "Key": "SERVICE" }],
        "DimensionValueAttributes": [],
    });
    if let Some(t) = token {
        p["NextPageToken"] = json!(t);
    }
    p
}

/// A cost row written directly, as another source or an earlier pull or import left it.
pub(crate) async fn seed_row(app: &TestApp, payer: &str, source: &str, day: NaiveDate, account: &str, service: &str, units: i64) {
    entity::cost_daily::ActiveModel {
        payer_id: Set(payer.parse().unwrap()),
        source: Set(source.to_owned()),
        billing_period: Set(day.format("%Y-%m").to_string()),
        usage_date: Set(day),
        usage_account_id: Set(account.to_owned()),
        service_code: Set(service.to_owned()),
        service_name: Set(service.to_owned()),
        usage_type: Set(String::new()),
        operation: Set(String::new()),
        region: Set(String::new()),
        charge_type: Set(String::new()),
        billing_entity: Set(String::new()),
        pricing_unit: Set(String::new()),
        currency: Set("USD".to_owned()),
        unblended_cost: Set(units),
        net_unblended_cost: Set(units),
        amortized_cost: Set(units),
        list_cost: Set(0),
        usage_quantity: Set("0".to_owned()),
        line_count: Set(1),
        ingestion_id: Set(uuid::Uuid::now_v7()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // As every writer of the day grain does: the month rollups.
    let payer = partner_billing::ids::PayerId(payer.parse().unwrap());
    partner_billing::ingest::rollup::refresh(&app.db, payer, source, &[day.format("%Y-%m").to_string()]).await.unwrap();
}

/// Every stored row of a source: (day, account, service, unblended, net unblended, amortized).
async fn rows(app: &TestApp, source: &str) -> Vec<(String, String, String, i64, i64, i64)> {
    let sql = format!(
        "SELECT CAST(usage_date AS TEXT) AS d, usage_account_id AS a, service_code AS s, unblended_cost AS u, net_unblended_cost AS n, amortized_cost AS m \
         FROM cost_daily WHERE source = '{source}' ORDER BY usage_date, usage_account_id, service_code"
    );
    let found = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    found
        .iter()
        .map(|r| {
            let s = |c: &str| r.try_get::<String>("", c).unwrap();
            let i = |c: &str| r.try_get::<i64>("", c).unwrap();
            (s("d"), s("a"), s("s"), i("u"), i("n"), i("m"))
        })
        .collect()
}

/// An app against moto that may post webhooks to loopback, with a partner and a connected payer.
async fn setup(db: DbKind, extra: Vec<(&'static str, String)>) -> (TestApp, Session, Partner, String, String) {
    let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let mut settings = vec![("webhook_allow_private", "true".to_owned()), ("notify_interval_ms", "100".to_owned())];
    settings.extend(extra);
    let app = TestApp::spawn_with_aws(db, settings, clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Explorer Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;
    (app, root, p, payer, org.management)
}

async fn backfill_over_two_pages_replaces_the_days_and_sends_cloudevents(db: DbKind) {
    let (app, _root, p, payer, management) = setup(db, vec![]).await;
    let hook = WebhookReceiver::start().await;
    let created = app.as_user(&p.admin).create_webhook_endpoint(json!({ "tenantId": p.tenant_id, "url": hook.url, "eventTypes": ["aws.service.daily"] })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    // Three days of last month: the first two are pulled, the third is not.
    let first = Utc::now().date_naive().with_day(1).unwrap().checked_sub_months(Months::new(1)).unwrap();
    let (d0, d1, d2) = (first, first + Duration::days(1), first + Duration::days(2));
    let (a, b) = (aws::random_account(), aws::random_account());
    seed_row(&app, &payer, "ce", d0, &a, "Stale Service", 999_000_000).await;
    seed_row(&app, &payer, "ce", d2, &a, EC2, 700_000_000).await;
    seed_row(&app, &payer, "cur", d0, &a, "AmazonEC2", 123_000_000).await;

    queue_ce_result(&management, page(vec![day_result(d0, vec![(&a, EC2, metrics("10.5", "11.25", "9.75", "10.00000001", "12.34567891"))])], Some("page-2"))).await;
    queue_ce_result(
        &management,
        page(
            vec![
                day_result(d0, vec![(&b, S3, metrics("0.5", "0.5", "0.45", "0.45", "0.5"))]),
                day_result(d1, vec![(&a, EC2, metrics("-1.25", "-1.25", "-1.25", "-1.25", "-1.25"))]),
            ],
            None,
        ),
    )
    .await;

    // Who may, and what is refused before anything is queued.
    let jobs_before = app.count("jobs").await;
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    let (from, to) = (d0.to_string(), d1.to_string());
    viewer.try_backfill_costs(&payer, &from, &to).await.assert_code("FORBIDDEN");
    operator.try_backfill_costs(&payer, &to, &from).await.assert_code("VALIDATION");
    let too_old = (Utc::now().date_naive() - Duration::days(15 * 31)).to_string();
    let res = operator.try_backfill_costs(&payer, &too_old, &from).await;
    res.assert_code("VALIDATION");
    assert!(res.message().contains("14 months"), "{}", res.body);
    operator.try_backfill_costs(&payer, &from, &(Utc::now().date_naive() + Duration::days(2)).to_string()).await.assert_code("VALIDATION");
    assert_eq!(app.count("jobs").await, jobs_before, "nothing was queued");

    let job = app.wait_job(&p.operator, &operator.backfill_costs(&payer, &from, &to).await).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["result"]["pages"], 2, "NextPageToken was followed: {job}");
    assert_eq!(job["result"]["rowsWritten"], 3);
    assert_eq!(job["result"]["events"], 3);

    // #16.17: each GetCostAndUsage call is in the audit trail as CloudTrail records it.
    let sql = "SELECT body FROM audit_events WHERE event_name = 'GetCostAndUsage' ORDER BY seq";
    let calls = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    assert_eq!(calls.len(), 2, "one event per page");
    let first_call: Value = serde_json::from_str(&calls[0].try_get::<String>("", "body").unwrap()).unwrap();
    assert_eq!(first_call["eventSource"], "ce.amazonaws.com");
    assert_eq!(first_call["eventName"], "GetCostAndUsage");
    assert_eq!(first_call["eventType"], "AwsApiCall");
    assert_eq!(first_call["eventCategory"], "Management");
    assert_eq!(first_call["managementEvent"], true);
    // Sent over plain HTTP to the emulator: no tlsDetails, as CloudTrail leaves it out then (calls
    // over TLS name their host: audit::aws::tests::tls_details_name_the_host_of_https_calls_only).
    assert!(first_call.get("tlsDetails").is_none(), "{first_call}");
    assert_eq!(first_call["readOnly"], true);
    assert_eq!(first_call["awsRegion"], "us-east-1");
    assert_eq!(first_call["recipientAccountId"], management.as_str());
    assert_eq!(first_call["errorCode"], Value::Null);
    assert!(first_call["requestID"].is_string(), "{first_call}");
    let params = &first_call["requestParameters"];
    assert_eq!(params["timePeriod"]["start"], d0.to_string(), "{params}");
    assert!(params["timePeriod"]["end"].is_string(), "{params}");
    assert_eq!(params["granularity"], "DAILY");
    assert_eq!(params["metrics"], json!(["AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "UnblendedCost"]));
    assert_eq!(params["groupBy"], json!([{ "type": "DIMENSION", "key": "LINKED_ACCOUNT" }, { "type": "DIMENSION", "key": "SERVICE" }]));
    assert_eq!(params.get("nextPageToken"), None, "the first page has no token");
    let second_call: Value = serde_json::from_str(&calls[1].try_get::<String>("", "body").unwrap()).unwrap();
    assert_eq!(second_call["requestParameters"]["nextPageToken"], "page-2");

    // #17: the pull rebuilt the month rollups with the days it replaced.
    assert_eq!(app.rollup_mismatches().await, Vec::<String>::new(), "the month rollups after a Cost Explorer pull");
    assert!(app.count("cost_monthly_service").await > 0);

    // The pulled days were replaced (the stale row is gone); the third day and CUR rows stay.
    let (ds0, ds1, ds2) = (d0.to_string(), d1.to_string(), d2.to_string());
    let mut expected = vec![
        (ds0.clone(), a.clone(), EC2.to_owned(), 1_234_567_891, 1_000_000_001, 1_050_000_000),
        (ds0.clone(), b.clone(), S3.to_owned(), 50_000_000, 45_000_000, 50_000_000),
        (ds1.clone(), a.clone(), EC2.to_owned(), -125_000_000, -125_000_000, -125_000_000),
        (ds2, a.clone(), EC2.to_owned(), 700_000_000, 700_000_000, 700_000_000),
    ];
    expected.sort();
    assert_eq!(rows(&app, "ce").await, expected);
    assert_eq!(rows(&app, "cur").await.len(), 1, "other sources are untouched");

    // The partner sees it in the insights.
    let summary = viewer.cost_summary(&json!({ "payerIds": [payer], "from": d1, "to": d1, "groupBy": ["ACCOUNT"] })).await;
    assert_eq!(summary["total"], "-1.25");

    // One ingestion record for the month, like the other sources.
    let sql = "SELECT source, billing_period, status, rows_read, rows_written FROM ingestions WHERE source = 'ce'";
    let recs = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].try_get::<String>("", "status").unwrap(), "SUCCEEDED");
    assert_eq!(recs[0].try_get::<Option<String>>("", "billing_period").unwrap(), Some(d0.format("%Y-%m").to_string()));
    assert_eq!(recs[0].try_get::<i64>("", "rows_read").unwrap(), 3);

    // One signed aws.service.daily CloudEvent per account, service and day, money as strings.
    let received = hook.wait_for(3).await;
    let mut seen = BTreeSet::new();
    for r in &received {
        let ce = r.verify_with_sdk(&secret);
        assert_eq!(ce["signatureOk"], true, "{ce}");
        assert_eq!(ce["type"], "aws.service.daily");
        assert_eq!(ce["source"], "cloud.aws.billing");
        assert_eq!(ce["subject"], ce["data"]["accountId"]);
        seen.insert((
            ce["data"]["date"].as_str().unwrap().to_owned(),
            ce["data"]["accountId"].as_str().unwrap().to_owned(),
            ce["data"]["service"].as_str().unwrap().to_owned(),
            ce["data"]["unblendedCost"]["amount"].as_str().unwrap().to_owned(),
            ce["data"]["blendedCost"]["amount"].as_str().unwrap().to_owned(),
            ce["id"].as_str().unwrap().to_owned(),
        ));
    }
    let facts: BTreeSet<_> = seen.iter().map(|(d, a, s, u, bl, _)| (d.clone(), a.clone(), s.clone(), u.clone(), bl.clone())).collect();
    let want: BTreeSet<_> = [
        (ds0.clone(), a.clone(), EC2.to_owned(), "12.34567891".to_owned(), "11.25".to_owned()),
        (ds0, b.clone(), S3.to_owned(), "0.5".to_owned(), "0.5".to_owned()),
        (ds1, a.clone(), EC2.to_owned(), "-1.25".to_owned(), "-1.25".to_owned()),
    ]
    .into_iter()
    .collect();
    assert_eq!(facts, want);
    assert_eq!(seen.iter().map(|s| s.5.clone()).collect::<BTreeSet<_>>().len(), 3, "distinct event ids");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(hook.requests().len(), 3, "exactly one event each");
}

async fn the_daily_check_pulls_yesterday_once_per_payer(db: DbKind) {
    // Hour 0: the daily pull is due whenever the hourly check runs.
    let (app, root, p, payer, management) = setup(db, vec![("cost_pull_hour", "0".to_owned())]).await;
    let yesterday = Utc::now().date_naive() - Duration::days(1);
    let account = aws::random_account();
    queue_ce_result(&management, page(vec![day_result(yesterday, vec![(&account, S3, metrics("2", "2", "2", "2", "2.01"))])], None)).await;

    let tick = || partner_billing::jobs::NewJob::of(&partner_billing::domain::cost_pull::DailyPull {}).unwrap();
    for _ in 0..2 {
        let check = partner_billing::jobs::enqueue(&app.db, tick()).await.unwrap();
        app.state.jobs_wakeup.notify_one();
        let done = app.wait_job(&root, &check.id.to_string()).await;
        assert_eq!(done["state"], "SUCCEEDED", "{done}");
    }
    // Two checks, one pull: a payer's pull of a day is enqueued once.
    let pulls = entity::jobs::Entity::find()
        .filter(entity::jobs::Column::Kind.eq("costs.pull"))
        .filter(entity::jobs::Column::PayerId.eq(payer.parse::<uuid::Uuid>().unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(pulls.len(), 1);
    let pull = pulls[0].id.to_string();
    let job = app.wait_job(&p.operator, &pull).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(rows(&app, "ce").await, vec![(yesterday.to_string(), account, S3.to_owned(), 201_000_000, 200_000_000, 200_000_000)]);
}

on_both_databases!(backfill_over_two_pages_replaces_the_days_and_sends_cloudevents, the_daily_check_pulls_yesterday_once_per_payer);
