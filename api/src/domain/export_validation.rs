//! Cost export validation (onboarding's VALIDATE_EXPORT step): list the payer's AWS Data
//! Exports and legacy CUR report definitions through its role and judge each one against what
//! ingestion and the billing features need. The latest run is stored per payer, so onboarding
//! and health read it without calling AWS; the partner then picks which valid export
//! ingestion reads (which sets the payer's cost export bucket and prefix).
//!
//! docs/export-validation.md lists every check with its reason and fix.

use std::collections::HashMap;

use aws_credential_types::Credentials;
use chrono::{DateTime, Utc};
use entity::export_validations;
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};

use crate::aws::credentials::session_name;
use crate::aws::{AwsClients, AwsErrorKind, CurReportDefinition, DataExport};
use crate::domain::health::SourceHealth;
use crate::domain::{cost_exports, payers as payer_domain};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::jobs::JobContext;
use crate::tenancy::{PayerAccess, PayerRead, Role, Scope};

/// What an export contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportKind {
    /// AWS Data Exports, table COST_AND_USAGE_REPORT.
    Cur2,
    /// A legacy Cost and Usage Report definition.
    LegacyCur,
    /// AWS Data Exports, a FOCUS table.
    Focus,
    /// Any other Data Exports table (recommendations, carbon, …).
    Other,
}

/// The keys of the checks, in the order they run.
pub mod check {
    pub const KIND: &str = "KIND";
    pub const FORMAT: &str = "FORMAT";
    pub const RESOURCE_IDS: &str = "RESOURCE_IDS";
    pub const SPLIT_COST_ALLOCATION: &str = "SPLIT_COST_ALLOCATION";
    pub const GRANULARITY: &str = "GRANULARITY";
    pub const BUCKET_REGION: &str = "BUCKET_REGION";
    pub const BUCKET_READABLE: &str = "BUCKET_READABLE";
    pub const DELIVERED_FILE: &str = "DELIVERED_FILE";
}

/// One judged property of an export: what was found, and what to do when it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportCheck {
    pub key: String,
    pub passed: bool,
    /// Whether the export is unusable while this check fails; an advisory check that fails only
    /// says what other tools would miss. Checks stored before advisories existed were all required.
    #[serde(default = "required_by_default")]
    pub required: bool,
    pub reason: String,
    pub fix: Option<String>,
}

fn required_by_default() -> bool {
    true
}

impl ExportCheck {
    fn pass(key: &str, reason: impl Into<String>) -> Self {
        Self { key: key.to_owned(), passed: true, required: true, reason: reason.into(), fix: None }
    }

    fn fail(key: &str, reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { key: key.to_owned(), passed: false, required: true, reason: reason.into(), fix: Some(fix.into()) }
    }

    /// Not met, and not needed here: the export stays usable.
    fn advise(key: &str, reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { key: key.to_owned(), passed: false, required: false, reason: reason.into(), fix: Some(fix.into()) }
    }
}

/// One export with its checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportAssessment {
    pub name: String,
    /// The export's ARN (Data Exports) or the report name (legacy CUR).
    pub arn_or_name: String,
    pub kind: ExportKind,
    pub format: Option<String>,
    pub compression: Option<String>,
    pub bucket: Option<String>,
    /// The S3 prefix configured on the export.
    pub prefix: Option<String>,
    /// The region configured on the export's destination.
    pub region: Option<String>,
    /// `HOURLY` | `DAILY` | `MONTHLY`, where the export says.
    pub granularity: Option<String>,
    /// Where the export's files land (`<prefix>/<name>`): the prefix ingestion reads once this
    /// export is selected.
    pub files_prefix: Option<String>,
    pub checks: Vec<ExportCheck>,
    pub valid: bool,
}

/// The latest validation of one payer.
#[derive(Debug, Clone)]
pub struct ExportValidation {
    pub payer_id: PayerId,
    pub checked_at: DateTime<Utc>,
    pub health: SourceHealth,
    /// Why the health is not SUCCESS.
    pub reason: Option<String>,
    pub exports: Vec<ExportAssessment>,
    /// The valid export whose files the payer's cost export location points at.
    pub selected_export: Option<String>,
}

const US_EAST_1: &str = "us-east-1";

