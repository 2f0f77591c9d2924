//! Billing groups: accounts priced together for one customer.

use async_graphql::{ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::billing::groups::Group;
use super::{BillingSyncStatus, id, sync_status};

/// One account's membership of a billing group: `[billingPeriodStart, billingPeriodEnd)`.
#[derive(SimpleObject)]
pub struct BillingGroupMembership {
    pub account_id: String,
    pub billing_period_start: String,
    /// Exclusive; null while the account stays.
    pub billing_period_end: Option<String>,
}

#[derive(SimpleObject)]
pub struct BillingGroup {
    pub id: ID,
    pub payer_id: ID,
    pub name: String,
    pub description: String,
    pub primary_account_id: String,
    /// Member accounts in the billing period asked for (the current one by default).
    pub account_ids: Vec<String>,
    /// Every membership, past and future.
    pub memberships: Vec<BillingGroupMembership>,
    pub pricing_plan_id: ID,
    pub customer_tenant_id: Option<ID>,
    pub abc_arn: Option<String>,
    pub abc_sync_status: Option<BillingSyncStatus>,
    /// AWS's reason for the last failed sync.
    pub abc_sync_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BillingGroup {
    pub fn new(g: Group, period: &str) -> Self {
        let account_ids = g.accounts_in(period);
        let memberships = g
            .memberships
            .into_iter()
            .map(|m| BillingGroupMembership { account_id: m.account_id, billing_period_start: m.billing_period_start, billing_period_end: m.billing_period_end })
            .collect();
        let g = g.group;
        Self {
            id: id(g.id),
            payer_id: id(g.payer_id),
            name: g.name,
            description: g.description,
            primary_account_id: g.primary_account_id,
            account_ids,
            memberships,
            pricing_plan_id: id(g.pricing_plan_id),
            customer_tenant_id: g.customer_tenant_id.map(id),
            abc_sync_status: sync_status(g.abc_sync_status),
            abc_arn: g.abc_arn,
            abc_sync_error: g.abc_sync_error,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreateBillingGroupInput {
    pub payer_id: ID,
    /// `[a-zA-Z0-9_+=.\-@]{1,128}`
    pub name: String,
    pub description: Option<String>,
    pub primary_account_id: String,
    pub account_ids: Vec<String>,
    pub pricing_plan_id: ID,
    pub customer_tenant_id: Option<ID>,
    /// First billing period of the members (`YYYY-MM`); the current one by default.
    pub billing_period: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateBillingGroupInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub primary_account_id: Option<String>,
    /// The full new member list, effective from `billingPeriod`: leavers end there, joiners start there.
    pub account_ids: Option<Vec<String>>,
    pub pricing_plan_id: Option<ID>,
    /// Null removes the customer tenant; leave it out to keep it.
    pub customer_tenant_id: MaybeUndefined<ID>,
    /// `YYYY-MM` a membership change applies from; the current period by default.
    pub billing_period: Option<String>,
}
