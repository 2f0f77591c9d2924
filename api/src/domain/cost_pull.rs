//! The Cost Explorer pull: each connected payer's cost of yesterday (or a backfilled range) by
//! day, linked account and service, through the payer's role, stored as source `ce` and sent to
//! subscribed webhooks as one `aws.service.daily` CloudEvent per account, service and day.
//!
//! A range is pulled one calendar month per job step. Each step replaces exactly the days it
//! pulled (of source `ce`), records its ingestion and its events in one transaction: readers see
//! the old days or the new ones, and events exist only for data that was committed.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, Timelike, Utc};
use entity::{cost_daily, ingestions, payers};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::jobs::{JobView, enqueue_requested};
use crate::aws::cost_explorer::ServiceDayCost;
use crate::aws::credentials::session_name;
use crate::domain::payers as payer_domain;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::ingest::store::{self, Record};
use crate::jobs::{JobArgs, NewJob, Step};
use crate::money;
use crate::notify::cloudevents::{Money, ServiceDaily};
use crate::notify::outbox;
use crate::jobs::JobContext;
use crate::tenancy::{PayerAccess, PayerTransactions, PayerTxn, PlatformPayer, Role, Scope};

/// The day-grain source this pull writes.
pub const SOURCE: &str = "ce";
/// Cost Explorer answers for the last 14 months at most (with multi-year data turned on).
pub const MAX_MONTHS: u32 = 14;
/// Rows per INSERT: 22 parameters a row stays under SQLite's bound-variable limit.
const BATCH: usize = 1000;

/// One day-grain row as the Cost Explorer pull and the legacy import write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrainRow {
    pub date: NaiveDate,
    pub account_id: String,
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub pricing_unit: String,
    pub currency: String,
    pub unblended: Decimal,
    pub net_unblended: Decimal,
    pub amortized: Decimal,
    pub list: Decimal,
    pub usage: Decimal,
    pub lines: i64,
    /// The line item description (the prior tool's table has one; Cost Explorer none).
    pub description: String,
}

fn units(amount: Decimal) -> AppResult<i64> {
    money::to_units(amount).map_err(|_| AppError::invalid("amount", format!("a daily total of {amount} is too large to store")))
}

/// Replaces a source's rows of one payer for the days `from..=to` with `rows`, inside the
/// caller's transaction; returns the rows written.
pub(crate) async fn replace_days(
    txn: &PayerTxn,
    source: &str,
    (from, to): (NaiveDate, NaiveDate),
    rows: &[GrainRow],
    ingestion: Uuid,
) -> AppResult<u64> {
    txn.delete::<cost_daily::Entity>()
        .filter(cost_daily::Column::Source.eq(source))
        .filter(cost_daily::Column::UsageDate.gte(from))
        .filter(cost_daily::Column::UsageDate.lte(to))
        .exec()
        .await?;
    for chunk in rows.chunks(BATCH) {
        let mut models = Vec::with_capacity(chunk.len());
        for r in chunk {
            models.push(cost_daily::ActiveModel {
                id: NotSet,
                payer_id: Set(txn.payer_id()),
                source: Set(source.to_owned()),
                billing_period: Set(r.date.format("%Y-%m").to_string()),
                usage_date: Set(r.date),
                usage_account_id: Set(r.account_id.clone()),
                service_code: Set(r.service_code.clone()),
                service_name: Set(r.service_name.clone()),
                usage_type: Set(r.usage_type.clone()),
                operation: Set(String::new()),
                region: Set(String::new()),
                charge_type: Set(String::new()),
                billing_entity: Set(String::new()),
                pricing_unit: Set(r.pricing_unit.clone()),
                currency: Set(r.currency.clone()),
                unblended_cost: Set(units(r.unblended)?),
                net_unblended_cost: Set(units(r.net_unblended)?),
                amortized_cost: Set(units(r.amortized)?),
                list_cost: Set(units(r.list)?),
                usage_quantity: Set(r.usage.normalize().to_string()),
                line_item_description: Set(r.description.clone()),
                line_count: Set(r.lines),
                ingestion_id: Set(ingestion),
            });
        }
        txn.insert_all(models).await?;
    }
    // The days replaced may span billing periods: rebuild the rollup of each.
    let mut periods = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        periods.push(month.format("%Y-%m").to_string());
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(to.succ_opt().unwrap_or(to));
        if periods.len() > 1200 {
            break;
        }
    }
    crate::ingest::rollup::refresh_in(txn, source, &periods).await?;
    Ok(rows.len() as u64)
}

