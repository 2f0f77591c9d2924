//! Cost export validation and source-data health (issue 9 items 4–5). moto has neither AWS Data
//! Exports nor legacy CUR definitions, so those are the official `aws-smithy-mocks` clients
//! answering from a list of exports (one per page, so every list follows its token) and
//! recording each request; STS and S3 (bucket location, listing, delivered files) are moto.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_sdk_bcmdataexports::operation::get_export::GetExportOutput;
use aws_sdk_bcmdataexports::operation::list_exports::ListExportsOutput;
use aws_sdk_bcmdataexports::types::{
    CompressionOption, DataQuery, DestinationConfigurations, Export, ExportReference, FormatOption, OverwriteOption, S3Destination, S3OutputConfigurations,
    S3OutputType,
};
use aws_sdk_costandusagereport::operation::describe_report_definitions::DescribeReportDefinitionsOutput;
use aws_sdk_costandusagereport::types::{AwsRegion, CompressionFormat, ReportDefinition, ReportFormat, SchemaElement, TimeUnit};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use e2e::{DbKind, Partner, TestApp, aws, on_both_databases};
use partner_billing::aws::{AwsClients, AwsError, AwsErrorKind, AwsResult, S3Api, S3Object, SdkCurDefinitions, SdkDataExports, SdkS3};
use serde_json::{Value, json};


/// What the mocked Data Exports and CUR APIs hold, and the requests they got.
#[derive(Default)]
struct Billing {
    exports: Vec<Export>,
    reports: Vec<ReportDefinition>,
    calls: Vec<String>,
    /// While set, ListExports answers AccessDeniedException.
    deny_list_exports: bool,
}

type Shared = Arc<Mutex<Billing>>;

fn data_export_rules(b: &Shared) -> Vec<Rule> {
    let (b0, b1, b2) = (b.clone(), b.clone(), b.clone());
    vec![
        mock!(aws_sdk_bcmdataexports::Client::list_exports).match_requests(move |_| b0.lock().unwrap().deny_list_exports).then_error(|| {
            aws_sdk_bcmdataexports::operation::list_exports::ListExportsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder().code("AccessDeniedException").message("not authorized to perform bcm-data-exports:ListExports").build(),
            )
        }),
        mock!(aws_sdk_bcmdataexports::Client::list_exports).then_compute_output(move |r| {
            let mut b = b1.lock().unwrap();
            b.calls.push(format!("ListExports {}", r.next_token().unwrap_or("-")));
            let i: usize = r.next_token().and_then(|t| t.parse().ok()).unwrap_or(0);
            let page = b.exports.get(i).map(|e| {
                ExportReference::builder().export_arn(e.export_arn().unwrap()).export_name(e.name()).build().unwrap()
            });
            ListExportsOutput::builder().set_exports(Some(page.into_iter().collect())).set_next_token((i + 1 < b.exports.len()).then(|| (i + 1).to_string())).build()
        }),
        mock!(aws_sdk_bcmdataexports::Client::get_export).then_compute_output(move |r| {
            let mut b = b2.lock().unwrap();
            let arn = r.export_arn().unwrap_or_default().to_owned();
            b.calls.push(format!("GetExport {arn}"));
            let export = b.exports.iter().find(|e| e.export_arn() == Some(arn.as_str())).cloned();
            GetExportOutput::builder().set_export(export).build()
        }),
    ]
}

fn cur_rules(b: &Shared) -> Vec<Rule> {
    let b1 = b.clone();
    vec![mock!(aws_sdk_costandusagereport::Client::describe_report_definitions).then_compute_output(move |r| {
        let mut b = b1.lock().unwrap();
        b.calls.push(format!("DescribeReportDefinitions {}", r.next_token().unwrap_or("-")));
        let i: usize = r.next_token().and_then(|t| t.parse().ok()).unwrap_or(0);
        DescribeReportDefinitionsOutput::builder()
            .set_report_definitions(Some(b.reports.get(i).cloned().into_iter().collect()))
            .set_next_token((i + 1 < b.reports.len()).then(|| (i + 1).to_string()))
            .build()
    })]
}

fn data_exports_client(b: &Shared) -> SdkDataExports {
    let rules = data_export_rules(b);
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_bcmdataexports, RuleMode::MatchAny, &refs);
    SdkDataExports::from_conf(client.config().clone())
}

