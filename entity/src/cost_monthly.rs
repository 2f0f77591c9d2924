use sea_orm::entity::prelude::*;

/// The month rollup of `cost_daily`: per payer, source, billing period and usage month, by
/// usage account, service, charge type and currency; amounts in 10⁻⁸ units as there. Kept equal
/// to the day grain by ingestion, in the transaction that replaces a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_monthly")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    /// `YYYY-MM` of the usage dates summed.
    pub usage_month: String,
    pub usage_account_id: String,
    pub service_code: String,
    /// A name of the service other than its code, when a summed row had one.
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
