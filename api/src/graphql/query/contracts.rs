use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::contracts::{Contract, contract_id};
use crate::ids::TenantId;

#[derive(Default)]
pub struct ContractsQuery;

#[Object]
impl ContractsQuery {
    /// Contracts of the customers in a tenant's subtree (a customer sees its own).
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn contracts(&self, ctx: &Context<'_>, tenant_id: ID) -> ApiResult<Vec<Contract>> {
        let scope = ctx.scope()?;
        let rows = domain::contracts::list(&scope, TenantId::parse(&tenant_id)?).await?;
        read_parties_ahead(ctx, &scope, &rows).await?;
        Ok(rows.into_iter().map(Contract).collect())
    }

    async fn contract(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Contract> {
        Ok(Contract(domain::contracts::get(&ctx.scope()?, contract_id(&id)?).await?))
    }
}

/// For a list of contracts: reads their customers and payers ahead, in one query each, when the
/// query selects them.
async fn read_parties_ahead(ctx: &Context<'_>, scope: &crate::tenancy::Scope, rows: &[domain::contracts::Contract]) -> ApiResult<()> {
    let look = ctx.look_ahead();
    let prefetched = &ctx.request()?.prefetched;
    if look.field("customer").exists() {
        prefetched.load_tenants(scope, rows.iter().map(|c| c.customer).collect()).await?;
    }
    if look.field("payers").exists() {
        prefetched.load_payers(scope, rows.iter().flat_map(|c| c.payer_ids.iter().copied()).collect()).await?;
    }
    Ok(())
}