/// A finished ingestion record for one billing period of a source, written in the caller's
/// transaction.
pub(crate) async fn record_succeeded(txn: &PayerTxn, id: Uuid, r: &Record<'_>, period: String, rows_written: u64) -> AppResult<()> {
    let now = Utc::now();
    txn.insert(ingestions::ActiveModel {
        id: Set(id),
        payer_id: Set(r.payer.0),
        source: Set(r.source.map(str::to_owned)),
        billing_period: Set(Some(period)),
        files: Set(r.files_json.to_owned()),
        fingerprint: Set(r.fingerprint.to_owned()),
        rows_read: Set(i64::try_from(r.rows_read).unwrap_or(i64::MAX)),
        rows_written: Set(i64::try_from(rows_written).unwrap_or(i64::MAX)),
        duration_ms: Set((now - r.started_at).num_milliseconds().max(0)),
        status: Set(store::IngestionStatus::Succeeded),
        error: Set(None),
        started_at: Set(r.started_at),
        finished_at: Set(Some(now)),
        heartbeat_at: NotSet,
        lease_until: NotSet,
        holder: NotSet,
        holder_ns: NotSet,
    })
    .await?;
    Ok(())
}

/// A SHA-256 over the rows, so identical data has the same fingerprint.
pub(crate) fn fingerprint(rows: &[GrainRow]) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(format!("{r:?}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

/// The first day of the month `months` before `day`'s month.
fn months_back(day: NaiveDate, months: u32) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first.checked_sub_months(Months::new(months)).unwrap_or(first)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(day)
}

/// Checks a backfill range (inclusive) against today: not reversed, not in the future, and
/// within what Cost Explorer keeps.
pub fn check_range(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if to > today {
        return Err(AppError::invalid("to", "must not be in the future"));
    }
    let earliest = months_back(today, MAX_MONTHS);
    if from < earliest {
        return Err(AppError::invalid("from", format!("Cost Explorer keeps at most {MAX_MONTHS} months; the earliest day is {earliest}")));
    }
    Ok(())
}

/// The pull job's arguments: the days asked for, and how far earlier steps got.
#[derive(Serialize, Deserialize)]
pub struct PullArgs {
    payer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    /// The first day not pulled yet (absent before the first step).
    #[serde(default)]
    next: Option<NaiveDate>,
    #[serde(default)]
    session: Option<String>,
    /// What earlier steps did.
    #[serde(default)]
    done: Totals,
}

impl JobArgs for PullArgs {
    const KIND: &'static str = PULL_COSTS;
}

crate::jobs::no_job_args! {
    /// The hourly check's arguments: none (it enqueues yesterday's pull per payer once a day).
    pub DailyPull, PULL_ALL_COSTS
}

#[derive(Serialize, Deserialize, Default, Clone, Copy)]
struct Totals {
    pages: u64,
    rows: u64,
    events: u64,
}

/// A job about one payer's cost data (three attempts: AWS hiccups pass, bad input does not).
pub(crate) fn payer_job(payer: &payers::Model, args: &impl JobArgs) -> AppResult<NewJob> {
    let mut job = NewJob::of(args)?;
    job.payer = Some(PayerId(payer.id));
    job.tenant = Some(TenantId(payer.tenant_id));
    job.max_attempts = 3;
    Ok(job)
}

fn pull_job(payer: &payers::Model, from: NaiveDate, to: NaiveDate, session: Option<String>) -> AppResult<NewJob> {
    payer_job(payer, &PullArgs { payer_id: payer.id, from, to, next: None, session, done: Totals::default() })
}

/// Enqueues a pull of the days `from..=to` (inclusive) as a job.
pub async fn request_backfill(state: &JobContext, scope: &Scope, payer: PayerId, from: NaiveDate, to: NaiveDate) -> AppResult<JobView> {
    let payer = scope.payer(payer, Role::Operator).await?;
    check_range(from, to, Utc::now().date_naive())?;
    if payer.status != payer_domain::PayerStatus::Connected {
        return Err(AppError::invalid("payerId", "the payer is not connected yet (checkPayerConnection)"));
    }
    enqueue_requested(state, scope, &payer, pull_job(&payer, from, to, Some(session_name(&scope.principal().email)))?).await
}

/// The hourly check behind the daily pull: from `PB_COST_PULL_HOUR` on, one pull of yesterday
/// per connected payer (the idempotency key makes later checks that day no-ops, and a worker
/// that was down at that hour catches up at the next one).
pub async fn enqueue_daily(state: &JobContext) -> AppResult<Step<DailyPull>> {
    let now = Utc::now();
    if now.hour() < state.config.cost_pull_hour {
        return Ok(Step::Done(json!({ "payers": 0, "waitingFor": format!("{:02}:00 UTC", state.config.cost_pull_hour) })));
    }
    let Some(yesterday) = now.date_naive().pred_opt() else { return Ok(Step::Done(json!({ "payers": 0 }))) };
    let payers = state.platform().payers().filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected)).all().await?;
    for payer in &payers {
        let mut job = pull_job(payer, yesterday, yesterday, None)?;
        job.idempotency_key = Some(format!("ce-daily:{}:{yesterday}", payer.id));
        state.enqueue(job).await?;
    }
    Ok(Step::Done(json!({ "payers": payers.len(), "day": yesterday })))
}

