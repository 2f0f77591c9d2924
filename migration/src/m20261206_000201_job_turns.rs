//! Workers take turns between tenants: the claim query prefers the tenant served longest ago, so
//! one tenant's backlog cannot hold another tenant's jobs back. `claimed_at` records when a job
//! was last claimed; the index answers "when was this tenant last served" without a scan.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    TenantId,
    ClaimedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Jobs::Table).add_column(timestamp_with_time_zone_null(Jobs::ClaimedAt)).to_owned()).await?;
        m.create_index(Index::create().name("ix_jobs_tenant_claimed").table(Jobs::Table).col(Jobs::TenantId).col(Jobs::ClaimedAt).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_jobs_tenant_claimed").table(Jobs::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Jobs::Table).drop_column(Jobs::ClaimedAt).to_owned()).await
    }
}
