use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::contracts::{Contract, contract_id};
use crate::ids::TenantId;

#[derive(Default)]
pub struct ContractsQuery;

#[Object]
impl ContractsQuery {
    /// Contracts of the customers in a tenant's subtree (a customer sees its own), a page at a
    /// time, oldest first.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn contracts(&self, ctx: &Context<'_>, tenant_id: ID, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, Contract>> {
        let page = page(first, after)?;
        let scope = ctx.scope()?;
        let rows = domain::contracts::list(&scope, TenantId::parse(&tenant_id)?, &page).await?;
        read_parties_ahead(ctx, &scope, &rows).await?;
        Ok(connection(rows, page, |c| c.id, Contract))
    }

    async fn contract(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Contract> {
        Ok(Contract(domain::contracts::get(&ctx.scope()?, contract_id(&id)?).await?))
    }
}

/// For a list of contracts: reads their customers and payers ahead, in one query each, when the
/// query selects them.
async fn read_parties_ahead(ctx: &Context<'_>, scope: &crate::tenancy::Scope, rows: &[domain::contracts::Contract]) -> ApiResult<()> {
    let prefetched = &ctx.request()?.prefetched;
    if crate::graphql::prefetch::nodes_select(ctx, "customer") {
        prefetched.load_tenants(scope, rows.iter().map(|c| c.customer).collect()).await?;
    }
    if crate::graphql::prefetch::nodes_select(ctx, "payers") {
        prefetched.load_payers(scope, rows.iter().flat_map(|c| c.payer_ids.iter().copied()).collect()).await?;
    }
    Ok(())
}
