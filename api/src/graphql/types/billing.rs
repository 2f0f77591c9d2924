//! Billing types. Partner-side types carry AWS cost and margin; `CustomerCharges` (for
//! end-customer users) deliberately has no field for either.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{custom_line_items, pricing_rules};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::domain::billing::custom_line_items::child_ids;
use crate::domain::billing::engine::Amounts;
use crate::domain::billing::groups::Group;
use crate::domain::billing::plans::Plan;
use crate::domain::billing::results::{self, CustomerCharges as DomainCharges, GroupBy, GroupReport, GroupSummary, present};
use crate::error::AppError;
use crate::money::from_units;

/// A billing object id from request input; anything malformed is "not found".
pub fn uuid_of(id: &ID, what: &'static str) -> Result<Uuid, AppError> {
    id.parse::<Uuid>().map_err(|_| AppError::NotFound(what))
}

fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

/// Where a billing object stands with AWS Billing Conductor.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::billing::abc::AbcSyncStatus")]
pub enum BillingSyncStatus {
    Pending,
    Synced,
    Failed,
}

fn sync_status(s: Option<crate::domain::billing::abc::AbcSyncStatus>) -> Option<BillingSyncStatus> {
    s.map(Into::into)
}

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

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PricingPlanBase {
    /// Public on-demand price (Billing Conductor's behaviour).
    List,
    Unblended,
    NetUnblended,
    Amortized,
}

impl PricingPlanBase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::List => "LIST",
            Self::Unblended => "UNBLENDED",
            Self::NetUnblended => "NET_UNBLENDED",
            Self::Amortized => "AMORTIZED",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "UNBLENDED" => Self::Unblended,
            "NET_UNBLENDED" => Self::NetUnblended,
            "AMORTIZED" => Self::Amortized,
            _ => Self::List,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PricingRuleScope {
    Global,
    Service,
    BillingEntity,
    Sku,
}

impl PricingRuleScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Global => "GLOBAL",
            Self::Service => "SERVICE",
            Self::BillingEntity => "BILLING_ENTITY",
            Self::Sku => "SKU",
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PricingRuleType {
    Markup,
    Discount,
    Tiering,
}

impl PricingRuleType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markup => "MARKUP",
            Self::Discount => "DISCOUNT",
            Self::Tiering => "TIERING",
        }
    }
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

