//! Price stacking down the tenant tree. A distributor bills a reseller with a billing group
//! whose customer is the reseller; the reseller gets its own payer over that group — a
//! *reseller payer* (`payers.upstream_billing_group_id`) — with its own plans, rules, groups and
//! custom line items, exactly as for a payer of its own. Its cost data is the upstream group's
//! accounts priced at the upstream group's price, so:
//!
//! - the reseller's cost of a row is the distributor's charge for it, and its groups price on
//!   top (a plan with no rules passes the distributor's price through);
//! - the reseller sees its cost, charge and margin, never the AWS cost above it;
//! - the distributor's charge to the reseller (the upstream group's pro-forma, custom line items
//!   included) is the reseller's cost to the cent ([`margin`]).
//!
//! A reseller payer has no AWS access: jobs skip it (its status is `RESELLER`) and every AWS
//! call for it is refused. A reseller may stack once more for a tier below (at most
//! [`MAX_TIERS`] tiers above a payer).

use chrono::Utc;
use entity::{billing_groups, payers, tenants};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use uuid::Uuid;

use super::engine::Upstream;
use super::groups::{self, Group};
use super::results::{self, PricingInputs};
use super::{billing_payer, payer_of};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::tenancy::{PayerAccess, PayerRead, Role, Scope};

/// The most tiers above a reseller payer.
pub const MAX_TIERS: usize = 3;

/// What a reseller payer's groups are priced through.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The payer whose cost data is priced (the top of the chain).
    pub data_payer: Uuid,
    /// The tiers above, top first.
    pub upstream: Vec<Upstream>,
}

/// The tiers above a payer's groups for a period, or `None` for a payer of its own. A tier
/// above whose period is closed prices as its snapshot froze it, so the reseller's cost is
/// what it was billed.
pub async fn stack(payer: &impl PayerRead, period: &str) -> AppResult<Option<Stack>> {
    // Up the chain, nearest tier first, to the top or to a tier whose period is closed (its
    // snapshot froze the tiers above it too); then down again, each tier priced by those above.
    let mut tiers: Vec<(Uuid, PricingInputs, bool)> = Vec::new();
    let mut next = payer.upstream().await?;
    while let Some((above, upstream_group)) = next {
        if tiers.len() >= MAX_TIERS {
            return Err(AppError::internal(anyhow::anyhow!("payer {} has more than {MAX_TIERS} tiers above it", payer.payer_id())));
        }
        // The upstream group cannot be deleted while a reseller payer prices from it.
        let group = above
            .rows::<billing_groups::Entity>()
            .filter(billing_groups::Column::Id.eq(upstream_group))
            .one()
            .await?
            .ok_or(AppError::NotFound("upstream billing group"))?;
        let group = groups::load(&above, group).await?;
        if let Some(frozen) = super::snapshot::frozen(&above, group.group.id, period).await? {
            tiers.push((above.payer_id(), frozen_inputs(&frozen)?, true));
            break;
        }
        tiers.push((above.payer_id(), results::pricing_inputs_of(&above, &group, period).await?, false));
        next = above.above().await?;
    }
    let mut stack: Option<Stack> = None;
    for (tier_payer, mut inputs, frozen) in tiers.into_iter().rev() {
        if let (false, Some(s)) = (frozen, stack.take()) {
            (inputs.data_payer, inputs.upstream) = (Some(s.data_payer), s.upstream);
        }
        let data_payer = inputs.data_payer.unwrap_or(tier_payer);
        let mut upstream = inputs.upstream;
        upstream.push(Upstream { plan: inputs.plan, members: inputs.members });
        stack = Some(Stack { data_payer, upstream });
    }
    Ok(stack)
}

/// The pricing inputs a snapshot froze (its configuration's `inputs`).
fn frozen_inputs(s: &entity::period_snapshots::Model) -> AppResult<PricingInputs> {
    let configuration: serde_json::Value = serde_json::from_str(&s.configuration).map_err(|e| AppError::internal(anyhow::anyhow!("snapshot {}: {e}", s.id)))?;
    serde_json::from_value(configuration["inputs"].clone()).map_err(|e| AppError::internal(anyhow::anyhow!("snapshot {} inputs: {e}", s.id)))
}

/// A reseller's group bills only accounts its upstream group bills in that period.
pub async fn check_upstream_members(payer: &impl PayerRead, accounts: &[String], period: &str) -> AppResult<()> {
    let Some((above, upstream)) = payer.upstream().await? else { return Ok(()) };
    let group = above.rows::<billing_groups::Entity>().filter(billing_groups::Column::Id.eq(upstream)).one().await?.ok_or(AppError::NotFound("upstream billing group"))?;
    let billed = groups::load(&above, group).await?.accounts_in(period);
    if let Some(outside) = accounts.iter().find(|a| !billed.contains(a)) {
        return Err(AppError::invalid("accountIds", format!("account {outside} is not billed to you in {period}: a reseller's group holds only accounts of the billing group its payer prices from")));
    }
    Ok(())
}

