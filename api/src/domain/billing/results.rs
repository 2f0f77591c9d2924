//! Running the engine on stored data: a group's rows, plan and custom line items for a period;
//! live reports; stored results (a recomputation adds one, earlier ones stay); and the
//! end-customer view, which carries pro-forma charges only.

use std::collections::BTreeMap;

use chrono::Utc;
use entity::{abc_cost_reports, billing_groups, billing_results, cost_daily, cost_daily_tags, cost_monthly_pricing, cost_monthly_tags, cost_monthly_usage, custom_line_items};
use entity::custom_line_items::ChargeType;
use migration::m20261206_000401_cost_rollups::{ZERO_AMORTIZED, ZERO_LIST, ZERO_NET_UNBLENDED, ZERO_UNBLENDED};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use uuid::Uuid;

use super::engine::{self, Amounts, Computation, CostRow, Item, ItemAmount, ItemCharge, ZeroAmounts};
use super::groups::{self, Group};
use super::plan_versions;
use super::snapshot::{ItemLine, SnapshotLines, UsageLine};
use super::stored_prices::{self, PeriodTotals};
use super::{billing_payer, checked_period, custom_line_items as items, next_period};
use crate::domain::service_names::{ServiceNames, note_service_name, service_label};
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::PayerId;
use crate::money::{from_units, to_units};
use crate::tenancy::{PayerAccess, PayerRead, PayerSet, Role, Scope};

/// Cost data sources in order of preference.
pub const SOURCES: &[&str] = &["cur", "focus", "ce"];
/// The most periods one report spans.
pub const MAX_PERIODS: usize = 36;

/// One group's numbers for one period.
#[derive(Debug, Clone)]
pub struct GroupPeriod {
    pub period: String,
    /// The cost data used: `cur`, `focus`, `ce`, or `none` when the period has no data.
    pub source: String,
    pub currency: String,
    pub computation: Computation,
    /// The services' names as the period's cost rows give them (code → name).
    pub service_names: ServiceNames,
}

/// The preferred source with data for the payer's period.
async fn source_for(data: &impl PayerRead, period: &str) -> AppResult<Option<&'static str>> {
    // The pricing rollup has a row wherever the day grain has one, and far fewer.
    let present: Vec<String> = data
        .rows::<cost_monthly_pricing::Entity>()
        .select_only()
        .column(cost_monthly_pricing::Column::Source)
        .distinct()
        .filter(cost_monthly_pricing::Column::BillingPeriod.eq(period))
        .tuples()
        .await?;
    Ok(SOURCES.iter().find(|s| present.iter().any(|p| p == *s)).copied())
}

/// The engine's view of a stored item. An item with neither a flat amount nor a percentage, or
/// with unreadable child ids, is an error: pricing it as 0 % of the whole group would be wrong.
fn engine_item(i: &custom_line_items::Model) -> AppResult<Item> {
    // Exact storage units, not the shown (normalised) decimals: a snapshot's numbers keep their scale.
    let amount = match (i.flat_amount, i.percentage) {
        (Some(f), _) => ItemAmount::Flat(from_units(f)),
        (None, Some(p)) => ItemAmount::Percentage { percent: from_units(p), of_items: items::stored_child_ids(i)? },
        (None, None) => return Err(AppError::internal(anyhow::anyhow!("custom line item {} has neither an amount nor a percentage", i.id))),
    };
    Ok(Item {
        id: i.id,
        name: i.name.clone(),
        charge: match i.charge_type {
            ChargeType::Credit => ItemCharge::Credit,
            ChargeType::Fee => ItemCharge::Fee,
        },
        amount,
        linked_account: i.linked_account_id.clone(),
        exclude_savings_plan_negation: i.exclude_savings_plan_negation,
    })
}

/// What a group's rows are read from to be priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// The day grain: dates and regions kept, for views by day or region.
    Day,
    /// The month's pricing rollup: one sum per pricing key, priced exactly as the days it sums
    /// and tens of times fewer rows. Whatever needs no day or region reads this.
    Month,
}

/// One priced row: a day-grain row, or (month grain) a month's sum of rows that price alike.
#[derive(Debug, Clone)]
pub struct PricedRow {
    /// The day (day grain); `None` for a month's sum.
    pub usage_date: Option<chrono::NaiveDate>,
    /// `YYYY-MM` of the usage.
    pub usage_month: String,
    pub account_id: String,
    pub service_code: String,
    /// A name of the service other than its code, when the data has one.
    pub service_name: Option<String>,
    /// Empty for a month's sum.
    pub region: String,
    pub usage_type: String,
    pub charge_type: String,
    pub currency: String,
    /// The pro-forma charge (the engine's price of the row).
    pub charge: Decimal,
    /// What the row cost the partner (net unblended), once priced.
    pub aws_cost: Decimal,
    /// AWS's public on-demand price of the row (0 where the data has none), once priced.
    pub list: Decimal,
    /// The row's amortized (effective) cost, once priced.
    pub amortized: Decimal,
    /// `AWS` or `AWS Marketplace` (empty where the data does not say), once priced.
    pub billing_entity: String,
}

impl PricedRow {
    /// A row with its keys and nothing priced yet (no region, usage or charge type, currency).
    pub(crate) fn unpriced(usage_date: Option<chrono::NaiveDate>, usage_month: String, account_id: String, service_code: String, service_name: Option<String>) -> Self {
        Self {
            usage_date,
            usage_month,
            account_id,
            service_code,
            service_name,
            region: String::new(),
            usage_type: String::new(),
            charge_type: String::new(),
            currency: String::new(),
            charge: Decimal::ZERO,
            aws_cost: Decimal::ZERO,
            list: Decimal::ZERO,
            amortized: Decimal::ZERO,
            billing_entity: String::new(),
        }
    }

    /// Fills in the plan's charge of the engine's input `cost` and the amounts it was priced from.
    fn price(&mut self, plan: &engine::Plan, cost: &CostRow) {
        self.charge = plan.price(cost);
        self.aws_cost = cost.net_unblended;
        self.list = cost.list;
        self.amortized = cost.amortized;
        self.billing_entity.clone_from(&cost.billing_entity);
    }
}

