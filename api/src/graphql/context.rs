//! Per-request data and the helpers resolvers use to reach it.

use async_graphql::Context;

use crate::auth::AuthOutcome;
use crate::auth::sessions::ClientInfo;
use crate::error::AppError;
use crate::graphql::error::ApiResult;
use crate::state::AppState;
use crate::tenancy::Scope;

/// Set by the HTTP handler on every GraphQL request.
pub struct RequestContext {
    pub request_id: String,
    pub client: ClientInfo,
    pub auth: AuthOutcome,
    /// The operation's variables, for the audit trail's requestParameters.
    pub variables: async_graphql::Variables,
    /// What list resolvers read ahead for their rows' fields.
    pub prefetched: crate::graphql::prefetch::Prefetched,
}

pub trait ContextExt {
    fn app(&self) -> ApiResult<&AppState>;
    fn request(&self) -> ApiResult<&RequestContext>;
    /// The caller's scope; UNAUTHENTICATED without valid credentials.
    fn scope(&self) -> ApiResult<Scope>;
}

fn missing(what: &str) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} missing from the GraphQL context"))
}

impl ContextExt for Context<'_> {
    fn app(&self) -> ApiResult<&AppState> {
        Ok(self.data::<AppState>().map_err(|_| missing("application state"))?)
    }

    fn request(&self) -> ApiResult<&RequestContext> {
        Ok(self.data::<RequestContext>().map_err(|_| missing("request context"))?)
    }

    fn scope(&self) -> ApiResult<Scope> {
        let state = self.app()?;
        match &self.request()?.auth {
            AuthOutcome::Authenticated(principal) => Ok(state.platform().scope(principal.clone())),
            AuthOutcome::Anonymous => Err(AppError::Unauthenticated("sign in first").into()),
            AuthOutcome::Rejected(reason) => Err(AppError::Unauthenticated(reason).into()),
            AuthOutcome::Failed => Err(AppError::internal(anyhow::anyhow!("credentials could not be checked")).into()),
        }
    }
}
