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
    pub role: Role,
    pub granted_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What a membership (or an API token) lets its holder do. Ordered: a higher role includes the
/// lower ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    /// Reads.
    #[sea_orm(string_value = "viewer")]
    Viewer,
    /// Reads and operates (sync, create, invite…), but manages no users or memberships.
    #[sea_orm(string_value = "operator")]
    Operator,
    /// Everything, including users, memberships and tenants below the node.
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    /// The stored word (`viewer`, `operator`, `admin`), as messages and logs name the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
