use sea_orm::entity::prelude::*;

/// A billing group's open period as priced from `inputs_hash` (its pricing configuration) and
/// `data_version` (its payer's cost data): read instead of pricing again while both are current.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "priced_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub billing_group_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub billing_period: String,
    pub payer_id: Uuid,
    /// SHA-256 (hex) of the pricing inputs.
    pub inputs_hash: String,
    /// The `cost_data_versions` version priced; empty when the period had no data.
    pub data_version: String,
    /// `cur`, `focus`, `ce`, or `none`.
    pub source: String,
    pub currency: String,
    /// Totals in 10⁻⁸ units, for pages that need nothing else.
    pub aws_cost: i64,
    pub proforma_cost: i64,
    /// JSON: per usage month the AWS cost and charge, and the custom line items as applied (what
    /// a trend needs, a few hundred bytes).
    pub summary: String,
    /// JSON: the priced lines by usage month, account and service, the custom line items as
    /// applied, and the services' names (tens to hundreds of kilobytes).
    pub lines: String,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
