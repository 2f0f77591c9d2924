//! `partner-billing demo`, started the README's way (`scripts/run demo`): the real binary builds a
//! populated sandbox against moto and serves it with the web app.
//! The demo is SQLite by design (one command, no database server), so this test runs once.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc};
use e2e::cli_binary;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn text(db: &DatabaseConnection, sql: &str) -> String {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// One GraphQL call; the whole answer (data and errors).
async fn graphql(http: &reqwest::Client, url: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = http.post(format!("{url}/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap().json::<Value>().await.unwrap()
}

async fn login(http: &reqwest::Client, url: &str, email: &str, password: &str) -> String {
    let answer = graphql(http, url, None, "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }", json!({ "e": email, "p": password })).await;
    answer["data"]["login"]["accessToken"].as_str().unwrap_or_else(|| panic!("{email} cannot sign in: {answer}")).to_owned()
}

fn decimal(v: &Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal: {v}")).parse().unwrap()
}

const ACCOUNT_COSTS: &str = "query($i: CostSummaryInput!) { costSummary(input: $i) { total groups { key { accountId } amount } } }";

/// The demo's data: the current month up to yesterday, and 12 whole months before (on the 1st
/// the current month has no day yet, so the 12 whole months end yesterday).
fn expected_months(today: NaiveDate) -> (i64, NaiveDate) {
    let yesterday = today.pred_opt().unwrap();
    (if today.day() == 1 { 12 } else { 13 }, yesterday)
}

/// Kills the demo (and whatever `scripts/run` started for it: its own process group) when the
/// test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.0.id())]).stderr(Stdio::null()).status();
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
    // The README's way: `scripts/run demo` (the debug build the suite has built already, and the
    // web app, which it builds when it is missing or stale), on a fresh database file.
    let _built = cli_binary();
    let mut readme_way = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/run"));
    readme_way
        .args(["demo", "--database", database.to_str().unwrap(), "--rows-per-month", "1500"])
        .env("PB_RUN_PROFILE", "dev")
        .env("PB_AWS_ENDPOINT_URL", e2e::aws::moto_url())
        .env("PB_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .env_remove("PB_FRONTEND_DIR")
        .process_group(0);
    // What cargo set for this test binary is not the newcomer's shell: ring's build script reruns
    // when CARGO_MANIFEST_DIR changes, so with it `cargo run` rebuilt the whole dependency tree
    // (ten minutes of a CI run, and the binary the next `cargo build` rebuilt again).
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if ["CARGO_MANIFEST_", "CARGO_PKG_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"].iter().any(|p| name.starts_with(p)) {
            readme_way.env_remove(name.as_ref());
        }
    }
    let mut child = Running(readme_way.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
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
        let line = rx.recv_timeout(Duration::from_secs(600)).unwrap_or_else(|_| panic!("the demo never became ready; it printed:\n{}", printed.join("\n")));
        if let Some(url) = line.strip_prefix("ready: ") {
            break url.to_owned();
        }
        printed.push(line);
    };
    let output = printed.join("\n");
    // Every "sign in as EMAIL with password PASSWORD" line: the admin's first, then each customer's.
    let logins: Vec<(String, String)> = output
        .lines()
        .filter_map(|line| {
            let rest = line.split("sign in as ").nth(1)?;
            let mut words = rest.split_whitespace();
            let email = words.next()?.to_owned();
            (words.next()? == "with" && words.next()? == "password").then_some(())?;
            Some((email, words.next()?.to_owned()))
        })
        .collect();
    assert_eq!(logins.len(), 3, "{output}");
    assert_eq!(logins[0].0, partner_billing::demo::ADMIN_EMAIL, "{output}");
    assert!(logins.iter().all(|(_, p)| p.len() >= 12), "{output}");
    assert!(output.contains("onboarding in progress: Initech") && output.contains("INVITE_ADMIN IN_PROGRESS"), "{output}");

    // The server answers, and the printed passwords sign in.
    let http = reqwest::Client::new();
    let ready = http.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    // The web app is served at / (scripts/run built it).
    let page = http.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<div id=\"root\""), "the web app's index.html at /");
    let admin = login(&http, &url, &logins[0].0, &logins[0].1).await;

    // No mail server in the demo: mail lands in its outbox, Initech's invitation included, for
    // the admin to open (issue #19.3, the SMTP catcher).
    assert!(output.contains("Demo outbox") && output.contains("/demo-outbox"), "{output}");
    let invited = partner_billing::demo::customer_user_email(partner_billing::demo::ONBOARDING_CUSTOMER).replace("viewer@", "admin@");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let invitation = loop {
        let outbox = graphql(&http, &url, Some(&admin), "{ demoOutbox { to subject text } }", json!({})).await;
        let mails = outbox["data"]["demoOutbox"].as_array().unwrap_or_else(|| panic!("{outbox}")).clone();
        if let Some(mail) = mails.into_iter().find(|m| m["to"] == invited.as_str()) {
            break mail;
        }
        assert!(std::time::Instant::now() < deadline, "no invitation to {invited} in the demo outbox: {outbox}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(invitation["text"].as_str().unwrap().contains("/set-password?token="), "{invitation}");

    // The container health check command agrees.
    let probe = |url: String| Command::new(cli_binary()).args(["healthcheck", "--url", &url]).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(probe(format!("{url}/readyz")).success());
    assert!(!probe(format!("{url}/no-such-file.txt")).success(), "a 404 (the web app answers other paths with its page)");

    let db = Database::connect(format!("sqlite://{}?mode=ro", database.display())).await.unwrap();
    // The admin, a viewer per customer with accounts, and the onboarding customer's invited admin.
    assert_eq!(number(&db, "SELECT COUNT(*) FROM users").await, 4);
    for (kind, n) in [("distributor", 1), ("reseller", 1), ("customer", 3)] {
        assert_eq!(number(&db, &format!("SELECT COUNT(*) FROM tenants WHERE LOWER(kind) = '{kind}'")).await, n, "{kind}");
    }
    assert_eq!(number(&db, "SELECT COUNT(*) FROM contracts").await, 3);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM payers WHERE LOWER(status) = 'connected'").await, 1);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM linked_accounts").await, 20);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM organizational_units").await, 2);
    // The data runs up to yesterday: the current month so far and 12 whole months before.
    let today = Utc::now().date_naive();
    let (months, yesterday) = expected_months(today);
    assert_eq!(number(&db, "SELECT COUNT(DISTINCT billing_period) FROM ingestions WHERE status = 'SUCCEEDED'").await, months);
    assert_eq!(text(&db, "SELECT MAX(usage_date) FROM cost_daily").await[..10], yesterday.to_string());
    let first = yesterday.with_day(1).unwrap().checked_sub_months(chrono::Months::new(12)).unwrap();
    assert_eq!(text(&db, "SELECT MIN(usage_date) FROM cost_daily").await[..10], first.to_string());
    assert!(number(&db, "SELECT COUNT(*) FROM cost_daily").await > 1_000);
    // Costs belong to the organization's real accounts, spread over most of them.
    assert_eq!(number(&db, "SELECT COUNT(*) FROM cost_daily WHERE usage_account_id NOT IN (SELECT account_id FROM linked_accounts)").await, 0);
    assert!(number(&db, "SELECT COUNT(DISTINCT usage_account_id) FROM cost_daily").await >= 10);
    // Billing: one plan with two rules, a group per customer sharing the member accounts.
    assert_eq!(number(&db, "SELECT COUNT(*) FROM pricing_plans").await, 1);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM pricing_rules").await, 2);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM billing_groups WHERE customer_tenant_id IS NOT NULL").await, 2);
    assert_eq!(number(&db, "SELECT COUNT(DISTINCT account_id) FROM billing_group_accounts").await, 19);
    // Each group holds exactly its customer's accounts (named after it), its primary one included.
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM billing_group_accounts a JOIN billing_groups g ON g.id = a.billing_group_id \
                     JOIN linked_accounts l ON l.account_id = a.account_id WHERE l.name NOT LIKE REPLACE(g.name, '-', ' ') || ' %'").await,
        0
    );
    assert_eq!(number(&db, "SELECT COUNT(*) FROM billing_groups g JOIN linked_accounts l ON l.account_id = g.primary_account_id \
                            WHERE l.name = REPLACE(g.name, '-', ' ') || ' Production'").await, 2);

    // The Overview's first query (this month, or last month's on the 1st) is populated for the admin.
    let payers = graphql(&http, &url, Some(&admin), "{ payers { nodes { id } } }", json!({})).await;
    let payer = payers["data"]["payers"]["nodes"][0]["id"].as_str().unwrap_or_else(|| panic!("{payers}")).to_owned();
    let (from, to) = (yesterday.with_day(1).unwrap(), yesterday);
    let range = |metric: &str, accounts: &[String]| json!({ "i": { "payerIds": [payer], "from": from.to_string(), "to": to.to_string(), "groupBy": ["ACCOUNT"],
                                                                "metric": metric, "filter": { "accountIds": accounts } } });
    let overview = graphql(&http, &url, Some(&admin), ACCOUNT_COSTS, range("UNBLENDED", &[])).await;
    assert!(decimal(&overview["data"]["costSummary"]["total"]) > Decimal::ZERO, "{overview}");
    // The generated lines carry a team tag, which the demo keeps: by team, the same total.
    let by_team = json!({ "i": { "payerIds": [payer], "from": from.to_string(), "to": to.to_string(), "groupBy": ["TAG"], "tagKey": { "kind": "TAG", "name": "team" } } });
    let teams = graphql(&http, &url, Some(&admin), "query($i: CostSummaryInput!) { costSummary(input: $i) { total groups { key { tag } amount } } }", by_team).await;
    let groups = teams["data"]["costSummary"]["groups"].as_array().unwrap_or_else(|| panic!("{teams}")).clone();
    assert!(groups.iter().filter(|g| g["key"]["tag"] != "").count() >= 3, "{teams}");
    assert_eq!(groups.iter().map(|g| decimal(&g["amount"])).sum::<Decimal>(), decimal(&overview["data"]["costSummary"]["total"]));

    // Each customer's user sees exactly its own accounts' charges, and nothing of the other's.
    let customers = partner_billing::demo::moto::CUSTOMERS;
    let mut owned = std::collections::HashMap::new();
    for customer in customers {
        let sql = format!("SELECT account_id FROM linked_accounts WHERE name LIKE '{customer} %' ORDER BY account_id");
        let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
        owned.insert(customer, rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect::<Vec<String>>());
    }
    for (customer, (email, password)) in customers.iter().zip(&logins[1..]) {
        assert_eq!(*email, partner_billing::demo::customer_user_email(customer));
        let token = login(&http, &url, email, password).await;
        let own = owned[customer].clone();
        let others: Vec<String> = customers.iter().filter(|c| *c != customer).flat_map(|c| owned[c].clone()).collect();
        assert!(own.len() >= 9 && others.len() >= 9, "{customer}: {own:?} / {others:?}");

        let charges = graphql(&http, &url, Some(&token), "query($p: String!) { myCharges(billingPeriod: $p) { billingGroupName total } }",
                              json!({ "p": from.format("%Y-%m").to_string() })).await;
        let groups = charges["data"]["myCharges"].as_array().unwrap_or_else(|| panic!("{customer}: {charges}"));
        assert_eq!(groups.len(), 1, "{customer}: {charges}");
        assert_eq!(groups[0]["billingGroupName"], customer.replace(' ', "-"));
        let charged = decimal(&groups[0]["total"]);
        assert!(charged > Decimal::ZERO, "{customer}: {charges}");

        let mine = graphql(&http, &url, Some(&token), ACCOUNT_COSTS, range("PRO_FORMA", &[])).await;
        let seen: std::collections::BTreeSet<String> =
            mine["data"]["costSummary"]["groups"].as_array().unwrap_or_else(|| panic!("{customer}: {mine}")).iter().map(|g| g["key"]["accountId"].as_str().unwrap().to_owned()).collect();
        assert!(!seen.is_empty() && seen.iter().all(|a| own.contains(a)), "{customer} sees {seen:?}, owns {own:?}");
        // The same numbers as the partner's pro-forma view of exactly these accounts.
        let total = decimal(&mine["data"]["costSummary"]["total"]);
        let partner = graphql(&http, &url, Some(&admin), ACCOUNT_COSTS, range("PRO_FORMA", &own)).await;
        assert_eq!(total, decimal(&partner["data"]["costSummary"]["total"]), "{customer}: {partner}");
        assert_eq!(total, charged, "{customer}: costSummary and myCharges agree");
        // The other customer's accounts are not theirs to ask for, nor AWS cost at all.
        let theirs = graphql(&http, &url, Some(&token), ACCOUNT_COSTS, range("PRO_FORMA", &others[..1])).await;
        assert_eq!(theirs["errors"][0]["extensions"]["code"], "NOT_FOUND", "{customer}: {theirs}");
        let aws = graphql(&http, &url, Some(&token), ACCOUNT_COSTS, range("UNBLENDED", &[])).await;
        assert_eq!(aws["errors"][0]["extensions"]["code"], "FORBIDDEN", "{customer}: {aws}");
        // Nor the outbox, which holds other people's set-password links.
        let outbox = graphql(&http, &url, Some(&token), "{ demoOutbox { to } }", json!({})).await;
        assert_eq!(outbox["errors"][0]["extensions"]["code"], "FORBIDDEN", "{customer}: {outbox}");
    }

    // A second run does not overwrite the demo without --reset.
    let again = demo(&["--no-serve"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--reset"), "{}", String::from_utf8_lossy(&again.stderr));
}
