use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::onboarding::Onboarding;
use crate::ids::TenantId;

#[derive(Default)]
pub struct OnboardingMutation;

#[Object]
impl OnboardingMutation {
    /// Re-runs a customer's checks (each payer's connection check, then the export validation)
    /// and returns the onboarding; operators and admins of the customer or above.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn refresh_onboarding(&self, ctx: &Context<'_>, customer_tenant_id: ID) -> ApiResult<Onboarding> {
        let id = TenantId::parse(&customer_tenant_id)?;
        Ok(Onboarding(domain::onboarding::refresh(ctx.app()?, &ctx.scope()?, id).await?))
    }
}
