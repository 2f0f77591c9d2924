//! Pricing rules: GLOBAL / SERVICE / BILLING_ENTITY / SKU scope, MARKUP / DISCOUNT / TIERING.
//! A rule belongs to a payer and may be used by several of its pricing plans.

use chrono::{DateTime, Utc};
use entity::pricing_rules::{RuleScope, RuleType};
use entity::{pricing_plan_rules, pricing_rules};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Change, after_change, begin_change, checked_effective_from, payer_of, billing_payer, checked_abc_name, checked_amount, checked_description, initial_sync_status};
use super::abc::AbcLink;
use crate::error::{AppError, AppResult};
use crate::money::from_units;
use crate::ids::PayerId;
use crate::notify::outbox;
use crate::tenancy::{PayerAccess, PayerRead, Role, Scope};

pub const BILLING_ENTITIES: &[&str] = &["AWS", "AWS Marketplace"];

/// The largest modifier accepted (a 100 % discount prices at zero; markups may go higher).
fn max_modifier() -> Decimal {
    Decimal::from(1_000_000)
}

/// A pricing rule as the domain shows it: the modifier as a percentage, not storage units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: Uuid,
    pub payer_id: Uuid,
    pub name: String,
    pub description: String,
    pub scope: RuleScope,
    pub rule_type: RuleType,
    /// Percent (5 = 5 %); 0 for TIERING.
    pub modifier_percentage: Decimal,
    pub service: Option<String>,
    pub billing_entity: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    /// TIERING: whether the AWS free tier applies.
    pub free_tier: Option<bool>,
    pub abc: AbcLink,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<pricing_rules::Model> for Rule {
    fn from(r: pricing_rules::Model) -> Self {
        Self {
            id: r.id,
            payer_id: r.payer_id,
            name: r.name,
            description: r.description,
            scope: r.scope,
            rule_type: r.rule_type,
            modifier_percentage: from_units(r.modifier_percentage).normalize(),
            service: r.service,
            billing_entity: r.billing_entity,
            usage_type: r.usage_type,
            operation: r.operation,
            free_tier: r.free_tier,
            abc: AbcLink { arn: r.abc_arn, status: r.abc_sync_status, error: r.abc_sync_error },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub struct NewRule {
    pub payer: PayerId,
    pub name: String,
    pub description: Option<String>,
    pub scope: RuleScope,
    pub rule_type: RuleType,
    pub modifier_percentage: Option<Decimal>,
    pub service: Option<String>,
    pub billing_entity: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    pub free_tier: Option<bool>,
}

/// Scope and type cannot change (as in Billing Conductor); delete and create instead.
pub struct RuleChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub modifier_percentage: Option<Decimal>,
    pub free_tier: Option<bool>,
    /// The first billing period the change prices (an open one); None: the current period.
    pub effective_from: Option<String>,
}

fn required(field: &str, value: Option<&String>) -> AppResult<String> {
    match value.map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) if v.chars().count() <= 256 => Ok(v.to_owned()),
        Some(_) => Err(AppError::invalid(field, "must be at most 256 characters")),
        None => Err(AppError::invalid(field, "is required for this scope")),
    }
}

fn checked_modifier(rule_type: RuleType, value: Option<Decimal>) -> AppResult<i64> {
    match (rule_type, value) {
        (RuleType::Tiering, None) => Ok(0),
        (RuleType::Tiering, Some(v)) if v.is_zero() => Ok(0),
        (RuleType::Tiering, Some(_)) => Err(AppError::invalid("modifierPercentage", "a TIERING rule has no modifier")),
        (RuleType::Markup | RuleType::Discount, None) => Err(AppError::invalid("modifierPercentage", "is required for MARKUP and DISCOUNT")),
        (RuleType::Discount, Some(v)) => checked_amount("modifierPercentage", v, 2, Decimal::ONE_HUNDRED),
        (RuleType::Markup, Some(v)) => checked_amount("modifierPercentage", v, 2, max_modifier()),
    }
}

pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<Rule>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    Ok(payer.rows::<pricing_rules::Entity>().order_by_asc(pricing_rules::Column::Name).all().await?.into_iter().map(Rule::from).collect())
}

fn conflict_on_name(err: AppError) -> AppError {
    err.or_on_unique_violation(|| AppError::invalid("name", "another pricing rule of this payer has that name"))
}