impl From<pricing_rules::Model> for PricingRule {
    fn from(r: pricing_rules::Model) -> Self {
        Self {
            id: id(r.id),
            payer_id: id(r.payer_id),
            name: r.name,
            description: r.description,
            scope: match r.scope.as_str() {
                "SERVICE" => PricingRuleScope::Service,
                "BILLING_ENTITY" => PricingRuleScope::BillingEntity,
                "SKU" => PricingRuleScope::Sku,
                _ => PricingRuleScope::Global,
            },
            rule_type: match r.rule_type.as_str() {
                "MARKUP" => PricingRuleType::Markup,
                "DISCOUNT" => PricingRuleType::Discount,
                _ => PricingRuleType::Tiering,
            },
            modifier_percentage: from_units(r.modifier_percentage).normalize(),
            service: r.service,
            billing_entity: r.billing_entity,
            usage_type: r.usage_type,
            operation: r.operation,
            free_tier: r.free_tier,
            abc_sync_status: sync_status(r.abc_sync_status),
            abc_arn: r.abc_arn,
            abc_sync_error: r.abc_sync_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
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
        let rules = p.rules.into_iter().map(PricingRule::from).collect();
        let p = p.plan;
        Self {
            id: id(p.id),
            payer_id: id(p.payer_id),
            name: p.name,
            description: p.description,
            base: PricingPlanBase::parse(&p.base),
            pricing_rules: rules,
            pass_tax: p.pass_tax,
            pass_credits: p.pass_credits,
            pass_refunds: p.pass_refunds,
            pass_partner_discounts: p.pass_partner_discounts,
            abc_sync_status: sync_status(p.abc_sync_status),
            abc_arn: p.abc_arn,
            abc_sync_error: p.abc_sync_error,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CustomLineItemChargeType {
    Fee,
    Credit,
}

#[derive(SimpleObject)]
pub struct CustomLineItem {
    pub id: ID,
    pub payer_id: ID,
    pub billing_group_id: ID,
    pub name: String,
    pub description: String,
    pub charge_type: CustomLineItemChargeType,
    /// Per billing period; set for FLAT items.
    pub flat_amount: Option<Decimal>,
    /// Percent; set for PERCENTAGE items.
    pub percentage: Option<Decimal>,
    /// The FLAT items a PERCENTAGE item is a percentage of (empty: of the group's pro-forma charge).
    pub child_item_ids: Vec<ID>,
    pub billing_period_start: String,
    /// Exclusive; null for a recurring item without end.
    pub billing_period_end: Option<String>,
    pub linked_account_id: Option<String>,
    pub exclude_savings_plan_negation: bool,
    pub currency: String,
    pub abc_arn: Option<String>,
    pub abc_sync_status: Option<BillingSyncStatus>,
    pub abc_sync_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<custom_line_items::Model> for CustomLineItem {
    fn from(i: custom_line_items::Model) -> Self {
        let children = child_ids(&i).into_iter().map(id).collect();
        Self {
            id: id(i.id),
            payer_id: id(i.payer_id),
            billing_group_id: id(i.billing_group_id),
            name: i.name,
            description: i.description,
            charge_type: if i.charge_type == "CREDIT" { CustomLineItemChargeType::Credit } else { CustomLineItemChargeType::Fee },
            flat_amount: i.flat_amount.map(|v| from_units(v).normalize()),
            percentage: i.percentage.map(|v| from_units(v).normalize()),
            child_item_ids: children,
            billing_period_start: i.billing_period_start,
            billing_period_end: i.billing_period_end,
            linked_account_id: i.linked_account_id,
            exclude_savings_plan_negation: i.exclude_savings_plan_negation,
            currency: i.currency,
            abc_sync_status: sync_status(i.abc_sync_status),
            abc_arn: i.abc_arn,
            abc_sync_error: i.abc_sync_error,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// Margin as a percentage of the pro-forma charge, to two decimals; null when the charge is 0.
fn margin_percentage(a: &Amounts) -> Option<Decimal> {
    a.margin_percentage().map(|p| p.round_dp(2).normalize())
}

/// A billing group's AWS cost, pro-forma charge and margin for one billing period, computed
/// now on the current configuration, beside Billing Conductor's numbers when there are any.
#[derive(SimpleObject)]
pub struct BillingGroupCostReportSummary {
    pub billing_group_id: ID,
    pub billing_group_name: String,
    pub billing_period: String,
    /// `cur`, `focus`, `ce`, or `none` when the period has no cost data.
    pub source: String,
    pub currency: String,
    /// What the partner pays for these accounts: AWS's net unblended cost, or on a reseller's
    /// payer its distributor's price.
    pub aws_cost: Decimal,
    /// What the customer is charged.
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub margin_percentage: Option<Decimal>,
    /// Billing Conductor's pro-forma cost; null when none was pulled.
    pub abc_proforma_cost: Option<Decimal>,
    /// Our pro-forma cost minus Billing Conductor's; null when none was pulled.
    pub abc_difference: Option<Decimal>,
}

impl From<GroupSummary> for BillingGroupCostReportSummary {
    fn from(s: GroupSummary) -> Self {
        let t = s.totals.total;
        let proforma = present(t.proforma);
        let abc = s.abc.map(|a| from_units(a.proforma_cost).normalize());
        Self {
            billing_group_id: id(s.group.id),
            billing_group_name: s.group.name,
            billing_period: s.period,
            source: s.totals.source,
            currency: s.totals.currency,
            aws_cost: present(t.aws_cost),
            proforma_cost: proforma,
            margin: present(t.margin()),
            margin_percentage: margin_percentage(&t),
            abc_proforma_cost: abc,
            abc_difference: abc.map(|a| (proforma - a).normalize()),
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum BillingReportGroupBy {
    Service,
    Account,
    Period,
}

impl From<BillingReportGroupBy> for GroupBy {
    fn from(g: BillingReportGroupBy) -> Self {
        match g {
            BillingReportGroupBy::Service => Self::Service,
            BillingReportGroupBy::Account => Self::Account,
            BillingReportGroupBy::Period => Self::Period,
        }
    }
}

#[derive(SimpleObject)]
pub struct BillingCostLine {
    /// Service code, account id, `YYYY-MM`, or a custom line item's name.
    pub key: String,
    /// Lines by service: the service's name as AWS shows it ("Amazon CloudWatch"), the code when
    /// the cost data has none; a custom line item's name. Null for lines by account or period.
    pub service_name: Option<String>,
    /// A custom line item rather than AWS usage.
    pub custom_line_item: bool,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub margin_percentage: Option<Decimal>,
}

fn line(key: String, service_name: Option<String>, custom_line_item: bool, a: &Amounts) -> BillingCostLine {
    BillingCostLine { key, service_name, custom_line_item, aws_cost: present(a.aws_cost), proforma_cost: present(a.proforma), margin: present(a.margin()), margin_percentage: margin_percentage(a) }
}

#[derive(SimpleObject)]
pub struct BillingGroupCostReport {
    pub billing_group_id: ID,
    pub billing_group_name: String,
    pub from: String,
    pub to: String,
    pub group_by: BillingReportGroupBy,
    pub currency: String,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub margin_percentage: Option<Decimal>,
    pub lines: Vec<BillingCostLine>,
}

impl BillingGroupCostReport {
    pub fn new(r: GroupReport, from: String, to: String, group_by: BillingReportGroupBy) -> Self {
        Self {
            billing_group_id: id(r.group.id),
            billing_group_name: r.group.name,
            from,
            to,
            group_by,
            currency: r.currency,
            aws_cost: present(r.total.aws_cost),
            proforma_cost: present(r.total.proforma),
            margin: present(r.total.margin()),
            margin_percentage: margin_percentage(&r.total),
            lines: r.lines.into_iter().map(|l| line(l.key, l.service_name, l.custom_line_item, &l.amounts)).collect(),
        }
    }
}

/// A stored computation of a billing group for a period.
#[derive(SimpleObject)]
pub struct BillingResult {
    pub id: ID,
    pub billing_group_id: ID,
    pub billing_period: String,
    pub computed_at: DateTime<Utc>,
    /// Who caused it.
    pub computed_by: String,
    /// `recomputeBilling`, or the change that caused it (`pricing.changed`, `billing_group.changed`).
    pub reason: String,
    pub source: String,
    pub currency: String,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    pub margin_percentage: Option<Decimal>,
    pub by_service: Vec<BillingCostLine>,
    pub by_account: Vec<BillingCostLine>,
    pub custom_line_items: Vec<BillingCostLine>,
}

impl From<results::StoredResult> for BillingResult {
    fn from(r: results::StoredResult) -> Self {
        let lines = |list: Vec<results::StoredLine>, custom: bool| list.into_iter().map(|l| line(l.key, l.service_name, custom, &l.amounts)).collect();
        Self {
            id: id(r.id),
            billing_group_id: id(r.billing_group_id),
            billing_period: r.billing_period,
            computed_at: r.computed_at,
            computed_by: r.computed_by,
            reason: r.reason,
            source: r.source,
            currency: r.currency,
            aws_cost: r.total.aws_cost.normalize(),
            proforma_cost: r.total.proforma.normalize(),
            margin: r.margin.normalize(),
            margin_percentage: margin_percentage(&r.total),
            by_service: lines(r.by_service, false),
            by_account: lines(r.by_account, false),
            custom_line_items: lines(r.custom_line_items, true),
        }
    }
}

/// One line of a customer's charges: a service, or a custom line item by name.
#[derive(SimpleObject)]
pub struct ChargeLine {
    /// The service code, or the custom line item's name.
    pub name: String,
    /// A service's name as AWS shows it ("Amazon CloudWatch"), the code when the cost data has
    /// none; null for a custom line item.
    pub service_name: Option<String>,
    pub amount: Decimal,
}

/// What an end customer is charged in one billing group. Pro-forma only: no AWS cost, no margin.
#[derive(SimpleObject)]
pub struct CustomerCharges {
    pub billing_group_name: String,
    pub billing_period: String,
    pub currency: String,
    pub total: Decimal,
    pub lines: Vec<ChargeLine>,
}

impl CustomerCharges {
    pub fn new(c: DomainCharges, period: &str) -> Self {
        Self {
            billing_group_name: c.group_name,
            billing_period: period.to_owned(),
            currency: c.currency,
            total: c.total,
            lines: c.lines.into_iter().map(|l| ChargeLine { name: l.key, service_name: l.service_name, amount: l.amount }).collect(),
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

#[derive(InputObject)]
pub struct CreateCustomLineItemInput {
    pub billing_group_id: ID,
    pub name: String,
    pub description: Option<String>,
    pub charge_type: CustomLineItemChargeType,
    /// FLAT: 0–1,000,000 per billing period, at most two decimals.
    pub flat_amount: Option<Decimal>,
    /// PERCENTAGE: 0–10,000 %, at most two decimals.
    pub percentage: Option<Decimal>,
    /// PERCENTAGE of these FLAT items instead of the group's pro-forma charge.
    #[graphql(default)]
    pub child_item_ids: Vec<ID>,
    /// `YYYY-MM`, inclusive; the current period by default.
    pub billing_period_start: Option<String>,
    /// `YYYY-MM`, exclusive; leave out for a recurring item.
    pub billing_period_end: Option<String>,
    pub linked_account_id: Option<String>,
    #[graphql(default)]
    pub exclude_savings_plan_negation: bool,
}

#[derive(InputObject)]
pub struct UpdateCustomLineItemInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub flat_amount: Option<Decimal>,
    pub percentage: Option<Decimal>,
    pub child_item_ids: Option<Vec<ID>>,
    pub billing_period_start: Option<String>,
    /// Null makes the item recurring without end; leave it out to keep it.
    pub billing_period_end: MaybeUndefined<String>,
    pub exclude_savings_plan_negation: Option<bool>,
}

/// Ids from input; a malformed one is "not found".
pub fn uuids(ids: &[ID], what: &'static str) -> Result<Vec<Uuid>, AppError> {
    ids.iter().map(|i| uuid_of(i, what)).collect()
}

/// A reseller's month on its reseller payer: what its distributor charges it (its cost), what
/// its groups charge its customers, and the margin between.
#[derive(SimpleObject)]
pub struct ResellerMargin {
    pub billing_period: String,
    pub currency: String,
    /// The distributor's charge for the upstream billing group, custom line items included.
    pub cost: Decimal,
    /// What the reseller's billing groups charge its customers.
    pub charge: Decimal,
    pub margin: Decimal,
    /// The part of the cost no group of the reseller bills on: the distributor's custom line
    /// items, and accounts in none of the reseller's groups.
    pub unbilled_cost: Decimal,
    pub groups: Vec<ResellerGroupMargin>,
}

/// One of a reseller's billing groups: its cost (the distributor's price of its accounts) and
/// its charge.
#[derive(SimpleObject)]
pub struct ResellerGroupMargin {
    pub billing_group_id: ID,
    pub name: String,
    pub customer_tenant_id: Option<ID>,
    pub cost: Decimal,
    pub charge: Decimal,
    pub margin: Decimal,
}

impl From<crate::domain::billing::resellers::TierMargin> for ResellerMargin {
    fn from(m: crate::domain::billing::resellers::TierMargin) -> Self {
        Self {
            billing_period: m.period,
            currency: m.currency,
            cost: present(m.cost),
            charge: present(m.charge),
            margin: present(m.margin),
            unbilled_cost: present(m.unbilled_cost),
            groups: m
                .groups
                .into_iter()
                .map(|g| ResellerGroupMargin {
                    billing_group_id: id(g.billing_group_id),
                    name: g.name,
                    customer_tenant_id: g.customer_tenant_id.map(id),
                    cost: present(g.cost),
                    charge: present(g.charge),
                    margin: present(g.charge - g.cost),
                })
                .collect(),
        }
    }
}
