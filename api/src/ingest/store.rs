//! Writing the day grain: each billing period of each source is replaced in one transaction
//! (delete the period, insert in batches, mark the ingestion SUCCEEDED), so readers see the old
//! month or the new one, never half of either, and a crash leaves the old month as it was.

use crate::db::Db;

use chrono::{DateTime, Utc};
use entity::{cost_daily, ingestions};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Statement, Value};
use uuid::Uuid;

use super::aggregate::{Aggregator, GrainKey, Sums, Sym, Total};
use crate::db::BeginWrite;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money;

/// How a run went; `Abandoned` when its process stopped or its lease ran out (see `heartbeat`).
pub use entity::ingestions::IngestionStatus;

/// What one period's replacement wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodWritten {
    pub ingestion_id: Uuid,
    pub source: String,
    pub billing_period: String,
    pub rows_written: u64,
    pub lines: u64,
    pub unblended: Decimal,
    pub amortized: Decimal,
}

/// The common fields of an ingestion record.
pub struct Record<'a> {
    pub payer: PayerId,
    pub source: Option<&'a str>,
    pub files_json: &'a str,
    pub fingerprint: &'a str,
    pub rows_read: u64,
    pub started_at: DateTime<Utc>,
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn duration_ms(started: DateTime<Utc>) -> i64 {
    (Utc::now() - started).num_milliseconds().max(0)
}

fn record(r: &Record<'_>, id: Uuid, period: Option<String>, rows_written: u64, status: IngestionStatus, error: Option<String>) -> ingestions::ActiveModel {
    let finished = (status != IngestionStatus::Running).then(Utc::now);
    ingestions::ActiveModel {
        id: Set(id),
        payer_id: Set(r.payer.0),
        source: Set(r.source.map(str::to_owned)),
        billing_period: Set(period),
        files: Set(r.files_json.to_owned()),
        fingerprint: Set(r.fingerprint.to_owned()),
        rows_read: Set(as_i64(r.rows_read)),
        rows_written: Set(as_i64(rows_written)),
        duration_ms: Set(if finished.is_some() { duration_ms(r.started_at) } else { 0 }),
        status: Set(status),
        error: Set(error),
        started_at: Set(r.started_at),
        finished_at: Set(finished),
        heartbeat_at: NotSet,
        lease_until: NotSet,
        holder: NotSet,
        holder_ns: NotSet,
    }
}

/// Only the run's own record, while it is still RUNNING under this process: once a reader has
/// marked it ABANDONED, the run records nothing more (see `heartbeat`).
fn held(run: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(ingestions::Column::Id.eq(run))
        .add(ingestions::Column::Status.eq(IngestionStatus::Running))
        .add(ingestions::Column::Holder.eq(super::heartbeat::holder()))
}

/// The error of a run whose record was marked ABANDONED while it ran.
pub(super) fn abandoned_meanwhile() -> AppError {
    AppError::Conflict(
        "this ingestion was marked abandoned while it ran (no heartbeat reached the database within its lease); nothing was written, run it again".to_owned(),
    )
}

/// Records a run as started by this process, with its first heartbeat and a lease of
/// [`super::heartbeat::LEASE_PERIODS`] heartbeat periods.
pub async fn start(db: &Db, id: Uuid, r: &Record<'_>, heartbeat: std::time::Duration) -> AppResult<()> {
    let now = Utc::now();
    let mut m = record(r, id, None, 0, IngestionStatus::Running, None);
    m.heartbeat_at = Set(Some(now));
    m.lease_until = Set(Some(super::heartbeat::lease_from(now, heartbeat)));
    m.holder = Set(Some(super::heartbeat::holder().to_owned()));
    m.holder_ns = Set(super::heartbeat::holder_ns().map(str::to_owned));
    ingestions::Entity::insert(m).exec_without_returning(db).await?;
    Ok(())
}