/// `a/b` from non-empty parts, without stray slashes.
fn join(parts: &[&str]) -> String {
    parts.iter().map(|p| p.trim_matches('/')).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("/")
}

fn table_kind(query: &str) -> (ExportKind, Option<&'static str>) {
    let q = query.to_ascii_uppercase();
    if q.contains("COST_AND_USAGE_REPORT") {
        (ExportKind::Cur2, Some("COST_AND_USAGE_REPORT"))
    } else if q.contains("FOCUS_") {
        (ExportKind::Focus, None)
    } else {
        (ExportKind::Other, None)
    }
}

fn kind_check(kind: ExportKind, query: &str) -> ExportCheck {
    match kind {
        ExportKind::Cur2 => ExportCheck::pass(check::KIND, "CUR 2.0 export (AWS Data Exports)"),
        ExportKind::LegacyCur => ExportCheck::pass(check::KIND, "legacy Cost and Usage Report"),
        ExportKind::Focus => ExportCheck::fail(
            check::KIND,
            "FOCUS export: ingestion reads FOCUS 1.x for the cost views, but billing needs CUR line items (line item types, public on-demand cost)",
            "Add a CUR 2.0 export next to it (Data Exports → Create → Standard data export, CUR 2.0)",
        ),
        ExportKind::Other => ExportCheck::fail(
            check::KIND,
            format!("not a cost and usage export (query: {})", query.chars().take(80).collect::<String>()),
            "Create a CUR 2.0 export (Data Exports → Create → Standard data export, CUR 2.0)",
        ),
    }
}

fn format_check(format: &str, compression: &str) -> ExportCheck {
    match (format.to_ascii_uppercase().as_str(), compression.to_ascii_uppercase().as_str()) {
        ("PARQUET", _) => ExportCheck::pass(check::FORMAT, "Parquet"),
        ("TEXT_OR_CSV" | "TEXTORCSV", "GZIP") => ExportCheck::pass(check::FORMAT, "CSV compressed with gzip"),
        (f, c) => ExportCheck::fail(
            check::FORMAT,
            format!("format {f} with compression {c}: ingestion reads Parquet or gzip-compressed CSV"),
            "Set the export's file format to Parquet (or CSV with gzip compression)",
        ),
    }
}

fn granularity_check(granularity: Option<&str>) -> ExportCheck {
    match granularity.map(str::to_ascii_uppercase).as_deref() {
        Some(g @ ("HOURLY" | "DAILY")) => ExportCheck::pass(check::GRANULARITY, format!("{g} line items: enough for the day-grain store, daily cost views, forecasts and the pro-forma engine")),
        Some("MONTHLY") => ExportCheck::fail(
            check::GRANULARITY,
            "monthly line items: the day-grain cost store (daily views, forecasts, month-over-month by day, pro-forma by period) needs daily or hourly data",
            "Recreate the export with time granularity Hourly or Daily (the granularity of an export cannot be changed)",
        ),
        other => ExportCheck::fail(
            check::GRANULARITY,
            format!("time granularity {} is not hourly or daily", other.unwrap_or("not set")),
            "Set the export's time granularity to Hourly or Daily",
        ),
    }
}

fn resource_ids_check(included: bool) -> ExportCheck {
    if included {
        ExportCheck::pass(check::RESOURCE_IDS, "resource ids included")
    } else {
        // The day-grain store keeps no per-resource rows (they would multiply its volume), so
        // the platform does not need them; dashboards outside it (CID, Athena) do.
        ExportCheck::advise(
            check::RESOURCE_IDS,
            "resource ids are not included: this platform does not need them (its cost store has no per-resource rows), but Cloud Intelligence Dashboards and other per-resource tools do",
            "Turn on 'Include resource IDs' in the export's table configuration if you use such tools",
        )
    }
}

fn split_cost_check(included: bool) -> ExportCheck {
    if included {
        ExportCheck::pass(check::SPLIT_COST_ALLOCATION, "split cost allocation data included")
    } else {
        ExportCheck::advise(
            check::SPLIT_COST_ALLOCATION,
            "split cost allocation data is not included: this platform does not use it (it bills accounts, not containers), but tools that allocate shared ECS and EKS costs to containers do",
            "Turn on 'Split cost allocation data' in the export's table configuration (and in Billing preferences) if you use such tools",
        )
    }
}

