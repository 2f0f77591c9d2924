use sea_orm::entity::prelude::*;

/// One step of a customer's onboarding as last evaluated, with when it started and finished.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "onboarding_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_tenant_id: Uuid,
    /// `ADD_CUSTOMER` | `CONTRACT` | `INVITE_ADMIN` | `CONNECT_ACCOUNT` | `VALIDATE_EXPORT` | `COMPLETE`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub step: String,
    /// `DONE` | `IN_PROGRESS` | `BLOCKED` | `NOT_STARTED`.
    pub status: String,
    pub blocking_reason: Option<String>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
