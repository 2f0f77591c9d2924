//! The jobs table: enqueue, claim with a lease, and record each step's outcome.

use std::time::Duration;

use chrono::Utc;
use entity::jobs;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, TryInsertResult,
    Statement,
};
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId, UserId};
use crate::jobs::JobState;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// The kind and its arguments come together from [`NewJob::of`], never apart.
    pub(in crate::jobs) kind: &'static str,
    pub tenant: Option<TenantId>,
    pub payer: Option<PayerId>,
    pub(in crate::jobs) payload: Value,
    pub max_attempts: i32,
    /// Enqueuing twice with one key gives the first job back.
    pub idempotency_key: Option<String>,
    pub created_by: Option<UserId>,
    pub delay: Duration,
}

impl NewJob {
    /// A job of a kind named at run time (a schedule's); domain code enqueues [`NewJob::of`].
    pub(in crate::jobs) fn untyped(kind: &'static str, payload: Value) -> Self {
        Self { kind, tenant: None, payer: None, payload, max_attempts: 5, idempotency_key: None, created_by: None, delay: Duration::ZERO }
    }
}

/// What one step of a job ended with. A [`Job`](crate::jobs::Job)'s step continues with its
/// typed arguments; the queue stores them as JSON.
#[derive(Debug)]
pub enum Step<A = Value> {
    /// Finished; the value is the job's result.
    Done(Value),
    /// More to do later (polling): the next step's arguments and progress, and when to look again.
    Continue { payload: A, progress: Option<String>, after: Duration },
}

/// Why a step failed.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth trying again later (AWS unreachable, throttled…).
    Retry(String),
    /// Will not get better (validation, refused by AWS for good).
    Fatal(String),
}

/// Retry what may pass ([`AppError::is_transient`]); fail the rest. An internal error is logged
/// here and recorded on the job only as "internal error".
impl From<AppError> for JobFailure {
    fn from(err: AppError) -> Self {
        match &err {
            AppError::Internal(cause) => {
                // The cause chain with each step's context, on one line (see `AppError::for_log`).
                tracing::error!(error = %format!("{cause:#}"), "job step hit an internal error");
                Self::Retry("internal error".to_owned())
            }
            e if e.is_transient() => Self::Retry(err.to_string()),
            _ => Self::Fatal(err.to_string()),
        }
    }
}