/// The configuration checks of a Data Exports export (S3 checks come later).
pub fn assess_data_export(e: &DataExport) -> ExportAssessment {
    let (kind, table) = table_kind(&e.query_statement);
    let mut checks = vec![kind_check(kind, &e.query_statement)];
    checks.push(format_check(e.format.as_deref().unwrap_or("not set"), e.compression.as_deref().unwrap_or("not set")));
    let conf = table.and_then(|t| e.table_configurations.get(t));
    let flag = |key: &str| conf.and_then(|c| c.get(key)).is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
    let granularity = conf.and_then(|c| c.get("TIME_GRANULARITY")).cloned();
    if kind == ExportKind::Cur2 {
        checks.push(resource_ids_check(flag("INCLUDE_RESOURCES")));
        checks.push(split_cost_check(flag("INCLUDE_SPLIT_COST_ALLOCATION_DATA")));
        checks.push(granularity_check(granularity.as_deref()));
    }
    ExportAssessment {
        name: e.name.clone(),
        arn_or_name: e.arn.clone(),
        kind,
        format: e.format.clone(),
        compression: e.compression.clone(),
        bucket: e.bucket.clone(),
        prefix: e.prefix.clone(),
        region: e.region.clone(),
        granularity,
        files_prefix: Some(join(&[e.prefix.as_deref().unwrap_or_default(), &e.name])),
        checks,
        valid: false,
    }
}

/// The configuration checks of a legacy CUR report definition.
pub fn assess_report_definition(r: &CurReportDefinition) -> ExportAssessment {
    let has = |element: &str| r.schema_elements.iter().any(|e| e == element);
    let checks = vec![
        kind_check(ExportKind::LegacyCur, ""),
        format_check(if r.format == "textORcsv" { "TEXT_OR_CSV" } else { r.format.as_str() }, &r.compression),
        resource_ids_check(has("RESOURCES")),
        split_cost_check(has("SPLIT_COST_ALLOCATION_DATA")),
        granularity_check(Some(&r.time_unit)),
    ];
    ExportAssessment {
        name: r.name.clone(),
        arn_or_name: r.name.clone(),
        kind: ExportKind::LegacyCur,
        format: Some(r.format.clone()),
        compression: Some(r.compression.clone()),
        bucket: Some(r.bucket.clone()),
        prefix: Some(r.prefix.clone()),
        region: Some(r.region.clone()),
        granularity: Some(r.time_unit.clone()),
        files_prefix: Some(join(&[&r.prefix, &r.name])),
        checks,
        valid: false,
    }
}

fn is_data_file(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with(".parquet") || k.ends_with(".csv.gz") || k.ends_with(".gz") || k.ends_with(".zip")
}

