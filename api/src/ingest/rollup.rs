//! Keeps the month rollup (`cost_monthly`) equal to the day grain it summarises. Every writer of
//! `cost_daily` calls [`refresh`] for the periods it replaced, inside its own transaction, so a
//! reader never sees one without the other.

use migration::m20261206_000202_cost_monthly::{ROLLUP_COLUMNS, rollup_select};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::error::AppResult;
use crate::ids::PayerId;

/// Rebuilds the rollup of one payer's source for the given billing periods.
pub async fn refresh(txn: &impl ConnectionTrait, payer: PayerId, source: &str, periods: &[String]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let (p1, p2, p3) = match backend {
        DbBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?1", "?2", "?3"),
    };
    let filter = format!("WHERE payer_id = {p1} AND source = {p2} AND billing_period = {p3}");
    let delete = format!("DELETE FROM cost_monthly {filter}");
    let insert = format!("INSERT INTO cost_monthly ({ROLLUP_COLUMNS}) {}", rollup_select(&filter));
    for period in periods {
        let values = [Value::from(payer.0), Value::from(source), Value::from(period.as_str())];
        txn.execute_raw(Statement::from_sql_and_values(backend, delete.as_str(), values.clone())).await?;
        txn.execute_raw(Statement::from_sql_and_values(backend, insert.as_str(), values)).await?;
    }
    Ok(())
}
