use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::onboarding::Onboarding;
use crate::ids::TenantId;

#[derive(Default)]
pub struct OnboardingQuery;

#[Object]
impl OnboardingQuery {
    /// A customer's onboarding steps with their state, timestamps, blocking reason and next action.
    async fn onboarding(&self, ctx: &Context<'_>, customer_tenant_id: ID) -> ApiResult<Onboarding> {
        Ok(Onboarding(domain::onboarding::get(&ctx.scope()?, TenantId::parse(&customer_tenant_id)?).await?))
    }

    /// The onboarding of every customer below a tenant (a reseller's or distributor's customers).
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn onboardings(&self, ctx: &Context<'_>, tenant_id: ID) -> ApiResult<Vec<Onboarding>> {
        let rows = domain::onboarding::list(&ctx.scope()?, TenantId::parse(&tenant_id)?).await?;
        Ok(rows.into_iter().map(Onboarding).collect())
    }
}
