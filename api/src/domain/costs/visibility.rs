//! What a caller may see of a payer's cost (a partner the whole payer, an end customer the
//! accounts of their billing groups per period), and which source of the same days counts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use entity::cost_daily;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ColumnTrait, Condition, FromQueryResult, QueryFilter, QuerySelect};

use super::Metric;
use crate::domain::billing::groups::Group;
use crate::domain::billing::{self, results};
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::{PayerSet, Role, Scope};

/// What the caller may see of one payer's cost.
pub(crate) enum PayerView {
    /// A partner-side role (or a grant on the payer): every account, every metric.
    Partner(uuid::Uuid),
    /// End-customer roles only: the accounts of these billing groups (those assigned to the
    /// caller's customer tenants), each in the periods it is a member, and no AWS cost.
    Customer(uuid::Uuid, Vec<Group>),
}

impl PayerView {
    pub(crate) fn payer(&self) -> uuid::Uuid {
        match self {
            Self::Partner(p) | Self::Customer(p, _) => *p,
        }
    }
}

pub(crate) async fn payer_view(scope: &Scope, payer: PayerId) -> AppResult<PayerView> {
    match billing::billing_payer(scope, payer, Role::Viewer).await {
        Ok(p) => Ok(PayerView::Partner(p.id)),
        // The payer hangs on the caller's own customer tenant: theirs, but priced.
        Err(AppError::Forbidden(_)) => Ok(PayerView::Customer(payer.0, results::customer_groups(scope, Some(payer.0)).await?)),
        Err(AppError::NotFound(_)) => {
            let groups = results::customer_groups(scope, Some(payer.0)).await?;
            if groups.is_empty() { Err(AppError::NotFound("payer")) } else { Ok(PayerView::Customer(payer.0, groups)) }
        }
        Err(e) => Err(e),
    }
}

/// Whether every view sees its payer whole (a partner's), none only an end customer's part.
pub(super) fn all_whole(views: &[PayerView]) -> bool {
    views.iter().all(|v| matches!(v, PayerView::Partner(_)))
}

/// The most payers one cost view may name: each costs a few rows of reach and of rollups, and a
/// request's work stays bounded.
pub const MAX_PAYERS_PER_VIEW: usize = 500;

pub(super) const CUSTOMERS_SEE_CHARGES: &str = "end customers see what they are billed: ask for the PRO_FORMA metric (or LIST, public prices), not AWS cost";

/// The payers the caller names, each visible; an AWS-cost metric on a payer the caller sees as
/// an end customer is FORBIDDEN. With `customer`, each view narrows to that customer's billing
/// groups: a partner sees what the customer sees (in any metric, so cost and margin too), an end
/// customer one of their own customers; a customer tenant the caller cannot see is NOT_FOUND.
pub(super) async fn payer_views(scope: &Scope, payers: &[PayerId], metric: Metric, customer: Option<TenantId>) -> AppResult<Vec<PayerView>> {
    if payers.is_empty() {
        return Err(AppError::invalid("payerIds", "name at least one payer"));
    }
    if payers.len() > MAX_PAYERS_PER_VIEW {
        return Err(AppError::invalid("payerIds", format!("name at most {MAX_PAYERS_PER_VIEW} payers")));
    }
    if let Some(t) = customer {
        scope.tenant(t, Role::Viewer).await?;
    }
    // The payers the caller sees whole, checked together; the rest one by one.
    let whole = billing::billing_payers_among(scope, payers, Role::Viewer).await?;
    let mut as_customer = false;
    let mut out: Vec<PayerView> = Vec::with_capacity(payers.len());
    for p in payers {
        if out.iter().any(|v| v.payer() == p.0) {
            continue;
        }
        let view = if whole.contains(p) { PayerView::Partner(p.0) } else { payer_view(scope, *p).await? };
        as_customer |= matches!(view, PayerView::Customer(..));
        out.push(match customer {
            None => view,
            Some(t) => narrowed(scope, view, t).await?,
        });
    }
    if metric.is_aws_cost() && as_customer {
        return Err(AppError::forbidden(CUSTOMERS_SEE_CHARGES));
    }
    Ok(out)
}

