use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::billing_transfers::{BillingTransfer, BillingTransferPreference};
use crate::ids::{BillingTransferId, PayerId};

#[derive(Default)]
pub struct BillingTransfersQuery;

#[Object]
impl BillingTransfersQuery {
    /// The payer's billing transfers (customers' organizations whose bill it pays), newest first.
    async fn billing_transfers(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<BillingTransfer>> {
        let rows = domain::billing_transfers::list(&ctx.scope()?, PayerId::parse(&payer_id)?).await?;
        Ok(rows.into_iter().map(BillingTransfer).collect())
    }

    async fn billing_transfer(&self, ctx: &Context<'_>, id: ID) -> ApiResult<BillingTransfer> {
        Ok(BillingTransfer(domain::billing_transfers::get(&ctx.scope()?, BillingTransferId::parse(&id)?).await?))
    }

    /// Whether Billing Conductor creates billing groups automatically for this transfer.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn billing_transfer_preference(&self, ctx: &Context<'_>, billing_transfer_id: ID) -> ApiResult<BillingTransferPreference> {
        let pref = domain::billing_transfers::preference(&ctx.scope()?, ctx.app()?, BillingTransferId::parse(&billing_transfer_id)?).await?;
        Ok(pref.into())
    }
}
