use sea_orm::entity::prelude::*;

/// An Organizations handshake inviting an account, as last seen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub handshake_id: String,
    /// The invited account id or email.
    pub target: String,
    /// `REQUESTED` | `OPEN` | `CANCELED` | `ACCEPTED` | `DECLINED` | `EXPIRED`
    pub state: String,
    pub notes: Option<String>,
    pub requested_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