/// The pull job's step: one calendar month of the range.
pub async fn run_pull_job(state: &JobContext, mut p: PullArgs) -> AppResult<Step<PullArgs>> {
    let payer = state.platform().payer(PayerId(p.payer_id)).await?;
    let start = p.next.unwrap_or(p.from);
    let end = last_of_month(start).min(p.to);
    let session = p.session.clone().unwrap_or_else(|| "pb-cost-explorer-pull".to_owned());
    let step = pull_days(state, &payer, start, end, &session).await?;
    p.done.pages += u64::from(step.pages);
    p.done.rows += step.rows;
    p.done.events += step.events;
    match end.succ_opt().filter(|next| *next <= p.to) {
        Some(next) => {
            p.next = Some(next);
            let progress = format!("pulled {} to {end}", p.from);
            Ok(Step::Continue { payload: p, progress: Some(progress), after: std::time::Duration::ZERO })
        }
        None => Ok(Step::Done(json!({ "from": p.from, "to": p.to, "pages": p.done.pages, "rowsWritten": p.done.rows, "events": p.done.events }))),
    }
}

/// What one step pulled and wrote.
struct Pulled {
    pages: u32,
    rows: u64,
    events: u64,
}

type DayKey = (NaiveDate, String, String, String);

/// Adds up rows that share a day, account, service and currency (a group can span pages).
fn fold(rows: Vec<ServiceDayCost>, from: NaiveDate, to: NaiveDate) -> BTreeMap<DayKey, [Decimal; 5]> {
    let mut out: BTreeMap<DayKey, [Decimal; 5]> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| (from..=to).contains(&r.date)) {
        let m = &r.metrics;
        let sums = out.entry((r.date, r.account_id, r.service, m.unblended.unit.clone())).or_default();
        for (sum, a) in sums.iter_mut().zip([&m.amortized, &m.blended, &m.net_amortized, &m.net_unblended, &m.unblended]) {
            *sum += a.amount;
        }
    }
    out
}

