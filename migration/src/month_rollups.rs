//! The month rollups of one period of `cost_daily` (#17), summed in Rust from its day rows:
//! - `cost_monthly_usage`, the account bill's: by account, service and its name, usage type,
//!   operation, pricing unit, charge type, billing entity, currency and the zero flags, with the
//!   exact usage quantity and the month's first line item description;
//! - `cost_monthly_pricing`, the pricing engine's: the same without service name and pricing unit;
//! - `cost_monthly`, by account and service; `cost_monthly_service`, by service;
//!   `cost_monthly_account`, by account alone (no charge type: one row per account and month).
//!
//! Each day row updates one entry of the finest rollup, and the coarser ones are summed from it
//! when written, so a 600k-row month costs one map update per row. Writers hand over the rows
//! they have just inserted, in the order they inserted them (ingestion from its memory); others
//! read the period back a day at a time ([`MonthRollups::read_period`]). Either way the rows come
//! in day order and, within a day, in write order, which is what "the first description" means.
//!
//! SQLite cannot add decimal text exactly, and an `INSERT … SELECT` would read the period back,
//! which cost more than half of a 2M-line month's ingestion; hence Rust.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use crate::m20261206_000401_cost_rollups::{ZERO_AMORTIZED, ZERO_LIST, ZERO_NET_UNBLENDED, ZERO_UNBLENDED};

/// One `cost_daily` row, as a writer has it.
pub struct DayRow<'a> {
    pub usage_date: NaiveDate,
    pub usage_account_id: &'a str,
    pub service_code: &'a str,
    pub service_name: &'a str,
    pub usage_type: &'a str,
    pub operation: &'a str,
    pub pricing_unit: &'a str,
    pub charge_type: &'a str,
    pub billing_entity: &'a str,
    pub currency: &'a str,
    /// Unblended, net unblended, amortized and list cost, in stored units.
    pub amounts: [i64; 4],
    pub usage_quantity: Decimal,
    pub line_item_description: &'a str,
    pub line_count: i64,
}

/// The rollup tables, each written by [`MonthRollups::write`] when asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollup {
    Usage,
    Pricing,
    ByAccountAndService,
    ByService,
    ByAccount,
}

impl Rollup {
    pub const ALL: [Rollup; 5] = [Rollup::Usage, Rollup::Pricing, Rollup::ByAccountAndService, Rollup::ByService, Rollup::ByAccount];

    fn table(self) -> &'static str {
        match self {
            Rollup::Usage => "cost_monthly_usage",
            Rollup::Pricing => "cost_monthly_pricing",
            Rollup::ByAccountAndService => "cost_monthly",
            Rollup::ByService => "cost_monthly_service",
            Rollup::ByAccount => "cost_monthly_account",
        }
    }
}

/// Which of a day row's amounts are zero, as the bits of `zero_amounts`.
pub fn zero_bits(amounts: &[i64; 4]) -> i16 {
    let [unblended, net_unblended, amortized, list] = *amounts;
    let bit = |v: i64, b: i16| if v == 0 { b } else { 0 };
    bit(list, ZERO_LIST) + bit(unblended, ZERO_UNBLENDED) + bit(net_unblended, ZERO_NET_UNBLENDED) + bit(amortized, ZERO_AMORTIZED)
}

/// Text interned once, so keys are small integer arrays.
#[derive(Default)]
struct Strings {
    ids: HashMap<Box<str>, u32>,
    text: Vec<Box<str>>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        self.text.get(id as usize).map_or("", |s| s)
    }
}

/// Usage month (year × 12 + month − 1), then account, service code, service name, usage type,
/// operation, pricing unit, charge type, billing entity, currency, as interned ids.
type UsageKey = (i32, [u32; 9], i16);
const ACCOUNT: usize = 0;
const SERVICE_CODE: usize = 1;
const SERVICE_NAME: usize = 2;
const USAGE_TYPE: usize = 3;
const OPERATION: usize = 4;
const CHARGE_TYPE: usize = 6;
const BILLING_ENTITY: usize = 7;
const CURRENCY: usize = 8;