/// Records a run that failed (inserted if it was never started). A started run whose record was
/// meanwhile marked ABANDONED keeps that verdict.
pub async fn fail(db: &Db, id: Option<Uuid>, r: &Record<'_>, error: &str) -> AppResult<Uuid> {
    match id {
        Some(id) => {
            let mut m = record(r, id, None, 0, IngestionStatus::Failed, Some(error.to_owned()));
            m.billing_period = NotSet;
            m.id = NotSet;
            let done = ingestions::Entity::update_many().set(m).filter(held(id)).exec(db).await?;
            if done.rows_affected == 0 {
                tracing::warn!(ingestion = %id, %error, "a failed ingestion's record was already marked abandoned; left as it is");
            }
            Ok(id)
        }
        None => {
            let id = Uuid::now_v7();
            ingestions::Entity::insert(record(r, id, None, 0, IngestionStatus::Failed, Some(error.to_owned()))).exec_without_returning(db).await?;
            Ok(id)
        }
    }
}

/// Records a failed run that never started (a pull whose AWS call failed), as the payer's.
pub async fn fail_unstarted(payer: &impl crate::tenancy::PayerAccess, r: &Record<'_>, error: &str) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    payer.insert(record(r, id, None, 0, IngestionStatus::Failed, Some(error.to_owned()))).await?;
    Ok(id)
}

/// The (source, period) pairs whose current data came from exactly these files, when every
/// period these files produced before is still current; `None` when something must be read.
pub async fn current_from(db: &Db, payer: PayerId, fingerprint: &str) -> AppResult<Option<Vec<(String, String)>>> {
    let previous = ingestions::Entity::find()
        .filter(ingestions::Column::PayerId.eq(payer.0))
        .filter(ingestions::Column::Fingerprint.eq(fingerprint))
        .filter(ingestions::Column::Status.eq(IngestionStatus::Succeeded))
        .all(db)
        .await?;
    let mut pairs: Vec<(String, String)> =
        previous.into_iter().filter_map(|m| Some((m.source?, m.billing_period?))).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    if pairs.is_empty() {
        return Ok(None);
    }
    for (source, period) in &pairs {
        let latest = ingestions::Entity::find()
            .filter(ingestions::Column::PayerId.eq(payer.0))
            .filter(ingestions::Column::Source.eq(source.as_str()))
            .filter(ingestions::Column::BillingPeriod.eq(period.as_str()))
            .filter(ingestions::Column::Status.eq(IngestionStatus::Succeeded))
            .order_by_desc(ingestions::Column::FinishedAt)
            .one(db)
            .await?;
        if latest.is_none_or(|l| l.fingerprint != fingerprint) {
            return Ok(None);
        }
    }
    pairs.sort();
    Ok(Some(pairs))
}

