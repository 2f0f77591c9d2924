//! Where a payer's cost exports (CUR 2.0 / FOCUS / legacy CUR) land in S3.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    CostExportBucket,
    CostExportPrefix,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        m.alter_table(Table::alter().table(Payers::Table).add_column(string_len_null(Payers::CostExportBucket, 63)).to_owned()).await?;
        m.alter_table(Table::alter().table(Payers::Table).add_column(string_len_null(Payers::CostExportPrefix, 1024)).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Payers::Table).drop_column(Payers::CostExportPrefix).to_owned()).await?;
        m.alter_table(Table::alter().table(Payers::Table).drop_column(Payers::CostExportBucket).to_owned()).await?;
        Ok(())
    }
}
