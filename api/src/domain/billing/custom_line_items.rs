//! Custom line items: a FEE or CREDIT on a billing group, FLAT (0–1,000,000 per period) or
//! PERCENTAGE (0–10,000 % of the group's pro-forma charge or of listed flat items), for the
//! billing periods `[start, end)` (no end: recurring), optionally on one linked account.

use chrono::{DateTime, Utc};
use entity::custom_line_items::{self, ChargeType};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::groups::{self, Group};
use super::{Change, after_change, begin_change, billing_payer, checked_abc_name, checked_account, checked_amount, checked_description, checked_period, current_period, initial_sync_status};
use super::abc::AbcLink;
use crate::error::{AppError, AppResult};
use crate::money::from_units;
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
/// A custom line item as the domain shows it: amounts and percentages as decimals, the items a
/// percentage applies to as ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: Uuid,
    pub payer_id: Uuid,
    pub billing_group_id: Uuid,
    pub name: String,
    pub description: String,
    pub charge_type: ChargeType,
    /// Per billing period; set for FLAT items.
    pub flat_amount: Option<Decimal>,
    /// Percent; set for PERCENTAGE items.
    pub percentage: Option<Decimal>,
    /// The FLAT items a PERCENTAGE item is a percentage of (empty: of the group's pro-forma charge).
    pub child_item_ids: Vec<Uuid>,
    pub billing_period_start: String,
    /// Exclusive; none for a recurring item without end.
    pub billing_period_end: Option<String>,
    pub linked_account_id: Option<String>,
    pub exclude_savings_plan_negation: bool,
    pub currency: String,
    pub abc: AbcLink,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<custom_line_items::Model> for Item {
    type Error = AppError;

    fn try_from(i: custom_line_items::Model) -> AppResult<Self> {
        let child_item_ids = stored_child_ids(&i)?;
        Ok(Self {
            id: i.id,
            payer_id: i.payer_id,
            billing_group_id: i.billing_group_id,
            name: i.name,
            description: i.description,
            charge_type: i.charge_type,
            flat_amount: i.flat_amount.map(|v| from_units(v).normalize()),
            percentage: i.percentage.map(|v| from_units(v).normalize()),
            child_item_ids,
            billing_period_start: i.billing_period_start,
            billing_period_end: i.billing_period_end,
            linked_account_id: i.linked_account_id,
            exclude_savings_plan_negation: i.exclude_savings_plan_negation,
            currency: i.currency,
            abc: AbcLink { arn: i.abc_arn, status: i.abc_sync_status, error: i.abc_sync_error },
            created_at: i.created_at,
            updated_at: i.updated_at,
        })
    }
}

/// The FLAT items a PERCENTAGE item applies to, as stored (a JSON array of ids). Unreadable ids
/// are an error, not an empty list (which would mean "of the whole group").
pub fn stored_child_ids(item: &custom_line_items::Model) -> AppResult<Vec<Uuid>> {
    serde_json::from_str(&item.child_item_ids).map_err(|e| AppError::internal(anyhow::anyhow!("custom line item {} has unreadable child ids: {e}", item.id)))
}

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
pub async fn list(scope: &Scope, payer: PayerId, period: Option<&str>) -> AppResult<Vec<Item>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    let mut query = payer.rows::<custom_line_items::Entity>();
    if let Some(p) = period {
        let p = checked_period("billingPeriod", p)?;
        query = query
            .filter(custom_line_items::Column::BillingPeriodStart.lte(p.clone()))
            .filter(Condition::any().add(custom_line_items::Column::BillingPeriodEnd.is_null()).add(custom_line_items::Column::BillingPeriodEnd.gt(p)));
    }
    query.order_by_asc(custom_line_items::Column::Name).order_by_asc(custom_line_items::Column::Id).all().await?.into_iter().map(Item::try_from).collect()
}

pub async fn create(scope: &Scope, input: NewItem) -> AppResult<Item> {
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
    Item::try_from(item)
}

/// An item with its group and payer, holding at least `need` on the payer's billing.
async fn find(scope: &Scope, id: Uuid, need: Role) -> AppResult<(custom_line_items::Model, Group, crate::tenancy::ScopedPayer)> {
    let item = scope.payer_row::<custom_line_items::Entity>(id, "custom line item").await?;
    let (group, payer) = groups::find(scope, item.billing_group_id, need).await.map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound("custom line item") } else { e })?;
    Ok((item, group, payer))
}

pub async fn update(scope: &Scope, id: Uuid, changes: ItemChanges) -> AppResult<Item> {
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
    Item::try_from(item)
}

/// Deletes an item (and takes it out of percentage items listing it); returns it as it was.
pub async fn delete(scope: &Scope, id: Uuid) -> AppResult<Item> {
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
    Item::try_from(item)
}


#[cfg(test)]
mod tests {
    use super::*;

    fn stored(child_item_ids: &str) -> custom_line_items::Model {
        custom_line_items::Model {
            id: Uuid::now_v7(),
            payer_id: Uuid::now_v7(),
            billing_group_id: Uuid::now_v7(),
            name: "support".into(),
            description: String::new(),
            charge_type: ChargeType::Fee,
            flat_amount: None,
            percentage: Some(1_250_000_000),
            child_item_ids: child_item_ids.into(),
            billing_period_start: "2026-11".into(),
            billing_period_end: None,
            linked_account_id: None,
            exclude_savings_plan_negation: false,
            currency: "USD".into(),
            abc_arn: None,
            abc_sync_status: None,
            abc_sync_error: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    /// Unreadable child ids would otherwise read as "a percentage of the whole group".
    #[test]
    fn an_item_reads_its_percentage_and_children_and_refuses_unreadable_children() {
        let child = Uuid::now_v7();
        let item = Item::try_from(stored(&format!("[\"{child}\"]"))).unwrap();
        assert_eq!((item.percentage, item.flat_amount, item.child_item_ids), (Some(Decimal::new(125, 1)), None, vec![child]));
        assert!(matches!(Item::try_from(stored("not json")), Err(AppError::Internal(_))));
    }
}
