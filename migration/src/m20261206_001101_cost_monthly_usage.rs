//! The account bill's month rollup (#17): `cost_monthly_usage` sums `cost_daily` per usage month
//! by every column an account's bill shows or prices by (account, service and its name, usage
//! type, operation, pricing unit, charge type, billing entity, currency, and which amounts are
//! zero), keeping the usage quantity exact and the first line item description of the month.
//! A bill then reads a few hundred sums instead of up to tens of thousands of day rows.
//!
//! It is summed in Rust ([`crate::month_rollups`]), like the other month rollups since; this
//! migration creates the table and fills it from what is stored.

use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, small_integer, string_len, text, uuid};

use crate::month_rollups::{MonthRollups, Rollup};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostMonthlyUsage {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageMonth,
    UsageAccountId,
    ServiceCode,
    ServiceName,
    UsageType,
    Operation,
    PricingUnit,
    ChargeType,
    BillingEntity,
    Currency,
    ZeroAmounts,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    UsageQuantity,
    LineItemDescription,
    FirstUsageDay,
    LineCount,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

/// Rebuilds `cost_monthly_usage` for one payer's source and billing period from its day rows.
async fn refresh_usage(db: &impl ConnectionTrait, payer: uuid::Uuid, source: &str, period: &str) -> Result<(), DbErr> {
    let mut rollups = MonthRollups::new();
    rollups.read_period(db, payer, source, period).await?;
    rollups.write(db, payer, source, period, &[Rollup::Usage]).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CostMonthlyUsage as U;
        m.create_table(
            Table::create()
                .table(U::Table)
                .col(big_pk_auto(U::Id))
                .col(uuid(U::PayerId))
                .col(string_len(U::Source, 8))
                .col(char_len(U::BillingPeriod, 7))
                .col(char_len(U::UsageMonth, 7))
                .col(string_len(U::UsageAccountId, 12))
                .col(text(U::ServiceCode))
                .col(text(U::ServiceName))
                .col(text(U::UsageType))
                .col(text(U::Operation))
                .col(text(U::PricingUnit))
                .col(text(U::ChargeType))
                .col(text(U::BillingEntity))
                .col(string_len(U::Currency, 3))
                .col(small_integer(U::ZeroAmounts))
                .col(big_integer(U::UnblendedCost))
                .col(big_integer(U::NetUnblendedCost))
                .col(big_integer(U::AmortizedCost))
                .col(big_integer(U::ListCost))
                .col(text(U::UsageQuantity))
                .col(text(U::LineItemDescription))
                .col(char_len(U::FirstUsageDay, 10))
                .col(big_integer(U::LineCount))
                .foreign_key(
                    ForeignKey::create().from(U::Table, U::PayerId).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // Replacing a period deletes by (payer, period, source); a bill reads one account's month.
        m.create_index(Index::create().name("ix_cost_monthly_usage_period").table(U::Table).col(U::PayerId).col(U::BillingPeriod).col(U::Source).to_owned())
            .await?;
        m.create_index(
            Index::create().name("ix_cost_monthly_usage_account").table(U::Table).col(U::PayerId).col(U::UsageAccountId).col(U::UsageMonth).to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let present = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), "SELECT DISTINCT payer_id, source, billing_period FROM cost_daily"))
            .await?;
        for r in present {
            let (payer, source, period): (uuid::Uuid, String, String) = (r.try_get("", "payer_id")?, r.try_get("", "source")?, r.try_get("", "billing_period")?);
            refresh_usage(db, payer, &source, &period).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostMonthlyUsage::Table).to_owned()).await
    }
}

