//! Cost over time, grouped by account, service, region, usage type, charge type or service
//! category: AWS cost columns summed in SQL (from the month rollups when whole months allow),
//! the pro-forma charge priced by the billing engine.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use entity::{cost_daily, cost_monthly};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ColumnTrait, Condition, FromQueryResult, QueryFilter, QuerySelect};

use super::visibility::{PayerView, all_whole, best_sources, best_sources_monthly, customer_accounts, payer_views, periods_between, readable, visible_rows};
use super::{Metric, ServiceNames, note_service_name, service_category};
use crate::domain::billing::engine::AppliedItem;
use crate::domain::billing::groups::Group;
use crate::domain::billing::{self, results};
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::{PayerId, TenantId};
use crate::money::from_units;
use crate::ingest::tags::SelectedKey;
use crate::tenancy::{PayerSet, Scope};

/// The category given to custom line items (PRO_FORMA only).
pub const CUSTOM_LINE_ITEM_CATEGORY: &str = "Custom line items";

/// A dimension to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    Account,
    Service,
    Region,
    UsageType,
    ChargeType,
    ServiceCategory,
    /// The value of one selected cost allocation key ([`SummaryRequest::tag_key`]).
    Tag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Month,
}

/// Narrows the rows summed.
#[derive(Debug, Clone, Default)]
pub struct CostFilter {
    pub account_ids: Vec<String>,
    pub service_codes: Vec<String>,
    pub regions: Vec<String>,
    pub charge_types: Vec<String>,
    /// Only the cost with one of these values of a selected key.
    pub tag: Option<TagFilter>,
}

/// Cost whose value of `key` is one of `values` (`""`: cost without a value).
#[derive(Debug, Clone)]
pub struct TagFilter {
    pub key: SelectedKey,
    pub values: Vec<String>,
}

/// The values of the grouped dimensions (empty when not grouped by it).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub account_id: String,
    pub service: String,
    pub region: String,
    pub usage_type: String,
    pub charge_type: String,
    pub service_category: String,
    /// Grouped by [`Dimension::Tag`]: the key's value, `""` for cost without one.
    pub tag: String,
}

#[derive(Debug, Clone)]
pub struct SeriesPoint {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    pub key: GroupKey,
    pub amount: Decimal,
}

#[derive(Debug, Clone)]
pub struct CostSummary {
    pub total: Decimal,
    pub series: Vec<SeriesPoint>,
    pub groups: Vec<(GroupKey, Decimal)>,
    pub currency: String,
    /// PRO_FORMA: the custom line items within `total` (not in DAY series).
    pub custom_line_items: Decimal,
    /// PRO_FORMA, partners only: accounts with cost in the range that were in no billing group
    /// in that period; they have no price and are left out.
    pub unpriced_account_ids: Vec<String>,
    /// Grouped by service: the name the data gives each service code (CUR
    /// `product_servicename`/`product_product_name`, FOCUS `ServiceName`, Cost Explorer), for the
    /// codes that have one; see [`service_label`].
    pub service_names: ServiceNames,
    /// Grouped by account: each account's name in its organization (from the last account
    /// sync), for the accounts that have one.
    pub account_names: AccountNames,
}

/// Account id → the account's name.
pub type AccountNames = BTreeMap<String, String>;

pub struct SummaryRequest {
    pub payers: Vec<PayerId>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub granularity: Granularity,
    pub group_by: Vec<Dimension>,
    pub metric: Metric,
    pub filter: CostFilter,
    /// One customer's part only (see `payer_views`).
    pub customer: Option<TenantId>,
    /// The key [`Dimension::Tag`] groups by.
    pub tag_key: Option<SelectedKey>,
}
#[derive(Debug, FromQueryResult)]
struct Row {
    period: String,
    account_id: String,
    service: String,
    region: String,
    usage_type: String,
    charge_type: String,
    currency: String,
    units: i64,
    /// Grouped by service: a name of the service code other than the code itself, if any row has one.
    service_name: Option<String>,
    tag: String,
}

fn dim_expr(grouped: bool, column: &'static str) -> Expr {
    if grouped { Expr::col(Alias::new(column)) } else { Expr::val("") }
}

