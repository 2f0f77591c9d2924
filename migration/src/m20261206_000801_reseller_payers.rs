//! Price stacking down the tenant tree (#21): a reseller prices its customers on top of what its
//! distributor charges it. `payers.upstream_billing_group_id` marks a reseller's payer: it has no
//! AWS access of its own; its cost data is the upstream billing group's accounts, priced at the
//! upstream group's price (which may itself stack on another).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    UpstreamBillingGroupId,
}

const INDEX: &str = "idx_payers_upstream_billing_group";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Payers::Table).add_column(uuid_null(Payers::UpstreamBillingGroupId)).to_owned()).await?;
        // One reseller payer per upstream group: the reseller's cost has one place.
        m.create_index(Index::create().name(INDEX).table(Payers::Table).col(Payers::UpstreamBillingGroupId).unique().to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX).table(Payers::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Payers::Table).drop_column(Payers::UpstreamBillingGroupId).to_owned()).await
    }
}
