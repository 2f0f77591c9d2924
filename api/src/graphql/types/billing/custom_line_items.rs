//! Custom line items: fees and credits on a billing group's bill.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, SimpleObject};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::domain::billing::custom_line_items::Item;
use super::{BillingSyncStatus, id, sync_status};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::custom_line_items::ChargeType")]
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

impl From<Item> for CustomLineItem {
    fn from(i: Item) -> Self {
        Self {
            id: id(i.id),
            payer_id: id(i.payer_id),
            billing_group_id: id(i.billing_group_id),
            name: i.name,
            description: i.description,
            charge_type: i.charge_type.into(),
            flat_amount: i.flat_amount,
            percentage: i.percentage,
            child_item_ids: i.child_item_ids.into_iter().map(id).collect(),
            billing_period_start: i.billing_period_start,
            billing_period_end: i.billing_period_end,
            linked_account_id: i.linked_account_id,
            exclude_savings_plan_negation: i.exclude_savings_plan_negation,
            currency: i.currency,
            abc_sync_status: sync_status(i.abc.status),
            abc_arn: i.abc.arn,
            abc_sync_error: i.abc.error,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
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
