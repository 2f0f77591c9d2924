//! Keeps the month rollups equal to the day grain they summarise. Every writer of `cost_daily`
//! replaces the rollups of the periods it replaced, inside its own transaction, so a reader never
//! sees one without the others. They are summed in Rust ([`MonthRollups`]): ingestion from the
//! rows it has just written, in its memory ([`write`]), and the other writers (the Cost Explorer
//! pull) from the period read back ([`refresh`]).

pub use migration::month_rollups::{DayRow, MonthRollups};
use migration::month_rollups::Rollup;
use entity::cost_data_versions;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait};

use crate::error::{AppResult, Context as _};
use crate::ids::PayerId;

/// Replaces the rollups of one payer's source and billing period with `sums` of its day rows,
/// and gives the period's cost data a new version.
pub async fn write(txn: &impl ConnectionTrait, payer: PayerId, source: &str, period: &str, sums: MonthRollups) -> AppResult<()> {
    sums.write(txn, payer.0, source, period, &Rollup::ALL).await.context("writing the month rollups")?;
    new_data_version(txn, payer, period).await
}

/// Rebuilds the rollups of one payer's source for the given billing periods from their stored
/// day rows.
/// [`refresh`] in the payer's own write transaction (a pull that replaced days of its data).
pub async fn refresh_in(txn: &crate::tenancy::PayerTxn, source: &str, periods: &[String]) -> AppResult<()> {
    refresh(txn.joined(), PayerId(txn.payer_id()), source, periods).await
}

pub async fn refresh(txn: &impl ConnectionTrait, payer: PayerId, source: &str, periods: &[String]) -> AppResult<()> {
    for period in periods {
        let mut sums = MonthRollups::new();
        sums.read_period(txn, payer.0, source, period).await.context("reading a period's day rows for its month rollups")?;
        write(txn, payer, source, period, sums).await?;
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
