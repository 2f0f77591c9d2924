use sea_orm::entity::prelude::*;

/// A billing group's cost report as AWS Billing Conductor computed it, pulled back to show
/// beside the native numbers. The newest `fetched_at` per group and period is the one shown.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "abc_cost_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub billing_group_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    /// 10⁻⁸ units.
    pub aws_cost: i64,
    /// 10⁻⁸ units.
    pub proforma_cost: i64,
    /// 10⁻⁸ units.
    pub margin: i64,
    pub currency: String,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
