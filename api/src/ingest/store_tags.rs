//! Writing the cost of each selected cost allocation key's values (`cost_daily_tags`, and its
//! month rollup `cost_monthly_tags`) and which keys a period was read with
//! (`cost_tag_coverage`), in the transaction that replaces the period's day grain, so they never
//! disagree.

use std::collections::BTreeMap;

use migration::m20261206_000401_cost_rollups::{ZERO_AMORTIZED, ZERO_LIST, ZERO_NET_UNBLENDED, ZERO_UNBLENDED};
use migration::m20261206_001001_cost_allocation_tags::{MONTHLY_TAG_COLUMNS, monthly_tags_select};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use super::aggregate::{Aggregator, Sums, TagKey, Total};
use super::store::{exact, units};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;

/// One tagged part, with the zero flags of the day-grain row it is part of.
pub(super) struct TagRow {
    key: TagKey,
    sums: Sums,
    zero_amounts: i16,
}

/// Which of a day-grain row's stored amounts are zero, as `cost_monthly_pricing` records them.
fn zero_bits(s: &Sums) -> i16 {
    let zero = |t: &Total| t.value().ok().and_then(|v| crate::money::to_units(v).ok()) == Some(0);
    let mut bits = 0;
    for (total, bit) in [(&s.list, ZERO_LIST), (&s.unblended, ZERO_UNBLENDED), (&s.net_unblended, ZERO_NET_UNBLENDED), (&s.amortized, ZERO_AMORTIZED)] {
        if zero(total) {
            bits |= bit;
        }
    }
    bits
}

/// Takes the tagged parts out of the aggregator, grouped by (export kind, billing period).
pub(super) fn by_period(agg: &mut Aggregator) -> BTreeMap<(u8, u32), Vec<TagRow>> {
    let mut out: BTreeMap<(u8, u32), Vec<TagRow>> = BTreeMap::new();
    for (key, sums) in std::mem::take(&mut agg.tags) {
        let zero_amounts = agg.map.get(&key.grain).map_or(0, zero_bits);
        out.entry((key.grain.kind, key.grain.period)).or_default().push(TagRow { key, sums, zero_amounts });
    }
    out
}

const COLUMNS: [&str; 24] = [
    "payer_id",
    "source",
    "billing_period",
    "usage_date",
    "usage_account_id",
    "service_code",
    "service_name",
    "usage_type",
    "operation",
    "region",
    "charge_type",
    "billing_entity",
    "pricing_unit",
    "currency",
    "zero_amounts",
    "key_kind",
    "key_name",
    "tag_value",
    "unblended_cost",
    "net_unblended_cost",
    "amortized_cost",
    "list_cost",
    "line_count",
    "ingestion_id",
];

fn sql(backend: DbBackend, text: &str) -> String {
    match backend {
        DbBackend::Postgres => text.replace("?1", "$1").replace("?2", "$2").replace("?3", "$3").replace("?4", "$4").replace("?5", "$5"),
        _ => text.to_owned(),
    }
}

/// Replaces one (payer, source, period)'s tagged parts and coverage with this run's.
pub(super) async fn replace_period(
    txn: &impl ConnectionTrait,
    payer: PayerId,
    (source, period): (&str, &str),
    ingestion: Uuid,
    agg: &Aggregator,
    rows: &[TagRow],
) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let scope = [Value::from(payer.0), Value::from(source), Value::from(period)];
    for table in ["cost_monthly_tags", "cost_daily_tags", "cost_tag_coverage"] {
        let delete = sql(backend, &format!("DELETE FROM {table} WHERE payer_id = ?1 AND source = ?2 AND billing_period = ?3"));
        txn.execute_raw(Statement::from_sql_and_values(backend, delete, scope.clone())).await?;
    }
    let coverage = sql(backend, "INSERT INTO cost_tag_coverage (payer_id, source, billing_period, key_kind, key_name) VALUES (?1, ?2, ?3, ?4, ?5)");
    for key in &agg.keys {
        let mut values = scope.to_vec();
        values.extend([Value::from(key.kind), Value::from(key.name.as_str())]);
        txn.execute_raw(Statement::from_sql_and_values(backend, coverage.as_str(), values)).await?;
    }
    let s = &agg.strings;
    for chunk in rows.chunks(migration::bulk::rows_per_statement(backend, COLUMNS.len())) {
        let mut values = Vec::with_capacity(chunk.len() * COLUMNS.len());
        for row in chunk {
            let k = &row.key.grain;
            let t = |i: usize| Value::from(s.get(k.text[i]));
            let date = k.date().ok_or_else(|| AppError::invalid("files", "a usage date is out of range"))?;
            let key = agg.keys.get(usize::from(row.key.slot)).ok_or_else(|| AppError::internal(anyhow::anyhow!("a tagged part of no selected key")))?;
            let what = || format!("{} = {} of account {}, service {} on {date}", key.label(), s.get(row.key.value), s.get(k.text[0]), s.get(k.text[1]));
            let amount = |total: &Total, name: &str| -> AppResult<i64> { units(exact(total, name, &what)?, name, &what) };
            values.extend([
                Value::from(payer.0),
                Value::from(source),
                Value::from(period),
                Value::from(date),
                t(0),
                t(1),
                t(2),
                t(3),
                t(4),
                t(5),
                t(6),
                t(7),
                t(8),
                t(9),
                Value::from(row.zero_amounts),
                Value::from(key.kind),
                Value::from(key.name.as_str()),
                Value::from(s.get(row.key.value)),
                Value::from(amount(&row.sums.unblended, "unblended cost")?),
                Value::from(amount(&row.sums.net_unblended, "net unblended cost")?),
                Value::from(amount(&row.sums.amortized, "amortized cost")?),
                Value::from(amount(&row.sums.list, "list cost")?),
                Value::from(i64::try_from(row.sums.lines).unwrap_or(i64::MAX)),
                Value::from(ingestion),
            ]);
        }
        migration::bulk::insert(txn, "cost_daily_tags", &COLUMNS, values).await?;
    }
    if !rows.is_empty() {
        let filter = "WHERE payer_id = ?1 AND source = ?2 AND billing_period = ?3";
        let rollup = sql(backend, &format!("INSERT INTO cost_monthly_tags ({MONTHLY_TAG_COLUMNS}) {}", monthly_tags_select(filter)));
        txn.execute_raw(Statement::from_sql_and_values(backend, rollup, scope.clone())).await?;
    }
    Ok(())
}
