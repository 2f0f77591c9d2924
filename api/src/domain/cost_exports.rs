//! Ingesting a payer's cost exports from its S3 bucket, through the payer's role, as a durable
//! job: list the prefix, download the period's files (data and manifests, keeping their layout
//! so manifests find their files), and hand them to the ingestion, which replaces each billing
//! period atomically.

use chrono::Utc;
use entity::payers;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::jobs::{JobView, enqueue_requested};
use crate::aws::credentials::session_name;
use crate::domain::payers as payer_domain;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::ingest;
use crate::jobs::{JobArgs, NewJob, Step};
use crate::jobs::JobContext;
use crate::tenancy::unscoped::UnscopedPlatformAccess;
use crate::tenancy::{PayerAccess, Role, Scope};

/// Largest export we download in one run (a guard against a wrong prefix).
const MAX_BYTES: i64 = 50 * 1024 * 1024 * 1024;

fn checked_bucket(bucket: &str) -> AppResult<String> {
    let b = bucket.trim();
    let ok = (3..=63).contains(&b.len())
        && b.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !ok {
        return Err(AppError::invalid("bucket", "is not a valid S3 bucket name"));
    }
    Ok(b.to_owned())
}

/// Points a payer at the S3 bucket and prefix its cost exports land in.
pub async fn set_export(scope: &Scope, payer: PayerId, bucket: &str, prefix: &str) -> AppResult<crate::domain::payers::Payer> {
    let payer = scope.payer(payer, Role::Admin).await?;
    let bucket = checked_bucket(bucket)?;
    let prefix = prefix.trim().trim_start_matches('/').to_owned();
    if prefix.len() > 1024 {
        return Err(AppError::invalid("prefix", "must be at most 1024 characters"));
    }
    let mut row: payers::ActiveModel = payer.model().clone().into();
    row.cost_export_bucket = Set(Some(bucket));
    row.cost_export_prefix = Set(Some(prefix));
    row.updated_at = Set(Utc::now());
    Ok(payer.update(row).await?.into())
}

/// Enqueues an ingestion of one billing period (`YYYY-MM`), or of everything under the prefix.
pub async fn request_ingest(state: &JobContext, scope: &Scope, payer: PayerId, period: Option<String>) -> AppResult<JobView> {
    let payer = scope.payer(payer, Role::Operator).await?;
    if let Some(p) = &period {
        crate::domain::costs::month_bounds(p).map_err(|_| AppError::invalid("billingPeriod", "must be YYYY-MM"))?;
    }
    if payer.cost_export_bucket.is_none() {
        return Err(AppError::invalid("payerId", "the payer has no cost export bucket yet (setPayerCostExport)"));
    }
    let mut job = NewJob::of(&IngestArgs { payer_id: payer.id, billing_period: period, session: Some(session_name(&scope.principal().email)) })?;
    job.max_attempts = 3;
    enqueue_requested(state, scope, &payer, job).await
}

/// The ingest job's arguments: the payer, one period (`YYYY-MM`) or all, and the session name
/// of whoever asked (none when scheduled).
#[derive(Serialize, Deserialize)]
pub struct IngestArgs {
    payer_id: uuid::Uuid,
    billing_period: Option<String>,
    #[serde(default)]
    session: Option<String>,
}

impl JobArgs for IngestArgs {
    const KIND: &'static str = INGEST_COSTS;
}

crate::jobs::no_job_args! {
    /// The daily ingestion's arguments: none (it enqueues an ingestion per payer).
    pub DailyIngest, INGEST_ALL_COSTS
}

/// Whether a key belongs to the period: Data Exports write `BILLING_PERIOD=YYYY-MM`, legacy CUR
/// a `YYYYMM01-YYYYMM01` folder.
fn in_period(key: &str, period: &str) -> bool {
    let compact = period.replace('-', "");
    key.contains(&format!("BILLING_PERIOD={period}")) || key.contains(&format!("/{compact}01-"))
}

fn wanted(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with(".parquet") || k.ends_with(".csv.gz") || k.ends_with(".csv") || k.ends_with("manifest.json")
}

