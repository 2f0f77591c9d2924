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
