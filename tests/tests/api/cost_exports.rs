//! Cost exports ingested from the payer's S3 bucket (moto) through its role, as a job, and the
//! insights over them agree with a local ingestion of the same file.

use chrono::NaiveDate;
use e2e::aws;
use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::ids::PayerId;
use partner_billing::demo::generate::{GenFormat, GenOptions, generate};
use partner_billing::ingest;
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use serde_json::json;

async fn ingests_a_period_from_s3(db: DbKind) {
    let app = TestApp::spawn_aws(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Export Co").await;
    let org = aws::organization(0).await;
    let payer = app.connected_payer(&p, &org.management).await;

    // The export in the payer's own bucket, laid out as AWS Data Exports writes it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pb-export-00001.snappy.parquet");
    generate(&GenOptions { rows: 3000, accounts: 4, month: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(), seed: 11, format: GenFormat::Parquet, out: file.clone(), payer_account: Some(org.management.clone()) }).unwrap();
    let sdk = aws::as_account(&org.management).await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let bucket = format!("cur-{}", org.management);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let body = aws_sdk_s3::primitives::ByteStream::from_path(&file).await.unwrap();
    s3.put_object().bucket(&bucket).key("exports/pb-export/data/BILLING_PERIOD=2025-11/pb-export-00001.snappy.parquet").body(body).send().await.unwrap();

    let set = "mutation($p: ID!, $b: String!) { setPayerCostExport(payerId: $p, bucket: $b, prefix: \"exports/\") { costExportBucket costExportPrefix } }";
    app.gql(p.operator.bearer(), set, json!({ "p": payer, "b": bucket })).await.assert_code("FORBIDDEN");
    app.gql(p.admin.bearer(), set, json!({ "p": payer, "b": "Not_A_Bucket" })).await.assert_code("VALIDATION");
    let res = app.gql(p.admin.bearer(), set, json!({ "p": payer, "b": bucket })).await;
    assert_eq!(res.data("setPayerCostExport.costExportPrefix"), "exports/");

    let ingest = "mutation($p: ID!, $m: String) { ingestCosts(payerId: $p, billingPeriod: $m) { id } }";
    app.gql(p.viewer.bearer(), ingest, json!({ "p": payer, "m": "2025-11" })).await.assert_code("FORBIDDEN");
    let res = app.gql(p.operator.bearer(), ingest, json!({ "p": payer, "m": "2025-11" })).await;
    let job = app.wait_job(&p.operator, res.data("ingestCosts.id").as_str().unwrap()).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["result"]["files"], 1);

    // The same file ingested locally for a second payer gives the same totals.
    // Of the same billing account (ingestion takes only a payer's own rows), so on a tenant
    // below (an account id is unique per tenant).
    let below = app.create_tenant(&p.admin, &p.tenant_id, "RESELLER", "Local copy reseller").await;
    let (local_payer, _) = app.insert_payer(&below, "Local copy").await;
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        let model = entity::payers::Entity::find_by_id(local_payer.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
        let mut active: entity::payers::ActiveModel = model.into();
        active.account_id = Set(org.management.clone());
        active.update(&app.db).await.unwrap();
    }
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    ingest::ingest_files(&platform, PayerId(local_payer.parse().unwrap()), &[file]).await.unwrap();
    let q = "query($p: ID!) { costSummary(input: { payerIds: [$p], from: \"2025-11-01\", to: \"2025-11-30\", groupBy: [ACCOUNT] }) { total groups { key { accountId } amount } } }";
    let from_s3 = app.gql(p.viewer.bearer(), q, json!({ "p": payer })).await;
    let local = app.gql(p.viewer.bearer(), q, json!({ "p": local_payer })).await;
    assert_ne!(from_s3.data("costSummary.total"), "0");
    assert_eq!(from_s3.data("costSummary"), local.data("costSummary"));
    let health_q = "query($p: ID!) { ingestionHealth(payerId: $p) { status lastIngestion { status billingPeriod holder heartbeatAt } } }";
    let health = app.gql(p.viewer.bearer(), health_q, json!({ "p": payer })).await;
    assert_ne!(health.data("ingestionHealth.status"), "NOT_AVAILABLE");
    // The job's run: its record, with a heartbeat; which host ran it is for platform staff only.
    assert_eq!(health.data("ingestionHealth.lastIngestion.status"), "SUCCEEDED");
    assert_eq!(health.data("ingestionHealth.lastIngestion.billingPeriod"), "2025-11");
    assert!(health.data("ingestionHealth.lastIngestion.heartbeatAt").is_string(), "{}", health.body);
    assert!(health.data("ingestionHealth.lastIngestion.holder").is_null(), "{}", health.body);
    let staff = app.gql(admin.bearer(), health_q, json!({ "p": payer })).await;
    let holder = staff.data("ingestionHealth.lastIngestion.holder").as_str().unwrap().to_owned();
    assert!(holder.contains(&format!(":{}:", std::process::id())), "the worker in this process ran it: {holder}");

    // A month with no export files fails with a reason.
    let res = app.gql(p.operator.bearer(), ingest, json!({ "p": payer, "m": "2025-07" })).await;
    let job = app.wait_job(&p.operator, res.data("ingestCosts.id").as_str().unwrap()).await;
    assert_eq!(job["state"], "FAILED");
    assert!(job["lastError"].as_str().unwrap().contains("no cost export files"), "{job}");
}

on_both_databases!(ingests_a_period_from_s3);
