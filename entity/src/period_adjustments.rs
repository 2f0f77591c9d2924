use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AdjustmentStatus {
    /// The latest difference between the data and what was billed; not yet on a note.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Turned into a credit or debit note (`note_id`).
    #[sea_orm(string_value = "NOTED")]
    Noted,
    /// Replaced by a newer difference before it was noted.
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
}

/// What data that arrived after a period closed would change for one billing group: the data's
/// numbers now, minus the snapshot, minus what earlier notes already corrected.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "period_adjustments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    pub billing_group_id: Uuid,
    pub status: AdjustmentStatus,
    pub currency: String,
    /// 10⁻⁸ units.
    pub aws_cost_delta: i64,
    /// 10⁻⁸ units.
    pub proforma_delta: i64,
    /// JSON: the differing lines by account and service (and custom line items).
    pub lines: String,
    pub computed_at: DateTimeUtc,
    pub note_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
