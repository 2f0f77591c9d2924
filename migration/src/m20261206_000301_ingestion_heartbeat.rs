//! A running ingestion keeps a lease with a heartbeat, so a run whose process was killed is seen
//! as ABANDONED instead of RUNNING forever: `heartbeat_at` (the last beat), `lease_until` (when
//! the run counts as gone without a further beat), `holder` (the process, `host:pid:suffix`) and
//! `holder_ns` (the boot id and PID namespace of that process, so a reader on the same machine
//! can check whether the process still exists).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len_null, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Ingestions {
    Table,
    HeartbeatAt,
    LeaseUntil,
    Holder,
    HolderNs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [timestamp_with_time_zone_null(Ingestions::HeartbeatAt), timestamp_with_time_zone_null(Ingestions::LeaseUntil)] {
            m.alter_table(Table::alter().table(Ingestions::Table).add_column(col).to_owned()).await?;
        }
        for col in [string_len_null(Ingestions::Holder, 96), string_len_null(Ingestions::HolderNs, 96)] {
            m.alter_table(Table::alter().table(Ingestions::Table).add_column(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [Ingestions::HeartbeatAt, Ingestions::LeaseUntil, Ingestions::Holder, Ingestions::HolderNs] {
            m.alter_table(Table::alter().table(Ingestions::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
