//! Tenancy and identity: tenants, payers, users, memberships, sessions, tokens, throttles, settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    ParentId,
    Kind,
    Name,
    Path,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
    TenantId,
    AccountId,
    Name,
    RoleArn,
    ExternalId,
    Status,
    StatusReason,
    LastCheckedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Locale,
    DisabledAt,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    TenantId,
    PayerId,
    Role,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    DisplayPrefix,
    TokenHash,
    Role,
    TenantId,
    PayerId,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Key,
    Failures,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    ExpiresAt,
    UpdatedAt,
}

fn fk(from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .col(pk_uuid(Tenants::Id))
                .col(uuid_null(Tenants::ParentId))
                .col(string_len(Tenants::Kind, 16))
                .col(string_len(Tenants::Name, 200))
                .col(string_len_uniq(Tenants::Path, 1024))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                .foreign_key(&mut ForeignKey::create().from(Tenants::Table, Tenants::ParentId).to(Tenants::Table, Tenants::Id).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_tenants_parent").table(Tenants::Table).col(Tenants::ParentId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Payers::Table)
                .col(pk_uuid(Payers::Id))
                .col(uuid(Payers::TenantId))
                .col(char_len_uniq(Payers::AccountId, 12))
                .col(string_len(Payers::Name, 200))
                .col(string_len(Payers::RoleArn, 2048))
                .col(string_len_uniq(Payers::ExternalId, 128))
                .col(string_len(Payers::Status, 16))
                .col(text_null(Payers::StatusReason))
                .col(timestamp_with_time_zone_null(Payers::LastCheckedAt))
                .col(timestamp_with_time_zone(Payers::CreatedAt))
                .col(timestamp_with_time_zone(Payers::UpdatedAt))
                .foreign_key(&mut ForeignKey::create().from(Payers::Table, Payers::TenantId).to(Tenants::Table, Tenants::Id).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_payers_tenant").table(Payers::Table).col(Payers::TenantId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string_len_uniq(Users::Email, 320))
                .col(string_len(Users::DisplayName, 200))
                .col(text(Users::PasswordHash))
                .col(string_len(Users::Locale, 16))
                .col(timestamp_with_time_zone_null(Users::DisabledAt))
                .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(pk_uuid(Memberships::Id))
                .col(uuid(Memberships::UserId))
                .col(uuid_null(Memberships::TenantId))
                .col(uuid_null(Memberships::PayerId))
                .col(string_len(Memberships::Role, 16))
                .col(uuid_null(Memberships::GrantedBy))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(&mut fk((Memberships::Table, Memberships::UserId), (Users::Table, Users::Id)))
                .foreign_key(&mut fk((Memberships::Table, Memberships::TenantId), (Tenants::Table, Tenants::Id)))
                .foreign_key(&mut fk((Memberships::Table, Memberships::PayerId), (Payers::Table, Payers::Id)))
                .check(
                    Expr::col(Memberships::TenantId)
                        .is_null()
                        .ne(Expr::col(Memberships::PayerId).is_null()),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_memberships_user").table(Memberships::Table).col(Memberships::UserId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_uuid(Sessions::Id))
                .col(uuid(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .col(string_len_null(Sessions::RevokedReason, 32))
                .col(string_len_null(Sessions::Ip, 64))
                .col(string_len_null(Sessions::UserAgent, 512))
                .foreign_key(&mut fk((Sessions::Table, Sessions::UserId), (Users::Table, Users::Id)))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_uuid(RefreshTokens::Id))
                .col(uuid(RefreshTokens::SessionId))
                .col(char_len_uniq(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .foreign_key(&mut fk((RefreshTokens::Table, RefreshTokens::SessionId), (Sessions::Table, Sessions::Id)))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_uuid(ApiTokens::Id))
                .col(string_len(ApiTokens::Name, 200))
                .col(string_len(ApiTokens::DisplayPrefix, 16))
                .col(char_len_uniq(ApiTokens::TokenHash, 64))
                .col(string_len(ApiTokens::Role, 16))
                .col(uuid_null(ApiTokens::TenantId))
                .col(uuid_null(ApiTokens::PayerId))
                .col(uuid(ApiTokens::CreatedBy))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .foreign_key(&mut fk((ApiTokens::Table, ApiTokens::CreatedBy), (Users::Table, Users::Id)))
                .foreign_key(&mut fk((ApiTokens::Table, ApiTokens::TenantId), (Tenants::Table, Tenants::Id)))
                .foreign_key(&mut fk((ApiTokens::Table, ApiTokens::PayerId), (Payers::Table, Payers::Id)))
                .check(Expr::col(ApiTokens::TenantId).is_null().ne(Expr::col(ApiTokens::PayerId).is_null()))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottles::Table)
                .col(string_len(LoginThrottles::Key, 400).primary_key())
                .col(integer(LoginThrottles::Failures))
                .col(timestamp_with_time_zone_null(LoginThrottles::LockedUntil))
                .col(timestamp_with_time_zone(LoginThrottles::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string_len(Settings::Key, 100).primary_key())
                .col(text(Settings::Value))
                .col(timestamp_with_time_zone_null(Settings::ExpiresAt))
                .col(timestamp_with_time_zone(Settings::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Settings::Table.into_iden(),
            LoginThrottles::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Payers::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