/// One customer's part of a view: the payer's billing groups whose customer is `customer`.
async fn narrowed(scope: &Scope, view: PayerView, customer: TenantId) -> AppResult<PayerView> {
    let (payer, groups) = match view {
        PayerView::Partner(p) => (p, billing::groups::of_payer_in(&scope.readable_payers(&[p]).await?, p).await?),
        PayerView::Customer(p, groups) => (p, groups),
    };
    Ok(PayerView::Customer(payer, groups.into_iter().filter(|g| g.group.customer_tenant_id == Some(customer.0)).collect()))
}

/// The payers of the views, as the set a cost read may reach (each checked by the scope).
pub(super) async fn readable(scope: &Scope, views: &[PayerView]) -> AppResult<PayerSet> {
    let payers: Vec<uuid::Uuid> = views.iter().map(PayerView::payer).collect();
    scope.readable_payers(&payers).await
}

/// The billing periods (`YYYY-MM`) that a date range touches, oldest first.
pub(super) fn periods_between(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let mut month = from.with_day(1).unwrap_or(from);
    while month <= to {
        out.push(month.format("%Y-%m").to_string());
        match month.checked_add_months(chrono::Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    out
}

/// Per billing period, the accounts a customer view may see.
pub(super) fn customer_accounts(groups: &[Group], periods: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    periods.iter().map(|p| (p.clone(), groups.iter().flat_map(|g| g.accounts_in(p)).collect())).collect()
}

/// The sources a payer's cost can come from, most complete first. The same days may be loaded
/// from several (a CUR export and the daily Cost Explorer pull, say); per payer and billing
/// period only the best one present is counted, so nothing is counted twice.
pub const SOURCE_PRECEDENCE: [&str; 4] = ["cur", "focus", "ce", "legacy"];

#[derive(Debug, FromQueryResult)]
struct PresentSource {
    payer_id: uuid::Uuid,
    billing_period: String,
    source: String,
}

/// The best source of each payer and billing period present (see [`SOURCE_PRECEDENCE`]), as
/// conditions on `cost_daily`'s column names (which the rollups share).
pub(super) struct BestSources(BTreeMap<(uuid::Uuid, String), String>);

impl BestSources {
    fn of_present(present: Vec<PresentSource>) -> Self {
        let rank = |s: &str| SOURCE_PRECEDENCE.iter().position(|p| *p == s).unwrap_or(SOURCE_PRECEDENCE.len());
        let mut best: BTreeMap<(uuid::Uuid, String), String> = BTreeMap::new();
        for p in present {
            let slot = best.entry((p.payer_id, p.billing_period)).or_insert_with(|| p.source.clone());
            if rank(&p.source) < rank(slot) {
                *slot = p.source;
            }
        }
        Self(best)
    }

    /// Rows of the best source of their payer and period; matches nothing when there is no data.
    pub(super) fn rows(&self) -> Condition {
        self.matching(|_| true)
    }

    /// [`Self::rows`] of one payer only.
    pub(super) fn rows_of(&self, payer: uuid::Uuid) -> Condition {
        self.matching(|p| p == payer)
    }

    /// Per source, its payers whose every period it is best for (one `IN` list: the usual case of
    /// one source per payer), and (payer, periods) pairs for the rest.
    fn matching(&self, wanted: impl Fn(uuid::Uuid) -> bool) -> Condition {
        let mut by_source: BTreeMap<&str, BTreeMap<uuid::Uuid, Vec<&str>>> = BTreeMap::new();
        let mut periods_of: BTreeMap<uuid::Uuid, usize> = BTreeMap::new();
        for ((payer, period), source) in self.0.iter().filter(|((p, _), _)| wanted(*p)) {
            by_source.entry(source).or_default().entry(*payer).or_default().push(period);
            *periods_of.entry(*payer).or_default() += 1;
        }
        if by_source.is_empty() {
            return no_rows();
        }
        let mut any = Condition::any();
        for (source, payers) in by_source {
            let mut rows = Condition::any();
            let (whole, part): (Vec<_>, Vec<_>) = payers.into_iter().partition(|(p, periods)| periods_of.get(p) == Some(&periods.len()));
            if !whole.is_empty() {
                rows = rows.add(cost_daily::Column::PayerId.is_in(whole.into_iter().map(|(p, _)| p)));
            }
            for (payer, periods) in part {
                rows = rows.add(Condition::all().add(cost_daily::Column::PayerId.eq(payer)).add(cost_daily::Column::BillingPeriod.is_in(periods)));
            }
            any = any.add(Condition::all().add(cost_daily::Column::Source.eq(source)).add(rows));
        }
        any
    }
}

/// The best sources per payer and billing period within the dates, from the day grain.
pub(super) async fn best_sources(payers: &PayerSet, from: NaiveDate, to: NaiveDate) -> AppResult<BestSources> {
    let present = payers
        .rows::<cost_daily::Entity>()
        .select_only()
        .column(cost_daily::Column::PayerId)
        .column(cost_daily::Column::BillingPeriod)
        .column(cost_daily::Column::Source)
        .filter(cost_daily::Column::UsageDate.gte(from))
        .filter(cost_daily::Column::UsageDate.lte(to))
        .distinct()
        .into_all::<PresentSource>()
        .await
        .context("finding the cost sources present")?;
    Ok(BestSources::of_present(present))
}

/// The same from the month rollups, for whole months `from..=to` (`YYYY-MM`). Every untagged
/// rollup sums the same day rows, so each holds the same (payer, period, source) triples; the one
/// by service has the fewest rows per month (a few hundred, against tens of thousands by account).
pub(super) async fn best_sources_monthly(payers: &PayerSet, from: &str, to: &str) -> AppResult<BestSources> {
    use sea_orm::sea_query::{ExprTrait as _, Query};
    const ROLLUP: &str = "cost_monthly_service";
    let col = |name: &'static str| Expr::col(Alias::new(name));
    let mut select = Query::select();
    select
        .distinct()
        .columns([Alias::new("payer_id"), Alias::new("billing_period"), Alias::new("source")])
        .from(Alias::new(ROLLUP))
        .and_where(col("usage_month").gte(from))
        .and_where(col("usage_month").lte(to));
    let present: Vec<PresentSource> = payers.aggregate(ROLLUP, select).await.context("finding the cost sources present in a month rollup")?;
    Ok(BestSources::of_present(present))
}

/// A condition matching no row.
fn no_rows() -> Condition {
    Condition::all().add(cost_daily::Column::Source.is_in(Vec::<String>::new()))
}

/// The rows each view may see: a partner's whole payer (one `IN` list for all such payers), a
/// customer's accounts per period.
pub(super) fn visible_rows<'a>(views: impl IntoIterator<Item = &'a PayerView>, periods: &[String]) -> Condition {
    let mut whole: Vec<uuid::Uuid> = Vec::new();
    let mut parts: Vec<Condition> = Vec::new();
    for view in views {
        match view {
            PayerView::Partner(p) => whole.push(*p),
            PayerView::Customer(p, groups) => {
                for (period, accounts) in customer_accounts(groups, periods) {
                    if !accounts.is_empty() {
                        parts.push(Condition::all().add(cost_daily::Column::PayerId.eq(*p)).add(cost_daily::Column::BillingPeriod.eq(period)).add(cost_daily::Column::UsageAccountId.is_in(accounts)));
                    }
                }
            }
        }
    }
    if whole.is_empty() && parts.is_empty() {
        return no_rows();
    }
    let mut any = Condition::any();
    if !whole.is_empty() {
        any = any.add(cost_daily::Column::PayerId.is_in(whole));
    }
    parts.into_iter().fold(any, Condition::add)
}
