//! Durable jobs and schedules, the domain-event outbox, and the local copy of each payer's
//! organization (accounts, OUs, SCPs, attachments, invitations).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    TenantId,
    PayerId,
    State,
    Payload,
    Result,
    Progress,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedBy,
    LockedUntil,
    LastError,
    IdempotencyKey,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum JobSchedules {
    Table,
    Name,
    Cron,
    Kind,
    Payload,
    NextRunAt,
    LastRunAt,
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    EventType,
    TenantId,
    PayerId,
    Subject,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LinkedAccounts {
    Table,
    PayerId,
    AccountId,
    Name,
    Email,
    Status,
    JoinedMethod,
    JoinedAt,
    ParentId,
    SyncedAt,
}

#[derive(DeriveIden)]
enum OrganizationalUnits {
    Table,
    PayerId,
    OuId,
    ParentId,
    Name,
    SyncedAt,
}

#[derive(DeriveIden)]
enum Policies {
    Table,
    PayerId,
    PolicyId,
    Name,
    Description,
    AwsManaged,
    TemplateId,
    SyncedAt,
}

#[derive(DeriveIden)]
enum PolicyAttachments {
    Table,
    PayerId,
    PolicyId,
    TargetId,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    PayerId,
    HandshakeId,
    Target,
    State,
    Notes,
    RequestedAt,
    ExpiresAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

fn payer_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, col).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(pk_uuid(Jobs::Id))
                .col(string_len(Jobs::Kind, 64))
                .col(uuid_null(Jobs::TenantId))
                .col(uuid_null(Jobs::PayerId))
                .col(string_len(Jobs::State, 16))
                .col(text(Jobs::Payload))
                .col(text_null(Jobs::Result))
                .col(text_null(Jobs::Progress))
                .col(integer(Jobs::Attempts))
                .col(integer(Jobs::MaxAttempts))
                .col(timestamp_with_time_zone(Jobs::RunAt))
                .col(string_len_null(Jobs::LockedBy, 64))
                .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                .col(text_null(Jobs::LastError))
                .col(string_len_null(Jobs::IdempotencyKey, 200).unique_key())
                .col(uuid_null(Jobs::CreatedBy))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                .col(timestamp_with_time_zone_null(Jobs::FinishedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_jobs_claim").table(Jobs::Table).col(Jobs::State).col(Jobs::RunAt).to_owned()).await?;
        m.create_index(Index::create().name("ix_jobs_payer").table(Jobs::Table).col(Jobs::PayerId).to_owned()).await?;

        m.create_table(
            Table::create()
                .table(JobSchedules::Table)
                .col(string_len(JobSchedules::Name, 100).primary_key())
                .col(string_len(JobSchedules::Cron, 100))
                .col(string_len(JobSchedules::Kind, 64))
                .col(text(JobSchedules::Payload))
                .col(timestamp_with_time_zone(JobSchedules::NextRunAt))
                .col(timestamp_with_time_zone_null(JobSchedules::LastRunAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OutboxEvents::Table)
                .col(pk_uuid(OutboxEvents::Id))
                .col(string_len(OutboxEvents::EventType, 64))
                .col(uuid_null(OutboxEvents::TenantId))
                .col(uuid_null(OutboxEvents::PayerId))
                .col(string_len_null(OutboxEvents::Subject, 200))
                .col(text(OutboxEvents::Payload))
                .col(timestamp_with_time_zone(OutboxEvents::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LinkedAccounts::Table)
                .col(uuid(LinkedAccounts::PayerId))
                .col(char_len(LinkedAccounts::AccountId, 12))
                .col(string_len(LinkedAccounts::Name, 200))
                .col(string_len(LinkedAccounts::Email, 320))
                .col(string_len(LinkedAccounts::Status, 32))
                .col(string_len_null(LinkedAccounts::JoinedMethod, 16))
                .col(timestamp_with_time_zone_null(LinkedAccounts::JoinedAt))
                .col(string_len_null(LinkedAccounts::ParentId, 100))
                .col(timestamp_with_time_zone(LinkedAccounts::SyncedAt))
                .primary_key(Index::create().col(LinkedAccounts::PayerId).col(LinkedAccounts::AccountId))
                .foreign_key(&mut payer_fk(LinkedAccounts::Table, LinkedAccounts::PayerId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrganizationalUnits::Table)
                .col(uuid(OrganizationalUnits::PayerId))
                .col(string_len(OrganizationalUnits::OuId, 100))
                .col(string_len(OrganizationalUnits::ParentId, 100))
                .col(string_len(OrganizationalUnits::Name, 200))
                .col(timestamp_with_time_zone(OrganizationalUnits::SyncedAt))
                .primary_key(Index::create().col(OrganizationalUnits::PayerId).col(OrganizationalUnits::OuId))
                .foreign_key(&mut payer_fk(OrganizationalUnits::Table, OrganizationalUnits::PayerId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Policies::Table)
                .col(uuid(Policies::PayerId))
                .col(string_len(Policies::PolicyId, 100))
                .col(string_len(Policies::Name, 128))
                .col(string_len(Policies::Description, 512))
                .col(boolean(Policies::AwsManaged))
                .col(string_len_null(Policies::TemplateId, 64))
                .col(timestamp_with_time_zone(Policies::SyncedAt))
                .primary_key(Index::create().col(Policies::PayerId).col(Policies::PolicyId))
                .foreign_key(&mut payer_fk(Policies::Table, Policies::PayerId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PolicyAttachments::Table)
                .col(uuid(PolicyAttachments::PayerId))
                .col(string_len(PolicyAttachments::PolicyId, 100))
                .col(string_len(PolicyAttachments::TargetId, 100))
                .primary_key(
                    Index::create().col(PolicyAttachments::PayerId).col(PolicyAttachments::PolicyId).col(PolicyAttachments::TargetId),
                )
                .foreign_key(&mut payer_fk(PolicyAttachments::Table, PolicyAttachments::PayerId))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(uuid(Invitations::PayerId))
                .col(string_len(Invitations::HandshakeId, 100))
                .col(string_len(Invitations::Target, 320))
                .col(string_len(Invitations::State, 32))
                .col(text_null(Invitations::Notes))
                .col(timestamp_with_time_zone_null(Invitations::RequestedAt))
                .col(timestamp_with_time_zone_null(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone(Invitations::UpdatedAt))
                .primary_key(Index::create().col(Invitations::PayerId).col(Invitations::HandshakeId))
                .foreign_key(&mut payer_fk(Invitations::Table, Invitations::PayerId))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Invitations::Table.into_iden(),
            PolicyAttachments::Table.into_iden(),
            Policies::Table.into_iden(),
            OrganizationalUnits::Table.into_iden(),
            LinkedAccounts::Table.into_iden(),
            OutboxEvents::Table.into_iden(),
            JobSchedules::Table.into_iden(),
            Jobs::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
