//! What a billing group's period comes to: cost reports, stored results and an end customer's
//! charges (which carry no AWS cost and no margin).

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::billing::engine::Amounts;
use crate::domain::billing::results::{self, CustomerCharges as DomainCharges, GroupBy, GroupReport, GroupSummary, present};
use crate::money::from_units;
use super::id;

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
