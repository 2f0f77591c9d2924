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

    let (admin_user, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    operator.try_set_payer_cost_export(&payer, &bucket, Some("exports/")).await.assert_code("FORBIDDEN");
    admin_user.try_set_payer_cost_export(&payer, "Not_A_Bucket", Some("exports/")).await.assert_code("VALIDATION");
    assert_eq!(admin_user.set_payer_cost_export(&payer, &bucket, Some("exports/")).await["costExportPrefix"], "exports/");

    viewer.try_ingest_costs(&payer, Some("2025-11")).await.assert_code("FORBIDDEN");
    let job = app.wait_job(&p.operator, &operator.ingest_costs(&payer, Some("2025-11")).await).await;
    assert_eq!(job["state"], "SUCCEEDED", "{job}");
    assert_eq!(job["result"]["files"], 1);

    // The same file ingested locally for a second payer gives the same totals.
    // Of the same billing account (ingestion takes only a payer's own rows), so on a tenant
    // below (an account id is unique per tenant).
    let below = admin_user.create_tenant(&p.tenant_id, "RESELLER", "Local copy reseller").await;
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
    let by_account = |payer: &str| json!({ "payerIds": [payer], "from": "2025-11-01", "to": "2025-11-30", "groupBy": ["ACCOUNT"] });
    let from_s3 = viewer.cost_summary(&by_account(&payer)).await;
    let local = viewer.cost_summary(&by_account(&local_payer)).await;
    assert_ne!(from_s3["total"], "0");
    // Total and accounts (the names come from each payer's own organization, so they are left out).
    let per_account = |s: &serde_json::Value| (s["total"].clone(), s["groups"].as_array().unwrap().iter().map(|g| (g["key"]["accountId"].clone(), g["amount"].clone())).collect::<Vec<_>>());
    assert_eq!(per_account(&from_s3), per_account(&local));
    let health = viewer.ingestion_health(&payer).await;
    assert_ne!(health["status"], "NOT_AVAILABLE");
    // The job's run: its record, with a heartbeat; which host ran it is for platform staff only.
    let last = &health["lastIngestion"];
    assert_eq!(last["status"], "SUCCEEDED");
    assert_eq!(last["billingPeriod"], "2025-11");
    assert!(last["heartbeatAt"].is_string(), "{health}");
    assert!(last["holder"].is_null(), "{health}");
    let staff = app.as_user(&admin).ingestion_health(&payer).await;
    let holder = staff["lastIngestion"]["holder"].as_str().unwrap().to_owned();
    assert!(holder.contains(&format!(":{}:", std::process::id())), "the worker in this process ran it: {holder}");

    // A month with no export files fails with a reason.
    let job = app.wait_job(&p.operator, &operator.ingest_costs(&payer, Some("2025-07")).await).await;
    assert_eq!(job["state"], "FAILED");
    assert!(job["lastError"].as_str().unwrap().contains("no cost export files"), "{job}");
}

on_both_databases!(ingests_a_period_from_s3);
