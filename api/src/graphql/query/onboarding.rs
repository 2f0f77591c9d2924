use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
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

    /// The onboarding of the customers below a tenant (a reseller's or distributor's customers),
    /// a page at a time, by customer name.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn onboardings(&self, ctx: &Context<'_>, tenant_id: ID, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, Onboarding>> {
        let page = page(first, after)?;
        let rows = domain::onboarding::list(&ctx.scope()?, TenantId::parse(&tenant_id)?, &page).await?;
        Ok(connection(rows, page, |o| o.customer.id.0, Onboarding))
    }
}