struct UsageSums {
    amounts: [i128; 4],
    lines: i128,
    usage: Decimal,
    /// The first non-empty description, if any yet.
    description: Option<u32>,
    first_day: NaiveDate,
}

/// A coarser rollup's sums: amounts, lines, and the greatest service name (where it has one).
#[derive(Default)]
struct Sums {
    amounts: [i128; 4],
    lines: i128,
    service_name: Option<u32>,
}

/// The month rollups of one (payer, source, billing period), being summed.
#[derive(Default)]
pub struct MonthRollups {
    strings: Strings,
    usage: HashMap<UsageKey, UsageSums>,
}

fn err(what: String) -> DbErr {
    DbErr::Custom(what)
}

fn month_key(day: NaiveDate) -> i32 {
    day.year() * 12 + day.month0() as i32
}

fn month_text(key: i32) -> String {
    format!("{:04}-{:02}", key.div_euclid(12), key.rem_euclid(12) + 1)
}

/// The greater of two optional service names, by their text (byte order on every database).
fn greater_name(strings: &Strings, a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if strings.get(y) > strings.get(x) { y } else { x }),
        (x, None) => x,
        (None, y) => y,
    }
}

impl MonthRollups {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one day row. Rows must come in day order, and within a day in write order.
    pub fn add(&mut self, row: &DayRow<'_>) -> Result<(), DbErr> {
        let s = &mut self.strings;
        let text = [
            s.id(row.usage_account_id),
            s.id(row.service_code),
            s.id(row.service_name),
            s.id(row.usage_type),
            s.id(row.operation),
            s.id(row.pricing_unit),
            s.id(row.charge_type),
            s.id(row.billing_entity),
            s.id(row.currency),
        ];
        let description = (!row.line_item_description.is_empty()).then(|| s.id(row.line_item_description));
        let key = (month_key(row.usage_date), text, zero_bits(&row.amounts));
        let entry = self.usage.entry(key).or_insert_with(|| UsageSums {
            amounts: [0; 4],
            lines: 0,
            usage: Decimal::ZERO,
            description: None,
            first_day: row.usage_date,
        });
        for (sum, a) in entry.amounts.iter_mut().zip(row.amounts) {
            *sum += i128::from(a);
        }
        entry.lines += i128::from(row.line_count);
        entry.usage = entry.usage.checked_add(row.usage_quantity).ok_or_else(|| err(format!("the usage quantity summed up to {} is too large", row.usage_date)))?;
        if entry.description.is_none() {
            entry.description = description;
        }
        Ok(())
    }

