//! The durable job queue itself: several workers share it without running a job twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::jobs::{JobFailure, JobHandler, NewJob, Step, Worker, enqueue};
use partner_billing::state::AppState;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

/// One run: job id, worker, start, end.
type Run = (String, String, Instant, Instant);

/// Records which worker ran which job, and when.
struct Recorder {
    runs: Arc<Mutex<Vec<Run>>>,
    worker: String,
}

#[async_trait]
impl JobHandler for Recorder {
    fn kind(&self) -> &'static str {
        "test.record"
    }
    async fn step(&self, _state: &AppState, job: &entity::jobs::Model) -> Result<Step, JobFailure> {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(15)).await;
        self.runs.lock().unwrap().push((job.id.to_string(), self.worker.clone(), start, Instant::now()));
        if job.payload.contains("\"fail\":true") {
            return Err(JobFailure::Retry("asked to fail".into()));
        }
        Ok(Step::Done(json!({ "by": self.worker })))
    }
}

async fn two_workers_never_run_the_same_job(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let total = 40;
    for i in 0..total {
        enqueue(&app.db, NewJob::new("test.record", json!({ "n": i }))).await.unwrap();
    }
    let runs = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = ["one", "two"]
        .into_iter()
        .map(|name| {
            let handler = Arc::new(Recorder { runs: runs.clone(), worker: name.to_owned() });
            Worker::new(app.state.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = entity::jobs::Entity::find().filter(entity::jobs::Column::State.eq("succeeded")).count(&app.db).await.unwrap();
        if done == total {
            break;
        }
        assert!(Instant::now() < deadline, "only {done} of {total} jobs finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for w in workers {
        w.shutdown().await;
    }
    let runs = runs.lock().unwrap().clone();
    let mut per_job: HashMap<String, usize> = HashMap::new();
    for (job, ..) in &runs {
        *per_job.entry(job.clone()).or_default() += 1;
    }
    assert_eq!(per_job.len(), total as usize);
    assert!(per_job.values().all(|n| *n == 1), "a job ran twice: {per_job:?}");
    let workers_used: std::collections::HashSet<&str> = runs.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(workers_used.len(), 2, "both workers took jobs");
}

async fn failing_jobs_retry_with_backoff_then_fail(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let mut job = NewJob::new("test.record", json!({ "fail": true }));
    job.max_attempts = 2;
    job.idempotency_key = Some("retry-test".into());
    let created = enqueue(&app.db, job.clone()).await.unwrap();
    // The same idempotency key gives back the same job.
    assert_eq!(enqueue(&app.db, job).await.unwrap().id, created.id);
    let runs = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "solo".into() });
    let worker = Worker::new(app.state.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn();
    let deadline = Instant::now() + Duration::from_secs(5);
    let first = loop {
        let row = entity::jobs::Entity::find_by_id(created.id).one(&app.db).await.unwrap().unwrap();
        if row.attempts == 1 {
            break row;
        }
        assert!(Instant::now() < deadline, "the first attempt did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker.shutdown().await;
    assert_eq!(first.state, "queued");
    assert_eq!(first.last_error.as_deref(), Some("asked to fail"));
    let wait = first.run_at - chrono::Utc::now();
    assert!(wait > chrono::Duration::seconds(3), "backs off before the next attempt ({wait})");
    // Make it due now: the second attempt is the last, and the job fails for good.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut due: entity::jobs::ActiveModel = first.into();
    due.run_at = Set(chrono::Utc::now());
    due.update(&app.db).await.unwrap();
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "solo".into() });
    let worker = Worker::new(app.state.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let row = entity::jobs::Entity::find_by_id(created.id).one(&app.db).await.unwrap().unwrap();
        if row.state == "failed" {
            assert_eq!(row.attempts, 2);
            assert!(row.finished_at.is_some());
            break;
        }
        assert!(Instant::now() < deadline, "the job did not fail for good");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.shutdown().await;
    assert_eq!(runs.lock().unwrap().len(), 2);
}

on_both_databases!(two_workers_never_run_the_same_job, failing_jobs_retry_with_backoff_then_fail);

/// A step that takes longer than the lease: it records when it starts and when it ends.
struct Slow {
    started: Arc<Mutex<Vec<String>>>,
    finished: Arc<Mutex<Vec<String>>>,
    worker: String,
}

const SLOW_STEP: Duration = Duration::from_secs(8);

#[async_trait]
impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "test.slow"
    }
    async fn step(&self, _state: &AppState, _job: &entity::jobs::Model) -> Result<Step, JobFailure> {
        self.started.lock().unwrap().push(self.worker.clone());
        tokio::time::sleep(SLOW_STEP).await;
        // The side effect a fenced-off worker must never reach.
        self.finished.lock().unwrap().push(self.worker.clone());
        Ok(Step::Done(json!({ "by": self.worker })))
    }
}

fn slow_worker(app: &TestApp, name: &str, started: &Arc<Mutex<Vec<String>>>, finished: &Arc<Mutex<Vec<String>>>) -> partner_billing::jobs::WorkerHandle {
    let handler = Arc::new(Slow { started: started.clone(), finished: finished.clone(), worker: name.to_owned() });
    Worker::new(app.state.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn()
}

/// #16.10: a step longer than its lease (5 s lease, 8 s step) keeps its lease by heartbeat, so a
/// second worker polling the queue all along never takes the job: one run, one outcome.
async fn a_step_longer_than_its_lease_runs_once(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into()), ("job_lease_seconds", "5".into())]).await;
    let job = enqueue(&app.db, NewJob::new("test.slow", json!({}))).await.unwrap();
    let (started, finished) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let workers = [slow_worker(&app, "one", &started, &finished), slow_worker(&app, "two", &started, &finished)];
    let deadline = Instant::now() + SLOW_STEP * 3;
    let row = loop {
        let row = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
        if row.state != "running" && row.state != "queued" {
            break row;
        }
        assert!(Instant::now() < deadline, "the job did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for w in workers {
        w.shutdown().await;
    }
    assert_eq!(row.state, "succeeded");
    assert_eq!(row.attempts, 0, "no second claim counted an attempt");
    assert_eq!(started.lock().unwrap().len(), 1, "the step started twice: {:?}", started.lock().unwrap());
    assert_eq!(finished.lock().unwrap().len(), 1);
}

