use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizational_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub ou_id: String,
    pub parent_id: String,
    pub name: String,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
