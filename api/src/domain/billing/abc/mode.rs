//! A payer's billing mode (NATIVE or BILLING_CONDUCTOR), asking for a sync when billing objects
//! change, and how far the objects are in step with ABC.

use chrono::Utc;
use entity::{jobs, payers};
use sea_orm::sea_query::{Expr};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use serde::Serialize;

use super::{AbcSyncStatus, BillingMode, Local, SYNC_JOB, SyncArgs};
use crate::domain::billing::billing_payer;
use crate::error::AppResult;
use crate::ids::{PayerId, TenantId};
use crate::jobs::queue::enqueue_in;
use crate::jobs::{JobContext, NewJob};
use crate::tenancy::{PayerAccess, PayerRead, PayerTransactions, PayerTxn, Role, Scope};

/// Marks every object of the payer that is not in sync as PENDING (switching to ABC mode marks
/// all).
async fn mark_pending(txn: &PayerTxn, all: bool) -> AppResult<()> {
    macro_rules! mark {
        ($($table:ident),*) => {$(
            let mut update = txn
                .update_rows::<entity::$table::Entity>()
                .col_expr(entity::$table::Column::AbcSyncStatus, Expr::value(AbcSyncStatus::Pending))
                .col_expr(entity::$table::Column::AbcSyncError, Expr::value(Option::<String>::None));
            if !all {
                update = update.filter(entity::$table::Column::AbcSyncStatus.is_null());
            }
            update.exec().await?;
        )*};
    }
    mark!(pricing_rules, pricing_plans, billing_groups, custom_line_items);
    Ok(())
}

/// A job for the payer's sync, unless one is already waiting to run.
async fn enqueue_sync(txn: &PayerTxn, payer: &payers::Model) -> AppResult<()> {
    let waiting = txn
        .rows::<jobs::Entity>()
        .filter(jobs::Column::Kind.eq(SYNC_JOB))
        .filter(jobs::Column::State.eq(crate::jobs::JobState::Queued))
        .one()
        .await?;
    if waiting.is_none() {
        let mut job = NewJob::of(&SyncArgs { payer_id: Some(payer.id) })?;
        job.tenant = Some(TenantId(payer.tenant_id));
        enqueue_in(txn, job).await?;
    }
    Ok(())
}

/// After a billing object of `payer` changed: in ABC mode, marks what is not yet tracked
/// PENDING and asks for a sync. Does nothing for NATIVE payers.
pub async fn request_sync(txn: &PayerTxn) -> AppResult<()> {
    let Some(payer) = txn.rows::<payers::Entity>().one().await? else { return Ok(()) };
    if payer.billing_mode != BillingMode::BillingConductor {
        return Ok(());
    }
    mark_pending(txn, false).await?;
    enqueue_sync(txn, &payer).await
}

/// Switches a payer between NATIVE and BILLING_CONDUCTOR (payer admins). Switching to ABC marks
/// every billing object PENDING and starts a sync; switching back stops pushing (ARNs are kept).
pub async fn set_mode(state: &JobContext, scope: &Scope, payer: PayerId, mode: BillingMode) -> AppResult<()> {
    let payer = billing_payer(scope, payer, Role::Admin).await?;
    if mode == BillingMode::BillingConductor {
        // A reseller's tier is priced by our engine only: Billing Conductor prices one level.
        crate::domain::payers::require_aws_access(&payer)?;
    }
    let txn = payer.begin_write().await?;
    let mut row: payers::ActiveModel = payer.model().clone().into();
    row.billing_mode = Set(mode);
    row.updated_at = Set(Utc::now());
    let payer = txn.update(row).await?;
    if mode == BillingMode::BillingConductor {
        mark_pending(&txn, true).await?;
        enqueue_sync(&txn, &payer).await?;
    }
    txn.commit().await?;
    state.jobs_wakeup.notify_one();
    Ok(())
}

/// One object that failed to sync.
#[derive(Clone, Debug, Serialize)]
pub struct SyncFailure {
    /// `billing group` | `pricing plan` | `pricing rule` | `custom line item`
    pub kind: &'static str,
    pub id: uuid::Uuid,
    pub name: String,
    pub error: String,
}

/// A payer's billing mode and how far its objects are in step with ABC.
#[derive(Clone, Debug)]
pub struct SyncStatus {
    pub payer: payers::Model,
    pub synced: u64,
    pub pending: u64,
    pub failed: Vec<SyncFailure>,
}

/// The billing mode and sync state of a payer (viewers may read it). A NATIVE payer pushes
/// nothing, so none of its objects is pending or failed (an object synced before a switch back
/// to NATIVE still counts as synced).
pub async fn status(scope: &Scope, payer: PayerId) -> AppResult<SyncStatus> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let local = Local::load(&payer).await?;
    let pushed = payer.billing_mode == BillingMode::BillingConductor;
    let mut status = SyncStatus { payer: payer.model().clone(), synced: 0, pending: 0, failed: Vec::new() };
    for (table, id, name, sync, error) in local.states() {
        match sync {
            Some(AbcSyncStatus::Synced) => status.synced += 1,
            _ if !pushed => {}
            Some(AbcSyncStatus::Failed) => status.failed.push(SyncFailure { kind: table.noun(), id, name: name.to_owned(), error: error.unwrap_or_default().to_owned() }),
            _ => status.pending += 1,
        }
    }
    Ok(status)
}