pub async fn enqueue(db: &impl ConnectionTrait, job: NewJob) -> AppResult<jobs::Model> {
    let now = Utc::now();
    let run_at = now + chrono::Duration::from_std(job.delay).unwrap_or_default();
    let id = uuid::Uuid::now_v7();
    let row = jobs::ActiveModel {
        id: Set(id),
        kind: Set(job.kind.to_owned()),
        tenant_id: Set(job.tenant.map(|t| t.0)),
        payer_id: Set(job.payer.map(|p| p.0)),
        state: Set(JobState::Queued),
        payload: Set(job.payload.to_string()),
        result: Set(None),
        progress: Set(None),
        attempts: Set(0),
        max_attempts: Set(job.max_attempts),
        run_at: Set(run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        claimed_at: Set(None),
        last_error: Set(None),
        idempotency_key: Set(job.idempotency_key.clone()),
        created_by: Set(job.created_by.map(|u| u.0)),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    // DO NOTHING rather than catching the unique violation: inside a request transaction a
    // failed statement would abort the whole transaction on PostgreSQL.
    let inserted = jobs::Entity::insert(row).on_conflict_do_nothing_on([jobs::Column::IdempotencyKey]).exec_without_returning(db).await?;
    let found = match (inserted, job.idempotency_key) {
        (TryInsertResult::Inserted(n), _) if n > 0 => jobs::Entity::find_by_id(id).one(db).await?,
        (_, Some(key)) => jobs::Entity::find().filter(jobs::Column::IdempotencyKey.eq(key)).one(db).await?,
        (_, None) => None,
    };
    found.ok_or_else(|| AppError::internal(anyhow::anyhow!("enqueued job not found")))
}

/// Due: queued and its time has come, or running under a lease that ran out (its worker died).
const DUE: &str = "((j.state = 'queued' AND j.run_at <= $3) OR (j.state = 'running' AND j.locked_until < $3))";

/// Tenants take turns: among the due jobs, the first of the tenant with the fewest jobs running
/// now, then of the tenant served longest ago (`claimed_at`), then the oldest. So one tenant's
/// backlog of ingestions waits behind another tenant's single account creation instead of
/// starving it, and several workers spread over tenants. The per-tenant figures are computed
/// only for tenants with due jobs, each by an index lookup (`ix_jobs_tenant_claimed`).
fn claim_sql(backend: DbBackend) -> String {
    let lane = |column: &str| {
        format!(
            "CASE WHEN d.tenant_id IS NULL THEN (SELECT {column} FROM jobs s WHERE s.tenant_id IS NULL{filter}) \
             ELSE (SELECT {column} FROM jobs s WHERE s.tenant_id = d.tenant_id{filter}) END",
            filter = if column.starts_with("COUNT") { " AND s.state = 'running' AND s.locked_until >= $3" } else { "" },
        )
    };
    let pick = format!(
        "SELECT j.id FROM jobs j \
         JOIN (SELECT d.tenant_id AS lane, {running} AS running, {last} AS last_claimed \
               FROM (SELECT DISTINCT j.tenant_id FROM jobs j WHERE {DUE}) d) t \
           ON t.lane IS NOT DISTINCT FROM j.tenant_id \
         WHERE {DUE} ORDER BY t.running, t.last_claimed NULLS FIRST, j.run_at, j.id LIMIT 1",
        running = lane("COUNT(*)"),
        last = lane("MAX(s.claimed_at)"),
    );
    // A lease that ran out means the worker died mid-step: that counts as an attempt.
    let sql = format!(
        "UPDATE jobs SET attempts = attempts + CASE WHEN state = 'running' THEN 1 ELSE 0 END, \
         state = 'running', locked_by = $1, locked_until = $2, claimed_at = $3, updated_at = $3 \
         WHERE id = ({pick}{lock}) RETURNING *",
        // Workers skip the rows another worker is claiming instead of queueing behind it.
        lock = if backend == DbBackend::Postgres { " FOR UPDATE OF j SKIP LOCKED" } else { "" },
    );
    match backend {
        DbBackend::Postgres => sql,
        _ => sql.replace('$', "?"),
    }
}

/// Enqueues a job in a transaction on one payer's rows (see [`enqueue`]): the job is that
/// payer's, whatever it said.
pub async fn enqueue_in(txn: &crate::tenancy::PayerTxn, mut job: NewJob) -> AppResult<jobs::Model> {
    job.payer = Some(crate::ids::PayerId(txn.payer_id()));
    enqueue(txn.joined(), job).await
}

/// Claims the next due job for `worker`, tenants taking turns (see `claim_sql`).
pub async fn claim(db: &impl ConnectionTrait, worker: &str, lease: Duration) -> AppResult<Option<jobs::Model>> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
    let backend = db.get_database_backend();
    let sql = claim_sql(backend);
    let stmt = Statement::from_sql_and_values(backend, sql, [worker.into(), until.into(), now.into()]);
    let claimed = jobs::Entity::find().from_raw_sql(stmt).one(db).await?;
    // Claimed after too many attempts (a worker keeps dying on it): fail it for good.
    if let Some(job) = claimed.as_ref().filter(|j| j.attempts >= j.max_attempts) {
        finish(db, job, worker, JobState::Failed, None, Some("the worker running it stopped too many times")).await?;
        return Ok(None);
    }
    Ok(claimed)
}

/// Records a step's outcome, if `worker` still holds the job.
pub async fn record(db: &impl ConnectionTrait, job: &jobs::Model, worker: &str, outcome: Result<Step, JobFailure>) -> AppResult<()> {
    match outcome {
        Ok(Step::Done(result)) => finish(db, job, worker, JobState::Succeeded, Some(result.to_string()), None).await,
        Ok(Step::Continue { payload, progress, after }) => {
            let now = Utc::now();
            let run_at = now + chrono::Duration::from_std(after).unwrap_or_default();
            // `poke` moves a running job's run_at forward to ask for another step at once; a step
            // that ends after such a poke runs again now instead of sleeping through it.
            let poked = jobs::Column::RunAt.gt(job.run_at);
            let next_run: sea_orm::sea_query::SimpleExpr = Expr::case(poked, Expr::value(now)).finally(Expr::value(run_at)).into();
            update_held(db, job, worker, |u| {
                u.col_expr(jobs::Column::State, Expr::value(JobState::Queued))
                    .col_expr(jobs::Column::Payload, Expr::value(payload.to_string()))
                    .col_expr(jobs::Column::Progress, Expr::value(progress))
                    .col_expr(jobs::Column::RunAt, next_run)
            })
            .await
        }
        Err(JobFailure::Fatal(message)) => finish(db, job, worker, JobState::Failed, None, Some(&message)).await,
        Err(JobFailure::Retry(message)) => {
            let attempts = job.attempts + 1;
            if attempts >= job.max_attempts {
                let now = Utc::now();
                return update_held(db, job, worker, |u| {
                    u.col_expr(jobs::Column::State, Expr::value(JobState::Failed))
                        .col_expr(jobs::Column::Attempts, Expr::value(attempts))
                        .col_expr(jobs::Column::LastError, Expr::value(Some(message.clone())))
                        .col_expr(jobs::Column::FinishedAt, Expr::value(Some(now)))
                })
                .await;
            }
            let run_at = Utc::now() + backoff(attempts);
            update_held(db, job, worker, |u| {
                u.col_expr(jobs::Column::State, Expr::value(JobState::Queued))
                    .col_expr(jobs::Column::Attempts, Expr::value(attempts))
                    .col_expr(jobs::Column::LastError, Expr::value(Some(message.clone())))
                    .col_expr(jobs::Column::RunAt, Expr::value(run_at))
            })
            .await
        }
    }
}

/// Extends the lease `worker` holds on a running job (the step's heartbeat). False when the worker
/// no longer holds it: its lease ran out and another worker claimed the job, or the job was ended.
pub async fn extend_lease(db: &impl ConnectionTrait, job: &jobs::Model, worker: &str, lease: Duration) -> AppResult<bool> {
    let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
    let done = jobs::Entity::update_many()
        .col_expr(jobs::Column::LockedUntil, Expr::value(Some(until)))
        .filter(held_by(job, worker))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Exponential backoff: 5 s, 10 s, 20 s … capped at 10 minutes.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(1, 10) - 1).unwrap_or(0);
    chrono::Duration::seconds((5_i64 * 2_i64.pow(exp)).min(600))
}

