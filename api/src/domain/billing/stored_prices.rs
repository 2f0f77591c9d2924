//! Stored prices (#17): a billing group's open period, priced once and read until its inputs
//! change. Pricing a group's month reads thousands of rollup rows; the billing pages and the
//! customer's views ask for the same months again and again.
//!
//! A stored price names what it was priced from: a hash of the group's pricing inputs for the
//! period (plan version, rules, custom line items, members, primary account) and the version of
//! the payer's cost data for the period, which every writer of cost data renews in the
//! transaction that replaces the rows (`ingest::rollup`). A reader recomputes both keys before
//! trusting a stored price, so a configuration change or new data is never hidden by it; the
//! data version is read before the data, so a price computed while new data commits is stored
//! under the older version and priced again by the next reader. Closed periods are not stored
//! here: their snapshot is the price.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use entity::{cost_data_versions, priced_periods};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::engine::{Amounts, AppliedItem};
use super::groups::Group;
use super::results::{self, GroupPeriod, Grain, PricedPeriod, PricingInputs};
use super::snapshot::{self, ItemLine, SnapshotLines, UsageLine};
use crate::domain::service_names::{ServiceNames, service_label};
use crate::error::{AppError, AppResult};
use crate::money::{from_units, to_units};
use crate::tenancy::{PayerAccess, PayerRead};

/// One stored line: what a group's usage of one service on one account cost and was charged in
/// one usage month (a billing period's rows are almost always of its own month, not always).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthLine {
    pub usage_month: String,
    pub account_id: String,
    pub service_code: String,
    pub aws_cost: Decimal,
    pub charge: Decimal,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredLines {
    usage: Vec<MonthLine>,
    items: Vec<ItemLine>,
    service_names: ServiceNames,
}

/// A group's priced period: its numbers, and its lines by usage month, account and service.
pub struct StoredPeriod {
    pub numbers: GroupPeriod,
    pub lines: Vec<MonthLine>,
}

/// What the billing pages need of a group's period.
#[derive(Debug, Clone)]
pub struct PeriodTotals {
    pub source: String,
    pub currency: String,
    pub total: Amounts,
}

/// One usage month's AWS cost and charge in a group's period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthTotal {
    pub usage_month: String,
    pub aws_cost: Decimal,
    pub charge: Decimal,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSummary {
    months: Vec<MonthTotal>,
    items: Vec<ItemLine>,
}

/// What a trend needs of a group's period: its totals per usage month and its custom line items.
pub struct PeriodMonths {
    pub currency: String,
    pub months: Vec<MonthTotal>,
    pub items: Vec<AppliedItem>,
}

/// The keys a stored price must match to be current.
struct Key {
    inputs_hash: String,
    data_version: String,
    inputs: PricingInputs,
}

