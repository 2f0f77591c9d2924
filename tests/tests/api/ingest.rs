//! Cost ingestion end to end: a generated CUR 2.0 export and the real FOCUS 1.0 sample into the
//! day-grain store, checked against computations that do not use our code (DuckDB, Python's csv
//! module); identical re-ingestion; a process killed part-way; and bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{DbKind, TestApp, cli_binary, on_both_databases};
use partner_billing::ids::{PayerId, ROOT_TENANT_ID};
use partner_billing::demo::generate::{GenFormat, GenOptions, generate, parse_month};
use partner_billing::ingest::{self, Outcome};
use partner_billing::tenancy::unscoped::UnscopedPlatformAccess;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const FOCUS_SAMPLE_BESIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/focus-1.0-sample-1000.csv");

/// The FOCUS 1.0 sample in `shared/data` beside the repository; from a git worktree elsewhere,
/// beside the main checkout (found through git's common directory).
pub(crate) fn focus_sample() -> String {
    if Path::new(FOCUS_SAMPLE_BESIDE).exists() {
        return FOCUS_SAMPLE_BESIDE.to_owned();
    }
    let out = Command::new("git").args(["-C", ROOT, "rev-parse", "--path-format=absolute", "--git-common-dir"]).output().unwrap();
    let common = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let main = common.parent().unwrap();
    main.join("../shared/data/focus-1.0-sample-1000.csv").to_str().unwrap().to_owned()
}

/// The billing account of the payer `setup` registers, which the generated exports bill to
/// (ingestion takes only the payer's own rows).
const PAYER_ACCOUNT: &str = "123456789012";

/// An app with one payer (account [`PAYER_ACCOUNT`]), and the unscoped handle platform jobs use.
async fn setup(kind: DbKind) -> (TestApp, PayerId, UnscopedPlatformAccess) {
    let account = PAYER_ACCOUNT;
    let app = TestApp::spawn(kind).await;
    let (payer, _) = app.insert_payer(&ROOT_TENANT_ID.to_string(), "Costs payer").await;
    set_account(&app, &payer, account).await;
    let platform = UnscopedPlatformAccess::new(app.db.clone());
    (app, PayerId::parse(&payer).unwrap(), platform)
}

async fn set_account(app: &TestApp, payer: &str, account: &str) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let model = entity::payers::Entity::find_by_id(payer.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    let mut active: entity::payers::ActiveModel = model.into();
    active.account_id = Set(account.to_owned());
    active.update(&app.db).await.unwrap();
}

fn gen_cur(dir: &Path, name: &str, rows: u64, accounts: u32, seed: u64, format: GenFormat) -> PathBuf {
    gen_cur_for(PAYER_ACCOUNT, dir, name, rows, accounts, seed, format)
}

pub(crate) fn gen_cur_for(payer: &str, dir: &Path, name: &str, rows: u64, accounts: u32, seed: u64, format: GenFormat) -> PathBuf {
    let out = dir.join(name);
    let month = parse_month("2024-09").unwrap();
    let options = GenOptions { rows, accounts, month, seed, format, out: out.clone(), payer_account: Some(payer.to_owned()) };
    assert_eq!(generate(&options).unwrap(), rows);
    out
}

/// A decimal string (`-12.5`, `0.00000080000`) as an integer of 10⁻¹² units, exactly.
pub(crate) fn units12(s: &str) -> i128 {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(frac.len() <= 12 || frac[12..].bytes().all(|b| b == b'0'), "{s} has more than 12 decimals");
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(12).collect();
    let v = int.parse::<i128>().unwrap() * 1_000_000_000_000 + frac.parse::<i128>().unwrap();
    if neg { -v } else { v }
}

/// Runs Python from the test venv with a script and arguments; returns its JSON output.
pub(crate) fn python(script: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(format!("{ROOT}/.venv/bin/python"))
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python with duckdb is installed by scripts/test in .venv");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Our totals per `column` of cost_daily: sums (10⁻⁸ units) of unblended, net, amortized and
/// list cost, and the number of day-grain rows.
async fn our_totals(app: &TestApp, column: &str, source: &str) -> BTreeMap<String, ([i128; 4], i64)> {
    let sql = format!(
        "SELECT {column} AS k, CAST(SUM(unblended_cost) AS BIGINT) AS u, CAST(SUM(net_unblended_cost) AS BIGINT) AS n, \
         CAST(SUM(amortized_cost) AS BIGINT) AS a, CAST(SUM(list_cost) AS BIGINT) AS l, COUNT(*) AS c \
         FROM cost_daily WHERE source = '{source}' GROUP BY {column}"
    );
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    rows.iter()
        .map(|r| {
            let get = |c: &str| i128::from(r.try_get::<i64>("", c).unwrap());
            (r.try_get::<String>("", "k").unwrap(), ([get("u"), get("n"), get("a"), get("l")], r.try_get::<i64>("", "c").unwrap()))
        })
        .collect()
}

/// Every day-grain row's key and amounts, for "nothing changed" checks.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let sql = "SELECT source, billing_period, usage_date, usage_account_id, service_code, usage_type, operation, region, charge_type, \
               unblended_cost, net_unblended_cost, amortized_cost, list_cost, usage_quantity FROM cost_daily";
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            let s = |c: &str| r.try_get::<String>("", c).unwrap_or_default();
            let i = |c: &str| r.try_get::<i64>("", c).unwrap();
            let date = r.try_get::<chrono::NaiveDate>("", "usage_date").map(|d| d.to_string()).unwrap_or_else(|_| s("usage_date"));
            format!(
                "{} {} {date} {} {} {} {} {} {} {} {} {} {} {}",
                s("source"),
                s("billing_period"),
                s("usage_account_id"),
                s("service_code"),
                s("usage_type"),
                s("operation"),
                s("region"),
                s("charge_type"),
                i("unblended_cost"),
                i("net_unblended_cost"),
                i("amortized_cost"),
                i("list_cost"),
                s("usage_quantity")
            )
        })
        .collect();
    out.sort();
    out
}

/// Status and error of every ingestion, oldest first.
async fn ingestions(app: &TestApp) -> Vec<(String, Option<String>)> {
    let sql = "SELECT status, error FROM ingestions ORDER BY started_at, id";
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| (r.try_get::<String>("", "status").unwrap(), r.try_get::<Option<String>>("", "error").unwrap())).collect()
}

