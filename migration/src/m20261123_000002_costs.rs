//! Cost data: the day-grain store (`cost_daily`) and the record of each ingestion (`ingestions`).
//! Money is fixed-point 10⁻⁸ units in BIGINT columns, exact on SQLite and PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CostDaily {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageDate,
    UsageAccountId,
    ServiceCode,
    ServiceName,
    UsageType,
    Operation,
    Region,
    ChargeType,
    BillingEntity,
    PricingUnit,
    Currency,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    UsageQuantity,
    LineCount,
    IngestionId,
}

#[derive(DeriveIden)]
enum Ingestions {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    Files,
    Fingerprint,
    RowsRead,
    RowsWritten,
    DurationMs,
    Status,
    Error,
    StartedAt,
    FinishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Ingestions::Table)
                .col(pk_uuid(Ingestions::Id))
                .col(uuid(Ingestions::PayerId))
                .col(string_len_null(Ingestions::Source, 8))
                .col(string_len_null(Ingestions::BillingPeriod, 7))
                .col(text(Ingestions::Files))
                .col(char_len(Ingestions::Fingerprint, 64))
                .col(big_integer(Ingestions::RowsRead))
                .col(big_integer(Ingestions::RowsWritten))
                .col(big_integer(Ingestions::DurationMs))
                .col(string_len(Ingestions::Status, 16))
                .col(text_null(Ingestions::Error))
                .col(timestamp_with_time_zone(Ingestions::StartedAt))
                .col(timestamp_with_time_zone_null(Ingestions::FinishedAt))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(Ingestions::Table, Ingestions::PayerId)
                        .to(Payers::Table, Payers::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ingestions_payer_period")
                .table(Ingestions::Table)
                .col(Ingestions::PayerId)
                .col(Ingestions::Source)
                .col(Ingestions::BillingPeriod)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_ingestions_payer_fingerprint").table(Ingestions::Table).col(Ingestions::PayerId).col(Ingestions::Fingerprint).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CostDaily::Table)
                .col(big_pk_auto(CostDaily::Id))
                .col(uuid(CostDaily::PayerId))
                .col(string_len(CostDaily::Source, 8))
                .col(char_len(CostDaily::BillingPeriod, 7))
                .col(date(CostDaily::UsageDate))
                .col(string_len(CostDaily::UsageAccountId, 12))
                .col(text(CostDaily::ServiceCode))
                .col(text(CostDaily::ServiceName))
                .col(text(CostDaily::UsageType))
                .col(text(CostDaily::Operation))
                .col(text(CostDaily::Region))
                .col(text(CostDaily::ChargeType))
                .col(text(CostDaily::BillingEntity))
                .col(text(CostDaily::PricingUnit))
                .col(string_len(CostDaily::Currency, 3))
                .col(big_integer(CostDaily::UnblendedCost))
                .col(big_integer(CostDaily::NetUnblendedCost))
                .col(big_integer(CostDaily::AmortizedCost))
                .col(big_integer(CostDaily::ListCost))
                .col(text(CostDaily::UsageQuantity))
                .col(big_integer(CostDaily::LineCount))
                .col(uuid(CostDaily::IngestionId))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(CostDaily::Table, CostDaily::PayerId)
                        .to(Payers::Table, Payers::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        // The grain is unique: two ingestions racing on one period fail instead of double counting.
        // Its prefix (payer, source, period) serves the delete that replaces a period.
        m.create_index(
            Index::create()
                .name("ux_cost_daily_grain")
                .table(CostDaily::Table)
                .unique()
                .col(CostDaily::PayerId)
                .col(CostDaily::Source)
                .col(CostDaily::BillingPeriod)
                .col(CostDaily::UsageDate)
                .col(CostDaily::UsageAccountId)
                .col(CostDaily::ServiceCode)
                .col(CostDaily::ServiceName)
                .col(CostDaily::UsageType)
                .col(CostDaily::Operation)
                .col(CostDaily::Region)
                .col(CostDaily::ChargeType)
                .col(CostDaily::BillingEntity)
                .col(CostDaily::PricingUnit)
                .col(CostDaily::Currency)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_cost_daily_payer_date").table(CostDaily::Table).col(CostDaily::PayerId).col(CostDaily::UsageDate).to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostDaily::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Ingestions::Table).to_owned()).await?;
        Ok(())
    }
}
