use sea_orm::entity::prelude::*;

/// A role held by a user on a tenant node (and everything below it) or on exactly one payer.
/// Exactly one of `tenant_id` and `payer_id` is set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    /// `admin` | `operator` | `viewer`
    pub role: String,
    pub granted_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
