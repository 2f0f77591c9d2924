//! Customer onboarding (issue 9): per-tenant settings inherited down the tree, contracts on
//! customer tenants, and the stored onboarding steps with their timestamps.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantSettings {
    Table,
    TenantId,
    DefaultLocale,
    SenderName,
    BrandingName,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    CustomerTenantId,
    Name,
    StartDate,
    EndDate,
    Renewal,
    PayerIds,
    BillingEmail,
    ContractChangeEmail,
    InvoicePrefix,
    Currency,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OnboardingSteps {
    Table,
    CustomerTenantId,
    Step,
    Status,
    BlockingReason,
    StartedAt,
    CompletedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TenantSettings::Table)
                .col(pk_uuid(TenantSettings::TenantId))
                .col(string_len_null(TenantSettings::DefaultLocale, 16))
                .col(string_len_null(TenantSettings::SenderName, 100))
                .col(string_len_null(TenantSettings::BrandingName, 100))
                .col(timestamp_with_time_zone(TenantSettings::UpdatedAt))
                .foreign_key(ForeignKey::create().from(TenantSettings::Table, TenantSettings::TenantId).to(Tenants::Table, Tenants::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Contracts::Table)
                .col(pk_uuid(Contracts::Id))
                .col(uuid(Contracts::CustomerTenantId))
                .col(string_len(Contracts::Name, 200))
                .col(date(Contracts::StartDate))
                .col(date_null(Contracts::EndDate))
                .col(string_len(Contracts::Renewal, 16))
                .col(text(Contracts::PayerIds))
                .col(string_len(Contracts::BillingEmail, 254))
                .col(string_len(Contracts::ContractChangeEmail, 254))
                .col(string_len(Contracts::InvoicePrefix, 10))
                .col(string_len(Contracts::Currency, 3))
                .col(uuid_null(Contracts::CreatedBy))
                .col(timestamp_with_time_zone(Contracts::CreatedAt))
                .col(timestamp_with_time_zone(Contracts::UpdatedAt))
                .foreign_key(ForeignKey::create().from(Contracts::Table, Contracts::CustomerTenantId).to(Tenants::Table, Tenants::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_contracts_customer").table(Contracts::Table).col(Contracts::CustomerTenantId).to_owned()).await?;
        m.create_table(
            Table::create()
                .table(OnboardingSteps::Table)
                .col(uuid(OnboardingSteps::CustomerTenantId))
                .col(string_len(OnboardingSteps::Step, 32))
                .col(string_len(OnboardingSteps::Status, 16))
                .col(text_null(OnboardingSteps::BlockingReason))
                .col(timestamp_with_time_zone_null(OnboardingSteps::StartedAt))
                .col(timestamp_with_time_zone_null(OnboardingSteps::CompletedAt))
                .col(timestamp_with_time_zone(OnboardingSteps::UpdatedAt))
                .primary_key(Index::create().col(OnboardingSteps::CustomerTenantId).col(OnboardingSteps::Step))
                .foreign_key(ForeignKey::create().from(OnboardingSteps::Table, OnboardingSteps::CustomerTenantId).to(Tenants::Table, Tenants::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OnboardingSteps::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Contracts::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(TenantSettings::Table).to_owned()).await
    }
}
