use sea_orm::entity::prelude::*;

/// Whether a payer's billing period still moves with its data and configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PeriodStatus {
    /// Numbers are computed live from the data and the configuration in force.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Numbers are read from the period's snapshot; later data becomes a pending adjustment.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// One payer's billing period once someone closed (or reopened) it; a period without a row is open.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    pub status: PeriodStatus,
    pub closed_at: Option<DateTimeUtc>,
    /// Email of the admin who closed it, or `system` when it closed on its own.
    pub closed_by: Option<String>,
    /// SHA-256 (hex) over the content hashes of the period's snapshots, in billing group order.
    pub snapshot_hash: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
