use async_graphql::{Context, ID, Object};

use crate::domain::billing::abc;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing_conductor::BillingConductorStatus;
use crate::ids::PayerId;

#[derive(Default)]
pub struct BillingConductorQuery;

#[Object]
impl BillingConductorQuery {
    /// The payer's billing mode and how far its billing objects are in step with Billing Conductor.
    async fn billing_conductor_status(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<BillingConductorStatus> {
        Ok(BillingConductorStatus::new(abc::status(&ctx.scope()?, PayerId::parse(&payer_id)?).await?)?)
    }
}
