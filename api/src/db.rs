//! Database helpers every area shares.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult,
    SqliteTransactionMode, Statement, TransactionError, TransactionOptions, TransactionTrait,
};

/// Starts a transaction that will write. On SQLite it begins `IMMEDIATE`: a deferred transaction
/// that reads and then writes fails at once ("database is locked") when another connection wrote
/// in between, because its snapshot is stale and waiting cannot help; taking the write lock up
/// front makes it wait its turn (busy timeout) instead. PostgreSQL ignores the mode, and a nested
/// transaction is a savepoint either way.
#[async_trait::async_trait]
pub trait BeginWrite: TransactionTrait {
    async fn begin_write(&self) -> Result<Self::Transaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.begin_with_options(options).await
    }
}

impl<T: TransactionTrait + ?Sized> BeginWrite for T {}

/// The application's database handle. Outside a request transaction it is the connection pool;
/// inside one (see [`RequestTransaction`]) every statement and every `begin` made through it in
/// that task goes to the request's transaction (a nested `begin` is a savepoint). That is how a
/// mutation and its audit record commit or roll back together without threading a transaction
/// through every domain function.
#[derive(Clone, Debug)]
pub struct Db {
    pool: DatabaseConnection,
    /// The writers' queue: see [`Db::writer_turn`].
    writers: Arc<tokio::sync::Semaphore>,
}

/// How long a writer waits for its turn: the busy timeout of SQLite's own lock (startup.rs).
const WRITER_TURN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// PostgreSQL: how many request transactions may hold a connection at once. Every mutation ends
/// by locking the audit chain's head, so they commit one at a time anyway; more of them holding
/// connections while they wait for that lock only took the pool (16) from the readers.
pub const POSTGRES_WRITERS: usize = 8;

tokio::task_local! {
    static REQUEST_TX: Arc<DatabaseTransaction>;
    /// One request's share of the pool: at most this many of its statements run at once.
    static REQUEST_SHARE: Arc<tokio::sync::Semaphore>;
}

impl From<DatabaseConnection> for Db {
    fn from(pool: DatabaseConnection) -> Self {
        // SQLite has one writer at a time.
        let writers = if pool.get_database_backend() == DbBackend::Sqlite { 1 } else { POSTGRES_WRITERS };
        Self { pool, writers: Arc::new(tokio::sync::Semaphore::new(writers)) }
    }
}

impl Db {
    /// The pool itself, for what must not join a request transaction (migrations, health).
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    fn request_tx() -> Option<Arc<DatabaseTransaction>> {
        REQUEST_TX.try_with(Arc::clone).ok()
    }

    /// Runs `work` (one request) with at most `connections` of its statements on the pool at a
    /// time, so one request cannot hold more than that share of the pool however many fields it
    /// resolves concurrently. Statements in a request transaction already share one connection.
    pub async fn with_request_share<F: Future>(connections: usize, work: F) -> F::Output {
        REQUEST_SHARE.scope(Arc::new(tokio::sync::Semaphore::new(connections.max(1))), work).await
    }

    /// A slot of the current request's share, held while one statement runs on the pool.
    async fn share_slot() -> Option<tokio::sync::OwnedSemaphorePermit> {
        let share = REQUEST_SHARE.try_with(Arc::clone).ok()?;
        share.acquire_owned().await.ok()
    }