async fn current_key(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<Key> {
    // The configuration (which names the payer whose data is priced: a reseller's is the tier
    // above's), then the data version before any data: see the module's note on prices
    // computed while data commits.
    let inputs = results::pricing_inputs(payer, group, period).await?;
    let data_version = data_version(&payer.in_chain(inputs.data_payer_or(group.group.payer_id)).await?, period).await?;
    key_of(inputs, data_version)
}

async fn data_version(data: &impl PayerRead, period: &str) -> AppResult<String> {
    let version = data.rows::<cost_data_versions::Entity>().filter(cost_data_versions::Column::BillingPeriod.eq(period)).one().await?;
    Ok(version.map(|v| v.version.to_string()).unwrap_or_default())
}

fn key_of(inputs: PricingInputs, data_version: String) -> AppResult<Key> {
    let encoded = serde_json::to_vec(&inputs).map_err(|e| AppError::internal(anyhow::anyhow!("encoding pricing inputs: {e}")))?;
    let inputs_hash = hex::encode(Sha256::digest(&encoded));
    Ok(Key { inputs_hash, data_version, inputs })
}

/// The open period's totals of every group of one payer, as [`totals`] gives each, reading what
/// the groups share once: the tiers above the payer and the version of its cost data (the
/// Billing page asks for all of a payer's groups on every visit).
pub async fn totals_of_payer(payer: &impl PayerAccess, groups: &[Group], period: &str) -> AppResult<Vec<PeriodTotals>> {
    let stack = super::resellers::stack(payer, period).await?;
    let data_version = data_version(&payer.in_chain(stack.as_ref().map_or(payer.payer_id(), |s| s.data_payer)).await?, period).await?;
    let inputs = results::pricing_inputs_of_groups(payer, groups, period).await?;
    let mut heads = heads_of(payer, groups, period).await?;
    let mut out = Vec::with_capacity(groups.len());
    for (group, mut inputs) in groups.iter().zip(inputs) {
        if let Some(s) = &stack {
            (inputs.data_payer, inputs.upstream) = (Some(s.data_payer), s.upstream.clone());
        }
        let key = key_of(inputs, data_version.clone())?;
        out.push(match heads.remove(&group.group.id).and_then(|h| h.totals_if_current(&key)) {
            Some(totals) => totals,
            None => stored_totals(price_and_store(payer, group, period, &key).await?),
        });
    }
    Ok(out)
}

/// The small columns of a stored price: what it was priced from, and its totals.
struct Head {
    inputs_hash: String,
    data_version: String,
    source: String,
    currency: String,
    aws: i64,
    proforma: i64,
}

impl Head {
    /// Its totals, when it was priced from `key`.
    fn totals_if_current(self, key: &Key) -> Option<PeriodTotals> {
        (self.inputs_hash == key.inputs_hash && self.data_version == key.data_version)
            .then(|| PeriodTotals { source: self.source, currency: self.currency, total: Amounts { aws_cost: from_units(self.aws), proforma: from_units(self.proforma) } })
    }
}

fn stored_totals(stored: StoredPeriod) -> PeriodTotals {
    PeriodTotals { source: stored.numbers.source, currency: stored.numbers.currency, total: stored.numbers.computation.total }
}

/// The stored prices' heads of several groups for one period, in one query.
async fn heads_of(payer: &impl PayerRead, groups: &[Group], period: &str) -> AppResult<HashMap<uuid::Uuid, Head>> {
    use priced_periods::Column as C;
    let ids: Vec<uuid::Uuid> = groups.iter().map(|g| g.group.id).collect();
    let rows: Vec<(uuid::Uuid, String, String, String, String, i64, i64)> = payer
        .rows::<priced_periods::Entity>()
        .select_only()
        .columns([C::BillingGroupId, C::InputsHash, C::DataVersion, C::Source, C::Currency, C::AwsCost, C::ProformaCost])
        .filter(C::BillingGroupId.is_in(ids))
        .filter(C::BillingPeriod.eq(period))
        .tuples()
        .await?;
    Ok(rows
        .into_iter()
        .map(|(group, inputs_hash, data_version, source, currency, aws, proforma)| (group, Head { inputs_hash, data_version, source, currency, aws, proforma }))
        .collect())
}

/// The group's period priced now (and stored) for the given key.
async fn price_and_store(payer: &impl PayerAccess, group: &Group, period: &str, key: &Key) -> AppResult<StoredPeriod> {
    let stored = price(payer, period, key).await?;
    // A price that cannot be stored is still the right answer: the next reader prices again.
    if let Err(e) = put(payer, group, period, key, &stored).await {
        tracing::warn!(billing_group = %group.group.id, period, error = %e, "storing a priced period failed");
    }
    Ok(stored)
}

/// A group's open period, from its stored price when that is current, else priced now.
pub async fn period(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<StoredPeriod> {
    Ok(period_with_inputs(payer, group, period).await?.0)
}

/// [`period`] with the pricing inputs it was checked against, for a caller that prices rows of
/// its own as the group is priced (and would otherwise read the configuration again).
pub async fn period_with_inputs(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<(StoredPeriod, PricingInputs)> {
    let key = current_key(payer, group, period).await?;
    let row = payer
        .rows::<priced_periods::Entity>()
        .filter(priced_periods::Column::BillingGroupId.eq(group.group.id))
        .filter(priced_periods::Column::BillingPeriod.eq(period))
        .one()
        .await?;
    if let Some(row) = row.filter(|r| r.inputs_hash == key.inputs_hash && r.data_version == key.data_version) {
        match decode(&row, period) {
            Ok(stored) => return Ok((stored, key.inputs)),
            Err(e) => tracing::warn!(billing_group = %group.group.id, period, error = %e, "a stored price did not read; pricing again"),
        }
    }
    let stored = price_and_store(payer, group, period, &key).await?;
    Ok((stored, key.inputs))
}

/// A group's stored totals and summary, when its stored price is current for `key`.
async fn current_head(payer: &impl PayerRead, group: &Group, period: &str, key: &Key) -> AppResult<Option<(PeriodTotals, String)>> {
    use priced_periods::Column as C;
    let row: Option<(String, String, String, String, i64, i64, String)> = payer
        .rows::<priced_periods::Entity>()
        .filter(C::BillingGroupId.eq(group.group.id))
        .filter(C::BillingPeriod.eq(period))
        .select_only()
        .columns([C::InputsHash, C::DataVersion, C::Source, C::Currency, C::AwsCost, C::ProformaCost, C::Summary])
        .tuple()
        .await?;
    Ok(row.and_then(|(inputs_hash, data_version, source, currency, aws, proforma, summary)| {
        Head { inputs_hash, data_version, source, currency, aws, proforma }.totals_if_current(key).map(|totals| (totals, summary))
    }))
}

/// A group's open period's totals, reading none of its lines when the stored price is current.
pub async fn totals(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<PeriodTotals> {
    let key = current_key(payer, group, period).await?;
    if let Some((totals, _)) = current_head(payer, group, period, &key).await? {
        return Ok(totals);
    }
    Ok(stored_totals(price_and_store(payer, group, period, &key).await?))
}

/// [`totals`] for a reader that may not store prices (a reseller reading the tier above): the
/// stored price when current, else priced now and not stored.
pub async fn totals_unstored(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<PeriodTotals> {
    let key = current_key(payer, group, period).await?;
    if let Some((totals, _)) = current_head(payer, group, period, &key).await? {
        return Ok(totals);
    }
    Ok(stored_totals(price(payer, period, &key).await?))
}

/// The period priced now for `key`, as a stored price holds it.
async fn price(payer: &impl PayerRead, period: &str, key: &Key) -> AppResult<StoredPeriod> {
    Ok(stored_period(&results::priced_by(payer, period, Grain::Month, &key.inputs).await?))
}

/// A group's open period per usage month, reading none of its lines when the stored price is
/// current.
pub async fn months(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<PeriodMonths> {
    let key = current_key(payer, group, period).await?;
    if let Some((totals, summary)) = current_head(payer, group, period, &key).await? {
        match serde_json::from_str::<StoredSummary>(&summary) {
            Ok(s) => return Ok(PeriodMonths { currency: totals.currency, months: s.months, items: s.items.iter().map(ItemLine::applied).collect() }),
            Err(e) => tracing::warn!(billing_group = %group.group.id, period, error = %e, "a stored summary did not read; pricing again"),
        }
    }
    let stored = price_and_store(payer, group, period, &key).await?;
    let summary = summary_of(&stored);
    Ok(PeriodMonths { currency: stored.numbers.currency, months: summary.months, items: stored.numbers.computation.items })
}

fn item_lines(stored: &StoredPeriod) -> Vec<ItemLine> {
    stored.numbers.computation.items.iter().map(ItemLine::of).collect()
}

fn summary_of(stored: &StoredPeriod) -> StoredSummary {
    let mut months: BTreeMap<&str, (Decimal, Decimal)> = BTreeMap::new();
    for l in &stored.lines {
        let m = months.entry(l.usage_month.as_str()).or_default();
        m.0 += l.aws_cost;
        m.1 += l.charge;
    }
    let months = months
        .into_iter()
        .map(|(usage_month, (aws, charge))| MonthTotal { usage_month: usage_month.to_owned(), aws_cost: aws.normalize(), charge: charge.normalize() })
        .collect();
    StoredSummary { months, items: item_lines(stored) }
}

/// A group's open period priced now whatever is stored (an explicit recomputation), and kept for
/// the readers after it.
pub async fn fresh(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<StoredPeriod> {
    let key = current_key(payer, group, period).await?;
    price_and_store(payer, group, period, &key).await
}

fn stored_period(priced: &PricedPeriod) -> StoredPeriod {
    let mut lines: BTreeMap<(String, String, String), (Decimal, Decimal)> = BTreeMap::new();
    for row in &priced.rows {
        let line = lines.entry((row.usage_month.clone(), row.account_id.clone(), row.service_code.clone())).or_default();
        line.0 += row.aws_cost;
        line.1 += row.charge;
    }
    let lines = lines
        .into_iter()
        .map(|((usage_month, account_id, service_code), (aws, charge))| MonthLine { usage_month, account_id, service_code, aws_cost: aws.normalize(), charge: charge.normalize() })
        .collect();
    StoredPeriod { numbers: priced.numbers.clone(), lines }
}

async fn put(payer: &impl PayerAccess, group: &Group, period: &str, key: &Key, stored: &StoredPeriod) -> AppResult<()> {
    let n = &stored.numbers;
    let encode = |e: serde_json::Error| AppError::internal(anyhow::anyhow!("encoding a priced period: {e}"));
    let summary = serde_json::to_string(&summary_of(stored)).map_err(encode)?;
    let lines = StoredLines { usage: stored.lines.clone(), items: item_lines(stored), service_names: n.service_names.clone() };
    let lines = serde_json::to_string(&lines).map_err(encode)?;
    let row = priced_periods::ActiveModel {
        billing_group_id: Set(group.group.id),
        billing_period: Set(period.to_owned()),
        payer_id: Set(group.group.payer_id),
        inputs_hash: Set(key.inputs_hash.clone()),
        data_version: Set(key.data_version.clone()),
        source: Set(n.source.clone()),
        currency: Set(n.currency.clone()),
        aws_cost: Set(to_units(n.computation.total.aws_cost)?),
        proforma_cost: Set(to_units(n.computation.total.proforma)?),
        summary: Set(summary),
        lines: Set(lines),
        computed_at: Set(Utc::now()),
    };
    use priced_periods::Column as C;
    let update = vec![C::InputsHash, C::DataVersion, C::Source, C::Currency, C::AwsCost, C::ProformaCost, C::Summary, C::Lines, C::ComputedAt];
    payer.upsert(row, &[C::BillingGroupId, C::BillingPeriod], update).await
}

fn decode(row: &priced_periods::Model, period: &str) -> AppResult<StoredPeriod> {
    let lines: StoredLines = serde_json::from_str(&row.lines).map_err(|e| AppError::internal(anyhow::anyhow!("priced period of group {} unreadable: {e}", row.billing_group_id)))?;
    // The numbers are the snapshot's arithmetic over the same lines: one way to total them.
    let mut by_account_service: BTreeMap<(String, String), UsageLine> = BTreeMap::new();
    for l in &lines.usage {
        let line = by_account_service.entry((l.account_id.clone(), l.service_code.clone())).or_insert_with(|| UsageLine {
            account_id: l.account_id.clone(),
            service_code: l.service_code.clone(),
            service_name: service_label(&l.service_code, &lines.service_names),
            aws_cost: Decimal::ZERO,
            proforma_cost: Decimal::ZERO,
        });
        line.aws_cost += l.aws_cost;
        line.proforma_cost += l.charge;
    }
    let summed = SnapshotLines { usage: by_account_service.into_values().collect(), items: lines.items };
    let numbers = GroupPeriod {
        period: period.to_owned(),
        source: row.source.clone(),
        currency: row.currency.clone(),
        computation: snapshot::computation(&summed),
        service_names: lines.service_names,
    };
    Ok(StoredPeriod { numbers, lines: lines.usage })
}
