//! The audit trail's jobs: retention and the signed digests kept outside the database.

use crate::audit::digest;
use crate::jobs::{JobFailure, Step};

/// Daily: prunes audit days older than PB_AUDIT_RETENTION_DAYS (nothing when unset).
pub const PRUNE_AUDIT: &str = "audit.prune";
/// Hourly, when PB_AUDIT_DIGEST_DIR is set: signs a digest of the chain's head and uploads it.
pub const AUDIT_DIGEST: &str = "audit.digest";

crate::jobs::no_job_args! {
    /// The retention job's arguments: none (the schedule runs it daily).
    pub Prune, PRUNE_AUDIT
}

crate::jobs::no_job_args! {
    /// The digest job's arguments: none (the schedule runs it hourly).
    pub Digest, AUDIT_DIGEST
}

crate::jobs::job_handler! {
    /// Runs [`PRUNE_AUDIT`].
    pub PruneAudit, Prune, |ctx, _job, _| {
        let Some(days) = ctx.config.audit_retention_days else {
            return Ok(Step::Done(serde_json::json!({ "pruned": 0, "retentionDays": null })));
        };
        let pruned = ctx.audit.prune(days, chrono::Utc::now()).await.map_err(JobFailure::from)?;
        Ok(Step::Done(serde_json::json!({ "pruned": pruned, "retentionDays": days })))
    }
}

crate::jobs::job_handler! {
    /// Runs [`AUDIT_DIGEST`]: signs a digest of the audit chain's head into `PB_AUDIT_DIGEST_DIR`.
    pub WriteAuditDigest, Digest, |ctx, job, _| {
        let (Some(dir), Some(key_file)) = (&ctx.config.audit_digest_dir, &ctx.config.audit_digest_key_file) else {
            return Ok(Step::Done(serde_json::json!({ "written": null, "reason": "PB_AUDIT_DIGEST_DIR is not set" })));
        };
        // A retry after a failed upload only uploads: its first attempt wrote the digest.
        let written = if job.last_error.is_none() {
            let key = digest::signing_key_from_pem_file(key_file).map_err(|e| JobFailure::Fatal(e.to_string()))?;
            let path = digest::write(ctx.platform().db(), dir, &key, chrono::Utc::now()).await.map_err(JobFailure::from)?;
            path.file_name().map(|n| n.to_string_lossy().into_owned())
        } else {
            None
        };
        let Some(uri) = &ctx.config.audit_digest_s3_uri else { return Ok(Step::Done(serde_json::json!({ "written": written }))) };
        let to = crate::config::S3Location::parse(uri).map_err(JobFailure::Fatal)?;
        let now = chrono::Utc::now();
        match digest::upload_pending(ctx.aws.s3.as_ref(), &to, dir, ctx.config.audit_digest_s3_retain_days, now, digest::MAX_UPLOADS_PER_RUN).await {
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
