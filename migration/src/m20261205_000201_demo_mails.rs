//! The demo's mail sink (`PB_MAIL_SINK=outbox`): each mail the dispatcher would have sent over
//! SMTP, kept whole (recipient, subject, text and HTML body) so the web app's Demo outbox page can
//! show it. Only ever written in demo mode, which is refused on PostgreSQL and with an SMTP server
//! configured; a production database never holds a row here.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DemoMails {
    Table,
    Id,
    NotificationId,
    EventType,
    Recipient,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DemoMails::Table)
                .if_not_exists()
                .col(pk_uuid(DemoMails::Id))
                .col(uuid(DemoMails::NotificationId))
                .col(string_len(DemoMails::EventType, 64))
                .col(string_len(DemoMails::Recipient, 300))
                .col(text(DemoMails::Subject))
                .col(text(DemoMails::TextBody))
                .col(text(DemoMails::HtmlBody))
                .col(timestamp_with_time_zone(DemoMails::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_demo_mails_created").table(DemoMails::Table).col(DemoMails::CreatedAt).if_not_exists().to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(DemoMails::Table).to_owned()).await
    }
}
