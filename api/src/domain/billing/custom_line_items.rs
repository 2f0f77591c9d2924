//! Custom line items: a FEE or CREDIT on a billing group, FLAT (0–1,000,000 per period) or
//! PERCENTAGE (0–10,000 % of the group's pro-forma charge or of listed flat items), for the
//! billing periods `[start, end)` (no end: recurring), optionally on one linked account.

use chrono::Utc;
use entity::custom_line_items::{self, ChargeType};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::groups::{self, Group};
use super::{Change, after_change, begin_change, billing_payer, checked_abc_name, checked_account, checked_amount, checked_description, checked_period, current_period, initial_sync_status};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::notify::outbox;
use crate::tenancy::{PayerAccess, PayerRead, Role, Scope};

pub struct NewItem {
    pub billing_group_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// `FEE` | `CREDIT`
    pub charge_type: ChargeType,
    pub flat_amount: Option<Decimal>,
    pub percentage: Option<Decimal>,
    pub child_item_ids: Vec<Uuid>,
    pub billing_period_start: Option<String>,
    pub billing_period_end: Option<String>,
    pub linked_account_id: Option<String>,
    pub exclude_savings_plan_negation: bool,
}

pub struct ItemChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub flat_amount: Option<Decimal>,
    pub percentage: Option<Decimal>,
    pub child_item_ids: Option<Vec<Uuid>>,
    pub billing_period_start: Option<String>,
    /// `Some(None)` makes the item recurring without end.
    pub billing_period_end: Option<Option<String>>,
    pub exclude_savings_plan_negation: Option<bool>,
}

/// Active in a billing period.
pub fn in_period(item: &custom_line_items::Model, period: &str) -> bool {
    item.billing_period_start.as_str() <= period && item.billing_period_end.as_deref().is_none_or(|end| end > period)
}

/// The ids a PERCENTAGE item is a percentage of.
pub fn child_ids(item: &custom_line_items::Model) -> Vec<Uuid> {
    serde_json::from_str(&item.child_item_ids).unwrap_or_default()
}

/// Exactly one of a flat amount and a percentage, within ABC's limits.
fn checked_charge(flat: Option<Decimal>, percentage: Option<Decimal>) -> AppResult<(Option<i64>, Option<i64>)> {
    match (flat, percentage) {
        (Some(_), Some(_)) => Err(AppError::invalid("percentage", "give either flatAmount or percentage, not both")),
        (None, None) => Err(AppError::invalid("flatAmount", "give either flatAmount or percentage")),
        (Some(f), None) => Ok((Some(checked_amount("flatAmount", f, 2, Decimal::from(1_000_000))?), None)),
        (None, Some(p)) => Ok((None, Some(checked_amount("percentage", p, 2, Decimal::from(10_000))?))),
    }
}

fn checked_range(start: &str, end: Option<&str>) -> AppResult<()> {
    if end.is_some_and(|e| e <= start) {
        return Err(AppError::invalid("billingPeriodEnd", "must be after billingPeriodStart (the end is exclusive)"));
    }
    Ok(())
}

/// Listed items must be FLAT items of the same group.
async fn checked_children(payer: &impl PayerRead, group: Uuid, ids: &[Uuid], percentage: bool) -> AppResult<String> {
    if ids.is_empty() {
        return Ok("[]".to_owned());
    }
    if !percentage {
        return Err(AppError::invalid("childItemIds", "only a PERCENTAGE item is a percentage of other items"));
    }
    let found = payer
        .rows::<custom_line_items::Entity>()
        .filter(custom_line_items::Column::BillingGroupId.eq(group))
        .filter(custom_line_items::Column::Id.is_in(ids.to_vec()))
        .filter(custom_line_items::Column::FlatAmount.is_not_null())
        .all()
        .await?;
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if found.len() != unique.len() {
        return Err(AppError::invalid("childItemIds", "must name FLAT custom line items of the same billing group"));
    }
    serde_json::to_string(&unique).map_err(AppError::internal)
}

fn checked_linked_account(group: &Group, account: Option<&str>) -> AppResult<Option<String>> {
    let Some(account) = account else { return Ok(None) };
    let account = checked_account("linkedAccountId", account)?;
    if !group.memberships.iter().any(|m| m.account_id == account) {
        return Err(AppError::invalid("linkedAccountId", "must be an account of the billing group"));
    }
    Ok(Some(account))
}

/// A payer's custom line items, those active in `period` when given.
pub async fn list(scope: &Scope, payer: PayerId, period: Option<&str>) -> AppResult<Vec<custom_line_items::Model>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let mut query = payer.rows::<custom_line_items::Entity>();
    if let Some(p) = period {
        let p = checked_period("billingPeriod", p)?;
        query = query
            .filter(custom_line_items::Column::BillingPeriodStart.lte(p.clone()))
            .filter(Condition::any().add(custom_line_items::Column::BillingPeriodEnd.is_null()).add(custom_line_items::Column::BillingPeriodEnd.gt(p)));
    }
    query.order_by_asc(custom_line_items::Column::Name).order_by_asc(custom_line_items::Column::Id).all().await
}

