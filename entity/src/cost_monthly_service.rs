use sea_orm::entity::prelude::*;

/// The month rollup of `cost_daily` for a whole payer: per source, billing period, usage month,
/// service, charge type and currency, no account; amounts in 10⁻⁸ units. Kept equal to the day
/// grain by ingestion, in the transaction that replaces a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_monthly_service")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    pub usage_month: String,
    pub service_code: String,
    pub service_name: Option<String>,
    pub charge_type: String,
    pub currency: String,
    pub unblended_cost: i64,
    pub net_unblended_cost: i64,
    pub amortized_cost: i64,
    pub list_cost: i64,
    pub line_count: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
