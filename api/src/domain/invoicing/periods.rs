//! Billing periods per payer: OPEN until closed, then frozen. Closing prices every billing group
//! of the payer once more and keeps the result (lines, configuration in force, a hash of the cost
//! rows priced) as the period's snapshot; reports of a closed period, its invoices and its
//! adjustments read the snapshot, never the configuration of today.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::billing_periods::{self, PeriodStatus};
use entity::invoices::{self, InvoiceStatus};
use entity::period_adjustments::{self, AdjustmentStatus};
use entity::{payers, period_snapshots, pricing_plans};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{audit, sha256_hex};
use crate::domain::billing::groups::{self, Group};
pub use crate::domain::billing::results::lines_of;
use crate::domain::billing::results::{self, Grain, PricedPeriod, PricingInputs};
pub use crate::domain::billing::snapshot::{ItemLine, SnapshotLines, UsageLine};
pub(in crate::domain) use crate::domain::billing::snapshot::{snapshot_lines, snapshots};
use crate::domain::billing::{billing_payer, checked_period, current_period, plans};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money::{from_units, to_units};
use crate::tenancy::unscoped::UnscopedPlatformAccess;
use crate::tenancy::{PayerAccess, PayerRead, PayerTxn, Role, Scope};

/// The configuration a snapshot was priced with: the engine's inputs, and which versions of the
/// stored objects they came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrozenConfiguration {
    pub inputs: PricingInputs,
    pub plan_id: Uuid,
    pub plan_name: String,
    pub plan_updated_at: chrono::DateTime<Utc>,
    /// Rule id → its `updated_at` when frozen.
    pub rule_versions: BTreeMap<Uuid, chrono::DateTime<Utc>>,
    /// Custom line item id → its `updated_at` when frozen.
    pub item_versions: BTreeMap<Uuid, chrono::DateTime<Utc>>,
}

/// SHA-256 of the cost rows priced, sorted so that a rebuilt rollup hashes the same.
fn rows_hash(priced: &PricedPeriod) -> String {
    let mut rows: Vec<String> = priced
        .rows
        .iter()
        .map(|r| format!("{}|{}|{}|{}|{}|{}|{}", r.usage_month, r.account_id, r.service_code, r.usage_type, r.charge_type, r.aws_cost.normalize(), r.charge.normalize()))
        .collect();
    rows.sort();
    sha256_hex(rows.join("\n").as_bytes())
}

/// A period's state as the API shows it.
#[derive(Debug, Clone)]
pub struct PeriodView {
    pub payer_id: Uuid,
    pub billing_period: String,
    pub status: PeriodStatus,
    pub closed_at: Option<chrono::DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub snapshot_hash: Option<String>,
    /// The frozen numbers per billing group (closed periods only).
    pub snapshots: Vec<GroupSnapshot>,
    pub pending_adjustments: Vec<Adjustment>,
    /// Invoices and notes of the period, any state.
    pub invoice_count: u64,
}

/// One billing group's frozen numbers of a closed period.
#[derive(Debug, Clone)]
pub struct GroupSnapshot {
    pub billing_group_id: Uuid,
    pub group_name: String,
    pub customer_tenant_id: Option<Uuid>,
    /// What was priced: the payer's own cost data or the tier above's prices.
    pub source: String,
    pub currency: String,
    pub aws_cost: rust_decimal::Decimal,
    pub proforma_cost: rust_decimal::Decimal,
    pub margin: rust_decimal::Decimal,
    /// SHA-256 of the cost rows priced.
    pub rows_hash: String,
    /// SHA-256 of the frozen lines and configuration.
    pub content_hash: String,
}