pub async fn create(scope: &Scope, input: NewItem) -> AppResult<custom_line_items::Model> {
    let (group, payer) = groups::find(scope, input.billing_group_id, Role::Operator).await?;
    let name = checked_abc_name(input.name.trim())?;
    let description = checked_description(input.description.as_deref())?;
    let charge_type = input.charge_type;
    let (flat, percentage) = checked_charge(input.flat_amount, input.percentage)?;
    let start = match input.billing_period_start.as_deref() {
        Some(s) => checked_period("billingPeriodStart", s)?,
        None => current_period(),
    };
    let end = input.billing_period_end.as_deref().map(|e| checked_period("billingPeriodEnd", e)).transpose()?;
    checked_range(&start, end.as_deref())?;
    let linked = checked_linked_account(&group, input.linked_account_id.as_deref())?;
    let txn = begin_change(scope, &payer).await?;
    let children = checked_children(&txn, group.group.id, &input.child_item_ids, percentage.is_some()).await?;
    let now = Utc::now();
    let item = custom_line_items::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(payer.id),
        billing_group_id: Set(group.group.id),
        name: Set(name),
        description: Set(description),
        charge_type: Set(charge_type),
        flat_amount: Set(flat),
        percentage: Set(percentage),
        child_item_ids: Set(children),
        billing_period_start: Set(start),
        billing_period_end: Set(end),
        linked_account_id: Set(linked),
        exclude_savings_plan_negation: Set(input.exclude_savings_plan_negation),
        currency: Set("USD".to_owned()),
        abc_arn: Set(None),
        abc_sync_status: Set(initial_sync_status(&payer)),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let item = txn.insert(item).await?;
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "custom_line_item.created", id_field: "customLineItemId", id: item.id, name: &item.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(item)
}

/// An item with its group and payer, holding at least `need` on the payer's billing.
async fn find(scope: &Scope, id: Uuid, need: Role) -> AppResult<(custom_line_items::Model, Group, crate::tenancy::ScopedPayer)> {
    let item = scope.payer_row::<custom_line_items::Entity>(id, "custom line item").await?;
    let (group, payer) = groups::find(scope, item.billing_group_id, need).await.map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("custom line item") } else { e })?;
    Ok((item, group, payer))
}

pub async fn update(scope: &Scope, id: Uuid, changes: ItemChanges) -> AppResult<custom_line_items::Model> {
    let (item, group, payer) = find(scope, id, Role::Operator).await?;
    let name = changes.name.as_deref().map(|n| checked_abc_name(n.trim())).transpose()?;
    let description = changes.description.as_deref().map(|d| checked_description(Some(d))).transpose()?;
    // The kind stays: a flat item takes a new amount, a percentage item a new percentage.
    let (flat, percentage) = match (item.flat_amount.is_some(), changes.flat_amount, changes.percentage) {
        (_, None, None) => (item.flat_amount, item.percentage),
        (true, f, None) => checked_charge(f, None)?,
        (false, None, p) => checked_charge(None, p)?,
        (true, _, Some(_)) => return Err(AppError::invalid("percentage", "this is a FLAT item; give flatAmount")),
        (false, Some(_), _) => return Err(AppError::invalid("flatAmount", "this is a PERCENTAGE item; give percentage")),
    };
    let start = match changes.billing_period_start.as_deref() {
        Some(s) => checked_period("billingPeriodStart", s)?,
        None => item.billing_period_start.clone(),
    };
    let end = match changes.billing_period_end {
        Some(Some(e)) => Some(checked_period("billingPeriodEnd", &e)?),
        Some(None) => None,
        None => item.billing_period_end.clone(),
    };
    checked_range(&start, end.as_deref())?;
    let txn = begin_change(scope, &payer).await?;
    let children = match &changes.child_item_ids {
        Some(ids) => Some(checked_children(&txn, group.group.id, ids, percentage.is_some()).await?),
        None => None,
    };
    let mut row: custom_line_items::ActiveModel = item.into();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(description) = description {
        row.description = Set(description);
    }
    if let Some(children) = children {
        row.child_item_ids = Set(children);
    }
    if let Some(exclude) = changes.exclude_savings_plan_negation {
        row.exclude_savings_plan_negation = Set(exclude);
    }
    row.flat_amount = Set(flat);
    row.percentage = Set(percentage);
    row.billing_period_start = Set(start);
    row.billing_period_end = Set(end);
    if initial_sync_status(&payer).is_some() {
        row.abc_sync_status = Set(initial_sync_status(&payer));
    }
    row.updated_at = Set(Utc::now());
    let item = txn.update(row).await?;
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "custom_line_item.updated", id_field: "customLineItemId", id: item.id, name: &item.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(item)
}

/// Deletes an item (and takes it out of percentage items listing it); returns it as it was.
pub async fn delete(scope: &Scope, id: Uuid) -> AppResult<custom_line_items::Model> {
    let (item, group, payer) = find(scope, id, Role::Operator).await?;
    let txn = begin_change(scope, &payer).await?;
    txn.delete::<custom_line_items::Entity>().filter(custom_line_items::Column::Id.eq(item.id)).exec().await?;
    let others = txn.rows::<custom_line_items::Entity>().filter(custom_line_items::Column::BillingGroupId.eq(group.group.id)).all().await?;
    for other in others.into_iter().filter(|o| child_ids(o).contains(&item.id)) {
        let rest: Vec<Uuid> = child_ids(&other).into_iter().filter(|c| *c != item.id).collect();
        let mut row: custom_line_items::ActiveModel = other.into();
        row.child_item_ids = Set(serde_json::to_string(&rest).map_err(AppError::internal)?);
        txn.update(row).await?;
    }
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "custom_line_item.deleted", id_field: "customLineItemId", id: item.id, name: &item.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(item)
}

