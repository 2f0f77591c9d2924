use async_graphql::{Context, Object};
use secrecy::SecretString;

use crate::auth::sessions;
use crate::domain::bootstrap;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::sessions::AuthPayload;

#[derive(Default)]
pub struct SessionsMutation;

#[Object]
impl SessionsMutation {
    /// Signs in. Five failures lock the account (and separately the source address) for a while.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn login(&self, ctx: &Context<'_>, email: String, #[graphql(secret)] password: String) -> ApiResult<AuthPayload> {
        let client = &ctx.request()?.client;
        let signed_in = sessions::login(&ctx.app()?.auth(), &email, SecretString::from(password), client).await?;
        note_signed_in(&signed_in);
        Ok(signed_in.into())
    }

    /// Exchanges a refresh token for new tokens. A refresh token works once; using it again
    /// ends the session.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn refresh_session(&self, ctx: &Context<'_>, #[graphql(secret)] refresh_token: String) -> ApiResult<AuthPayload> {
        let signed_in = sessions::refresh(&ctx.app()?.auth(), &refresh_token).await?;
        note_signed_in(&signed_in);
        Ok(signed_in.into())
    }

    /// Ends the current session.
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let scope = ctx.scope()?;
        let session = scope.principal().session_id().ok_or_else(|| AppError::forbidden("API tokens have no session; revoke the token instead"))?;
        sessions::revoke_session(ctx.app()?.auth().db, session, "logout").await?;
        Ok(true)
    }

    /// Sets the password of an invited user with the one-time token from their invitation mail,
    /// then signs them in. An unknown, used or expired token is a VALIDATION error on `token`.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn set_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] token: String,
        #[graphql(secret)] password: String,
    ) -> ApiResult<AuthPayload> {
        let app = ctx.app()?;
        let client = &ctx.request()?.client;
        let email = crate::domain::users::set_password_with_token(app.platform().db(), &token, SecretString::from(password.clone())).await?;
        Ok(sessions::login(&app.auth(), &email, SecretString::from(password), client).await?.into())
    }

    /// Creates the first platform admin with the one-time code the server logged at start.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn bootstrap_admin(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] code: String,
        email: String,
        #[graphql(secret)] password: String,
    ) -> ApiResult<AuthPayload> {
        let client = &ctx.request()?.client;
        Ok(bootstrap::bootstrap_admin(&ctx.app()?.auth(), &code, &email, SecretString::from(password), client).await?.into())
    }
}

/// Names the signed-in user in this request's audit event (see `graphql::audit_extension`).
fn note_signed_in(signed_in: &sessions::SignedIn) {
    if let Some(scope) = crate::audit::CallScope::current() {
        scope.signed_in_as(signed_in.user.id, &signed_in.user.email);
    }
}
