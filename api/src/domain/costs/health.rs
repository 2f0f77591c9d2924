//! How current a payer's cost data is: the newest day, the last ingestion and its warnings.

use chrono::{NaiveDate, Utc};
use entity::{cost_daily, ingestions};
use entity::ingestions::IngestionStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppResult, Context as _};
use crate::ids::PayerId;
use crate::tenancy::{PayerRead, Role, Scope};

/// How current a payer's cost data is.
#[derive(Debug, Clone)]
pub struct Health {
    /// SUCCESS | WARNING | FAILED | NOT_AVAILABLE
    pub status: &'static str,
    pub reason: String,
    /// Days since the latest day with cost data.
    pub lag_days: Option<i64>,
    /// The payer's latest ingestion that was not skipped (RUNNING, SUCCEEDED, FAILED or
    /// ABANDONED); its holder (which host ran it) only for platform staff.
    pub last: Option<ingestions::Model>,
}

pub async fn ingestion_health(scope: &Scope, payer: PayerId) -> AppResult<Health> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    // A RUNNING record whose process is gone, or whose lease ran out, shows as ABANDONED.
    crate::ingest::heartbeat::close_abandoned_of(&payer).await.context("closing abandoned ingestions")?;
    let last = payer
        .rows::<ingestions::Entity>()
        .filter(ingestions::Column::Status.ne(IngestionStatus::Skipped))
        .order_by_desc(ingestions::Column::StartedAt)
        .one()
        .await
        .context("loading the payer's last ingestion")?;
    let newest_day: Option<NaiveDate> = payer
        .rows::<cost_daily::Entity>()
        .select_only()
        .expr_as(Expr::cust("MAX(usage_date)"), "d")
        .tuple::<Option<NaiveDate>>()
        .await
        .context("finding the payer's newest cost day")?
        .flatten();
    let lag = newest_day.map(|d| (Utc::now().date_naive() - d).num_days());
    // Warnings the last ingestion recorded on its files ("no rows", rows of other billing
    // accounts left out, empty cost cells), each with the file's path.
    let warnings: Vec<String> = last
        .as_ref()
        .filter(|i| i.status == IngestionStatus::Succeeded)
        .and_then(|i| serde_json::from_str::<Vec<serde_json::Value>>(&i.files).ok())
        .map(|files| {
            files
                .iter()
                .flat_map(|f| {
                    let path = f["path"].as_str().unwrap_or_default().to_owned();
                    f["warnings"].as_array().cloned().unwrap_or_default().into_iter().filter_map(move |w| w.as_str().map(|w| format!("{path}: {w}")))
                })
                .collect()
        })
        .unwrap_or_default();
    let (status, reason) = match (&last, lag) {
        (None, None) => ("NOT_AVAILABLE", "no cost data has been ingested for this payer".to_owned()),
        (Some(i), _) if i.status == IngestionStatus::Failed => ("FAILED", format!("the last ingestion failed: {}", i.error.clone().unwrap_or_default())),
        (Some(i), _) if i.status == IngestionStatus::Abandoned => {
            ("FAILED", format!("the last ingestion was {}", i.error.clone().unwrap_or_else(|| "abandoned".to_owned())))
        }
        (_, Some(days)) if days > 3 => ("WARNING", format!("the newest cost data is {days} days old")),
        (_, Some(_)) => ("SUCCESS", "cost data is current".to_owned()),
        (Some(_), None) => ("WARNING", "ingestions ran but wrote no cost rows".to_owned()),
    };
    let (status, reason) = match (status, warnings.is_empty()) {
        (_, true) => (status, reason),
        ("SUCCESS", false) => ("WARNING", format!("the last ingestion succeeded with warnings: {}", warnings.join("; "))),
        (_, false) => (status, format!("{reason}; the last ingestion succeeded with warnings: {}", warnings.join("; "))),
    };
    let platform_staff = scope.principal().role_on_tenant(&format!("/{}/", crate::ids::ROOT_TENANT_ID)).is_some();
    let last = last.map(|mut i| {
        if !platform_staff {
            i.holder = None;
        }
        i.holder_ns = None;
        i
    });
    Ok(Health { status, reason, lag_days: lag, last })
}
