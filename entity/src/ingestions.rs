use sea_orm::entity::prelude::*;

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
    /// `RUNNING` | `SUCCEEDED` | `FAILED` | `SKIPPED` | `ABANDONED` (its process stopped, or
    /// its lease ran out, before it finished)
    pub status: String,
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
