use sea_orm::entity::prelude::*;

/// Which pricing rules a pricing plan holds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pricing_plan_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub pricing_plan_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pricing_rule_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
