//! AWS Billing Transfer: transfers of customers' organizations to a payer.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;

/// Where a billing transfer stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::billing_transfers::TransferStatus")]
pub enum BillingTransferStatus {
    /// Sent; the customer has not answered.
    Invited,
    /// Accepted; the payer takes over the bill from the start month.
    Accepted,
    /// The start month has come: the payer pays the customer's bill.
    Active,
    Declined,
    /// Not answered in time.
    Expired,
    /// Withdrawn before it was answered.
    Withdrawn,
    /// The end month has come.
    Ended,
}

/// A customer's organization transferring (or invited to transfer) its AWS bill to a payer.
pub struct BillingTransfer(pub domain::billing_transfers::BillingTransfer);

#[Object]
impl BillingTransfer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn payer_id(&self) -> ID {
        ID(self.0.payer_id.to_string())
    }
    /// INBOUND: the payer takes over the customer organization's bill.
    async fn direction(&self) -> &str {
        &self.0.direction
    }
    /// The customer's management account, when invited by id.
    async fn management_account_id(&self) -> Option<&str> {
        self.0.management_account_id.as_deref()
    }
    /// The customer's management account email, when invited by email.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// YYYY-MM: takes effect on the first of this month (UTC).
    async fn start_month(&self) -> &str {
        &self.0.start_month
    }
    /// YYYY-MM: ends on the first of this month (UTC), once ended.
    async fn end_month(&self) -> Option<&str> {
        self.0.end_month.as_deref()
    }
    async fn status(&self) -> BillingTransferStatus {
        self.0.status.into()
    }
    async fn handshake_id(&self) -> Option<&str> {
        self.0.handshake_id.as_deref()
    }
    /// AWS's transfer id (rt-…).
    async fn transfer_id(&self) -> Option<&str> {
        self.0.transfer_id.as_deref()
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// The TRANSFER_BILLING group pricing this organization, once created.
    async fn billing_group(&self) -> Option<TransferBillingGroup> {
        self.0.billing_group.as_ref().map(|g| TransferBillingGroup {
            passthrough: g.pricing_plan_id.is_none(),
            pricing_plan_id: g.pricing_plan_id.map(|p| ID(p.to_string())),
            billing_conductor_arn: g.billing_conductor_arn.clone(),
            billing_group_id: g.billing_group_id.map(|g| ID(g.to_string())),
            created_at: g.created_at,
        })
    }
    /// The organization's accounts as the payer's cost data shows them since the start month.
    async fn accounts(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(domain::billing_transfers::accounts(&ctx.scope()?, self.0.id).await?)
    }
    async fn invited_by(&self) -> &str {
        &self.0.invited_by
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// The billing group (type TRANSFER_BILLING) of a transferring organization.
#[derive(SimpleObject)]
pub struct TransferBillingGroup {
    /// Priced with AWS's Passthrough plan (the AWS invoice, unchanged).
    pub passthrough: bool,
    /// The custom pricing plan, when not Passthrough.
    pub pricing_plan_id: Option<ID>,
    /// Set when pushed to Billing Conductor.
    pub billing_conductor_arn: Option<String>,
    /// NATIVE billing mode: the billing group holding the organization's accounts, priced by our
    /// engine like any other (its members can be edited as any group's).
    pub billing_group_id: Option<ID>,
    pub created_at: DateTime<Utc>,
}

/// Whether Billing Conductor creates a TRANSFER_BILLING group per organization that transfers
/// its bill onward through this transfer, and with which plan.
#[derive(SimpleObject)]
pub struct BillingTransferPreference {
    pub auto_create_billing_groups: bool,
    /// The plan of those groups; null is Passthrough.
    pub pricing_plan_id: Option<ID>,
}

impl From<domain::billing_transfers::Preference> for BillingTransferPreference {
    fn from(p: domain::billing_transfers::Preference) -> Self {
        Self { auto_create_billing_groups: p.auto_create, pricing_plan_id: p.pricing_plan_id.map(|p| ID(p.to_string())) }
    }
}

#[derive(InputObject)]
pub struct InviteOrganizationToTransferBillingInput {
    pub payer_id: ID,
    /// The customer's management account id (12 digits); or give `email`.
    pub management_account_id: Option<String>,
    /// The customer's management account email; or give `managementAccountId`.
    pub email: Option<String>,
    /// The first of a month, today or later (UTC).
    pub start_date: NaiveDate,
    /// The transfer's name at AWS (at most 128 characters).
    pub name: Option<String>,
    /// Shown to the customer with the invitation (at most 1024 characters).
    pub notes: Option<String>,
}

#[derive(InputObject)]
pub struct SetBillingTransferPreferenceInput {
    pub auto_create_billing_groups: bool,
    /// A pricing plan of the payer; omitted: Passthrough.
    pub pricing_plan_id: Option<ID>,
}
