//! Optimization insights: each connected payer's Cost Optimization Hub recommendations, pulled
//! daily through the payer's role by a durable job and stored whole, shown per customer (the
//! accounts of the customer's billing groups this month) and across customers for the partner.
//!
//! Savings are AWS's estimates at the payer's AWS prices, per currency; they are the same
//! numbers for the partner and the customer (no pricing is applied to them).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use entity::optimization_hub_states::{self as states, HubStatus};
use entity::{optimization_recommendations as recs, payers, tenants};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::aws::cost_optimization_hub::{Enrollment, HubRecommendation};
use crate::aws::error::AwsErrorKind;
use crate::domain::billing::groups::{self, Group};
use crate::domain::billing::{self, current_period};
use crate::domain::cost_pull::payer_job;
use crate::domain::jobs::{JobView, enqueue_requested};
use crate::domain::costs::{PayerView, payer_view};
use crate::domain::payers as payer_domain;
use crate::error::{AppError, AppResult, Context as _};
use crate::ids::{PayerId, TenantId};
use crate::jobs::{JobContext, Step};
use crate::money::{from_units, to_units};
use crate::tenancy::{PayerAccess, PayerRead, PayerSet, PayerTransactions, PlatformPayer, Role, Scope};

/// Pulls one payer's recommendations.
pub const PULL_INSIGHTS: &str = "optimization.pull";
/// Daily: one pull per connected payer.
pub const PULL_ALL_INSIGHTS: &str = "optimization.pull_all";
/// Recommendations kept per payer; a payer with more is marked truncated.
pub const MAX_RECOMMENDATIONS: usize = 10_000;
/// Recommendations listed per request at most.
pub const MAX_LISTED: u64 = 500;
/// Payers summed in one cross-payer answer at most.
pub const MAX_PAYERS: u64 = 200;
/// Rows per INSERT: 19 parameters a row stays far under SQLite's bound-variable limit.
const BATCH: usize = 500;
const SESSION: &str = "pb-optimization-pull";

/// The insights pull's arguments.
#[derive(Serialize, Deserialize)]
pub struct InsightsArgs {
    payer_id: Uuid,
    /// The AWS session name: the requesting user's, or the platform's for the daily pull.
    #[serde(default)]
    session: Option<String>,
}

impl crate::jobs::JobArgs for InsightsArgs {
    const KIND: &'static str = PULL_INSIGHTS;
}

crate::jobs::no_job_args! {
    /// The daily schedule's arguments: none (it enqueues a pull per connected payer).
    pub DailyInsights, PULL_ALL_INSIGHTS
}

/// Enqueues a pull of the payer's recommendations now (partner operators).
pub async fn request_pull(state: &JobContext, scope: &Scope, payer: PayerId) -> AppResult<JobView> {
    // The payer's own operators: the partner's, or a customer's on the payer it connected itself.
    let payer = scope.payer(payer, Role::Operator).await?;
    payer_domain::require_aws_access(&payer)?;
    if payer.status != payer_domain::PayerStatus::Connected {
        return Err(AppError::invalid("payerId", "the payer is not connected yet (checkPayerConnection)"));
    }
    let session = Some(crate::aws::credentials::session_name(&scope.principal().email));
    enqueue_requested(state, scope, &payer, payer_job(&payer, &InsightsArgs { payer_id: payer.id, session })?).await
}

/// The daily schedule's step: one pull per connected payer and day.
pub async fn enqueue_daily(state: &JobContext) -> AppResult<Step<DailyInsights>> {
    let today = Utc::now().date_naive();
    let payers = state.platform().payers().filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected)).all().await?;
    for payer in &payers {
        let mut job = payer_job(payer, &InsightsArgs { payer_id: payer.id, session: None })?;
        job.idempotency_key = Some(format!("coh-daily:{}:{today}", payer.id));
        state.enqueue(job).await?;
    }
    Ok(Step::Done(json!({ "payers": payers.len(), "day": today })))
}

