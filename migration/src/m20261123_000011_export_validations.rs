//! The latest cost export validation per payer, so onboarding and health read it without
//! calling AWS.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ExportValidations {
    Table,
    PayerId,
    CheckedAt,
    Error,
    Exports,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ExportValidations::Table)
                .col(pk_uuid(ExportValidations::PayerId))
                .col(timestamp_with_time_zone(ExportValidations::CheckedAt))
                .col(text_null(ExportValidations::Error))
                .col(text(ExportValidations::Exports))
                .foreign_key(ForeignKey::create().from(ExportValidations::Table, ExportValidations::PayerId).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ExportValidations::Table).to_owned()).await
    }
}
