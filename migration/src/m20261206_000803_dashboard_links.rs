//! A Cloud Intelligence Dashboards / QuickSight link per payer and per tenant (#22 item 6),
//! shown beside the native charts (never embedded).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    DashboardUrl,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    DashboardUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Payers::Table).add_column(text_null(Payers::DashboardUrl)).to_owned()).await?;
        m.alter_table(Table::alter().table(Tenants::Table).add_column(text_null(Tenants::DashboardUrl)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Payers::Table).drop_column(Payers::DashboardUrl).to_owned()).await?;
        m.alter_table(Table::alter().table(Tenants::Table).drop_column(Tenants::DashboardUrl).to_owned()).await
    }
}
