use sea_orm::entity::prelude::*;

/// Where a payer's Cost Optimization Hub stood at the last pull.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HubStatus {
    /// Turned on: recommendations are pulled.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Not turned on in the payer's account.
    #[sea_orm(string_value = "INACTIVE")]
    Inactive,
    /// The payer's role may not read it (a stack older than the permission).
    #[sea_orm(string_value = "ACCESS_DENIED")]
    AccessDenied,
    /// The last pull failed otherwise; `last_error` says how.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// One payer's Cost Optimization Hub state, written by each pull.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "optimization_hub_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    pub status: HubStatus,
    /// The whole organization's accounts are enrolled, not only the payer's own.
    pub member_accounts_included: bool,
    /// Recommendations stored by the last successful pull.
    pub recommendations: i64,
    /// AWS offered more than we keep.
    pub truncated: bool,
    /// What went wrong, for the partner (never shown to customers).
    pub last_error: Option<String>,
    pub checked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
