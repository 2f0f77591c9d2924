//! Database helpers every area shares.

use sea_orm::{DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait};

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