/// Gives the customer of a billing group — a reseller or distributor tenant — its own payer over
/// that group, to price its customers on top of the group's price. For the upstream payer's
/// admins.
pub async fn create(scope: &Scope, upstream_group: Uuid, name: &str) -> AppResult<crate::domain::payers::Payer> {
    let group = scope.payer_row::<billing_groups::Entity>(upstream_group, "billing group").await?;
    let upstream_payer = payer_of(scope, group.payer_id, Role::Admin, "billing group").await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name", "must be 1 to 200 characters"));
    }
    let Some(customer) = group.customer_tenant_id else {
        return Err(AppError::invalid("billingGroupId", "the billing group has no customer tenant to give a payer to"));
    };
    let tenant = upstream_payer.as_payer_set().assigned_customers().filter(tenants::Column::Id.eq(customer)).one().await?.ok_or(AppError::NotFound("tenant"))?;
    if tenant.kind == crate::tenancy::TenantKind::Customer {
        return Err(AppError::invalid("billingGroupId", "the group's customer is an end customer; only a reseller or distributor prices a tier below"));
    }
    if Box::pin(stack(&upstream_payer, &super::current_period())).await?.is_some_and(|s| s.upstream.len() + 1 > MAX_TIERS) {
        return Err(AppError::invalid("billingGroupId", format!("at most {MAX_TIERS} tiers can stack")));
    }
    let now = Utc::now();
    let id = PayerId::new().0;
    let row = payers::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.id),
        account_id: Set(upstream_payer.account_id.clone()),
        name: Set(name.to_owned()),
        role_arn: Set(String::new()),
        external_id: Set(format!("reseller-{id}")),
        status: Set(crate::domain::payers::PayerStatus::Reseller),
        status_reason: Set(None),
        last_checked_at: Set(None),
        cost_export_bucket: Set(None),
        cost_export_prefix: Set(None),
        billing_mode: Set(crate::domain::billing::abc::BillingMode::Native),
        upstream_billing_group_id: Set(Some(group.id)),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    upstream_payer
        .insert_payer_over_group(row)
        .await
        .map(Into::into)
        .map_err(|e| e.or_on_unique_violation(|| AppError::Conflict("this billing group already has a reseller payer (or the tenant has a payer for this account)".into())))
}

/// A tier's month: what the tier above charges it, what it charges its customers, and the margin
/// between. Amounts in the data's currency.
#[derive(Debug, Clone)]
pub struct TierMargin {
    pub period: String,
    pub currency: String,
    /// The tier above's charge for the upstream group (custom line items included): this
    /// tier's cost.
    pub cost: Decimal,
    /// What this tier's groups charge its customers.
    pub charge: Decimal,
    pub margin: Decimal,
    /// The part of the cost no group of this tier bills on: the tier above's custom line items,
    /// and accounts in no group.
    pub unbilled_cost: Decimal,
    pub groups: Vec<TierGroup>,
}

/// One of the tier's groups: its cost (the tier above's price of its accounts) and its charge.
#[derive(Debug, Clone)]
pub struct TierGroup {
    pub billing_group_id: Uuid,
    pub name: String,
    pub customer_tenant_id: Option<Uuid>,
    pub cost: Decimal,
    pub charge: Decimal,
}

/// The cost, charge and margin of a reseller payer's month. For the payer's viewers (the
/// reseller's people, and the tiers above, who see their subtree).
pub async fn margin(scope: &Scope, payer: PayerId, period: &str) -> AppResult<TierMargin> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let period = super::checked_period("billingPeriod", period)?;
    let Some((above, upstream)) = payer.upstream().await? else {
        return Err(AppError::invalid("payerId", "not a reseller's payer: its cost is AWS's (see billingGroupCostReports)"));
    };
    let upstream = above.rows::<billing_groups::Entity>().filter(billing_groups::Column::Id.eq(upstream)).one().await?.ok_or(AppError::NotFound("upstream billing group"))?;
    let upstream = groups::load(&above, upstream).await?;
    let billed = results::totals_above(&above, &upstream, &period).await?;
    let own: Vec<Group> = groups::of_payer(&payer).await?;
    let mut out = TierMargin { period: period.clone(), currency: billed.currency.clone(), cost: billed.total.proforma, charge: Decimal::ZERO, margin: Decimal::ZERO, unbilled_cost: billed.total.proforma, groups: Vec::new() };
    for group in &own {
        let t = results::totals(&payer, group, &period).await?;
        if t.source != "none" && t.currency != out.currency {
            return Err(AppError::invalid("billingPeriod", format!("the groups' data is in {} and {}; amounts in different currencies are not added", out.currency, t.currency)));
        }
        out.charge += t.total.proforma;
        out.unbilled_cost -= t.total.aws_cost;
        out.groups.push(TierGroup { billing_group_id: group.group.id, name: group.group.name.clone(), customer_tenant_id: group.group.customer_tenant_id, cost: t.total.aws_cost, charge: t.total.proforma });
    }
    out.margin = out.charge - out.cost;
    Ok(out)
}
