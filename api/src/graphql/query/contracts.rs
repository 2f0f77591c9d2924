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
        let rows = domain::contracts::list(&ctx.scope()?, TenantId::parse(&tenant_id)?).await?;
        Ok(rows.into_iter().map(Contract).collect())
    }

    async fn contract(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Contract> {
        Ok(Contract(domain::contracts::get(&ctx.scope()?, contract_id(&id)?).await?))
    }
}