/// Bucket region, listing and delivered-file checks, through the payer's role.
async fn s3_checks(aws: &AwsClients, creds: &Credentials, a: &mut ExportAssessment, regions: &mut HashMap<String, Result<String, String>>) {
    let Some(bucket) = a.bucket.clone().filter(|b| !b.is_empty()) else {
        a.checks.push(ExportCheck::fail(check::BUCKET_REGION, "the export has no S3 destination", "Give the export an S3 bucket in us-east-1"));
        return;
    };
    let region = match regions.get(&bucket) {
        Some(r) => r.clone(),
        None => {
            let r = aws.s3.bucket_region(creds, &bucket).await.map_err(|e| e.to_string());
            regions.insert(bucket.clone(), r.clone());
            r
        }
    };
    let not_checked = |key: &str, why: &str| ExportCheck::fail(key, format!("not checked: {why}"), "Fix the checks above, then validate again");
    match region {
        Ok(r) if r == US_EAST_1 => a.checks.push(ExportCheck::pass(check::BUCKET_REGION, format!("bucket {bucket} is in us-east-1"))),
        Ok(r) => {
            a.checks.push(ExportCheck::fail(
                check::BUCKET_REGION,
                format!("bucket {bucket} is in {r}; ingestion reads export buckets in us-east-1, where AWS produces billing data"),
                "Point the export at a bucket in us-east-1 (cloudformation/cur-export.yaml creates one)",
            ));
            a.checks.push(not_checked(check::BUCKET_READABLE, "the bucket is not in us-east-1"));
            a.checks.push(not_checked(check::DELIVERED_FILE, "the bucket is not in us-east-1"));
            return;
        }
        Err(e) => {
            a.checks.push(ExportCheck::fail(
                check::BUCKET_REGION,
                format!("could not read the location of bucket {bucket}: {e}"),
                "Allow s3:GetBucketLocation on the bucket in the payer role (the role template's CurBucketName parameter)",
            ));
            a.checks.push(not_checked(check::BUCKET_READABLE, "the bucket's location is unknown"));
            a.checks.push(not_checked(check::DELIVERED_FILE, "the bucket's location is unknown"));
            return;
        }
    }
    let prefix = format!("{}/", a.files_prefix.clone().unwrap_or_default());
    let prefix = prefix.trim_start_matches('/');
    match aws.s3.list(creds, &bucket, prefix).await {
        Ok(objects) => {
            a.checks.push(ExportCheck::pass(check::BUCKET_READABLE, format!("s3://{bucket}/{prefix} can be listed through the payer role")));
            match objects.iter().find(|o| is_data_file(&o.key)) {
                Some(o) => a.checks.push(ExportCheck::pass(check::DELIVERED_FILE, format!("delivered file found: {}", o.key))),
                None => a.checks.push(ExportCheck::fail(
                    check::DELIVERED_FILE,
                    format!("no delivered file under s3://{bucket}/{prefix} yet"),
                    "Wait for the first delivery (up to 24 hours after creating the export), then validate again",
                )),
            }
        }
        Err(e) => {
            let fix = if e.kind == AwsErrorKind::AccessDenied {
                "Allow s3:ListBucket and s3:GetObject on the bucket in the payer role (the role template's CurBucketName parameter)"
            } else {
                "Check that the bucket exists and that the payer role may list it"
            };
            a.checks.push(ExportCheck::fail(check::BUCKET_READABLE, format!("s3://{bucket}/{prefix} cannot be listed through the payer role: {e}"), fix));
            a.checks.push(not_checked(check::DELIVERED_FILE, "the bucket cannot be listed"));
        }
    }
}

/// Lists and judges every export; an error is the reason the run could not judge them.
async fn assess_all(aws: &AwsClients, creds: &Credentials) -> Result<Vec<ExportAssessment>, String> {
    let exports = aws.data_exports.exports(creds).await.map_err(|e| format!("listing the payer's Data Exports failed: {e}"))?;
    let reports = aws.cur_definitions.report_definitions(creds).await.map_err(|e| format!("listing the payer's CUR report definitions failed: {e}"))?;
    let mut all: Vec<ExportAssessment> = exports.iter().map(assess_data_export).chain(reports.iter().map(assess_report_definition)).collect();
    let mut regions = HashMap::new();
    for a in &mut all {
        s3_checks(aws, creds, a, &mut regions).await;
        a.valid = a.checks.iter().all(|c| c.passed || !c.required);
    }
    Ok(all)
}

fn first_failure(a: &ExportAssessment) -> String {
    a.checks.iter().find(|c| !c.passed && c.required).map(|c| c.reason.clone()).unwrap_or_default()
}

/// Health, reason and the selected export, from a stored run and the payer's export location.
/// `export`: the bucket and prefix the payer reads its cost data from, when set.
fn summarize(row: &export_validations::Model, exports: Vec<ExportAssessment>, export: (Option<&str>, Option<&str>)) -> ExportValidation {
    let location = export.0.map(|b| (b, export.1.unwrap_or_default().trim_matches('/')));
    let selected = exports.iter().find(|a| location.is_some_and(|(b, p)| a.bucket.as_deref() == Some(b) && a.files_prefix.as_deref() == Some(p)));
    let valid: Vec<&ExportAssessment> = exports.iter().filter(|a| a.valid).collect();
    let (health, reason) = if let Some(error) = &row.error {
        (SourceHealth::Failed, Some(error.clone()))
    } else if exports.is_empty() {
        (SourceHealth::Failed, Some("no cost export found: the payer has no AWS Data Exports export and no legacy CUR report".to_owned()))
    } else if valid.is_empty() {
        let why: Vec<String> = exports.iter().map(|a| format!("{}: {}", a.name, first_failure(a))).collect();
        (SourceHealth::Failed, Some(format!("no usable cost export ({})", why.join("; "))))
    } else {
        match selected {
            Some(s) if s.valid => (SourceHealth::Success, None),
            Some(s) => (SourceHealth::Failed, Some(format!("the selected export {} no longer passes: {}", s.name, first_failure(s)))),
            None => (
                SourceHealth::Warning,
                Some(format!("{} valid export(s) ({}); choose the one ingestion reads", valid.len(), valid.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))),
            ),
        }
    };
    ExportValidation {
        payer_id: PayerId(row.payer_id),
        checked_at: row.checked_at,
        health,
        reason,
        selected_export: selected.filter(|s| s.valid).map(|s| s.name.clone()),
        exports,
    }
}

