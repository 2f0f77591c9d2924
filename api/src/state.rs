//! Long-lived state shared by every request: the database, configuration and signing keys.

use std::sync::Arc;

use crate::db::Db;
use crate::auth::jwt::JwtKeys;
use crate::aws::AwsClients;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    pub aws: AwsClients,
    /// Wakes this process's job worker when a job is enqueued here.
    pub jobs_wakeup: Arc<tokio::sync::Notify>,
    /// Appends to the audit trail.
    pub audit: crate::audit::Auditor,
}
