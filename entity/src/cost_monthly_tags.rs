use sea_orm::entity::prelude::*;

use crate::cost_allocation_keys::KeyKind;

/// The month rollup of `cost_daily_tags`: per payer, source, billing period, usage month, key
/// and value, by the columns the billing engine prices by and the zero flags of the rows the
/// parts belong to; amounts in 10⁻⁸ units. Written with the tagged parts.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_monthly_tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    /// `YYYY-MM` of the usage.
    pub usage_month: String,
    pub usage_account_id: String,
    pub service_code: String,
    /// A name of the service other than its code, when the data has one.
    pub service_name: Option<String>,
    pub usage_type: String,
    pub operation: String,
    pub charge_type: String,
    pub billing_entity: String,
    pub currency: String,
    pub zero_amounts: i16,
    pub key_kind: KeyKind,
    pub key_name: String,
    pub tag_value: String,
    pub unblended_cost: i64,
    pub net_unblended_cost: i64,
    pub amortized_cost: i64,
    pub list_cost: i64,
    pub line_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
