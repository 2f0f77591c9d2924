//! What a job step (and a domain function that enqueues one) is given: the long-lived handles
//! below the GraphQL and HTTP edges. `AppState` adds the signing keys on top of it.

use std::sync::Arc;

use crate::audit::Auditor;
use crate::aws::AwsClients;
use crate::config::Config;
use crate::db::Db;

#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub config: Arc<Config>,
    pub aws: AwsClients,
    /// Appends to the audit trail.
    pub audit: Auditor,
    /// Wakes this process's job worker when a job is enqueued here.
    pub jobs_wakeup: Arc<tokio::sync::Notify>,
}