    /// Adds every stored day row of one period, read back a day at a time through the day's
    /// index (memory holds one day's rows), in day and write order.
    pub async fn read_period(&mut self, db: &impl ConnectionTrait, payer: uuid::Uuid, source: &str, period: &str) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { "?".to_owned() };
        let filter = format!("payer_id = {} AND source = {} AND billing_period = {}", p(1), p(2), p(3));
        let values = || vec![Value::from(payer), Value::from(source), Value::from(period)];
        let days_sql = format!("SELECT DISTINCT usage_date FROM cost_daily WHERE {filter} ORDER BY usage_date");
        let days: Vec<NaiveDate> =
            db.query_all_raw(Statement::from_sql_and_values(backend, days_sql, values())).await?.iter().map(|r| r.try_get::<NaiveDate>("", "usage_date")).collect::<Result<_, _>>()?;
        let rows_sql = format!(
            "SELECT usage_account_id, service_code, service_name, usage_type, operation, pricing_unit, charge_type, billing_entity, currency, \
             unblended_cost, net_unblended_cost, amortized_cost, list_cost, usage_quantity, line_item_description, line_count \
             FROM cost_daily WHERE {filter} AND usage_date = {} ORDER BY id",
            p(4)
        );
        for day in days {
            let mut v = values();
            v.push(Value::from(day));
            for r in db.query_all_raw(Statement::from_sql_and_values(backend, rows_sql.as_str(), v)).await? {
                let text = |c: &str| r.try_get::<String>("", c);
                let usage_text = text("usage_quantity")?;
                let usage_quantity = if usage_text.is_empty() {
                    Decimal::ZERO
                } else {
                    usage_text.parse().map_err(|e| err(format!("cost_daily usage_quantity {usage_text:?} on {day} is not a decimal: {e}")))?
                };
                let (account, code, name, usage_type, operation) =
                    (text("usage_account_id")?, text("service_code")?, text("service_name")?, text("usage_type")?, text("operation")?);
                let (unit, charge_type, entity, currency, description) =
                    (text("pricing_unit")?, text("charge_type")?, text("billing_entity")?, text("currency")?, text("line_item_description")?);
                self.add(&DayRow {
                    usage_date: day,
                    usage_account_id: &account,
                    service_code: &code,
                    service_name: &name,
                    usage_type: &usage_type,
                    operation: &operation,
                    pricing_unit: &unit,
                    charge_type: &charge_type,
                    billing_entity: &entity,
                    currency: &currency,
                    amounts: [r.try_get("", "unblended_cost")?, r.try_get("", "net_unblended_cost")?, r.try_get("", "amortized_cost")?, r.try_get("", "list_cost")?],
                    usage_quantity,
                    line_item_description: &description,
                    line_count: r.try_get("", "line_count")?,
                })?;
            }
        }
        Ok(())
    }

    /// Replaces the given rollups of one (payer, source, billing period) with these sums. Call
    /// it in the transaction that replaced the period's `cost_daily` rows.
    pub async fn write(self, db: &impl ConnectionTrait, payer: uuid::Uuid, source: &str, period: &str, which: &[Rollup]) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let p = |i: usize| if backend == DbBackend::Postgres { format!("${i}") } else { "?".to_owned() };
        for rollup in which {
            let sql = format!("DELETE FROM {} WHERE payer_id = {} AND source = {} AND billing_period = {}", rollup.table(), p(1), p(2), p(3));
            db.execute_raw(Statement::from_sql_and_values(backend, sql, [Value::from(payer), Value::from(source), Value::from(period)])).await?;
        }
        let head = || [Value::from(payer), Value::from(source), Value::from(period)];
        let s = &self.strings;
        let t = |id: u32| Value::from(s.get(id));
        let name = |id: Option<u32>| Value::from(id.map(|i| s.get(i).to_owned()));
        let units = |a: i128, what: &str| -> Result<Value, DbErr> {
            i64::try_from(a).map(Value::from).map_err(|_| err(format!("a month's {what} of billing period {period} is too large to store")))
        };
        let sums = |amounts: &[i128; 4], lines: i128| -> Result<[Value; 5], DbErr> {
            Ok([units(amounts[0], "cost")?, units(amounts[1], "cost")?, units(amounts[2], "cost")?, units(amounts[3], "cost")?, units(lines, "line count")?])
        };

        // Coarser rollups, each summed from the finest.
        let mut pricing: BTreeMap<(i32, [u32; 7], i16), Sums> = BTreeMap::new();
        for ((month, k, zero), u) in &self.usage {
            let e = pricing.entry((*month, [k[ACCOUNT], k[SERVICE_CODE], k[USAGE_TYPE], k[OPERATION], k[CHARGE_TYPE], k[BILLING_ENTITY], k[CURRENCY]], *zero)).or_default();
            add(e, &u.amounts, u.lines);
            // The pricing rollup names a service only where its name differs from its code.
            let named = (s.get(k[SERVICE_NAME]) != s.get(k[SERVICE_CODE])).then_some(k[SERVICE_NAME]);
            e.service_name = greater_name(s, e.service_name, named);
        }
        // (month, account, service code, charge type, currency)
        let mut by_account_service: BTreeMap<(i32, [u32; 4]), Sums> = BTreeMap::new();
        for ((month, k, _), p) in &pricing {
            let e = by_account_service.entry((*month, [k[0], k[1], k[4], k[6]])).or_default();
            add(e, &p.amounts, p.lines);
            e.service_name = greater_name(s, e.service_name, p.service_name);
        }
        let mut by_service: BTreeMap<(i32, [u32; 3]), Sums> = BTreeMap::new();
        // (month, account, currency): one row per account and month, for the views by account.
        let mut by_account: BTreeMap<(i32, [u32; 2]), Sums> = BTreeMap::new();
        for ((month, k), m) in &by_account_service {
            let e = by_service.entry((*month, [k[1], k[2], k[3]])).or_default();
            add(e, &m.amounts, m.lines);
            e.service_name = greater_name(s, e.service_name, m.service_name);
            add(by_account.entry((*month, [k[0], k[3]])).or_default(), &m.amounts, m.lines);
        }

        let mut batch = Batch::new(backend);
        for rollup in which {
            match rollup {
                Rollup::Usage => {
                    let mut rows: Vec<_> = self.usage.iter().collect();
                    rows.sort_unstable_by_key(|(k, _)| *k);
                    for ((month, k, zero), u) in rows {
                        let mut v: Vec<Value> = head().into();
                        v.push(Value::from(month_text(*month)));
                        v.extend(k.iter().map(|id| t(*id)));
                        v.push(Value::from(*zero));
                        v.extend(sums(&u.amounts, u.lines)?.into_iter().take(4));
                        v.push(Value::from(u.usage.normalize().to_string()));
                        v.push(Value::from(u.description.map_or("", |d| s.get(d))));
                        v.push(Value::from(u.first_day.format("%Y-%m-%d").to_string()));
                        v.push(units(u.lines, "line count")?);
                        batch.push(db, &USAGE_INSERT, v).await?;
                    }
                }
                Rollup::Pricing => {
                    for ((month, k, zero), p) in &pricing {
                        let mut v: Vec<Value> = head().into();
                        v.extend([Value::from(month_text(*month)), t(k[0]), t(k[1]), name(p.service_name), t(k[2]), t(k[3]), t(k[4]), t(k[5]), t(k[6]), Value::from(*zero)]);
                        v.extend(sums(&p.amounts, p.lines)?);
                        batch.push(db, &PRICING_INSERT, v).await?;
                    }
                }
                Rollup::ByAccountAndService => {
                    for ((month, k), m) in &by_account_service {
                        let mut v: Vec<Value> = head().into();
                        v.extend([Value::from(month_text(*month)), t(k[0]), t(k[1]), name(m.service_name), t(k[2]), t(k[3])]);
                        v.extend(sums(&m.amounts, m.lines)?);
                        batch.push(db, &ACCOUNT_SERVICE_INSERT, v).await?;
                    }
                }
                Rollup::ByService => {
                    for ((month, k), m) in &by_service {
                        let mut v: Vec<Value> = head().into();
                        v.extend([Value::from(month_text(*month)), t(k[0]), name(m.service_name), t(k[1]), t(k[2])]);
                        v.extend(sums(&m.amounts, m.lines)?);
                        batch.push(db, &SERVICE_INSERT, v).await?;
                    }
                }
                Rollup::ByAccount => {
                    for ((month, k), m) in &by_account {
                        let mut v: Vec<Value> = head().into();
                        v.extend([Value::from(month_text(*month)), t(k[0]), t(k[1])]);
                        v.extend(sums(&m.amounts, m.lines)?);
                        batch.push(db, &ACCOUNT_INSERT, v).await?;
                    }
                }
            }
            batch.flush(db).await?;
        }
        Ok(())
    }
}