/// Records a no-op run: one SKIPPED row per period the files already produced.
pub async fn skipped(db: &Db, r: &Record<'_>, pairs: &[(String, String)]) -> AppResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for (source, period) in pairs {
        let id = Uuid::now_v7();
        let mut m = record(r, id, Some(period.clone()), 0, IngestionStatus::Skipped, None);
        m.source = Set(Some(source.clone()));
        ingestions::Entity::insert(m).exec_without_returning(db).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Keys in a stable order (period, day, then text), which also keeps index inserts sequential.
fn sorted(agg: Aggregator) -> (Aggregator, Vec<(GrainKey, Sums)>) {
    let mut agg = agg;
    let mut rows: Vec<(GrainKey, Sums)> = std::mem::take(&mut agg.map).into_iter().collect();
    // Each symbol's rank in text order, so the sort compares integers, not strings.
    let s = &agg.strings;
    let mut by_text: Vec<Sym> = (0..Sym::try_from(s.count()).unwrap_or(Sym::MAX)).collect();
    by_text.sort_unstable_by(|x, y| s.get(*x).cmp(s.get(*y)));
    let mut rank = vec![0u32; by_text.len()];
    for (r, sym) in by_text.iter().enumerate() {
        rank[*sym as usize] = u32::try_from(r).unwrap_or(u32::MAX);
    }
    rows.sort_unstable_by_key(|(k, _)| (k.kind, k.period, k.day, k.text.map(|t| rank.get(t as usize).copied().unwrap_or(0))));
    (agg, rows)
}

/// The `cost_daily` columns an ingestion writes (all but the generated id), in insert order.
const COLUMNS: [&str; 22] = [
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
    "unblended_cost",
    "net_unblended_cost",
    "amortized_cost",
    "list_cost",
    "usage_quantity",
    "line_item_description",
    "line_count",
    "ingestion_id",
];

/// A day-grain total too large to store. One line that makes it so is refused while the file is
/// read (naming the file and row); this catches a total that only grows too large when the
/// parts read in parallel are added, so it names the day, account and service instead.
fn too_large(what: &str, amount: Option<Decimal>, key: &dyn Fn() -> String) -> AppError {
    let amount = amount.map(|a| format!(" of {a}")).unwrap_or_default();
    AppError::invalid("files", format!("the daily {what} total{amount} for {} is too large to store (at most {})", key(), super::aggregate::max_storable()))
}

pub(super) fn units(amount: Decimal, what: &str, key: &dyn Fn() -> String) -> AppResult<i64> {
    money::to_units(amount).map_err(|_| too_large(what, Some(amount), key))
}

pub(super) fn exact(total: &Total, what: &str, key: &dyn Fn() -> String) -> AppResult<Decimal> {
    total.value().map_err(|_| too_large(what, None, key))
}

/// The PostgreSQL advisory lock key of one (payer, source, billing period): the first 8 bytes of
/// a SHA-256 of them, so the key is stable across processes and versions.
pub fn period_lock_key(payer: PayerId, source: &str, period: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("partner-billing:cost_daily:{}:{source}:{period}", payer.0).as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Serializes the replacement of one (payer, source, period) across processes: two ingestions
/// of the same month must not both delete the old rows and then both insert (each would see
/// only the old rows, none of the other's, and the month would hold both files). On PostgreSQL
/// a transaction-scoped advisory lock makes the second wait until the first commits, then
/// replace the month whole; periods are locked in sorted order, so two runs cannot deadlock.
/// SQLite needs nothing: the transaction began `IMMEDIATE`, and it has one writer at a time.
async fn lock_period(txn: &impl ConnectionTrait, payer: PayerId, source: &str, period: &str) -> AppResult<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        let key = period_lock_key(payer, source, period);
        txn.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, "SELECT pg_advisory_xact_lock($1)", [Value::from(key)])).await?;
    }
    Ok(())
}