fn parse_exports(row: &export_validations::Model) -> AppResult<Vec<ExportAssessment>> {
    serde_json::from_str(&row.exports).map_err(AppError::internal)
}

async fn store(payer: &impl PayerAccess, row: export_validations::Model) -> AppResult<()> {
    let active = export_validations::ActiveModel {
        payer_id: Set(row.payer_id),
        checked_at: Set(row.checked_at),
        error: Set(row.error),
        exports: Set(row.exports),
    };
    let update = vec![export_validations::Column::CheckedAt, export_validations::Column::Error, export_validations::Column::Exports];
    payer.upsert(active, &[export_validations::Column::PayerId], update).await
}

/// Lists and judges the payer's cost exports now, through its role, and stores the result
/// (operator). AWS failures are part of the result (FAILED with the reason), not errors.
pub async fn validate_payer(state: &JobContext, scope: &Scope, payer: PayerId) -> AppResult<ExportValidation> {
    let payer = scope.payer(payer, Role::Operator).await?;
    let outcome = match payer_domain::credentials(&payer, &state.aws, &session_name(&scope.principal().email)).await {
        Ok(creds) => assess_all(&state.aws, &creds).await,
        Err(AppError::Aws(e)) => Err(format!("cannot assume the payer's role: {e}")),
        Err(e) => return Err(e),
    };
    let (exports, error) = match outcome {
        Ok(exports) => (exports, None),
        Err(error) => (Vec::new(), Some(error)),
    };
    let row = export_validations::Model {
        payer_id: payer.id,
        checked_at: Utc::now(),
        error,
        exports: serde_json::to_string(&exports).map_err(AppError::internal)?,
    };
    store(&payer, row.clone()).await?;
    Ok(summarize(&row, exports, (payer.cost_export_bucket.as_deref(), payer.cost_export_prefix.as_deref())))
}

/// The latest stored validation (viewer), `None` if the payer was never validated.
pub async fn latest(scope: &Scope, payer: PayerId) -> AppResult<Option<ExportValidation>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    let Some(row) = payer.rows::<export_validations::Entity>().one().await? else {
        return Ok(None);
    };
    let exports = parse_exports(&row)?;
    Ok(Some(summarize(&row, exports, (payer.cost_export_bucket.as_deref(), payer.cost_export_prefix.as_deref()))))
}

/// The latest validation of each of `payers` (rows the caller already read through its scope),
/// by payer id, in a fixed number of queries however many payers.
pub async fn latest_of(scope: &Scope, payers: &[entity::payers::Model]) -> AppResult<HashMap<uuid::Uuid, ExportValidation>> {
    if payers.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<uuid::Uuid> = payers.iter().map(|p| p.id).collect();
    let rows = scope.readable_payers(&ids).await?.rows::<export_validations::Entity>().all().await?;
    let mut out = HashMap::new();
    for row in rows {
        let Some(payer) = payers.iter().find(|p| p.id == row.payer_id) else { continue };
        let exports = parse_exports(&row)?;
        out.insert(payer.id, summarize(&row, exports, (payer.cost_export_bucket.as_deref(), payer.cost_export_prefix.as_deref())));
    }
    Ok(out)
}