impl From<&period_snapshots::Model> for GroupSnapshot {
    fn from(s: &period_snapshots::Model) -> Self {
        Self {
            billing_group_id: s.billing_group_id,
            group_name: s.group_name.clone(),
            customer_tenant_id: s.customer_tenant_id,
            source: s.source.clone(),
            currency: s.currency.clone(),
            aws_cost: from_units(s.aws_cost).normalize(),
            proforma_cost: from_units(s.proforma_cost).normalize(),
            margin: from_units(s.margin).normalize(),
            rows_hash: s.rows_hash.clone(),
            content_hash: s.content_hash.clone(),
        }
    }
}

/// A pending adjustment of a closed period: what changed in a group's numbers since the close.
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub id: Uuid,
    pub billing_group_id: Uuid,
    pub currency: String,
    pub aws_cost_delta: rust_decimal::Decimal,
    pub proforma_delta: rust_decimal::Decimal,
    pub computed_at: chrono::DateTime<Utc>,
    /// The changed lines (an unreadable stored row is an error, never an empty list).
    pub lines: SnapshotLines,
}

impl TryFrom<&period_adjustments::Model> for Adjustment {
    type Error = AppError;
    fn try_from(a: &period_adjustments::Model) -> AppResult<Self> {
        Ok(Self {
            id: a.id,
            billing_group_id: a.billing_group_id,
            currency: a.currency.clone(),
            aws_cost_delta: from_units(a.aws_cost_delta).normalize(),
            proforma_delta: from_units(a.proforma_delta).normalize(),
            computed_at: a.computed_at,
            lines: super::adjustments::lines(a)?,
        })
    }
}

/// The state of one payer's period, or None when the period was never closed.
pub(in crate::domain) async fn state_of(payer: &impl PayerRead, period: &str) -> AppResult<Option<billing_periods::Model>> {
    payer.rows::<billing_periods::Entity>().filter(billing_periods::Column::BillingPeriod.eq(period)).one().await
}

/// Whether the payer's period is closed.
pub async fn is_closed(payer: &impl PayerRead, period: &str) -> AppResult<bool> {
    Ok(state_of(payer, period).await?.is_some_and(|p| p.status == PeriodStatus::Closed))
}

/// Reads the configuration a snapshot was priced with.
pub(in crate::domain) fn snapshot_configuration(s: &period_snapshots::Model) -> AppResult<FrozenConfiguration> {
    serde_json::from_str(&s.configuration).map_err(|e| AppError::internal(anyhow::anyhow!("snapshot {} has an unreadable configuration: {e}", s.id)))
}

async fn view(payer: &impl PayerRead, period: &str, state: Option<billing_periods::Model>) -> AppResult<PeriodView> {
    let closed = state.as_ref().is_some_and(|s| s.status == PeriodStatus::Closed);
    let snapshots = if closed { snapshots(payer, period).await?.iter().map(GroupSnapshot::from).collect() } else { Vec::new() };
    let pending_adjustments = super::adjustments::pending(payer, period).await?.iter().map(Adjustment::try_from).collect::<AppResult<_>>()?;
    let invoice_count = payer.rows::<invoices::Entity>().filter(invoices::Column::BillingPeriod.eq(period)).count().await?;
    Ok(PeriodView {
        payer_id: payer.payer_id(),
        billing_period: period.to_owned(),
        status: state.as_ref().map_or(PeriodStatus::Open, |s| s.status),
        closed_at: state.as_ref().and_then(|s| s.closed_at),
        closed_by: state.as_ref().and_then(|s| s.closed_by.clone()),
        snapshot_hash: state.and_then(|s| s.snapshot_hash),
        snapshots,
        pending_adjustments,
        invoice_count,
    })
}


/// The periods of a payer, newest first: every month with cost data or a state, up to 24.
pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<PeriodView>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let mut months: Vec<String> = payer
        .rows::<entity::cost_monthly_service::Entity>()
        .select_only()
        .column(entity::cost_monthly_service::Column::BillingPeriod)
        .distinct()
        .tuples()
        .await?;
    let states = payer.rows::<billing_periods::Entity>().all().await?;
    months.extend(states.iter().map(|s| s.billing_period.clone()));
    months.sort_unstable_by(|a, b| b.cmp(a));
    months.dedup();
    months.truncate(24);
    let mut out = Vec::with_capacity(months.len());
    for month in months {
        let state = states.iter().find(|s| s.billing_period == month).cloned();
        out.push(view(&payer, &month, state).await?);
    }
    Ok(out)
}

