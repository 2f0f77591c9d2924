use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::contracts::{Contract, CreateContractInput, UpdateContractInput, contract_id};
use crate::ids::TenantId;

#[derive(Default)]
pub struct ContractsMutation;

#[Object]
impl ContractsMutation {
    /// Creates a contract on a customer tenant; admins above the customer (reseller, distributor,
    /// platform). The contract-change address gets a `contract.changed` mail.
    async fn create_contract(&self, ctx: &Context<'_>, input: CreateContractInput) -> ApiResult<Contract> {
        let customer = TenantId::parse(&input.customer_tenant_id)?;
        Ok(Contract(domain::contracts::create(&ctx.scope()?, customer, input.into_fields()?).await?))
    }

    async fn update_contract(&self, ctx: &Context<'_>, id: ID, input: UpdateContractInput) -> ApiResult<Contract> {
        Ok(Contract(domain::contracts::update(&ctx.scope()?, contract_id(&id)?, input.into_fields()?).await?))
    }

    /// Ends a contract on `endDate` (inclusive; a past date ends it now).
    async fn end_contract(&self, ctx: &Context<'_>, id: ID, end_date: NaiveDate) -> ApiResult<Contract> {
        Ok(Contract(domain::contracts::end(&ctx.scope()?, contract_id(&id)?, end_date).await?))
    }
}
