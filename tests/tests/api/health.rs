use e2e::{DbKind, TestApp, on_both_databases};
use migration::MigratorTrait;
use sea_orm::ConnectionTrait;

async fn health_and_readiness_with_request_ids(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let health = app.client.get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let id1 = health.headers()["x-request-id"].to_str().unwrap().to_owned();
    let ready = app.client.get(format!("{}/readyz", app.base_url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let id2 = ready.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id1, id2, "every response gets its own request id");
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    // Migrations applied: the foundation tables exist and the platform root is there.
    assert_eq!(app.count("tenants").await, 1);
    // GraphiQL is on by default.
    let page = app.client.get(format!("{}/graphql", app.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

async fn graphiql_can_be_switched_off(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("graphiql", "false".into())]).await;
    let page = app.client.get(format!("{}/graphql", app.base_url)).send().await.unwrap();
    assert_eq!(page.status(), 404);
}

async fn restart_keeps_the_signing_key_and_sessions(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let (url, dir) = app.stop().await;
    // A second start (or a second replica) reads the same generated key from the database,
    // and issues no new bootstrap code because a user exists.
    let again = TestApp::spawn_on(db, url, dir, vec![]).await;
    assert!(again.bootstrap_code.is_none());
    let me = again.gql(admin.bearer(), "{ me { email } }", serde_json::json!({})).await;
    assert_eq!(me.data("me.email"), admin.email.as_str());
}

on_both_databases!(health_and_readiness_with_request_ids, graphiql_can_be_switched_off, restart_keeps_the_signing_key_and_sessions);

async fn serves_the_built_web_app_with_spa_fallback(db: DbKind) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html><div id=root>Partner Billing</div>").unwrap();
    std::fs::write(dir.path().join("assets/app-1a2b3c.js"), "console.log('app')").unwrap();
    let app = TestApp::spawn_with(db, vec![("frontend_dir", dir.path().display().to_string())]).await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base_url)).send();
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert!(index.text().await.unwrap().contains("Partner Billing"));
    // The app's own routes load the app (so a reload on /users/… works).
    let deep = get("/users/0195-some-id").await.unwrap();
    assert_eq!(deep.status(), 200);
    assert!(deep.text().await.unwrap().contains("id=root"));
    let asset = get("/assets/app-1a2b3c.js").await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(asset.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(get("/assets/missing-9z9z.js").await.unwrap().status(), 404);
    // The API is still the API.
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    app.gql(None, "{ me { id } }", serde_json::json!({})).await.assert_code("UNAUTHENTICATED");
}

on_both_databases!(serves_the_built_web_app_with_spa_fallback);

/// #16.11: replicas started together on an empty PostgreSQL database all come up. Three
/// `partner-billing migrate` processes and three servers start at once on the same fresh database;
/// every one succeeds and each migration is recorded once. (SQLite is one process's file: replicas
/// need PostgreSQL, docs/operations.md.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_started_together_on_an_empty_postgres_database_all_come_up() {
    let db = DbKind::Postgres;
    let (url, dir) = e2e::fresh_database(db).await;
    let binary = e2e::cli_binary();
    let migrations: Vec<_> = (0..3)
        .map(|_| {
            let (binary, url) = (binary.clone(), url.clone());
            std::thread::spawn(move || {
                std::process::Command::new(binary).arg("migrate").env("PB_DATABASE_URL", url).env("RUST_LOG", "warn").output()
            })
        })
        .collect();
    for migrate in migrations {
        let output = migrate.join().unwrap().unwrap();
        assert!(output.status.success(), "a concurrent migrate failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let (a, b, c) = tokio::join!(
        TestApp::spawn_on(db, url.clone(), None, vec![]),
        TestApp::spawn_on(db, url.clone(), None, vec![]),
        TestApp::spawn_on(db, url.clone(), None, vec![]),
    );
    let known = migration::Migrator::migrations().len() as i64;
    assert_eq!(a.count("seaql_migrations").await, known, "each migration recorded once");
    assert_eq!(a.count("tenants").await, 1, "one platform root");
    for app in [&a, &b, &c] {
        let ready = app.client.get(format!("{}/readyz", app.base_url)).send().await.unwrap();
        assert_eq!(ready.status(), 200);
    }
    drop((a, b, c, dir));
}