/// The same totals computed by DuckDB straight from the Parquet file, as exact decimals:
/// amortized cost by AWS's published line-item-type rules.
pub(crate) const DUCKDB_TOTALS: &str = r#"
import duckdb, json, sys
path, key = sys.argv[1], sys.argv[2]
def d(c): return f"CAST({c} AS DECIMAL(38,10))"
q = f"""
SELECT {key} AS k,
  SUM({d('line_item_unblended_cost')}) AS u,
  SUM(COALESCE({d('line_item_net_unblended_cost')}, {d('line_item_unblended_cost')})) AS n,
  SUM(CASE line_item_line_item_type
    WHEN 'SavingsPlanCoveredUsage' THEN COALESCE({d('savings_plan_savings_plan_effective_cost')}, 0)
    WHEN 'SavingsPlanRecurringFee' THEN COALESCE({d('savings_plan_total_commitment_to_date')}, 0) - COALESCE({d('savings_plan_used_commitment')}, 0)
    WHEN 'SavingsPlanNegation' THEN 0
    WHEN 'SavingsPlanUpfrontFee' THEN 0
    WHEN 'DiscountedUsage' THEN COALESCE({d('reservation_effective_cost')}, 0)
    WHEN 'RIFee' THEN COALESCE({d('reservation_unused_amortized_upfront_fee_for_billing_period')}, 0) + COALESCE({d('reservation_unused_recurring_fee')}, 0)
    ELSE CASE WHEN line_item_line_item_type = 'Fee' AND COALESCE(reservation_reservation_a_r_n, '') <> '' THEN 0
              ELSE {d('line_item_unblended_cost')} END
  END) AS a,
  SUM(COALESCE({d('pricing_public_on_demand_cost')}, 0)) AS l
FROM read_parquet(?) GROUP BY 1
"""
rows = duckdb.execute(q, [path]).fetchall()
print(json.dumps({r[0]: [format(v, 'f') for v in r[1:]] for r in rows}))
"#;

/// Ours equals theirs to within the storage rounding (half of 10⁻⁸ per day-grain row), far
/// inside a cent.
pub(crate) fn assert_matches(ours: &BTreeMap<String, ([i128; 4], i64)>, theirs: &serde_json::Value, what: &str) {
    let theirs = theirs.as_object().unwrap();
    let mut their_keys: Vec<&String> = theirs.keys().collect();
    their_keys.sort();
    assert_eq!(ours.keys().collect::<Vec<_>>(), their_keys, "{what}: the same groups");
    for (k, (sums, rows)) in ours {
        for (m, name) in ["unblended", "net unblended", "amortized", "list"].iter().enumerate() {
            let expected = units12(theirs[k][m].as_str().unwrap());
            let got = sums[m] * 10_000;
            let bound = i128::from(*rows) * 5_000;
            assert!(
                (got - expected).abs() <= bound && (got - expected).abs() < 10_000_000_000,
                "{what} {k} {name}: ours {got} vs independent {expected} (10^-12 units), allowed {bound}"
            );
        }
    }
}

async fn generated_cur_matches_duckdb(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let file = gen_cur(dir.path(), "cur.parquet", 40_000, 12, 11, GenFormat::Parquet);
    let report = ingest::ingest_files(&platform, payer, std::slice::from_ref(&file)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(report.rows_read, 40_000);
    assert_eq!(report.periods.len(), 1);
    assert_eq!((report.periods[0].source.as_str(), report.periods[0].billing_period.as_str()), ("cur", "2024-09"));
    assert_eq!(report.periods[0].lines, 40_000);
    let path = file.to_str().unwrap();
    let by_account = python(DUCKDB_TOTALS, &[path, "line_item_usage_account_id"]);
    assert_matches(&our_totals(&app, "usage_account_id", "cur").await, &by_account, "per account");
    let by_service = python(DUCKDB_TOTALS, &[path, "line_item_product_code"]);
    let services = our_totals(&app, "service_code", "cur").await;
    assert!(services.len() >= 10, "a realistic mix of services: {:?}", services.keys());
    assert_matches(&services, &by_service, "per service");
    // Credits and refunds are negative and kept.
    let negative = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM cost_daily WHERE charge_type IN ('Credit', 'Refund', 'SavingsPlanNegation') AND unblended_cost < 0",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert!(negative > 0);
    // Every row keeps a line item description of its lines (the generator writes one per line),
    // e.g. the tax lines'.
    let described = |sql: &str| {
        let sql = sql.to_owned();
        let app = &app;
        async move {
            app.db.query_one_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap()
        }
    };
    assert_eq!(described("SELECT COUNT(*) AS n FROM cost_daily WHERE line_item_description = ''").await, 0);
    assert!(described("SELECT COUNT(*) AS n FROM cost_daily WHERE charge_type = 'Tax' AND line_item_description = 'Tax for product code'").await > 0);
}

async fn csv_gz_export_gives_the_same_day_grain_as_parquet(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let parquet = gen_cur(dir.path(), "cur.parquet", 6_000, 5, 3, GenFormat::Parquet);
    let csv = gen_cur(dir.path(), "cur.csv.gz", 6_000, 5, 3, GenFormat::CsvGz);
    ingest::ingest_files(&platform, payer, &[parquet]).await.unwrap();
    let from_parquet = snapshot(&app).await;
    let report = ingest::ingest_files(&platform, payer, &[csv]).await.unwrap();
    assert_eq!(report.files[0].format, "CUR CSV.gz");
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(snapshot(&app).await, from_parquet, "CSV.gz (exact decimals) and Parquet (doubles) agree row for row");
}

const FOCUS_TOTALS: &str = r#"
import csv, json, sys
from decimal import Decimal
def d(v): return Decimal(0) if v in ("", "NULL") else Decimal(v)
tot = {}
with open(sys.argv[1], newline="") as f:
    for r in csv.DictReader(f):
        if r["ProviderName"] != "AWS":
            continue
        b, e = tot.get(r["SubAccountId"], (Decimal(0), Decimal(0)))
        tot[r["SubAccountId"]] = (b + d(r["BilledCost"]), e + d(r["EffectiveCost"]))
print(json.dumps({k: [format(b, "f"), format(e, "f")] for k, (b, e) in tot.items()}))
"#;

async fn focus_sample_matches_python_csv(kind: DbKind) {
    // The sample's AWS rows bill to a made-up 13-digit billing account; a copy bills them to
    // the payer's (ingestion takes only the payer's own rows).
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("focus-sample.csv");
    let original = focus_sample();
    std::fs::write(&sample, std::fs::read_to_string(&original).unwrap().replace("\"1234567890123\"", &format!("\"{PAYER_ACCOUNT}\""))).unwrap();
    let report = ingest::ingest_files(&platform, payer, std::slice::from_ref(&sample)).await.unwrap();
    assert_eq!(report.files[0].format, "FOCUS CSV");
    assert_eq!(report.rows_read, 1000);
    assert_eq!(report.rows_other_provider, 58, "51 Microsoft and 7 Oracle rows are left out");
    assert_eq!(report.periods.iter().map(|p| (p.source.as_str(), p.billing_period.as_str(), p.lines)).collect::<Vec<_>>(), vec![("focus", "2024-09", 942)]);
    let theirs = python(FOCUS_TOTALS, &[&original]);
    let theirs = theirs.as_object().unwrap();
    let ours = our_totals(&app, "usage_account_id", "focus").await;
    let mut their_keys: Vec<&String> = theirs.keys().collect();
    their_keys.sort();
    assert_eq!(ours.keys().collect::<Vec<_>>(), their_keys);
    for (account, ([billed, _, effective, _], rows)) in &ours {
        let bound = i128::from(*rows) * 5_000;
        for (got, expected, name) in [(billed, &theirs[account][0], "BilledCost"), (effective, &theirs[account][1], "EffectiveCost")] {
            let (got, expected) = (got * 10_000, units12(expected.as_str().unwrap()));
            assert!((got - expected).abs() <= bound, "{account} {name}: ours {got} vs python {expected}");
        }
    }
    // The credit row (negative) is there, under its FOCUS charge category.
    let credit = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), "SELECT CAST(SUM(unblended_cost) AS BIGINT) AS s FROM cost_daily WHERE charge_type = 'Credit'"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "s")
        .unwrap();
    assert_eq!(credit, -261_370_000);
}

