use sea_orm::entity::prelude::*;

/// One stored pro-forma computation of a billing group for a billing period. A recomputation
/// adds a row; earlier rows stay for comparison.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub billing_group_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    pub computed_at: DateTimeUtc,
    /// Email of whoever caused the computation.
    pub computed_by: String,
    /// What caused it, e.g. `recomputeBilling` or `pricing.changed`.
    pub reason: String,
    /// The cost data source used: `cur` | `focus` | `ce` | `none`.
    pub source: String,
    pub currency: String,
    /// 10⁻⁸ units.
    pub aws_cost: i64,
    /// 10⁻⁸ units.
    pub proforma_cost: i64,
    /// 10⁻⁸ units; proforma − aws.
    pub margin: i64,
    /// JSON: the lines by service, by account and the custom line items, amounts as decimal text.
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
