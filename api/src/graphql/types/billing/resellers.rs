//! A reseller's margin between its distributor's price and its customers' charges.

use async_graphql::{ID, SimpleObject};
use rust_decimal::Decimal;

use crate::domain::billing::results::present;
use super::id;

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
