//! Pricing rules: a markup, discount or tiering on a scope.

use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::billing::rules::Rule;
use super::{BillingSyncStatus, id, sync_status};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::pricing_rules::RuleScope")]
pub enum PricingRuleScope {
    Global,
    Service,
    BillingEntity,
    Sku,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::pricing_rules::RuleType")]
pub enum PricingRuleType {
    Markup,
    Discount,
    Tiering,
}

#[derive(SimpleObject)]
pub struct PricingRule {
    pub id: ID,
    pub payer_id: ID,
    pub name: String,
    pub description: String,
    pub scope: PricingRuleScope,
    #[graphql(name = "type")]
    pub rule_type: PricingRuleType,
    /// Percent (5 = 5 %); 0 for TIERING.
    pub modifier_percentage: Decimal,
    pub service: Option<String>,
    pub billing_entity: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    /// TIERING: whether the AWS free tier applies.
    pub free_tier: Option<bool>,
    pub abc_arn: Option<String>,
    pub abc_sync_status: Option<BillingSyncStatus>,
    pub abc_sync_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Rule> for PricingRule {
    fn from(r: Rule) -> Self {
        Self {
            id: id(r.id),
            payer_id: id(r.payer_id),
            name: r.name,
            description: r.description,
            scope: r.scope.into(),
            rule_type: r.rule_type.into(),
            modifier_percentage: r.modifier_percentage,
            service: r.service,
            billing_entity: r.billing_entity,
            usage_type: r.usage_type,
            operation: r.operation,
            free_tier: r.free_tier,
            abc_sync_status: sync_status(r.abc.status),
            abc_arn: r.abc.arn,
            abc_sync_error: r.abc.error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(InputObject)]
pub struct CreatePricingRuleInput {
    pub payer_id: ID,
    pub name: String,
    pub description: Option<String>,
    pub scope: PricingRuleScope,
    #[graphql(name = "type")]
    pub rule_type: PricingRuleType,
    /// Percent, ≥ 0, at most two decimals; not for TIERING.
    pub modifier_percentage: Option<Decimal>,
    /// SERVICE and SKU scopes.
    pub service: Option<String>,
    /// BILLING_ENTITY scope: `AWS` or `AWS Marketplace`.
    pub billing_entity: Option<String>,
    /// SKU scope.
    pub usage_type: Option<String>,
    /// SKU scope.
    pub operation: Option<String>,
    /// TIERING: whether the AWS free tier applies (default true).
    pub free_tier: Option<bool>,
}

#[derive(InputObject)]
pub struct UpdatePricingRuleInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub modifier_percentage: Option<Decimal>,
    pub free_tier: Option<bool>,
    /// `YYYY-MM`: the first billing period priced with the change (an open one). Default: the
    /// current period; earlier months keep the rule as it was.
    pub effective_from: Option<String>,
}