/// The ingest job's one step.
pub async fn run_ingest_job(state: &JobContext, p: IngestArgs) -> AppResult<Step<IngestArgs>> {
    let payer = state.platform().payer(PayerId(p.payer_id)).await?;
    let bucket = payer.cost_export_bucket.clone().ok_or_else(|| AppError::invalid("payerId", "no cost export bucket"))?;
    let prefix = payer.cost_export_prefix.clone().unwrap_or_default();
    let session = p.session.unwrap_or_else(|| "pb-cost-ingestion".to_owned());
    let creds = payer_domain::credentials(&payer, &state.aws, &session).await?;
    let objects: Vec<_> = state
        .aws
        .s3
        .list(&creds, &bucket, &prefix)
        .await?
        .into_iter()
        .filter(|o| wanted(&o.key) && p.billing_period.as_deref().is_none_or(|period| in_period(&o.key, period)))
        .collect();
    if objects.iter().all(|o| !o.key.to_ascii_lowercase().ends_with(".parquet") && !o.key.to_ascii_lowercase().contains(".csv")) {
        return Err(AppError::invalid("billingPeriod", format!("no cost export files under s3://{bucket}/{prefix} for that period")));
    }
    let total: i64 = objects.iter().map(|o| o.size).sum();
    if total > MAX_BYTES {
        return Err(AppError::invalid("prefix", format!("{total} bytes under the prefix; narrow it or name a billing period")));
    }
    let dir = tempfile::tempdir().map_err(AppError::internal)?;
    for o in &objects {
        let relative = std::path::Path::new(&o.key);
        if relative.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            continue;
        }
        state.aws.s3.download(&creds, &bucket, &o.key, &dir.path().join(relative)).await?;
    }
    let options = ingest::IngestOptions { heartbeat: Some(std::time::Duration::from_secs(state.config.ingest_heartbeat_seconds)), ..Default::default() };
    let report = ingest_and_adjust(state.platform(), PayerId(payer.id), &[dir.path().to_path_buf()], &options).await?;
    Ok(Step::Done(json!({
        "files": objects.len(),
        "bytes": total,
        "outcome": format!("{:?}", report.outcome),
        "rowsRead": report.rows_read,
        "rowsOtherPayers": report.rows_other_payers,
        "warnings": report.warnings,
        "periods": report.periods.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>(),
    })))
}

/// The daily schedule: one ingestion per connected payer with an export bucket, for the
/// current month (exports are rewritten through the month).
pub async fn enqueue_for_all(state: &JobContext) -> AppResult<Step<DailyIngest>> {
    let payers = state
        .platform()
        .payers()
        .filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected))
        .filter(payers::Column::CostExportBucket.is_not_null())
        .all()
        .await?;
    let period = Utc::now().format("%Y-%m").to_string();
    let day = Utc::now().format("%Y-%m-%d");
    for payer in &payers {
        let mut job = NewJob::of(&IngestArgs { payer_id: payer.id, billing_period: Some(period.clone()), session: None })?;
        job.payer = Some(PayerId(payer.id));
        job.tenant = Some(TenantId(payer.tenant_id));
        job.idempotency_key = Some(format!("daily-ingest:{}:{day}", payer.id));
        job.max_attempts = 3;
        state.enqueue(job).await?;
    }
    Ok(Step::Done(json!({ "payers": payers.len() })))
}

/// Ingests one payer's cost exports (one billing period, or every period found).
pub const INGEST_COSTS: &str = "costs.ingest";
/// Daily: one ingestion job per payer with an export source.
pub const INGEST_ALL_COSTS: &str = "costs.ingest_all";

crate::jobs::job_handler! {
    /// Runs [`INGEST_COSTS`].
    pub IngestCosts, IngestArgs, |ctx, _job, args| run_ingest_job(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

crate::jobs::job_handler! {
    /// Runs [`INGEST_ALL_COSTS`].
    pub IngestAllCosts, DailyIngest, |ctx, _job, _| enqueue_for_all(ctx).await.map_err(crate::jobs::JobFailure::from)
}

/// Ingests cost files for a payer, then prices again each closed period they rewrote and records
/// what changed as a pending adjustment (closed numbers themselves never move). The export job
/// and the `ingest` command both come here.
pub async fn ingest_and_adjust(platform: &UnscopedPlatformAccess, payer: PayerId, paths: &[std::path::PathBuf], options: &ingest::IngestOptions) -> AppResult<ingest::IngestionReport> {
    let report = ingest::ingest_files_with(platform, payer, paths, options).await?;
    let periods: Vec<String> = report.periods.iter().map(|p| p.billing_period.clone()).collect();
    if !periods.is_empty() {
        crate::domain::invoicing::adjustments::refresh_after_ingest(&platform.payer(payer).await?, &periods).await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_and_file_filters() {
        assert!(in_period("cur/my-export/data/BILLING_PERIOD=2025-11/x.parquet", "2025-11"));
        assert!(in_period("legacy/report/20251101-20251201/report-1.csv.gz", "2025-11"));
        assert!(!in_period("cur/my-export/data/BILLING_PERIOD=2025-10/x.parquet", "2025-11"));
        assert!(wanted("a/b/my-export-Manifest.json") && wanted("a/x.snappy.parquet") && !wanted("a/readme.txt"));
        assert!(checked_bucket("my-cur-bucket").is_ok() && checked_bucket("Bad_Bucket").is_err());
    }
}

