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
}

tokio::task_local! {
    static REQUEST_TX: Arc<DatabaseTransaction>;
    /// One request's share of the pool: at most this many of its statements run at once.
    static REQUEST_SHARE: Arc<tokio::sync::Semaphore>;
}

impl From<DatabaseConnection> for Db {
    fn from(pool: DatabaseConnection) -> Self {
        Self { pool }
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
}

impl RequestTransaction {
    pub async fn begin(db: &Db) -> Result<Self, DbErr> {
        Ok(Self { tx: Arc::new(db.begin_write().await?) })
    }

    /// Runs `work` with this transaction as the task's database.
    pub async fn scope<F: Future>(&self, work: F) -> F::Output {
        REQUEST_TX.scope(Arc::clone(&self.tx), work).await
    }

    fn into_inner(self) -> Result<DatabaseTransaction, DbErr> {
        Arc::try_unwrap(self.tx).map_err(|_| DbErr::Custom("the request transaction is still in use".into()))
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.into_inner()?.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        // Dropping a transaction that is still shared rolls it back too, once the last user goes.
        self.into_inner()?.rollback().await
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
