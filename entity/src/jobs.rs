use sea_orm::entity::prelude::*;

/// Where a job is: waiting (or waiting to retry), held by a worker, or finished either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum JobState {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "running")]
    Running,
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// A durable background job. Workers claim it with a lease; a job whose worker died is claimed
/// again once the lease runs out.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub tenant_id: Option<Uuid>,
    pub payer_id: Option<Uuid>,
    pub state: JobState,
    /// JSON input, updated as a multi-step job advances.
    pub payload: String,
    /// JSON outcome.
    pub result: Option<String>,
    pub progress: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTimeUtc,
    pub locked_by: Option<String>,
    pub locked_until: Option<DateTimeUtc>,
    /// When a worker last claimed it (tenants take turns by it).
    pub claimed_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
