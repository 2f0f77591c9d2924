//! The durable job queue itself: several workers share it without running a job twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use e2e::{DbKind, TestApp, on_both_databases};
use partner_billing::jobs::{Job, JobArgs, JobFailure, NewJob, Step, Worker, enqueue};
use partner_billing::jobs::JobContext;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use partner_billing::jobs::JobState;

/// One run: job id, worker, start, end.
type Run = (String, String, Instant, Instant);

/// Records which worker ran which job, and when.
struct Recorder {
    runs: Arc<Mutex<Vec<Run>>>,
    worker: String,
}

/// What a recorded job is asked to do.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Record {
    #[serde(default)]
    n: u32,
    /// Fail every attempt (for retries).
    #[serde(default)]
    fail: bool,
}

impl JobArgs for Record {
    const KIND: &'static str = "test.record";
}

#[async_trait]
impl Job for Recorder {
    type Args = Record;
    async fn step(&self, _ctx: &JobContext, job: &entity::jobs::Model, args: Record) -> Result<Step<Record>, JobFailure> {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(15)).await;
        self.runs.lock().unwrap().push((job.id.to_string(), self.worker.clone(), start, Instant::now()));
        if args.fail {
            return Err(JobFailure::Retry("asked to fail".into()));
        }
        Ok(Step::Done(json!({ "by": self.worker, "n": args.n })))
    }
}

async fn two_workers_never_run_the_same_job(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let total: u32 = 40;
    for i in 0..total {
        enqueue(&app.db, NewJob::of(&Record { n: i, fail: false }).unwrap()).await.unwrap();
    }
    let runs = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = ["one", "two"]
        .into_iter()
        .map(|name| {
            let handler = Arc::new(Recorder { runs: runs.clone(), worker: name.to_owned() });
            Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = entity::jobs::Entity::find().filter(entity::jobs::Column::State.eq(JobState::Succeeded)).count(&app.db).await.unwrap();
        if done == u64::from(total) {
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
    let mut job = NewJob::of(&Record { n: 0, fail: true }).unwrap();
    job.max_attempts = 2;
    job.idempotency_key = Some("retry-test".into());
    let created = enqueue(&app.db, job.clone()).await.unwrap();
    // The same idempotency key gives back the same job.
    assert_eq!(enqueue(&app.db, job).await.unwrap().id, created.id);
    let runs = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "solo".into() });
    let worker = Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn();
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
    assert_eq!(first.state, JobState::Queued);
    assert_eq!(first.last_error.as_deref(), Some("asked to fail"));
    let wait = first.run_at - chrono::Utc::now();
    assert!(wait > chrono::Duration::seconds(3), "backs off before the next attempt ({wait})");
    // Make it due now: the second attempt is the last, and the job fails for good.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut due: entity::jobs::ActiveModel = first.into();
    due.run_at = Set(chrono::Utc::now());
    due.update(&app.db).await.unwrap();
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "solo".into() });
    let worker = Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let row = entity::jobs::Entity::find_by_id(created.id).one(&app.db).await.unwrap().unwrap();
        if row.state == JobState::Failed {
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

#[derive(serde::Serialize, serde::Deserialize)]
struct SlowArgs {}

impl JobArgs for SlowArgs {
    const KIND: &'static str = "test.slow";
}

#[async_trait]
impl Job for Slow {
    type Args = SlowArgs;
    async fn step(&self, _ctx: &JobContext, _job: &entity::jobs::Model, _: SlowArgs) -> Result<Step<SlowArgs>, JobFailure> {
        self.started.lock().unwrap().push(self.worker.clone());
        tokio::time::sleep(SLOW_STEP).await;
        // The side effect a fenced-off worker must never reach.
        self.finished.lock().unwrap().push(self.worker.clone());
        Ok(Step::Done(json!({ "by": self.worker })))
    }
}

fn slow_worker(app: &TestApp, name: &str, started: &Arc<Mutex<Vec<String>>>, finished: &Arc<Mutex<Vec<String>>>) -> partner_billing::jobs::WorkerHandle {
    let handler = Arc::new(Slow { started: started.clone(), finished: finished.clone(), worker: name.to_owned() });
    Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn()
}

/// #16.10: a step longer than its lease (5 s lease, 8 s step) keeps its lease by heartbeat, so a
/// second worker polling the queue all along never takes the job: one run, one outcome.
async fn a_step_longer_than_its_lease_runs_once(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into()), ("job_lease_seconds", "5".into())]).await;
    let job = enqueue(&app.db, NewJob::of(&SlowArgs {}).unwrap()).await.unwrap();
    let (started, finished) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
    let workers = [slow_worker(&app, "one", &started, &finished), slow_worker(&app, "two", &started, &finished)];
    let deadline = Instant::now() + SLOW_STEP * 3;
    let row = loop {
        let row = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
        if row.state != JobState::Running && row.state != JobState::Queued {
            break row;
        }
        assert!(Instant::now() < deadline, "the job did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for w in workers {
        w.shutdown().await;
    }
    assert_eq!(row.state, JobState::Succeeded);
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
    let job = enqueue(&app.db, NewJob::of(&SlowArgs {}).unwrap()).await.unwrap();
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
    assert_eq!(row.state, JobState::Running, "the old holder recorded an outcome over the new one");
    assert_eq!(row.locked_by.as_deref(), Some("worker-elsewhere"));
}