/// The pull: enrollment, then every recommendation (up to [`MAX_RECOMMENDATIONS`]), stored in
/// one transaction that replaces the payer's previous ones. A payer that has not turned Cost
/// Optimization Hub on, or whose role may not read it, keeps no recommendations and says why.
pub async fn run_pull(state: &JobContext, p: InsightsArgs) -> AppResult<Step<InsightsArgs>> {
    let Some(payer) = state.platform().find_payer(PayerId(p.payer_id)).await? else {
        return Ok(Step::Done(json!({ "skipped": "the payer was removed" })));
    };
    if payer.status != payer_domain::PayerStatus::Connected {
        return Ok(Step::Done(json!({ "skipped": format!("the payer is {}", sea_orm::ActiveEnum::to_value(&payer.status)) })));
    }
    let session = p.session.clone().unwrap_or_else(|| SESSION.to_owned());
    let creds = payer_domain::credentials(&payer, &state.aws, &session).await?;
    let hub = &state.aws.cost_optimization_hub;
    let pulled = match hub.enrollment(&creds).await {
        Ok(Enrollment::Active { member_accounts }) => hub.recommendations(&creds, MAX_RECOMMENDATIONS).await.map(|r| (member_accounts, r)),
        Ok(Enrollment::Inactive) => {
            store(&payer, Outcome::Off(HubStatus::Inactive, None)).await?;
            return Ok(Step::Done(json!({ "enrollment": "INACTIVE", "recommendations": 0 })));
        }
        Err(e) => Err(e),
    };
    match pulled {
        Ok((member_accounts, found)) => {
            let count = found.items.len();
            store(&payer, Outcome::Active { member_accounts, truncated: found.truncated, items: found.items }).await?;
            Ok(Step::Done(json!({ "enrollment": "ACTIVE", "recommendations": count, "pages": found.pages, "truncated": found.truncated })))
        }
        Err(e) if e.kind == AwsErrorKind::AccessDenied => {
            store(&payer, Outcome::Off(HubStatus::AccessDenied, Some(e.to_string()))).await?;
            Ok(Step::Done(json!({ "enrollment": "ACCESS_DENIED", "recommendations": 0 })))
        }
        Err(e) => {
            let e = AppError::from(e);
            // A failure that will not pass by itself is shown; a throttle is retried by the job.
            if !e.is_transient() {
                store(&payer, Outcome::Off(HubStatus::Failed, Some(e.to_string()))).await?;
            }
            Err(e.context("pulling Cost Optimization Hub recommendations"))
        }
    }
}

enum Outcome {
    Active { member_accounts: bool, truncated: bool, items: Vec<HubRecommendation> },
    /// Nothing to keep: why, and what AWS said.
    Off(HubStatus, Option<String>),
}

async fn store(payer: &PlatformPayer, outcome: Outcome) -> AppResult<()> {
    let now = Utc::now();
    let txn = payer.begin_write().await?;
    txn.delete::<recs::Entity>().exec().await?;
    let (status, member_accounts, truncated, count, error) = match outcome {
        Outcome::Active { member_accounts, truncated, items } => {
            for chunk in items.chunks(BATCH) {
                let mut rows = Vec::with_capacity(chunk.len());
                for r in chunk {
                    rows.push(recs::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        payer_id: Set(payer.id),
                        recommendation_id: Set(clip(&r.id, 256)),
                        account_id: Set(r.account_id.clone()),
                        region: Set(clip(&r.region, 32)),
                        resource_id: Set(clip(&r.resource_id, 1024)),
                        resource_type: Set(clip(&r.resource_type, 64)),
                        action_type: Set(clip(&r.action_type, 64)),
                        current_summary: Set(clip(&r.current_summary, 512)),
                        recommended_summary: Set(clip(&r.recommended_summary, 512)),
                        implementation_effort: Set(clip(&r.implementation_effort, 32)),
                        restart_needed: Set(r.restart_needed),
                        rollback_possible: Set(r.rollback_possible),
                        estimated_monthly_savings: Set(to_units(r.monthly_savings)?),
                        estimated_monthly_cost: Set(to_units(r.monthly_cost)?),
                        currency: Set(clip(&r.currency, 3)),
                        last_refreshed_at: Set(r.last_refreshed_at),
                        pulled_at: Set(now),
                    });
                }
                // AWS lists a recommendation once; a repeat across pages keeps the first.
                txn.insert_all_unless_present(rows, &[recs::Column::PayerId, recs::Column::RecommendationId]).await?;
            }
            let count = txn.rows::<recs::Entity>().count().await?;
            (HubStatus::Active, member_accounts, truncated, count, None)
        }
        Outcome::Off(status, error) => (status, false, false, 0, error),
    };
    let row = states::ActiveModel {
        payer_id: Set(payer.id),
        status: Set(status),
        member_accounts_included: Set(member_accounts),
        recommendations: Set(i64::try_from(count).unwrap_or(i64::MAX)),
        truncated: Set(truncated),
        last_error: Set(error),
        checked_at: Set(now),
    };
    txn.upsert(
        row,
        &[states::Column::PayerId],
        vec![
            states::Column::Status,
            states::Column::MemberAccountsIncluded,
            states::Column::Recommendations,
            states::Column::Truncated,
            states::Column::LastError,
            states::Column::CheckedAt,
        ],
    )
    .await?;
    txn.commit().await.context("storing Cost Optimization Hub recommendations")?;
    Ok(())
}