/// One amount before grouping: a day-grain aggregate, or a custom line item.
pub(super) struct Point {
    /// `YYYY-MM-DD` or `YYYY-MM`; `None` for a custom line item in a DAY summary (it is per
    /// billing period, so it counts in the totals but in no day).
    period: Option<String>,
    account_id: String,
    service: String,
    region: String,
    usage_type: String,
    charge_type: String,
    /// The service's name when the row carries one.
    service_name: Option<String>,
    custom_line_item: bool,
    currency: String,
    amount: Decimal,
    /// The value of the selected key the view is about (`""`: none, or no key asked for).
    pub(super) tag: String,
}

impl From<Row> for Point {
    fn from(r: Row) -> Self {
        Self {
            period: Some(r.period),
            account_id: r.account_id,
            service: r.service,
            region: r.region,
            usage_type: r.usage_type,
            charge_type: r.charge_type,
            service_name: r.service_name,
            custom_line_item: false,
            currency: r.currency,
            amount: from_units(r.units),
            tag: r.tag,
        }
    }
}

impl Point {
    /// The same amount with the opposite sign and no tag value: added beside a tagged point,
    /// it takes the tagged part out of the cost without a value.
    pub(super) fn untagged_remainder(&self) -> Self {
        Self {
            period: self.period.clone(),
            account_id: self.account_id.clone(),
            service: self.service.clone(),
            region: self.region.clone(),
            usage_type: self.usage_type.clone(),
            charge_type: self.charge_type.clone(),
            service_name: self.service_name.clone(),
            custom_line_item: false,
            currency: self.currency.clone(),
            amount: -self.amount,
            tag: String::new(),
        }
    }
}
/// Whole months, by dimensions the month rollup keeps: it answers instead of the day grain.
pub(super) fn rollup_months(req: &SummaryRequest) -> Option<(String, String)> {
    let whole_months = req.from.day() == 1 && req.to.succ_opt().is_some_and(|next| next.day() == 1);
    let kept = !req.group_by.iter().any(|d| matches!(d, Dimension::Region | Dimension::UsageType)) && req.filter.regions.is_empty();
    (req.granularity == Granularity::Month && whole_months && kept).then(|| (req.from.format("%Y-%m").to_string(), req.to.format("%Y-%m").to_string()))
}

/// Sums of a stored cost column, per period and the grouped dimensions, in SQL.
/// With `tagged`, the tagged parts of that key instead, each point with its value.
async fn column_points(payers: &PayerSet, views: &[PayerView], req: &SummaryRequest, column: &str, periods: &[String], tagged: Option<&SelectedKey>) -> AppResult<Vec<Point>> {
    if let Some((from, to)) = rollup_months(req) {
        return monthly_points(payers, views, req, (column, periods), (&from, &to), tagged).await;
    }
    day_points(payers, views, req, column, periods, tagged).await
}

