use sea_orm::entity::prelude::*;

/// The version of a payer's cost data for one billing period: new whenever a writer replaces
/// the period's rows (in the same transaction). Stored prices name the version they priced.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_data_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub billing_period: String,
    pub version: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
