//! The audit trail: one hash chain of CloudTrail-shaped events per database. The full event is
//! `body` (canonical JSON); the other columns are copies for filtering and scoping, and are
//! covered by the hash too.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    EventId,
    EventMs,
    EventSource,
    EventName,
    EventType,
    ReadOnly,
    ErrorCode,
    UserId,
    TokenId,
    TenantId,
    PayerId,
    Body,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(big_integer(AuditEvents::Seq).primary_key())
                    .col(string_len(AuditEvents::EventId, 36).unique_key())
                    .col(big_integer(AuditEvents::EventMs))
                    .col(string_len(AuditEvents::EventSource, 100))
                    .col(string_len(AuditEvents::EventName, 100))
                    .col(string_len(AuditEvents::EventType, 20))
                    .col(boolean(AuditEvents::ReadOnly))
                    .col(string_len_null(AuditEvents::ErrorCode, 100))
                    .col(uuid_null(AuditEvents::UserId))
                    .col(uuid_null(AuditEvents::TokenId))
                    .col(uuid_null(AuditEvents::TenantId))
                    .col(uuid_null(AuditEvents::PayerId))
                    .col(text(AuditEvents::Body))
                    .col(string_len(AuditEvents::PrevHash, 64))
                    .col(string_len(AuditEvents::Hash, 64))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_audit_events_time", AuditEvents::EventMs),
            ("idx_audit_events_tenant", AuditEvents::TenantId),
            ("idx_audit_events_payer", AuditEvents::PayerId),
            ("idx_audit_events_user", AuditEvents::UserId),
        ] {
            manager.create_index(Index::create().name(name).table(AuditEvents::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditEvents::Table).to_owned()).await
    }
}