/// [`column_points`] from the day grain; with `tagged`, from the tagged parts of that key
/// (`cost_daily_tags`, which shares the day grain's columns), each point with its value.
async fn day_points(payers: &PayerSet, views: &[PayerView], req: &SummaryRequest, column: &str, periods: &[String], tagged: Option<&SelectedKey>) -> AppResult<Vec<Point>> {
    use sea_orm::ActiveEnum as _;
    use sea_orm::sea_query::{ExprTrait as _, Query};
    let sources = best_sources(payers, req.from, req.to).await?;
    let has = |d: Dimension| req.group_by.contains(&d);
    let by_service = has(Dimension::Service) || has(Dimension::ServiceCategory);
    let period = match req.granularity {
        Granularity::Day => Expr::cust("CAST(usage_date AS TEXT)"),
        Granularity::Month => Expr::cust("SUBSTR(CAST(usage_date AS TEXT), 1, 7)"),
    };
    let col = |name: &'static str| Expr::col(Alias::new(name));
    let table = if tagged.is_some() { "cost_daily_tags" } else { "cost_daily" };
    let mut select = Query::select();
    // Named as the day grain: the visibility and source conditions are written on its columns.
    select
        .from_as(Alias::new(table), Alias::new("cost_daily"))
        .expr_as(period.clone(), Alias::new("period"))
        .expr_as(dim_expr(has(Dimension::Account), "usage_account_id"), Alias::new("account_id"))
        .expr_as(dim_expr(by_service, "service_code"), Alias::new("service"))
        .expr_as(dim_expr(has(Dimension::Region), "region"), Alias::new("region"))
        .expr_as(dim_expr(has(Dimension::UsageType), "usage_type"), Alias::new("usage_type"))
        .expr_as(dim_expr(has(Dimension::ChargeType), "charge_type"), Alias::new("charge_type"))
        .expr_as(col("currency"), Alias::new("currency"))
        .expr_as(Expr::cust(format!("CAST(SUM({column}) AS BIGINT)")), Alias::new("units"))
        // The name comes with the sums: no query per row or per service. Ingestion stores the
        // code as the name when the source has none; such rows give no name here.
        .expr_as(
            Expr::cust(if by_service { "MAX(CASE WHEN service_name <> service_code THEN service_name END)" } else { "CAST(NULL AS TEXT)" }),
            Alias::new("service_name"),
        )
        .expr_as(dim_expr(tagged.is_some(), "tag_value"), Alias::new("tag"))
        .cond_where(
            Condition::all()
                .add(visible_rows(views, periods))
                .add(sources.rows())
                .add(cost_daily::Column::UsageDate.gte(req.from))
                .add(cost_daily::Column::UsageDate.lte(req.to)),
        );
    if let Some(key) = tagged {
        select.and_where(col("key_kind").eq(key.kind.to_value())).and_where(col("key_name").eq(key.name.as_str()));
    }
    let f = &req.filter;
    for (values, column) in [(&f.account_ids, "usage_account_id"), (&f.service_codes, "service_code"), (&f.regions, "region"), (&f.charge_types, "charge_type")] {
        if !values.is_empty() {
            select.and_where(col(column).is_in(values.clone()));
        }
    }
    select.add_group_by([period, col("currency")]);
    for (grouped, column) in [
        (has(Dimension::Account), "usage_account_id"),
        (by_service, "service_code"),
        (has(Dimension::Region), "region"),
        (has(Dimension::UsageType), "usage_type"),
        (has(Dimension::ChargeType), "charge_type"),
        (tagged.is_some(), "tag_value"),
    ] {
        if grouped {
            select.group_by_col(Alias::new(column));
        }
    }
    let rows: Vec<Row> = payers.aggregate("cost_daily", select).await.context("summing day-grain cost")?;
    Ok(rows.into_iter().map(Point::from).collect())
}

/// `column_points` from the month rollup (`rollup_months` says when): the same sums, read from
/// one row per account, service, charge type and month instead of one per day and line kind.
async fn monthly_points(
    payers: &PayerSet,
    views: &[PayerView],
    req: &SummaryRequest,
    (column, periods): (&str, &[String]),
    (from, to): (&str, &str),
    tagged: Option<&SelectedKey>,
) -> AppResult<Vec<Point>> {
    use sea_orm::sea_query::{ExprTrait as _, Query};
    let has = |d: Dimension| req.group_by.contains(&d);
    // Whole payers, no account asked for: the rollup by service, a few hundred rows a month.
    let whole_payers = all_whole(views) && !has(Dimension::Account) && req.filter.account_ids.is_empty();
    let by_service = has(Dimension::Service) || has(Dimension::ServiceCategory);
    // Neither by service nor by charge type: the rollup by account alone, one row per account
    // and month (the one by account and service has hundreds).
    let by_charge_type = has(Dimension::ChargeType) || !req.filter.charge_types.is_empty();
    let table = if tagged.is_some() {
        "cost_monthly_tags"
    } else if whole_payers {
        "cost_monthly_service"
    } else if !by_service && !by_charge_type && req.filter.service_codes.is_empty() {
        "cost_monthly_account"
    } else {
        "cost_monthly"
    };
    // The tagged parts count from the source the whole counts from.
    let sources = best_sources_monthly(payers, from, to).await?;
    let col = |name: &'static str| Expr::col(Alias::new(name));
    let mut select = Query::select();
    // Named as the day grain: the visibility and source conditions are written on its columns,
    // which the rollups share.
    select
        .from_as(Alias::new(table), Alias::new("cost_daily"))
        .expr_as(col("usage_month"), Alias::new("period"))
        .expr_as(dim_expr(has(Dimension::Account), "usage_account_id"), Alias::new("account_id"))
        .expr_as(dim_expr(by_service, "service_code"), Alias::new("service"))
        .expr_as(Expr::val(""), Alias::new("region"))
        .expr_as(Expr::val(""), Alias::new("usage_type"))
        .expr_as(dim_expr(has(Dimension::ChargeType), "charge_type"), Alias::new("charge_type"))
        .expr_as(col("currency"), Alias::new("currency"))
        .expr_as(Expr::cust(format!("CAST(SUM({column}) AS BIGINT)")), Alias::new("units"))
        .expr_as(Expr::cust(if by_service { "MAX(service_name)" } else { "CAST(NULL AS TEXT)" }), Alias::new("service_name"))
        .expr_as(dim_expr(tagged.is_some(), "tag_value"), Alias::new("tag"))
        .cond_where(
            Condition::all()
                .add(visible_rows(views, periods))
                .add(sources.rows())
                .add(col("usage_month").gte(from))
                .add(col("usage_month").lte(to)),
        );
    if let Some(key) = tagged {
        use sea_orm::ActiveEnum as _;
        select.and_where(col("key_kind").eq(key.kind.to_value())).and_where(col("key_name").eq(key.name.as_str()));
    }
    let f = &req.filter;
    for (values, column) in [(&f.account_ids, "usage_account_id"), (&f.service_codes, "service_code"), (&f.charge_types, "charge_type")] {
        if !values.is_empty() {
            select.and_where(col(column).is_in(values.clone()));
        }
    }
    select.group_by_col(Alias::new("usage_month")).group_by_col(Alias::new("currency"));
    for (grouped, column) in [(has(Dimension::Account), "usage_account_id"), (by_service, "service_code"), (has(Dimension::ChargeType), "charge_type"), (tagged.is_some(), "tag_value")] {
        if grouped {
            select.group_by_col(Alias::new(column));
        }
    }
    let rows: Vec<Row> = payers.aggregate("cost_daily", select).await.context("summing a month rollup")?;
    Ok(rows.into_iter().map(Point::from).collect())
}