async fn identical_reingestion_is_a_no_op(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let first = gen_cur(dir.path(), "a.parquet", 8_000, 6, 1, GenFormat::Parquet);
    let second = gen_cur(dir.path(), "b.parquet", 8_000, 6, 2, GenFormat::Parquet);

    let r1 = ingest::ingest_files(&platform, payer, std::slice::from_ref(&first)).await.unwrap();
    let after_first = snapshot(&app).await;
    assert_eq!(app.rollup_mismatches().await, Vec::<String>::new(), "the month rollup after an ingestion");
    let again = ingest::ingest_files(&platform, payer, std::slice::from_ref(&first)).await.unwrap();
    assert_eq!(again.outcome, Outcome::Skipped);
    assert_eq!(again.skipped, vec![("cur".to_owned(), "2024-09".to_owned())]);
    assert_eq!(snapshot(&app).await, after_first);
    let writer = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), "SELECT DISTINCT ingestion_id FROM cost_daily"))
        .await
        .unwrap();
    assert_eq!(writer.len(), 1, "the rows are still the first run's");
    assert_eq!(ingestions(&app).await.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), vec!["SUCCEEDED", "SKIPPED"]);

    // Other files for the month replace it; the first files then are not current any more.
    let r2 = ingest::ingest_files(&platform, payer, &[second]).await.unwrap();
    assert_eq!(r2.outcome, Outcome::Succeeded);
    assert_ne!(snapshot(&app).await, after_first);
    assert_eq!(app.rollup_mismatches().await, Vec::<String>::new(), "the month rollup after a period was replaced");
    let back = ingest::ingest_files(&platform, payer, &[first]).await.unwrap();
    assert_eq!(back.outcome, Outcome::Succeeded);
    assert_eq!(snapshot(&app).await, after_first, "re-ingesting gives exactly the same rows");
    assert_eq!(app.rollup_mismatches().await, Vec::<String>::new(), "the month rollup after re-ingestion");
    if kind == DbKind::Postgres {
        // Ingestion refreshed the planner's statistics of the cost tables (the cumulative
        // statistics reach other sessions within a second or so).
        let sql = "SELECT relname::text FROM pg_stat_user_tables WHERE relname LIKE 'cost\\_%' AND last_analyze IS NOT NULL ORDER BY 1";
        let mut analysed = Vec::new();
        for _ in 0..50 {
            analysed = app.column(sql).await;
            if analysed.len() == 7 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(analysed, ["cost_daily", "cost_daily_tags", "cost_monthly", "cost_monthly_account", "cost_monthly_pricing", "cost_monthly_service", "cost_monthly_tags", "cost_monthly_usage"]);
    }
    let rollup_rows = app.count("cost_monthly").await;
    assert!(rollup_rows > 0 && rollup_rows < app.count("cost_daily").await, "{rollup_rows} rollup rows");
    assert_eq!(back.periods[0].rows_written, r1.periods[0].rows_written);
}