/// One period of a payer.
pub async fn get(scope: &Scope, payer: PayerId, period: &str) -> AppResult<PeriodView> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let period = checked_period("billingPeriod", period)?;
    let state = state_of(&payer, &period).await?;
    view(&payer, &period, state).await
}

/// Closes a payer's period (admins): every billing group is priced and frozen.
pub async fn close(scope: &Scope, payer: PayerId, period: &str) -> AppResult<PeriodView> {
    let payer = billing_payer(scope, payer, Role::Admin).await?;
    let period = checked_period("billingPeriod", period)?;
    if period >= current_period() {
        return Err(AppError::invalid("billingPeriod", "only a month that has ended can be closed"));
    }
    let txn = super::begin_payer_write(&payer).await?;
    close_in(&txn, &payer, &period, &scope.principal().email).await?;
    let state = state_of(&txn, &period).await?;
    let out = view(&txn, &period, state).await?;
    txn.commit().await?;
    Ok(out)
}

/// Freezes the period in the caller's transaction, which holds the payer's lock.
pub async fn close_in(txn: &PayerTxn, payer: &payers::Model, period: &str, by: &str) -> AppResult<String> {
    let state = state_of(txn, period).await?;
    if state.as_ref().is_some_and(|s| s.status == PeriodStatus::Closed) {
        return Err(AppError::Conflict(format!("billing period {period} is already closed")));
    }
    // A reseller's month is priced from its distributor's: it closes after it, so what the
    // reseller froze is what it was billed.
    if let Some((above, _)) = txn.upstream().await?
        && !is_closed(&above, period).await?
    {
        return Err(AppError::invalid("billingPeriod", format!("{period} is still open on the distributor's payer; a reseller's month closes after its distributor's")));
    }
    let now = Utc::now();
    let mut hashes = Vec::new();
    for group in groups::of_payer(txn).await? {
        let (snapshot, content_hash) = freeze(txn, &group, period, now).await?;
        txn.insert(snapshot).await?;
        hashes.push(content_hash);
    }
    let snapshot_hash = sha256_hex(hashes.join("\n").as_bytes());
    match state {
        Some(s) => {
            let mut m: billing_periods::ActiveModel = s.into();
            m.status = Set(PeriodStatus::Closed);
            m.closed_at = Set(Some(now));
            m.closed_by = Set(Some(by.to_owned()));
            m.snapshot_hash = Set(Some(snapshot_hash.clone()));
            m.updated_at = Set(now);
            txn.update(m).await?;
        }
        None => {
            let row = billing_periods::ActiveModel {
                id: Set(Uuid::now_v7()),
                payer_id: Set(payer.id),
                billing_period: Set(period.to_owned()),
                status: Set(PeriodStatus::Closed),
                closed_at: Set(Some(now)),
                closed_by: Set(Some(by.to_owned())),
                snapshot_hash: Set(Some(snapshot_hash.clone())),
                updated_at: Set(now),
            };
            txn.insert(row).await?;
        }
    }
    audit(txn, "BillingPeriodClosed", Some(payer.tenant_id), json!({ "payerId": payer.id, "billingPeriod": period, "snapshotHash": snapshot_hash, "groups": hashes.len() })).await?;
    Ok(snapshot_hash)
}