    /// A writer's turn, awaited before it takes a connection: request transactions and audit
    /// appends queue here, in order, holding nothing. On SQLite one at a time: it has one writer,
    /// and a writer that took a pooled connection first and then waited in SQLite's busy handler
    /// (which sleeps and polls) held that connection all along, so under many writers the readers
    /// found the pool empty. On PostgreSQL [`POSTGRES_WRITERS`] at a time, for the same reason.
    /// Other processes on the same database (the CLI, replicas) still meet the database's locks.
    pub async fn writer_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, DbErr> {
        match tokio::time::timeout(WRITER_TURN_TIMEOUT, Arc::clone(&self.writers).acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(_)) => Err(DbErr::Custom("the writers' queue is closed".into())),
            Err(_) => Err(DbErr::Custom("database is locked: no turn to write within 30 s".into())),
        }
    }

    /// True while the current task runs inside a request transaction.
    pub fn in_request_transaction() -> bool {
        REQUEST_TX.try_with(|_| ()).is_ok()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.execute_raw(stmt).await,
            None => {
                let _slot = Self::share_slot().await;
                self.pool.execute_raw(stmt).await
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.execute_unprepared(sql).await,
            None => {
                let _slot = Self::share_slot().await;
                self.pool.execute_unprepared(sql).await
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.query_one_raw(stmt).await,
            None => {
                let _slot = Self::share_slot().await;
                self.pool.query_one_raw(stmt).await
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.query_all_raw(stmt).await,
            None => {
                let _slot = Self::share_slot().await;
                self.pool.query_all_raw(stmt).await
            }
        }
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.begin().await,
            None => self.pool.begin().await,
        }
    }

    async fn begin_with_config(&self, isolation_level: Option<IsolationLevel>, access_mode: Option<AccessMode>) -> Result<DatabaseTransaction, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.begin_with_config(isolation_level, access_mode).await,
            None => self.pool.begin_with_config(isolation_level, access_mode).await,
        }
    }

    async fn begin_with_options(&self, options: TransactionOptions) -> Result<DatabaseTransaction, DbErr> {
        match Self::request_tx() {
            Some(tx) => tx.begin_with_options(options).await,
            None => self.pool.begin_with_options(options).await,
        }
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>> + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self.begin().await.map_err(TransactionError::Connection)?;
        run_in(txn, callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>> + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        let txn = self.begin_with_config(isolation_level, access_mode).await.map_err(TransactionError::Connection)?;
        run_in(txn, callback).await
    }
}

/// Runs `callback` in `txn`: commits on Ok, rolls back on Err.
async fn run_in<F, T, E>(txn: DatabaseTransaction, callback: F) -> Result<T, TransactionError<E>>
where
    F: for<'c> FnOnce(&'c DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>> + Send,
    T: Send,
    E: std::fmt::Display + std::fmt::Debug + Send,
{
    let outcome = callback(&txn).await;
    match outcome {
        Ok(value) => {
            txn.commit().await.map_err(TransactionError::Connection)?;
            Ok(value)
        }
        Err(e) => {
            txn.rollback().await.map_err(TransactionError::Connection)?;
            Err(TransactionError::Transaction(e))
        }
    }
}

/// One transaction for everything a request does through [`Db`] inside [`Self::scope`]. It
/// begins as a writer (`IMMEDIATE` on SQLite), so on SQLite requests that change data take turns.
pub struct RequestTransaction {
    tx: Arc<DatabaseTransaction>,
    /// This writer's turn ([`Db::writer_turn`]), held until the transaction ends.
    turn: tokio::sync::OwnedSemaphorePermit,
}

impl RequestTransaction {
    pub async fn begin(db: &Db) -> Result<Self, DbErr> {
        let turn = db.writer_turn().await?;
        Ok(Self { tx: Arc::new(db.begin_write().await?), turn })
    }

    /// Runs `work` with this transaction as the task's database.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        REQUEST_TX.scope(Arc::clone(&self.tx), work).await
    }

    /// The transaction and the turn, which must outlive the commit or rollback.
    fn into_inner(self) -> Result<(DatabaseTransaction, tokio::sync::OwnedSemaphorePermit), DbErr> {
        let tx = Arc::try_unwrap(self.tx).map_err(|_| DbErr::Custom("the request transaction is still in use".into()))?;
        Ok((tx, self.turn))
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        let (tx, _turn) = self.into_inner()?;
        tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        // Dropping a transaction that is still shared rolls it back too, once the last user goes.
        let (tx, _turn) = self.into_inner()?;
        tx.rollback().await
    }
}

/// Which of this release's migrations the database lacks, and which applied ones it does not know
/// (a newer release migrated it).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaStatus {
    pub pending: Vec<String>,
    pub newer: Vec<String>,
}