/// Gives a job back to the queue (graceful stop before its step ran).
pub async fn release(db: &impl ConnectionTrait, job: &jobs::Model, worker: &str) -> AppResult<()> {
    update_held(db, job, worker, |u| u.col_expr(jobs::Column::State, Expr::value(JobState::Queued))).await
}

async fn finish(
    db: &impl ConnectionTrait,
    job: &jobs::Model,
    worker: &str,
    state: JobState,
    result: Option<String>,
    error: Option<&str>,
) -> AppResult<()> {
    let now = Utc::now();
    let error = error.map(str::to_owned);
    update_held(db, job, worker, |u| {
        u.col_expr(jobs::Column::State, Expr::value(state))
            .col_expr(jobs::Column::Result, Expr::value(result.clone()))
            .col_expr(jobs::Column::LastError, Expr::value(error.clone()))
            .col_expr(jobs::Column::FinishedAt, Expr::value(Some(now)))
    })
    .await
}

/// The job is running and `worker` still holds its lease: the fence every write of its state checks.
fn held_by(job: &jobs::Model, worker: &str) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(jobs::Column::Id.eq(job.id))
        .add(jobs::Column::State.eq(JobState::Running))
        .add(jobs::Column::LockedBy.eq(worker))
}

async fn update_held<F>(db: &impl ConnectionTrait, job: &jobs::Model, worker: &str, set: F) -> AppResult<()>
where
    F: FnOnce(sea_orm::UpdateMany<jobs::Entity>) -> sea_orm::UpdateMany<jobs::Entity>,
{
    // locked_by stays: the job list shows which worker ran the last step. Without a lease and
    // out of `running`, it no longer holds the job (`held_by`, `claim`).
    let update = jobs::Entity::update_many()
        .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<Utc>>::None))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(Utc::now()));
    let done = set(update).filter(held_by(job, worker)).exec(db)
        .await?;
    if done.rows_affected == 0 {
        tracing::warn!(job = %job.id, worker, "job lease was lost before its outcome was recorded");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(super::backoff(1).num_seconds(), 5);
        assert_eq!(super::backoff(2).num_seconds(), 10);
        assert_eq!(super::backoff(4).num_seconds(), 40);
        assert_eq!(super::backoff(30).num_seconds(), 600);
    }
}