/// What the pro-forma path found besides the points.
#[derive(Default)]
struct Priced {
    points: Vec<Point>,
    unpriced_account_ids: BTreeSet<String>,
}

/// Pro-forma charges: every row of each visible billing group, priced by the billing engine
/// (so the numbers are the billing report's), plus the groups' custom line items per period.
async fn proforma_points(views: &[PayerView], payers: &PayerSet, req: &SummaryRequest, periods: &[String]) -> AppResult<Priced> {
    let f = &req.filter;
    let kept = |values: &Vec<String>, v: &str| values.is_empty() || values.iter().any(|x| x == v);
    // Whole months by dimensions the pricing rollup keeps: price its month sums, not the days.
    let months = rollup_months(req);
    let grain = if months.is_some() { results::Grain::Month } else { results::Grain::Day };
    // Stored prices keep lines by usage month, account and service: enough for whole months by
    // account, service or category, filtered by account or service; and totals per usage month,
    // enough for a trend of whole months without a filter.
    let stored_lines_answer = months.is_some() && !req.group_by.contains(&Dimension::ChargeType) && f.charge_types.is_empty();
    let stored_totals_answer = stored_lines_answer && req.group_by.is_empty() && f.account_ids.is_empty() && f.service_codes.is_empty() && f.regions.is_empty();
    let mut out = Priced::default();
    for view in views {
        let groups = match view {
            PayerView::Partner(p) => billing::groups::of_payer_in(payers, *p).await?,
            PayerView::Customer(_, groups) => groups.clone(),
        };
        let payer = payers.payer(view.payer())?;
        // Closed months are priced as before here; only open ones have stored prices.
        let closed = if stored_lines_answer { billing::snapshot::closed_periods(&payer).await? } else { Vec::new() };
        for period in periods {
            for group in &groups {
                let (rows, currency, items) = if stored_totals_answer && !closed.contains(period) {
                    month_rows(billing::stored_prices::months(&payer, group, period).await.context("reading a billing group's stored price")?)
                } else if stored_lines_answer && !closed.contains(period) {
                    stored_rows(billing::stored_prices::period(&payer, group, period).await.context("reading a billing group's stored price")?)
                } else {
                    let priced = results::priced(&payer, group, period, grain).await.context("pricing a billing group's period")?;
                    (priced.rows, priced.numbers.currency, priced.numbers.computation.items)
                };
                out.points.extend(rows.into_iter().filter_map(|row| priced_point(req, months.as_ref(), row, String::new())));
                // Custom line items belong to a period, not a service, region or day: a filter
                // on those leaves them out.
                if !f.service_codes.is_empty() || !f.regions.is_empty() {
                    continue;
                }
                for item in items {
                    let charge_type = if item.charge == crate::domain::billing::engine::ItemCharge::Credit { "Credit" } else { "Fee" };
                    if !kept(&f.account_ids, &item.account_id) || !kept(&f.charge_types, charge_type) {
                        continue;
                    }
                    out.points.push(Point {
                        period: (req.granularity == Granularity::Month).then(|| period.clone()),
                        account_id: item.account_id,
                        service: item.name,
                        region: String::new(),
                        usage_type: String::new(),
                        charge_type: charge_type.to_owned(),
                        service_name: None,
                        custom_line_item: true,
                        currency: currency.clone(),
                        amount: item.amount,
                        tag: String::new(),
                    });
                }
            }
        }
        if let PayerView::Partner(p) = view {
            out.unpriced_account_ids.extend(unpriced_accounts(payers, *p, &groups, req, periods).await?);
        }
    }
    Ok(out)
}