/// Replaces every (source, period) in `agg` in one transaction and marks the run SUCCEEDED
/// (its first period on the run's own row, further periods on sibling rows).
pub async fn replace(db: &Db, run: Uuid, r: &Record<'_>, agg: Aggregator) -> AppResult<Vec<PeriodWritten>> {
    let mut agg = agg;
    let mut tag_rows = super::store_tags::by_period(&mut agg);
    let (agg, rows) = sorted(agg);
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    let batch = migration::bulk::rows_per_statement(backend, COLUMNS.len());
    let mut written: Vec<PeriodWritten> = Vec::new();
    let mut own_record = None;
    let mut start = 0;
    while start < rows.len() {
        let first = rows[start].0;
        let end = start + rows[start..].iter().take_while(|(k, _)| k.kind == first.kind && k.period == first.period).count();
        let source = first.kind().source();
        let period = first.period_string();
        let id = if written.is_empty() { run } else { Uuid::now_v7() };
        lock_period(&txn, r.payer, source, &period).await?;
        cost_daily::Entity::delete_many()
            .filter(cost_daily::Column::PayerId.eq(r.payer.0))
            .filter(cost_daily::Column::Source.eq(source))
            .filter(cost_daily::Column::BillingPeriod.eq(period.as_str()))
            .exec(&txn)
            .await?;
        let mut out = PeriodWritten {
            ingestion_id: id,
            source: source.to_owned(),
            billing_period: period.clone(),
            rows_written: 0,
            lines: 0,
            unblended: Decimal::ZERO,
            amortized: Decimal::ZERO,
        };
        let clock = std::time::Instant::now();
        // The month rollups, summed from the rows as they are written (in write order).
        let mut month_sums = super::rollup::MonthRollups::new();
        for chunk in rows[start..end].chunks(batch) {
            let mut values = Vec::with_capacity(chunk.len() * COLUMNS.len());
            for (k, s) in chunk {
                let text = |i: usize| agg.strings.get(k.text[i]);
                let date = k.date().ok_or_else(|| AppError::invalid("files", "a usage date is out of range"))?;
                // Named only in an error: formatting it for each of a month's rows cost time.
                let key = || format!("account {}, service {}, {} on {date}", text(0), text(1), text(9));
                let unblended = exact(&s.unblended, "unblended cost", &key)?;
                let amortized = exact(&s.amortized, "amortized cost", &key)?;
                let amounts = [
                    units(unblended, "unblended cost", &key)?,
                    units(exact(&s.net_unblended, "net unblended cost", &key)?, "net unblended cost", &key)?,
                    units(amortized, "amortized cost", &key)?,
                    units(exact(&s.list, "list cost", &key)?, "list cost", &key)?,
                ];
                let usage = exact(&s.usage, "usage quantity", &key)?.normalize();
                let description = agg.strings.get(s.description);
                let lines = as_i64(s.lines);
                // In the order of COLUMNS.
                values.extend([Value::from(r.payer.0), Value::from(source), Value::from(period.as_str()), Value::from(date)]);
                values.extend((0..10).map(|i| Value::from(text(i))));
                values.extend(amounts.map(Value::from));
                values.extend([Value::from(usage.to_string()), Value::from(description), Value::from(lines), Value::from(id)]);
                month_sums
                    .add(&super::rollup::DayRow {
                        usage_date: date,
                        usage_account_id: text(0),
                        service_code: text(1),
                        service_name: text(2),
                        usage_type: text(3),
                        operation: text(4),
                        charge_type: text(6),
                        billing_entity: text(7),
                        pricing_unit: text(8),
                        currency: text(9),
                        amounts,
                        usage_quantity: usage,
                        line_item_description: description,
                        line_count: lines,
                    })
                    .map_err(|_| AppError::invalid("files", format!("the month's usage quantity for {} is too large to store", key())))?;
                out.lines += s.lines;
                out.unblended += unblended;
                out.amortized += amortized;
            }
            out.rows_written += chunk.len() as u64;
            migration::bulk::insert(&txn, "cost_daily", &COLUMNS, values).await?;
        }
        let inserted = clock.elapsed();
        let tagged = tag_rows.remove(&(first.kind, first.period)).unwrap_or_default();
        super::store_tags::replace_period(&txn, r.payer, (source, &period), id, &agg, &tagged).await?;
        let tags = clock.elapsed();
        super::rollup::write(&txn, r.payer, source, &period, month_sums).await?;
        // Where a period's write goes, for the ingestion benchmark.
        tracing::debug!(
            period,
            rows = out.rows_written,
            day_grain_ms = inserted.as_millis(),
            tags_ms = (tags - inserted).as_millis(),
            rollups_ms = (clock.elapsed() - tags).as_millis(),
            "ingest: period written"
        );
        let mut m = record(r, id, Some(period), out.rows_written, IngestionStatus::Succeeded, None);
        m.source = Set(Some(source.to_owned()));
        if id == run {
            own_record = Some(m);
        } else {
            ingestions::Entity::insert(m).exec_without_returning(&txn).await?;
        }
        written.push(out);
        start = end;
    }
    // The run's own record is updated last, just before the commit: on PostgreSQL the update
    // locks its row until then, and the heartbeat must keep renewing that row while the periods
    // are written (or a long write would let the lease run out). Fenced: a run whose record was
    // marked ABANDONED meanwhile writes nothing.
    let mut own = own_record.unwrap_or_else(|| record(r, run, None, 0, IngestionStatus::Succeeded, None));
    own.id = NotSet;
    if ingestions::Entity::update_many().set(own).filter(held(run)).exec(&txn).await?.rows_affected != 1 {
        return Err(abandoned_meanwhile());
    }
    let committing = std::time::Instant::now();
    txn.commit().await?;
    tracing::debug!(commit_ms = committing.elapsed().as_millis(), "ingest: committed");
    if !written.is_empty() {
        super::rollup::refresh_statistics(db).await;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_period_has_its_own_stable_lock_key() {
        let payer = PayerId(Uuid::from_u128(7));
        let key = period_lock_key(payer, "cur", "2024-09");
        assert_eq!(key, period_lock_key(payer, "cur", "2024-09"), "the same in every process");
        assert_ne!(key, period_lock_key(payer, "cur", "2024-10"));
        assert_ne!(key, period_lock_key(payer, "focus", "2024-09"));
        assert_ne!(key, period_lock_key(PayerId(Uuid::from_u128(8)), "cur", "2024-09"));
    }
}
