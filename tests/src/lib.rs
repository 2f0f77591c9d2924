//! End-to-end test harness: the real server on a random loopback port, over a fresh SQLite file
//! or a fresh PostgreSQL database, driven through HTTP like a client would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use partner_billing::aws::AwsClients;
use partner_billing::config::Config;
use partner_billing::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub mod aws;
pub mod notify;
pub mod partner;
pub mod story;
pub use partner::{Partner, Session};
pub use story::Actor;

/// Which database engine a test runs against. Every end-to-end test runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// Runs each listed `async fn name(db: DbKind)` twice: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::DbKind::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::DbKind::Postgres).await
                }
            }
        )*
    };
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh, empty database of the given kind; the guard keeps a SQLite folder alive.
pub async fn fresh_database(kind: DbKind) -> (String, Option<tempfile::TempDir>) {
    match kind {
        DbKind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}/pb.db?mode=rwc", dir.path().display());
            (url, Some(dir))
        }
        DbKind::Postgres => {
            let admin_url = postgres_admin_url();
            let admin = Database::connect(&admin_url).await.expect("PostgreSQL at TEST_POSTGRES_URL must be reachable");
            let name = format!("pbtest_{}", uuid::Uuid::now_v7().simple());
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
            (format!("{base}/{name}"), None)
        }
    }
}

/// A running server for one test.
pub struct TestApp {
    pub kind: DbKind,
    pub base_url: String,
    pub client: reqwest::Client,
    /// Direct database access, for arranging bare rows and checking that nothing changed.
    pub db: DatabaseConnection,
    /// The application's shared state (for driving its parts directly, e.g. job workers).
    pub state: partner_billing::state::AppState,
    pub database_url: String,
    pub bootstrap_code: Option<String>,
    handle: actix_web::dev::ServerHandle,
    worker: Option<partner_billing::jobs::WorkerHandle>,
    _dir: Option<tempfile::TempDir>,
}

/// A GraphQL response with helpers for reading it.
#[derive(Debug, Clone)]
pub struct Gql {
    pub status: u16,
    pub body: Value,
}

impl Gql {
    /// `data.<path>` (dot-separated), panicking with the whole body when there were errors.
    pub fn data(&self, path: &str) -> &Value {
        assert!(self.body.get("errors").is_none_or(|e| e.as_array().is_none_or(|a| a.is_empty())), "unexpected errors: {}", self.body);
        let mut v = &self.body["data"];
        for part in path.split('.').filter(|p| !p.is_empty()) {
            v = match part.parse::<usize>() {
                Ok(i) => &v[i],
                Err(_) => &v[part],
            };
        }
        v
    }

    /// The first error's `extensions.code`.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or_default()
    }

    /// Asserts the first error has this code.
    #[track_caller]
    pub fn assert_code(&self, code: &str) {
        assert_eq!(self.code(), Some(code), "expected {code}, got {}", self.body);
    }
}

impl TestApp {
    pub async fn spawn(kind: DbKind) -> Self {
        Self::spawn_with(kind, vec![]).await
    }

    /// Starts the server with config overrides (keys as in `Config`, e.g. `trust_proxy_headers`).
    pub async fn spawn_with(kind: DbKind, overrides: Vec<(&str, String)>) -> Self {
        let (database_url, dir) = fresh_database(kind).await;
        Self::spawn_on(kind, database_url, dir, overrides).await
    }

    pub async fn spawn_on(
        kind: DbKind,
        database_url: String,
        dir: Option<tempfile::TempDir>,
        overrides: Vec<(&str, String)>,
    ) -> Self {
        // Tests that make no AWS call get an endpoint where nothing listens.
        let endpoint = std::env::var("TEST_MOTO_URL").unwrap_or_else(|_| aws::closed_endpoint());
        let clients = AwsClients::from_sdk_config(&aws::sdk_config(&endpoint).await);
        Self::spawn_full(kind, database_url, dir, overrides, clients).await
    }

    /// Starts the server against moto.
    pub async fn spawn_aws(kind: DbKind) -> Self {
        let clients = AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
        Self::spawn_with_aws(kind, vec![], clients).await
    }

    /// Starts the server with the given AWS adapters.
    pub async fn spawn_with_aws(kind: DbKind, overrides: Vec<(&str, String)>, clients: AwsClients) -> Self {
        let (database_url, dir) = fresh_database(kind).await;
        Self::spawn_full(kind, database_url, dir, overrides, clients).await
    }

