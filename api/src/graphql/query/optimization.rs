use async_graphql::{Context, ID, Object};

use crate::domain::optimization;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::optimization::{CustomerSavings, OptimizationInsights};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct OptimizationQuery;

#[Object]
impl OptimizationQuery {
    /// A payer's Cost Optimization Hub recommendations, as last pulled: for the partner every
    /// account (or `customerTenantId`'s), for an end customer the accounts of their own billing
    /// groups this month. `first` (1–500, 100 when not given) are listed, largest savings first.
    async fn optimization_insights(&self, ctx: &Context<'_>, payer_id: ID, customer_tenant_id: Option<ID>, first: Option<u64>) -> ApiResult<OptimizationInsights> {
        let customer = customer_tenant_id.as_ref().map(|t| TenantId::parse(t)).transpose()?;
        Ok(optimization::insights(&ctx.scope()?, PayerId::parse(&payer_id)?, customer, first.unwrap_or(100)).await?.into())
    }

    /// The partner's upsell list: estimated monthly savings per customer across every payer the
    /// caller sees as a partner, largest first.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Report.cost() + child_complexity")]
    async fn optimization_savings_by_customer(&self, ctx: &Context<'_>) -> ApiResult<Vec<CustomerSavings>> {
        Ok(optimization::savings_by_customer(&ctx.scope()?).await?.into_iter().map(Into::into).collect())
    }
}