async fn pull_days(state: &JobContext, payer: &PlatformPayer, from: NaiveDate, to: NaiveDate, session: &str) -> AppResult<Pulled> {
    let files = json!([{ "api": "ce:GetCostAndUsage", "granularity": "DAILY", "groupBy": ["LINKED_ACCOUNT", "SERVICE"], "start": from, "end": to }]).to_string();
    let mut record = Record { payer: PayerId(payer.id), source: Some(SOURCE), files_json: &files, fingerprint: "", rows_read: 0, started_at: Utc::now() };
    let fetched = match payer_domain::credentials(payer, &state.aws, session).await {
        Ok(creds) => state.aws.cost_explorer.daily_by_account_and_service(&creds, from, to.succ_opt().unwrap_or(to)).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    let fetched = match fetched {
        Ok(f) => f,
        Err(e) => {
            store::fail_unstarted(payer, &record, &e.to_string()).await?;
            return Err(e);
        }
    };
    record.rows_read = fetched.rows.len() as u64;
    let now = Utc::now();
    let folded = fold(fetched.rows, from, to);
    let money = |amount: Decimal, unit: &str| Money { amount, unit: unit.to_owned() };
    let mut rows = Vec::with_capacity(folded.len());
    let mut events = Vec::with_capacity(folded.len());
    for ((date, account_id, service, currency), [amortized, blended, net_amortized, net_unblended, unblended]) in folded {
        events.push(ServiceDaily {
            date,
            account_id: account_id.clone(),
            service: service.clone(),
            amortized_cost: money(amortized, &currency),
            blended_cost: money(blended, &currency),
            net_amortized_cost: money(net_amortized, &currency),
            net_unblended_cost: money(net_unblended, &currency),
            unblended_cost: money(unblended, &currency),
        });
        // Cost Explorer has no public on-demand (list) cost and no usage in this grouping.
        rows.push(GrainRow {
            date,
            account_id,
            service_code: service.clone(),
            service_name: service,
            usage_type: String::new(),
            pricing_unit: String::new(),
            currency,
            unblended,
            net_unblended,
            amortized,
            list: Decimal::ZERO,
            usage: Decimal::ZERO,
            lines: 1,
            description: String::new(),
        });
    }
    let print = fingerprint(&rows);
    record.fingerprint = &print;
    let txn = payer.begin_write().await?;
    let id = Uuid::now_v7();
    let written = replace_days(&txn, SOURCE, (from, to), &rows, id).await?;
    record_succeeded(&txn, id, &record, from.format("%Y-%m").to_string(), written).await?;
    let sent = if outbox::daily_costs_wanted_in(&txn).await? { outbox::record_daily_costs_in(&txn, payer, &events, now).await? } else { 0 };
    txn.commit().await?;
    // Cost Explorer rewrote days of a month that may be closed: its difference waits as an adjustment.
    crate::domain::invoicing::adjustments::refresh_after_ingest(payer, &[from.format("%Y-%m").to_string()]).await?;
    Ok(Pulled { pages: fetched.pages, rows: written, events: sent })
}

/// Pulls days of one payer's costs from Cost Explorer.
pub const PULL_COSTS: &str = "costs.pull";
/// Hourly: from PB_COST_PULL_HOUR on, pulls yesterday once per payer and day.
pub const PULL_ALL_COSTS: &str = "costs.pull_all";

crate::jobs::job_handler! {
    /// Runs [`PULL_COSTS`].
    pub PullCosts, PullArgs, |ctx, _job, args| run_pull_job(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

crate::jobs::job_handler! {
    /// Runs [`PULL_ALL_COSTS`].
    pub PullAllCosts, DailyPull, |ctx, _job, _| enqueue_daily(ctx).await.map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::aws::cost_explorer::{Amount, Metrics};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn backfill_ranges_are_bounded() {
        let today = day("2026-11-23");
        assert!(check_range(day("2025-09-01"), day("2026-11-22"), today).is_ok());
        let err = |from: &str, to: &str| match check_range(day(from), day(to), today) {
            Err(AppError::Validation { field, .. }) => field.unwrap_or_default(),
            other => panic!("expected VALIDATION, got {other:?}"),
        };
        assert_eq!(err("2025-08-31", "2026-11-22"), "from", "more than 14 months back");
        assert_eq!(err("2026-11-10", "2026-11-01"), "to", "reversed");
        assert_eq!(err("2026-11-10", "2026-11-24"), "to", "in the future");
    }

    #[test]
    fn months_split_at_calendar_month_ends() {
        assert_eq!(last_of_month(day("2024-02-10")), day("2024-02-29"));
        assert_eq!(last_of_month(day("2026-12-31")), day("2026-12-31"));
        assert_eq!(months_back(day("2026-11-23"), 14), day("2025-09-01"));
    }

    #[test]
    fn rows_of_one_group_on_several_pages_add_up_and_outside_days_are_dropped() {
        let usd = |s: &str| Amount { amount: Decimal::from_str(s).unwrap(), unit: "USD".into() };
        let row = |date: &str, unblended: &str| ServiceDayCost {
            date: day(date),
            account_id: "012345678901".into(),
            service: "AWS Lambda".into(),
            metrics: Metrics { amortized: usd("1"), blended: usd("2"), net_amortized: usd("3"), net_unblended: usd("4"), unblended: usd(unblended) },
            estimated: false,
        };
        let folded = fold(vec![row("2026-11-22", "0.10"), row("2026-11-22", "0.2000000001"), row("2026-11-21", "9")], day("2026-11-22"), day("2026-11-22"));
        assert_eq!(folded.len(), 1);
        let sums = folded.values().next().unwrap();
        assert_eq!(sums[4], Decimal::from_str("0.3000000001").unwrap());
        assert_eq!(sums[0], Decimal::from(2));
    }
}