fn add(e: &mut Sums, amounts: &[i128; 4], lines: i128) {
    for (sum, a) in e.amounts.iter_mut().zip(amounts) {
        *sum += a;
    }
    e.lines += lines;
}

/// A rollup table and the columns its rows fill, in value order: the period's head, the
/// table's own keys, then its sums.
struct Insert {
    table: &'static str,
    keys: &'static [&'static str],
    sums: &'static [&'static str],
}

impl Insert {
    fn columns(&self) -> Vec<&'static str> {
        HEAD_COLUMNS.iter().chain(self.keys).chain(self.sums).copied().collect()
    }
}

const HEAD_COLUMNS: [&str; 4] = ["payer_id", "source", "billing_period", "usage_month"];
const SUM_COLUMNS: [&str; 5] = ["unblended_cost", "net_unblended_cost", "amortized_cost", "list_cost", "line_count"];

static USAGE_INSERT: Insert = Insert {
    table: "cost_monthly_usage",
    keys: &["usage_account_id", "service_code", "service_name", "usage_type", "operation", "pricing_unit", "charge_type", "billing_entity", "currency", "zero_amounts"],
    sums: &["unblended_cost", "net_unblended_cost", "amortized_cost", "list_cost", "usage_quantity", "line_item_description", "first_usage_day", "line_count"],
};
static PRICING_INSERT: Insert = Insert {
    table: "cost_monthly_pricing",
    keys: &["usage_account_id", "service_code", "service_name", "usage_type", "operation", "charge_type", "billing_entity", "currency", "zero_amounts"],
    sums: &SUM_COLUMNS,
};
static ACCOUNT_SERVICE_INSERT: Insert =
    Insert { table: "cost_monthly", keys: &["usage_account_id", "service_code", "service_name", "charge_type", "currency"], sums: &SUM_COLUMNS };