/// A priced row as a point of the view, when it is in the range and passes the filter.
pub(super) fn priced_point(req: &SummaryRequest, months: Option<&(String, String)>, row: results::PricedRow, tag: String) -> Option<Point> {
    let f = &req.filter;
    let kept = |values: &Vec<String>, v: &str| values.is_empty() || values.iter().any(|x| x == v);
    let in_range = match row.usage_date {
        Some(day) => day >= req.from && day <= req.to,
        None => months.is_some_and(|(from, to)| row.usage_month >= *from && row.usage_month <= *to),
    };
    let matches = kept(&f.account_ids, &row.account_id) && kept(&f.service_codes, &row.service_code) && kept(&f.regions, &row.region) && kept(&f.charge_types, &row.charge_type);
    if !in_range || !matches {
        return None;
    }
    let period = match (req.granularity, row.usage_date) {
        (Granularity::Day, Some(day)) => day.format("%Y-%m-%d").to_string(),
        _ => row.usage_month,
    };
    Some(Point {
        period: Some(period),
        account_id: row.account_id,
        service: row.service_code,
        region: row.region,
        usage_type: row.usage_type,
        charge_type: row.charge_type,
        service_name: row.service_name,
        custom_line_item: false,
        currency: row.currency,
        amount: row.charge,
        tag,
    })
}

/// A priced period's rows, currency and custom line items.
type PricedParts = (Vec<results::PricedRow>, String, Vec<AppliedItem>);

/// A month-grain row of a stored price: no day, region, usage or charge type.
fn month_row(usage_month: String, account_id: String, service_code: String, service_name: Option<String>, currency: &str, charge: Decimal, aws_cost: Decimal) -> results::PricedRow {
    let mut row = results::PricedRow::unpriced(None, usage_month, account_id, service_code, service_name);
    (row.currency, row.charge, row.aws_cost) = (currency.to_owned(), charge, aws_cost);
    row
}

/// A stored price's lines as the month-grain rows they sum.
fn stored_rows(stored: billing::stored_prices::StoredPeriod) -> PricedParts {
    let n = stored.numbers;
    let rows = stored
        .lines
        .into_iter()
        .map(|l| {
            let name = n.service_names.get(&l.service_code).cloned();
            month_row(l.usage_month, l.account_id, l.service_code, name, &n.currency, l.charge, l.aws_cost)
        })
        .collect();
    (rows, n.currency, n.computation.items)
}

/// A stored price's totals per usage month as one row each (for views grouped by nothing).
fn month_rows(stored: billing::stored_prices::PeriodMonths) -> PricedParts {
    let rows = stored.months.into_iter().map(|m| month_row(m.usage_month, String::new(), String::new(), None, &stored.currency, m.charge, m.aws_cost)).collect();
    (rows, stored.currency, stored.items)
}

