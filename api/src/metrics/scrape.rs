//! `GET /metrics`: this process's counters plus gauges read from the database at scrape time.
//!
//! The database figures describe the whole installation, so every replica reports the same
//! values: aggregate them with `max`, not `sum`, across instances.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use entity::jobs;
use prometheus::{CounterVec, Gauge, GaugeVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use crate::db::Db;
use crate::jobs::JobState;
use crate::state::AppState;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// With `PB_METRICS_TOKEN` set, the scrape must send it as a bearer token.
fn authorized(req: &HttpRequest, state: &AppState) -> bool {
    let Some(token) = &state.config.metrics_token else { return true };
    let sent = req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
    bool::from(sent.as_bytes().ct_eq(token.expose_secret().as_bytes()))
}

pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !authorized(&req, &state) {
        return HttpResponse::Unauthorized().insert_header(("www-authenticate", "Bearer")).finish();
    }
    let mut families = super::gather();
    let database = Registry::new();
    let up = match from_database(state.platform().db(), &database).await {
        Ok(()) => 1,
        Err(e) => {
            tracing::warn!(error = %e, "reading metrics from the database failed");
            0
        }
    };
    if let Ok(g) = IntGauge::new("pb_metrics_database_up", "1 when the database figures of this scrape could be read.") {
        g.set(up);
        let _ = database.register(Box::new(g));
    }
    families.extend(database.gather());
    families.sort_by(|a, b| a.name().cmp(b.name()));
    match TextEncoder::new().encode_to_string(&families) {
        Ok(body) => HttpResponse::Ok().content_type(CONTENT_TYPE).body(body),
        Err(e) => {
            tracing::error!(error = %e, "encoding metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("registry: {0}")]
    Registry(#[from] prometheus::Error),
}

fn register<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, c: C) -> Result<C, ScrapeError> {
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

fn count_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Milliseconds as seconds; negative (clock skew between replicas) as zero.
fn seconds_of(ms: i64) -> f64 {
    count_of(ms) as f64 / 1000.0
}

/// Rows of `sql`, whose columns are text labels then one integer `n`.
async fn grouped(db: &Db, sql: &str, labels: usize) -> Result<Vec<(Vec<String>, i64)>, ScrapeError> {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
    rows.iter()
        .map(|row| {
            let names = (0..labels).map(|i| row.try_get_by_index::<String>(i)).collect::<Result<Vec<_>, _>>()?;
            Ok((names, row.try_get_by_index::<i64>(labels)?))
        })
        .collect()
}

async fn from_database(db: &Db, registry: &Registry) -> Result<(), ScrapeError> {
    // Job queue: depth by kind and state, and how long the oldest due job has waited.
    let depth = register(registry, IntGaugeVec::new(Opts::new("pb_jobs", "Jobs queued or running, by kind and state."), &["kind", "state"])?)?;
    let counts: Vec<(String, String, i64)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Kind)
        .column(jobs::Column::State)
        .column_as(Expr::col(jobs::Column::Id).count(), "n")
        .filter(jobs::Column::State.is_in([JobState::Queued, JobState::Running]))
        .group_by(jobs::Column::Kind)
        .group_by(jobs::Column::State)
        .into_tuple()
        .all(db)
        .await?;
    for (kind, state, n) in counts {
        depth.with_label_values(&[kind.as_str(), state.as_str()]).set(n);
    }
    let now = Utc::now();
    let age = register(
        registry,
        GaugeVec::new(Opts::new("pb_job_oldest_due_age_seconds", "How long the oldest queued job past its run time has waited, by kind."), &["kind"])?,
    )?;
    let oldest: Vec<(String, Option<chrono::DateTime<Utc>>)> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Kind)
        .column_as(Expr::col(jobs::Column::RunAt).min(), "oldest")
        .filter(jobs::Column::State.eq(JobState::Queued))
        .filter(jobs::Column::RunAt.lte(now))
        .group_by(jobs::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    for (kind, run_at) in oldest {
        if let Some(run_at) = run_at {
            age.with_label_values(&[kind.as_str()]).set(seconds_of((now - run_at).num_milliseconds()));
        }
    }

    // Outbox: events not yet turned into deliveries, and deliveries not (yet) sent.
    let backlog = register(registry, IntGauge::new("pb_outbox_undispatched_events", "Domain events not yet turned into deliveries.")?)?;
    let undispatched =
        grouped(db, "SELECT COUNT(*) AS n FROM outbox_events e WHERE NOT EXISTS (SELECT 1 FROM outbox_dispatched d WHERE d.event_id = e.id)", 0).await?;
    backlog.set(undispatched.first().map_or(0, |(_, n)| *n));
    let deliveries = register(
        registry,
        IntGaugeVec::new(Opts::new("pb_notifications_unsent", "Email and webhook deliveries pending or dead-lettered, by channel and status."), &["channel", "status"])?,
    )?;
    for (labels, n) in grouped(db, "SELECT channel, status, COUNT(*) AS n FROM notifications WHERE status <> 'sent' GROUP BY channel, status", 2).await? {
        deliveries.with_label_values(&[labels[0].as_str(), labels[1].as_str()]).set(n);
    }

    // Ingestion totals, by source (cur, focus, ce, legacy) and outcome.
    let runs = register(registry, IntCounterVec::new(Opts::new("pb_ingestions_total", "Ingestions (one per billing period) by source and status."), &["source", "status"])?)?;
    let rows = register(registry, IntCounterVec::new(Opts::new("pb_ingest_rows_written_total", "Day-grain rows written by ingestions, by source."), &["source"])?)?;
    let seconds = register(registry, CounterVec::new(Opts::new("pb_ingest_duration_seconds_total", "Time spent in ingestions, by source."), &["source"])?)?;
    let sql = "SELECT COALESCE(source, 'unknown') AS source, status, CAST(COUNT(*) AS BIGINT) AS n, \
               CAST(COALESCE(SUM(rows_written), 0) AS BIGINT) AS rows_written, CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS ms \
               FROM ingestions GROUP BY COALESCE(source, 'unknown'), status";
    for row in db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await? {
        let source: String = row.try_get("", "source")?;
        let status: String = row.try_get("", "status")?;
        runs.with_label_values(&[source.as_str(), status.as_str()]).inc_by(count_of(row.try_get("", "n")?));
        rows.with_label_values(&[source.as_str()]).inc_by(count_of(row.try_get("", "rows_written")?));
        seconds.with_label_values(&[source.as_str()]).inc_by(seconds_of(row.try_get("", "ms")?));
    }
    let last = register(registry, Gauge::new("pb_ingest_last_success_timestamp_seconds", "When the last successful ingestion finished (Unix time).")?)?;
    let finished: Vec<Option<chrono::DateTime<Utc>>> = entity::ingestions::Entity::find()
        .select_only()
        .column_as(Expr::col(entity::ingestions::Column::FinishedAt).max(), "finished")
        .filter(entity::ingestions::Column::Status.eq(entity::ingestions::IngestionStatus::Succeeded))
        .into_tuple()
        .all(db)
        .await?;
    if let Some(Some(at)) = finished.first() {
        last.set(at.timestamp_millis() as f64 / 1000.0);
    }
    Ok(())
}