static SERVICE_INSERT: Insert = Insert { table: "cost_monthly_service", keys: &["service_code", "service_name", "charge_type", "currency"], sums: &SUM_COLUMNS };
static ACCOUNT_INSERT: Insert = Insert { table: "cost_monthly_account", keys: &["usage_account_id", "currency"], sums: &SUM_COLUMNS };

/// Rows gathered into bulk INSERTs of one table at a time.
struct Batch {
    backend: DbBackend,
    table: Option<&'static Insert>,
    values: Vec<Value>,
}

impl Batch {
    fn new(backend: DbBackend) -> Self {
        Self { backend, table: None, values: Vec::new() }
    }

    async fn push(&mut self, db: &impl ConnectionTrait, insert: &'static Insert, row: Vec<Value>) -> Result<(), DbErr> {
        let width = row.len();
        debug_assert_eq!(width, HEAD_COLUMNS.len() + insert.keys.len() + insert.sums.len());
        let full = self.values.len() / width.max(1) >= crate::bulk::rows_per_statement(self.backend, width);
        if self.table.is_some_and(|t| t.table != insert.table) || full {
            self.flush(db).await?;
        }
        self.table = Some(insert);
        self.values.extend(row);
        Ok(())
    }

    async fn flush(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let Some(insert) = self.table.take() else { return Ok(()) };
        crate::bulk::insert(db, insert.table, &insert.columns(), std::mem::take(&mut self.values)).await
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

    #[test]
    fn months_round_trip_through_their_key() {
        for (y, m) in [(2024, 1), (2024, 12), (1999, 7)] {
            let day = NaiveDate::from_ymd_opt(y, m, 15).unwrap_or_default();
            assert_eq!(month_text(month_key(day)), format!("{y:04}-{m:02}"));
        }
    }

    #[test]
    fn the_greatest_service_name_wins_whatever_the_order() {
        let mut s = Strings::default();
        let (a, b) = (s.id("Amazon EC2"), s.id("Amazon Elastic Compute Cloud"));
        assert_eq!(greater_name(&s, Some(a), Some(b)), Some(b));
        assert_eq!(greater_name(&s, Some(b), Some(a)), Some(b));
        assert_eq!(greater_name(&s, None, Some(a)), Some(a));
        assert_eq!(greater_name(&s, None, None), None);
    }
}
