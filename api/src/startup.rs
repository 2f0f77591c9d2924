//! Building the application: connect, migrate, prepare keys, bind the listener (port 0 works, so
//! tests start the real server), and run until SIGTERM/SIGINT with a graceful drain.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseExecutor, DbBackend, IntoDatabaseExecutor, TransactionTrait};

use crate::db::Db;
use crate::auth::jwt::JwtKeys;
use crate::auth::keys;
use crate::domain::bootstrap;
use crate::aws::AwsClients;
use crate::config::Config;
use crate::tenancy::ensure_root;
use crate::tenancy::unscoped::UnscopedPlatformAccess;
use crate::graphql::build_schema;
use crate::http::health::Draining;
use crate::http::{request_id, routes};
use crate::state::AppState;

/// Opens the database, creating the SQLite file's folder when needed and turning on WAL.
pub async fn connect_database(url: &str) -> anyhow::Result<Db> {
    connect_database_logging_slow(url, Some(Duration::from_millis(crate::config::DEFAULT_SLOW_QUERY_MS))).await
}

/// PostgreSQL connections a server process keeps open even when idle (docs/operations.md).
pub const POSTGRES_KEPT_OPEN: u32 = 4;

/// [`connect_database`], logging statements slower than `slow` at WARN (`PB_SLOW_QUERY_MS`).
/// sqlx logs a statement's text and timing, never its bound values.
pub async fn connect_database_logging_slow(url: &str, slow: Option<Duration>) -> anyhow::Result<Db> {
    if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let path = rest.split('?').next().unwrap_or_default();
        if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("creating database folder {}", parent.display()))?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        // PostgreSQL: half for the writers' queue (db::POSTGRES_WRITERS), half kept for readers.
        .max_connections(if url.starts_with("sqlite") { 8 } else { 2 * crate::db::POSTGRES_WRITERS as u32 })
        // PostgreSQL: a few kept open from the start (and after idle ones are closed). A new
        // connection took about 90 ms to open, and the request that needed it waited for it.
        .min_connections(if url.starts_with("sqlite") { 0 } else { POSTGRES_KEPT_OPEN })
        .connect_timeout(Duration::from_secs(10))
        // Every statement at TRACE (off unless RUST_LOG asks for sqlx::query=trace), slow ones at WARN.
        .sqlx_logging(true)
        .sqlx_logging_level(log::LevelFilter::Trace)
        .sqlx_slow_statements_logging_settings(if slow.is_some() { log::LevelFilter::Warn } else { log::LevelFilter::Off }, slow.unwrap_or(Duration::MAX))
        // A request that changes data holds SQLite's one write lock until it commits (with its
        // audit record); other writers wait their turn rather than fail at sqlx's 5 s default.
        .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(30)));
    let db = Database::connect(options).await.context("connecting to the database (PB_DATABASE_URL)")?;
    if url.starts_with("sqlite") {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await.context("enabling WAL")?;
    }
    Ok(Db::from(db))
}

/// Any fixed number: every process migrating this database takes the same PostgreSQL advisory lock.
const MIGRATION_LOCK: i64 = 0x5042_4d49_4752; // "PBMIGR"

/// Applies pending migrations. Processes started together (replicas, a migration Job, `partner-billing
/// migrate` twice) take turns: on PostgreSQL the whole run holds a transaction-scoped advisory lock,
/// so the second process waits, then finds nothing pending. A database already migrated by a newer
/// release (a rolling update's old pods restarting) is left as it is rather than refused.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return migrate_on(db.pool().into_database_executor()).await;
    }
    let tx = db.pool().begin().await.context("starting the migration transaction")?;
    tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .await
        .context("waiting for the migration lock")?;
    migrate_on((&tx).into_database_executor()).await?;
    tx.commit().await.context("committing migrations")
}

async fn migrate_on(connection: DatabaseExecutor<'_>) -> anyhow::Result<()> {
    let status = crate::db::schema_status(&connection).await.context("reading applied migrations")?;
    if !status.newer.is_empty() {
        if status.pending.is_empty() {
            tracing::info!(newer = ?status.newer, "the database has migrations of a newer release; running on it unchanged");
            return Ok(());
        }
        anyhow::bail!(
            "the database has migrations this release does not know ({}) and lacks some it needs ({}): run the release that applied them",
            status.newer.join(", "),
            status.pending.join(", ")
        );
    }
    if status.pending.is_empty() {
        return Ok(());
    }
    Migrator::up(connection, None).await.context("applying migrations")
}

/// Waits for SIGTERM (true) or SIGINT (false).
pub async fn wait_for_stop_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => true,
                _ = tokio::signal::ctrl_c() => false,
            },
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                false
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        false
    }
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    bootstrap_code: Option<String>,
    worker: Option<crate::jobs::WorkerHandle>,
    draining: Draining,
}

