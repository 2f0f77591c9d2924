//! One-time set-password tokens (invitations): only a digest is stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PasswordTokens::Table)
                .col(pk_uuid(PasswordTokens::Id))
                .col(uuid(PasswordTokens::UserId))
                .col(string_len_uniq(PasswordTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(PasswordTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(PasswordTokens::UsedAt))
                .col(timestamp_with_time_zone(PasswordTokens::CreatedAt))
                .foreign_key(ForeignKey::create().from(PasswordTokens::Table, PasswordTokens::UserId).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_password_tokens_user").table(PasswordTokens::Table).col(PasswordTokens::UserId).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PasswordTokens::Table).to_owned()).await
    }
}