/// Waits until the child's write transaction is open, then kills it. On SQLite the probe is a
/// write lock it cannot take; on PostgreSQL a second backend of this database holding a
/// transaction id.
async fn kill_inside_write_transaction(app: &TestApp, child: &mut std::process::Child) {
    let backend = app.db.get_database_backend();
    let deadline = Instant::now() + Duration::from_secs(300);
    // First the RUNNING record (committed on its own), then the replacement transaction.
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the ingestion ended before it could be killed");
        assert!(Instant::now() < deadline, "the ingestion never started");
        if ingestions(app).await.iter().any(|(s, _)| s == "RUNNING") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let probe = match backend {
        DbBackend::Sqlite => {
            let mut opts = sea_orm::ConnectOptions::new(app.database_url.clone());
            opts.max_connections(1).min_connections(1).sqlx_logging(false);
            let probe = Database::connect(opts).await.unwrap();
            probe.execute_unprepared("PRAGMA busy_timeout = 0").await.unwrap();
            Some(probe)
        }
        _ => None,
    };
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the ingestion committed before it could be killed; use a larger file");
        assert!(Instant::now() < deadline, "the write transaction never started");
        let writing = match &probe {
            Some(p) => match p.execute_unprepared("BEGIN IMMEDIATE").await {
                Ok(_) => {
                    p.execute_unprepared("ROLLBACK").await.unwrap();
                    false
                }
                Err(_) => true,
            },
            None => {
                let sql = "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL";
                let row = app.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
                row.try_get::<i64>("", "n").unwrap() > 0
            }
        };
        if writing {
            // Let it delete the old month and insert a few batches first.
            tokio::time::sleep(Duration::from_millis(150)).await;
            child.kill().unwrap();
            child.wait().unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The killed run's own record: (status, holder, holder_ns set, heartbeat_at, lease_until).
async fn last_record(app: &TestApp) -> (String, Option<String>, bool, Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>) {
    let sql = "SELECT status, holder, holder_ns, heartbeat_at, lease_until FROM ingestions ORDER BY started_at DESC, id DESC";
    let row = app.db.query_one_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap();
    (
        row.try_get("", "status").unwrap(),
        row.try_get("", "holder").unwrap(),
        row.try_get::<Option<String>>("", "holder_ns").unwrap().is_some(),
        row.try_get("", "heartbeat_at").unwrap(),
        row.try_get("", "lease_until").unwrap(),
    )
}

const HEALTH: &str = "query($p: ID!) { ingestionHealth(payerId: $p) { status reason lastIngestion { id status message heartbeatAt holder finishedAt } } }";

/// Issue #16 item 16: a killed ingestion's record does not stay RUNNING forever. The CLI run
/// renews a heartbeat (every second here) and names its process; killed in the middle of its
/// write transaction, it leaves the previous month intact, and its record becomes ABANDONED —
/// by its lease running out where its process cannot be seen (as from another machine), or at
/// once where it can be seen to be gone (the payer's next ingestion) — and a later ingestion of
/// the same month succeeds.
async fn killed_mid_ingestion_leaves_the_previous_month_intact(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let admin = app.platform_admin().await;
    let dir = tempfile::tempdir().unwrap();
    let old = gen_cur(dir.path(), "old.parquet", 4_000, 5, 1, GenFormat::Parquet);
    ingest::ingest_files(&platform, payer, &[old]).await.unwrap();
    let before = snapshot(&app).await;
    let big = gen_cur(dir.path(), "big.parquet", 150_000, 80, 2, GenFormat::Parquet);
    let spawn = |heartbeat: &str| {
        Command::new(cli_binary())
            .args(["ingest", "--payer", &payer.to_string(), big.to_str().unwrap()])
            .env("PB_DATABASE_URL", &app.database_url)
            .env("PB_INGEST_HEARTBEAT_SECONDS", heartbeat)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };

    let mut child = spawn("1");
    let pid = child.id();
    kill_inside_write_transaction(&app, &mut child).await;
    assert_eq!(snapshot(&app).await, before, "the killed run left the previous month exactly as it was");
    let (status, holder, has_ns, beat, lease) = last_record(&app).await;
    assert_eq!(status, "RUNNING");
    let holder = holder.unwrap();
    assert!(holder.contains(&format!(":{pid}:")), "the record names the process that ran it: {holder}");
    assert!(has_ns, "and where its process ids are seen");
    let lease_length = lease.unwrap() - beat.unwrap();
    assert_eq!(lease_length.num_seconds(), 3, "a lease of three 1-second heartbeats: {lease_length:?}");

    // As seen from another machine (its process cannot be checked): the lease decides. With a
    // lease still out it is RUNNING; once it ran out, ingestion health marks it ABANDONED.
    let fresh = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    // RFC 3339 is also how timestamps are written on SQLite, so the lease compares as written.
    let moved = format!("UPDATE ingestions SET holder_ns = 'another machine', lease_until = '{fresh}' WHERE status = 'RUNNING'");
    assert_eq!(app.db.execute_raw(Statement::from_string(app.db.get_database_backend(), moved)).await.unwrap().rows_affected(), 1);
    let moved_at = Instant::now();
    let health = app.gql(admin.bearer(), HEALTH, serde_json::json!({ "p": payer.to_string() })).await;
    assert_eq!(health.data("ingestionHealth.lastIngestion.status"), "RUNNING", "{}", health.body);
    assert_eq!(health.data("ingestionHealth.lastIngestion.holder"), holder.as_str(), "platform staff see which process runs it");
    let health = loop {
        let health = app.gql(admin.bearer(), HEALTH, serde_json::json!({ "p": payer.to_string() })).await;
        if health.data("ingestionHealth.lastIngestion.status") == "ABANDONED" {
            break health;
        }
        assert!(moved_at.elapsed() < Duration::from_secs(15), "never marked abandoned: {}", health.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(moved_at.elapsed() >= Duration::from_millis(1500), "not before its lease ran out ({:?})", moved_at.elapsed());
    let message = health.data("ingestionHealth.lastIngestion.message").as_str().unwrap().to_owned();
    assert!(message.starts_with("abandoned: no heartbeat from the process that ran it") && message.contains(&holder), "{message}");
    assert!(!health.data("ingestionHealth.lastIngestion.finishedAt").is_null());
    assert_eq!(health.data("ingestionHealth.status"), "FAILED");
    assert_eq!(health.data("ingestionHealth.reason").as_str().unwrap(), format!("the last ingestion was {message}"));
    assert_eq!(last_record(&app).await.0, "ABANDONED", "recorded, not only shown");

    // Killed again, with the default 5-second heartbeat (a 15-second lease): on this machine its
    // process is seen gone, so the payer's next ingestion marks it at once, then succeeds.
    let mut child = spawn("5");
    let deadline = Instant::now() + Duration::from_secs(120);
    while last_record(&app).await.0 != "RUNNING" {
        assert!(child.try_wait().unwrap().is_none(), "the second ingestion ended before it could be killed");
        assert!(Instant::now() < deadline, "the second ingestion never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = Instant::now();
    let report = ingest::ingest_files(&platform, payer, &[big]).await.unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(report.periods[0].lines, 150_000);
    let statuses = ingestions(&app).await;
    assert_eq!(statuses.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(), vec!["SUCCEEDED", "ABANDONED", "ABANDONED", "SUCCEEDED"]);
    let gone = statuses[2].1.as_deref().unwrap();
    assert!(gone.starts_with("abandoned: the process that ran it (") && gone.contains(") is gone"), "{gone}");
    assert!(killed_at.elapsed() < Duration::from_secs(15), "marked before its lease could run out");
    assert_ne!(snapshot(&app).await, before);
    let health = app.gql(admin.bearer(), HEALTH, serde_json::json!({ "p": payer.to_string() })).await;
    assert_eq!(health.data("ingestionHealth.lastIngestion.status"), "SUCCEEDED", "{}", health.body);
}

/// Issue #16 item 16, in-process: an ingestion whose task is cancelled (as when its job's lease
/// is lost and the worker drops the step) marks its own record ABANDONED at once, and the next
/// ingestion of the month succeeds.
async fn a_cancelled_ingestion_marks_its_record_abandoned(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let big = gen_cur(dir.path(), "big.parquet", 150_000, 80, 3, GenFormat::Parquet);
    let run = {
        let (platform, big) = (platform.clone(), big.clone());
        tokio::spawn(async move { ingest::ingest_files(&platform, payer, &[big]).await })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ingestions(&app).await.iter().any(|(s, _)| s == "RUNNING") {
        assert!(!run.is_finished(), "the ingestion ended before it could be cancelled");
        assert!(Instant::now() < deadline, "the ingestion never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    let deadline = Instant::now() + Duration::from_secs(5);
    let statuses = loop {
        let statuses = ingestions(&app).await;
        if statuses.iter().all(|(s, _)| s != "RUNNING") {
            break statuses;
        }
        assert!(Instant::now() < deadline, "the cancelled run stayed RUNNING: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].0, "ABANDONED");
    let why = statuses[0].1.as_deref().unwrap();
    assert!(why.contains("stopped it before it finished") && why.contains(partner_billing::ingest::heartbeat::holder()), "{why}");
    assert_eq!(app.count("cost_daily").await, 0, "nothing it read was written");

    let report = ingest::ingest_files(&platform, payer, &[big]).await.unwrap();
    assert_eq!((report.outcome, report.periods[0].lines), (Outcome::Succeeded, 150_000));
}

/// Issue #16 item 16, fencing: a run judged abandoned while it was in fact alive (as when it was
/// paused past its lease, or cut off from the database) writes nothing when it comes back: its
/// outcome is fenced on its record still being RUNNING under its process.
async fn a_run_abandoned_while_alive_writes_nothing(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let big = gen_cur(dir.path(), "big.parquet", 150_000, 80, 4, GenFormat::Parquet);
    let run = {
        let (platform, big) = (platform.clone(), big.clone());
        // A heartbeat that will not come before the run ends, so only the lease below counts.
        let options = ingest::IngestOptions { heartbeat: Some(Duration::from_secs(600)), ..Default::default() };
        tokio::spawn(async move { ingest::ingest_files_with(&platform, payer, &[big], &options).await })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ingestions(&app).await.iter().any(|(s, _)| s == "RUNNING") {
        assert!(!run.is_finished(), "the ingestion ended before its lease could be taken away");
        assert!(Instant::now() < deadline, "the ingestion never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // As seen from another machine, with its lease run out: a reader marks it ABANDONED.
    let past = (chrono::Utc::now() - chrono::Duration::seconds(10)).to_rfc3339();
    let sql = format!("UPDATE ingestions SET holder_ns = 'another machine', lease_until = '{past}' WHERE status = 'RUNNING'");
    app.db.execute_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    assert_eq!(partner_billing::ingest::heartbeat::close_abandoned(platform.db(), payer).await.unwrap(), 1);
    assert_eq!(partner_billing::ingest::heartbeat::close_abandoned(platform.db(), payer).await.unwrap(), 0, "marked once");

    let err = run.await.unwrap().unwrap_err();
    assert!(matches!(err, partner_billing::error::AppError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("marked abandoned while it ran"), "{err}");
    assert_eq!(app.count("cost_daily").await, 0, "its replacement was rolled back");
    let statuses = ingestions(&app).await;
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].0, "ABANDONED", "the verdict stands: {statuses:?}");
    assert!(statuses[0].1.as_deref().unwrap().contains("no heartbeat"), "{statuses:?}");
}

/// On PostgreSQL a run's lease is renewed while its later periods are written: the run's own
/// record is updated only just before the commit, so the write does not lock the row its
/// heartbeat renews (a write longer than the lease would otherwise let it run out under a live
/// run, and a reader on another machine mark the run abandoned). The run is held at its second
/// month by that month's replacement lock, taken here first. PostgreSQL only: SQLite has one
/// writer, and there a live process's run is never judged by its lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_is_renewed_while_a_later_period_is_written() {
    let (app, payer, platform) = setup(DbKind::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let september = gen_cur(dir.path(), "september.parquet", 5_000, 5, 11, GenFormat::Parquet);
    let october = dir.path().join("october.parquet");
    let options = GenOptions {
        rows: 5_000,
        accounts: 5,
        month: parse_month("2024-10").unwrap(),
        seed: 12,
        format: GenFormat::Parquet,
        out: october.clone(),
        payer_account: Some(PAYER_ACCOUNT.to_owned()),
    };
    assert_eq!(generate(&options).unwrap(), 5_000);

    let mut opts = sea_orm::ConnectOptions::new(app.database_url.clone());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let holder = Database::connect(opts).await.unwrap();
    let october_lock = sea_orm::Value::from(ingest::period_lock_key(payer, "cur", "2024-10"));
    let lock = |sql: &str| Statement::from_sql_and_values(DbBackend::Postgres, sql, [october_lock.clone()]);
    holder.execute_raw(lock("SELECT pg_advisory_lock($1)")).await.unwrap();

    let run = {
        let (platform, files) = (platform.clone(), vec![september, october]);
        let options = ingest::IngestOptions { heartbeat: Some(Duration::from_millis(200)), ..Default::default() };
        tokio::spawn(async move { ingest::ingest_files_with(&platform, payer, &files, &options).await })
    };
    let sql = |s: &str| Statement::from_string(DbBackend::Postgres, s.to_owned());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(!run.is_finished(), "the run ended while October's lock was held");
        assert!(Instant::now() < deadline, "the run never reached October");
        let waiting = app.db.query_one_raw(sql("SELECT count(*) AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE d.datname = current_database() AND l.locktype = 'advisory' AND NOT l.granted")).await.unwrap().unwrap();
        if waiting.try_get::<i64>("", "n").unwrap() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // September is written (uncommitted) and the run waits for October: its heartbeat still lands.
    let beat = || async {
        let row = app.db.query_one_raw(sql("SELECT heartbeat_at, lease_until FROM ingestions WHERE status = 'RUNNING'")).await.unwrap().unwrap();
        let at: chrono::DateTime<chrono::Utc> = row.try_get("", "heartbeat_at").unwrap();
        let until: chrono::DateTime<chrono::Utc> = row.try_get("", "lease_until").unwrap();
        (at, until)
    };
    let (first, _) = beat().await;
    let renewed_by = Instant::now() + Duration::from_secs(15);
    let (renewed, lease) = loop {
        let (at, until) = beat().await;
        if at > first {
            break (at, until);
        }
        assert!(Instant::now() < renewed_by, "no heartbeat landed in 15 s while the run wrote: the lease would have run out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(lease - renewed, chrono::Duration::milliseconds(600), "three 200 ms periods");

    holder.execute_raw(lock("SELECT pg_advisory_unlock($1)")).await.unwrap();
    let report = run.await.unwrap().unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    let periods: Vec<&str> = report.periods.iter().map(|p| p.billing_period.as_str()).collect();
    assert_eq!(periods, ["2024-09", "2024-10"]);
    let statuses = ingestions(&app).await;
    assert!(statuses.len() == 2 && statuses.iter().all(|(s, _)| s == "SUCCEEDED"), "{statuses:?}");
}

/// A file DuckDB writes, for schemas our generator would never produce.
fn duckdb_parquet(path: &Path, select: &str) {
    let script = "import duckdb, sys; duckdb.execute(f\"COPY ({sys.argv[2]}) TO '{sys.argv[1]}' (FORMAT PARQUET)\"); print('{}')";
    python(script, &[path.to_str().unwrap(), select]);
}

async fn bad_input_fails_naming_file_and_column_and_writes_nothing(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let good = gen_cur(dir.path(), "good.parquet", 3_000, 4, 5, GenFormat::Parquet);
    ingest::ingest_files(&platform, payer, std::slice::from_ref(&good)).await.unwrap();
    let before = snapshot(&app).await;

    // A truncated Parquet file.
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.parquet");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    // A CUR-looking Parquet file whose usage date is a number.
    let wrong_type = dir.path().join("wrong-type.parquet");
    duckdb_parquet(
        &wrong_type,
        "SELECT TIMESTAMP '2024-09-01' AS bill_billing_period_start_date, 42 AS line_item_usage_start_date, '111111111111' AS line_item_usage_account_id, '123456789012' AS bill_payer_account_id, \
         'AmazonEC2' AS line_item_product_code, 'Usage' AS line_item_line_item_type, 'USD' AS line_item_currency_code, 1.5::DOUBLE AS line_item_unblended_cost",
    );
    // A Parquet file that is no cost export at all.
    let unrelated = dir.path().join("unrelated.parquet");
    duckdb_parquet(&unrelated, "SELECT 1 AS id, 'x' AS name");
    // A legacy CUR CSV without its usage account column.
    let missing = dir.path().join("missing-column.csv");
    std::fs::write(
        &missing,
        "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/LineItemType,lineItem/CurrencyCode,lineItem/UnblendedCost\n\
         123456789012,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,AmazonEC2,Usage,USD,1.0\n",
    )
    .unwrap();
    // A legacy CUR CSV with a cost that is not a number on its second record.
    let bad_value = dir.path().join("bad-value.csv");
    std::fs::write(
        &bad_value,
        "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageAccountId,lineItem/ProductCode,lineItem/LineItemType,lineItem/CurrencyCode,lineItem/UnblendedCost\n\
         123456789012,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,111111111111,AmazonEC2,Usage,USD,1.0\n\
         123456789012,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,111111111111,AmazonEC2,Usage,USD,12;50\n",
    )
    .unwrap();

    let cases: [(&Path, &[&str]); 5] = [
        (&truncated, &["truncated.parquet", "not a readable Parquet file"]),
        (&wrong_type, &["wrong-type.parquet", "column line_item_usage_start_date has type Int32; expected a timestamp or date"]),
        (&unrelated, &["unrelated.parquet", "not a CUR 2.0, legacy CUR or FOCUS export"]),
        (&missing, &["missing-column.csv", "missing required column line_item_usage_account_id (lineItem/UsageAccountId)"]),
        (&bad_value, &["bad-value.csv", "line 3, column lineItem/UnblendedCost: '12;50' is not a number"]),
    ];
    for (path, expected) in cases {
        // With a good file beside it: the whole run fails, the good file included.
        let err = ingest::ingest_files(&platform, payer, &[good.clone(), path.to_path_buf()]).await.unwrap_err();
        let message = err.to_string();
        for part in expected {
            assert!(message.contains(part), "{}: {message}", path.display());
        }
        let (status, error) = ingestions(&app).await.pop().unwrap();
        assert_eq!((status.as_str(), error.as_deref()), ("FAILED", Some(message.trim_start_matches("files: "))));
        assert_eq!(snapshot(&app).await, before, "{}: nothing written", path.display());
    }
}

/// The `files` JSON of every ingestion, oldest first.
async fn ingestion_files(app: &TestApp) -> Vec<serde_json::Value> {
    let sql = "SELECT files FROM ingestions ORDER BY started_at, id";
    let rows = app.db.query_all_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| serde_json::from_str(&r.try_get::<String>("", "files").unwrap()).unwrap()).collect()
}

async fn amortized_total(app: &TestApp) -> i64 {
    let sql = "SELECT CAST(COALESCE(SUM(amortized_cost), 0) AS BIGINT) AS s FROM cost_daily";
    let row = app.db.query_one_raw(Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "s").unwrap()
}

const FOCUS_HEADER: &str = "BillingAccountId,BillingPeriodStart,ChargePeriodStart,SubAccountId,ServiceName,ChargeCategory,BillingCurrency,BilledCost,EffectiveCost,ProviderName\n";

fn focus_row(billing: &str, currency: &str, cost: &str) -> String {
    format!("{billing},2024-09-01 00:00:00,2024-09-03 00:00:00,333333333333,Amazon EC2,Usage,{currency},{cost},{cost},AWS\n")
}

/// Issue #16 items 18, 13 and 16 through the ingestion path: a FOCUS export holding two billing
/// accounts' rows is taken in for the payer's own account only (the rest counted in the record);
/// a file of another payer, and one billing the payer in two currencies, are refused by name
/// and write nothing; an empty file succeeds with a "no rows" warning.
async fn only_the_payers_own_rows_land_and_mixed_currencies_are_refused(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    let mixed = write(
        "two-payers.csv",
        format!("{FOCUS_HEADER}{}{}{}", focus_row(PAYER_ACCOUNT, "USD", "100"), focus_row("999999999999", "USD", "50"), focus_row("999999999999", "USD", "25")),
    );
    let report = ingest::ingest_files(&platform, payer, std::slice::from_ref(&mixed)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert_eq!(amortized_total(&app).await, 100 * 100_000_000, "the other billing account's 75 is left out");
    assert_eq!(report.rows_other_payers, BTreeMap::from([("999999999999".to_owned(), 2)]));
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].contains("left out 2 rows billed to other billing accounts than this payer's (123456789012): 999999999999 (2 rows)"), "{:?}", report.warnings);
    assert!(report.to_string().contains("2 of other billing accounts left out: 999999999999 (2 rows)"), "{report}");
    let recorded = ingestion_files(&app).await.pop().unwrap();
    assert_eq!(recorded[0]["rows_other_payers"]["999999999999"], 2, "{recorded}");
    assert!(recorded[0]["warnings"][0].as_str().unwrap().contains("left out 2 rows"), "{recorded}");
    let before = snapshot(&app).await;

    // Another payer's file: refused, naming it.
    let theirs = write("theirs.csv", format!("{FOCUS_HEADER}{}", focus_row("999999999999", "USD", "50")));
    let err = ingest::ingest_files(&platform, payer, &[theirs]).await.unwrap_err();
    assert_eq!(err.code().as_str(), "VALIDATION");
    assert!(err.to_string().contains("theirs.csv: none of its rows are billed to this payer's account 123456789012"), "{err}");
    assert_eq!(ingestions(&app).await.pop().unwrap().0, "FAILED");
    assert_eq!(snapshot(&app).await, before);

    // USD 100 and EUR 50 for one account and month: refused, never summed.
    let currencies = write("currencies.csv", format!("{FOCUS_HEADER}{}{}", focus_row(PAYER_ACCOUNT, "USD", "100"), focus_row(PAYER_ACCOUNT, "EUR", "50")));
    let err = ingest::ingest_files(&platform, payer, &[currencies]).await.unwrap_err();
    assert!(err.to_string().contains("currencies.csv: line 3, column BillingCurrency: billed in EUR where line 2 is billed in USD"), "{err}");
    let (status, error) = ingestions(&app).await.pop().unwrap();
    assert_eq!(status, "FAILED");
    assert!(error.unwrap().contains("billed in EUR"));
    assert_eq!(snapshot(&app).await, before);

    // A header without rows: SUCCEEDED, recorded with a "no rows" warning.
    let empty = write("empty.csv", FOCUS_HEADER.to_owned());
    let report = ingest::ingest_files(&platform, payer, &[empty]).await.unwrap();
    assert_eq!(report.outcome, Outcome::Succeeded);
    assert!(report.warnings[0].ends_with("empty.csv: no rows: the file holds no cost lines"), "{:?}", report.warnings);
    assert!(report.to_string().contains("warning: no rows"), "{report}");
    let (status, _) = ingestions(&app).await.pop().unwrap();
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(ingestion_files(&app).await.pop().unwrap()[0]["warnings"][0], "no rows: the file holds no cost lines");
    assert_eq!(snapshot(&app).await, before, "an empty file replaces nothing");
    let admin = app.platform_admin().await;
    let health = app.gql(admin.bearer(), "query($p: ID!) { ingestionHealth(payerId: $p) { status reason } }", serde_json::json!({ "p": payer.to_string() })).await;
    assert_eq!(health.data("ingestionHealth.status"), "WARNING");
    assert!(health.data("ingestionHealth.reason").as_str().unwrap().contains("empty.csv: no rows: the file holds no cost lines"), "{health:?}");

    // A generated CUR 2.0 of another payer is refused too.
    let other_cur = gen_cur_for("999999999999", dir.path(), "other.parquet", 500, 3, 4, GenFormat::Parquet);
    let err = ingest::ingest_files(&platform, payer, &[other_cur]).await.unwrap_err();
    assert!(err.to_string().contains("other.parquet: none of its rows are billed to this payer's account 123456789012; it holds 500 rows of billing account 999999999999 (500 rows)"), "{err}");
}

/// Issue #16 item 12: two ingestions of the same payer and month at once (files with no
/// day-grain key in common) never both land: the month holds exactly one file's rows, all from
/// one ingestion. On PostgreSQL the second waits for the first (advisory lock) and replaces it
/// whole; on SQLite writers take turns, and one that waits too long fails cleanly.
async fn concurrent_ingestions_of_one_month_never_both_land(kind: DbKind) {
    let (app, payer, platform) = setup(kind).await;
    let dir = tempfile::tempdir().unwrap();
    let a = gen_cur(dir.path(), "a.parquet", 30_000, 6, 21, GenFormat::Parquet);
    let b = gen_cur(dir.path(), "b.parquet", 30_000, 6, 22, GenFormat::Parquet);
    let (ra, rb) = tokio::join!(ingest::ingest_files(&platform, payer, std::slice::from_ref(&a)), ingest::ingest_files(&platform, payer, std::slice::from_ref(&b)));
    assert!(ra.is_ok() || rb.is_ok(), "at least one lands: {ra:?} {rb:?}");
    let written: Vec<(u64, uuid::Uuid)> = [&ra, &rb].iter().filter_map(|r| r.as_ref().ok()).map(|r| (r.periods[0].rows_written, r.periods[0].ingestion_id)).collect();
    let backend = app.db.get_database_backend();
    let count = app
        .db
        .query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS n, COUNT(DISTINCT ingestion_id) AS w FROM cost_daily"))
        .await
        .unwrap()
        .unwrap();
    let (rows, writers) = (count.try_get::<i64>("", "n").unwrap(), count.try_get::<i64>("", "w").unwrap());
    assert_eq!(writers, 1, "the month's rows come from one ingestion, not both");
    let owner = app
        .db
        .query_one_raw(Statement::from_string(backend, "SELECT DISTINCT ingestion_id AS i FROM cost_daily"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<uuid::Uuid>("", "i")
        .unwrap();
    let winner = written.iter().find(|(_, id)| *id == owner).expect("the rows belong to a run that succeeded");
    assert_eq!(u64::try_from(rows).unwrap(), winner.0, "exactly one file's rows");
    if kind == DbKind::Postgres {
        assert_eq!(written.len(), 2, "on PostgreSQL the second waits its turn and then replaces the month: {ra:?} {rb:?}");
    }
}

/// Issue #16 item 16: a write that fails because the disk is full says what failed (the CLI
/// prints this cause; it used to print only "internal error"), and the previous data stays.
/// SQLite's `max_page_count` makes the database "full" on one connection; SQLite only, as
/// PostgreSQL has no such switch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_names_the_failed_write() {
    let (app, payer, _) = setup(DbKind::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let small = gen_cur(dir.path(), "small.parquet", 300, 2, 1, GenFormat::Parquet);
    ingest::ingest_files(&UnscopedPlatformAccess::new(app.db.clone()), payer, &[small]).await.unwrap();
    let before = snapshot(&app).await;
    let big = gen_cur(dir.path(), "big.parquet", 20_000, 8, 2, GenFormat::Parquet);

    let mut opts = sea_orm::ConnectOptions::new(app.database_url.clone());
    opts.max_connections(1).min_connections(1).sqlx_logging(false);
    let full = Database::connect(opts).await.unwrap();
    let pages = full.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA page_count")).await.unwrap().unwrap().try_get::<i64>("", "page_count").unwrap();
    full.execute_unprepared(&format!("PRAGMA max_page_count = {}", pages + 4)).await.unwrap();
    let err = ingest::ingest_files(&UnscopedPlatformAccess::new(full), payer, &[big]).await.unwrap_err();
    let partner_billing::error::AppError::Internal(cause) = &err else { panic!("an internal failure: {err:?}") };
    let said = format!("{cause:#}");
    assert!(said.contains("writing the day grain to the database failed"), "{said}");
    assert!(said.contains("full"), "the database's own reason: {said}");
    assert!(said.contains("the previous data is unchanged"), "{said}");
    assert_eq!(snapshot(&app).await, before);
}

/// The bulk writer every cost table goes through: rows come back as written, a NULL text comes
/// back NULL (PostgreSQL's arrays carry it as a stand-in), a NULL of another type is refused
/// naming the column, and a refused statement writes nothing.
async fn bulk_inserts_keep_nulls_and_refuse_what_they_cannot_carry(kind: DbKind) {
    use sea_orm::{ConnectionTrait, Statement, Value};
    let (app, payer, _) = setup(kind).await;
    let columns = ["payer_id", "source", "billing_period", "usage_month", "service_code", "service_name", "charge_type", "currency", "unblended_cost", "net_unblended_cost", "amortized_cost", "list_cost", "line_count"];
    let row = |code: &str, name: Option<&str>, cost: i64| -> Vec<Value> {
        vec![
            Value::from(payer.0),
            Value::from("cur"),
            Value::from("2024-09"),
            Value::from("2024-09"),
            Value::from(code),
            Value::from(name.map(str::to_owned)),
            Value::from("Usage"),
            Value::from("USD"),
            Value::from(cost),
            Value::from(cost),
            Value::from(cost),
            Value::from(cost),
            Value::from(1i64),
        ]
    };
    let mut values = row("AmazonEC2", Some("Amazon Elastic Compute Cloud"), 100);
    values.extend(row("AWSLambda", None, -25));
    values.extend(row("AmazonS3", Some(""), 0));
    migration::bulk::insert(&app.db, "cost_monthly_service", &columns, values).await.unwrap();
    let backend = app.db.get_database_backend();
    let read = || async {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(backend, "SELECT service_code, service_name, unblended_cost FROM cost_monthly_service ORDER BY service_code"))
            .await
            .unwrap();
        rows.iter()
            .map(|r| (r.try_get::<String>("", "service_code").unwrap(), r.try_get::<Option<String>>("", "service_name").unwrap(), r.try_get::<i64>("", "unblended_cost").unwrap()))
            .collect::<Vec<_>>()
    };
    let stored = read().await;
    assert_eq!(
        stored,
        vec![
            ("AWSLambda".to_owned(), None, -25),
            ("AmazonEC2".to_owned(), Some("Amazon Elastic Compute Cloud".to_owned()), 100),
            ("AmazonS3".to_owned(), Some(String::new()), 0),
        ],
        "NULL stays NULL and an empty name stays empty"
    );
    // A NULL amount cannot travel in a PostgreSQL array (and the column refuses it on SQLite).
    let mut bad = row("AmazonRDS", None, 5);
    bad[8] = Value::BigInt(None);
    let err = migration::bulk::insert(&app.db, "cost_monthly_service", &columns, bad).await.unwrap_err().to_string();
    if kind == DbKind::Postgres {
        assert!(err.contains("cost_monthly_service.unblended_cost"), "names the column: {err}");
    }
    assert_eq!(read().await, stored, "nothing of the refused statement was written");
    assert_eq!(migration::bulk::rows_per_statement(backend, columns.len()), if kind == DbKind::Postgres { 20_000 } else { 1_000 });
}

on_both_databases!(
    bulk_inserts_keep_nulls_and_refuse_what_they_cannot_carry,
    concurrent_ingestions_of_one_month_never_both_land,
    only_the_payers_own_rows_land_and_mixed_currencies_are_refused,
    generated_cur_matches_duckdb,
    csv_gz_export_gives_the_same_day_grain_as_parquet,
    focus_sample_matches_python_csv,
    identical_reingestion_is_a_no_op,
    killed_mid_ingestion_leaves_the_previous_month_intact,
    a_cancelled_ingestion_marks_its_record_abandoned,
    a_run_abandoned_while_alive_writes_nothing,
    bad_input_fails_naming_file_and_column_and_writes_nothing,
);
