//! Keeping AWS Billing Conductor (ABC) in step with our billing model, for payers in
//! `BILLING_CONDUCTOR` mode; importing an existing ABC setup; pulling ABC's cost reports.
//!
//! The sync is a reconcile, not a replay of edits: the durable job `billing.abc_sync` reads the
//! payer's ABC objects and our rows, then creates what ABC lacks, updates what differs and deletes
//! what we created and no longer have (only objects carrying our owner tag). Every object ends
//! `SYNCED` with its ARN, or `FAILED` with AWS's reason; failed objects are tried again by the
//! next run (every 15 minutes, and whenever something asks for a sync).

mod import;
mod mode;
mod reconcile;
mod reports;

use std::collections::HashSet;

use chrono::{Datelike, Months, Utc};
use entity::{billing_group_accounts, billing_groups, custom_line_items, payers, pricing_plans, pricing_rules};
use sea_orm::{ColumnTrait, Condition, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::aws::AwsClients;
use crate::aws::billing_conductor::BillingConductor;
use crate::error::{AppError, AppResult};
use crate::tenancy::{PayerRead, PlatformPayer};
use crate::jobs::{JobContext, Step};

pub use self::import::{ImportReport, import};
pub use self::mode::{SyncFailure, SyncStatus, request_sync, set_mode, status};
pub use self::reconcile::{AbcSync, SyncReport, run_sync_job, sync_payer};
pub use self::reports::{AbcReports, pull_reports, run_reports_job};

/// Billing modes of a payer.
pub use entity::payers::BillingMode;

/// Sync states of a billing object.
pub use entity::billing_groups::AbcSyncStatus;

/// A billing object's counterpart in Billing Conductor: its ARN once created, and how the last
/// sync of it went (none for a payer that does not use ABC).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AbcLink {
    pub arn: Option<String>,
    pub status: Option<AbcSyncStatus>,
    pub error: Option<String>,
}

/// Job kinds.
pub const SYNC_JOB: &str = "billing.abc_sync";
pub const REPORTS_JOB: &str = "billing.abc_reports";

/// The AssumeRole session name of the sync jobs (shows in the payer's CloudTrail).
const SESSION: &str = "pb-abc-sync";

/// The billing objects ABC mirrors, by table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Groups,
    Plans,
    Rules,
    Items,
}

impl Table {
    /// What a person calls it.
    fn noun(self) -> &'static str {
        match self {
            Table::Groups => "billing group",
            Table::Plans => "pricing plan",
            Table::Rules => "pricing rule",
            Table::Items => "custom line item",
        }
    }
}

/// `YYYY-MM` of today (UTC).
fn current_period() -> String {
    Utc::now().format("%Y-%m").to_string()
}

/// `YYYY-MM` of the month before today's.
fn previous_period() -> String {
    let today = Utc::now().date_naive();
    today.with_day(1).and_then(|d| d.checked_sub_months(Months::new(1))).map(|d| d.format("%Y-%m").to_string()).unwrap_or_default()
}

/// One object's sync state: (table, id, name, status, error).
type ObjectState<'a> = (Table, uuid::Uuid, &'a str, Option<AbcSyncStatus>, Option<&'a str>);

/// Our billing rows of one payer.
struct Local {
    groups: Vec<billing_groups::Model>,
    plans: Vec<pricing_plans::Model>,
    rules: Vec<pricing_rules::Model>,
    items: Vec<custom_line_items::Model>,
}

impl Local {
    async fn load(payer: &impl PayerRead) -> AppResult<Self> {
        Ok(Self {
            groups: payer.rows::<billing_groups::Entity>().all().await?,
            plans: payer.rows::<pricing_plans::Entity>().all().await?,
            rules: payer.rows::<pricing_rules::Entity>().all().await?,
            items: payer.rows::<custom_line_items::Entity>().all().await?,
        })
    }

