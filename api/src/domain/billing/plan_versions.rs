//! Effective-dated pricing: the plan (base, pass-through switches, rules) each billing group is
//! priced with, per billing period. Every billing change records, for each group whose plan it
//! changed, a version effective from the period the user chose (default: the current one);
//! recomputing an earlier month uses the version in force then. Memberships and custom line items
//! carry their own period ranges; a closed month uses its frozen snapshot whatever happens here.

use std::collections::HashMap;

use chrono::Utc;
use entity::pricing_plans::PlanBase;
use entity::pricing_rules::{RuleScope as StoredScope, RuleType as StoredType};
use entity::{billing_group_plan_versions as versions, billing_groups};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::engine::{self, Base, RuleScope, RuleType};
use super::groups::{self, Group};
use super::plans;
use crate::error::{AppError, AppResult};
use crate::tenancy::{PayerAccess, PayerRead};
use crate::money::from_units;

/// What a group had before versions were kept: in force for every month before its first change.
pub const BASELINE: &str = "0000-01";

fn engine_plan(plan: &plans::StoredPlan) -> engine::Plan {
    let base = match plan.plan.base {
        PlanBase::Unblended => Base::Unblended,
        PlanBase::NetUnblended => Base::NetUnblended,
        PlanBase::Amortized => Base::Amortized,
        PlanBase::List => Base::List,
    };
    let rules = plan
        .rules
        .iter()
        .map(|r| engine::Rule {
            scope: match r.scope {
                StoredScope::Global => RuleScope::Global,
                StoredScope::Service => RuleScope::Service,
                StoredScope::BillingEntity => RuleScope::BillingEntity,
                StoredScope::Sku => RuleScope::Sku,
            },
            rule_type: match r.rule_type {
                StoredType::Markup => RuleType::Markup,
                StoredType::Discount => RuleType::Discount,
                StoredType::Tiering => RuleType::Tiering,
            },
            modifier: from_units(r.modifier_percentage),
            service: r.service.clone(),
            billing_entity: r.billing_entity.clone(),
            usage_type: r.usage_type.clone(),
            operation: r.operation.clone(),
            free_tier: r.free_tier.unwrap_or(true),
        })
        .collect();
    engine::Plan {
        base,
        pass_tax: plan.plan.pass_tax,
        pass_credits: plan.plan.pass_credits,
        pass_refunds: plan.plan.pass_refunds,
        pass_partner_discounts: plan.plan.pass_partner_discounts,
        rules,
    }
}

/// The engine's plan of a group as configured now.
pub async fn current_plan(payer: &impl PayerRead, group: &Group) -> AppResult<engine::Plan> {
    let plan = plans::load_plans(payer, vec![group.group.pricing_plan_id]).await?.remove(&group.group.pricing_plan_id).ok_or(AppError::NotFound("pricing plan"))?;
    Ok(engine_plan(&plan))
}

fn parse(v: &versions::Model) -> AppResult<engine::Plan> {
    serde_json::from_str(&v.plan).map_err(|e| AppError::internal(anyhow::anyhow!("plan version {} is unreadable: {e}", v.id)))
}

/// The version in force in `period`: the latest that starts at or before it, else the earliest
/// (a group created later is priced with its first plan for earlier months too).
async fn version_for(payer: &impl PayerRead, group: Uuid, period: &str) -> AppResult<Option<versions::Model>> {
    let in_force = payer
        .rows::<versions::Entity>()
        .filter(versions::Column::BillingGroupId.eq(group))
        .filter(versions::Column::EffectiveFrom.lte(period))
        .order_by_desc(versions::Column::EffectiveFrom)
        .one()
        .await?;
    if in_force.is_some() {
        return Ok(in_force);
    }
    payer.rows::<versions::Entity>().filter(versions::Column::BillingGroupId.eq(group)).order_by_asc(versions::Column::EffectiveFrom).one().await
}

/// The engine's plan of a group for a billing period: the version in force then, or the plan as
/// configured now for a group without versions.
pub async fn plan_for(payer: &impl PayerRead, group: &Group, period: &str) -> AppResult<engine::Plan> {
    match version_for(payer, group.group.id, period).await? {
        Some(v) => parse(&v),
        None => current_plan(payer, group).await,
    }
}