/// Reads `seaql_migrations` without creating it (no DDL: readiness probes call this). A database
/// without the table has every migration pending.
pub async fn schema_status<C: ConnectionTrait>(connection: &C) -> Result<SchemaStatus, DbErr> {
    use migration::MigratorTrait;
    let backend = connection.get_database_backend();
    let exists_sql = match backend {
        DbBackend::Postgres => "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'seaql_migrations'",
        _ => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
    };
    let exists = connection.query_one_raw(Statement::from_string(backend, exists_sql)).await?.is_some();
    let mut applied = std::collections::BTreeSet::new();
    if exists {
        for row in connection.query_all_raw(Statement::from_string(backend, "SELECT version FROM seaql_migrations")).await? {
            applied.insert(row.try_get::<String>("", "version")?);
        }
    }
    let known: Vec<String> = migration::Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    Ok(SchemaStatus {
        pending: known.iter().filter(|name| !applied.contains(*name)).cloned().collect(),
        newer: applied.into_iter().filter(|name| !known.contains(name)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectOptions, ConnectionTrait, DbBackend, DbErr, Statement};

    use super::{Db, RequestTransaction};

    async fn count(db: &Db) -> Result<i64, DbErr> {
        let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT COUNT(*) AS n FROM t")).await?;
        row.map_or(Ok(0), |r| r.try_get::<i64>("", "n"))
    }

    /// SQLite: writers waiting for the one write lock hold no pooled connection, so a reader
    /// still finds one; then every writer commits in turn. Before the writers' queue, the waiting
    /// writers took the pool's connections and the reader timed out.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_writers_wait_their_turn_without_holding_the_pool() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ConnectOptions::new(format!("sqlite://{}/pb.db?mode=rwc", dir.path().display()));
        options.max_connections(2).acquire_timeout(Duration::from_secs(2)).sqlx_logging(false);
        let db = Db::from(sea_orm::Database::connect(options).await.unwrap());
        db.execute_unprepared("PRAGMA journal_mode=WAL").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (v INTEGER NOT NULL)").await.unwrap();

        let first = RequestTransaction::begin(&db).await.unwrap();
        first.scope(db.execute_unprepared("INSERT INTO t VALUES (1)")).await.unwrap();
        // Twice as many writers as the pool has connections, all behind the first.
        let waiting: Vec<_> = (2..6)
            .map(|v| {
                let db = db.clone();
                tokio::spawn(async move {
                    let tx = RequestTransaction::begin(&db).await?;
                    tx.scope(db.execute_unprepared(&format!("INSERT INTO t VALUES ({v})"))).await?;
                    tx.commit().await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(count(&db).await.expect("a reader finds a connection while writers wait"), 0, "the first writer has not committed");
        first.commit().await.unwrap();
        for writer in waiting {
            writer.await.unwrap().expect("each waiting writer commits in its turn");
        }
        assert_eq!(count(&db).await.unwrap(), 5);
    }

    /// A writer that gets no turn within 30 s gives up with an error (the request changes
    /// nothing: its transaction never began); once the turn is free, the next writer gets it.
    #[tokio::test]
    async fn a_writer_without_a_turn_in_30_seconds_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let pool = sea_orm::Database::connect(format!("sqlite://{}/pb.db?mode=rwc", dir.path().display())).await.unwrap();
        let db = Db::from(pool);
        let first = RequestTransaction::begin(&db).await.unwrap();
        // The clock moves on by itself while nothing else can run: the 30 s pass at once.
        tokio::time::pause();
        let started = tokio::time::Instant::now();
        let refused = db.writer_turn().await.map(|_| ()).unwrap_err();
        assert!(refused.to_string().contains("no turn to write within 30 s"), "{refused}");
        assert_eq!(started.elapsed().as_secs(), 30);
        tokio::time::resume();
        first.rollback().await.unwrap();
        assert!(db.writer_turn().await.is_ok(), "the turn is free again");
    }
}