on_both_databases!(a_step_longer_than_its_lease_runs_once, a_worker_that_lost_its_lease_stops_its_step);

/// Two kinds for the fairness test (no worker runs them).
#[derive(serde::Serialize, serde::Deserialize)]
struct Ingest {
    n: usize,
}

impl JobArgs for Ingest {
    const KIND: &'static str = "test.ingest";
}

#[derive(serde::Serialize, serde::Deserialize)]
struct CreateAccount {
    n: usize,
}

impl JobArgs for CreateAccount {
    const KIND: &'static str = "test.create_account";
}

async fn enqueue_for<A: JobArgs>(app: &TestApp, args: impl Fn(usize) -> A, tenant: uuid::Uuid, n: usize) {
    for i in 0..n {
        let mut job = NewJob::of(&args(i)).unwrap();
        job.tenant = Some(partner_billing::ids::TenantId(tenant));
        enqueue(&app.db, job).await.unwrap();
        // Distinct run_at values: the old first-in-first-out order would be unambiguous.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// #23.4: tenants take turns. A tenant's backlog (6 ingestions enqueued first) does not hold back
/// another tenant's single account creation: one worker takes the backlog's first job, then the
/// other tenant's, then the rest.
///
/// Tenants with no job running go before tenants with one; then the tenant served longest ago.
async fn one_tenants_backlog_does_not_starve_another(db: DbKind) {
    use partner_billing::jobs::queue::{claim, record};
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let (busy, quiet) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    enqueue_for(&app, |n| Ingest { n }, busy, 6).await;
    enqueue_for(&app, |n| CreateAccount { n }, quiet, 1).await;
    let lease = Duration::from_secs(60);
    let mut order = Vec::new();
    while let Some(job) = claim(&app.db, "solo", lease).await.unwrap() {
        order.push(job.kind.clone());
        record(&app.db, &job, "solo", Ok(Step::Done(json!({})))).await.unwrap();
    }
    assert_eq!(order.len(), 7);
    assert_eq!(order[1], "test.create_account", "the quiet tenant waited behind the backlog: {order:?}");
    assert!(order[2..].iter().all(|k| k == "test.ingest"));

    // Several workers: a tenant with a job running waits for the others, even when it was served
    // longer ago. The busy tenant was served last above, so the quiet one goes first now.
    enqueue_for(&app, |n| Ingest { n }, busy, 3).await;
    enqueue_for(&app, |n| CreateAccount { n }, quiet, 2).await;
    let first = claim(&app.db, "one", lease).await.unwrap().unwrap();
    assert_eq!(first.tenant_id, Some(quiet), "the tenant served longest ago goes first");
    let second = claim(&app.db, "two", lease).await.unwrap().unwrap();
    assert_eq!(second.tenant_id, Some(busy), "the quiet tenant has a job running");
    record(&app.db, &second, "two", Ok(Step::Done(json!({})))).await.unwrap();
    // Now the quiet tenant was served longer ago, but still has a job running: busy goes again.
    let third = claim(&app.db, "two", lease).await.unwrap().unwrap();
    assert_eq!(third.tenant_id, Some(busy), "a second worker joined the tenant that already had one");
    assert_eq!(third.locked_by.as_deref(), Some("two"));
    assert!(third.claimed_at.is_some());
}

on_both_databases!(one_tenants_backlog_does_not_starve_another);

/// #23.4: the job list names the worker that runs (or last ran) each job, to platform staff only:
/// a tenant's admin sees its own job without the platform's host names.
async fn the_job_list_names_the_worker_to_platform_staff_only(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into()), ("worker_name", "pb-worker-7".into())]).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Worker Names").await;
    let mut job = NewJob::of(&Record::default()).unwrap();
    job.tenant = Some(partner_billing::ids::TenantId(partner.tenant_id.parse().unwrap()));
    job.payer = Some(partner_billing::ids::PayerId(partner.payer_id.parse().unwrap()));
    let job = enqueue(&app.db, job).await.unwrap();
    let runs = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "recorder".into() });
    let worker = Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new()));
    let worker_id = worker.id.clone();
    let worker = worker.spawn();
    let deadline = Instant::now() + Duration::from_secs(30);
    while runs.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the job did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.shutdown().await;
    assert!(worker_id.starts_with("pb-worker-7:") && worker_id.len() <= 64, "{worker_id}");
    let query = "query($id: ID!) { job(id: $id) { state worker claimedAt } }";
    let vars = json!({ "id": job.id.to_string() });
    let seen = app.gql(admin.bearer(), query, vars.clone()).await;
    assert_eq!(seen.data("job.state"), "SUCCEEDED");
    assert_eq!(seen.data("job.worker"), worker_id.as_str(), "platform staff see the worker");
    assert!(seen.data("job.claimedAt").is_string());
    let partner_view = app.gql(partner.admin.bearer(), query, vars).await;
    assert_eq!(partner_view.data("job.state"), "SUCCEEDED", "the tenant sees its job");
    assert!(partner_view.data("job.worker").is_null(), "a tenant sees no host names");
}

