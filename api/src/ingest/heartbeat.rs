//! A running ingestion's lease. While a run is RUNNING, a background task renews its record's
//! heartbeat every period (`PB_INGEST_HEARTBEAT_SECONDS`) and pushes its lease three periods
//! ahead; the record also names the process holding it. A killed process renews nothing, so its
//! record is found out two ways:
//!
//! - **its process is gone**: a reader on the same machine (the same boot and PID namespace)
//!   sees that the holder's process no longer exists (or that this process, after a restart with
//!   the same PID, is another one) — at once;
//! - **its lease ran out**: anywhere else, once no heartbeat came for three periods. On the
//!   same machine a holder that still exists is never abandoned for its lease: SQLite has one
//!   writer, so a long write (this run's own, or another's) holds heartbeats back. On
//!   PostgreSQL heartbeats land while the run writes: its own record is updated only just
//!   before its commit (`store::replace`).
//!
//! Readers (ingestion health, the next ingestion of the payer) then mark the record ABANDONED
//! with one conditional UPDATE each (`status = 'RUNNING'` and the reason still true), so two
//! readers cannot both do it, and a run that comes back after its record was abandoned cannot
//! record an outcome (see `store::replace`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::ingestions;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::store::IngestionStatus;
use crate::db::Db;
use crate::error::AppResult;
use crate::ids::PayerId;
use crate::tenancy::{PayerAccess};

/// The default heartbeat period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(5);

/// A run's lease lasts this many heartbeat periods.
pub const LEASE_PERIODS: u32 = 3;

/// A RUNNING record written before heartbeats existed has no lease: it counts as abandoned this
/// long after it started.
const LEGACY_LEASE: chrono::Duration = chrono::Duration::hours(6);

/// This process as the holder of a run: `host:pid:suffix` (the host name, the process id and a
/// random suffix, which tells this process from an earlier one that had the same id).
pub fn holder() -> &'static str {
    static HOLDER: OnceLock<String> = OnceLock::new();
    HOLDER.get_or_init(|| crate::ids::process_label(None))
}

/// This process's boot id and PID namespace (Linux): two processes with the same value see the
/// same process ids. `None` where that cannot be told.
pub fn holder_ns() -> Option<&'static str> {
    static NS: OnceLock<Option<String>> = OnceLock::new();
    NS.get_or_init(|| {
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let pid_ns = std::fs::read_link("/proc/self/ns/pid").ok()?;
        Some(format!("{}/{}", boot.trim(), pid_ns.display()))
    })
    .as_deref()
}

/// The runs this process is running now.
fn running_here() -> &'static Mutex<HashSet<Uuid>> {
    static RUNS: OnceLock<Mutex<HashSet<Uuid>>> = OnceLock::new();
    RUNS.get_or_init(|| Mutex::new(HashSet::new()))
}

fn is_running_here(run: Uuid) -> bool {
    running_here().lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&run)
}

/// What a reader can tell about the process holding a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// It exists (it may be running the run, or be a later process with the same id).
    Alive,
    /// It is gone: no process with its id exists on this machine, or this process (which has
    /// its id) is another one, or this process does not run the run any more.
    Gone,
    /// It is on another machine, or its machine's processes cannot be seen from here.
    Unknown,
}

/// Whether the holder of `run` still exists, as far as this process can see.
pub fn liveness(run: Uuid, holder_of_run: Option<&str>, ns_of_run: Option<&str>) -> Liveness {
    let (Some(theirs), Some(ns), Some(our_ns)) = (holder_of_run, ns_of_run, holder_ns()) else { return Liveness::Unknown };
    if ns != our_ns {
        return Liveness::Unknown;
    }
    if theirs == holder() {
        return if is_running_here(run) { Liveness::Alive } else { Liveness::Gone };
    }
    let Some(pid) = theirs.rsplit(':').nth(1).and_then(|p| p.parse::<u32>().ok()) else { return Liveness::Unknown };
    if pid == std::process::id() {
        // An earlier process that had this process's id (a container restarted: PID 1 again).
        return Liveness::Gone;
    }
    if std::path::Path::new(&format!("/proc/{pid}")).exists() { Liveness::Alive } else { Liveness::Gone }
}

