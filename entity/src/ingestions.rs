use sea_orm::entity::prelude::*;

/// How an ingestion run went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum IngestionStatus {
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// The same files were already current: nothing was read or written.
    #[sea_orm(string_value = "SKIPPED")]
    Skipped,
    /// Its process stopped, or its lease ran out, before it finished.
    #[sea_orm(string_value = "ABANDONED")]
    Abandoned,
}

/// One ingestion of cost files for a payer: what was read, what it replaced, and how it ended.
/// A run that covers several billing periods leaves one row per period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ingestions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// `cur` | `focus` | `ce` | `legacy`; unknown until the files were recognized.
    pub source: Option<String>,
    /// `YYYY-MM`; unknown until the files were read.
    pub billing_period: Option<String>,
    /// JSON array of `{path, sha256, bytes, format, rows}`.
    pub files: String,
    /// SHA-256 over the sorted file checksums: identical inputs have the same fingerprint.
    pub fingerprint: String,
    pub rows_read: i64,
    pub rows_written: i64,
    pub duration_ms: i64,
    pub status: IngestionStatus,
    /// Why it failed (naming the file and column) or was abandoned.
    pub error: Option<String>,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The last heartbeat of a run while it ran.
    pub heartbeat_at: Option<DateTimeUtc>,
    /// A RUNNING record without a heartbeat past this time is abandoned.
    pub lease_until: Option<DateTimeUtc>,
    /// The process that ran it: `host:pid:suffix`.
    pub holder: Option<String>,
    /// That process's boot id and PID namespace, to check on the same machine whether it lives.
    pub holder_ns: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
