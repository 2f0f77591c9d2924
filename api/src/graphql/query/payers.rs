use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::payers::Payer;
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct PayersQuery;

#[Object]
impl PayersQuery {
    /// Payers the caller can see; with `tenantId`, only that tenant's.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn payers(
        &self,
        ctx: &Context<'_>,
        tenant_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, Payer>> {
        let page = page(first, after)?;
        let tenant = tenant_id.map(|t| TenantId::parse(&t)).transpose()?;
        let scope = ctx.scope()?;
        let rows = domain::payers::list(&scope, tenant, page.clone()).await?;
        if crate::graphql::prefetch::nodes_select(ctx, "tenant") {
            ctx.request()?.prefetched.load_tenants(&scope, rows.iter().map(|p| p.tenant_id).collect()).await?;
        }
        Ok(connection(rows, page.clone(), |p| p.id, Payer))
    }

    async fn payer(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Payer> {
        Ok(Payer(domain::payers::get(&ctx.scope()?, PayerId::parse(&id)?).await?))
    }
}
