//! Two more rollups of `cost_daily` (#17), beside the month rollup by account (`cost_monthly`):
//!
//! - `cost_monthly_pricing`: per month, the columns the billing engine prices by (account,
//!   service, usage type, operation, charge type, billing entity) and which amounts are zero, so
//!   pricing a billing group's month reads a few thousand sums instead of every day's rows, and
//!   prices each sum exactly as it would the rows it sums (the engine's rules look at those
//!   columns and at zero amounts only; rows with different zero amounts are kept apart).
//! - `cost_monthly_service`: per month and service for the whole payer, no account: what the
//!   Overview's trend and by-service views of a whole payer read.
//!
//! Each is summed from the finer one (day grain → pricing → `cost_monthly` → service and
//! account), in the transaction that replaces a period; this migration fills the new ones from what
//! is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, small_integer, string_len, text, text_null, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CostMonthlyPricing {
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
    ChargeType,
    BillingEntity,
    Currency,
    ZeroAmounts,
    UnblendedCost,
    NetUnblendedCost,
    AmortizedCost,
    ListCost,
    LineCount,
}

#[derive(DeriveIden)]
enum CostMonthlyService {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageMonth,
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
enum CostMonthlyAccount {
    Table,
    Id,
    PayerId,
    Source,
    BillingPeriod,
    UsageMonth,
    UsageAccountId,
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

const SUMS: &str = "SUM(unblended_cost), SUM(net_unblended_cost), SUM(amortized_cost), SUM(list_cost), SUM(line_count)";

/// Bits of `zero_amounts`: which of a day-grain row's amounts are zero.
pub const ZERO_LIST: i16 = 1;
pub const ZERO_UNBLENDED: i16 = 2;
pub const ZERO_NET_UNBLENDED: i16 = 4;
pub const ZERO_AMORTIZED: i16 = 8;

const PRICING_COLUMNS: &str = "payer_id, source, billing_period, usage_month, usage_account_id, service_code, service_name, usage_type, operation, \
     charge_type, billing_entity, currency, zero_amounts, unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

/// The pricing rollup of some of `cost_daily`'s rows (`filter`: a WHERE clause, or empty).
fn pricing_select(filter: &str) -> String {
    let keys = "payer_id, source, billing_period, usage_month, usage_account_id, service_code, usage_type, operation, charge_type, billing_entity, currency, zero_amounts";
    format!(
        "SELECT payer_id, source, billing_period, usage_month, usage_account_id, service_code, \
         MAX(CASE WHEN service_name <> service_code THEN service_name END), usage_type, operation, charge_type, billing_entity, currency, zero_amounts, {SUMS} \
         FROM (SELECT d.*, SUBSTR(CAST(usage_date AS TEXT), 1, 7) AS usage_month, \
               CAST((CASE WHEN list_cost = 0 THEN {ZERO_LIST} ELSE 0 END) + (CASE WHEN unblended_cost = 0 THEN {ZERO_UNBLENDED} ELSE 0 END) \
               + (CASE WHEN net_unblended_cost = 0 THEN {ZERO_NET_UNBLENDED} ELSE 0 END) + (CASE WHEN amortized_cost = 0 THEN {ZERO_AMORTIZED} ELSE 0 END) AS SMALLINT) AS zero_amounts \
               FROM cost_daily d {filter}) d \
         GROUP BY {keys}"
    )
}

const SERVICE_COLUMNS: &str =
    "payer_id, source, billing_period, usage_month, service_code, service_name, charge_type, currency, unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

const ACCOUNT_ONLY_COLUMNS: &str =
    "payer_id, source, billing_period, usage_month, usage_account_id, charge_type, currency, unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

/// `cost_monthly_account` (by account, no service) summed from `cost_monthly`.
fn account_only_select(filter: &str) -> String {
    format!(
        "SELECT payer_id, source, billing_period, usage_month, usage_account_id, charge_type, currency, {SUMS} \
         FROM cost_monthly {filter} GROUP BY payer_id, source, billing_period, usage_month, usage_account_id, charge_type, currency"
    )
}

/// `cost_monthly_service` summed from `cost_monthly`.
fn service_select(filter: &str) -> String {
    format!(
        "SELECT payer_id, source, billing_period, usage_month, service_code, MAX(service_name), charge_type, currency, {SUMS} \
         FROM cost_monthly {filter} GROUP BY payer_id, source, billing_period, usage_month, service_code, charge_type, currency"
    )
}

fn payer_key(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use CostMonthlyPricing as P;
        m.create_table(
            Table::create()
                .table(P::Table)
                .col(big_pk_auto(P::Id))
                .col(uuid(P::PayerId))
                .col(string_len(P::Source, 8))
                .col(char_len(P::BillingPeriod, 7))
                .col(char_len(P::UsageMonth, 7))
                .col(string_len(P::UsageAccountId, 12))
                .col(text(P::ServiceCode))
                .col(text_null(P::ServiceName))
                .col(text(P::UsageType))
                .col(text(P::Operation))
                .col(text(P::ChargeType))
                .col(text(P::BillingEntity))
                .col(string_len(P::Currency, 3))
                .col(small_integer(P::ZeroAmounts))
                .col(big_integer(P::UnblendedCost))
                .col(big_integer(P::NetUnblendedCost))
                .col(big_integer(P::AmortizedCost))
                .col(big_integer(P::ListCost))
                .col(big_integer(P::LineCount))
                .foreign_key(&mut payer_key(P::Table, P::PayerId))
                .to_owned(),
        )
        .await?;
        // Pricing and replacing read and delete by (payer, period, source).
        m.create_index(Index::create().name("ix_cost_monthly_pricing_period").table(P::Table).col(P::PayerId).col(P::BillingPeriod).col(P::Source).to_owned())
            .await?;

        use CostMonthlyService as S;
        m.create_table(
            Table::create()
                .table(S::Table)
                .col(big_pk_auto(S::Id))
                .col(uuid(S::PayerId))
                .col(string_len(S::Source, 8))
                .col(char_len(S::BillingPeriod, 7))
                .col(char_len(S::UsageMonth, 7))
                .col(text(S::ServiceCode))
                .col(text_null(S::ServiceName))
                .col(text(S::ChargeType))
                .col(string_len(S::Currency, 3))
                .col(big_integer(S::UnblendedCost))
                .col(big_integer(S::NetUnblendedCost))
                .col(big_integer(S::AmortizedCost))
                .col(big_integer(S::ListCost))
                .col(big_integer(S::LineCount))
                .foreign_key(&mut payer_key(S::Table, S::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_cost_monthly_service_period").table(S::Table).col(S::PayerId).col(S::BillingPeriod).col(S::Source).to_owned())
            .await?;
        m.create_index(Index::create().name("ix_cost_monthly_service_month").table(S::Table).col(S::PayerId).col(S::UsageMonth).to_owned()).await?;

        use CostMonthlyAccount as A;
        m.create_table(
            Table::create()
                .table(A::Table)
                .col(big_pk_auto(A::Id))
                .col(uuid(A::PayerId))
                .col(string_len(A::Source, 8))
                .col(char_len(A::BillingPeriod, 7))
                .col(char_len(A::UsageMonth, 7))
                .col(string_len(A::UsageAccountId, 12))
                .col(text(A::ChargeType))
                .col(string_len(A::Currency, 3))
                .col(big_integer(A::UnblendedCost))
                .col(big_integer(A::NetUnblendedCost))
                .col(big_integer(A::AmortizedCost))
                .col(big_integer(A::ListCost))
                .col(big_integer(A::LineCount))
                .foreign_key(&mut payer_key(A::Table, A::PayerId))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_cost_monthly_account_period").table(A::Table).col(A::PayerId).col(A::BillingPeriod).col(A::Source).to_owned())
            .await?;
        m.create_index(Index::create().name("ix_cost_monthly_account_month").table(A::Table).col(A::PayerId).col(A::UsageMonth).to_owned()).await?;

        let db = m.get_connection();
        db.execute_unprepared(&format!("INSERT INTO cost_monthly_pricing ({PRICING_COLUMNS}) {}", pricing_select(""))).await?;
        db.execute_unprepared(&format!("INSERT INTO cost_monthly_service ({SERVICE_COLUMNS}) {}", service_select(""))).await?;
        db.execute_unprepared(&format!("INSERT INTO cost_monthly_account ({ACCOUNT_ONLY_COLUMNS}) {}", account_only_select(""))).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CostMonthlyAccount::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostMonthlyService::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CostMonthlyPricing::Table).to_owned()).await
    }
}
