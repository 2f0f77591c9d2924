use async_graphql::{Context, Object, connection::Connection};

use crate::auth::api_tokens;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::api_tokens::ApiToken;

#[derive(Default)]
pub struct ApiTokensQuery;

#[Object]
impl ApiTokensQuery {
    /// Tokens the caller created, and tokens on tenants or payers the caller administers.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn api_tokens(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, ApiToken>> {
        let page = page(first, after)?;
        let rows = api_tokens::list(&ctx.scope()?, page.clone()).await?;
        Ok(connection(rows, page.clone(), |t| t.id, ApiToken))
    }
}