/// Makes ingestion read one of the valid exports of the latest validation (admin): sets the
/// payer's cost export bucket and prefix to where that export's files land.
pub async fn select_export(scope: &Scope, payer: PayerId, export_name: &str) -> AppResult<ExportValidation> {
    let payer_row = scope.payer(payer, Role::Admin).await?;
    let row = payer_row
        .rows::<export_validations::Entity>()
        .one()
        .await?
        .ok_or_else(|| AppError::invalid("exportName", "validate the payer's cost exports first"))?;
    let exports = parse_exports(&row)?;
    let named: Vec<&ExportAssessment> = exports.iter().filter(|a| a.name == export_name.trim()).collect();
    if named.is_empty() {
        return Err(AppError::invalid("exportName", "no export of that name in the latest validation"));
    }
    let Some(chosen) = named.into_iter().find(|a| a.valid) else {
        return Err(AppError::invalid("exportName", "that export did not pass validation; fix its failed checks and validate again"));
    };
    let (Some(bucket), Some(prefix)) = (chosen.bucket.as_deref(), chosen.files_prefix.as_deref()) else {
        return Err(AppError::invalid("exportName", "that export has no S3 destination"));
    };
    let updated = cost_exports::set_export(scope, payer, bucket, prefix).await?;
    Ok(summarize(&row, exports, (updated.cost_export_bucket.as_deref(), updated.cost_export_prefix.as_deref())))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn cur2(conf: &[(&str, &str)], format: &str, compression: &str) -> DataExport {
        DataExport {
            name: "cur2".to_owned(),
            arn: "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur2-1".to_owned(),
            query_statement: "SELECT identity_line_item_id FROM COST_AND_USAGE_REPORT".to_owned(),
            table_configurations: BTreeMap::from([(
                "COST_AND_USAGE_REPORT".to_owned(),
                conf.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            )]),
            bucket: Some("b".to_owned()),
            prefix: Some("/cur/".to_owned()),
            region: Some("us-east-1".to_owned()),
            format: Some(format.to_owned()),
            compression: Some(compression.to_owned()),
        }
    }

    fn failed(a: &ExportAssessment) -> Vec<&str> {
        a.checks.iter().filter(|c| !c.passed).map(|c| c.key.as_str()).collect()
    }

    /// The failures that make the export unusable.
    fn blocking(a: &ExportAssessment) -> Vec<&str> {
        a.checks.iter().filter(|c| !c.passed && c.required).map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn a_complete_cur2_export_passes_its_configuration_checks() {
        let good = [("TIME_GRANULARITY", "HOURLY"), ("INCLUDE_RESOURCES", "TRUE"), ("INCLUDE_SPLIT_COST_ALLOCATION_DATA", "TRUE")];
        let a = assess_data_export(&cur2(&good, "PARQUET", "PARQUET"));
        assert_eq!(a.kind, ExportKind::Cur2);
        assert!(failed(&a).is_empty(), "{a:?}");
        assert_eq!(a.files_prefix.as_deref(), Some("cur/cur2"));
        let bad = assess_data_export(&cur2(&[("TIME_GRANULARITY", "MONTHLY")], "TEXT_OR_CSV", "PARQUET"));
        assert_eq!(failed(&bad), [check::FORMAT, check::RESOURCE_IDS, check::SPLIT_COST_ALLOCATION, check::GRANULARITY]);
        // Resource ids and split cost allocation data are advice: the day grain keeps neither.
        assert_eq!(blocking(&bad), [check::FORMAT, check::GRANULARITY]);
    }

    #[test]
    fn checks_stored_before_advisories_read_as_required() {
        let old: ExportCheck = serde_json::from_str(r#"{"key":"FORMAT","passed":false,"reason":"csv","fix":"use parquet"}"#).unwrap();
        assert!(old.required);
    }

    #[test]
    fn focus_is_listed_but_not_usable() {
        let mut e = cur2(&[], "PARQUET", "PARQUET");
        e.query_statement = "SELECT BilledCost FROM FOCUS_1_0_AWS".to_owned();
        let a = assess_data_export(&e);
        assert_eq!(a.kind, ExportKind::Focus);
        assert_eq!(failed(&a), [check::KIND]);
    }

    #[test]
    fn legacy_cur_reads_schema_elements() {
        let r = CurReportDefinition {
            name: "legacy".to_owned(),
            time_unit: "DAILY".to_owned(),
            format: "textORcsv".to_owned(),
            compression: "GZIP".to_owned(),
            schema_elements: vec!["RESOURCES".to_owned()],
            bucket: "b".to_owned(),
            prefix: "".to_owned(),
            region: "us-east-1".to_owned(),
        };
        let a = assess_report_definition(&r);
        assert_eq!(failed(&a), [check::SPLIT_COST_ALLOCATION]);
        assert!(blocking(&a).is_empty(), "no split cost allocation data: advice only");
        assert_eq!(a.files_prefix.as_deref(), Some("legacy"));
    }
}
