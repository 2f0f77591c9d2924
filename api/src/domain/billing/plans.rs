//! Pricing plans: a base price, a set of the payer's pricing rules (at most 500, at most one
//! GLOBAL and one TIERING rule, no two rules for the same service, entity or SKU) and the
//! pass-through switches for charges not passed to customers by default.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::pricing_plans::PlanBase;
use entity::pricing_rules::{RuleScope, RuleType};
use entity::{billing_groups, pricing_plan_rules, pricing_plans, pricing_rules};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{Change, after_change, begin_change, checked_effective_from, payer_of, billing_payer, checked_abc_name, checked_description, initial_sync_status};
use super::abc::AbcLink;
use super::rules::Rule;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::notify::outbox;
use crate::tenancy::{PayerAccess, PayerRead, PayerTxn, Role, Scope};

/// ABC's limit of rules per plan.
pub const MAX_RULES: usize = 500;

/// A plan's stored row with its rules' rows, as the engine and the ABC sync read them.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub plan: pricing_plans::Model,
    pub rules: Vec<pricing_rules::Model>,
}

/// A plan with its rules, as the domain shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: Uuid,
    pub payer_id: Uuid,
    pub name: String,
    pub description: String,
    pub base: PlanBase,
    pub rules: Vec<Rule>,
    pub pass_tax: bool,
    pub pass_credits: bool,
    pub pass_refunds: bool,
    pub pass_partner_discounts: bool,
    pub abc: AbcLink,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredPlan> for Plan {
    fn from(StoredPlan { plan: p, rules }: StoredPlan) -> Self {
        Self {
            id: p.id,
            payer_id: p.payer_id,
            name: p.name,
            description: p.description,
            base: p.base,
            rules: rules.into_iter().map(Rule::from).collect(),
            pass_tax: p.pass_tax,
            pass_credits: p.pass_credits,
            pass_refunds: p.pass_refunds,
            pass_partner_discounts: p.pass_partner_discounts,
            abc: AbcLink { arn: p.abc_arn, status: p.abc_sync_status, error: p.abc_sync_error },
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

pub struct NewPlan {
    pub payer: PayerId,
    pub name: String,
    pub description: Option<String>,
    pub base: Option<PlanBase>,
    pub pricing_rule_ids: Vec<Uuid>,
    pub pass_tax: bool,
    pub pass_credits: bool,
    pub pass_refunds: bool,
    pub pass_partner_discounts: bool,
}

pub struct PlanChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub base: Option<PlanBase>,
    /// The full new rule set.
    pub pricing_rule_ids: Option<Vec<Uuid>>,
    pub pass_tax: Option<bool>,
    pub pass_credits: Option<bool>,
    pub pass_refunds: Option<bool>,
    pub pass_partner_discounts: Option<bool>,
    /// The first billing period the change prices (an open one); None: the current period.
    pub effective_from: Option<String>,
}


/// The rules a plan may hold: the payer's, within ABC's limits, without two rules for one key.
async fn checked_rules(payer: &impl PayerRead, ids: &[Uuid]) -> AppResult<Vec<pricing_rules::Model>> {
    let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
    if ids.len() > MAX_RULES {
        return Err(AppError::invalid("pricingRuleIds", format!("a pricing plan holds at most {MAX_RULES} rules")));
    }
    let rules = payer
        .rows::<pricing_rules::Entity>()
        .filter(pricing_rules::Column::Id.is_in(ids.iter().copied().collect::<Vec<_>>()))
        .order_by_asc(pricing_rules::Column::Name)
        .all()
        .await?;
    if rules.len() != ids.len() {
        return Err(AppError::invalid("pricingRuleIds", "names a pricing rule this payer does not have"));
    }
    let mut keys = BTreeSet::new();
    for r in &rules {
        let key = match (r.scope, r.rule_type) {
            (_, RuleType::Tiering) => "TIERING".to_owned(),
            (RuleScope::Global, _) => "GLOBAL".to_owned(),
            (RuleScope::Service, _) => format!("SERVICE {}", r.service.as_deref().unwrap_or_default()),
            (RuleScope::BillingEntity, _) => format!("BILLING_ENTITY {}", r.billing_entity.as_deref().unwrap_or_default()),
            (RuleScope::Sku, _) => format!(
                "SKU {} {} {}",
                r.service.as_deref().unwrap_or_default(),
                r.usage_type.as_deref().unwrap_or_default(),
                r.operation.as_deref().unwrap_or_default()
            ),
        };
        if !keys.insert(key.clone()) {
            let what = match key.as_str() {
                "GLOBAL" => "a pricing plan holds at most one GLOBAL rule".to_owned(),
                "TIERING" => "a pricing plan holds at most one TIERING rule".to_owned(),
                k => format!("two rules apply to the same {k}"),
            };
            return Err(AppError::invalid("pricingRuleIds", what));
        }
    }
    Ok(rules)
}

async fn set_rules(txn: &PayerTxn, plan: Uuid, rules: &[pricing_rules::Model]) -> AppResult<()> {
    txn.delete_parts::<pricing_plan_rules::Entity>().filter(pricing_plan_rules::Column::PricingPlanId.eq(plan)).exec().await?;
    for r in rules {
        txn.insert_part(pricing_plan_rules::ActiveModel { pricing_plan_id: Set(plan), pricing_rule_id: Set(r.id) }).await?;
    }
    Ok(())
}

/// A plan's rules.
pub(in crate::domain) async fn rules_of(payer: &impl PayerRead, plan: Uuid) -> AppResult<Vec<pricing_rules::Model>> {
    let Some(row) = payer.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::Id.eq(plan)).one().await? else { return Ok(Vec::new()) };
    Ok(with_rules(payer, vec![row]).await?.pop().map(|p| p.rules).unwrap_or_default())
}

/// The payer's pricing plans by id with their rules, in three queries.
pub async fn load_plans(payer: &impl PayerRead, ids: Vec<Uuid>) -> AppResult<HashMap<Uuid, StoredPlan>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = payer.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::Id.is_in(ids)).all().await?;
    Ok(with_rules(payer, rows).await?.into_iter().map(|p| (p.plan.id, p)).collect())
}

