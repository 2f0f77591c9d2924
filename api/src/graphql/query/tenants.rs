use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::tenants::Tenant;
use crate::ids::TenantId;

#[derive(Default)]
pub struct TenantsQuery;

#[Object]
impl TenantsQuery {
    /// Tenants the caller can see; with `parentId`, only that node's children.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn tenants(
        &self,
        ctx: &Context<'_>,
        parent_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Tenant>> {
        let page = page(first, after)?;
        let parent = parent_id.map(|p| TenantId::parse(&p)).transpose()?;
        let scope = ctx.scope()?;
        let rows = domain::tenants::list(&scope, parent, page.clone()).await?;
        if crate::graphql::prefetch::nodes_select(ctx, "parent") {
            ctx.request()?.prefetched.load_tenants(&scope, rows.iter().filter_map(|t| t.parent_id).collect()).await?;
        }
        Ok(connection(rows, page.clone(), |t| t.id.0, Tenant))
    }

    async fn tenant(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Tenant> {
        Ok(Tenant(domain::tenants::get(&ctx.scope()?, TenantId::parse(&id)?).await?))
    }
}
