use sea_orm::entity::prelude::*;

/// The account bill's rollup of `cost_daily`: per payer, source, billing period and usage month,
/// by every column a bill shows or prices by and by which amounts are zero (`zero_amounts`, bits
/// in `migration::m20261206_000401_cost_rollups`); amounts in 10⁻⁸ units, the usage quantity as
/// exact decimal text, and the month's first line item description. Rebuilt by every writer of
/// `cost_daily` in the transaction that replaces a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_monthly_usage")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    pub usage_month: String,
    pub usage_account_id: String,
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    pub pricing_unit: String,
    pub charge_type: String,
    pub billing_entity: String,
    pub currency: String,
    pub zero_amounts: i16,
    pub unblended_cost: i64,
    pub net_unblended_cost: i64,
    pub amortized_cost: i64,
    pub list_cost: i64,
    pub usage_quantity: String,
    pub line_item_description: String,
    /// `YYYY-MM-DD`: the day of the first row summed, whose description this row keeps.
    pub first_usage_day: String,
    pub line_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
