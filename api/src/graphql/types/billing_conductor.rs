//! AWS Billing Conductor: a payer's billing mode, how far its billing objects are in step with
//! ABC, and what an import brought in.

use async_graphql::{Enum, ID, SimpleObject};

use crate::domain::billing::abc::{ImportReport, SyncStatus};
use crate::error::AppError;

/// Whether a payer's billing is computed by us only, or also kept in AWS Billing Conductor.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::billing::abc::BillingMode")]
pub enum BillingMode {
    Native,
    BillingConductor,
}

/// A billing object that Billing Conductor refused, with AWS's reason.
#[derive(SimpleObject)]
pub struct BillingSyncFailure {
    /// `billing group`, `pricing plan`, `pricing rule` or `custom line item`.
    pub kind: String,
    pub id: ID,
    pub name: String,
    pub error: String,
}

/// A payer's billing mode and the Billing Conductor sync state of its billing objects.
#[derive(SimpleObject)]
pub struct BillingConductorStatus {
    pub payer_id: ID,
    pub mode: BillingMode,
    pub synced: u64,
    /// Waiting to be pushed (the sync job runs at once after a change, and every 15 minutes).
    /// Always 0 for a NATIVE payer, whose objects are not pushed.
    pub pending: u64,
    pub failed: Vec<BillingSyncFailure>,
}

impl BillingConductorStatus {
    pub fn new(status: SyncStatus) -> Result<Self, AppError> {
        Ok(Self {
            payer_id: ID(status.payer.id.to_string()),
            mode: status.payer.billing_mode.into(),
            synced: status.synced,
            pending: status.pending,
            failed: status
                .failed
                .into_iter()
                .map(|f| BillingSyncFailure { kind: f.kind.to_owned(), id: ID(f.id.to_string()), name: f.name, error: f.error })
                .collect(),
        })
    }
}

/// What `importBillingConductor` brought into our model (linked by ARN, marked SYNCED).
#[derive(SimpleObject)]
pub struct BillingConductorImport {
    pub pricing_rules: u64,
    pub pricing_plans: u64,
    pub billing_groups: u64,
    pub custom_line_items: u64,
    /// Objects left out, each with why.
    pub skipped: Vec<String>,
}

impl From<ImportReport> for BillingConductorImport {
    fn from(r: ImportReport) -> Self {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        Self {
            pricing_rules: n(r.pricing_rules),
            pricing_plans: n(r.pricing_plans),
            billing_groups: n(r.billing_groups),
            custom_line_items: n(r.custom_line_items),
            skipped: r.skipped,
        }
    }
}
