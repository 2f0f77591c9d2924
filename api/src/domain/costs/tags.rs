//! Cost allocation tags and cost categories (#22 item 4): the keys a partner selects per payer,
//! and the cost views' TAG dimension and tag filter. Ingestion keeps, per selected key, the part
//! of each day-grain row whose lines carry a value (`cost_daily_tags`); a view adds those parts
//! with their values and takes the same amounts out of the whole, which leaves the cost without
//! a value — so every view by tag adds up to the view without it, to the cent.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::cost_allocation_keys;
use entity::{cost_monthly, cost_tag_coverage};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use super::summary::{Dimension, Point, SummaryRequest, priced_point, rollup_months};
use super::visibility::{PayerView, payer_view};
use crate::domain::billing::{self, results};
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::PayerId;
use crate::ingest::tags::{MAX_KEYS, SelectedKey};
use crate::tenancy::{PayerAccess, PayerTransactions, PayerSet, Role, Scope};

/// A selected key, and the billing periods read before it was selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationKey {
    pub key: SelectedKey,
    /// CUR or FOCUS periods ingested without this key: all their cost shows without a value
    /// until they are ingested again.
    pub periods_without_it: Vec<String>,
}

/// The payer's selected keys, in order; anyone who may see the payer's cost may read them.
pub async fn allocation_keys(scope: &Scope, payer: PayerId) -> AppResult<Vec<AllocationKey>> {
    let view = payer_view(scope, payer).await?;
    keys_of(&scope.readable_payers(&[view.payer()]).await?, PayerId(view.payer())).await
}

/// The keys a payer selected, read through a set that holds it.
async fn selected_in(payers: &PayerSet, payer: PayerId) -> AppResult<Vec<SelectedKey>> {
    let rows = payers
        .rows::<cost_allocation_keys::Entity>()
        .filter(cost_allocation_keys::Column::PayerId.eq(payer.0))
        .order_by_asc(cost_allocation_keys::Column::Position)
        .all()
        .await?;
    Ok(crate::ingest::tags::selected_of(rows))
}

async fn keys_of(payers: &PayerSet, payer: PayerId) -> AppResult<Vec<AllocationKey>> {
    let keys = selected_in(payers, payer).await?;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // The month rollup has a row per period and source with data, far fewer than the days.
    let read: BTreeSet<(String, String)> = payers
        .rows::<cost_monthly::Entity>()
        .select_only()
        .column(cost_monthly::Column::BillingPeriod)
        .column(cost_monthly::Column::Source)
        .distinct()
        .filter(cost_monthly::Column::PayerId.eq(payer.0))
        .filter(cost_monthly::Column::Source.is_in(["cur", "focus"]))
        .tuples()
        .await
        .context("finding the periods read from exports")?
        .into_iter()
        .collect();
    let mut covered: BTreeMap<SelectedKey, BTreeSet<(String, String)>> = BTreeMap::new();
    let coverage = payers.rows::<cost_tag_coverage::Entity>().filter(cost_tag_coverage::Column::PayerId.eq(payer.0)).all().await;
    for c in coverage.context("reading which keys each period was read with")? {
        covered.entry(SelectedKey { kind: c.key_kind, name: c.key_name }).or_default().insert((c.billing_period, c.source));
    }
    Ok(keys
        .into_iter()
        .map(|key| {
            let with = covered.get(&key);
            let without: BTreeSet<String> = read.iter().filter(|p| !with.is_some_and(|w| w.contains(*p))).map(|(period, _)| period.clone()).collect();
            AllocationKey { key, periods_without_it: without.into_iter().collect() }
        })
        .collect())
}

/// Whether a name is one AWS accepts as a tag key or cost category name.
fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.chars().count()) && name.chars().all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

