//! The account bill's month rollup (#17): `cost_monthly_usage` sums `cost_daily` per usage month
//! by every column an account's bill shows or prices by (account, service and its name, usage
//! type, operation, pricing unit, charge type, billing entity, currency, and which amounts are
//! zero), keeping the usage quantity exact and the first line item description of the month.
//! A bill then reads a few hundred sums instead of up to tens of thousands of day rows.
//!
//! Usage quantities are exact decimal text, which SQL cannot sum exactly on SQLite, and the
//! description is the first by day and row, so this rollup is summed here, in Rust, from the day
//! rows read one day at a time (memory stays bounded by a day of one period), rather than by an
//! `INSERT … SELECT` like the others. Writers of `cost_daily` call [`refresh_usage`] in the
//! transaction that replaces a period; this migration fills it from what is stored.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_pk_auto, char_len, small_integer, string_len, text, uuid};

use crate::m20261206_000401_cost_rollups::{ZERO_AMORTIZED, ZERO_LIST, ZERO_NET_UNBLENDED, ZERO_UNBLENDED};

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

/// Usage month, account, service code, service name, usage type, operation, pricing unit, charge
/// type, billing entity, currency.
type UsageKey = ([String; 10], i16);

struct UsageSums {
    amounts: [i128; 4],
    usage: Decimal,
    description: String,
    first_day: String,
    lines: i64,
}

/// The columns of `cost_monthly_usage` the refresh writes, in insert order.
const COLUMNS: [&str; 22] = [
    "payer_id",
    "source",
    "billing_period",
    "usage_month",
    "usage_account_id",
    "service_code",
    "service_name",
    "usage_type",
    "operation",
    "pricing_unit",
    "charge_type",
    "billing_entity",
    "currency",
    "zero_amounts",
    "unblended_cost",
    "net_unblended_cost",
    "amortized_cost",
    "list_cost",
    "usage_quantity",
    "line_item_description",
    "first_usage_day",
    "line_count",
];

/// Rows per INSERT (22 values each stays under SQLite's 32,766 bound parameters).
const BATCH: usize = 500;

fn err(what: String) -> DbErr {
    DbErr::Custom(what)
}

/// Which of a day row's amounts are zero, as the bits of `zero_amounts`.
fn zero_bits(amounts: &[i64; 4]) -> i16 {
    let [unblended, net_unblended, amortized, list] = *amounts;
    let bit = |v: i64, b: i16| if v == 0 { b } else { 0 };
    bit(list, ZERO_LIST) + bit(unblended, ZERO_UNBLENDED) + bit(net_unblended, ZERO_NET_UNBLENDED) + bit(amortized, ZERO_AMORTIZED)
}

fn params(backend: DbBackend, first: usize, n: usize) -> Vec<String> {
    (first..first + n).map(|i| if backend == DbBackend::Postgres { format!("${i}") } else { format!("?{i}") }).collect()
}

