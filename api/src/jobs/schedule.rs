//! Recurring jobs: cron expressions in UTC. Each due schedule is claimed by a conditional update
//! (so replicas enqueue it once) and enqueues its job with an idempotency key per run.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::job_schedules;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::jobs::JobArgs;
use crate::jobs::queue::{NewJob, enqueue};

/// The next run of a cron expression (seconds field first, as the `cron` crate reads it).
pub fn next_run(cron: &str, after: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let schedule = cron::Schedule::from_str(cron).map_err(|e| AppError::invalid("cron", e))?;
    schedule.after(&after).next().ok_or_else(|| AppError::invalid("cron", "never runs"))
}

/// Registers (or updates) a schedule that enqueues a job with these arguments (of their kind);
/// keeps its next run when the expression is unchanged.
pub async fn ensure<A: JobArgs>(db: &impl ConnectionTrait, name: &str, cron: &str, args: &A) -> AppResult<()> {
    let next = next_run(cron, Utc::now())?;
    let (kind, payload) = (A::KIND, serde_json::to_string(args).map_err(AppError::internal)?);
    let existing = job_schedules::Entity::find_by_id(name.to_owned()).one(db).await?;
    if existing.as_ref().is_some_and(|s| s.cron == cron && s.kind == kind && s.payload == payload) {
        return Ok(());
    }
    let row = job_schedules::ActiveModel {
        name: Set(name.to_owned()),
        cron: Set(cron.to_owned()),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        next_run_at: Set(next),
        last_run_at: Set(None),
    };
    job_schedules::Entity::insert(row)
        .on_conflict(
            OnConflict::column(job_schedules::Column::Name)
                .update_columns([job_schedules::Column::Cron, job_schedules::Column::Kind, job_schedules::Column::Payload, job_schedules::Column::NextRunAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Enqueues the jobs of every due schedule; returns how many.
/// `kinds` are the job kinds a schedule may name (the worker's registry).
pub async fn enqueue_due(db: &impl ConnectionTrait, kinds: &[&'static str]) -> AppResult<usize> {
    let now = Utc::now();
    let due = job_schedules::Entity::find().filter(job_schedules::Column::NextRunAt.lte(now)).all(db).await?;
    let mut count = 0;
    for schedule in due {
        let next = next_run(&schedule.cron, now)?;
        let claimed = job_schedules::Entity::update_many()
            .col_expr(job_schedules::Column::NextRunAt, Expr::value(next))
            .col_expr(job_schedules::Column::LastRunAt, Expr::value(Some(now)))
            .filter(job_schedules::Column::Name.eq(&schedule.name))
            .filter(job_schedules::Column::NextRunAt.eq(schedule.next_run_at))
            .exec(db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let Some(kind) = kinds.iter().find(|k| **k == schedule.kind) else {
            tracing::warn!(schedule = %schedule.name, kind = %schedule.kind, "schedule names an unknown job kind");
            continue;
        };
        // The arguments `ensure` stored, checked against the kind's type when the step runs.
        let Ok(payload) = serde_json::from_str::<serde_json::Value>(&schedule.payload) else {
            tracing::warn!(schedule = %schedule.name, "schedule's stored arguments are not JSON");
            continue;
        };
        let mut job = NewJob::untyped(kind, payload);
        job.idempotency_key = Some(format!("schedule:{}:{}", schedule.name, schedule.next_run_at.timestamp()));
        enqueue(db, job).await?;
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn daily_at_three_utc() {
        let after = Utc.with_ymd_and_hms(2026, 11, 23, 4, 0, 0).unwrap();
        assert_eq!(next_run("0 0 3 * * *", after).unwrap(), Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap());
        assert!(next_run("not cron", after).is_err());
    }
}
