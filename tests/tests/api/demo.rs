//! `partner-billing demo`: the real binary builds a populated sandbox against moto and serves it.
//! The demo is SQLite by design (one command, no database server), so this test runs once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use e2e::cli_binary;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Kills the demo when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_builds_a_populated_sandbox_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("demo.db");
    let demo = |extra: &[&str]| {
        let mut cmd = Command::new(cli_binary());
        cmd.args(["demo", "--database", database.to_str().unwrap(), "--rows-per-month", "1500"])
            .args(extra)
            .env("PB_AWS_ENDPOINT_URL", e2e::aws::moto_url())
            .env("PB_LISTEN", "127.0.0.1:0")
            .env("PB_FRONTEND_DIR", dir.path().join("no-web-app"))
            .env("RUST_LOG", "warn");
        cmd
    };
    let mut child = Running(demo(&[]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let url = loop {
        let line = rx.recv_timeout(Duration::from_secs(300)).unwrap_or_else(|_| panic!("the demo never became ready; it printed:\n{}", printed.join("\n")));
        if let Some(url) = line.strip_prefix("ready: ") {
            break url.to_owned();
        }
        printed.push(line);
    };
    let output = printed.join("\n");
    let password = output.split("with password ").nth(1).and_then(|rest| rest.split_whitespace().next()).expect(&output).to_owned();
    assert!(password.len() >= 12, "{output}");

    // The server answers, and the printed password signs in.
    let http = reqwest::Client::new();
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let login = http
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }",
                       "variables": { "e": partner_billing::demo::ADMIN_EMAIL, "p": password } }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");

    // The container health check command agrees.
    let probe = |url: String| Command::new(cli_binary()).args(["healthcheck", "--url", &url]).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(probe(format!("{url}/readyz")).success());
    assert!(!probe(format!("{url}/no-such-endpoint")).success());

    let db = Database::connect(format!("sqlite://{}?mode=ro", database.display())).await.unwrap();
    assert_eq!(number(&db, "SELECT COUNT(*) FROM users").await, 1);
    for (kind, n) in [("distributor", 1), ("reseller", 1), ("customer", 2)] {
        assert_eq!(number(&db, &format!("SELECT COUNT(*) FROM tenants WHERE LOWER(kind) = '{kind}'")).await, n, "{kind}");
    }
    assert_eq!(number(&db, "SELECT COUNT(*) FROM payers WHERE LOWER(status) = 'connected'").await, 1);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM linked_accounts").await, 20);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM organizational_units").await, 2);
    assert_eq!(number(&db, "SELECT COUNT(DISTINCT billing_period) FROM ingestions WHERE status = 'SUCCEEDED'").await, 13);
    assert!(number(&db, "SELECT COUNT(*) FROM cost_daily").await > 1_000);
    // Costs belong to the organization's real accounts, spread over most of them.
    assert_eq!(number(&db, "SELECT COUNT(*) FROM cost_daily WHERE usage_account_id NOT IN (SELECT account_id FROM linked_accounts)").await, 0);
    assert!(number(&db, "SELECT COUNT(DISTINCT usage_account_id) FROM cost_daily").await >= 10);
    // Billing: one plan with two rules, a group per customer sharing the member accounts.
    assert_eq!(number(&db, "SELECT COUNT(*) FROM pricing_plans").await, 1);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM pricing_rules").await, 2);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM billing_groups WHERE customer_tenant_id IS NOT NULL").await, 2);
    assert_eq!(number(&db, "SELECT COUNT(DISTINCT account_id) FROM billing_group_accounts").await, 19);

    // A second run does not overwrite the demo without --reset.
    let again = demo(&["--no-serve"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--reset"), "{}", String::from_utf8_lossy(&again.stderr));
}
