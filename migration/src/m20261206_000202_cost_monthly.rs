//! The month rollup of `cost_daily` (#17): per payer, source, billing period and usage month, by
//! account, service, charge type and currency. Dashboards that ask for whole months by those
//! dimensions read it instead of summing every day. Ingestion keeps it equal to the day grain in
//! the transaction that replaces a period; this migration fills it from what is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, string_len, text, text_null, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostMonthly {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageMonth,
    UsageAccountId,
    ServiceCode,
    ServiceName,
    ChargeType,
    Currency,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    LineCount,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

/// The rollup of some of `cost_daily`'s rows (`filter`: a WHERE clause, or empty for all).
/// `service_name` keeps a name other than the code when any row has one (ingestion stores the
/// code as the name when the source has none).
pub fn rollup_select(filter: &str) -> String {
    format!(
        "SELECT payer_id, source, billing_period, SUBSTR(CAST(usage_date AS TEXT), 1, 7), usage_account_id, service_code, \
         MAX(CASE WHEN service_name <> service_code THEN service_name END), charge_type, currency, \
         SUM(unblended_cost), SUM(net_unblended_cost), SUM(amortized_cost), SUM(list_cost), SUM(line_count) \
         FROM cost_daily {filter} \
         GROUP BY payer_id, source, billing_period, SUBSTR(CAST(usage_date AS TEXT), 1, 7), usage_account_id, service_code, charge_type, currency"
    )
}

pub const ROLLUP_COLUMNS: &str = "payer_id, source, billing_period, usage_month, usage_account_id, service_code, service_name, charge_type, currency, \
     unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CostMonthly::Table)
                .col(big_pk_auto(CostMonthly::Id))
                .col(uuid(CostMonthly::PayerId))
                .col(string_len(CostMonthly::Source, 8))
                .col(char_len(CostMonthly::BillingPeriod, 7))
                .col(char_len(CostMonthly::UsageMonth, 7))
                .col(string_len(CostMonthly::UsageAccountId, 12))
                .col(text(CostMonthly::ServiceCode))
                .col(text_null(CostMonthly::ServiceName))
                .col(text(CostMonthly::ChargeType))
                .col(string_len(CostMonthly::Currency, 3))
                .col(big_integer(CostMonthly::UnblendedCost))
                .col(big_integer(CostMonthly::NetUnblendedCost))
                .col(big_integer(CostMonthly::AmortizedCost))
                .col(big_integer(CostMonthly::ListCost))
                .col(big_integer(CostMonthly::LineCount))
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(CostMonthly::Table, CostMonthly::PayerId)
                        .to(Payers::Table, Payers::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        // Replacing a period deletes by (payer, source, period); dashboards read by (payer, month).
        m.create_index(
            Index::create()
                .name("ix_cost_monthly_period")
                .table(CostMonthly::Table)
                .col(CostMonthly::PayerId)
                .col(CostMonthly::BillingPeriod)
                .col(CostMonthly::Source)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_cost_monthly_month").table(CostMonthly::Table).col(CostMonthly::PayerId).col(CostMonthly::UsageMonth).to_owned(),
        )
        .await?;
        m.get_connection().execute_unprepared(&format!("INSERT INTO cost_monthly ({ROLLUP_COLUMNS}) {}", rollup_select(""))).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostMonthly::Table).to_owned()).await
    }
}