/// A partner's accounts with cost in the range but in no billing group in that period.
async fn unpriced_accounts(payers: &PayerSet, payer: uuid::Uuid, groups: &[Group], req: &SummaryRequest, periods: &[String]) -> AppResult<Vec<String>> {
    let present: Vec<(String, String)> = match rollup_months(req) {
        // Whole months: the rollup by account has the same accounts in far fewer rows.
        Some((from, to)) => {
            payers
                .rows::<cost_monthly::Entity>()
                .select_only()
                .column(cost_monthly::Column::BillingPeriod)
                .column(cost_monthly::Column::UsageAccountId)
                .distinct()
                .filter(cost_monthly::Column::PayerId.eq(payer))
                .filter(cost_monthly::Column::Source.is_in(results::SOURCES.to_vec()))
                .filter(cost_monthly::Column::BillingPeriod.is_in(periods.to_vec()))
                .filter(cost_monthly::Column::UsageMonth.gte(from))
                .filter(cost_monthly::Column::UsageMonth.lte(to))
                .tuples()
                .await?
        }
        None => {
            payers
                .rows::<cost_daily::Entity>()
                .select_only()
                .column(cost_daily::Column::BillingPeriod)
                .column(cost_daily::Column::UsageAccountId)
                .distinct()
                .filter(cost_daily::Column::PayerId.eq(payer))
                .filter(cost_daily::Column::Source.is_in(results::SOURCES.to_vec()))
                .filter(cost_daily::Column::BillingPeriod.is_in(periods.to_vec()))
                .filter(cost_daily::Column::UsageDate.gte(req.from))
                .filter(cost_daily::Column::UsageDate.lte(req.to))
                .tuples()
                .await?
        }
    };
    let grouped = customer_accounts(groups, periods);
    Ok(present.into_iter().filter(|(period, account)| !grouped.get(period).is_some_and(|a| a.contains(account))).map(|(_, a)| a).collect())
}

/// Cost over time, grouped, for the payers the caller names (each must be visible).
pub async fn summary(scope: &Scope, req: SummaryRequest) -> AppResult<CostSummary> {
    if req.to < req.from {
        return Err(AppError::invalid("to", "must not be before from"));
    }
    if (req.to - req.from).num_days() > 800 {
        return Err(AppError::invalid("to", "the range may span at most 800 days"));
    }
    let views = payer_views(scope, &req.payers, req.metric, req.customer).await?;
    let payers = readable(scope, &views).await?;
    let by_account = req.group_by.contains(&Dimension::Account);
    let mut s = summary_of(&views, &payers, req).await?;
    if by_account {
        let ids: BTreeSet<String> = s.groups.iter().map(|(k, _)| k.account_id.clone()).filter(|a| !a.is_empty()).collect();
        s.account_names = account_names(&payers, ids).await?;
    }
    Ok(s)
}

/// The names of these accounts under these payers (the accounts a view already shows): by id
/// for a few, else every named account of the payers, read once (a list of thousands of ids cost
/// PostgreSQL tens of milliseconds per statement to take in, on an empty table).
async fn account_names(payers: &PayerSet, ids: BTreeSet<String>) -> AppResult<AccountNames> {
    const BY_ID: usize = 100;
    let mut out = AccountNames::new();
    if ids.len() > BY_ID {
        let rows: Vec<(String, String)> = payers
            .rows::<entity::linked_accounts::Entity>()
            .select_only()
            .column(entity::linked_accounts::Column::AccountId)
            .column(entity::linked_accounts::Column::Name)
            .filter(entity::linked_accounts::Column::Name.ne(""))
            .tuples()
            .await
            .context("reading account names")?;
        for (id, name) in rows.into_iter().filter(|(id, _)| ids.contains(id)) {
            out.entry(id).or_insert(name);
        }
        return Ok(out);
    }
    let ids: Vec<String> = ids.into_iter().collect();
    for chunk in ids.chunks(BY_ID) {
        let rows: Vec<(String, String)> = payers
            .rows::<entity::linked_accounts::Entity>()
            .select_only()
            .column(entity::linked_accounts::Column::AccountId)
            .column(entity::linked_accounts::Column::Name)
            .filter(entity::linked_accounts::Column::AccountId.is_in(chunk.to_vec()))
            .tuples()
            .await
            .context("reading account names")?;
        for (id, name) in rows.into_iter().filter(|(_, n)| !n.is_empty()) {
            out.entry(id).or_insert(name);
        }
    }
    Ok(out)
}

/// [`summary`] for payers already resolved to what the caller may see of them (`payers`: the
/// views' payers as the set a cost read may reach).
pub(super) async fn summary_of(views: &[PayerView], payers: &PayerSet, req: SummaryRequest) -> AppResult<CostSummary> {
    let periods = periods_between(req.from, req.to);
    // A customer naming an account that is none of theirs in the range: not found.
    for view in views {
        if let PayerView::Customer(_, groups) = view {
            let theirs: BTreeSet<String> = customer_accounts(groups, &periods).into_values().flatten().collect();
            if req.filter.account_ids.iter().any(|a| !theirs.contains(a)) {
                return Err(AppError::NotFound("account"));
            }
        }
    }
    let key = super::tags::key_of(&req)?;
    if let Some(key) = &key {
        super::tags::check_selected(payers, views, key).await?;
    }
    // Sums of a stored column over whole payers depend on their cost data alone: kept.
    let whole_payers = all_whole(views);
    if whole_payers && key.is_none() && req.filter.tag.is_none() && req.metric.column().is_some() {
        let f = &req.filter;
        let question = format!(
            "summary {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            req.from, req.to, req.granularity, req.group_by, req.metric, f.account_ids, f.service_codes, f.regions, f.charge_types
        );
        return super::kept::answer(payers, question, sum_of(views, payers, req, &periods, None)).await;
    }
    sum_of(views, payers, req, &periods, key).await
}

