//! Month over month with movers, and the month-end forecast, on top of the summary.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use entity::cost_daily;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Func, Query};
use sea_orm::{ColumnTrait, FromQueryResult};

use super::summary::summary_of;
use super::visibility::{PayerView, all_whole, best_sources_monthly, payer_views, periods_between, readable, visible_rows};
use super::{AccountNames, CostFilter, Dimension, Granularity, GroupKey, Metric, ServiceNames, SummaryRequest, month_bounds, summary};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::{PayerSet, Scope};

/// One key's change between two months.
#[derive(Debug, Clone)]
pub struct Change {
    pub key: GroupKey,
    pub current: Decimal,
    pub previous: Decimal,
    pub delta: Decimal,
    /// `None` when the previous month was zero.
    pub delta_percent: Option<Decimal>,
    pub is_new: bool,
    pub is_gone: bool,
}
/// Compares a month with the one before, per group key; with the services' names (either month's).
pub async fn month_over_month(scope: &Scope, payers: Vec<PayerId>, customer: Option<TenantId>, month: &str, group_by: Vec<Dimension>, metric: Metric) -> AppResult<(Vec<Change>, ServiceNames, AccountNames)> {
    if group_by.contains(&Dimension::Tag) {
        return Err(AppError::invalid("groupBy", "TAG is for costSummary (with tagKey), not month over month"));
    }
    let (first, last) = month_bounds(month)?;
    let prev_last = first.pred_opt().ok_or_else(|| AppError::invalid("month", "is out of range"))?;
    let (prev_first, _) = month_bounds(&prev_last.format("%Y-%m").to_string())?;
    let req = |from, to| SummaryRequest {
        payers: payers.clone(),
        from,
        to,
        granularity: Granularity::Month,
        group_by: group_by.clone(),
        metric,
        filter: CostFilter::default(),
        customer,
        tag_key: None,
    };
    let current = summary(scope, req(first, last)).await?;
    let previous = summary(scope, req(prev_first, prev_last)).await?;
    let mut names = current.service_names;
    for (code, name) in previous.service_names {
        names.entry(code).or_insert(name);
    }
    let mut accounts = current.account_names;
    for (id, name) in previous.account_names {
        accounts.entry(id).or_insert(name);
    }
    let mut keys: BTreeMap<GroupKey, (Decimal, Decimal)> = BTreeMap::new();
    for (k, v) in current.groups {
        keys.entry(k).or_default().0 = v;
    }
    for (k, v) in previous.groups {
        keys.entry(k).or_default().1 = v;
    }
    let mut changes: Vec<Change> = keys
        .into_iter()
        .map(|(key, (current, previous))| {
            let delta = current - previous;
            let delta_percent = (!previous.is_zero()).then(|| (delta / previous.abs() * Decimal::ONE_HUNDRED).round_dp(2));
            Change { key, current, previous, delta, delta_percent, is_new: previous.is_zero() && !current.is_zero(), is_gone: current.is_zero() && !previous.is_zero() }
        })
        .collect();
    changes.sort_by(|a, b| b.delta.abs().cmp(&a.delta.abs()).then_with(|| a.key.cmp(&b.key)));
    Ok((changes, names, accounts))
}

/// A month-end projection.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub month_to_date: Decimal,
    pub projected: Decimal,
    pub days_with_data: u32,
    pub days_in_month: u32,
}

/// Month-end projection from the run rate: the cost so far divided by the days that have data
/// (up to the last day with data), times the days in the month. Past months project to their
/// actual total. PRO_FORMA: the month's custom line items are added as they stand, not
/// extrapolated.
pub async fn forecast(scope: &Scope, payers: Vec<PayerId>, customer: Option<TenantId>, month: &str, metric: Metric) -> AppResult<Forecast> {
    let (first, last) = month_bounds(month)?;
    let views = payer_views(scope, &payers, metric, customer).await?;
    // The month's total from the month rollups; the last day with data from the day grain's
    // (payer, date) index, not a scan of the month's days.
    let req = SummaryRequest { payers, from: first, to: last, granularity: Granularity::Month, group_by: vec![], metric, filter: CostFilter::default(), customer, tag_key: None };
    let payers = readable(scope, &views).await?;
    let s = summary_of(&views, &payers, req).await?;
    let last_day = last_day_with_data(&payers, &views, first, last);
    let last_day = if all_whole(&views) {
        // Over whole payers it depends on their cost data alone: kept (see `kept`).
        super::kept::answer(&payers, format!("last day {first} {last}"), last_day).await?
    } else {
        last_day.await?
    };
    let last_day_with_data = last_day.map_or(0, |d| d.day());
    let days_in_month = last.day();
    let projected = if last < Utc::now().date_naive() {
        s.total
    } else if last_day_with_data == 0 {
        s.custom_line_items
    } else {
        let usage = s.total - s.custom_line_items;
        (usage / Decimal::from(last_day_with_data) * Decimal::from(days_in_month) + s.custom_line_items).round_dp(2)
    };
    Ok(Forecast { month_to_date: s.total, projected, days_with_data: last_day_with_data, days_in_month })
}

/// The last day of one month (`first..=last`) with cost the views may see, from the best source:
/// each payer's own latest day (a backward step on the day grain's (payer, date) index; over many
/// payers at once PostgreSQL read every row of the month instead), the latest of them.
async fn last_day_with_data(payers: &PayerSet, views: &[PayerView], first: NaiveDate, last: NaiveDate) -> AppResult<Option<NaiveDate>> {
    #[derive(FromQueryResult)]
    struct LastDay {
        day: Option<NaiveDate>,
    }
    let month = first.format("%Y-%m").to_string();
    let sources = best_sources_monthly(payers, &month, &month).await?;
    let periods = periods_between(first, last);
    let days: Vec<LastDay> = payers
        .aggregate_per_payer("cost_daily", |payer| {
            let own: Vec<&PayerView> = views.iter().filter(|v| v.payer() == payer).collect();
            let mut select = Query::select();
            select
                .expr_as(Func::max(Expr::col(cost_daily::Column::UsageDate)), Alias::new("day"))
                .from(cost_daily::Entity)
                .cond_where(visible_rows(own, &periods))
                .cond_where(sources.rows_of(payer))
                .and_where(cost_daily::Column::UsageDate.gte(first))
                .and_where(cost_daily::Column::UsageDate.lte(last));
            select
        })
        .await?;
    Ok(days.into_iter().filter_map(|d| d.day).max())
}
