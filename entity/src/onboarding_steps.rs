use sea_orm::entity::prelude::*;

/// The steps of a customer's onboarding, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StepKind {
    #[sea_orm(string_value = "ADD_CUSTOMER")]
    AddCustomer,
    #[sea_orm(string_value = "CONTRACT")]
    Contract,
    #[sea_orm(string_value = "INVITE_ADMIN")]
    InviteAdmin,
    #[sea_orm(string_value = "CONNECT_ACCOUNT")]
    ConnectAccount,
    #[sea_orm(string_value = "VALIDATE_EXPORT")]
    ValidateExport,
    #[sea_orm(string_value = "COMPLETE")]
    Complete,
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StepStatus {
    #[sea_orm(string_value = "DONE")]
    Done,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Cannot go on until something is fixed (see `blocking_reason`).
    #[sea_orm(string_value = "BLOCKED")]
    Blocked,
    #[sea_orm(string_value = "NOT_STARTED")]
    NotStarted,
}

/// One step of a customer's onboarding as last evaluated, with when it started and finished.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "onboarding_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_tenant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub step: StepKind,
    pub status: StepStatus,
    pub blocking_reason: Option<String>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