fn cur_client(b: &Shared) -> SdkCurDefinitions {
    let rules = cur_rules(b);
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_costandusagereport, RuleMode::MatchAny, &refs);
    SdkCurDefinitions::from_conf(client.config().clone())
}

/// moto's S3, except that listing `denied_bucket` answers AccessDenied (moto does not enforce
/// bucket policies).
struct S3DenyingList {
    inner: SdkS3,
    denied_bucket: Option<String>,
}

#[async_trait]
impl S3Api for S3DenyingList {
    async fn list(&self, c: &Credentials, bucket: &str, prefix: &str) -> AwsResult<Vec<S3Object>> {
        if self.denied_bucket.as_deref() == Some(bucket) {
            return Err(AwsError {
                service: "s3",
                operation: "ListObjectsV2",
                kind: AwsErrorKind::AccessDenied,
                code: Some("AccessDenied".into()),
                message: Some("Access Denied".into()),
                request_id: None,
                context: None,
            });
        }
        self.inner.list(c, bucket, prefix).await
    }
    async fn download(&self, c: &Credentials, bucket: &str, key: &str, to: &std::path::Path) -> AwsResult<u64> {
        self.inner.download(c, bucket, key, to).await
    }
    async fn bucket_region(&self, c: &Credentials, bucket: &str) -> AwsResult<String> {
        self.inner.bucket_region(c, bucket).await
    }
}

/// The app on moto with the mocked billing APIs; a partner with a (bare) payer.
async fn spawn(db: DbKind, billing: &Shared, denied_bucket: Option<String>) -> (TestApp, Partner) {
    let sdk = aws::sdk_config(&aws::moto_url()).await;
    let clients = AwsClients::from_sdk_config(&sdk)
        .with_data_exports(Arc::new(data_exports_client(billing)))
        .with_cur_definitions(Arc::new(cur_client(billing)))
        .with_s3(Arc::new(S3DenyingList { inner: SdkS3::new(&sdk), denied_bucket }));
    let app = TestApp::spawn_with_aws(db, vec![], clients).await;
    let root = app.platform_admin().await;
    let p = app.new_partner(&root, "Export Co").await;
    (app, p)
}

fn bucket_name() -> String {
    format!("cur-{}", &uuid::Uuid::now_v7().simple().to_string()[16..])
}

/// A bucket in the payer's account (moto keeps S3 per account), with files at `keys`.
async fn bucket(account: &str, name: &str, region: Option<&str>, keys: &[String]) {
    let sdk = aws::as_account(account).await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let mut create = s3.create_bucket().bucket(name);
    if let Some(r) = region {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder().location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(r)).build(),
        );
    }
    create.send().await.unwrap();
    for key in keys {
        s3.put_object().bucket(name).key(key).body(aws_sdk_s3::primitives::ByteStream::from_static(b"PAR1")).send().await.unwrap();
    }
}

fn delivered(prefix: &str, export: &str) -> String {
    format!("{prefix}/{export}/data/BILLING_PERIOD=2026-11/{export}-00001.snappy.parquet")
}

/// A CUR 2.0 export with every option right, changed by `tweak`.
struct Cur2 {
    name: &'static str,
    table: &'static str,
    granularity: &'static str,
    resources: &'static str,
    split: &'static str,
    format: FormatOption,
    compression: CompressionOption,
    bucket: String,
    prefix: &'static str,
}

impl Cur2 {
    fn good(name: &'static str, bucket: &str) -> Self {
        Self {
            name,
            table: "COST_AND_USAGE_REPORT",
            granularity: "HOURLY",
            resources: "TRUE",
            split: "TRUE",
            format: FormatOption::Parquet,
            compression: CompressionOption::Parquet,
            bucket: bucket.to_owned(),
            prefix: "cur2",
        }
    }

