//! Two changes for the views that read one account, or every account, of a month (#17):
//!
//! - `cost_monthly_account` loses its charge type: one row per account, currency and month
//!   instead of one per charge type as well (about a dozen), so the Overview by account sums a
//!   thousand rows at a thousand accounts, not eleven thousand. Views by or filtered on charge
//!   type read `cost_monthly` instead. The table is rebuilt and refilled from `cost_monthly`.
//! - The account bill's index on `cost_monthly_usage` gains the billing period and source, before
//!   the month: (payer, account, period, source, month). A bill asks for one account's month of
//!   one (period, source), and its PRO_FORMA pricing for one account's (period, source) without a
//!   month; with only (payer, account, month) in the index, SQLite 3.50 preferred the (payer,
//!   period, source) one and read the whole payer's month (12–13 ms against 0.3 ms at 1,000
//!   accounts).

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, string_len, text, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

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
enum CostMonthlyUsage {
    Table,
    PayerId,
    UsageAccountId,
    UsageMonth,
    BillingPeriod,
    Source,
}

#[derive(DeriveIden)]
enum Payers {
    Table,
    Id,
}

const BILL_INDEX: &str = "ix_cost_monthly_usage_account";
const SUMS: &str = "SUM(unblended_cost), SUM(net_unblended_cost), SUM(amortized_cost), SUM(list_cost), SUM(line_count)";
const SUM_COLUMNS: &str = "unblended_cost, net_unblended_cost, amortized_cost, list_cost, line_count";

/// The statements that rebuild `cost_monthly_account` from `cost_monthly`, by charge type too or not.
fn account_rollup(backend: DbBackend, by_charge_type: bool) -> Vec<String> {
    use CostMonthlyAccount as A;
    let mut table = Table::create();
    table
        .table(A::Table)
        .col(big_pk_auto(A::Id))
        .col(uuid(A::PayerId))
        .col(string_len(A::Source, 8))
        .col(char_len(A::BillingPeriod, 7))
        .col(char_len(A::UsageMonth, 7))
        .col(string_len(A::UsageAccountId, 12));
    if by_charge_type {
        table.col(text(A::ChargeType));
    }
    table
        .col(string_len(A::Currency, 3))
        .col(big_integer(A::UnblendedCost))
        .col(big_integer(A::NetUnblendedCost))
        .col(big_integer(A::AmortizedCost))
        .col(big_integer(A::ListCost))
        .col(big_integer(A::LineCount))
        .foreign_key(ForeignKey::create().from(A::Table, A::PayerId).to(Payers::Table, Payers::Id).on_delete(ForeignKeyAction::Cascade));
    let keys = if by_charge_type {
        "payer_id, source, billing_period, usage_month, usage_account_id, charge_type, currency"
    } else {
        "payer_id, source, billing_period, usage_month, usage_account_id, currency"
    };
    vec![
        backend.build(&Table::drop().table(A::Table).to_owned()).to_string(),
        backend.build(&table).to_string(),
        backend.build(&Index::create().name("ix_cost_monthly_account_period").table(A::Table).col(A::PayerId).col(A::BillingPeriod).col(A::Source).to_owned()).to_string(),
        backend.build(&Index::create().name("ix_cost_monthly_account_month").table(A::Table).col(A::PayerId).col(A::UsageMonth).to_owned()).to_string(),
        format!("INSERT INTO cost_monthly_account ({keys}, {SUM_COLUMNS}) SELECT {keys}, {SUMS} FROM cost_monthly GROUP BY {keys}"),
    ]
}

/// The statements that rebuild the account bill's index, with the billing period and source or without.
fn bill_index(backend: DbBackend, with_period_and_source: bool) -> Vec<String> {
    use CostMonthlyUsage as U;
    let mut index = Index::create();
    index.name(BILL_INDEX).table(U::Table).col(U::PayerId).col(U::UsageAccountId);
    if with_period_and_source {
        index.col(U::BillingPeriod).col(U::Source);
    }
    index.col(U::UsageMonth);
    vec![backend.build(&Index::drop().name(BILL_INDEX).table(U::Table).to_owned()).to_string(), backend.build(&index).to_string()]
}

/// Runs the statements as one batch, so on one connection. SQLite checks a new name against the
/// schema its connection last read: an object dropped on one pooled connection and created again
/// on another failed with "already exists".
async fn run(m: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(&statements.join(";\n")).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        run(m, [account_rollup(backend, false), bill_index(backend, true)].concat()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        run(m, [account_rollup(backend, true), bill_index(backend, false)].concat()).await
    }
}