/// Rebuilds `cost_monthly_usage` for one payer's source and billing period from its day rows.
/// Call it in the transaction that replaced the period's `cost_daily` rows.
pub async fn refresh_usage(db: &impl ConnectionTrait, payer: uuid::Uuid, source: &str, period: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let key = params(backend, 1, 3);
    let filter = format!("payer_id = {} AND source = {} AND billing_period = {}", key[0], key[1], key[2]);
    let values = || vec![Value::from(payer), Value::from(source), Value::from(period)];
    db.execute_raw(Statement::from_sql_and_values(backend, format!("DELETE FROM cost_monthly_usage WHERE {filter}"), values())).await?;
    let days_sql = format!("SELECT DISTINCT usage_date FROM cost_daily WHERE {filter} ORDER BY usage_date");
    let days: Vec<NaiveDate> =
        db.query_all_raw(Statement::from_sql_and_values(backend, days_sql, values())).await?.iter().map(|r| r.try_get::<NaiveDate>("", "usage_date")).collect::<Result<_, _>>()?;
    let day_param = params(backend, 4, 1).remove(0);
    // One day at a time through an index on the day, so memory holds one day's rows.
    let rows_sql = format!(
        "SELECT usage_account_id, service_code, service_name, usage_type, operation, pricing_unit, charge_type, billing_entity, currency, \
         unblended_cost, net_unblended_cost, amortized_cost, list_cost, usage_quantity, line_item_description, line_count \
         FROM cost_daily WHERE {filter} AND usage_date = {day_param} ORDER BY id"
    );
    let mut sums: BTreeMap<UsageKey, UsageSums> = BTreeMap::new();
    // Days in order, rows in the order they were written: the first description seen is the
    // month's first.
    for day in days {
        let mut v = values();
        v.push(Value::from(day));
        let day = day.format("%Y-%m-%d").to_string();
        let month = day.get(..7).unwrap_or(&day).to_owned();
        for r in db.query_all_raw(Statement::from_sql_and_values(backend, rows_sql.as_str(), v)).await? {
            let text = |c: &str| r.try_get::<String>("", c);
            let amounts = [r.try_get::<i64>("", "unblended_cost")?, r.try_get("", "net_unblended_cost")?, r.try_get("", "amortized_cost")?, r.try_get("", "list_cost")?];
            let usage_text = text("usage_quantity")?;
            let usage: Decimal = if usage_text.is_empty() {
                Decimal::ZERO
            } else {
                usage_text.parse().map_err(|e| err(format!("cost_daily usage_quantity {usage_text:?} on {day} is not a decimal: {e}")))?
            };
            let key = (
                [
                    month.clone(),
                    text("usage_account_id")?,
                    text("service_code")?,
                    text("service_name")?,
                    text("usage_type")?,
                    text("operation")?,
                    text("pricing_unit")?,
                    text("charge_type")?,
                    text("billing_entity")?,
                    text("currency")?,
                ],
                zero_bits(&amounts),
            );
            let lines: i64 = r.try_get("", "line_count")?;
            let entry = sums.entry(key).or_insert_with(|| UsageSums {
                amounts: [0; 4],
                usage: Decimal::ZERO,
                description: String::new(),
                first_day: day.clone(),
                lines: 0,
            });
            for (sum, a) in entry.amounts.iter_mut().zip(amounts) {
                *sum += i128::from(a);
            }
            entry.usage = entry.usage.checked_add(usage).ok_or_else(|| err(format!("the usage quantity summed for {day} is too large")))?;
            if entry.description.is_empty() {
                entry.description = text("line_item_description")?;
            }
            entry.lines += lines;
        }
    }
    let rows: Vec<(UsageKey, UsageSums)> = sums.into_iter().collect();
    let columns = &COLUMNS;
    for chunk in rows.chunks(BATCH) {
        let mut sql = format!("INSERT INTO cost_monthly_usage ({}) VALUES ", columns.join(", "));
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for (i, ((text, zero), s)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            // Anonymous `?` on SQLite: sqlx looks up each numbered parameter's name, a walk of
            // every name before it, which made an 11,000-value INSERT quadratic (half of a
            // 2M-line ingestion's time).
            let placeholders = if backend == DbBackend::Postgres { params(backend, i * columns.len() + 1, columns.len()) } else { vec!["?".to_owned(); columns.len()] };
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
            values.extend([Value::from(payer), Value::from(source), Value::from(period)]);
            values.extend(text.iter().map(|t| Value::from(t.as_str())));
            values.push(Value::from(*zero));
            for a in s.amounts {
                values.push(Value::from(<i64 as TryFrom<i128>>::try_from(a).map_err(|_| err(format!("a month's cost for account {} is too large to store", text[1])))?));
            }
            values.push(Value::from(s.usage.normalize().to_string()));
            values.push(Value::from(s.description.as_str()));
            values.push(Value::from(s.first_day.as_str()));
            values.push(Value::from(s.lines));
        }
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_mark_each_zero_amount() {
        assert_eq!(zero_bits(&[0, 0, 0, 0]), ZERO_LIST + ZERO_UNBLENDED + ZERO_NET_UNBLENDED + ZERO_AMORTIZED);
        assert_eq!(zero_bits(&[5, 5, 5, 0]), ZERO_LIST);
        assert_eq!(zero_bits(&[0, 3, 3, 3]), ZERO_UNBLENDED);
        assert_eq!(zero_bits(&[1, 0, 1, 1]), ZERO_NET_UNBLENDED);
        assert_eq!(zero_bits(&[1, 1, 0, 1]), ZERO_AMORTIZED);
    }
}
