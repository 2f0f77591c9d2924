//! What closing a period froze, per billing group (`period_snapshots`), as the billing reports
//! read it: a closed period's numbers come from here, never from today's configuration. Written
//! by `invoicing::periods`.

use std::collections::BTreeMap;

use entity::billing_periods::{self, PeriodStatus};
use entity::period_snapshots;
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::engine::{Amounts, AppliedItem, Computation, ItemCharge};
use crate::error::{AppError, AppResult};
use crate::tenancy::PayerRead;

/// One priced line of a snapshot: a group's usage of one service on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageLine {
    pub account_id: String,
    pub service_code: String,
    pub service_name: String,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
}

/// A custom line item as it was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemLine {
    pub id: Uuid,
    pub name: String,
    /// Signed: credits are negative.
    pub amount: Decimal,
    pub credit: bool,
    pub account_id: String,
}

impl ItemLine {
    pub fn of(i: &AppliedItem) -> Self {
        Self { id: i.id, name: i.name.clone(), amount: i.amount, credit: i.charge == ItemCharge::Credit, account_id: i.account_id.clone() }
    }

    pub fn applied(&self) -> AppliedItem {
        AppliedItem { id: self.id, name: self.name.clone(), charge: if self.credit { ItemCharge::Credit } else { ItemCharge::Fee }, account_id: self.account_id.clone(), amount: self.amount }
    }
}

/// What a group was billed for a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotLines {
    pub usage: Vec<UsageLine>,
    pub items: Vec<ItemLine>,
}

impl SnapshotLines {
    /// No usage line and no item.
    pub fn is_empty(&self) -> bool {
        self.usage.is_empty() && self.items.is_empty()
    }
}

/// Reads a snapshot's lines; a snapshot that does not parse is an error, never an empty bill.
pub(in crate::domain) fn snapshot_lines(s: &period_snapshots::Model) -> AppResult<SnapshotLines> {
    serde_json::from_str(&s.lines).map_err(|e| AppError::internal(anyhow::anyhow!("snapshot {} has unreadable lines: {e}", s.id)))
}

/// The snapshots of a payer's period, by group name (none while it is open).
pub(in crate::domain) async fn snapshots(payer: &impl PayerRead, period: &str) -> AppResult<Vec<period_snapshots::Model>> {
    payer
        .rows::<period_snapshots::Entity>()
        .filter(period_snapshots::Column::BillingPeriod.eq(period))
        .order_by_asc(period_snapshots::Column::GroupName)
        .order_by_asc(period_snapshots::Column::BillingGroupId)
        .all()
        .await
}

/// Whether the payer's billing period is closed (its groups' prices are their snapshots).
pub async fn is_closed(payer: &impl PayerRead, period: &str) -> AppResult<bool> {
    Ok(payer
        .rows::<billing_periods::Entity>()
        .filter(billing_periods::Column::BillingPeriod.eq(period))
        .filter(billing_periods::Column::Status.eq(PeriodStatus::Closed))
        .one()
        .await?
        .is_some())
}

/// The frozen snapshot of one of the payer's groups for a period, when that period is closed.
pub(in crate::domain) async fn frozen(payer: &impl PayerRead, group: Uuid, period: &str) -> AppResult<Option<period_snapshots::Model>> {
    if !is_closed(payer, period).await? {
        return Ok(None);
    }
    payer
        .rows::<period_snapshots::Entity>()
        .filter(period_snapshots::Column::BillingPeriod.eq(period))
        .filter(period_snapshots::Column::BillingGroupId.eq(group))
        .one()
        .await
}

/// The closed periods of a payer.
pub async fn closed_periods(payer: &impl PayerRead) -> AppResult<Vec<String>> {
    Ok(payer
        .rows::<billing_periods::Entity>()
        .filter(billing_periods::Column::Status.eq(PeriodStatus::Closed))
        .all()
        .await?
        .into_iter()
        .map(|p| p.billing_period)
        .collect())
}

/// A snapshot's lines as the engine's computation (totals, by service, by account, items).
pub fn computation(lines: &SnapshotLines) -> Computation {
    let mut out = Computation::default();
    for l in &lines.usage {
        let a = Amounts { aws_cost: l.aws_cost, proforma: l.proforma_cost };
        out.total.add(a);
        out.by_service.entry(l.service_code.clone()).or_default().add(a);
        out.by_account.entry(l.account_id.clone()).or_default().add(a);
    }
    for i in &lines.items {
        let a = Amounts { aws_cost: Decimal::ZERO, proforma: i.amount };
        out.total.add(a);
        out.by_account.entry(i.account_id.clone()).or_default().add(a);
        out.items.push(i.applied());
    }
    out
}

/// Service code → the name the snapshot kept.
pub fn service_names(lines: &SnapshotLines) -> BTreeMap<String, String> {
    lines.usage.iter().map(|l| (l.service_code.clone(), l.service_name.clone())).collect()
}
