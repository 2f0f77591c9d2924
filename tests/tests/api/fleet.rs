//! #23: the fleet shape, tested. Three `partner-billing` processes on one PostgreSQL database —
//! two API replicas (`PB_RUN_JOBS=false`) behind HAProxy (Debian's, installed by scripts/test)
//! and one worker — under a bounded mixed load (reads, writes, an ingestion from S3, account
//! creation against moto, mail to a real SMTP server). The replicas are restarted one at a time
//! (SIGTERM, start again), then the worker is restarted, then a second worker finishes a job
//! whose worker was killed with SIGKILL mid-step. The figures are printed (nextest shows this
//! test's output) and quoted in docs/operations.md.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use e2e::notify::{SmtpSink, free_port};
use e2e::{DbKind, TestApp, aws};
use partner_billing::ids::PayerId;
use partner_billing::demo::generate::{GenFormat, GenOptions, generate};
use partner_billing::ingest;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

const ADMIN_EMAIL: &str = "root@fleet.example";
const ADMIN_PASSWORD: &str = "fleet test passphrase 2026";
/// Short, so the killed worker's job is taken again soon (the heartbeat renews it every third).
const LEASE_SECONDS: u64 = 5;
/// The balancer checks `/readyz` every 250 ms (2 s timeout) and takes a replica out after two
/// failures: out within a second of SIGTERM, and a slow check on a busy machine is not a failure.
const DRAIN_SECONDS: u64 = 3;
const ACCOUNTS: usize = 3;
/// Parts of 20,000 lines in the month whose ingestion the worker is killed in.
const BIG_PARTS: usize = 20;

/// One `partner-billing serve` process; killed when dropped.
struct Server {
    name: String,
    port: u16,
    child: Child,
}

impl Server {
    fn start(binary: &Path, database_url: &str, smtp_url: &str, name: &str, port: u16, run_jobs: bool, log: &Path) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log.join(format!("{name}.log"))).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .env("PB_DATABASE_URL", database_url)
            .env("PB_LISTEN", format!("127.0.0.1:{port}"))
            .env("PB_RUN_JOBS", run_jobs.to_string())
            .env("PB_WORKER_NAME", name)
            .env("PB_JOB_LEASE_SECONDS", LEASE_SECONDS.to_string())
            .env("PB_JOB_POLL_MS", "100")
            .env("PB_SHUTDOWN_DRAIN_SECONDS", DRAIN_SECONDS.to_string())
            .env("PB_SMTP_URL", smtp_url)
            .env("PB_NOTIFY_INTERVAL_MS", "200")
            .env("PB_RATE_LIMIT_PER_MINUTE", "0")
            .env("PB_JWT_SECRET", "fleet-test-signing-secret-0123456789abcdef")
            .env("PB_AWS_ENDPOINT_URL", aws::moto_url())
            .env("PB_AWS_MAX_ATTEMPTS", "1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("PB_FRONTEND_DIR", "/nonexistent")
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Self { name: name.to_owned(), port, child }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status().unwrap();
        assert!(status.success(), "kill -{signal} {}", self.name);
    }

    /// SIGTERM, then waits for a clean exit (the drain plus the requests in flight).
    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        self.signal("TERM");
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{} exited with {status} after SIGTERM", self.name);
                return started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(60), "{} did not stop within 60 s of SIGTERM", self.name);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_ready(&mut self, http: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("{} exited with {status} while starting", self.name);
            }
            if let Ok(r) = http.get(format!("http://127.0.0.1:{}/readyz", self.port)).send().await
                && r.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "{} not ready within 60 s", self.name);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HAProxy in front of the API replicas, health-checking `/readyz`, with a CSV stats page.
struct Balancer {
    port: u16,
    stats_port: u16,
    child: Child,
}

