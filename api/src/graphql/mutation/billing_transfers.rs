use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;

use crate::domain::{self, billing_transfers::NewTransfer, billing_transfers::Preference};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing::uuid_of;
use crate::graphql::types::billing_transfers::{
    BillingTransfer, BillingTransferPreference, InviteOrganizationToTransferBillingInput, SetBillingTransferPreferenceInput,
};
use crate::ids::{BillingTransferId, PayerId};

#[derive(Default)]
pub struct BillingTransfersMutation;

#[Object]
impl BillingTransfersMutation {
    /// Invites a customer's organization (its management account id or email) to transfer its
    /// AWS bill to the payer from the first of a month; followed as a job until answered.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn invite_organization_to_transfer_billing(&self, ctx: &Context<'_>, input: InviteOrganizationToTransferBillingInput) -> ApiResult<BillingTransfer> {
        let new = NewTransfer {
            payer: PayerId::parse(&input.payer_id)?,
            management_account_id: input.management_account_id,
            email: input.email,
            start: input.start_date,
            name: input.name,
            notes: input.notes,
        };
        Ok(BillingTransfer(domain::billing_transfers::invite(&ctx.scope()?, ctx.app()?, new).await?))
    }

    /// Withdraws an invitation the customer has not answered.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn withdraw_billing_transfer(&self, ctx: &Context<'_>, id: ID) -> ApiResult<BillingTransfer> {
        Ok(BillingTransfer(domain::billing_transfers::withdraw(&ctx.scope()?, ctx.app()?, BillingTransferId::parse(&id)?).await?))
    }

    /// Ends an accepted transfer from the first of a later month.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn end_billing_transfer(&self, ctx: &Context<'_>, id: ID, end_date: NaiveDate) -> ApiResult<BillingTransfer> {
        Ok(BillingTransfer(domain::billing_transfers::end(&ctx.scope()?, ctx.app()?, BillingTransferId::parse(&id)?, end_date).await?))
    }

    /// Creates the TRANSFER_BILLING billing group of an accepted transfer with a pricing plan of
    /// the payer, or AWS's Passthrough plan when none is given.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn create_transfer_billing_group(&self, ctx: &Context<'_>, billing_transfer_id: ID, pricing_plan_id: Option<ID>) -> ApiResult<BillingTransfer> {
        let plan = pricing_plan_id.as_ref().map(|p| uuid_of(p, "pricing plan")).transpose()?;
        let id = BillingTransferId::parse(&billing_transfer_id)?;
        Ok(BillingTransfer(domain::billing_transfers::create_group(&ctx.scope()?, ctx.app()?, id, plan).await?))
    }

    /// Sets whether Billing Conductor creates billing groups automatically for this transfer.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn set_billing_transfer_preference(&self, ctx: &Context<'_>, billing_transfer_id: ID, input: SetBillingTransferPreferenceInput) -> ApiResult<BillingTransferPreference> {
        let wanted = Preference { auto_create: input.auto_create_billing_groups, pricing_plan_id: input.pricing_plan_id.as_ref().map(|p| uuid_of(p, "pricing plan")).transpose()? };
        let id = BillingTransferId::parse(&billing_transfer_id)?;
        Ok(domain::billing_transfers::set_preference(&ctx.scope()?, ctx.app()?, id, wanted).await?.into())
    }
}