    /// Every object as (table, id, name, status, error).
    fn states(&self) -> Vec<ObjectState<'_>> {
        let mut out = Vec::new();
        out.extend(self.rules.iter().map(|r| (Table::Rules, r.id, r.name.as_str(), r.abc_sync_status, r.abc_sync_error.as_deref())));
        out.extend(self.plans.iter().map(|p| (Table::Plans, p.id, p.name.as_str(), p.abc_sync_status, p.abc_sync_error.as_deref())));
        out.extend(self.groups.iter().map(|g| (Table::Groups, g.id, g.name.as_str(), g.abc_sync_status, g.abc_sync_error.as_deref())));
        out.extend(self.items.iter().map(|i| (Table::Items, i.id, i.name.as_str(), i.abc_sync_status, i.abc_sync_error.as_deref())));
        out
    }

    /// Every ARN we hold.
    fn arns(&self) -> HashSet<String> {
        let groups = self.groups.iter().filter_map(|g| g.abc_arn.clone());
        let plans = self.plans.iter().filter_map(|p| p.abc_arn.clone());
        let rules = self.rules.iter().filter_map(|r| r.abc_arn.clone());
        groups.chain(plans).chain(rules).chain(self.items.iter().filter_map(|i| i.abc_arn.clone())).collect()
    }
}

/// Members of a group in the current billing period.
async fn current_members(payer: &impl PayerRead, group: uuid::Uuid) -> AppResult<Vec<String>> {
    let period = current_period();
    let rows = payer
        .rows::<billing_group_accounts::Entity>()
        .filter(billing_group_accounts::Column::BillingGroupId.eq(group))
        .filter(billing_group_accounts::Column::BillingPeriodStart.lte(period.clone()))
        .filter(
            Condition::any()
                .add(billing_group_accounts::Column::BillingPeriodEnd.is_null())
                .add(billing_group_accounts::Column::BillingPeriodEnd.gt(period)),
        )
        .all()
        .await?;
    Ok(rows.into_iter().map(|r| r.account_id).collect())
}

/// The Billing Conductor adapter, when one is configured.
fn adapter(aws: &AwsClients) -> AppResult<&dyn BillingConductor> {
    aws.billing_conductor.as_deref().ok_or_else(|| AppError::internal(anyhow::anyhow!("no Billing Conductor client configured")))
}

/// The sync job's arguments: one payer, or none when scheduled (every payer in ABC mode).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SyncArgs {
    #[serde(default)]
    pub payer_id: Option<uuid::Uuid>,
}

impl crate::jobs::JobArgs for SyncArgs {
    const KIND: &'static str = SYNC_JOB;
}

/// The cost reports job's arguments: one payer, or none when scheduled (every payer in ABC mode).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ReportsArgs {
    #[serde(default)]
    pub payer_id: Option<uuid::Uuid>,
}

impl crate::jobs::JobArgs for ReportsArgs {
    const KIND: &'static str = REPORTS_JOB;
}

/// Runs `each` for the one payer asked for, or, when scheduled (no payer), for every payer in ABC
/// mode. One payer's failure fails a single-payer job (retried with backoff); in the scheduled
/// run it is reported and the other payers still run.
async fn for_abc_payers<A, T, F, Fut>(state: &JobContext, payer_id: Option<uuid::Uuid>, mut each: F) -> AppResult<Step<A>>
where
    T: Serialize,
    F: FnMut(PlatformPayer) -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    let platform = state.platform();
    let mut query = platform.payers().filter(payers::Column::BillingMode.eq(BillingMode::BillingConductor));
    if let Some(id) = payer_id {
        query = query.filter(payers::Column::Id.eq(id));
    }
    let mut results = serde_json::Map::new();
    for payer in query.all().await? {
        let id = payer.id.to_string();
        let result = match each(platform.payer_row(payer)).await {
            Ok(done) => serde_json::to_value(done).map_err(AppError::internal)?,
            Err(e) if payer_id.is_some() => return Err(e),
            Err(e) => {
                tracing::warn!(payer = %id, error = %e, "Billing Conductor job failed for a payer");
                json!({ "error": e.to_string() })
            }
        };
        results.insert(id, result);
    }
    Ok(Step::Done(serde_json::Value::Object(results)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_year_and_month() {
        let (previous, current) = (previous_period(), current_period());
        assert_eq!(current.len(), 7);
        assert!(previous < current, "{previous} < {current}");
    }
}