pub async fn create(scope: &Scope, input: NewRule) -> AppResult<Rule> {
    let payer = billing_payer(scope, input.payer, Role::Operator).await?;
    let name = checked_abc_name(input.name.trim())?;
    let description = checked_description(input.description.as_deref())?;
    if input.rule_type == RuleType::Tiering && input.scope != RuleScope::Global {
        return Err(AppError::invalid("scope", "a TIERING rule has GLOBAL scope"));
    }
    let modifier = checked_modifier(input.rule_type, input.modifier_percentage)?;
    let (mut service, mut entity, mut usage_type, mut operation) = (None, None, None, None);
    match input.scope {
        RuleScope::Service => service = Some(required("service", input.service.as_ref())?),
        RuleScope::BillingEntity => {
            let e = required("billingEntity", input.billing_entity.as_ref())?;
            if !BILLING_ENTITIES.contains(&e.as_str()) {
                return Err(AppError::invalid("billingEntity", "must be AWS or AWS Marketplace"));
            }
            entity = Some(e);
        }
        RuleScope::Sku => {
            service = Some(required("service", input.service.as_ref())?);
            usage_type = Some(required("usageType", input.usage_type.as_ref())?);
            operation = Some(required("operation", input.operation.as_ref())?);
        }
        RuleScope::Global => {}
    }
    let free_tier = (input.rule_type == RuleType::Tiering).then(|| input.free_tier.unwrap_or(true));
    let now = Utc::now();
    let txn = begin_change(scope, &payer).await?;
    let rule = pricing_rules::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(payer.id),
        name: Set(name),
        description: Set(description),
        scope: Set(input.scope),
        rule_type: Set(input.rule_type),
        modifier_percentage: Set(modifier),
        service: Set(service),
        billing_entity: Set(entity),
        usage_type: Set(usage_type),
        operation: Set(operation),
        free_tier: Set(free_tier),
        abc_arn: Set(None),
        abc_sync_status: Set(initial_sync_status(&payer)),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let rule = txn.insert(rule).await.map_err(conflict_on_name)?;
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "created", id_field: "pricingRuleId", id: rule.id, name: &rule.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(rule.into())
}

/// A rule and its payer, holding at least `need` on the payer's billing.
async fn find(scope: &Scope, id: Uuid, need: Role) -> AppResult<(pricing_rules::Model, crate::tenancy::ScopedPayer)> {
    let rule = scope.payer_row::<pricing_rules::Entity>(id, "pricing rule").await?;
    let payer = payer_of(scope, rule.payer_id, need, "pricing rule").await?;
    Ok((rule, payer))
}

pub async fn update(scope: &Scope, id: Uuid, changes: RuleChanges) -> AppResult<Rule> {
    let (rule, payer) = find(scope, id, Role::Operator).await?;
    let name = changes.name.as_deref().map(|n| checked_abc_name(n.trim())).transpose()?;
    let description = changes.description.as_deref().map(|d| checked_description(Some(d))).transpose()?;
    let modifier = changes.modifier_percentage.map(|m| checked_modifier(rule.rule_type, Some(m))).transpose()?;
    if changes.free_tier.is_some() && rule.rule_type != RuleType::Tiering {
        return Err(AppError::invalid("freeTier", "only a TIERING rule has a free tier switch"));
    }
    let mut row: pricing_rules::ActiveModel = rule.into();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(description) = description {
        row.description = Set(description);
    }
    if let Some(modifier) = modifier {
        row.modifier_percentage = Set(modifier);
    }
    if let Some(free_tier) = changes.free_tier {
        row.free_tier = Set(Some(free_tier));
    }
    if initial_sync_status(&payer).is_some() {
        row.abc_sync_status = Set(initial_sync_status(&payer));
    }
    row.updated_at = Set(Utc::now());
    let txn = begin_change(scope, &payer).await?;
    let effective_from = checked_effective_from(&txn, changes.effective_from.as_deref()).await?;
    let rule = txn.update(row).await.map_err(conflict_on_name)?;
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "updated", id_field: "pricingRuleId", id: rule.id, name: &rule.name, effective_from };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(rule.into())
}

/// Deletes a rule and takes it out of every plan; returns it as it was.
pub async fn delete(scope: &Scope, id: Uuid) -> AppResult<Rule> {
    let (rule, payer) = find(scope, id, Role::Operator).await?;
    let txn = begin_change(scope, &payer).await?;
    txn.delete_parts::<pricing_plan_rules::Entity>().filter(pricing_plan_rules::Column::PricingRuleId.eq(rule.id)).exec().await?;
    txn.delete::<pricing_rules::Entity>().filter(pricing_rules::Column::Id.eq(rule.id)).exec().await?;
    let change = Change { event_type: outbox::PRICING_CHANGED, action: "deleted", id_field: "pricingRuleId", id: rule.id, name: &rule.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(rule.into())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Statement};

    use super::*;
    use crate::tenancy::testing::{database, payer, tenant};

    /// Scopes and types are stored as the words they always were (databases written before
    /// they became enums read back unchanged), and a word this version does not know is an
    /// error when read, never taken for GLOBAL or TIERING as it once was.
    #[tokio::test]
    async fn stored_scopes_and_types_keep_their_words_and_an_unknown_one_is_an_error() {
        let (_dir, db) = database().await;
        let payer = payer(&db, &tenant(&db, "t").await, "111111111111").await;
        let mut rule = crate::tenancy::testing::rule(payer.id);
        (rule.scope, rule.rule_type, rule.billing_entity) = (Set(RuleScope::BillingEntity), Set(RuleType::Discount), Set(Some("AWS".into())));
        rule.insert(&db).await.unwrap();
        let words = db.query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT scope, rule_type FROM pricing_rules")).await.unwrap().unwrap();
        assert_eq!((words.try_get::<String>("", "scope").unwrap(), words.try_get::<String>("", "rule_type").unwrap()), ("BILLING_ENTITY".into(), "DISCOUNT".into()));

        assert_eq!(pricing_rules::Entity::find().all(&db).await.unwrap()[0].scope, RuleScope::BillingEntity);
        let changed = db.execute_unprepared("UPDATE pricing_rules SET scope = 'REGION'").await.unwrap();
        assert_eq!(changed.rows_affected(), 1);
        assert!(pricing_rules::Entity::find().all(&db).await.is_err(), "an unknown stored scope must not read as a known one");
    }
}
