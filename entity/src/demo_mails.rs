use sea_orm::entity::prelude::*;

/// A mail caught by the demo's mail sink (`PB_MAIL_SINK=outbox`) instead of being sent: what the
/// recipient would have received. Demo mode only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "demo_mails")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The delivery (`notifications` row) this mail is.
    pub notification_id: Uuid,
    pub event_type: String,
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