impl Application {
    /// Builds with AWS credentials from the standard chain.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let sdk = crate::aws::sdk_loader(&config).load().await;
        Self::build_with_aws(config, AwsClients::from_sdk_config(&sdk)).await
    }

    /// Builds with the given AWS adapters (tests point them at a local emulator).
    pub async fn build_with_aws(config: Config, aws: AwsClients) -> anyhow::Result<Self> {
        let slow = (config.slow_query_ms > 0).then(|| Duration::from_millis(config.slow_query_ms));
        let db = connect_database_logging_slow(&config.database_url, slow).await?;
        migrate(&db).await?;
        ensure_root(&db).await.map_err(|e| anyhow::anyhow!("creating the platform root: {e:?}"))?;
        let secret = keys::load_signing_secret(&db, config.jwt_secret.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("loading the signing key: {e:?}"))?;
        let jwt = JwtKeys::new(&keys::secret_bytes(&secret), config.jwt_issuer(), config.access_token_minutes);
        let bootstrap_code = bootstrap::issue_code_if_no_users(&db)
            .await
            .map_err(|e| anyhow::anyhow!("preparing the bootstrap code: {e:?}"))?;
        if let Some(code) = &bootstrap_code {
            // The one secret we log on purpose: it is single-use, expires in an hour, and only
            // exists while the platform has no users at all.
            tracing::warn!(
                "no users exist yet. Bootstrap code (valid 1 hour, usable once): {code}  — run the bootstrapAdmin mutation with it, or use `partner-billing create-admin`"
            );
        }

        crate::job_registry::ensure_schedules(&db, &config).await.map_err(|e| anyhow::anyhow!("registering job schedules: {e:?}"))?;
        let config = Arc::new(config);
        let jobs_wakeup = Arc::new(tokio::sync::Notify::new());
        let audit = crate::audit::Auditor::new(db.clone()).with_signing_key(config.audit_signing_key.clone());
        let jobs = crate::jobs::JobContext::new(UnscopedPlatformAccess::new(db), config.clone(), aws, audit, jobs_wakeup.clone());
        let state = AppState { jobs, jwt: Arc::new(jwt) };
        let worker = config
            .run_jobs
            .then(|| crate::jobs::Worker::new(state.jobs.clone(), crate::job_registry::handlers(), jobs_wakeup).spawn());
        let schema = build_schema(Some(state.clone()), config.introspection);
        let listener = TcpListener::bind(config.listen).with_context(|| format!("binding PB_LISTEN={}", config.listen))?;
        let port = listener.local_addr()?.port();
        let max_body = config.max_body_bytes;
        let frontend = config.frontend_dir.as_ref().filter(|d| d.join("index.html").is_file()).cloned().map(crate::http::frontend::FrontendDir);
        match &frontend {
            Some(dir) => tracing::info!(dir = %dir.0.display(), "serving the web app"),
            None => tracing::info!("no built web app found (PB_FRONTEND_DIR); serving the API only"),
        }
        // GraphiQL's assets are served with the app's (`/assets/…`), so it needs the app's build.
        let graphiql = crate::http::graphql::GraphiqlPage(frontend.as_ref().map(|d| d.0.join("graphiql.html")).filter(|p| p.is_file()));
        if config.graphiql && graphiql.0.is_none() {
            tracing::info!("GraphiQL is not built (frontend/dist/graphiql.html); GET /graphql explains how to build it");
        }
        let rate_limits = web::Data::new(crate::http::rate_limit::RateLimits::new(&config));
        let app_state = state.clone();
        let draining = Draining::default();
        let app_draining = web::Data::new(draining.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap(crate::http::security_headers::middleware(&app_state.config))
                .wrap(from_fn(request_id::middleware))
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .app_data(rate_limits.clone())
                .app_data(app_draining.clone())
                .app_data(web::Data::new(graphiql.clone()))
                .app_data(web::PayloadConfig::new(max_body))
                .configure(|cfg| routes(cfg, frontend.clone()))
        })
        .shutdown_timeout(30)
        // Signals are ours (run_until_stopped): SIGTERM drains through /readyz first.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { port, server, state, bootstrap_code, worker, draining })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The one-time bootstrap code, when this start found no users.
    pub fn bootstrap_code(&self) -> Option<&str> {
        self.bootstrap_code.as_deref()
    }

    /// The server future and the job worker, for callers that run and stop them themselves.
    pub fn into_parts(self) -> (Server, Option<crate::jobs::WorkerHandle>) {
        (self.server, self.worker)
    }

    /// Serves until SIGTERM/SIGINT. On SIGTERM `/readyz` turns 503 for `PB_SHUTDOWN_DRAIN_SECONDS`
    /// while requests are still served, so a balancer polling it stops sending here before the
    /// listener closes; SIGINT (Ctrl-C at a terminal) skips that wait. Then the requests in flight
    /// finish (30 s at most). The job worker stops claiming at the signal and finishes its step.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self { server, state, worker, draining, .. } = self;
        let handle = server.handle();
        let drain = Duration::from_secs(state.config.shutdown_drain_seconds);
        let (signalled, mut stop_requested) = tokio::sync::watch::channel(false);
        let stopper = tokio::spawn(async move {
            let terminated = wait_for_stop_signal().await;
            let _ = signalled.send(true);
            draining.start();
            if terminated && !drain.is_zero() {
                tracing::info!(seconds = drain.as_secs(), "SIGTERM: not ready any more; serving on while the load balancer takes this replica out");
                tokio::time::sleep(drain).await;
            }
            tracing::info!("stopping: finishing the requests in flight");
            handle.stop(true).await;
        });
        // The worker stops claiming at the signal (or when the server ended on its own, which
        // drops the stopper and its sender) and finishes its step while requests drain.
        let stop_worker = async move {
            let _ = stop_requested.changed().await;
            if let Some(worker) = worker {
                worker.shutdown().await;
            }
        };
        let serve = async move {
            let result = server.await;
            stopper.abort();
            result
        };
        let (result, ()) = tokio::join!(serve, stop_worker);
        result
    }
}