/// A rolling update: the new release migrated the database, an old pod restarts. The old binary
/// neither refuses to start nor reports itself unready because of migrations it does not know.
async fn an_older_release_starts_and_is_ready_on_a_newer_schema(db: DbKind) {
    let app = TestApp::spawn(db).await;
    app.db
        .execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_from_a_newer_release', 0)")
        .await
        .unwrap();
    let ready = app.client.get(format!("{}/readyz", app.base_url)).send().await.unwrap();
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap());
    let (url, dir) = app.stop().await;
    let again = TestApp::spawn_on(db, url.clone(), dir, vec![]).await;
    let ready = again.client.get(format!("{}/readyz", again.base_url)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    // Removing one of this release's own migrations makes it pending again: not ready.
    again.db.execute_unprepared("DELETE FROM seaql_migrations WHERE version LIKE 'm20261205_000101%'").await.unwrap();
    let ready = again.client.get(format!("{}/readyz", again.base_url)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["reason"], "1 migrations pending");
}

on_both_databases!(an_older_release_starts_and_is_ready_on_a_newer_schema);

/// Runs `partner-billing create-admin` in a pseudo-terminal (util-linux `script`), typing `input`.
fn create_admin_at_a_terminal(url: &str, email: &str, input: &str) -> std::process::Output {
    use std::io::Write as _;
    let command = format!("{} create-admin --email {email}", e2e::cli_binary().display());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("PB_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux script");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// #19.4: `create-admin` asks for the password at a terminal (twice; a mismatch creates nothing)
/// and refuses, naming --password-stdin, when there is no terminal and no flag.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_prompts_at_a_terminal() {
    let (url, dir) = e2e::fresh_database(DbKind::Sqlite).await;
    let password = "typed at the prompt 2026";
    let differ = create_admin_at_a_terminal(&url, "typo@example.com", &format!("{password}\n{password}x\n"));
    assert!(!differ.status.success());
    assert!(String::from_utf8_lossy(&differ.stdout).contains("differ"), "{differ:?}");
    let created = create_admin_at_a_terminal(&url, "tty@example.com", &format!("{password}\n{password}\n"));
    let said = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success() && said.contains("Password for tty@example.com") && said.contains("created platform admin tty@example.com"), "{said}");
    let piped = std::process::Command::new(e2e::cli_binary())
        .args(["create-admin", "--email", "pipe@example.com"])
        .env("PB_DATABASE_URL", &url)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!piped.status.success());
    assert!(String::from_utf8_lossy(&piped.stderr).contains("--password-stdin"), "{piped:?}");
    let app = TestApp::spawn_on(DbKind::Sqlite, url, dir, vec![]).await;
    assert_eq!(app.count("users").await, 1, "only the admin typed twice the same");
    app.login("tty@example.com", password).await;
}

/// #23: on SIGTERM the server stays up for PB_SHUTDOWN_DRAIN_SECONDS with /readyz answering 503
/// "shutting down" (a balancer polling it takes the replica out) while it still serves requests,
/// then exits cleanly. SIGINT skips the drain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_turns_readiness_off_for_the_drain_while_serving() {
    let (url, _dir) = e2e::fresh_database(DbKind::Sqlite).await;
    let port = e2e::notify::free_port();
    let start = || {
        std::process::Command::new(e2e::cli_binary())
            .arg("serve")
            .env("PB_DATABASE_URL", &url)
            .env("PB_LISTEN", format!("127.0.0.1:{port}"))
            .env("PB_SHUTDOWN_DRAIN_SECONDS", "3")
            .env("PB_FRONTEND_DIR", "/nonexistent")
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap()
    };
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let wait_ready = || async {
        for _ in 0..300 {
            if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready");
    };
    let mut server = start();
    wait_ready().await;
    let kill = |signal: &str, pid: u32| assert!(std::process::Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success());
    let signalled = std::time::Instant::now();
    kill("-TERM", server.id());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["reason"], "shutting down");
    let graphql = http.post(format!("{base}/graphql")).json(&serde_json::json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert_eq!(graphql.status(), 200, "still serving while draining");
    assert!(server.try_wait().unwrap().is_none(), "stopped before the drain ended");
    let status = server.wait().unwrap();
    let took = signalled.elapsed();
    assert!(status.success(), "{status}");
    assert!(took >= std::time::Duration::from_secs(3), "exited after {took:?}, before the 3 s drain");

    // Ctrl-C at a terminal: no drain.
    let mut server = start();
    wait_ready().await;
    let signalled = std::time::Instant::now();
    kill("-INT", server.id());
    assert!(server.wait().unwrap().success());
    assert!(signalled.elapsed() < std::time::Duration::from_secs(3), "SIGINT waited {:?}", signalled.elapsed());
}
