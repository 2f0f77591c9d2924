//! Keeps the month rollups equal to the day grain they summarise. Every writer of `cost_daily`
//! calls [`refresh`] for the periods it replaced, inside its own transaction, so a reader never
//! sees one without the others. Each rollup is summed from the finer one: day grain → pricing
//! (`cost_monthly_pricing`) → by account and service (`cost_monthly`) → by service
//! (`cost_monthly_service`) and by account alone (`cost_monthly_account`); the account bill's
//! rollup (`cost_monthly_usage`) is summed from the day grain in Rust, for exact usage quantities.

use migration::m20261206_001101_cost_monthly_usage::refresh_usage;
use migration::m20261206_000401_cost_rollups::{
    ACCOUNT_COLUMNS, ACCOUNT_ONLY_COLUMNS, PRICING_COLUMNS, SERVICE_COLUMNS, account_only_select, account_select, pricing_select, service_select,
};
use entity::cost_data_versions;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};

use crate::error::{AppResult, Context as _};
use crate::ids::PayerId;

/// Rebuilds the rollups of one payer's source for the given billing periods.
pub async fn refresh(txn: &impl ConnectionTrait, payer: PayerId, source: &str, periods: &[String]) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let (p1, p2, p3) = match backend {
        DbBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?1", "?2", "?3"),
    };
    let filter = format!("WHERE payer_id = {p1} AND source = {p2} AND billing_period = {p3}");
    let mut statements = Vec::new();
    // Coarsest first when deleting, finest first when filling: each is summed from the one before.
    for table in ["cost_monthly_account", "cost_monthly_service", "cost_monthly", "cost_monthly_pricing"] {
        statements.push(format!("DELETE FROM {table} {filter}"));
    }
    statements.push(format!("INSERT INTO cost_monthly_pricing ({PRICING_COLUMNS}) {}", pricing_select(&filter)));
    statements.push(format!("INSERT INTO cost_monthly ({ACCOUNT_COLUMNS}) {}", account_select(&filter)));
    statements.push(format!("INSERT INTO cost_monthly_service ({SERVICE_COLUMNS}) {}", service_select(&filter)));
    statements.push(format!("INSERT INTO cost_monthly_account ({ACCOUNT_ONLY_COLUMNS}) {}", account_only_select(&filter)));
    for period in periods {
        let values = [Value::from(payer.0), Value::from(source), Value::from(period.as_str())];
        for sql in &statements {
            txn.execute_raw(Statement::from_sql_and_values(backend, sql.as_str(), values.clone())).await?;
        }
        refresh_usage(txn, payer.0, source, period).await.context("summing the account bill's month rollup")?;
        new_data_version(txn, payer, period).await?;
    }
    Ok(())
}

/// Gives the period's cost data a new version, in the writer's transaction: every price stored
/// from the rows it replaces stops being current when it commits.
async fn new_data_version(txn: &impl ConnectionTrait, payer: PayerId, period: &str) -> AppResult<()> {
    let row = cost_data_versions::ActiveModel { payer_id: Set(payer.0), billing_period: Set(period.to_owned()), version: Set(uuid::Uuid::new_v4()) };
    cost_data_versions::Entity::insert(row)
        .on_conflict(OnConflict::columns([cost_data_versions::Column::PayerId, cost_data_versions::Column::BillingPeriod]).update_column(cost_data_versions::Column::Version).to_owned())
        .exec(txn)
        .await?;
    Ok(())
}

/// After a bulk write on PostgreSQL: fresh planner statistics for the cost tables. A table the
/// planner has never analysed looks empty to it, and it then sorts tens of thousands of rollup
/// rows on disk or walks the wrong index (the Overview's by-account view took 0.6 s instead of
/// tens of ms, the forecast 1.5 s instead of under 1 ms, right after a first ingestion).
/// Autovacuum would catch up, but only minutes later. Best effort: the data is already committed.
pub async fn refresh_statistics(db: &impl ConnectionTrait) {
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    if let Err(e) = db.execute_unprepared("ANALYZE cost_daily, cost_monthly_pricing, cost_monthly, cost_monthly_service, cost_monthly_account, cost_monthly_usage, cost_daily_tags, cost_monthly_tags").await {
        tracing::warn!(error = %e, "refreshing the cost tables' planner statistics failed");
    }
}