on_both_databases!(the_job_list_names_the_worker_to_platform_staff_only);

/// #18.3: a job's arguments are parsed before its step runs. A stored payload that does not
/// parse as its kind's arguments fails the job at once and for good, naming the kind; the step
/// never runs and nothing retries it.
async fn a_job_whose_arguments_do_not_parse_fails_once_without_running(db: DbKind) {
    use sea_orm::sea_query::Expr;
    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let job = enqueue(&app.db, NewJob::of(&Record { n: 1, fail: false }).unwrap()).await.unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&job.payload).unwrap(), json!({ "n": 1, "fail": false }));
    // What an older release, or a hand edit, might have left in the row.
    entity::jobs::Entity::update_many()
        .col_expr(entity::jobs::Column::Payload, Expr::value(r#"{"n": "one"}"#))
        .filter(entity::jobs::Column::Id.eq(job.id))
        .exec(&app.db)
        .await
        .unwrap();
    let runs = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(Recorder { runs: runs.clone(), worker: "solo".into() });
    let worker = Worker::new(app.state.jobs.clone(), vec![handler], Arc::new(tokio::sync::Notify::new())).spawn();
    let deadline = Instant::now() + Duration::from_secs(10);
    let row = loop {
        let row = entity::jobs::Entity::find_by_id(job.id).one(&app.db).await.unwrap().unwrap();
        if row.state != JobState::Queued && row.state != JobState::Running {
            break row;
        }
        assert!(Instant::now() < deadline, "the job was not settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    worker.shutdown().await;
    assert_eq!(row.state, JobState::Failed);
    assert_eq!(row.attempts, 0, "a permanent failure takes no retry");
    let error = row.last_error.unwrap_or_default();
    assert!(error.contains("test.record") && error.contains("do not parse"), "{error}");
    assert!(runs.lock().unwrap().is_empty(), "the step ran on arguments that do not parse");
}

/// #18.3: every schedule the application registers (all of them switched on) names a kind the
/// registry has a handler for, and stores arguments that handler accepts.
async fn every_schedule_names_a_handled_kind_with_arguments_it_accepts(db: DbKind) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(
        db,
        vec![
            ("run_jobs", "false".into()),
            ("audit_digest_dir", dir.path().display().to_string()),
            ("audit_digest_key_file", dir.path().join("key.pem").display().to_string()),
            ("close_after_days", "5".into()),
        ],
    )
    .await;
    let handlers = partner_billing::job_registry::handlers();
    let schedules = entity::job_schedules::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(schedules.len(), 10, "{:?}", schedules.iter().map(|s| &s.name).collect::<Vec<_>>());
    for schedule in &schedules {
        let handler = handlers.iter().find(|h| h.kind() == schedule.kind);
        let handler = handler.unwrap_or_else(|| panic!("schedule {} names {}, which nothing handles", schedule.name, schedule.kind));
        if let Err(e) = handler.check_args(&schedule.payload) {
            panic!("schedule {} stores arguments its kind refuses: {e:?}", schedule.name);
        }
    }
    let sync = schedules.iter().find(|s| s.kind == "billing.abc_sync").unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&sync.payload).unwrap(), json!({ "payer_id": null }), "every payer in ABC mode");
}

on_both_databases!(a_job_whose_arguments_do_not_parse_fails_once_without_running, every_schedule_names_a_handled_kind_with_arguments_it_accepts);