/// Plans with the rules the links give them, each plan's in the order `rules_of` gives them.
fn assembled(plans: Vec<pricing_plans::Model>, links: impl Iterator<Item = (Uuid, Uuid)>, rules: &HashMap<Uuid, pricing_rules::Model>) -> HashMap<Uuid, StoredPlan> {
    let mut out: HashMap<Uuid, StoredPlan> = plans.into_iter().map(|plan| (plan.id, StoredPlan { rules: Vec::new(), plan })).collect();
    for (plan, rule) in links {
        if let (Some(plan), Some(rule)) = (out.get_mut(&plan), rules.get(&rule)) {
            plan.rules.push(rule.clone());
        }
    }
    for plan in out.values_mut() {
        plan.rules.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// Plans read through a payer's handle with their rules, in two queries whatever their number
/// (not two per plan), in the order given.
async fn with_rules(payer: &impl PayerRead, plans: Vec<pricing_plans::Model>) -> AppResult<Vec<StoredPlan>> {
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let order: Vec<Uuid> = plans.iter().map(|p| p.id).collect();
    // The links are read through the payer's rules they point at (a link has no payer column).
    let to_links: sea_orm::RelationDef =
        pricing_rules::Entity::belongs_to(pricing_plan_rules::Entity).from(pricing_rules::Column::Id).to(pricing_plan_rules::Column::PricingRuleId).into();
    let links: Vec<(Uuid, Uuid)> = payer
        .rows::<pricing_rules::Entity>()
        .select_only()
        .column(pricing_plan_rules::Column::PricingPlanId)
        .column(pricing_rules::Column::Id)
        .join(sea_orm::JoinType::InnerJoin, to_links)
        .filter(pricing_plan_rules::Column::PricingPlanId.is_in(order.clone()))
        .tuples()
        .await?;
    let rule_ids: Vec<Uuid> = links.iter().map(|(_, rule)| *rule).collect();
    let rules: HashMap<Uuid, pricing_rules::Model> =
        payer.rows::<pricing_rules::Entity>().filter(pricing_rules::Column::Id.is_in(rule_ids)).all().await?.into_iter().map(|r| (r.id, r)).collect();
    let mut by_id = assembled(plans, links.into_iter(), &rules);
    Ok(order.iter().filter_map(|id| by_id.remove(id)).collect())
}

fn conflict_on_name(err: AppError) -> AppError {
    err.or_on_unique_violation(|| AppError::invalid("name", "another pricing plan of this payer has that name"))
}

pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<Plan>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let plans = payer.rows::<pricing_plans::Entity>().order_by_asc(pricing_plans::Column::Name).all().await?;
    Ok(with_rules(&payer, plans).await?.into_iter().map(Plan::from).collect())
}

/// A plan and its payer, holding at least `need` on the payer's billing.
async fn find(scope: &Scope, id: Uuid, need: Role) -> AppResult<(StoredPlan, crate::tenancy::ScopedPayer)> {
    let plan = scope.payer_row::<pricing_plans::Entity>(id, "pricing plan").await?;
    let payer = payer_of(scope, plan.payer_id, need, "pricing plan").await?;
    let plan = with_rules(&payer, vec![plan]).await?.pop().ok_or_else(|| AppError::internal(anyhow::anyhow!("loading a pricing plan returned nothing")))?;
    Ok((plan, payer))
}

pub async fn create(scope: &Scope, input: NewPlan) -> AppResult<Plan> {
    let payer = billing_payer(scope, input.payer, Role::Operator).await?;
    let name = checked_abc_name(input.name.trim())?;
    let description = checked_description(input.description.as_deref())?;
    let base = input.base.unwrap_or(PlanBase::List);
    let txn = begin_change(scope, &payer).await?;
    let rules = checked_rules(&txn, &input.pricing_rule_ids).await?;
    let now = Utc::now();
    let plan = pricing_plans::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(payer.id),
        name: Set(name),
        description: Set(description),
        base: Set(base),
        pass_tax: Set(input.pass_tax),
        pass_credits: Set(input.pass_credits),
        pass_refunds: Set(input.pass_refunds),
        pass_partner_discounts: Set(input.pass_partner_discounts),
        abc_arn: Set(None),
        abc_sync_status: Set(initial_sync_status(&payer)),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let plan = txn.insert(plan).await.map_err(conflict_on_name)?;
    set_rules(&txn, plan.id, &rules).await?;
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "created", id_field: "pricingPlanId", id: plan.id, name: &plan.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(StoredPlan { plan, rules }.into())
}

pub async fn update(scope: &Scope, id: Uuid, changes: PlanChanges) -> AppResult<Plan> {
    let (current, payer) = find(scope, id, Role::Operator).await?;
    let name = changes.name.as_deref().map(|n| checked_abc_name(n.trim())).transpose()?;
    let description = changes.description.as_deref().map(|d| checked_description(Some(d))).transpose()?;
    let base = changes.base;
    let txn = begin_change(scope, &payer).await?;
    let effective_from = checked_effective_from(&txn, changes.effective_from.as_deref()).await?;
    let rules = match &changes.pricing_rule_ids {
        Some(ids) => Some(checked_rules(&txn, ids).await?),
        None => None,
    };
    let mut row: pricing_plans::ActiveModel = current.plan.into();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(description) = description {
        row.description = Set(description);
    }
    if let Some(base) = base {
        row.base = Set(base);
    }
    for (value, column) in [
        (changes.pass_tax, &mut row.pass_tax),
        (changes.pass_credits, &mut row.pass_credits),
        (changes.pass_refunds, &mut row.pass_refunds),
        (changes.pass_partner_discounts, &mut row.pass_partner_discounts),
    ] {
        if let Some(v) = value {
            *column = Set(v);
        }
    }
    if initial_sync_status(&payer).is_some() {
        row.abc_sync_status = Set(initial_sync_status(&payer));
    }
    row.updated_at = Set(Utc::now());
    let plan = txn.update(row).await.map_err(conflict_on_name)?;
    if let Some(rules) = &rules {
        set_rules(&txn, plan.id, rules).await?;
    }
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "updated", id_field: "pricingPlanId", id: plan.id, name: &plan.name, effective_from };
    after_change(&txn, scope, &payer, change).await?;
    let rules = match rules {
        Some(r) => r,
        None => rules_of(&txn, plan.id).await?,
    };
    txn.commit().await?;
    Ok(StoredPlan { plan, rules }.into())
}

/// Deletes a plan no billing group uses; returns it as it was.
pub async fn delete(scope: &Scope, id: Uuid) -> AppResult<Plan> {
    let (plan, payer) = find(scope, id, Role::Operator).await?;
    let txn = begin_change(scope, &payer).await?;
    if let Some(group) = txn.rows::<billing_groups::Entity>().filter(billing_groups::Column::PricingPlanId.eq(plan.plan.id)).one().await? {
        return Err(AppError::Conflict(format!("billing group {} uses this pricing plan; give it another plan first", group.name)));
    }
    txn.delete_parts::<pricing_plan_rules::Entity>().filter(pricing_plan_rules::Column::PricingPlanId.eq(plan.plan.id)).exec().await?;
    txn.delete::<pricing_plans::Entity>().filter(pricing_plans::Column::Id.eq(plan.plan.id)).exec().await?;
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "deleted", id_field: "pricingPlanId", id: plan.plan.id, name: &plan.plan.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(plan.into())
}