/// [`plan_for`] for several groups at once, in their order: four queries whatever their number
/// (the Billing page prices every group of a payer).
pub async fn plans_for(payer: &impl PayerRead, groups: &[Group], period: &str) -> AppResult<Vec<engine::Plan>> {
    let ids: Vec<Uuid> = groups.iter().map(|g| g.group.id).collect();
    let mut versions_of: HashMap<Uuid, Vec<versions::Model>> = HashMap::new();
    for v in payer.rows::<versions::Entity>().filter(versions::Column::BillingGroupId.is_in(ids)).all().await? {
        versions_of.entry(v.billing_group_id).or_default().push(v);
    }
    let unversioned: Vec<Uuid> = groups.iter().filter(|g| !versions_of.contains_key(&g.group.id)).map(|g| g.group.pricing_plan_id).collect();
    let current = plans::load_plans(payer, unversioned).await?;
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let plan = match versions_of.get(&group.group.id).and_then(|vs| in_force(vs, period)) {
            Some(v) => parse(v)?,
            None => engine_plan(current.get(&group.group.pricing_plan_id).ok_or(AppError::NotFound("pricing plan"))?),
        };
        out.push(plan);
    }
    Ok(out)
}

/// Of a group's versions, the one in force in `period`, as [`version_for`] picks it.
fn in_force<'a>(versions: &'a [versions::Model], period: &str) -> Option<&'a versions::Model> {
    let started = versions.iter().filter(|v| v.effective_from.as_str() <= period).max_by(|a, b| a.effective_from.cmp(&b.effective_from));
    started.or_else(|| versions.iter().min_by(|a, b| a.effective_from.cmp(&b.effective_from)))
}

/// Before a change: every group of the payer without versions gets its plan of now as the
/// baseline, so the months before the change keep it.
pub async fn ensure_baseline(payer: &impl PayerAccess, by: &str) -> AppResult<()> {
    let versioned: Vec<Uuid> = payer.rows::<versions::Entity>().select_only().column(versions::Column::BillingGroupId).distinct().tuples().await?;
    let unversioned = payer.rows::<billing_groups::Entity>().filter(billing_groups::Column::Id.is_not_in(versioned)).all().await?;
    for group in groups::load_all(payer, unversioned).await? {
        insert(payer, &group, BASELINE, &current_plan(payer, &group).await?, by).await?;
    }
    Ok(())
}

/// After a change: each group whose plan now differs from the version in force at
/// `effective_from` gets a new version from then on; versions that started later are replaced
/// (the change is the newest word for every month from `effective_from`).
pub async fn record(payer: &impl PayerAccess, effective_from: &str, by: &str) -> AppResult<usize> {
    let mut recorded = 0;
    for group in groups::of_payer(payer).await? {
        let now = current_plan(payer, &group).await?;
        let in_force = version_for(payer, group.group.id, effective_from).await?;
        if in_force.is_none() {
            // A new group: its first plan is its plan for every month before too.
            insert(payer, &group, BASELINE, &now, by).await?;
            recorded += 1;
            continue;
        }
        let later = payer
            .rows::<versions::Entity>()
            .filter(versions::Column::BillingGroupId.eq(group.group.id))
            .filter(versions::Column::EffectiveFrom.gt(effective_from))
            .one()
            .await?
            .is_some();
        let same = match &in_force {
            Some(v) => parse(v)? == now && v.pricing_plan_id == group.group.pricing_plan_id,
            None => false,
        };
        if same && !later {
            continue;
        }
        payer
            .delete::<versions::Entity>()
            .filter(versions::Column::BillingGroupId.eq(group.group.id))
            .filter(versions::Column::EffectiveFrom.gte(effective_from))
            .exec()
            .await?;
        insert(payer, &group, effective_from, &now, by).await?;
        recorded += 1;
    }
    Ok(recorded)
}

async fn insert(payer: &impl PayerAccess, group: &Group, effective_from: &str, plan: &engine::Plan, by: &str) -> AppResult<()> {
    let row = versions::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(group.group.payer_id),
        billing_group_id: Set(group.group.id),
        effective_from: Set(effective_from.to_owned()),
        pricing_plan_id: Set(group.group.pricing_plan_id),
        plan: Set(serde_json::to_string(plan).map_err(AppError::internal)?),
        recorded_by: Set(by.to_owned()),
        recorded_at: Set(Utc::now()),
    };
    payer.insert(row).await?;
    Ok(())
}