/// Why a RUNNING record is abandoned, or `None` while it may still be running.
pub fn abandoned_because(record: &ingestions::Model, now: DateTime<Utc>) -> Option<String> {
    if record.status != IngestionStatus::Running {
        return None;
    }
    let who = record.holder.as_deref().unwrap_or("an earlier version");
    match liveness(record.id, record.holder.as_deref(), record.holder_ns.as_deref()) {
        Liveness::Gone => Some(format!("abandoned: the process that ran it ({who}) is gone; nothing it read was written")),
        Liveness::Alive => None,
        Liveness::Unknown => {
            let lease = record.lease_until.unwrap_or(record.started_at + LEGACY_LEASE);
            (lease < now).then(|| {
                let last = record.heartbeat_at.unwrap_or(record.started_at);
                format!(
                    "abandoned: no heartbeat from the process that ran it ({who}) since {}; its lease ran out at {}; nothing it read was written",
                    last.format("%Y-%m-%d %H:%M:%S UTC"),
                    lease.format("%Y-%m-%d %H:%M:%S UTC")
                )
            })
        }
    }
}

/// Marks the payer's RUNNING ingestions whose process is gone or whose lease ran out as
/// ABANDONED, each with one conditional UPDATE (it only applies while the record is still
/// RUNNING, held by the same process, and — for a lease — still not renewed), so two readers
/// racing mark it once and a renewed lease is never overridden. Returns how many were marked.
pub async fn close_abandoned(db: &Db, payer: PayerId) -> AppResult<u64> {
    let running = ingestions::Entity::find()
        .filter(ingestions::Column::PayerId.eq(payer.0))
        .filter(ingestions::Column::Status.eq(IngestionStatus::Running))
        .all(db)
        .await?;
    let mut marked = 0;
    for (record, mark) in abandoned(running) {
        let reason = mark.reason.clone();
        if mark.exec(db).await?.rows_affected == 1 {
            tracing::warn!(ingestion = %record.id, payer = %payer.0, %reason, "ingestion marked abandoned");
            marked += 1;
        }
    }
    Ok(marked)
}

/// [`close_abandoned`] through a payer's handle (a request reading the payer's ingestions).
pub async fn close_abandoned_of(payer: &impl PayerAccess) -> AppResult<u64> {
    let running = payer.rows::<ingestions::Entity>().filter(ingestions::Column::Status.eq(IngestionStatus::Running)).all().await?;
    let mut marked = 0;
    for (record, MarkAbandoned { condition, reason, now }) in abandoned(running) {
        let done = payer
            .update_rows::<ingestions::Entity>()
            .col_expr(ingestions::Column::Status, Expr::value(IngestionStatus::Abandoned))
            .col_expr(ingestions::Column::Error, Expr::value(reason.clone()))
            .col_expr(ingestions::Column::FinishedAt, Expr::value(now))
            .filter(condition)
            .exec()
            .await?;
        if done == 1 {
            tracing::warn!(ingestion = %record.id, payer = %record.payer_id, %reason, "ingestion marked abandoned");
            marked += 1;
        }
    }
    Ok(marked)
}

/// The conditional UPDATE that marks one record ABANDONED.
struct MarkAbandoned {
    condition: Condition,
    reason: String,
    now: DateTime<Utc>,
}

impl MarkAbandoned {
    async fn exec(self, db: &Db) -> AppResult<sea_orm::UpdateResult> {
        Ok(ingestions::Entity::update_many()
            .col_expr(ingestions::Column::Status, Expr::value(IngestionStatus::Abandoned))
            .col_expr(ingestions::Column::Error, Expr::value(self.reason))
            .col_expr(ingestions::Column::FinishedAt, Expr::value(self.now))
            .filter(self.condition)
            .exec(db)
            .await?)
    }
}