/// A group's snapshot for the period, ready to insert, and its content hash.
async fn freeze(txn: &PayerTxn, group: &Group, period: &str, now: chrono::DateTime<Utc>) -> AppResult<(period_snapshots::ActiveModel, String)> {
    let inputs = results::pricing_inputs(txn, group, period).await?;
    let priced = results::priced_by(txn, period, Grain::Month, &inputs).await?;
    let plan = txn.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::Id.eq(group.group.pricing_plan_id)).one().await?.ok_or(AppError::NotFound("pricing plan"))?;
    let rules = plans::rules_of(txn, plan.id).await?;
    let item_versions = txn
        .rows::<entity::custom_line_items::Entity>()
        .filter(entity::custom_line_items::Column::BillingGroupId.eq(group.group.id))
        .all()
        .await?
        .into_iter()
        .filter(|i| inputs.items.iter().any(|a| a.id == i.id))
        .map(|i| (i.id, i.updated_at))
        .collect();
    let configuration = FrozenConfiguration {
        inputs,
        plan_id: plan.id,
        plan_name: plan.name.clone(),
        plan_updated_at: plan.updated_at,
        rule_versions: rules.iter().map(|r| (r.id, r.updated_at)).collect(),
        item_versions,
    };
    let lines = lines_of(&priced);
    let total = &priced.numbers.computation.total;
    let (aws, proforma) = (to_units(total.aws_cost)?, to_units(total.proforma)?);
    let lines_json = serde_json::to_string(&lines).map_err(AppError::internal)?;
    let configuration_json = serde_json::to_string(&configuration).map_err(AppError::internal)?;
    let rows = rows_hash(&priced);
    let content_hash = sha256_hex(
        json!([txn.payer_id(), period, group.group.id, group.group.name, priced.numbers.source, priced.numbers.currency, aws.to_string(), proforma.to_string(), lines_json, configuration_json, rows])
            .to_string()
            .as_bytes(),
    );
    Ok((
        period_snapshots::ActiveModel {
            id: Set(Uuid::now_v7()),
            payer_id: Set(txn.payer_id()),
            billing_period: Set(period.to_owned()),
            billing_group_id: Set(group.group.id),
            group_name: Set(group.group.name.clone()),
            customer_tenant_id: Set(group.group.customer_tenant_id),
            source: Set(priced.numbers.source.clone()),
            currency: Set(priced.numbers.currency.clone()),
            aws_cost: Set(aws),
            proforma_cost: Set(proforma),
            margin: Set(proforma - aws),
            lines: Set(lines_json),
            configuration: Set(configuration_json),
            rows_hash: Set(rows),
            content_hash: Set(content_hash.clone()),
            created_at: Set(now),
        },
        content_hash,
    ))
}

/// Reopens a closed period (admins) while none of its invoices is issued: its snapshots, pending
/// adjustments and drafts go, and its numbers are live again.
pub async fn reopen(scope: &Scope, payer: PayerId, period: &str) -> AppResult<PeriodView> {
    let payer = billing_payer(scope, payer, Role::Admin).await?;
    let period = checked_period("billingPeriod", period)?;
    let txn = super::begin_payer_write(&payer).await?;
    let Some(state) = state_of(&txn, &period).await?.filter(|s| s.status == PeriodStatus::Closed) else {
        return Err(AppError::Conflict(format!("billing period {period} is not closed")));
    };
    let issued = txn
        .rows::<invoices::Entity>()
        .filter(invoices::Column::BillingPeriod.eq(period.as_str()))
        .filter(invoices::Column::Status.is_in([InvoiceStatus::Issued, InvoiceStatus::Paid]))
        .count()
        .await?;
    if issued > 0 {
        return Err(AppError::Conflict(format!("billing period {period} has {issued} issued invoice(s) or note(s); correct it with a credit or debit note")));
    }
    for below in txn.priced_from_this().await? {
        if is_closed(&below, &period).await? {
            let name = below.rows::<payers::Entity>().one().await?.map(|p| p.name).unwrap_or_default();
            return Err(AppError::Conflict(format!("{period} is closed on a reseller's payer priced from this one ({name}); it reopens first")));
        }
    }
    txn.delete::<invoices::Entity>()
        .filter(invoices::Column::BillingPeriod.eq(period.as_str()))
        .filter(invoices::Column::Status.eq(InvoiceStatus::Draft))
        .exec()
        .await?;
    txn.delete::<period_snapshots::Entity>().filter(period_snapshots::Column::BillingPeriod.eq(period.as_str())).exec().await?;
    txn.delete::<period_adjustments::Entity>()
        .filter(period_adjustments::Column::BillingPeriod.eq(period.as_str()))
        .filter(period_adjustments::Column::Status.ne(AdjustmentStatus::Noted))
        .exec()
        .await?;
    let previous_hash = state.snapshot_hash.clone();
    let mut m: billing_periods::ActiveModel = state.into();
    m.status = Set(PeriodStatus::Open);
    m.closed_at = Set(None);
    m.closed_by = Set(None);
    m.snapshot_hash = Set(None);
    m.updated_at = Set(Utc::now());
    let state = txn.update(m).await?;
    audit(&txn, "BillingPeriodReopened", Some(payer.tenant_id), json!({ "payerId": payer.id, "billingPeriod": period, "previousSnapshotHash": previous_hash })).await?;
    let out = view(&txn, &period, Some(state)).await?;
    txn.commit().await?;
    Ok(out)
}