/// At most `max` characters (AWS's texts are short; a long one is cut, not refused).
fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

crate::jobs::job_handler! {
    /// Runs [`PULL_INSIGHTS`].
    pub PullInsights, InsightsArgs, |ctx, _job, args| run_pull(ctx, args).await.map_err(crate::jobs::JobFailure::from)
}

crate::jobs::job_handler! {
    /// Runs [`PULL_ALL_INSIGHTS`].
    pub PullAllInsights, DailyInsights, |ctx, _job, _| enqueue_daily(ctx).await.map_err(crate::jobs::JobFailure::from)
}

// ---- reading ---------------------------------------------------------------------------

/// Where the payer's Cost Optimization Hub stands, as the caller may see it.
pub struct HubState {
    /// `None`: never pulled.
    pub status: Option<HubStatus>,
    pub member_accounts_included: bool,
    pub checked_at: Option<DateTime<Utc>>,
    pub truncated: bool,
    /// Partners only.
    pub last_error: Option<String>,
}

/// One recommendation as shown.
pub struct Insight {
    pub id: Uuid,
    pub account_id: String,
    pub region: String,
    pub resource_id: String,
    pub resource_type: String,
    pub action_type: String,
    pub current_summary: String,
    pub recommended_summary: String,
    pub implementation_effort: String,
    pub restart_needed: bool,
    pub rollback_possible: bool,
    pub estimated_monthly_savings: Decimal,
    pub estimated_monthly_cost: Decimal,
    pub currency: String,
    /// The customer whose billing group holds the account this month.
    pub customer_tenant_id: Option<Uuid>,
    pub last_refreshed_at: Option<DateTime<Utc>>,
}

/// Estimated savings of one customer (or of accounts in no customer's group) in one currency.
pub struct CustomerSavings {
    pub payer_id: Uuid,
    pub customer_tenant_id: Option<Uuid>,
    pub customer_name: Option<String>,
    pub recommendations: u64,
    pub currency: String,
    pub estimated_monthly_savings: Decimal,
}

/// A payer's insights as the caller may see them.
pub struct Insights {
    pub payer_id: Uuid,
    pub enrollment: HubState,
    /// Recommendations in view (all of them, not only those listed).
    pub recommendations: u64,
    /// Estimated monthly savings in view, per currency.
    pub totals: Vec<(String, Decimal)>,
    /// The largest savings first, at most `first`.
    pub listed: Vec<Insight>,
    /// Per customer, largest first; the caller's own customers only for end customers.
    pub by_customer: Vec<CustomerSavings>,
}

/// Which accounts of the payer the caller sees, and whose customer each is this month.
struct InView {
    /// The payer, checked for this read.
    payers: PayerSet,
    /// `None`: every account (a partner, no customer named).
    accounts: Option<Vec<String>>,
    customer_of: HashMap<String, Uuid>,
    partner: bool,
}

fn customers_of(groups: &[Group], period: &str) -> HashMap<String, Uuid> {
    let mut out = HashMap::new();
    for g in groups {
        if let Some(t) = g.group.customer_tenant_id {
            for a in g.accounts_in(period) {
                out.insert(a, t);
            }
        }
    }
    out
}

