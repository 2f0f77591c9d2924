//! Pricing plans: a base and the rules applied on it.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::billing::plans::Plan;
use super::rules::PricingRule;
use super::{BillingSyncStatus, id, sync_status};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::pricing_plans::PlanBase")]
pub enum PricingPlanBase {
    /// Public on-demand price (Billing Conductor's behaviour).
    List,
    Unblended,
    NetUnblended,
    Amortized,
}

#[derive(SimpleObject)]
pub struct PricingPlan {
    pub id: ID,
    pub payer_id: ID,
    pub name: String,
    pub description: String,
    pub base: PricingPlanBase,
    pub pricing_rules: Vec<PricingRule>,
    /// Tax lines are passed to the customer.
    pub pass_tax: bool,
    /// Credit lines are passed to the customer.
    pub pass_credits: bool,
    /// Refund lines are passed to the customer.
    pub pass_refunds: bool,
    /// Partner-level discounts (EDP, SPP, distributor, bundled, RI volume…) are passed to the customer.
    pub pass_partner_discounts: bool,
    pub abc_arn: Option<String>,
    pub abc_sync_status: Option<BillingSyncStatus>,
    pub abc_sync_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Plan> for PricingPlan {
    fn from(p: Plan) -> Self {
        Self {
            id: id(p.id),
            payer_id: id(p.payer_id),
            name: p.name,
            description: p.description,
            base: p.base.into(),
            pricing_rules: p.rules.into_iter().map(PricingRule::from).collect(),
            pass_tax: p.pass_tax,
            pass_credits: p.pass_credits,
            pass_refunds: p.pass_refunds,
            pass_partner_discounts: p.pass_partner_discounts,
            abc_sync_status: sync_status(p.abc.status),
            abc_arn: p.abc.arn,
            abc_sync_error: p.abc.error,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreatePricingPlanInput {
    pub payer_id: ID,
    pub name: String,
    pub description: Option<String>,
    #[graphql(default_with = "PricingPlanBase::List")]
    pub base: PricingPlanBase,
    #[graphql(default)]
    pub pricing_rule_ids: Vec<ID>,
    #[graphql(default)]
    pub pass_tax: bool,
    #[graphql(default)]
    pub pass_credits: bool,
    #[graphql(default)]
    pub pass_refunds: bool,
    #[graphql(default)]
    pub pass_partner_discounts: bool,
}

#[derive(InputObject)]
pub struct UpdatePricingPlanInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub base: Option<PricingPlanBase>,
    /// The full new rule set.
    pub pricing_rule_ids: Option<Vec<ID>>,
    pub pass_tax: Option<bool>,
    pub pass_credits: Option<bool>,
    pub pass_refunds: Option<bool>,
    pub pass_partner_discounts: Option<bool>,
    /// `YYYY-MM`: the first billing period priced with the change (an open one). Default: the
    /// current period; earlier months keep the plan they had.
    pub effective_from: Option<String>,
}