/// The month before `today`'s, once `after_days` whole days of the new month have passed.
pub fn due_for_closing(today: NaiveDate, after_days: u32) -> Option<String> {
    let first = today.with_day(1)?;
    if today < first + Duration::days(i64::from(after_days)) {
        return None;
    }
    let previous = first.pred_opt()?;
    Some(format!("{:04}-{:02}", previous.year(), previous.month()))
}

/// The daily job's work: closes last month for every payer still open, once
/// `PB_CLOSE_AFTER_DAYS` days of this month have passed (off when unset).
pub async fn close_due(platform: &UnscopedPlatformAccess, after_days: Option<u32>) -> AppResult<serde_json::Value> {
    let Some(after_days) = after_days else { return Ok(json!({ "closed": 0, "disabled": true })) };
    let Some(period) = due_for_closing(Utc::now().date_naive(), after_days) else { return Ok(json!({ "closed": 0 })) };
    let mut closed = 0;
    for payer in platform.payers().order_by_asc(payers::Column::Id).all().await? {
        let txn = super::begin_payer_write(&platform.payer_row(payer.clone())).await?;
        if is_closed(&txn, &period).await? {
            continue;
        }
        // Payers are taken in the order they were created, so a distributor's month is closed
        // before its resellers'; a reseller whose distributor's month stays open waits.
        if let Some((above, _)) = txn.upstream().await?
            && !is_closed(&above, &period).await?
        {
            continue;
        }
        close_in(&txn, &payer, &period, "system").await?;
        txn.commit().await?;
        closed += 1;
    }
    Ok(json!({ "closed": closed, "billingPeriod": period }))
}

/// Closes last month of every payer on its own, `PB_CLOSE_AFTER_DAYS` days into this month.
pub const CLOSE_PERIODS: &str = "billing.close_periods";

crate::jobs::no_job_args! {
    /// The close's arguments: none (the schedule runs it daily for every payer).
    pub CloseDue, CLOSE_PERIODS
}

crate::jobs::job_handler! {
    /// Runs [`CLOSE_PERIODS`].
    pub ClosePeriods, CloseDue, |ctx, _job, _| close_due(ctx.platform(), ctx.config.close_after_days).await.map(crate::jobs::Step::Done).map_err(crate::jobs::JobFailure::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_month_is_due_after_the_given_days() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(due_for_closing(day("2026-11-04"), 5), None);
        assert_eq!(due_for_closing(day("2026-11-06"), 5).as_deref(), Some("2026-10"));
        assert_eq!(due_for_closing(day("2026-01-01"), 0).as_deref(), Some("2025-12"));
    }
}