    pub async fn spawn_full(
        kind: DbKind,
        database_url: String,
        dir: Option<tempfile::TempDir>,
        overrides: Vec<(&str, String)>,
        clients: AwsClients,
    ) -> Self {
        // The suite drives each server hard from one user; rate limiting is tested with its own
        // settings (limits::rate_limit_is_per_principal_and_refuses_before_running).
        let mut pairs = vec![
            ("database_url", database_url.clone()),
            ("listen", "127.0.0.1:0".to_owned()),
            ("job_poll_ms", "100".to_owned()),
            ("rate_limit_per_minute", "1000000".to_owned()),
            ("rate_limit_burst", "100000".to_owned()),
        ];
        pairs.extend(overrides);
        let config = Config::from_pairs(pairs).unwrap();
        let app = Application::build_with_aws(config, clients).await.unwrap();
        let port = app.port();
        let bootstrap_code = app.bootstrap_code().map(str::to_owned);
        let db = app.state().platform().db().pool().clone();
        let state = app.state().clone();
        let (server, worker) = app.into_parts();
        let handle = server.handle();
        tokio::spawn(server);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        Self {
            kind,
            base_url: format!("http://127.0.0.1:{port}"),
            client,
            db,
            state,
            database_url,
            bootstrap_code,
            handle,
            worker,
            _dir: dir,
        }
    }

    /// Stops the server gracefully and hands back its database folder (for restarts).
    pub async fn stop(mut self) -> (String, Option<tempfile::TempDir>) {
        self.handle.stop(true).await;
        if let Some(worker) = self.worker.take() {
            worker.shutdown().await;
        }
        (self.database_url.clone(), self._dir.take())
    }

    /// Posts a GraphQL operation, with an optional bearer token.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        self.gql_with_headers(token, query, variables, &[]).await
    }

    pub async fn gql_with_headers(&self, token: Option<&str>, query: &str, variables: Value, headers: &[(&str, &str)]) -> Gql {
        let mut req = self.client.post(format!("{}/graphql", self.base_url)).json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        Gql { status, body }
    }

    /// Creates the first platform admin through the bootstrap code.
    pub async fn platform_admin(&self) -> Session {
        let code = self.bootstrap_code.clone().expect("a fresh app has a bootstrap code");
        let email = "root-admin@platform.example";
        let password = "platform admin passphrase 1";
        let res = self
            .gql(
                None,
                "mutation($c: String!, $e: String!, $p: String!) { bootstrapAdmin(code: $c, email: $e, password: $p) { accessToken refreshToken user { id email } } }",
                json!({ "c": code, "e": email, "p": password }),
            )
            .await;
        Session::from_payload(res.data("bootstrapAdmin"), email, password)
    }

    /// Signs in and returns the session, panicking on failure.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let res = self.login_raw(email, password, &[]).await;
        Session::from_payload(res.data("login"), email, password)
    }

    pub async fn login_raw(&self, email: &str, password: &str, headers: &[(&str, &str)]) -> Gql {
        self.gql_with_headers(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken expiresAt user { id email } } }",
            json!({ "e": email, "p": password }),
            headers,
        )
        .await
    }

    /// Counts rows in a table, for "nothing changed" checks.
    /// The first column of a query's rows, as text.
    pub async fn column(&self, sql: &str) -> Vec<String> {
        let rows = self.db.query_all_raw(sea_orm::Statement::from_string(self.db.get_database_backend(), sql)).await.unwrap();
        rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(self.db.get_database_backend(), format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop without waiting; the runtime may already be shutting down.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
    }
}

impl TestApp {
    /// Every value of every column of every table, as text: for "this secret is stored nowhere".
    pub async fn dump_all_text(&self) -> String {
        use sea_orm::{DbBackend, Statement};
        let backend = self.db.get_database_backend();
        let tables_sql = match backend {
            DbBackend::Sqlite => "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            _ => "SELECT table_name::text AS t FROM information_schema.tables WHERE table_schema = 'public'",
        };
        let tables = self.db.query_all_raw(Statement::from_string(backend, tables_sql)).await.unwrap();
        let mut out = String::new();
        for row in tables {
            let table: String = row.try_get("", "t").unwrap();
            let sql = match backend {
                DbBackend::Sqlite => format!("SELECT json_group_array(json_object(*)) AS j FROM \"{table}\""),
                _ => format!("SELECT COALESCE(json_agg(t)::text, '') AS j FROM \"{table}\" t"),
            };
            let sql = if backend == DbBackend::Sqlite {
                // SQLite has no json_object(*): list the columns.
                let cols = self.db.query_all_raw(Statement::from_string(backend, format!("SELECT name FROM pragma_table_info('{table}')"))).await.unwrap();
                let parts: Vec<String> = cols
                    .iter()
                    .map(|c| {
                        let name: String = c.try_get("", "name").unwrap();
                        format!("'{name}', CASE WHEN typeof(\"{name}\") = 'blob' THEN hex(\"{name}\") ELSE CAST(\"{name}\" AS TEXT) END")
                    })
                    .collect();
                format!("SELECT COALESCE(json_group_array(json_object({})), '') AS j FROM \"{table}\"", parts.join(", "))
            } else {
                sql
            };
            let dump = self.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
            let text: String = dump.try_get("", "j").unwrap();
            out.push_str(&table);
            out.push_str(": ");
            out.push_str(&text);
            out.push('\n');
        }
        out
    }
}

