use async_graphql::{Context, ID, Object};

use crate::auth::api_tokens::{self, NewApiToken};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::api_tokens::{ApiToken, CreateApiTokenInput, CreatedApiToken};
use crate::graphql::types::target;
use crate::ids::ApiTokenId;

#[derive(Default)]
pub struct ApiTokensMutation;

#[Object]
impl ApiTokensMutation {
    /// Creates an API token with at most the caller's own role on the target. The secret is in
    /// this response only.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn create_api_token(&self, ctx: &Context<'_>, input: CreateApiTokenInput) -> ApiResult<CreatedApiToken> {
        let new = NewApiToken {
            target: target(input.tenant_id.as_ref(), input.payer_id.as_ref())?,
            name: input.name,
            role: input.role.into(),
            expires_at: input.expires_at,
        };
        let (token, secret) = api_tokens::create(&ctx.scope()?, new).await?;
        Ok(CreatedApiToken { token: ApiToken(token), secret })
    }

    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ApiToken> {
        Ok(ApiToken(api_tokens::revoke(&ctx.scope()?, ApiTokenId::parse(&id)?).await?))
    }
}
