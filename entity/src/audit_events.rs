use sea_orm::entity::prelude::*;

/// One audit event in the per-database hash chain. Rows are only ever inserted (and whole old
/// days pruned behind a signed checkpoint); `body` is the CloudTrail-shaped record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub event_id: String,
    /// eventTime in milliseconds since the epoch (exact on both databases).
    pub event_ms: i64,
    pub event_source: String,
    pub event_name: String,
    pub event_type: String,
    pub read_only: bool,
    pub error_code: Option<String>,
    pub user_id: Option<Uuid>,
    pub token_id: Option<Uuid>,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
