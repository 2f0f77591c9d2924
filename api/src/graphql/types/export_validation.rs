//! Cost export validation results and source-data health roll-ups.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::export_validation::{self as domain, ExportKind};
use crate::domain::source_health::{self, SourceHealth};
use crate::graphql::types::costs::HealthStatus;

impl From<SourceHealth> for HealthStatus {
    fn from(h: SourceHealth) -> Self {
        match h {
            SourceHealth::Success => Self::Success,
            SourceHealth::Warning => Self::Warning,
            SourceHealth::Failed => Self::Failed,
            SourceHealth::NotAvailable => Self::NotAvailable,
        }
    }
}

/// What an export contains.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostExportKind {
    /// AWS Data Exports, CUR 2.0.
    Cur2,
    /// A legacy Cost and Usage Report.
    LegacyCur,
    /// AWS Data Exports, FOCUS 1.x (listed; billing needs CUR).
    Focus,
    /// Any other Data Exports table.
    Other,
}

impl From<ExportKind> for CostExportKind {
    fn from(k: ExportKind) -> Self {
        match k {
            ExportKind::Cur2 => Self::Cur2,
            ExportKind::LegacyCur => Self::LegacyCur,
            ExportKind::Focus => Self::Focus,
            ExportKind::Other => Self::Other,
        }
    }
}

/// One judged property of an export.
#[derive(SimpleObject)]
pub struct CostExportCheck {
    /// KIND | FORMAT | RESOURCE_IDS | SPLIT_COST_ALLOCATION | GRANULARITY | BUCKET_REGION |
    /// BUCKET_READABLE | DELIVERED_FILE
    pub key: String,
    pub passed: bool,
    /// Whether the export is unusable while this check fails. RESOURCE_IDS and
    /// SPLIT_COST_ALLOCATION are advice only: the cost store keeps neither (docs/export-validation.md).
    pub required: bool,
    /// What was found (why it failed, when it did).
    pub reason: String,
    /// What to change, for a failed check.
    pub fix: Option<String>,
}

/// One export of the payer with its checks.
#[derive(SimpleObject)]
pub struct CostExportAssessment {
    pub name: String,
    /// The export's ARN (Data Exports) or the report name (legacy CUR).
    pub arn_or_name: String,
    pub kind: CostExportKind,
    pub format: Option<String>,
    pub compression: Option<String>,
    pub bucket: Option<String>,
    pub prefix: Option<String>,
    pub region: Option<String>,
    pub granularity: Option<String>,
    /// Where its files land; ingestion reads this prefix once the export is selected.
    pub files_prefix: Option<String>,
    pub checks: Vec<CostExportCheck>,
    pub valid: bool,
}

/// The latest validation of a payer's cost exports.
#[derive(SimpleObject)]
pub struct CostExportValidation {
    pub payer_id: ID,
    pub checked_at: DateTime<Utc>,
    pub health: HealthStatus,
    /// Why the health is not SUCCESS.
    pub reason: Option<String>,
    pub exports: Vec<CostExportAssessment>,
    /// The valid export ingestion reads (the payer's cost export location points at it).
    pub selected_export: Option<String>,
}

impl From<domain::ExportValidation> for CostExportValidation {
    fn from(v: domain::ExportValidation) -> Self {
        Self {
            payer_id: ID(v.payer_id.to_string()),
            checked_at: v.checked_at,
            health: v.health.into(),
            reason: v.reason,
            selected_export: v.selected_export,
            exports: v
                .exports
                .into_iter()
                .map(|a| CostExportAssessment {
                    name: a.name,
                    arn_or_name: a.arn_or_name,
                    kind: a.kind.into(),
                    format: a.format,
                    compression: a.compression,
                    bucket: a.bucket,
                    prefix: a.prefix,
                    region: a.region,
                    granularity: a.granularity,
                    files_prefix: a.files_prefix,
                    checks: a.checks.into_iter().map(|c| CostExportCheck { key: c.key, passed: c.passed, required: c.required, reason: c.reason, fix: c.fix }).collect(),
                    valid: a.valid,
                })
                .collect(),
        }
    }
}

/// A payer's health, or a tenant's rolled up over everything below it.
#[derive(SimpleObject)]
pub struct SourceHealthEntry {
    pub tenant_id: ID,
    pub tenant_name: String,
    /// `distributor` | `reseller` | `customer`
    pub tenant_kind: String,
    /// Set on a payer's entry.
    pub payer_id: Option<ID>,
    pub payer_name: Option<String>,
    pub account_id: Option<String>,
    pub health: HealthStatus,
    /// Names the tenant and payer the health comes from, and why.
    pub reason: String,
}

/// A tenant's source-data health, worst first (FAILED > WARNING > NOT_AVAILABLE > SUCCESS).
#[derive(SimpleObject)]
pub struct SourceDataHealth {
    pub tenant_id: ID,
    pub tenant_name: String,
    pub health: HealthStatus,
    pub reason: String,
    /// Its payers and every tenant below it, worst first.
    pub entries: Vec<SourceHealthEntry>,
}

impl From<source_health::SourceDataHealth> for SourceDataHealth {
    fn from(h: source_health::SourceDataHealth) -> Self {
        Self {
            tenant_id: ID(h.tenant_id.to_string()),
            tenant_name: h.tenant_name,
            health: h.health.into(),
            reason: h.reason,
            entries: h
                .entries
                .into_iter()
                .map(|e| SourceHealthEntry {
                    tenant_id: ID(e.tenant_id.to_string()),
                    tenant_name: e.tenant_name,
                    tenant_kind: e.tenant_kind,
                    payer_id: e.payer_id.map(|p| ID(p.to_string())),
                    payer_name: e.payer_name,
                    account_id: e.account_id,
                    health: e.health.into(),
                    reason: e.reason,
                })
                .collect(),
        }
    }
}
