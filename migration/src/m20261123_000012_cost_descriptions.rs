//! The line item description of each day-grain row (CUR `line_item_line_item_description`,
//! FOCUS `ChargeDescription`, the prior tool's `line_item_line_item_description`), shown on an
//! account's monthly bill. Not part of the grain: a row keeps the first description seen.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostDaily {
    Table,
    LineItemDescription,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Rows ingested before this migration have no description: empty, not NULL.
        m.alter_table(Table::alter().table(CostDaily::Table).add_column(text(CostDaily::LineItemDescription).default("")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(CostDaily::Table).drop_column(CostDaily::LineItemDescription).to_owned()).await
    }
}