/// A group's rows for one period, each with its pro-forma charge, and the group's computation
/// over them. The cost insights price their series with it, so their PRO_FORMA numbers are the
/// billing report's by construction.
pub struct PricedPeriod {
    pub numbers: GroupPeriod,
    pub rows: Vec<PricedRow>,
}

/// A group's numbers for a period as billed: frozen at close for a closed period, else on the
/// current configuration and data (its stored price while that is current).
pub async fn numbers(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<GroupPeriod> {
    match super::snapshot::frozen(payer, group.group.id, period).await? {
        Some(frozen) => frozen_numbers(frozen, period),
        None => Ok(stored_prices::period(payer, group, period).await?.numbers),
    }
}

/// A closed period's numbers, as its snapshot froze them.
fn frozen_numbers(frozen: entity::period_snapshots::Model, period: &str) -> AppResult<GroupPeriod> {
    let lines = super::snapshot::snapshot_lines(&frozen)?;
    Ok(GroupPeriod {
        period: period.to_owned(),
        source: frozen.source,
        currency: frozen.currency,
        computation: super::snapshot::computation(&lines),
        service_names: super::snapshot::service_names(&lines),
    })
}

/// Runs the engine for one group and period on the current configuration, whatever is stored,
/// and keeps the price for the readers after it.
pub async fn compute(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<GroupPeriod> {
    Ok(stored_prices::fresh(payer, group, period).await?.numbers)
}

/// A group's totals for a period as billed, reading no lines when they are stored.
pub async fn totals(payer: &impl PayerAccess, group: &Group, period: &str) -> AppResult<PeriodTotals> {
    match super::snapshot::frozen(payer, group.group.id, period).await? {
        Some(frozen) => frozen_totals(frozen, period),
        None => stored_prices::totals(payer, group, period).await,
    }
}

/// A closed period's totals, as its snapshot froze them.
fn frozen_totals(frozen: entity::period_snapshots::Model, period: &str) -> AppResult<PeriodTotals> {
    let n = frozen_numbers(frozen, period)?;
    Ok(PeriodTotals { source: n.source, currency: n.currency, total: n.computation.total })
}

/// [`totals`] of a group of the payer a reseller's payer prices from, read through its view of
/// that payer: a stored price is used when current, but one priced now is not stored (the
/// payer's own readers keep its stored prices).
pub async fn totals_above(above: &impl PayerRead, group: &Group, period: &str) -> AppResult<PeriodTotals> {
    match super::snapshot::frozen(above, group.group.id, period).await? {
        Some(frozen) => frozen_totals(frozen, period),
        None => stored_prices::totals_unstored(above, group, period).await,
    }
}

/// The engine's input for a row: its pricing columns and amounts (10⁻⁸ units) and, for a sum,
/// its rows' zero flags (a day-grain row's own are read off its amounts).
fn cost_row(r: &PricedRow, operation: String, billing_entity: String, amounts: [i64; 4], zero: Option<ZeroAmounts>) -> CostRow {
    let [unblended, net_unblended, amortized, list] = amounts.map(from_units);
    CostRow {
        account_id: r.account_id.clone(),
        service_code: r.service_code.clone(),
        usage_type: r.usage_type.clone(),
        operation,
        charge_type: r.charge_type.clone(),
        billing_entity,
        unblended,
        net_unblended,
        amortized,
        list,
        zero: zero.unwrap_or_else(|| ZeroAmounts::of(unblended, net_unblended, amortized, list)),
    }
}

/// The zero flags stored as bits (`zero_amounts` of the pricing rollup and the tagged parts).
fn zero_of(bits: i16) -> ZeroAmounts {
    let bit = |b: i16| bits & b != 0;
    ZeroAmounts { list: bit(ZERO_LIST), unblended: bit(ZERO_UNBLENDED), net_unblended: bit(ZERO_NET_UNBLENDED), amortized: bit(ZERO_AMORTIZED) }
}

/// The tagged parts of a group's rows for one period and key (by day, or their month sums), each priced as the
/// whole row it is part of is priced (its zero flags, the tiers above, the group's plan), with
/// its value. The engine's price is linear in a row's amounts once the flags are fixed, so the
/// parts' charges add up to the row's.
pub async fn priced_tags(payer: &impl PayerRead, group: &Group, period: &str, key: &crate::ingest::tags::SelectedKey, grain: Grain) -> AppResult<Vec<(PricedRow, String)>> {
    let stack = super::resellers::stack(payer, period).await?;
    let inputs = PricingInputs {
        plan: plan_versions::plan_for(payer, group, period).await?,
        items: Vec::new(),
        members: group.accounts_in(period),
        primary_account: group.group.primary_account_id.clone(),
        data_payer: stack.as_ref().map(|s| s.data_payer),
        upstream: stack.map(|s| s.upstream).unwrap_or_default(),
    };
    let data = payer.in_chain(inputs.data_payer_or(group.group.payer_id)).await?;
    let members = inputs.priced_members();
    let Some(source) = source_for(&data, period).await? else { return Ok(Vec::new()) };
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let plan = engine::stacked_plan(&inputs.plan, &inputs.upstream);
    let parts: Vec<(CostRow, PricedRow, String)> = match grain {
        Grain::Day => data
            .rows::<cost_daily_tags::Entity>()
            .filter(cost_daily_tags::Column::BillingPeriod.eq(period))
            .filter(cost_daily_tags::Column::Source.eq(source))
            .filter(cost_daily_tags::Column::KeyKind.eq(key.kind))
            .filter(cost_daily_tags::Column::KeyName.eq(key.name.as_str()))
            .filter(cost_daily_tags::Column::UsageAccountId.is_in(members))
            .order_by_asc(cost_daily_tags::Column::Id)
            .all()
            .await?
            .into_iter()
            .map(|r| {
                let row = PricedRow {
                    region: r.region,
                    usage_type: r.usage_type,
                    charge_type: r.charge_type,
                    currency: r.currency,
                    ..PricedRow::unpriced(Some(r.usage_date), r.usage_date.format("%Y-%m").to_string(), r.usage_account_id, r.service_code, Some(r.service_name))
                };
                let amounts = [r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost];
                (cost_row(&row, r.operation, r.billing_entity, amounts, Some(zero_of(r.zero_amounts))), row, r.tag_value)
            })
            .collect(),
        Grain::Month => data
            .rows::<cost_monthly_tags::Entity>()
            .filter(cost_monthly_tags::Column::BillingPeriod.eq(period))
            .filter(cost_monthly_tags::Column::Source.eq(source))
            .filter(cost_monthly_tags::Column::KeyKind.eq(key.kind))
            .filter(cost_monthly_tags::Column::KeyName.eq(key.name.as_str()))
            .filter(cost_monthly_tags::Column::UsageAccountId.is_in(members))
            .order_by_asc(cost_monthly_tags::Column::Id)
            .all()
            .await?
            .into_iter()
            .map(|r| {
                let row = PricedRow {
                    usage_type: r.usage_type,
                    charge_type: r.charge_type,
                    currency: r.currency,
                    ..PricedRow::unpriced(None, r.usage_month, r.usage_account_id, r.service_code, r.service_name)
                };
                let amounts = [r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost];
                (cost_row(&row, r.operation, r.billing_entity, amounts, Some(zero_of(r.zero_amounts))), row, r.tag_value)
            })
            .collect(),
    };
    Ok(parts
        .into_iter()
        .map(|(cost, mut row, value)| {
            row.price(&plan, &engine::restated(&cost, &inputs.upstream));
            (row, value)
        })
        .collect())
}

/// The rows of one payer's period and source for the given accounts, each as the engine's input
/// and as the row it came from (its charge still zero).
async fn rows_to_price(data: &impl PayerRead, period: &str, source: &str, members: Vec<String>, grain: Grain) -> AppResult<Vec<(CostRow, PricedRow)>> {
    Ok(match grain {
        Grain::Day => data
            .rows::<cost_daily::Entity>()
            .filter(cost_daily::Column::BillingPeriod.eq(period))
            .filter(cost_daily::Column::Source.eq(source))
            .filter(cost_daily::Column::UsageAccountId.is_in(members))
            .order_by_asc(cost_daily::Column::Id)
            .all()
            .await?
            .into_iter()
            .map(|r| {
                let amounts = [r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost];
                let row = PricedRow {
                    region: r.region,
                    usage_type: r.usage_type,
                    charge_type: r.charge_type,
                    currency: r.currency,
                    ..PricedRow::unpriced(Some(r.usage_date), r.usage_date.format("%Y-%m").to_string(), r.usage_account_id, r.service_code, Some(r.service_name))
                };
                (cost_row(&row, r.operation, r.billing_entity, amounts, None), row)
            })
            .collect(),
        Grain::Month => data
            .rows::<cost_monthly_pricing::Entity>()
            .filter(cost_monthly_pricing::Column::BillingPeriod.eq(period))
            .filter(cost_monthly_pricing::Column::Source.eq(source))
            .filter(cost_monthly_pricing::Column::UsageAccountId.is_in(members))
            .order_by_asc(cost_monthly_pricing::Column::Id)
            .all()
            .await?
            .into_iter()
            .map(|r| {
                let zero = zero_of(r.zero_amounts);
                let amounts = [r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost];
                let row = PricedRow {
                    usage_type: r.usage_type,
                    charge_type: r.charge_type,
                    currency: r.currency,
                    ..PricedRow::unpriced(None, r.usage_month, r.usage_account_id, r.service_code, r.service_name)
                };
                (cost_row(&row, r.operation, r.billing_entity, amounts, Some(zero)), row)
            })
            .collect(),
    })
}

/// A payer's month-grain rows of a period (its preferred source) on the accounts outside
/// `priced_accounts`: the rows no billing group prices, with their costs and no charge.
pub async fn unpriced_rows(payer: &impl PayerRead, period: &str, priced_accounts: &[String]) -> AppResult<Vec<PricedRow>> {
    let Some(source) = source_for(payer, period).await? else { return Ok(Vec::new()) };
    let present: Vec<String> = payer
        .rows::<cost_monthly_pricing::Entity>()
        .select_only()
        .column(cost_monthly_pricing::Column::UsageAccountId)
        .distinct()
        .filter(cost_monthly_pricing::Column::BillingPeriod.eq(period))
        .filter(cost_monthly_pricing::Column::Source.eq(source))
        .tuples()
        .await?;
    let rest: Vec<String> = present.into_iter().filter(|a| !priced_accounts.contains(a)).collect();
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    Ok(rows_to_price(payer, period, source, rest, Grain::Month)
        .await?
        .into_iter()
        .map(|(cost, mut row)| {
            row.aws_cost = cost.net_unblended;
            row.list = cost.list;
            row.amortized = cost.amortized;
            row.billing_entity = cost.billing_entity;
            row
        })
        .collect())
}

/// One account's month rows of a group's period from the account bill's rollup, each priced as
/// the group is priced (its zero flags, the tiers above, the group's plan); with the group's
/// numbers for the period, from its stored price when that is current. The engine's price is
/// linear in a row's amounts once its zero flags are fixed, so pricing the month's sums gives the
/// charges of the days they sum.
pub(in crate::domain) async fn priced_account_month(payer: &impl PayerAccess, group: &Group, period: &str, account: &str) -> AppResult<(GroupPeriod, Vec<(cost_monthly_usage::Model, Decimal)>)> {
    let (stored, inputs) = stored_prices::period_with_inputs(payer, group, period).await?;
    let numbers = stored.numbers;
    if numbers.source == "none" || !inputs.priced_members().iter().any(|a| a == account) {
        return Ok((numbers, Vec::new()));
    }
    let plan = engine::stacked_plan(&inputs.plan, &inputs.upstream);
    let data = payer.in_chain(inputs.data_payer_or(group.group.payer_id)).await?;
    let rows = data
        .rows::<cost_monthly_usage::Entity>()
        .filter(cost_monthly_usage::Column::BillingPeriod.eq(period))
        .filter(cost_monthly_usage::Column::Source.eq(numbers.source.as_str()))
        .filter(cost_monthly_usage::Column::UsageAccountId.eq(account))
        .order_by_asc(cost_monthly_usage::Column::FirstUsageDay)
        .order_by_asc(cost_monthly_usage::Column::Id)
        .all()
        .await
        .context("reading an account's month rows to price")?;
    let priced = rows
        .into_iter()
        .map(|r| {
            let amounts = [r.unblended_cost, r.net_unblended_cost, r.amortized_cost, r.list_cost];
            let mut key = PricedRow::unpriced(None, String::new(), r.usage_account_id.clone(), r.service_code.clone(), None);
            (key.usage_type, key.charge_type) = (r.usage_type.clone(), r.charge_type.clone());
            let row = engine::restated(&cost_row(&key, r.operation.clone(), r.billing_entity.clone(), amounts, Some(zero_of(r.zero_amounts))), &inputs.upstream);
            let charge = plan.price(&row);
            (r, charge)
        })
        .collect();
    Ok((numbers, priced))
}

/// Runs the engine for one group and period, keeping each row (of the grain asked for) with its
/// charge. Both grains give the same numbers.
pub async fn priced(payer: &impl PayerRead, group: &Group, period: &str, grain: Grain) -> AppResult<PricedPeriod> {
    priced_with(payer, group, period, grain, &plan_versions::plan_for(payer, group, period).await?).await
}

/// What a group is priced with for one period: its plan, its custom line items active in the
/// period, its members in the period and its primary account. Closing a period freezes this, so
/// data that arrives later is priced as the period was.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PricingInputs {
    pub plan: engine::Plan,
    pub items: Vec<Item>,
    pub members: Vec<String>,
    pub primary_account: String,
    /// A reseller's group: the payer whose cost data it prices (the top of the chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_payer: Option<Uuid>,
    /// A reseller's group: the tiers above, top first. Each row is priced by them in turn
    /// before this group's plan prices it (see [`super::resellers`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<engine::Upstream>,
}

impl PricingInputs {
    /// The payer whose cost rows are priced.
    pub fn data_payer_or(&self, payer: Uuid) -> Uuid {
        self.data_payer.unwrap_or(payer)
    }

    /// The accounts priced: the members, narrowed to every tier above's members.
    fn priced_members(&self) -> Vec<String> {
        self.members.iter().filter(|a| self.upstream.iter().all(|u| u.members.contains(a))).cloned().collect()
    }
}

/// The custom line items of a group active in a period, as the engine takes them.
pub async fn active_items(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<Vec<Item>> {
    payer
        .rows::<custom_line_items::Entity>()
        .filter(custom_line_items::Column::BillingGroupId.eq(group.group.id))
        .order_by_asc(custom_line_items::Column::Id)
        .all()
        .await?
        .iter()
        .filter(|i| items::in_period(i, period))
        .map(engine_item)
        .collect()
}

/// A group's pricing inputs for a period, as configured now.
pub async fn pricing_inputs(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<PricingInputs> {
    let mut inputs = pricing_inputs_of(payer, group, period).await?;
    if let Some(stack) = super::resellers::stack(payer, period).await? {
        (inputs.data_payer, inputs.upstream) = (Some(stack.data_payer), stack.upstream);
    }
    Ok(inputs)
}

/// A group's own pricing inputs for a period, without the tiers above it.
pub async fn pricing_inputs_of(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<PricingInputs> {
    Ok(PricingInputs {
        plan: plan_versions::plan_for(payer, group, period).await?,
        items: active_items(payer, group, period).await?,
        members: group.accounts_in(period),
        primary_account: group.group.primary_account_id.clone(),
        data_payer: None,
        upstream: Vec::new(),
    })
}

/// [`pricing_inputs_of`] for several groups at once, in their order, in a fixed number of
/// queries.
pub async fn pricing_inputs_of_groups(payer: &impl PayerRead, groups: &[Group], period: &str) -> AppResult<Vec<PricingInputs>> {
    let plans = plan_versions::plans_for(payer, groups, period).await?;
    let ids: Vec<Uuid> = groups.iter().map(|g| g.group.id).collect();
    let mut items_of: std::collections::HashMap<Uuid, Vec<Item>> = std::collections::HashMap::new();
    for item in payer.rows::<custom_line_items::Entity>().filter(custom_line_items::Column::BillingGroupId.is_in(ids)).order_by_asc(custom_line_items::Column::Id).all().await? {
        if items::in_period(&item, period) {
            items_of.entry(item.billing_group_id).or_default().push(engine_item(&item)?);
        }
    }
    Ok(groups
        .iter()
        .zip(plans)
        .map(|(group, plan)| PricingInputs {
            plan,
            items: items_of.remove(&group.group.id).unwrap_or_default(),
            members: group.accounts_in(period),
            primary_account: group.group.primary_account_id.clone(),
            data_payer: None,
            upstream: Vec::new(),
        })
        .collect())
}

/// [`priced`] with the group's plan already loaded.
async fn priced_with(payer: &impl PayerRead, group: &Group, period: &str, grain: Grain, engine_plan: &engine::Plan) -> AppResult<PricedPeriod> {
    let stack = super::resellers::stack(payer, period).await?;
    let inputs = PricingInputs {
        plan: engine_plan.clone(),
        items: active_items(payer, group, period).await?,
        members: group.accounts_in(period),
        primary_account: group.group.primary_account_id.clone(),
        data_payer: stack.as_ref().map(|s| s.data_payer),
        upstream: stack.map(|s| s.upstream).unwrap_or_default(),
    };
    priced_by(payer, period, grain, &inputs).await
}

/// Prices a payer's period for the given inputs (the configuration now, or one frozen at close).
pub async fn priced_by(payer: &impl PayerRead, period: &str, grain: Grain, inputs: &PricingInputs) -> AppResult<PricedPeriod> {
    // A reseller's group prices the data of the payer at the top of its chain.
    let data_payer = payer.in_chain(inputs.data_payer_or(payer.payer_id())).await?;
    let members = inputs.priced_members();
    let source = source_for(&data_payer, period).await?;
    let mut data = match source {
        Some(source) if !members.is_empty() => rows_to_price(&data_payer, period, source, members, grain).await?,
        _ => Vec::new(),
    };
    for (row, _) in &mut data {
        *row = engine::restated(row, &inputs.upstream);
    }
    let plan = engine::stacked_plan(&inputs.plan, &inputs.upstream);
    let plan = &plan;
    let currency = data.first().map_or_else(|| "USD".to_owned(), |(_, r)| r.currency.clone());
    let mut service_names = ServiceNames::new();
    for (_, r) in &data {
        if let Some(name) = &r.service_name {
            note_service_name(&mut service_names, &r.service_code, name);
        }
    }
    let (rows, mut out): (Vec<CostRow>, Vec<PricedRow>) = data.into_iter().unzip();
    let computation = engine::compute(plan, &rows, &inputs.items, &inputs.primary_account);
    for (priced, row) in out.iter_mut().zip(&rows) {
        priced.price(plan, row);
    }
    let numbers = GroupPeriod { period: period.to_owned(), source: source.unwrap_or("none").to_owned(), currency, computation, service_names };
    Ok(PricedPeriod { numbers, rows: out })
}

/// The lines of a priced period: its rows summed by account and service, and its items.
pub fn lines_of(priced: &PricedPeriod) -> SnapshotLines {
    let mut usage: BTreeMap<(String, String), UsageLine> = BTreeMap::new();
    for row in &priced.rows {
        let line = usage.entry((row.account_id.clone(), row.service_code.clone())).or_insert_with(|| UsageLine {
            account_id: row.account_id.clone(),
            service_code: row.service_code.clone(),
            service_name: service_label(&row.service_code, &priced.numbers.service_names),
            aws_cost: Decimal::ZERO,
            proforma_cost: Decimal::ZERO,
        });
        line.aws_cost += row.aws_cost;
        line.proforma_cost += row.charge;
    }
    let items = priced
        .numbers
        .computation
        .items
        .iter()
        .map(ItemLine::of)
        .collect();
    SnapshotLines { usage: usage.into_values().map(normalized).collect(), items }
}

fn normalized(mut l: UsageLine) -> UsageLine {
    l.aws_cost = l.aws_cost.normalize();
    l.proforma_cost = l.proforma_cost.normalize();
    l
}

/// An amount as presented and stored: exact to 10⁻⁸, trailing zeros trimmed.
pub fn present(v: Decimal) -> Decimal {
    from_units(to_units(v).unwrap_or(i64::MAX)).normalize()
}

/// Stored lines; by service, each with the service's name (`serviceName`).
fn lines_json(lines: &BTreeMap<String, Amounts>, names: Option<&ServiceNames>) -> Value {
    Value::Array(
        lines
            .iter()
            .map(|(k, a)| {
                let mut line = json!({ "key": k, "awsCost": present(a.aws_cost).to_string(), "proformaCost": present(a.proforma).to_string() });
                if let Some(names) = names {
                    line["serviceName"] = Value::String(service_label(k, names));
                }
                line
            })
            .collect(),
    )
}

fn detail_json(c: &Computation, names: &ServiceNames) -> Value {
    let items: Vec<Value> = c
        .items
        .iter()
        .map(|i| json!({ "id": i.id, "name": i.name, "chargeType": if i.charge == ItemCharge::Credit { "CREDIT" } else { "FEE" }, "accountId": i.account_id, "amount": present(i.amount).to_string() }))
        .collect();
    json!({ "byService": lines_json(&c.by_service, Some(names)), "byAccount": lines_json(&c.by_account, None), "customLineItems": items })
}

/// A stored detail without the services' names: a result whose numbers did not change is not
/// stored again because a name did (results stored before names were kept have none).
fn amounts_only(mut detail: Value) -> Value {
    if let Some(lines) = detail.get_mut("byService").and_then(Value::as_array_mut) {
        for line in lines {
            if let Some(line) = line.as_object_mut() {
                line.remove("serviceName");
            }
        }
    }
    detail
}

async fn store(payer: &impl PayerAccess, group: &Group, gp: &GroupPeriod, by: &str, reason: &str) -> AppResult<billing_results::Model> {
    let aws = to_units(gp.computation.total.aws_cost)?;
    let proforma = to_units(gp.computation.total.proforma)?;
    payer
        .insert(billing_results::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(group.group.payer_id),
        billing_group_id: Set(group.group.id),
        billing_period: Set(gp.period.clone()),
        computed_at: Set(Utc::now()),
        computed_by: Set(by.to_owned()),
        reason: Set(reason.to_owned()),
        source: Set(gp.source.clone()),
        currency: Set(gp.currency.clone()),
        aws_cost: Set(aws),
        proforma_cost: Set(proforma),
        margin: Set(proforma - aws),
        detail: Set(detail_json(&gp.computation, &gp.service_names).to_string()),
    })
        .await
}

/// After a configuration change: every period of the payer that already has stored results is
/// computed again, and a new result is stored for each group whose numbers changed. Runs in the
/// change's transaction.
pub async fn recompute_stored_periods(payer: &impl PayerAccess, by: &str, reason: &str) -> AppResult<usize> {
    let periods: Vec<String> = payer.rows::<billing_results::Entity>().select_only().column(billing_results::Column::BillingPeriod).distinct().tuples().await?;
    let mut stored = 0;
    // A closed period's numbers are frozen: a configuration change never reprices it.
    let closed = super::snapshot::closed_periods(payer).await?;
    let periods: Vec<String> = periods.into_iter().filter(|p| !closed.contains(p)).collect();
    if periods.is_empty() {
        return Ok(stored);
    }
    for group in groups::of_payer(payer).await? {
        for period in &periods {
            let gp = compute(payer, &group, period).await?;
            let latest = payer
                .rows::<billing_results::Entity>()
                .filter(billing_results::Column::BillingGroupId.eq(group.group.id))
                .filter(billing_results::Column::BillingPeriod.eq(period.as_str()))
                .order_by_desc(billing_results::Column::ComputedAt)
                .order_by_desc(billing_results::Column::Id)
                .one()
                .await?;
            let same = latest.is_some_and(|l| {
                Some(l.aws_cost) == to_units(gp.computation.total.aws_cost).ok()
                    && Some(l.proforma_cost) == to_units(gp.computation.total.proforma).ok()
                    && serde_json::from_str::<Value>(&l.detail).ok().map(amounts_only) == Some(amounts_only(detail_json(&gp.computation, &gp.service_names)))
            });
            if !same {
                store(payer, &group, &gp, by, reason).await?;
                stored += 1;
            }
        }
    }
    Ok(stored)
}

/// One line of a stored result: a service or an account with its AWS cost and charge, or a
/// custom line item by name (AWS cost zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    /// The service code, the account id, or the custom line item's name.
    pub key: String,
    /// By service: the service's name as stored (results stored before names were kept: the code).
    pub service_name: Option<String>,
    pub amounts: Amounts,
}

/// A stored computation of a group for a period, read back exactly.
#[derive(Debug, Clone)]
pub struct StoredResult {
    pub id: Uuid,
    pub billing_group_id: Uuid,
    pub billing_period: String,
    pub computed_at: chrono::DateTime<Utc>,
    pub computed_by: String,
    pub reason: String,
    pub source: String,
    pub currency: String,
    pub total: Amounts,
    pub margin: Decimal,
    pub by_service: Vec<StoredLine>,
    pub by_account: Vec<StoredLine>,
    pub custom_line_items: Vec<StoredLine>,
}

/// Reads a stored result. A detail that does not parse, or an amount in it that is not a
/// decimal, is an internal error naming the row and the line: never a silent zero.
pub(in crate::domain) fn read_stored(r: billing_results::Model) -> AppResult<StoredResult> {
    let corrupt = |what: String| AppError::internal(anyhow::anyhow!("stored billing result {}: {what}", r.id));
    let detail: Value = serde_json::from_str(&r.detail).map_err(|e| corrupt(format!("its detail is not JSON ({e})")))?;
    let lines = |key: &str, custom: bool| -> AppResult<Vec<StoredLine>> {
        let Some(list) = detail.get(key) else { return Ok(Vec::new()) };
        let list = list.as_array().ok_or_else(|| corrupt(format!("{key} is not a list")))?;
        list.iter()
            .enumerate()
            .map(|(i, l)| {
                let amount = |field: &str| -> AppResult<Decimal> {
                    l.get(field).and_then(Value::as_str).and_then(|s| s.parse::<Decimal>().ok()).ok_or_else(|| corrupt(format!("{key}[{i}].{field} is not a decimal amount")))
                };
                let name_field = if custom { "name" } else { "key" };
                let name = l.get(name_field).and_then(Value::as_str).ok_or_else(|| corrupt(format!("{key}[{i}] has no {name_field}")))?.to_owned();
                let (amounts, service_name) = if custom {
                    (Amounts { aws_cost: Decimal::ZERO, proforma: amount("amount")? }, Some(name.clone()))
                } else {
                    let service_name = (key == "byService").then(|| l.get("serviceName").and_then(Value::as_str).map_or_else(|| name.clone(), str::to_owned));
                    (Amounts { aws_cost: amount("awsCost")?, proforma: amount("proformaCost")? }, service_name)
                };
                Ok(StoredLine { key: name, service_name, amounts })
            })
            .collect()
    };
    let (by_service, by_account, custom_line_items) = (lines("byService", false)?, lines("byAccount", false)?, lines("customLineItems", true)?);
    Ok(StoredResult {
        id: r.id,
        billing_group_id: r.billing_group_id,
        billing_period: r.billing_period,
        computed_at: r.computed_at,
        computed_by: r.computed_by,
        reason: r.reason,
        source: r.source,
        currency: r.currency,
        total: Amounts { aws_cost: from_units(r.aws_cost), proforma: from_units(r.proforma_cost) },
        margin: from_units(r.margin),
        by_service,
        by_account,
        custom_line_items,
    })
}

/// Computes every group of a payer for a period and stores the results (operators and up).
pub async fn recompute(scope: &Scope, payer: PayerId, period: &str) -> AppResult<Vec<StoredResult>> {
    let payer = billing_payer(scope, payer, Role::Operator).await?;
    let period = checked_period("billingPeriod", period)?;
    if super::snapshot::closed_periods(&payer).await?.contains(&period) {
        return Err(AppError::Conflict(format!("billing period {period} is closed; its numbers are frozen (reopen it to recompute)")));
    }
    let mut out = Vec::new();
    for group in groups::of_payer(&payer).await? {
        let gp = compute(&payer, &group, &period).await?;
        out.push(read_stored(store(&payer, &group, &gp, &scope.principal().email, "recomputeBilling").await?)?);
    }
    Ok(out)
}

/// A group's stored results for a period, newest first.
pub async fn stored(scope: &Scope, group: Uuid, period: &str) -> AppResult<Vec<StoredResult>> {
    let (group, payer) = groups::find(scope, group, Role::Viewer).await?;
    let period = checked_period("billingPeriod", period)?;
    payer
        .rows::<billing_results::Entity>()
        .filter(billing_results::Column::BillingGroupId.eq(group.group.id))
        .filter(billing_results::Column::BillingPeriod.eq(period))
        .order_by_desc(billing_results::Column::ComputedAt)
        .order_by_desc(billing_results::Column::Id)
        .all()
        .await?
        .into_iter()
        .map(read_stored)
        .collect()
}

/// One group's summary for a period, with Billing Conductor's numbers when it has them.
pub struct GroupSummary {
    pub group: billing_groups::Model,
    pub period: String,
    pub totals: PeriodTotals,
    pub abc: Option<abc_cost_reports::Model>,
}

/// Every group of a payer for a period, computed now on the current configuration.
///
/// `groups` are the payer's groups with their memberships as `groups::list` gave them to the
/// same caller (the Billing page reads them once for its two fields).
pub async fn group_summaries(scope: &Scope, payer: PayerId, period: &str, groups: Vec<Group>) -> AppResult<Vec<GroupSummary>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let period = checked_period("billingPeriod", period)?;
    if let Some(other) = groups.iter().find(|g| g.group.payer_id != payer.id) {
        return Err(AppError::internal(anyhow::anyhow!("billing group {} is not of payer {}", other.group.id, payer.id)));
    }
    // An open period's totals share the payer's tiers and data version; a closed one reads
    // each group's snapshot.
    let totals = if super::snapshot::is_closed(&payer, &period).await? {
        let mut out = Vec::with_capacity(groups.len());
        for group in &groups {
            out.push(totals(&payer, group, &period).await?);
        }
        out
    } else {
        stored_prices::totals_of_payer(&payer, &groups, &period).await?
    };
    // Billing Conductor's newest report per group, in one query.
    let mut abc: BTreeMap<Uuid, abc_cost_reports::Model> = BTreeMap::new();
    let reports = payer
        .rows::<abc_cost_reports::Entity>()
        .filter(abc_cost_reports::Column::BillingGroupId.is_in(groups.iter().map(|g| g.group.id)))
        .filter(abc_cost_reports::Column::BillingPeriod.eq(period.as_str()))
        .order_by_desc(abc_cost_reports::Column::FetchedAt)
        .all()
        .await
        .context("reading Billing Conductor's reports of the payer's groups")?;
    for r in reports {
        abc.entry(r.billing_group_id).or_insert(r);
    }
    Ok(groups
        .into_iter()
        .zip(totals)
        .map(|(group, totals)| {
            let abc = abc.remove(&group.group.id);
            GroupSummary { group: group.group, period: period.clone(), totals, abc }
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Service,
    Account,
    Period,
}

/// One line of a group's report.
#[derive(Debug, Clone)]
pub struct ReportLine {
    pub key: String,
    /// SERVICE grouping: the service's name (the code when the data has none), or the custom
    /// line item's name.
    pub service_name: Option<String>,
    /// A custom line item rather than AWS usage (SERVICE grouping only).
    pub custom_line_item: bool,
    pub amounts: Amounts,
}

pub struct GroupReport {
    pub group: billing_groups::Model,
    pub currency: String,
    pub total: Amounts,
    pub lines: Vec<ReportLine>,
}

/// The billing periods from `from` to `to`, both included.
fn periods(from: &str, to: &str) -> AppResult<Vec<String>> {
    let (from, to) = (checked_period("from", from)?, checked_period("to", to)?);
    if to < from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    let mut out = vec![from];
    while out.last().is_some_and(|p| *p < to) {
        if out.len() >= MAX_PERIODS {
            return Err(AppError::invalid("to", format!("a report spans at most {MAX_PERIODS} billing periods")));
        }
        let next = next_period(out.last().map_or("", String::as_str));
        out.push(next);
    }
    Ok(out)
}

/// A group's AWS cost, pro-forma charge and margin over periods, by service, account or period.
pub async fn group_report(scope: &Scope, group: Uuid, from: &str, to: &str, group_by: GroupBy) -> AppResult<GroupReport> {
    let (group, payer) = groups::find(scope, group, Role::Viewer).await?;
    let mut lines: BTreeMap<(bool, String), Amounts> = BTreeMap::new();
    let mut total = Amounts::default();
    let mut currency = "USD".to_owned();
    let mut names = ServiceNames::new();
    for period in periods(from, to)? {
        let gp = numbers(&payer, &group, &period).await?;
        if gp.source != "none" {
            currency = gp.currency.clone();
        }
        for (code, name) in gp.service_names {
            names.entry(code).or_insert(name);
        }
        let c = gp.computation;
        add(&mut total, c.total);
        match group_by {
            GroupBy::Period => add(lines.entry((false, period)).or_default(), c.total),
            GroupBy::Account => c.by_account.into_iter().for_each(|(k, a)| add(lines.entry((false, k)).or_default(), a)),
            GroupBy::Service => {
                c.by_service.into_iter().for_each(|(k, a)| add(lines.entry((false, k)).or_default(), a));
                for i in c.items {
                    add(lines.entry((true, i.name)).or_default(), Amounts { aws_cost: Decimal::ZERO, proforma: i.amount });
                }
            }
        }
    }
    let lines = lines
        .into_iter()
        .map(|((custom_line_item, key), amounts)| {
            let service_name = match group_by {
                GroupBy::Service if custom_line_item => Some(key.clone()),
                GroupBy::Service => Some(service_label(&key, &names)),
                GroupBy::Account | GroupBy::Period => None,
            };
            ReportLine { key, service_name, custom_line_item, amounts }
        })
        .collect();
    Ok(GroupReport { group: group.group, currency, total, lines })
}

fn add(into: &mut Amounts, a: Amounts) {
    into.aws_cost += a.aws_cost;
    into.proforma += a.proforma;
}

/// What an end customer is charged in one billing group: pro-forma amounts only.
pub struct CustomerCharges {
    pub group_name: String,
    pub currency: String,
    pub total: Decimal,
    /// Per service, then the custom line items by name.
    pub lines: Vec<ChargeLine>,
}

/// One line of a customer's charges.
pub struct ChargeLine {
    /// The service code, or the custom line item's name.
    pub key: String,
    /// The service's name (the code when the data has none); `None` for a custom line item.
    pub service_name: Option<String>,
    pub amount: Decimal,
}

/// Billing groups whose customer tenant is in a subtree the caller holds a role on (of one
/// payer, or of every payer), by name: what an end customer is billed for.
pub async fn customer_groups(scope: &Scope, payer: Option<Uuid>) -> AppResult<Vec<Group>> {
    Ok(customer_groups_in(scope, payer).await?.1)
}

/// [`customer_groups`] with the checked set of their payers, through which they are priced.
pub async fn customer_groups_in(scope: &Scope, payer: Option<Uuid>) -> AppResult<(PayerSet, Vec<Group>)> {
    let mut query = scope.customer_rows::<billing_groups::Entity>(Role::Viewer);
    if let Some(payer) = payer {
        query = query.filter(billing_groups::Column::PayerId.eq(payer));
    }
    groups::of_customers(scope, query.order_by_asc(billing_groups::Column::Name).all().await?).await
}

/// The payers on which the caller's customer tenants have billing groups: the payers whose
/// cost views answer them in their own price, sorted by id.
pub async fn my_payer_ids(scope: &Scope) -> AppResult<Vec<PayerId>> {
    let mut ids: Vec<Uuid> = customer_groups(scope, None).await?.into_iter().map(|g| g.group.payer_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(PayerId).collect())
}

/// The caller's own pro-forma charges: billing groups whose customer tenant is in a subtree the
/// caller holds a role on. Never AWS cost or margin.
pub async fn my_charges(scope: &Scope, period: &str) -> AppResult<Vec<CustomerCharges>> {
    let period = checked_period("billingPeriod", period)?;
    let mut out = Vec::new();
    let (payers, groups) = customer_groups_in(scope, None).await?;
    for group in groups {
        let gp = numbers(&payers.payer(group.group.payer_id)?, &group, &period).await?;
        let c = gp.computation;
        let mut lines: Vec<ChargeLine> = c
            .by_service
            .iter()
            .map(|(k, a)| ChargeLine { key: k.clone(), service_name: Some(service_label(k, &gp.service_names)), amount: present(a.proforma) })
            .collect();
        lines.extend(c.items.iter().map(|i| ChargeLine { key: i.name.clone(), service_name: None, amount: present(i.amount) }));
        out.push(CustomerCharges { group_name: group.group.name, currency: gp.currency, total: present(c.total.proforma), lines });
    }
    Ok(out)
}

#[cfg(test)]
mod stored_tests {
    use super::*;

    fn row(detail: &str) -> billing_results::Model {
        billing_results::Model {
            id: Uuid::nil(),
            payer_id: Uuid::nil(),
            billing_group_id: Uuid::nil(),
            billing_period: "2025-11".into(),
            computed_at: Utc::now(),
            computed_by: "ops@example.com".into(),
            reason: "recomputeBilling".into(),
            source: "cur".into(),
            currency: "USD".into(),
            aws_cost: 12_050_000_000,
            proforma_cost: 13_255_000_000,
            margin: 1_205_000_000,
            detail: detail.into(),
        }
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_stored_result_reads_back_exactly() {
        let detail = r#"{"byService":[{"key":"AmazonEC2","awsCost":"100.5","proformaCost":"110.55","serviceName":"Amazon Elastic Compute Cloud"},{"key":"AWSLambda","awsCost":"20","proformaCost":"22"}],
            "byAccount":[{"key":"012345678901","awsCost":"120.5","proformaCost":"132.55"}],
            "customLineItems":[{"id":"x","name":"Support-fee","chargeType":"FEE","accountId":"012345678901","amount":"-0.005"}]}"#;
        let r = read_stored(row(detail)).unwrap();
        assert_eq!((r.total.aws_cost, r.total.proforma, r.margin), (d("120.5"), d("132.55"), d("12.05")));
        assert_eq!(r.by_service[0], StoredLine { key: "AmazonEC2".into(), service_name: Some("Amazon Elastic Compute Cloud".into()), amounts: Amounts { aws_cost: d("100.5"), proforma: d("110.55") } });
        assert_eq!(r.by_service[1].service_name.as_deref(), Some("AWSLambda"), "stored before names were kept: the code");
        assert_eq!(r.by_account[0].service_name, None);
        assert_eq!(r.custom_line_items[0], StoredLine { key: "Support-fee".into(), service_name: Some("Support-fee".into()), amounts: Amounts { aws_cost: Decimal::ZERO, proforma: d("-0.005") } });
    }

    #[test]
    fn a_corrupt_stored_amount_is_an_error_never_zero() {
        for (detail, says) in [
            (r#"{"byService":[{"key":"AmazonEC2","awsCost":"1O0","proformaCost":"1"}]}"#, "byService[0].awsCost is not a decimal amount"),
            (r#"{"byAccount":[{"key":"012345678901","awsCost":"1"}]}"#, "byAccount[0].proformaCost is not a decimal amount"),
            (r#"{"customLineItems":[{"name":"fee","amount":12.5}]}"#, "customLineItems[0].amount is not a decimal amount"),
            (r#"{"byService":{"key":"AmazonEC2"}}"#, "byService is not a list"),
            ("not json", "its detail is not JSON"),
        ] {
            match read_stored(row(detail)) {
                Err(AppError::Internal(e)) => assert!(format!("{e:#}").contains(says), "{e:#} should say {says}"),
                other => panic!("{detail}: expected an internal error, got {other:?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_result_differs_by_its_amounts_not_by_service_names() {
        use serde_json::json;
        let named = json!({ "byService": [{ "key": "AmazonEC2", "awsCost": "1", "proformaCost": "2", "serviceName": "Amazon Elastic Compute Cloud" }], "byAccount": [], "customLineItems": [] });
        let unnamed = json!({ "byService": [{ "key": "AmazonEC2", "awsCost": "1", "proformaCost": "2" }], "byAccount": [], "customLineItems": [] });
        let repriced = json!({ "byService": [{ "key": "AmazonEC2", "awsCost": "1", "proformaCost": "3" }], "byAccount": [], "customLineItems": [] });
        assert_eq!(super::amounts_only(named.clone()), super::amounts_only(unnamed.clone()));
        assert_ne!(super::amounts_only(named), super::amounts_only(repriced));
    }

    use super::*;

    #[test]
    fn report_periods_are_inclusive_and_bounded() {
        assert_eq!(periods("2025-11", "2026-02").unwrap(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(matches!(periods("2025-11", "2025-10"), Err(AppError::Validation { field: Some(ref f), .. }) if f == "to"));
        assert!(periods("2020-01", "2025-01").is_err());
        assert_eq!(present("12.340000000001".parse().unwrap()).to_string(), "12.34");
    }
}
