//! Optimization insights (#22): each connected payer's Cost Optimization Hub recommendations as
//! last pulled (`optimization_recommendations`, replaced whole by each daily pull) and where its
//! enrollment stood then (`optimization_hub_states`, one row per payer).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, boolean, pk_uuid, string_len, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OptimizationRecommendations {
    Table,
    Id,
    PayerId,
    RecommendationId,
    AccountId,
    Region,
    ResourceId,
    ResourceType,
    ActionType,
    CurrentSummary,
    RecommendedSummary,
    ImplementationEffort,
    RestartNeeded,
    RollbackPossible,
    EstimatedMonthlySavings,
    EstimatedMonthlyCost,
    Currency,
    LastRefreshedAt,
    PulledAt,
}

#[derive(DeriveIden)]
enum OptimizationHubStates {
    Table,
    PayerId,
    Status,
    MemberAccountsIncluded,
    Recommendations,
    Truncated,
    LastError,
    CheckedAt,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

fn to_payer(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use OptimizationRecommendations as R;
        m.create_table(
            Table::create()
                .table(R::Table)
                .col(pk_uuid(R::Id))
                .col(uuid(R::PayerId))
                .col(string_len(R::RecommendationId, 256))
                .col(string_len(R::AccountId, 12))
                .col(string_len(R::Region, 32))
                .col(string_len(R::ResourceId, 1024))
                .col(string_len(R::ResourceType, 64))
                .col(string_len(R::ActionType, 64))
                .col(string_len(R::CurrentSummary, 512))
                .col(string_len(R::RecommendedSummary, 512))
                .col(string_len(R::ImplementationEffort, 32))
                .col(boolean(R::RestartNeeded))
                .col(boolean(R::RollbackPossible))
                .col(big_integer(R::EstimatedMonthlySavings))
                .col(big_integer(R::EstimatedMonthlyCost))
                .col(string_len(R::Currency, 3))
                .col(timestamp_with_time_zone_null(R::LastRefreshedAt))
                .col(timestamp_with_time_zone(R::PulledAt))
                .foreign_key(&mut to_payer(R::Table, R::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ux_optimization_recommendations_id").table(R::Table).unique().col(R::PayerId).col(R::RecommendationId).to_owned()).await?;
        // Views read one payer's recommendations by account (a customer's accounts).
        m.create_index(Index::create().name("ix_optimization_recommendations_account").table(R::Table).col(R::PayerId).col(R::AccountId).to_owned()).await?;
        use OptimizationHubStates as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(ColumnDef::new(S::PayerId).uuid().not_null().primary_key())
                .col(string_len(S::Status, 16))
                .col(boolean(S::MemberAccountsIncluded))
                .col(big_integer(S::Recommendations))
                .col(boolean(S::Truncated))
                .col(text_null(S::LastError))
                .col(timestamp_with_time_zone(S::CheckedAt))
                .foreign_key(&mut to_payer(S::Table, S::PayerId))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OptimizationHubStates::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(OptimizationRecommendations::Table).to_owned()).await
    }
}