/// [`summary_of`] once the request is checked (`key`: the tag key grouped or filtered by).
async fn sum_of(views: &[PayerView], payers: &PayerSet, req: SummaryRequest, periods: &[String], key: Option<SelectedKey>) -> AppResult<CostSummary> {
    let (mut points, unpriced) = match req.metric.column() {
        Some(column) => (column_points(payers, views, &req, column, periods, None).await?, Vec::new()),
        None => {
            let priced = proforma_points(views, payers, &req, periods).await?;
            (priced.points, priced.unpriced_account_ids.into_iter().collect())
        }
    };
    if let Some(key) = &key {
        // The tagged parts with their values, and the same taken out of the cost without one.
        let tagged = match req.metric.column() {
            Some(column) => column_points(payers, views, &req, column, periods, Some(key)).await?,
            None => super::tags::proforma_points(views, payers, &req, periods, key).await?,
        };
        points.extend(tagged.iter().map(Point::untagged_remainder));
        points.extend(tagged);
        if let Some(filter) = &req.filter.tag {
            points.retain(|p| filter.values.contains(&p.tag));
        }
    }
    let mut summary = fold(points, &req.group_by)?;
    summary.unpriced_account_ids = unpriced;
    Ok(summary)
}

/// Groups the points by the requested dimensions (service category derived here).
fn fold(points: Vec<Point>, group_by: &[Dimension]) -> AppResult<CostSummary> {
    let has = |d: Dimension| group_by.contains(&d);
    let currencies: BTreeSet<&str> = points.iter().map(|p| p.currency.as_str()).collect();
    if currencies.len() > 1 {
        return Err(AppError::invalid("payerIds", "these payers bill in different currencies; ask for one currency at a time"));
    }
    let currency = currencies.into_iter().next().unwrap_or("USD").to_owned();
    let mut series: BTreeMap<(String, GroupKey), Decimal> = BTreeMap::new();
    let mut groups: BTreeMap<GroupKey, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    let mut custom_line_items = Decimal::ZERO;
    let mut service_names = ServiceNames::new();
    for p in points {
        if let (true, Some(name)) = (has(Dimension::Service), &p.service_name) {
            note_service_name(&mut service_names, &p.service, name);
        }
        let category = if p.custom_line_item { CUSTOM_LINE_ITEM_CATEGORY } else { service_category(&p.service) };
        let key = GroupKey {
            account_id: if has(Dimension::Account) { p.account_id } else { String::new() },
            service: if has(Dimension::Service) { p.service } else { String::new() },
            region: if has(Dimension::Region) { p.region } else { String::new() },
            usage_type: if has(Dimension::UsageType) { p.usage_type } else { String::new() },
            charge_type: if has(Dimension::ChargeType) { p.charge_type } else { String::new() },
            service_category: if has(Dimension::ServiceCategory) { category.to_owned() } else { String::new() },
            tag: if has(Dimension::Tag) { p.tag } else { String::new() },
        };
        *groups.entry(key.clone()).or_default() += p.amount;
        total += p.amount;
        if p.custom_line_item {
            custom_line_items += p.amount;
        }
        if let Some(period) = p.period {
            *series.entry((period, key)).or_default() += p.amount;
        }
    }
    let mut groups: Vec<(GroupKey, Decimal)> = groups.into_iter().map(|(k, v)| (k, results::present(v))).collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(CostSummary {
        total: results::present(total),
        series: series.into_iter().map(|((period, key), v)| SeriesPoint { period, key, amount: results::present(v) }).collect(),
        groups,
        currency,
        custom_line_items: results::present(custom_line_items),
        unpriced_account_ids: Vec::new(),
        service_names,
        account_names: AccountNames::new(),
    })
}
