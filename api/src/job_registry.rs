//! The job registry, assembled at the top: which handler runs each kind, and the recurring
//! schedules. Each kind, its arguments and its handler live in the module that owns the work
//! (`domain::accounts`, `notify::dispatch`, `audit::jobs`…); nothing below this module imports it.

use std::sync::Arc;

use crate::audit::jobs::{Digest, Prune, PruneAudit, WriteAuditDigest};
use crate::config::Config;
use crate::db::Db;
use crate::domain::billing::abc::{self, AbcReports, AbcSync};
use crate::domain::connection_watch::AwaitConnection;
use crate::domain::cost_exports::{DailyIngest, IngestAllCosts, IngestCosts};
use crate::domain::cost_pull::{DailyPull, PullAllCosts, PullCosts};
use crate::domain::billing_transfers::FollowTransfer;
use crate::domain::invitations::{RefreshAll, RefreshInvitations};
use crate::domain::invoicing::periods::{CloseDue, ClosePeriods};
use crate::domain::legacy_import::ImportLegacy;
use crate::domain::optimization::{DailyInsights, PullAllInsights, PullInsights};
use crate::domain::accounts::{CreateAccount, DailySync, SyncAccounts, SyncAllAccounts};
use crate::error::AppResult;
use crate::jobs::JobHandler;
use crate::jobs::schedule::ensure;
use crate::notify::dispatch::{self, DispatchNotifications};

/// The handler of every job kind the application runs.
pub fn handlers() -> Vec<Arc<dyn JobHandler>> {
    vec![
        Arc::new(SyncAccounts),
        Arc::new(SyncAllAccounts),
        Arc::new(CreateAccount),
        Arc::new(RefreshInvitations),
        Arc::new(FollowTransfer),
        Arc::new(IngestCosts),
        Arc::new(IngestAllCosts),
        Arc::new(DispatchNotifications),
        Arc::new(PullCosts),
        Arc::new(PullAllCosts),
        Arc::new(ImportLegacy),
        Arc::new(AbcSync),
        Arc::new(AbcReports),
        Arc::new(PruneAudit),
        Arc::new(WriteAuditDigest),
        Arc::new(ClosePeriods),
        Arc::new(PullInsights),
        Arc::new(PullAllInsights),
        Arc::new(AwaitConnection),
    ]
}

/// Registers the recurring jobs (UTC), and the notification dispatcher that runs forever. Each
/// schedule stores its kind's arguments (all of them "every payer" when scheduled).
pub async fn ensure_schedules(db: &Db, config: &Config) -> AppResult<()> {
    if config.audit_digest_dir.is_some() {
        ensure(db, "audit digest", "0 0 * * * *", &Digest {}).await?;
    }
    ensure(db, "daily account sync", "0 0 3 * * *", &DailySync {}).await?;
    ensure(db, "invitation states", "0 */15 * * * *", &RefreshAll {}).await?;
    ensure(db, "daily cost ingestion", "0 0 6 * * *", &DailyIngest {}).await?;
    dispatch::ensure_dispatcher(db).await?;
    // Billing Conductor: the reconcile every 15 minutes, the reports daily.
    ensure(db, "billing conductor sync", "0 */15 * * * *", &abc::SyncArgs { payer_id: None }).await?;
    ensure(db, "billing conductor cost reports", "0 30 7 * * *", &abc::ReportsArgs { payer_id: None }).await?;
    // Hourly: the job pulls yesterday from PB_COST_PULL_HOUR on, once per payer and day.
    ensure(db, "daily cost explorer pull", "0 0 * * * *", &DailyPull {}).await?;
    ensure(db, "audit retention", "0 30 4 * * *", &Prune {}).await?;
    // Cost Optimization Hub refreshes its recommendations about daily.
    ensure(db, "optimization insights", "0 0 7 * * *", &DailyInsights {}).await?;
    // Daily after the cost ingestion: last month closes PB_CLOSE_AFTER_DAYS days into this one.
    if config.close_after_days.is_some() {
        ensure(db, "billing period close", "0 0 8 * * *", &CloseDue {}).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::handlers;

    /// The web app names each job kind in words (frontend/src/i18n/codes.ts, whose own test
    /// holds every listed kind to messages in both languages); a kind missing there shows as
    /// its bare code on the Jobs page.
    #[test]
    fn every_job_kind_has_words_in_the_web_app() {
        let codes = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/src/i18n/codes.ts"))
            .unwrap_or_default();
        let start = codes.find("jobKind: [").unwrap_or(0);
        let list = &codes[start..codes[start..].find(']').map_or(codes.len(), |end| start + end)];
        let missing: Vec<&str> = handlers()
            .iter()
            .map(|handler| handler.kind())
            .filter(|kind| !list.contains(&format!("'{kind}'")))
            .collect();
        assert!(list.len() > 20, "no jobKind list found in frontend/src/i18n/codes.ts");
        assert!(missing.is_empty(), "job kinds without words in frontend/src/i18n/codes.ts: {missing:?}");
    }
}
