//! The job kinds the application runs, and their handlers.

use std::sync::Arc;

use async_trait::async_trait;
use entity::jobs;

use crate::domain::billing::abc_sync;
use crate::domain::{accounts, invitations};
use crate::error::AppError;
use crate::jobs::queue::{JobFailure, Step};
use crate::jobs::worker::JobHandler;
use crate::state::AppState;

pub const SYNC_ACCOUNTS: &str = "accounts.sync";
pub const SYNC_ALL_ACCOUNTS: &str = "accounts.sync_all";
pub const CREATE_ACCOUNT: &str = "accounts.create";
pub const REFRESH_INVITATIONS: &str = "invitations.refresh";
pub const INGEST_COSTS: &str = "costs.ingest";
pub const INGEST_ALL_COSTS: &str = "costs.ingest_all";
pub const PULL_COSTS: &str = "costs.pull";
pub const PULL_ALL_COSTS: &str = "costs.pull_all";
pub const IMPORT_LEGACY: &str = "costs.import_legacy";
/// Daily: prunes audit days older than PB_AUDIT_RETENTION_DAYS (nothing when unset).
pub const PRUNE_AUDIT: &str = "audit.prune";
pub const AUDIT_DIGEST: &str = "audit.digest";

/// Every kind a schedule may name.
pub const KINDS: &[&str] = &[SYNC_ACCOUNTS, SYNC_ALL_ACCOUNTS, CREATE_ACCOUNT, REFRESH_INVITATIONS, INGEST_COSTS, INGEST_ALL_COSTS, crate::notify::dispatch::DISPATCH, PULL_COSTS, PULL_ALL_COSTS, IMPORT_LEGACY, abc_sync::SYNC_JOB, abc_sync::REPORTS_JOB, PRUNE_AUDIT, AUDIT_DIGEST];

/// Registers the recurring jobs (UTC).
pub async fn ensure_schedules(db: &crate::db::Db, config: &crate::config::Config) -> crate::error::AppResult<()> {
    if config.audit_digest_dir.is_some() {
        crate::jobs::schedule::ensure(db, "audit digest", "0 0 * * * *", AUDIT_DIGEST).await?;
    }
    crate::jobs::schedule::ensure(db, "daily account sync", "0 0 3 * * *", SYNC_ALL_ACCOUNTS).await?;
    crate::jobs::schedule::ensure(db, "invitation states", "0 */15 * * * *", REFRESH_INVITATIONS).await?;
    crate::jobs::schedule::ensure(db, "daily cost ingestion", "0 0 6 * * *", INGEST_ALL_COSTS).await?;
    crate::notify::dispatch::ensure_dispatcher(db).await?;
    abc_sync::ensure_schedules(db).await?;
    // Hourly: the job pulls yesterday from PB_COST_PULL_HOUR on, once per payer and day.
    crate::jobs::schedule::ensure(db, "daily cost explorer pull", "0 0 * * * *", PULL_ALL_COSTS).await?;
    crate::jobs::schedule::ensure(db, "audit retention", "0 30 4 * * *", PRUNE_AUDIT).await?;
    Ok(())
}

/// Retry what may pass (AWS unreachable, throttled, database hiccup); fail the rest.
pub fn failure(err: AppError) -> JobFailure {
    use crate::aws::AwsErrorKind;
    match &err {
        AppError::Aws(e) if matches!(e.kind, AwsErrorKind::Unreachable | AwsErrorKind::Throttled | AwsErrorKind::Unexpected) => {
            JobFailure::Retry(err.to_string())
        }
        AppError::Internal(cause) => {
            tracing::error!(error = ?cause, "job step hit an internal error");
            JobFailure::Retry("internal error".to_owned())
        }
        _ => JobFailure::Fatal(err.to_string()),
    }
}

struct SyncAccounts;
struct SyncAllAccounts;
struct CreateAccount;
struct RefreshInvitations;

#[async_trait]
impl JobHandler for SyncAccounts {
    fn kind(&self) -> &'static str {
        SYNC_ACCOUNTS
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        accounts::run_sync_job(state, job).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for SyncAllAccounts {
    fn kind(&self) -> &'static str {
        SYNC_ALL_ACCOUNTS
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        accounts::enqueue_sync_for_all(state).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for CreateAccount {
    fn kind(&self) -> &'static str {
        CREATE_ACCOUNT
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        accounts::run_create_job(state, job).await
    }
}

#[async_trait]
impl JobHandler for RefreshInvitations {
    fn kind(&self) -> &'static str {
        REFRESH_INVITATIONS
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        invitations::refresh_all(state).await.map_err(failure)
    }
}

/// Delivers notifications (email and webhooks) from the outbox; runs forever in short steps.
struct DispatchNotifications;

#[async_trait]
impl JobHandler for DispatchNotifications {
    fn kind(&self) -> &'static str {
        crate::notify::dispatch::DISPATCH
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::notify::dispatch::step(state).await
    }
}

struct IngestCosts;
struct IngestAllCosts;