/// The `partner-billing` binary of this build, built here when the test run did not build it
/// (for tests that run the CLI: `demo`, `healthcheck`). `scripts/test` builds it before the suite
/// and names it in `PB_TEST_BINARY`, so no test compiles anything while others run.
pub fn cli_binary() -> std::path::PathBuf {
    if let Some(built) = std::env::var_os("PB_TEST_BINARY") {
        return std::path::PathBuf::from(built);
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(std::path::Path::parent).unwrap().to_path_buf();
    let mut build = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    build.current_dir(root).args(["build", "--quiet", "-p", "partner-billing", "--bin", "partner-billing"]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(build.status().unwrap().success(), "building the partner-billing binary");
    profile_dir.join("partner-billing")
}

impl TestApp {
    /// #17: where the month rollups and the day grain they summarise disagree, written out (empty
    /// when they agree). The day grain is summed here, in the test's own SQL, for each rollup's keys.
    pub async fn rollup_mismatches(&self) -> Vec<String> {
        let backend = self.db.get_database_backend();
        let sums = "CAST(SUM(unblended_cost) AS BIGINT) AS u, CAST(SUM(net_unblended_cost) AS BIGINT) AS n, CAST(SUM(amortized_cost) AS BIGINT) AS a, CAST(SUM(list_cost) AS BIGINT) AS l, CAST(SUM(line_count) AS BIGINT) AS c";
        let base = "payer_id, source, billing_period, usage_month";
        let rollups = [
            ("cost_monthly", "usage_account_id, service_code, charge_type, currency"),
            ("cost_monthly_service", "service_code, charge_type, currency"),
            ("cost_monthly_account", "usage_account_id, currency"),
            ("cost_monthly_pricing", "usage_account_id, service_code, usage_type, operation, charge_type, billing_entity, currency, zero_amounts"),
            (
                "cost_monthly_usage",
                "usage_account_id, service_code, service_name, usage_type, operation, pricing_unit, charge_type, billing_entity, currency, zero_amounts",
            ),
        ];
        // Which amounts of a day row are zero: bits 1 list, 2 unblended, 4 net unblended, 8 amortized.
        let zero = "CAST((CASE WHEN list_cost = 0 THEN 1 ELSE 0 END) + (CASE WHEN unblended_cost = 0 THEN 2 ELSE 0 END) \
                    + (CASE WHEN net_unblended_cost = 0 THEN 4 ELSE 0 END) + (CASE WHEN amortized_cost = 0 THEN 8 ELSE 0 END) AS INTEGER)";
        let mut differ = Vec::new();
        for (table, keys) in rollups {
            let keys = format!("{base}, {keys}");
            let day = format!(
                "SELECT {keys}, {sums} FROM (SELECT *, SUBSTR(CAST(usage_date AS TEXT), 1, 7) AS usage_month, {zero} AS zero_amounts FROM cost_daily) d GROUP BY {keys}"
            );
            let month = format!("SELECT {keys}, {sums} FROM {table} GROUP BY {keys}");
            let read = |sql: String| {
                let keys = keys.clone();
                async move {
                    let rows = self.db.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await.unwrap();
                    let mut out: Vec<String> = rows
                        .iter()
                        .map(|r| {
                            let mut line = key_columns(r, &keys);
                            line.extend(["u", "n", "a", "l", "c"].map(|c| r.try_get::<i64>("", c).unwrap().to_string()));
                            line.join(" ")
                        })
                        .collect();
                    out.sort();
                    out
                }
            };
            let (day, month) = (read(day).await, read(month).await);
            differ.extend(day.iter().filter(|r| !month.contains(r)).map(|r| format!("{table}: day grain only: {r}")));
            differ.extend(month.iter().filter(|r| !day.contains(r)).map(|r| format!("{table}: rollup only: {r}")));
            assert!(!day.is_empty() || month.is_empty(), "{table}: a rollup without day rows");
        }
        differ.extend(self.usage_rollup_mismatches().await);
        differ.extend(self.service_name_mismatches().await);
        differ
    }

    /// The service names of the rollups against the day grain: the pricing rollup keeps the
    /// greatest name that differs from the service code, and the coarser ones the greatest of
    /// those (the test databases compare text bytewise, as the rollups do).
    async fn service_name_mismatches(&self) -> Vec<String> {
        let backend = self.db.get_database_backend();
        let base = "payer_id, source, billing_period, usage_month";
        let mut differ = Vec::new();
        for (table, keys) in [
            ("cost_monthly_pricing", "usage_account_id, service_code, usage_type, operation, charge_type, billing_entity, currency"),
            ("cost_monthly", "usage_account_id, service_code, charge_type, currency"),
            ("cost_monthly_service", "service_code, charge_type, currency"),
        ] {
            let keys = format!("{base}, {keys}");
            let day = format!(
                "SELECT {keys}, COALESCE(MAX(CASE WHEN service_name <> service_code THEN service_name END), '-') AS name \
                 FROM (SELECT *, SUBSTR(CAST(usage_date AS TEXT), 1, 7) AS usage_month FROM cost_daily) d GROUP BY {keys}"
            );
            let month = format!("SELECT {keys}, COALESCE(MAX(service_name), '-') AS name FROM {table} GROUP BY {keys}");
            let mut read = Vec::new();
            for sql in [day, month] {
                let rows = self.db.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await.unwrap();
                let mut out: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        let mut line = key_columns(r, &keys);
                        line.push(r.try_get::<String>("", "name").unwrap());
                        line.join(" ")
                    })
                    .collect();
                out.sort();
                read.push(out);
            }
            differ.extend(read[0].iter().filter(|r| !read[1].contains(r)).map(|r| format!("{table}: service name from the day grain: {r}")));
            differ.extend(read[1].iter().filter(|r| !read[0].contains(r)).map(|r| format!("{table}: service name in the rollup: {r}")));
        }
        differ
    }

    /// The bill rollup's exact usage quantities and first descriptions against the day grain,
    /// summed here with `Decimal` from the rows in day and write order.
    async fn usage_rollup_mismatches(&self) -> Vec<String> {
        use sea_orm::{EntityTrait, QueryOrder};
        let zero = |a: [i64; 4]| -> i16 { [(a[3], 1), (a[0], 2), (a[1], 4), (a[2], 8)].iter().map(|(v, b)| if *v == 0 { *b } else { 0 }).sum() };
        let mut days: std::collections::BTreeMap<Vec<String>, (rust_decimal::Decimal, String, String)> = Default::default();
        let rows = entity::cost_daily::Entity::find()
            .order_by_asc(entity::cost_daily::Column::UsageDate)
            .order_by_asc(entity::cost_daily::Column::Id)
            .all(&self.db)
            .await
            .unwrap();
        for r in rows {
            let day = r.usage_date.format("%Y-%m-%d").to_string();
            let flags = zero([r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost]);
            let key = vec![
                r.payer_id.to_string(),
                r.source.clone(),
                r.billing_period.clone(),
                day[..7].to_owned(),
                r.usage_account_id.clone(),
                r.service_code.clone(),
                r.service_name.clone(),
                r.usage_type.clone(),
                r.operation.clone(),
                r.pricing_unit.clone(),
                r.charge_type.clone(),
                r.billing_entity.clone(),
                r.currency.clone(),
                flags.to_string(),
            ];
            let e = days.entry(key).or_insert_with(|| (rust_decimal::Decimal::ZERO, r.line_item_description.clone(), day.clone()));
            e.0 += r.usage_quantity.parse::<rust_decimal::Decimal>().unwrap_or_default();
        }
        let mut months: std::collections::BTreeMap<Vec<String>, (rust_decimal::Decimal, String, String)> = Default::default();
        for r in entity::cost_monthly_usage::Entity::find().all(&self.db).await.unwrap() {
            let key = vec![
                r.payer_id.to_string(),
                r.source,
                r.billing_period,
                r.usage_month,
                r.usage_account_id,
                r.service_code,
                r.service_name,
                r.usage_type,
                r.operation,
                r.pricing_unit,
                r.charge_type,
                r.billing_entity,
                r.currency,
                r.zero_amounts.to_string(),
            ];
            months.insert(key, (r.usage_quantity.parse().unwrap(), r.line_item_description, r.first_usage_day));
        }
        let mut differ = Vec::new();
        for (key, day) in &days {
            match months.get(key) {
                Some(month) if month == day => {}
                other => differ.push(format!("cost_monthly_usage: usage, description or first day of {key:?}: day grain {day:?}, rollup {other:?}")),
            }
        }
        differ.extend(months.keys().filter(|k| !days.contains_key(*k)).map(|k| format!("cost_monthly_usage: rollup only: {k:?}")));
        differ
    }
}

/// The values of a row's key columns (`keys`, comma-separated), as text.
fn key_columns(r: &sea_orm::QueryResult, keys: &str) -> Vec<String> {
    keys.split(", ")
        .map(|k| match k {
            "payer_id" => r.try_get::<uuid::Uuid>("", k).unwrap().to_string(),
            "zero_amounts" => r.try_get::<i32>("", k).map(|v| v.to_string()).or_else(|_| r.try_get::<i16>("", k).map(|v| v.to_string())).unwrap(),
            _ => r.try_get::<String>("", k).unwrap(),
        })
        .collect()
}