/// Of RUNNING records, those abandoned now, with why and the update that marks each.
fn abandoned(running: Vec<ingestions::Model>) -> Vec<(ingestions::Model, MarkAbandoned)> {
    let now = Utc::now();
    let mut out = Vec::new();
    for record in running {
        let Some(reason) = abandoned_because(&record, now) else { continue };
        let same_holder = match &record.holder {
            Some(h) => ingestions::Column::Holder.eq(h.as_str()),
            None => ingestions::Column::Holder.is_null(),
        };
        let mut condition = Condition::all().add(ingestions::Column::Id.eq(record.id)).add(ingestions::Column::Status.eq(IngestionStatus::Running)).add(same_holder);
        // A lease-based verdict holds only while the lease is still out (not renewed meanwhile).
        if liveness(record.id, record.holder.as_deref(), record.holder_ns.as_deref()) != Liveness::Gone {
            condition = condition.add(
                Condition::any().add(ingestions::Column::LeaseUntil.lt(now)).add(
                    Condition::all().add(ingestions::Column::LeaseUntil.is_null()).add(ingestions::Column::StartedAt.lt(now - LEGACY_LEASE)),
                ),
            );
        }
        out.push((record, MarkAbandoned { condition, reason, now }));
    }
    out
}

/// The lease end of a heartbeat at `now`.
pub fn lease_from(now: DateTime<Utc>, period: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(period * LEASE_PERIODS).unwrap_or_else(|_| chrono::Duration::seconds(15))
}

/// This process's claim on a run, taken before the run's RUNNING record is written: a reader in
/// this process then never finds the record without the claim and takes it for the run of a
/// process that is gone (two ingestions of one payer started side by side did). Dropping it
/// gives the claim up.
struct RunningHere(Uuid);

impl RunningHere {
    fn enter(run: Uuid) -> Self {
        running_here().lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(run);
        Self(run)
    }

    #[cfg(test)]
    fn run(&self) -> Uuid {
        self.0
    }
}

impl Drop for RunningHere {
    fn drop(&mut self) {
        running_here().lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.0);
    }
}

/// Renews a run's heartbeat while it runs; stops (and, when the run did not finish, marks it
/// ABANDONED) when dropped.
pub struct Heartbeat {
    /// The run, held by this process while this lives.
    here: RunningHere,
    db: Db,
    task: Option<tokio::task::JoinHandle<()>>,
    lost: Arc<AtomicBool>,
    finished: bool,
}

impl Heartbeat {
    /// Holds `run` for this process from before its RUNNING record is written: from here on a
    /// reader in this process sees it alive, and dropping it unfinished (a cancelled job) marks
    /// the record ABANDONED, however soon after the record was written the drop comes.
    pub fn hold(db: &Db, run: Uuid) -> Self {
        Self { here: RunningHere::enter(run), db: db.clone(), task: None, lost: Arc::new(AtomicBool::new(false)), finished: false }
    }

    /// Starts renewing the record (written RUNNING by now) every `period`.
    pub fn start(&mut self, period: Duration) {
        if self.task.is_none() {
            self.task = Some(tokio::spawn(beat(self.db.clone(), self.here.0, period, Arc::clone(&self.lost))));
        }
    }

    /// True once a renewal found the record no longer RUNNING under this process (a reader
    /// judged it abandoned): the run must not record an outcome.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// The run recorded its outcome (or its record was lost): stop renewing, mark nothing.
    pub fn finish(mut self) {
        self.finished = true;
    }
}

