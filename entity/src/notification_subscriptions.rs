use sea_orm::entity::prelude::*;

/// Who receives mail for which event types on a tenant (subtree) or payer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    /// JSON array of event types.
    pub event_types: String,
    pub user_id: Option<Uuid>,
    pub email: Option<String>,
    /// The affected linked account's own email address.
    pub account_owner: bool,
    pub locale: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
