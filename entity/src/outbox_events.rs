use sea_orm::entity::prelude::*;

/// A domain event, written in the same transaction as the change that caused it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    /// What the event is about (e.g. an AWS account id).
    pub subject: Option<String>,
    /// JSON body.
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
