//! Notifications: recipients (subscriptions), tenant template overrides, webhook endpoints, the
//! delivery log (one row per recipient of an event, email or webhook), and which outbox events
//! have been fanned out.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSubscriptions {
    Table,
    Id,
    TenantId,
    PayerId,
    EventTypes,
    UserId,
    Email,
    AccountOwner,
    Locale,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationTemplates {
    Table,
    Id,
    TenantId,
    EventType,
    Locale,
    Subject,
    Html,
    Text,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    TenantId,
    Url,
    Description,
    EventTypes,
    Secret,
    ConsecutiveFailures,
    DisabledAt,
    DisabledReason,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    EventId,
    EventType,
    TenantId,
    PayerId,
    Channel,
    Recipient,
    EndpointId,
    UserId,
    Locale,
    Subject,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxDispatched {
    Table,
    EventId,
    DispatchedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NotificationSubscriptions::Table)
                .col(pk_uuid(NotificationSubscriptions::Id))
                .col(uuid_null(NotificationSubscriptions::TenantId))
                .col(uuid_null(NotificationSubscriptions::PayerId))
                .col(text(NotificationSubscriptions::EventTypes))
                .col(uuid_null(NotificationSubscriptions::UserId))
                .col(string_len_null(NotificationSubscriptions::Email, 254))
                .col(boolean(NotificationSubscriptions::AccountOwner))
                .col(string_len_null(NotificationSubscriptions::Locale, 16))
                .col(uuid(NotificationSubscriptions::CreatedBy))
                .col(timestamp_with_time_zone(NotificationSubscriptions::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationTemplates::Table)
                .col(pk_uuid(NotificationTemplates::Id))
                .col(uuid(NotificationTemplates::TenantId))
                .col(string_len(NotificationTemplates::EventType, 64))
                .col(string_len(NotificationTemplates::Locale, 16))
                .col(text(NotificationTemplates::Subject))
                .col(text(NotificationTemplates::Html))
                .col(text(NotificationTemplates::Text))
                .col(uuid(NotificationTemplates::UpdatedBy))
                .col(timestamp_with_time_zone(NotificationTemplates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_notification_templates")
                .table(NotificationTemplates::Table)
                .col(NotificationTemplates::TenantId)
                .col(NotificationTemplates::EventType)
                .col(NotificationTemplates::Locale)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(pk_uuid(WebhookEndpoints::Id))
                .col(uuid(WebhookEndpoints::TenantId))
                .col(text(WebhookEndpoints::Url))
                .col(string_len(WebhookEndpoints::Description, 512))
                .col(text(WebhookEndpoints::EventTypes))
                .col(string_len(WebhookEndpoints::Secret, 128))
                .col(integer(WebhookEndpoints::ConsecutiveFailures))
                .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                .col(text_null(WebhookEndpoints::DisabledReason))
                .col(uuid_null(WebhookEndpoints::CreatedBy))
                .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(pk_uuid(Notifications::Id))
                .col(uuid(Notifications::EventId))
                .col(string_len(Notifications::EventType, 64))
                .col(uuid_null(Notifications::TenantId))
                .col(uuid_null(Notifications::PayerId))
                .col(string_len(Notifications::Channel, 16))
                .col(string_len(Notifications::Recipient, 300))
                .col(uuid_null(Notifications::EndpointId))
                .col(uuid_null(Notifications::UserId))
                .col(string_len_null(Notifications::Locale, 16))
                .col(text_null(Notifications::Subject))
                .col(string_len(Notifications::Status, 16))
                .col(integer(Notifications::Attempts))
                .col(timestamp_with_time_zone(Notifications::NextAttemptAt))
                .col(text_null(Notifications::LastError))
                .col(timestamp_with_time_zone_null(Notifications::SentAt))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .to_owned(),
        )
        .await?;
        // Fan-out is idempotent: one row per event, channel and recipient.
        m.create_index(
            Index::create()
                .name("ux_notifications_recipient")
                .table(Notifications::Table)
                .col(Notifications::EventId)
                .col(Notifications::Channel)
                .col(Notifications::Recipient)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_notifications_due").table(Notifications::Table).col(Notifications::Status).col(Notifications::NextAttemptAt).to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutboxDispatched::Table)
                .col(pk_uuid(OutboxDispatched::EventId))
                .col(timestamp_with_time_zone(OutboxDispatched::DispatchedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxDispatched::Table.into_iden(),
            Notifications::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
            NotificationTemplates::Table.into_iden(),
            NotificationSubscriptions::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