async fn in_view(scope: &Scope, payer: PayerId, customer: Option<TenantId>) -> AppResult<InView> {
    let period = current_period();
    match payer_view(scope, payer).await? {
        PayerView::Partner(p) => {
            let payers = scope.readable_payers(&[p]).await?;
            let customer_of = customers_of(&groups::of_payer_in(&payers, p).await?, &period);
            let accounts = match customer {
                None => None,
                Some(t) => {
                    scope.tenant(t, Role::Viewer).await?;
                    Some(customer_of.iter().filter(|(_, c)| **c == t.0).map(|(a, _)| a.clone()).collect())
                }
            };
            Ok(InView { payers, accounts, customer_of, partner: true })
        }
        PayerView::Customer(_, mine) => {
            let mine: Vec<Group> = match customer {
                None => mine,
                Some(t) => {
                    let named: Vec<Group> = mine.into_iter().filter(|g| g.group.customer_tenant_id == Some(t.0)).collect();
                    if named.is_empty() {
                        return Err(AppError::NotFound("tenant"));
                    }
                    named
                }
            };
            let customer_of = customers_of(&mine, &period);
            let payers = scope.readable_payers(&[payer.0]).await?;
            Ok(InView { payers, accounts: Some(customer_of.keys().cloned().collect()), customer_of, partner: false })
        }
    }
}

fn filtered(payer: Uuid, accounts: Option<&[String]>) -> Condition {
    let mut c = Condition::all().add(recs::Column::PayerId.eq(payer));
    if let Some(a) = accounts {
        c = c.add(recs::Column::AccountId.is_in(a.iter().cloned()));
    }
    c
}

#[derive(FromQueryResult)]
struct AccountSums {
    account_id: String,
    currency: String,
    n: i64,
    savings: Option<i64>,
}

async fn sums_by_account(payers: &PayerSet, condition: Condition) -> AppResult<Vec<AccountSums>> {
    payers
        .rows::<recs::Entity>()
        .select_only()
        .column(recs::Column::AccountId)
        .column(recs::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "n")
        // PostgreSQL sums BIGINT as NUMERIC: back to BIGINT, exact (the units are integers).
        .column_as(Expr::cust("CAST(SUM(estimated_monthly_savings) AS BIGINT)"), "savings")
        .filter(condition)
        .group_by(recs::Column::AccountId)
        .group_by(recs::Column::Currency)
        .into_all::<AccountSums>()
        .await
}

/// Adds one payer's per-account sums into per-customer savings.
fn per_customer(payer: Uuid, sums: &[AccountSums], customer_of: &HashMap<String, Uuid>, into: &mut BTreeMap<(Uuid, Option<Uuid>, String), (u64, i64)>) {
    for s in sums {
        let slot = into.entry((payer, customer_of.get(&s.account_id).copied(), s.currency.clone())).or_default();
        slot.0 += u64::try_from(s.n).unwrap_or(0);
        slot.1 = slot.1.saturating_add(s.savings.unwrap_or(0));
    }
}

async fn named(payers: &PayerSet, totals: BTreeMap<(Uuid, Option<Uuid>, String), (u64, i64)>) -> AppResult<Vec<CustomerSavings>> {
    let ids: Vec<Uuid> = totals.keys().filter_map(|(_, t, _)| *t).collect();
    let names: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        payers.assigned_customers().filter(tenants::Column::Id.is_in(ids)).all().await?.into_iter().map(|t| (t.id, t.name)).collect()
    };
    let mut out: Vec<CustomerSavings> = totals
        .into_iter()
        .map(|((payer_id, customer, currency), (n, units))| CustomerSavings {
            payer_id,
            customer_tenant_id: customer,
            customer_name: customer.and_then(|c| names.get(&c).cloned()),
            recommendations: n,
            currency,
            estimated_monthly_savings: from_units(units).normalize(),
        })
        .collect();
    out.sort_by(|a, b| b.estimated_monthly_savings.cmp(&a.estimated_monthly_savings).then(a.customer_name.cmp(&b.customer_name)));
    Ok(out)
}