async fn beat(db: Db, run: Uuid, period: Duration, lost: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(period).await;
        let now = Utc::now();
        let renewed = ingestions::Entity::update_many()
            .col_expr(ingestions::Column::HeartbeatAt, Expr::value(now))
            .col_expr(ingestions::Column::LeaseUntil, Expr::value(lease_from(now, period)))
            .filter(ingestions::Column::Id.eq(run))
            .filter(ingestions::Column::Status.eq(IngestionStatus::Running))
            .filter(ingestions::Column::Holder.eq(holder()))
            .exec(&db)
            .await;
        match renewed {
            Ok(r) if r.rows_affected == 1 => {}
            Ok(_) => {
                // Either the run just recorded its outcome (this beat waited for its commit), or
                // a reader judged it abandoned: then the run must not record one.
                tracing::debug!(ingestion = %run, "the ingestion's record is no longer IngestionStatus::Running under this process; its heartbeat stops");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!(ingestion = %run, error = %e, "renewing the ingestion's heartbeat failed; trying again"),
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
        if self.finished {
            return;
        }
        // Dropped before it finished: the task running the ingestion was cancelled (its job's
        // lease was lost, or the process is stopping). Say so now rather than wait for a reader.
        let (db, run) = (self.db.clone(), self.here.0);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let marked = ingestions::Entity::update_many()
                    .col_expr(ingestions::Column::Status, Expr::value(IngestionStatus::Abandoned))
                    .col_expr(
                        ingestions::Column::Error,
                        Expr::value(format!("abandoned: the process that ran it ({}) stopped it before it finished (its job was cancelled or the process is stopping); nothing it read was written", holder())),
                    )
                    .col_expr(ingestions::Column::FinishedAt, Expr::value(Utc::now()))
                    .filter(ingestions::Column::Id.eq(run))
                    .filter(ingestions::Column::Status.eq(IngestionStatus::Running))
                    .filter(ingestions::Column::Holder.eq(holder()))
                    .exec(&db)
                    .await;
                if let Err(e) = marked {
                    tracing::warn!(ingestion = %run, error = %e, "could not mark a cancelled ingestion abandoned; a reader will");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(holder: Option<&str>, ns: Option<&str>, lease: Option<DateTime<Utc>>) -> ingestions::Model {
        ingestions::Model {
            id: Uuid::now_v7(),
            payer_id: Uuid::nil(),
            source: None,
            billing_period: None,
            files: "[]".to_owned(),
            fingerprint: String::new(),
            rows_read: 0,
            rows_written: 0,
            duration_ms: 0,
            status: IngestionStatus::Running,
            error: None,
            started_at: Utc::now() - chrono::Duration::minutes(1),
            finished_at: None,
            heartbeat_at: lease.map(|l| l - chrono::Duration::seconds(15)),
            lease_until: lease,
            holder: holder.map(str::to_owned),
            holder_ns: ns.map(str::to_owned),
        }
    }

    #[test]
    fn a_lease_decides_only_where_the_process_cannot_be_seen() {
        let now = Utc::now();
        let past = Some(now - chrono::Duration::seconds(1));
        let future = Some(now + chrono::Duration::seconds(10));
        // Another machine: the lease alone.
        assert!(abandoned_because(&record(Some("elsewhere:7:abcdef"), Some("other-boot/pid:[1]"), future), now).is_none());
        let why = abandoned_because(&record(Some("elsewhere:7:abcdef"), Some("other-boot/pid:[1]"), past), now).unwrap();
        assert!(why.contains("no heartbeat") && why.contains("elsewhere:7:abcdef"), "{why}");
        // Before heartbeats existed: six hours after it started.
        assert!(abandoned_because(&record(None, None, None), now).is_none());
        let mut old = record(None, None, None);
        old.started_at = now - chrono::Duration::hours(7);
        assert!(abandoned_because(&old, now).is_some());
        let mut done = record(None, None, past);
        done.status = IngestionStatus::Succeeded;
        assert!(abandoned_because(&done, now).is_none(), "only IngestionStatus::Running records");

        let Some(ns) = holder_ns() else { return };
        // This process, not running the run: gone, even with a lease ahead.
        let why = abandoned_because(&record(Some(holder()), Some(ns), future), now).unwrap();
        assert!(why.contains("is gone"), "{why}");
        // An earlier process with this process's id.
        let earlier = format!("{}:{}:zzzzzz", holder().split(':').next().unwrap(), std::process::id());
        assert!(abandoned_because(&record(Some(&earlier), Some(ns), future), now).unwrap().contains("is gone"));
        // A process that exists (PID 1) is never abandoned for its lease on the same machine.
        assert!(abandoned_because(&record(Some("here:1:abcdef"), Some(ns), past), now).is_none());
    }

    #[test]
    fn a_run_entered_here_is_alive_from_before_its_record_until_its_claim_is_dropped() {
        let Some(ns) = holder_ns() else { return };
        let run = record(Some(holder()), Some(ns), Some(Utc::now() + chrono::Duration::seconds(10)));
        assert_eq!(liveness(run.id, Some(holder()), Some(ns)), Liveness::Gone, "not entered yet");
        let here = RunningHere::enter(run.id);
        assert_eq!(here.run(), run.id);
        assert_eq!(liveness(run.id, Some(holder()), Some(ns)), Liveness::Alive);
        assert!(abandoned_because(&run, Utc::now()).is_none(), "a second ingestion in this process leaves it alone");
        drop(here);
        assert_eq!(liveness(run.id, Some(holder()), Some(ns)), Liveness::Gone);
    }
}
