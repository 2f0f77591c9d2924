use sea_orm::entity::prelude::*;

use crate::cost_allocation_keys::KeyKind;

/// The part of a day-grain row (`cost_daily`) whose line items carry a value for a selected cost
/// allocation key: the row's key columns, the key and value, and the part's sums (10⁻⁸ units).
/// Cost without a value is not stored: it is the day grain less the tagged parts. Written with
/// `cost_daily` in the transaction that replaces a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_daily_tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    pub usage_date: Date,
    pub usage_account_id: String,
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    pub region: String,
    pub charge_type: String,
    pub billing_entity: String,
    pub pricing_unit: String,
    pub currency: String,
    /// Which of the whole day-grain row's amounts are zero (bits of
    /// `migration::m20261206_000401_cost_rollups`): the part is priced as the row is.
    pub zero_amounts: i16,
    pub key_kind: KeyKind,
    pub key_name: String,
    pub tag_value: String,
    pub unblended_cost: i64,
    pub net_unblended_cost: i64,
    pub amortized_cost: i64,
    pub list_cost: i64,
    pub line_count: i64,
    pub ingestion_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
