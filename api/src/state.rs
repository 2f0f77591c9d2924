//! Long-lived state shared by every request: the job context (database, configuration, AWS
//! clients, audit trail, worker wake-up) and the signing keys. It lives at the top: layers below
//! GraphQL and HTTP receive the [`JobContext`] or the parts they use, never `AppState`.

use std::ops::Deref;
use std::sync::Arc;

use crate::auth::AuthContext;
use crate::auth::jwt::JwtKeys;
use crate::jobs::JobContext;

#[derive(Clone)]
pub struct AppState {
    pub jobs: JobContext,
    pub jwt: Arc<JwtKeys>,
}

impl AppState {
    /// What authentication needs: the database, the signing keys and the configuration.
    pub fn auth(&self) -> AuthContext<'_> {
        AuthContext { db: self.jobs.platform().db(), jwt: &self.jwt, config: &self.jobs.config }
    }
}

/// `state.platform()`, `state.config`… read through to the job context, and `&AppState` passes where a
/// `&JobContext` is asked for.
impl Deref for AppState {
    type Target = JobContext;

    fn deref(&self) -> &JobContext {
        &self.jobs
    }
}