#[async_trait]
impl JobHandler for IngestCosts {
    fn kind(&self) -> &'static str {
        INGEST_COSTS
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::domain::cost_exports::run_ingest_job(state, job).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for IngestAllCosts {
    fn kind(&self) -> &'static str {
        INGEST_ALL_COSTS
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::domain::cost_exports::enqueue_for_all(state).await.map_err(failure)
    }
}

struct PullCosts;
struct PullAllCosts;
struct ImportLegacy;

#[async_trait]
impl JobHandler for PullCosts {
    fn kind(&self) -> &'static str {
        PULL_COSTS
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::domain::cost_pull::run_pull_job(state, job).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for PullAllCosts {
    fn kind(&self) -> &'static str {
        PULL_ALL_COSTS
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::domain::cost_pull::enqueue_daily(state).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for ImportLegacy {
    fn kind(&self) -> &'static str {
        IMPORT_LEGACY
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        crate::domain::legacy_import::run_import_job(state, job).await.map_err(failure)
    }
}

/// Pushes billing configuration to AWS Billing Conductor (one payer, or every payer in ABC mode).
struct AbcSync;
/// Pulls Billing Conductor's cost reports.
struct AbcReports;

#[async_trait]
impl JobHandler for AbcSync {
    fn kind(&self) -> &'static str {
        abc_sync::SYNC_JOB
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        abc_sync::run_sync_job(state, job).await.map_err(failure)
    }
}

#[async_trait]
impl JobHandler for AbcReports {
    fn kind(&self) -> &'static str {
        abc_sync::REPORTS_JOB
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        abc_sync::run_reports_job(state, job).await.map_err(failure)
    }
}

struct PruneAudit;

#[async_trait]
impl JobHandler for PruneAudit {
    fn kind(&self) -> &'static str {
        PRUNE_AUDIT
    }
    async fn step(&self, state: &AppState, _job: &jobs::Model) -> Result<Step, JobFailure> {
        let Some(days) = state.config.audit_retention_days else {
            return Ok(Step::Done(serde_json::json!({ "pruned": 0, "retentionDays": null })));
        };
        let pruned = state.audit.prune(days, chrono::Utc::now()).await.map_err(failure)?;
        Ok(Step::Done(serde_json::json!({ "pruned": pruned, "retentionDays": days })))
    }
}

/// Signs a digest of the audit chain's head into `PB_AUDIT_DIGEST_DIR` (hourly, when set).
struct WriteAuditDigest;

#[async_trait]
impl JobHandler for WriteAuditDigest {
    fn kind(&self) -> &'static str {
        AUDIT_DIGEST
    }
    async fn step(&self, state: &AppState, job: &jobs::Model) -> Result<Step, JobFailure> {
        use crate::audit::digest;
        let (Some(dir), Some(key_file)) = (&state.config.audit_digest_dir, &state.config.audit_digest_key_file) else {
            return Ok(Step::Done(serde_json::json!({ "written": null, "reason": "PB_AUDIT_DIGEST_DIR is not set" })));
        };
        // A retry after a failed upload only uploads: its first attempt wrote the digest.
        let written = if job.last_error.is_none() {
            let key = digest::signing_key_from_pem_file(key_file).map_err(|e| JobFailure::Fatal(e.to_string()))?;
            let path = digest::write(&state.db, dir, &key, chrono::Utc::now()).await.map_err(failure)?;
            path.file_name().map(|n| n.to_string_lossy().into_owned())
        } else {
            None
        };
        let Some(uri) = &state.config.audit_digest_s3_uri else { return Ok(Step::Done(serde_json::json!({ "written": written }))) };
        let to = crate::config::S3Location::parse(uri).map_err(JobFailure::Fatal)?;
        let now = chrono::Utc::now();
        match digest::upload_pending(state.aws.s3.as_ref(), &to, dir, state.config.audit_digest_s3_retain_days, now, digest::MAX_UPLOADS_PER_RUN).await {
            Ok(report) => Ok(Step::Done(serde_json::json!({
                "written": written,
                "uploaded": report.uploaded,
                "alreadyThere": report.already_there,
                "remaining": report.remaining,
            }))),
            // The digest is safe in the folder; this job's retries and every later run upload
            // whatever S3 still lacks.
            Err(e) => Err(JobFailure::Retry(format!(
                "{}putting digests to {to} failed: {e}; they are kept in {} and uploaded on the next run",
                written.map(|w| format!("digest {w} written; ")).unwrap_or_default(),
                dir.display()
            ))),
        }
    }
}

/// The handlers of every kind above.
pub fn all() -> Vec<Arc<dyn JobHandler>> {
    vec![Arc::new(SyncAccounts), Arc::new(SyncAllAccounts), Arc::new(CreateAccount), Arc::new(RefreshInvitations), Arc::new(IngestCosts), Arc::new(IngestAllCosts), Arc::new(DispatchNotifications), Arc::new(PullCosts), Arc::new(PullAllCosts), Arc::new(ImportLegacy), Arc::new(AbcSync), Arc::new(AbcReports), Arc::new(PruneAudit), Arc::new(WriteAuditDigest)]
}
