//! What a job step (and a domain function that enqueues one) is given: the long-lived handles
//! below the GraphQL and HTTP edges. `AppState` adds the signing keys on top of it.

use std::sync::Arc;

use crate::audit::Auditor;
use crate::aws::AwsClients;
use crate::config::Config;
use crate::tenancy::unscoped::UnscopedPlatformAccess;

impl JobContext {
    /// The context start-up builds: the platform handle holds the one connection pool.
    pub fn new(platform: UnscopedPlatformAccess, config: Arc<Config>, aws: AwsClients, audit: Auditor, jobs_wakeup: Arc<tokio::sync::Notify>) -> Self {
        Self { platform, config, aws, audit, jobs_wakeup }
    }

    /// Platform access for a job step: jobs are the platform's own work, not a caller's.
    pub fn platform(&self) -> &UnscopedPlatformAccess {
        &self.platform
    }

    /// Enqueues a job of the platform's own (a schedule's fan-out over payers) and wakes this
    /// process's worker.
    pub async fn enqueue(&self, job: crate::jobs::NewJob) -> crate::error::AppResult<entity::jobs::Model> {
        let queued = crate::jobs::queue::enqueue(self.platform.db(), job).await?;
        self.jobs_wakeup.notify_one();
        Ok(queued)
    }
}

#[derive(Clone)]
pub struct JobContext {
    /// The connection pool, reached only through this handle (see `tenancy::unscoped`).
    platform: UnscopedPlatformAccess,
    pub config: Arc<Config>,
    pub aws: AwsClients,
    /// Appends to the audit trail.
    pub audit: Auditor,
    /// Wakes this process's job worker when a job is enqueued here.
    pub jobs_wakeup: Arc<tokio::sync::Notify>,
}
