use async_graphql::{Context, ID, Object};

use crate::domain::billing::abc;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing_conductor::{BillingConductorImport, BillingConductorStatus, BillingMode};
use crate::ids::PayerId;

#[derive(Default)]
pub struct BillingConductorMutation;

#[Object]
impl BillingConductorMutation {
    /// Computes the payer's billing natively only, or also keeps it in AWS Billing Conductor
    /// (payer admins). Switching to BILLING_CONDUCTOR pushes every billing object.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn set_payer_billing_mode(&self, ctx: &Context<'_>, payer_id: ID, mode: BillingMode) -> ApiResult<BillingConductorStatus> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        abc::set_mode(ctx.app()?, &scope, payer, mode.into()).await?;
        Ok(BillingConductorStatus::new(abc::status(&scope, payer).await?)?)
    }

    /// Brings the payer's existing Billing Conductor setup (pricing rules, plans, billing groups
    /// with their members, custom line items) into Partner Billing (operators and up).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn import_billing_conductor(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<BillingConductorImport> {
        let report = abc::import(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?).await?;
        Ok(report.into())
    }
}