/// #16.10: fencing. While the step runs, another worker takes the job (as after a lost lease). The
/// first worker notices at its next heartbeat, stops the step before its side effect, and records
/// nothing over the new holder.
async fn a_worker_that_lost_its_lease_stops_its_step(db: DbKind) {
    use sea_orm::sea_query::Expr;
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into()), ("job_lease_seconds", "5".into())]).await;
    let job = enqueue(&app.db, NewJob::new("test.slow", json!({}))).await.unwrap();
    let (started, finished) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let worker = slow_worker(&app, "one", &started, &finished);
    let deadline = Instant::now() + Duration::from_secs(10);
    while started.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the step did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let far = chrono::Utc::now() + chrono::Duration::minutes(10);
    entity::jobs::Entity::update_many()
        .col_expr(entity::jobs::Column::LockedBy, Expr::value("worker-elsewhere"))
        .col_expr(entity::jobs::Column::LockedUntil, Expr::value(Some(far)))
        .filter(entity::jobs::Column::Id.eq(job.id))
        .exec(&app.db)
        .await
        .unwrap();
    tokio::time::sleep(SLOW_STEP + Duration::from_secs(2)).await;
    worker.shutdown().await;
    assert!(finished.lock().unwrap().is_empty(), "the fenced-off step reached its side effect");
    let row = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(row.state, "running", "the old holder recorded an outcome over the new one");
    assert_eq!(row.locked_by.as_deref(), Some("worker-elsewhere"));
}

on_both_databases!(a_step_longer_than_its_lease_runs_once, a_worker_that_lost_its_lease_stops_its_step);
