use sea_orm::entity::prelude::*;

/// A service control policy in a payer's organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub policy_id: String,
    pub name: String,
    pub description: String,
    pub aws_managed: bool,
    /// The library template it was made from, if any.
    pub template_id: Option<String>,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