/// One payer's insights: for a partner every account (or one customer's), for an end customer
/// the accounts of their own billing groups this month. `first` (1–500) recommendations are
/// listed, largest savings first.
pub async fn insights(scope: &Scope, payer: PayerId, customer: Option<TenantId>, first: u64) -> AppResult<Insights> {
    if !(1..=MAX_LISTED).contains(&first) {
        return Err(AppError::invalid("first", format!("must be between 1 and {MAX_LISTED}")));
    }
    let view = in_view(scope, payer, customer).await?;
    let condition = || filtered(payer.0, view.accounts.as_deref());
    let state = view.payers.rows::<states::Entity>().filter(states::Column::PayerId.eq(payer.0)).one().await?;
    let listed = view
        .payers
        .rows::<recs::Entity>()
        .filter(condition())
        .order_by_desc(recs::Column::EstimatedMonthlySavings)
        .order_by_asc(recs::Column::RecommendationId)
        .limit(first)
        .all()
        .await?
        .into_iter()
        .map(|r| Insight {
            customer_tenant_id: view.customer_of.get(&r.account_id).copied(),
            id: r.id,
            account_id: r.account_id,
            region: r.region,
            resource_id: r.resource_id,
            resource_type: r.resource_type,
            action_type: r.action_type,
            current_summary: r.current_summary,
            recommended_summary: r.recommended_summary,
            implementation_effort: r.implementation_effort,
            restart_needed: r.restart_needed,
            rollback_possible: r.rollback_possible,
            estimated_monthly_savings: from_units(r.estimated_monthly_savings).normalize(),
            estimated_monthly_cost: from_units(r.estimated_monthly_cost).normalize(),
            currency: r.currency,
            last_refreshed_at: r.last_refreshed_at,
        })
        .collect();
    let sums = sums_by_account(&view.payers, condition()).await?;
    let mut by_currency: BTreeMap<String, i64> = BTreeMap::new();
    let mut count = 0u64;
    for s in &sums {
        *by_currency.entry(s.currency.clone()).or_default() += s.savings.unwrap_or(0);
        count += u64::try_from(s.n).unwrap_or(0);
    }
    let mut per = BTreeMap::new();
    per_customer(payer.0, &sums, &view.customer_of, &mut per);
    if !view.partner {
        // A customer learns nothing of accounts outside their groups (there are none in view).
        per.retain(|(_, c, _), _| c.is_some());
    }
    Ok(Insights {
        payer_id: payer.0,
        enrollment: HubState {
            status: state.as_ref().map(|s| s.status),
            member_accounts_included: state.as_ref().is_some_and(|s| s.member_accounts_included),
            checked_at: state.as_ref().map(|s| s.checked_at),
            truncated: state.as_ref().is_some_and(|s| s.truncated),
            last_error: if view.partner { state.and_then(|s| s.last_error) } else { None },
        },
        recommendations: count,
        totals: by_currency.into_iter().map(|(c, u)| (c, from_units(u).normalize())).collect(),
        listed,
        by_customer: named(&view.payers, per).await?,
    })
}

/// The partner's upsell list: estimated savings per customer across every payer the caller
/// sees as a partner (at most [`MAX_PAYERS`] payers, those with recommendations).
pub async fn savings_by_customer(scope: &Scope) -> AppResult<Vec<CustomerSavings>> {
    let with_recommendations: Vec<Uuid> = scope
        .payers(Role::Viewer)
        .select_only()
        .column(payers::Column::Id)
        .filter(payers::Column::Id.in_subquery(sea_orm::sea_query::Query::select().distinct().column(recs::Column::PayerId).from(recs::Entity).to_owned()))
        .order_by_asc(payers::Column::Id)
        .limit(MAX_PAYERS)
        .tuples()
        .await?;
    let mut partner_side = Vec::with_capacity(with_recommendations.len());
    for payer in with_recommendations {
        // Partner side only: a payer seen through a customer tenant is the customer's own view.
        match billing::billing_payer(scope, PayerId(payer), Role::Viewer).await {
            Ok(_) => partner_side.push(payer),
            Err(AppError::Forbidden(_) | AppError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    let payers = scope.readable_payers(&partner_side).await?;
    let period = current_period();
    let mut per = BTreeMap::new();
    for &payer in payers.ids() {
        let customer_of = customers_of(&groups::of_payer_in(&payers, payer).await?, &period);
        let sums = sums_by_account(&payers, filtered(payer, None)).await?;
        per_customer(payer, &sums, &customer_of, &mut per);
    }
    named(&payers, per).await
}