    fn build(&self) -> Export {
        let conf = [("TIME_GRANULARITY", self.granularity), ("INCLUDE_RESOURCES", self.resources), ("INCLUDE_SPLIT_COST_ALLOCATION_DATA", self.split), ("INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY", "FALSE")];
        Export::builder()
            .export_arn(format!("arn:aws:bcm-data-exports:us-east-1:111122223333:export/{}-0001", self.name))
            .name(self.name)
            .data_query(
                DataQuery::builder()
                    .query_statement(format!("SELECT identity_line_item_id, line_item_unblended_cost FROM {}", self.table))
                    .table_configurations(self.table, conf.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
                    .build()
                    .unwrap(),
            )
            .destination_configurations(
                DestinationConfigurations::builder()
                    .s3_destination(
                        S3Destination::builder()
                            .s3_bucket(&self.bucket)
                            .s3_prefix(self.prefix)
                            .s3_region("us-east-1")
                            .s3_output_configurations(
                                S3OutputConfigurations::builder()
                                    .output_type(S3OutputType::Custom)
                                    .format(self.format.clone())
                                    .compression(self.compression.clone())
                                    .overwrite(OverwriteOption::OverwriteReport)
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
            .unwrap()
    }
}

fn legacy(name: &str, bucket: &str, unit: TimeUnit, elements: &[SchemaElement]) -> ReportDefinition {
    ReportDefinition::builder()
        .report_name(name)
        .time_unit(unit)
        .format(ReportFormat::Csv)
        .compression(CompressionFormat::Gzip)
        .set_additional_schema_elements(Some(elements.to_vec()))
        .s3_bucket(bucket)
        .s3_prefix("legacy")
        .s3_region(AwsRegion::from("us-east-1"))
        .build()
        .unwrap()
}

fn export<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["exports"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("no export {name} in {v}"))
}

fn check<'a>(export: &'a Value, key: &str) -> &'a Value {
    export["checks"].as_array().unwrap().iter().find(|c| c["key"] == key).unwrap_or_else(|| panic!("no check {key} in {export}"))
}

/// How one failing-check test arranges its export and bucket.
struct Case {
    /// The export, given the bucket name.
    export: fn(&str) -> Cur2,
    bucket_region: Option<&'static str>,
    deny_listing: bool,
    delivered: bool,
}

impl Case {
    fn export(export: fn(&str) -> Cur2) -> Self {
        Self { export, bucket_region: None, deny_listing: false, delivered: true }
    }
}

/// Validates one export arranged by `case` and asserts the named check is the first to fail,
/// with that reason and a fix, and that the payer's validation is FAILED naming the export.
async fn fails_with(db: DbKind, key: &str, reason: &str, case: Case) {
    let billing = Shared::default();
    let name = bucket_name();
    let (app, p) = spawn(db, &billing, case.deny_listing.then(|| name.clone())).await;
    let cur2 = (case.export)(&name);
    let files = if case.delivered { vec![delivered(cur2.prefix, cur2.name)] } else { vec![format!("{}/{}/metadata/BILLING_PERIOD=2026-11/{}-Manifest.json", cur2.prefix, cur2.name, cur2.name)] };
    bucket(&p.payer_account_id, &name, case.bucket_region, &files).await;
    billing.lock().unwrap().exports.push(cur2.build());

    let v = app.as_user(&p.operator).validate_cost_exports(&p.payer_id).await;
    assert_eq!(v["health"], "FAILED", "{v}");
    assert!(v["reason"].as_str().unwrap().contains(&format!("{}: ", cur2.name)), "{v}");
    assert!(v["selectedExport"].is_null());
    let e = export(&v, cur2.name);
    assert_eq!(e["valid"], false);
    let first = e["checks"].as_array().unwrap().iter().find(|c| c["passed"] == false).unwrap();
    assert_eq!(first["key"], key, "{e}");
    assert!(first["reason"].as_str().unwrap().contains(reason), "{first}");
    assert!(first["fix"].as_str().is_some_and(|f| !f.is_empty()), "{first}");
    // Stored: read back without calling AWS.
    let calls = billing.lock().unwrap().calls.len();
    assert_eq!(app.as_user(&p.viewer).cost_export_validation(&p.payer_id).await["health"], "FAILED");
    assert_eq!(billing.lock().unwrap().calls.len(), calls);
}

async fn a_focus_export_fails_the_kind_check(db: DbKind) {
    fails_with(db, "KIND", "FOCUS export", Case::export(|b| Cur2 { table: "FOCUS_1_0_AWS", ..Cur2::good("focus", b) })).await;
}

async fn csv_without_gzip_fails_the_format_check(db: DbKind) {
    fails_with(db, "FORMAT", "ingestion reads Parquet or gzip-compressed CSV", Case::export(|b| Cur2 { format: FormatOption::TextOrCsv, compression: CompressionOption::Parquet, ..Cur2::good("csv", b) })).await;
}

/// Resource ids and split cost allocation data are advice: the cost store keeps neither, so an
/// export without them is still usable (and selectable); the check says what other tools miss.
async fn advised_with(db: DbKind, key: &str, reason: &str, case: Case) {
    let billing = Shared::default();
    let name = bucket_name();
    let (app, p) = spawn(db, &billing, None).await;
    let cur2 = (case.export)(&name);
    bucket(&p.payer_account_id, &name, case.bucket_region, &[delivered(cur2.prefix, cur2.name)]).await;
    billing.lock().unwrap().exports.push(cur2.build());
    let v = app.as_user(&p.operator).validate_cost_exports(&p.payer_id).await;
    let e = export(&v, cur2.name);
    assert_eq!(e["valid"], true, "{e}");
    let unmet: Vec<&Value> = e["checks"].as_array().unwrap().iter().filter(|c| c["passed"] == false).collect();
    assert_eq!(unmet.len(), 1, "{e}");
    assert_eq!((&unmet[0]["key"], &unmet[0]["required"]), (&json!(key), &json!(false)), "{e}");
    assert!(unmet[0]["reason"].as_str().unwrap().contains(reason) && unmet[0]["reason"].as_str().unwrap().contains("this platform does not"), "{e}");
    assert!(unmet[0]["fix"].as_str().is_some_and(|f| !f.is_empty()));
    assert_ne!(v["health"], "FAILED", "{v}");
    let selected = app.as_user(&p.admin).select_cost_export(&p.payer_id, cur2.name).await;
    assert_eq!(selected["selectedExport"], cur2.name, "{selected}");
}

async fn missing_resource_ids_are_advice_not_a_failure(db: DbKind) {
    advised_with(db, "RESOURCE_IDS", "resource ids are not included", Case::export(|b| Cur2 { resources: "FALSE", ..Cur2::good("nores", b) })).await;
}

async fn missing_split_cost_allocation_data_is_advice_not_a_failure(db: DbKind) {
    advised_with(db, "SPLIT_COST_ALLOCATION", "split cost allocation data is not included", Case::export(|b| Cur2 { split: "FALSE", ..Cur2::good("nosplit", b) })).await;
}

async fn monthly_granularity_fails_its_check(db: DbKind) {
    fails_with(db, "GRANULARITY", "monthly line items", Case::export(|b| Cur2 { granularity: "MONTHLY", ..Cur2::good("monthly", b) })).await;
}

async fn a_bucket_outside_us_east_1_fails_the_region_check(db: DbKind) {
    fails_with(db, "BUCKET_REGION", "is in eu-west-1", Case { bucket_region: Some("eu-west-1"), ..Case::export(|b| Cur2::good("euro", b)) }).await;
}

async fn a_bucket_the_role_cannot_list_fails_the_readable_check(db: DbKind) {
    fails_with(db, "BUCKET_READABLE", "cannot be listed through the payer role", Case { deny_listing: true, ..Case::export(|b| Cur2::good("denied", b)) }).await;
}

async fn no_delivered_file_fails_its_check(db: DbKind) {
    fails_with(db, "DELIVERED_FILE", "no delivered file", Case { delivered: false, ..Case::export(|b| Cur2::good("fresh", b)) }).await;
}

/// Two Data Exports and two legacy reports (one list page each): all four listed and judged;
/// the partner selects the valid CUR 2.0 export, which points ingestion at its files.
async fn a_valid_export_is_listed_and_selected(db: DbKind) {
    let billing = Shared::default();
    let name = bucket_name();
    let (app, p) = spawn(db, &billing, None).await;
    bucket(&p.payer_account_id, &name, None, &[delivered("cur2", "good"), "legacy/daily/20261101-20261201/daily-00001.csv.gz".to_owned()]).await;
    {
        let mut b = billing.lock().unwrap();
        b.exports.push(Cur2::good("good", &name).build());
        b.exports.push(Cur2 { table: "FOCUS_1_0_AWS", ..Cur2::good("focus", &name) }.build());
        b.reports.push(legacy("daily", &name, TimeUnit::Daily, &[SchemaElement::Resources, SchemaElement::SplitCostAllocationData]));
        b.reports.push(legacy("monthly", &name, TimeUnit::Monthly, &[SchemaElement::Resources]));
    }
    let (admin, operator, viewer) = (app.as_user(&p.admin), app.as_user(&p.operator), app.as_user(&p.viewer));
    // Viewers do not validate; operators do.
    viewer.try_validate_cost_exports(&p.payer_id).await.assert_code("FORBIDDEN");
    assert!(billing.lock().unwrap().calls.is_empty(), "a refused caller reaches no AWS API");
    assert!(viewer.cost_export_validation(&p.payer_id).await.is_null());
    let v = operator.validate_cost_exports(&p.payer_id).await;
    assert_eq!(
        billing.lock().unwrap().calls,
        [
            "ListExports -",
            "ListExports 1",
            "GetExport arn:aws:bcm-data-exports:us-east-1:111122223333:export/good-0001",
            "GetExport arn:aws:bcm-data-exports:us-east-1:111122223333:export/focus-0001",
            "DescribeReportDefinitions -",
            "DescribeReportDefinitions 1",
        ]
    );
    let good = export(&v, "good");
    assert_eq!(good["valid"], true, "{good}");
    assert_eq!(good["kind"], "CUR_2");
    assert_eq!(good["format"], "PARQUET");
    assert_eq!(good["granularity"], "HOURLY");
    assert_eq!(good["filesPrefix"], "cur2/good");
    assert!(good["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true && c["fix"].is_null()));
    assert_eq!(good["checks"].as_array().unwrap().len(), 8);
    assert!(check(good, "DELIVERED_FILE")["reason"].as_str().unwrap().contains("cur2/good/data/"));
    let daily = export(&v, "daily");
    assert_eq!((daily["kind"].as_str(), daily["valid"].as_bool()), (Some("LEGACY_CUR"), Some(true)), "{daily}");
    assert_eq!(export(&v, "focus")["kind"], "FOCUS");
    assert_eq!(check(export(&v, "monthly"), "GRANULARITY")["passed"], false);
    // Valid exports but none selected yet.
    assert_eq!(v["health"], "WARNING");
    assert!(v["reason"].as_str().unwrap().contains("good, daily"), "{v}");

    // Only a valid export of the last validation can be selected, by an admin.
    let payer_before = admin.payer(&p.payer_id).await;
    operator.try_select_cost_export(&p.payer_id, "good").await.assert_code("FORBIDDEN");
    for bad in ["monthly", "focus", "nonexistent"] {
        admin.try_select_cost_export(&p.payer_id, bad).await.assert_invalid("exportName");
    }
    let payer_after = admin.payer(&p.payer_id).await;
    assert_eq!(payer_before, payer_after, "a refused selection changes nothing");
    let selected = admin.select_cost_export(&p.payer_id, "good").await;
    assert_eq!(selected["health"], "SUCCESS", "{selected}");
    assert_eq!(selected["selectedExport"], "good");
    let payer = admin.payer(&p.payer_id).await;
    assert_eq!(payer["costExportBucket"], name.as_str());
    assert_eq!(payer["costExportPrefix"], "cur2/good");
    let latest = viewer.cost_export_validation(&p.payer_id).await;
    assert_eq!(latest["selectedExport"], "good");
    assert_eq!(latest["exports"].as_array().unwrap().len(), 4);
}

/// distributor → reseller → two customers; one customer's payer has no usable export. Its
/// reseller and the distributor show FAILED naming that customer; the healthy-but-empty
/// sibling stays NOT_AVAILABLE below it; nobody sees upstream.
async fn one_failed_customer_fails_its_reseller_and_distributor(db: DbKind) {
    let billing = Shared::default();
    let (app, p) = spawn(db, &billing, None).await;
    let partner_admin = app.as_user(&p.admin);
    let reseller = partner_admin.create_tenant(&p.tenant_id, "RESELLER", "Resell One").await;
    let acme = partner_admin.create_tenant(&reseller, "CUSTOMER", "Acme").await;
    let beta = partner_admin.create_tenant(&reseller, "CUSTOMER", "Beta").await;
    let (acme_payer, acme_account) = app.insert_payer(&acme, "Acme main").await;
    app.insert_payer(&beta, "Beta main").await;
    // Acme's payer has exports, none usable: FAILED.
    billing.lock().unwrap().exports.push(Cur2 { granularity: "MONTHLY", ..Cur2::good("acme-monthly", &bucket_name()) }.build());
    assert_eq!(app.as_user(&p.operator).validate_cost_exports(&acme_payer).await["health"], "FAILED");

    let viewer = app.as_user(&p.viewer);
    let h = viewer.source_data_health(&p.tenant_id).await;
    assert_eq!(h["health"], "FAILED", "{h}");
    let reason = h["reason"].as_str().unwrap();
    assert!(reason.contains("Customer Acme") && reason.contains(&acme_account) && reason.contains("acme-monthly"), "{reason}");
    let entries = h["entries"].as_array().unwrap();
    let by_name = |n: &str| entries.iter().find(|e| e["tenantName"] == n && e["payerName"].is_null()).unwrap_or_else(|| panic!("no {n} in {h}"));
    assert_eq!(by_name("Resell One")["health"], "FAILED");
    assert!(by_name("Resell One")["reason"].as_str().unwrap().contains("Customer Acme"));
    assert_eq!(by_name("Acme")["health"], "FAILED");
    assert_eq!(by_name("Beta")["health"], "NOT_AVAILABLE");
    // Worst first.
    let order: Vec<&str> = entries.iter().map(|e| e["health"].as_str().unwrap()).collect();
    let rank = |s: &str| ["FAILED", "WARNING", "NOT_AVAILABLE", "SUCCESS"].iter().position(|x| *x == s).unwrap();
    assert!(order.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{order:?}");
    assert_eq!(entries.iter().filter(|e| e["payerName"] == "Acme main" && e["health"] == "FAILED").count(), 1);

    // The reseller's admin sees the same below them, and nothing upstream.
    let reseller_admin = partner_admin.create_user("admin@resell-one.example", "ADMIN", ("tenantId", &reseller)).await;
    let reseller_admin = app.as_user(&reseller_admin);
    let r = reseller_admin.source_data_health(&reseller).await;
    assert_eq!(r["health"], "FAILED");
    assert!(r["reason"].as_str().unwrap().contains("Customer Acme"));
    reseller_admin.try_source_data_health(&p.tenant_id).await.assert_code("NOT_FOUND");
    // Beta's own view: nothing validated or ingested yet.
    let b = viewer.source_data_health(&beta).await;
    assert_eq!(b["health"], "NOT_AVAILABLE");
    assert!(!b.to_string().contains("Acme"), "a customer's view holds nothing of its sibling");
}

/// An AWS failure is part of the result, not an error: stored as FAILED with the reason, seen
/// by onboarding and health; the next run replaces it.
async fn an_aws_failure_is_stored_as_failed_with_its_reason(db: DbKind) {
    let billing = Shared::default();
    let (app, p) = spawn(db, &billing, None).await;
    billing.lock().unwrap().deny_list_exports = true;
    let (operator, viewer) = (app.as_user(&p.operator), app.as_user(&p.viewer));
    let v = operator.validate_cost_exports(&p.payer_id).await;
    assert_eq!(v["health"], "FAILED", "{v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.contains("listing the payer's Data Exports failed") && reason.contains("AccessDeniedException"), "{reason}");
    assert_eq!(v["exports"], json!([]));
    let h = viewer.source_data_health(&p.tenant_id).await;
    assert_eq!(h["health"], "FAILED");
    assert!(h["reason"].as_str().unwrap().contains("AccessDeniedException"));
    // Fixed: the next run replaces the stored failure.
    let name = bucket_name();
    bucket(&p.payer_account_id, &name, None, &[delivered("cur2", "good")]).await;
    {
        let mut b = billing.lock().unwrap();
        b.deny_list_exports = false;
        b.exports.push(Cur2::good("good", &name).build());
    }
    let v = operator.validate_cost_exports(&p.payer_id).await;
    assert_eq!(v["health"], "WARNING", "valid, not selected yet: {v}");
    assert_eq!(viewer.cost_export_validation(&p.payer_id).await["exports"][0]["valid"], true);
}

/// The Data Exports and CUR adapters on their own: the exact requests, every page.
#[tokio::test]
async fn adapters_follow_every_page_with_the_exact_requests() {
    let arn = |n: &str| format!("arn:aws:bcm-data-exports:us-east-1:111122223333:export/{n}-0001");
    let (a1, a2) = (arn("one"), arn("two"));
    let page1 = mock!(aws_sdk_bcmdataexports::Client::list_exports)
        .match_requests(|r| r.next_token().is_none() && r.max_results().is_none())
        .then_output({
            let a1 = a1.clone();
            move || ListExportsOutput::builder().exports(ExportReference::builder().export_arn(&a1).export_name("one").build().unwrap()).next_token("t2").build()
        });
    let page2 = mock!(aws_sdk_bcmdataexports::Client::list_exports).match_requests(|r| r.next_token() == Some("t2")).then_output({
        let a2 = a2.clone();
        move || ListExportsOutput::builder().exports(ExportReference::builder().export_arn(&a2).export_name("two").build().unwrap()).build()
    });
    let get_one = mock!(aws_sdk_bcmdataexports::Client::get_export).match_requests({
        let a1 = a1.clone();
        move |r| r.export_arn() == Some(a1.as_str())
    }).then_output(|| GetExportOutput::builder().export(Cur2::good("one", "bucket-one").build()).build());
    let get_two = mock!(aws_sdk_bcmdataexports::Client::get_export).match_requests({
        let a2 = a2.clone();
        move |r| r.export_arn() == Some(a2.as_str())
    }).then_output(|| GetExportOutput::builder().export(Cur2 { granularity: "DAILY", ..Cur2::good("two", "bucket-two") }.build()).build());
    let client = mock_client!(aws_sdk_bcmdataexports, RuleMode::MatchAny, [&page1, &page2, &get_one, &get_two]);
    let creds = Credentials::new("a", "b", None, None, "t");
    let exports = partner_billing::aws::DataExportsApi::exports(&SdkDataExports::from_conf(client.config().clone()), &creds).await.unwrap();
    assert_eq!((page1.num_calls(), page2.num_calls(), get_one.num_calls(), get_two.num_calls()), (1, 1, 1, 1));
    assert_eq!(exports.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["one", "two"]);
    assert_eq!(exports[1].table_configurations["COST_AND_USAGE_REPORT"]["TIME_GRANULARITY"], "DAILY");
    assert_eq!((exports[0].bucket.as_deref(), exports[0].prefix.as_deref(), exports[0].format.as_deref()), (Some("bucket-one"), Some("cur2"), Some("PARQUET")));

    let first = mock!(aws_sdk_costandusagereport::Client::describe_report_definitions)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| DescribeReportDefinitionsOutput::builder().report_definitions(legacy("r1", "b1", TimeUnit::Hourly, &[SchemaElement::Resources])).next_token("n2").build());
    let second = mock!(aws_sdk_costandusagereport::Client::describe_report_definitions)
        .match_requests(|r| r.next_token() == Some("n2"))
        .then_output(|| DescribeReportDefinitionsOutput::builder().report_definitions(legacy("r2", "b2", TimeUnit::Monthly, &[])).build());
    let client = mock_client!(aws_sdk_costandusagereport, RuleMode::MatchAny, [&first, &second]);
    let reports = partner_billing::aws::CurDefinitionsApi::report_definitions(&SdkCurDefinitions::from_conf(client.config().clone()), &creds).await.unwrap();
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
    assert_eq!(reports.iter().map(|r| (r.name.as_str(), r.time_unit.as_str())).collect::<Vec<_>>(), [("r1", "HOURLY"), ("r2", "MONTHLY")]);
    assert_eq!(reports[0].schema_elements, ["RESOURCES"]);
    assert_eq!((reports[0].format.as_str(), reports[0].compression.as_str(), reports[0].prefix.as_str()), ("textORcsv", "GZIP", "legacy"));
}

on_both_databases!(
    a_focus_export_fails_the_kind_check,
    csv_without_gzip_fails_the_format_check,
    missing_resource_ids_are_advice_not_a_failure,
    missing_split_cost_allocation_data_is_advice_not_a_failure,
    monthly_granularity_fails_its_check,
    a_bucket_outside_us_east_1_fails_the_region_check,
    a_bucket_the_role_cannot_list_fails_the_readable_check,
    no_delivered_file_fails_its_check,
    a_valid_export_is_listed_and_selected,
    one_failed_customer_fails_its_reseller_and_distributor,
    an_aws_failure_is_stored_as_failed_with_its_reason,
);