/// Replaces the payer's selected keys (Admin on the payer). They apply from each period's next
/// ingestion; the files already read are read again then (the keys are part of the fingerprint).
pub async fn set_allocation_keys(scope: &Scope, payer: PayerId, keys: Vec<SelectedKey>) -> AppResult<Vec<AllocationKey>> {
    let payer_row = scope.payer(payer, Role::Admin).await?;
    if keys.len() > MAX_KEYS {
        return Err(AppError::invalid("keys", format!("select at most {MAX_KEYS} keys (each one is kept for every tagged line)")));
    }
    let mut seen = BTreeSet::new();
    let mut clean = Vec::with_capacity(keys.len());
    for (i, key) in keys.into_iter().enumerate() {
        let name = key.name.trim().to_owned();
        if !valid_name(&name) {
            return Err(AppError::invalid(&format!("keys[{i}].name"), "must be 1–128 characters: letters, digits, spaces and _ . : / = + - @"));
        }
        let key = SelectedKey { kind: key.kind, name };
        if !seen.insert(key.clone()) {
            return Err(AppError::invalid(&format!("keys[{i}].name"), format!("{} is selected twice", key.label())));
        }
        clean.push(key);
    }
    let txn = payer_row.begin_write().await?;
    txn.delete::<cost_allocation_keys::Entity>().exec().await?;
    let now = Utc::now();
    for (position, key) in clean.iter().enumerate() {
        let row = cost_allocation_keys::ActiveModel {
            id: NotSet,
            payer_id: Set(payer_row.id),
            position: Set(i16::try_from(position).unwrap_or(i16::MAX)),
            kind: Set(key.kind),
            name: Set(key.name.clone()),
            created_at: Set(now),
        };
        txn.insert(row).await?;
    }
    txn.commit().await?;
    keys_of(&payer_row.as_payer_set(), payer).await
}

/// The key a summary is about: the one grouped by, else the one filtered by.
pub(super) fn key_of(req: &SummaryRequest) -> AppResult<Option<SelectedKey>> {
    let grouped = req.group_by.contains(&Dimension::Tag);
    let filtered = req.filter.tag.as_ref().map(|f| &f.key);
    match (grouped, &req.tag_key, filtered) {
        (true, None, _) => Err(AppError::invalid("tagKey", "name the key to group by TAG")),
        (_, Some(k), Some(f)) if k != f => Err(AppError::invalid("filter.tag.key", "must be the key grouped by (tagKey): a view splits by one key at a time")),
        (false, Some(_), None) => Err(AppError::invalid("tagKey", "is for groupBy TAG; add TAG to groupBy or leave tagKey out")),
        (_, Some(k), _) => Ok(Some(k.clone())),
        (_, None, Some(f)) => Ok(Some(f.clone())),
        (false, None, None) => Ok(None),
    }
}

/// Every payer of the view must keep the key: otherwise all its cost would show without a value.
pub(super) async fn check_selected(payers: &PayerSet, views: &[PayerView], key: &SelectedKey) -> AppResult<()> {
    for view in views {
        if !selected_in(payers, PayerId(view.payer())).await?.contains(key) {
            return Err(AppError::invalid("tagKey", format!("{} is not a selected cost allocation key of payer {} (setCostAllocationKeys)", key.label(), view.payer())));
        }
    }
    Ok(())
}

/// The tagged parts priced by each visible billing group, as the whole rows are priced.
pub(super) async fn proforma_points(views: &[PayerView], payers: &PayerSet, req: &SummaryRequest, periods: &[String], key: &SelectedKey) -> AppResult<Vec<Point>> {
    // Whole months by dimensions the month rollup keeps: price its sums, not the days.
    let months = rollup_months(req);
    let grain = if months.is_some() { results::Grain::Month } else { results::Grain::Day };
    let mut out = Vec::new();
    for view in views {
        let groups = match view {
            PayerView::Partner(p) => billing::groups::of_payer_in(payers, *p).await?,
            PayerView::Customer(_, groups) => groups.clone(),
        };
        let payer = payers.payer(view.payer())?;
        for period in periods {
            for group in &groups {
                let rows = results::priced_tags(&payer, group, period, key, grain).await.context("pricing a billing group's tagged cost")?;
                out.extend(rows.into_iter().filter_map(|(row, tag)| priced_point(req, months.as_ref(), row, tag)));
            }
        }
    }
    Ok(out)
}
