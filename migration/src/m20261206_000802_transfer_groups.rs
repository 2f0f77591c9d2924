//! A billing transfer priced by our own engine (NATIVE billing mode, #21): the billing group that
//! holds the transferred organization's accounts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BillingTransfers {
    Table,
    BillingGroupId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(BillingTransfers::Table).add_column(uuid_null(BillingTransfers::BillingGroupId)).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(BillingTransfers::Table).drop_column(BillingTransfers::BillingGroupId).to_owned()).await
    }
}
