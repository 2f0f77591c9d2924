use sea_orm::entity::prelude::*;

/// A partner-integration token. Only its SHA-256 is stored; `display_prefix` lets people
/// recognise it in lists.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub display_prefix: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub role: super::memberships::Role,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