impl Balancer {
    fn start(dir: &Path, servers: &[(&str, u16)]) -> Self {
        let (port, stats_port) = (free_port(), free_port());
        let backends: String = servers.iter().map(|(name, p)| format!("  server {name} 127.0.0.1:{p} check\n")).collect();
        // Retries only where the request never reached a server (conn-failure, HAProxy's
        // default): a mutation is never sent twice. http-server-close: no idle server connection
        // is reused while its replica closes it.
        let config = format!(
            "global\n  maxconn 512\n\
             defaults\n  mode http\n  timeout connect 1s\n  timeout client 60s\n  timeout server 60s\n  retries 3\n  option redispatch 1\n  option http-server-close\n\
             frontend api\n  bind 127.0.0.1:{port}\n  default_backend replicas\n\
             backend replicas\n  balance roundrobin\n  option httpchk\n  http-check send meth GET uri /readyz\n  http-check expect status 200\n  timeout check 2s\n  default-server inter 250ms fall 2 rise 2\n{backends}\
             frontend stats\n  bind 127.0.0.1:{stats_port}\n  stats enable\n  stats uri /stats\n"
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let check = Command::new("haproxy").args(["-c", "-f"]).arg(&path).output().expect("haproxy (scripts/test installs it from Debian)");
        assert!(check.status.success(), "haproxy -c: {}", String::from_utf8_lossy(&check.stderr));
        let child = Command::new("haproxy").arg("-db").arg("-f").arg(&path).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        Self { port, stats_port, child }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The backend's server rows of `show stat`, as header → value.
    async fn servers(&self, http: &reqwest::Client) -> Vec<std::collections::HashMap<String, String>> {
        // Empty until HAProxy listens.
        let Ok(answer) = http.get(format!("http://127.0.0.1:{}/stats;csv", self.stats_port)).send().await else { return Vec::new() };
        let csv = answer.text().await.unwrap();
        let mut lines = csv.lines();
        let header: Vec<String> = lines.next().unwrap().trim_start_matches("# ").split(',').map(str::to_owned).collect();
        lines
            .map(|l| header.iter().cloned().zip(l.split(',').map(str::to_owned)).collect::<std::collections::HashMap<_, _>>())
            .filter(|row| row["pxname"] == "replicas")
            .collect()
    }

    async fn wait_status(&self, http: &reqwest::Client, server: &str, status: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let rows = self.servers(http).await;
            if rows.iter().any(|r| r["svname"] == server && r["status"].starts_with(status)) {
                return;
            }
            assert!(Instant::now() < deadline, "HAProxy never saw {server} {status}: {rows:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the load saw.
#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    failures: AtomicU64,
    writes: AtomicU64,
}

/// One GraphQL call through the balancer: the answer, or why it failed (transport, status, or
/// GraphQL errors).
async fn call(http: &reqwest::Client, url: &str, token: Option<&str>, query: &str, variables: Value) -> Result<Value, String> {
    let mut req = http.post(format!("{url}/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let response = req.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.map_err(|e| format!("{status}: body: {e}"))?;
    if !status.is_success() || body.get("errors").is_some() {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["data"].clone())
}

async fn must(http: &reqwest::Client, url: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    call(http, url, token, query, variables.clone()).await.unwrap_or_else(|e| panic!("{query} {variables}: {e}"))
}

async fn wait_job(http: &reqwest::Client, url: &str, token: &str, id: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let job = must(http, url, Some(token), "query($id: ID!) { job(id: $id) { state attempts worker lastError result } }", json!({ "id": id })).await;
        let job = job["job"].clone();
        if job["state"] == "SUCCEEDED" || job["state"] == "FAILED" {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} did not finish: {job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

const MONTH_TOTAL: &str = "query($p: ID!, $f: NaiveDate!, $t: NaiveDate!) { costSummary(input: { payerIds: [$p], from: $f, to: $t }) { total } }";

fn month_bounds(month: NaiveDate) -> (String, String) {
    let last = month.checked_add_months(chrono::Months::new(1)).unwrap().pred_opt().unwrap();
    (month.to_string(), last.to_string())
}

/// The month's total as a single process on SQLite computes it from the same file: the
/// reference the fleet's ingestion must match to the cent.
async fn reference_total(files: &[PathBuf], management: &str, month: NaiveDate) -> Decimal {
    let app = TestApp::spawn(DbKind::Sqlite).await;
    let admin = app.platform_admin().await;
    let tenant = app.create_tenant(&admin, &partner_billing::ids::ROOT_TENANT_ID.to_string(), "DISTRIBUTOR", "Reference").await;
    let (payer, _) = app.insert_payer(&tenant, "Reference").await;
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        let model = entity::payers::Entity::find_by_id(payer.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
        let mut active: entity::payers::ActiveModel = model.into();
        active.account_id = Set(management.to_owned());
        active.update(&app.db).await.unwrap();
    }
    ingest::ingest_files(app.state.platform(), PayerId(payer.parse().unwrap()), files).await.unwrap();
    let (from, to) = month_bounds(month);
    let total = app.gql(admin.bearer(), MONTH_TOTAL, json!({ "p": payer, "f": from, "t": to })).await;
    total.data("costSummary.total").as_str().unwrap().parse().unwrap()
}

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fleet_behind_haproxy_rolls_under_load_and_survives_a_killed_worker() {
    let begun = Instant::now();
    let binary = e2e::cli_binary();
    let (database_url, _) = e2e::fresh_database(DbKind::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_path_buf();
    eprintln!("fleet logs in {}", logs.display());
    let migrated = Command::new(&binary).arg("migrate").env("PB_DATABASE_URL", &database_url).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let mut create_admin = Command::new(&binary)
        .args(["create-admin", "--email", ADMIN_EMAIL, "--password-stdin"])
        .env("PB_DATABASE_URL", &database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut create_admin.stdin.take().unwrap(), format!("{ADMIN_PASSWORD}\n").as_bytes()).unwrap();
    assert!(create_admin.wait().unwrap().success());
    let db = Database::connect(&database_url).await.unwrap();
    eprintln!("fleet: binary, database and admin at {:.0} s", begun.elapsed().as_secs_f64());

    let smtp = SmtpSink::start(free_port()).await;
    let (p1, p2, pw) = (free_port(), free_port(), free_port());
    let start = |name: &str, port: u16, jobs: bool| Server::start(&binary, &database_url, &smtp.url(), name, port, jobs, &logs);
    let mut api1 = start("api-1", p1, false);
    let mut api2 = start("api-2", p2, false);
    let mut worker = start("worker-1", pw, true);
    let probe = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    for server in [&mut api1, &mut api2, &mut worker] {
        server.wait_ready(&probe).await;
    }
    let lb = Balancer::start(dir.path(), &[("api-1", p1), ("api-2", p2)]);
    lb.wait_status(&probe, "api-1", "UP").await;
    lb.wait_status(&probe, "api-2", "UP").await;
    let url = lb.url();
    eprintln!("fleet: servers and balancer up at {:.0} s", begun.elapsed().as_secs_f64());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();

    // Set-up, through the balancer: a distributor, its payer in moto, its export bucket.
    let login = must(&http, &url, None, "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }", json!({ "e": ADMIN_EMAIL, "p": ADMIN_PASSWORD })).await;
    let token = login["login"]["accessToken"].as_str().unwrap().to_owned();
    let root = partner_billing::ids::ROOT_TENANT_ID.to_string();
    let tenant = must(&http, &url, Some(&token), "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }", json!({ "i": { "parentId": root, "kind": "DISTRIBUTOR", "name": "Fleet Co" } })).await;
    let tenant = tenant["createTenant"]["id"].as_str().unwrap().to_owned();
    let me = must(&http, &url, Some(&token), "{ me { id } }", json!({})).await;
    must(&http, &url, Some(&token), "mutation($i: SubscribeInput!) { subscribe(input: $i) { id } }", json!({ "i": { "eventTypes": ["account.created"], "tenantId": tenant, "userId": me["me"]["id"] } })).await;
    let org = aws::organization(0).await;
    let payer = must(
        &http,
        &url,
        Some(&token),
        "mutation($i: RegisterPayerInput!) { registerPayer(input: $i) { id } }",
        json!({ "i": { "tenantId": tenant, "accountId": org.management, "name": "Fleet payer", "roleArn": aws::role_arn(&org.management) } }),
    )
    .await;
    let payer = payer["registerPayer"]["id"].as_str().unwrap().to_owned();
    let checked = must(&http, &url, Some(&token), "mutation($id: ID!) { checkPayerConnection(id: $id) { status } }", json!({ "id": payer })).await;
    assert_eq!(checked["checkPayerConnection"]["status"], "CONNECTED");

    eprintln!("fleet: tenant and payer at {:.0} s", begun.elapsed().as_secs_f64());
    let (small_month, big_month) = (NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(), NaiveDate::from_ymd_opt(2025, 11, 1).unwrap());
    let sdk = aws::as_account(&org.management).await;
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let bucket = format!("cur-{}", org.management);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // The small month: one file. The big month: one file's rows in 20 parts, as Data Exports
    // splits a large month (a long ingestion step to kill, without generating 400k rows).
    let mut months: Vec<Vec<PathBuf>> = Vec::new();
    for (month, parts, seed) in [(small_month, 1, 5), (big_month, BIG_PARTS, 6)] {
        let file = dir.path().join(format!("export-{month}.snappy.parquet"));
        generate(&GenOptions { rows: 20_000, accounts: 40, month, seed, format: GenFormat::Parquet, out: file.clone(), payer_account: Some(org.management.clone()) }).unwrap();
        let mut copies = Vec::new();
        for part in 1..=parts {
            let copy = dir.path().join(format!("{month}-part-{part:05}.snappy.parquet"));
            std::fs::copy(&file, &copy).unwrap();
            let key = format!("exports/pb/data/BILLING_PERIOD={}/part-{part:05}.snappy.parquet", month.format("%Y-%m"));
            s3.put_object().bucket(&bucket).key(key).body(aws_sdk_s3::primitives::ByteStream::from_path(&copy).await.unwrap()).send().await.unwrap();
            copies.push(copy);
        }
        months.push(copies);
    }
    must(&http, &url, Some(&token), "mutation($p: ID!, $b: String!) { setPayerCostExport(payerId: $p, bucket: $b, prefix: \"exports/\") { costExportBucket } }", json!({ "p": payer, "b": bucket })).await;
    eprintln!("fleet: exports generated and uploaded at {:.0} s", begun.elapsed().as_secs_f64());
    let expected_small = reference_total(&months[0], &org.management, small_month).await;
    let expected_big = reference_total(&months[1], &org.management, big_month).await;
    eprintln!("fleet: reference totals at {:.0} s", begun.elapsed().as_secs_f64());

    // The load: four readers and a writer, through the balancer, until told to stop.
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut load = Vec::new();
    for reader in 0..4 {
        let (http, url, token, payer, tally, stop, errors) = (http.clone(), url.clone(), token.clone(), payer.clone(), tally.clone(), stop.clone(), errors.clone());
        load.push(tokio::spawn(async move {
            let queries = [
                ("{ payers(first: 20) { nodes { id name status } } }", json!({})),
                ("query($p: ID!) { linkedAccounts(payerId: $p) { nodes { accountId } } }", json!({ "p": payer })),
                ("{ jobs(first: 20) { nodes { id state worker } } }", json!({})),
                ("query($p: ID!) { costSummary(input: { payerIds: [$p], from: \"2025-10-01\", to: \"2025-11-30\", groupBy: [SERVICE] }) { total } }", json!({ "p": payer })),
            ];
            let mut i = reader;
            while !stop.load(Ordering::SeqCst) {
                let (q, v) = &queries[i % queries.len()];
                tally.requests.fetch_add(1, Ordering::SeqCst);
                if let Err(e) = call(&http, &url, Some(&token), q, v.clone()).await {
                    tally.failures.fetch_add(1, Ordering::SeqCst);
                    errors.lock().unwrap().push(e);
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    {
        let (http, url, token, tenant, tally, stop, errors) = (http.clone(), url.clone(), token.clone(), tenant.clone(), tally.clone(), stop.clone(), errors.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                tally.requests.fetch_add(1, Ordering::SeqCst);
                let made = call(&http, &url, Some(&token), "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }", json!({ "i": { "parentId": tenant, "kind": "CUSTOMER", "name": format!("Load customer {n}") } })).await;
                match made {
                    Ok(_) => {
                        tally.writes.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        tally.failures.fetch_add(1, Ordering::SeqCst);
                        errors.lock().unwrap().push(e);
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }

    // The work: an ingestion and account creations, enqueued while the fleet rolls.
    let mut jobs = Vec::new();
    let ingest = "mutation($p: ID!, $m: String) { ingestCosts(payerId: $p, billingPeriod: $m) { id } }";
    let job = must(&http, &url, Some(&token), ingest, json!({ "p": payer, "m": "2025-10" })).await;
    jobs.push(job["ingestCosts"]["id"].as_str().unwrap().to_owned());
    let create = "mutation($i: CreateLinkedAccountInput!) { createLinkedAccount(input: $i) { id } }";
    let mut emails = Vec::new();
    let mut rolled = Vec::new();
    let mut replicas = Vec::new();
    for (i, server) in [api1, api2].into_iter().enumerate() {
        let email = format!("fleet-{i}-{}@accounts.example", org.management);
        let job = must(&http, &url, Some(&token), create, json!({ "i": { "payerId": payer, "email": email, "name": format!("Fleet {i}") } })).await;
        jobs.push(job["createLinkedAccount"]["id"].as_str().unwrap().to_owned());
        emails.push(email);
        tokio::time::sleep(Duration::from_secs(2)).await;
        // A rolling restart of one replica: SIGTERM, the balancer sees /readyz fail, it drains
        // and exits; the same replica starts again and the balancer takes it back.
        let (name, port) = (server.name.clone(), server.port);
        let stopping = tokio::spawn(server.stop());
        lb.wait_status(&probe, &name, "DOWN").await;
        let took = stopping.await.unwrap();
        let mut again = start(&name, port, false);
        again.wait_ready(&probe).await;
        lb.wait_status(&probe, &name, "UP").await;
        rolled.push((name, took));
        tokio::time::sleep(Duration::from_secs(1)).await;
        replicas.push(again);
    }
    // The worker too: a graceful restart finishes its step and hands over.
    let email = format!("fleet-w-{}@accounts.example", org.management);
    let job = must(&http, &url, Some(&token), create, json!({ "i": { "payerId": payer, "email": email, "name": "Fleet w" } })).await;
    jobs.push(job["createLinkedAccount"]["id"].as_str().unwrap().to_owned());
    emails.push(email);
    let took = worker.stop().await;
    rolled.push(("worker-1".to_owned(), took));
    let mut worker = start("worker-1", pw, true);
    worker.wait_ready(&probe).await;

    for id in &jobs {
        let job = wait_job(&http, &url, &token, id, Duration::from_secs(120)).await;
        assert_eq!(job["state"], "SUCCEEDED", "{job}");
    }
    let mails = smtp.wait_for(ADMIN_EMAIL, ACCOUNTS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }

    // Every request answered; every write landed once; every job ran once; every mail went once.
    let requests = tally.requests.load(Ordering::SeqCst);
    let failures = tally.failures.load(Ordering::SeqCst);
    let writes = tally.writes.load(Ordering::SeqCst);
    let stats = lb.servers(&probe).await;
    let stat = |field: &str| stats.iter().filter(|r| r["svname"] != "BACKEND").map(|r| r[field].parse::<u64>().unwrap_or(0)).sum::<u64>();
    let (retries, redispatches, went_down) = (stat("wretr"), stat("wredis"), stat("chkdown"));
    assert_eq!(failures, 0, "requests failed: {:?}", errors.lock().unwrap());
    assert!(requests > 200, "the load was light: {requests} requests");
    assert!(went_down >= 2, "the balancer took each replica out through /readyz: {stats:?}");
    let customers = number(&db, &format!("SELECT COUNT(*) FROM tenants WHERE parent_id = '{tenant}' AND kind = 'customer'")).await;
    assert_eq!(customers as u64, writes, "each acknowledged write is there, once");
    let created_calls = number(&db, "SELECT COUNT(*) FROM audit_events WHERE event_name = 'CreateAccount'").await;
    assert_eq!(created_calls, ACCOUNTS as i64, "CreateAccount was called once per account");
    let listed = org.client().await.list_accounts().send().await.unwrap();
    let made: HashSet<&str> = listed.accounts().iter().filter_map(|a| a.email()).filter(|e| e.starts_with("fleet-")).collect();
    assert_eq!(made.len(), ACCOUNTS, "{made:?}");
    let mails_after = smtp.messages().into_iter().filter(|m| m["to"].to_string().contains(ADMIN_EMAIL)).count();
    assert_eq!((mails.len(), mails_after), (ACCOUNTS, ACCOUNTS), "one mail per created account");
    let (from, to) = month_bounds(small_month);
    let small = must(&http, &url, Some(&token), MONTH_TOTAL, json!({ "p": payer, "f": from, "t": to })).await;
    assert_eq!(small["costSummary"]["total"].as_str().unwrap().parse::<Decimal>().unwrap(), expected_small, "the month ingested under the roll is whole");

    eprintln!("fleet: rolled at {:.0} s", begun.elapsed().as_secs_f64());
    // SIGKILL the worker in the middle of an ingestion step; a second worker finishes it once.
    let job = must(&http, &url, Some(&token), ingest, json!({ "p": payer, "m": "2025-11" })).await;
    let big_job = job["ingestCosts"]["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running = number(&db, &format!("SELECT COUNT(*) FROM jobs WHERE id = '{big_job}' AND state = 'running' AND locked_by LIKE 'worker-1:%'")).await;
        if running == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the ingestion never started on worker-1");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still_running = number(&db, &format!("SELECT COUNT(*) FROM jobs WHERE id = '{big_job}' AND state = 'running'")).await;
    assert_eq!(still_running, 1, "the step ended before the kill: make the file bigger");
    worker.signal("KILL");
    let killed_at = Instant::now();
    let _ = worker.child.wait();
    let mut second = start("worker-2", free_port(), true);
    second.wait_ready(&probe).await;
    let finished = wait_job(&http, &url, &token, &big_job, Duration::from_secs(180)).await;
    let recovered_in = killed_at.elapsed();
    assert_eq!(finished["state"], "SUCCEEDED", "{finished}");
    assert_eq!(finished["attempts"], 1, "the killed step counts as one attempt; one more finished it: {finished}");
    assert!(finished["worker"].as_str().unwrap().starts_with("worker-2:"), "{finished}");
    let (from, to) = month_bounds(big_month);
    let big = must(&http, &url, Some(&token), MONTH_TOTAL, json!({ "p": payer, "f": from, "t": to })).await;
    assert_eq!(big["costSummary"]["total"].as_str().unwrap().parse::<Decimal>().unwrap(), expected_big, "the killed ingestion's month is whole, not doubled");
    let succeeded = number(&db, "SELECT COUNT(*) FROM jobs WHERE kind IN ('costs.ingest', 'accounts.create') AND state = 'succeeded'").await;
    assert_eq!(succeeded, (jobs.len() + 1) as i64);

    println!(
        "fleet figures: {requests} requests through HAProxy ({writes} writes), {failures} failed, {retries} retried and {redispatches} redispatched by the balancer; \
         replicas taken out via /readyz {went_down} times; restarts (SIGTERM to exit): {}; jobs {} (each succeeded once; CreateAccount called {created_calls} times), \
         mails {} (one per account); SIGKILLed worker's ingestion of {} lines finished once by worker-2 {:.1} s after the kill (lease {LEASE_SECONDS} s)",
        rolled.iter().map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64())).collect::<Vec<_>>().join(", "),
        jobs.len() + 1,
        mails.len(),
        BIG_PARTS * 20_000,
        recovered_in.as_secs_f64(),
    );
}
