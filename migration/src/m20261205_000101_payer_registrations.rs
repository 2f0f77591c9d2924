//! A payer row is one partner's *registration* of an AWS account, not the account itself: two
//! partners may register the same account id, each with its own ExternalId, and only the one
//! whose role trusts that ExternalId can connect. The account id therefore stops being unique
//! across the platform (a global unique index told partner B that partner A manages an account);
//! it stays unique per tenant.
//!
//! SQLite cannot drop a column's UNIQUE constraint, so there the table is rebuilt the way SQLite
//! documents (foreign keys off on one connection, copy, swap, check, foreign keys back on).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseExecutor, sqlx};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payers {
    Table,
    TenantId,
    AccountId,
}

const UNIQUE_COLUMN: &str = "\"account_id\" char(12) NOT NULL UNIQUE";
const PLAIN_COLUMN: &str = "\"account_id\" char(12) NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // SQLite's rebuild manages its own transaction on one connection (PRAGMA foreign_keys cannot
    // change inside a transaction); PostgreSQL runs in the migrator's transaction as usual.
    fn use_transaction(&self) -> Option<bool> {
        None
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => rebuild_sqlite_without_unique(m).await?,
            _ => {
                m.get_connection().execute_unprepared("ALTER TABLE payers DROP CONSTRAINT IF EXISTS payers_account_id_key").await?;
            }
        }
        m.create_index(Index::create().name("ix_payers_account").table(Payers::Table).col(Payers::AccountId).if_not_exists().to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ux_payers_tenant_account")
                .table(Payers::Table)
                .col(Payers::TenantId)
                .col(Payers::AccountId)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ux_payers_tenant_account").table(Payers::Table).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_payers_account").table(Payers::Table).to_owned()).await
    }
}

async fn rebuild_sqlite_without_unique(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let DatabaseExecutor::Connection(db) = m.get_connection() else {
        return Err(DbErr::Migration("the payers rebuild needs a plain connection, not a transaction".into()));
    };
    let mut conn = db.get_sqlite_connection_pool().acquire().await.map_err(|e| DbErr::Migration(format!("acquiring a connection: {e}")))?;
    let sql_err = |what: &'static str| move |e: sqlx::Error| DbErr::Migration(format!("{what}: {e}"));
    let table_sql: Option<(String,)> = sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'payers'")
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_err("reading the payers table"))?;
    let Some((table_sql,)) = table_sql else { return Err(DbErr::Migration("no payers table".into())) };
    if !table_sql.contains(UNIQUE_COLUMN) {
        // Already rebuilt (a crash after the rebuild committed, before the migration was recorded).
        return Ok(());
    }
    let new_sql = table_sql.replacen(UNIQUE_COLUMN, PLAIN_COLUMN, 1).replacen("\"payers\"", "\"payers_rebuild\"", 1);
    if !new_sql.contains("\"payers_rebuild\"") {
        return Err(DbErr::Migration(format!("unexpected payers table definition: {table_sql}")));
    }
    let indexes: Vec<(String,)> = sqlx::query_as("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'payers' AND sql IS NOT NULL")
        .fetch_all(&mut *conn)
        .await
        .map_err(sql_err("reading the payers indexes"))?;

    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(sql_err("turning foreign keys off"))?;
    let rebuilt = async {
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await.map_err(sql_err("beginning"))?;
        let mut statements = vec![
            new_sql,
            "INSERT INTO payers_rebuild SELECT * FROM payers".to_owned(),
            "DROP TABLE payers".to_owned(),
            "ALTER TABLE payers_rebuild RENAME TO payers".to_owned(),
        ];
        statements.extend(indexes.into_iter().map(|(sql,)| sql));
        for statement in &statements {
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(statement.as_str())).execute(&mut *conn).await {
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                return Err(DbErr::Migration(format!("rebuilding payers ({statement}): {e}")));
            }
        }
        // Only references to payers can be broken by the swap (violations elsewhere, if any, predate it).
        let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check WHERE parent = 'payers'")
            .fetch_all(&mut *conn)
            .await
            .map_err(sql_err("checking foreign keys"))?;
        if !broken.is_empty() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(DbErr::Migration(format!("foreign keys broken by the payers rebuild: {broken:?}")));
        }
        sqlx::query("COMMIT").execute(&mut *conn).await.map_err(sql_err("committing"))?;
        Ok(())
    }
    .await;
    // Always back on, whatever happened: the connection returns to the pool.
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.map_err(sql_err("turning foreign keys on"))?;
    rebuilt
}
