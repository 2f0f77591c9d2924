use sea_orm::entity::prelude::*;

/// A member account of a payer's organization, as last synced.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "linked_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: String,
    pub name: String,
    pub email: String,
    /// AWS status: `ACTIVE` | `SUSPENDED` | `PENDING_CLOSURE`
    pub status: String,
    /// `CREATED` | `INVITED`
    pub joined_method: Option<String>,
    pub joined_at: Option<DateTimeUtc>,
    /// The root or OU the account sits in.
    pub parent_id: Option<String>,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
