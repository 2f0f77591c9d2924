//! Billing groups: a payer's linked accounts billed together, with the billing periods each
//! account belongs (an account is in at most one group per period).

use std::collections::BTreeSet;

use chrono::Utc;
use entity::{abc_cost_reports, billing_group_accounts, billing_groups, billing_results, custom_line_items, pricing_plans};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder,
    
};
use uuid::Uuid;

use super::{Change, after_change, begin_change, payer_of, billing_payer, checked_abc_name, checked_account, checked_description, checked_period, current_period, initial_sync_status};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::notify::outbox;
use crate::tenancy::payer::Rows;
use crate::tenancy::{PayerAccess, PayerRead, PayerSet, PayerTransactions, PayerTxn, Role, Scope, ScopedPayer};

/// ABC's limit of accounts per billing group.
pub const MAX_ACCOUNTS: usize = 1000;

/// A group with its memberships.
#[derive(Debug, Clone)]
pub struct Group {
    pub group: billing_groups::Model,
    pub memberships: Vec<billing_group_accounts::Model>,
}

impl Group {
    /// The member accounts in one billing period.
    pub fn accounts_in(&self, period: &str) -> Vec<String> {
        let mut out: Vec<String> = self.memberships.iter().filter(|m| in_period(m, period)).map(|m| m.account_id.clone()).collect();
        out.sort();
        out
    }
}

/// Whether a membership covers a period.
pub fn in_period(m: &billing_group_accounts::Model, period: &str) -> bool {
    m.billing_period_start.as_str() <= period && m.billing_period_end.as_deref().is_none_or(|end| end > period)
}

pub struct NewGroup {
    pub payer: PayerId,
    pub name: String,
    pub description: Option<String>,
    pub primary_account_id: String,
    pub account_ids: Vec<String>,
    pub pricing_plan_id: Uuid,
    pub customer_tenant_id: Option<TenantId>,
    /// First billing period of the members; the current one when absent.
    pub billing_period: Option<String>,
}

pub struct GroupChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub primary_account_id: Option<String>,
    /// The full new member list, effective from `billing_period`.
    pub account_ids: Option<Vec<String>>,
    pub pricing_plan_id: Option<Uuid>,
    /// `Some(None)` removes the customer tenant.
    pub customer_tenant_id: Option<Option<TenantId>>,
    /// From which billing period a membership change applies; the current one when absent.
    pub billing_period: Option<String>,
}

fn checked_accounts(ids: &[String]) -> AppResult<Vec<String>> {
    let mut set = BTreeSet::new();
    for id in ids {
        set.insert(checked_account("accountIds", id)?);
    }
    if set.is_empty() {
        return Err(AppError::invalid("accountIds", "name at least one account"));
    }
    if set.len() > MAX_ACCOUNTS {
        return Err(AppError::invalid("accountIds", format!("a billing group holds at most {MAX_ACCOUNTS} accounts")));
    }
    Ok(set.into_iter().collect())
}

/// The pricing plan, which must be the payer's.
async fn plan_of(payer: &impl PayerRead, id: Uuid) -> AppResult<pricing_plans::Model> {
    payer
        .rows::<pricing_plans::Entity>()
        .filter(pricing_plans::Column::Id.eq(id))
        .one()
        .await?
        .ok_or_else(|| AppError::invalid("pricingPlanId", "no such pricing plan on this payer"))
}

/// A customer tenant the caller can see, below the payer's tenant.
async fn customer_tenant(scope: &Scope, payer: &ScopedPayer, id: TenantId) -> AppResult<Uuid> {
    let tenant = scope.tenant(id, Role::Viewer).await.map_err(|_| AppError::invalid("customerTenantId", "no such tenant in your scope"))?;
    if !tenant.path.starts_with(payer.tenant_path()) {
        return Err(AppError::invalid("customerTenantId", "must be the payer's tenant or a tenant below it"));
    }
    Ok(tenant.id)
}

/// Refuses accounts that another group of the payer holds in any period from `from` on.
async fn check_free(payer: &impl PayerRead, group: Option<Uuid>, accounts: &[String], from: &str) -> AppResult<()> {
    let mut query = payer
        .rows::<billing_group_accounts::Entity>()
        .filter(billing_group_accounts::Column::AccountId.is_in(accounts.to_vec()))
        .filter(Condition::any().add(billing_group_accounts::Column::BillingPeriodEnd.is_null()).add(billing_group_accounts::Column::BillingPeriodEnd.gt(from)));
    if let Some(group) = group {
        query = query.filter(billing_group_accounts::Column::BillingGroupId.ne(group));
    }
    if let Some(taken) = query.order_by_asc(billing_group_accounts::Column::AccountId).one().await? {
        let other = payer.rows::<billing_groups::Entity>().filter(billing_groups::Column::Id.eq(taken.billing_group_id)).one().await?.map(|g| g.name).unwrap_or_default();
        return Err(AppError::invalid(
            "accountIds",
            format!("account {} is already in billing group {other} from {}", taken.account_id, taken.billing_period_start),
        ));
    }
    Ok(())
}

fn conflict_on_name(err: AppError) -> AppError {
    err.or_on_unique_violation(|| AppError::invalid("name", "another billing group of this payer has that name"))
}

/// One of the payer's groups with its memberships.
pub async fn load(payer: &impl PayerRead, group: billing_groups::Model) -> AppResult<Group> {
    load_all(payer, vec![group]).await?.pop().ok_or_else(|| AppError::internal(anyhow::anyhow!("loading a billing group returned nothing")))
}

/// A group and its payer, holding at least `need` on the payer's billing.
pub async fn find(scope: &Scope, id: Uuid, need: Role) -> AppResult<(Group, crate::tenancy::ScopedPayer)> {
    let group = scope.payer_row::<billing_groups::Entity>(id, "billing group").await?;
    let payer = payer_of(scope, group.payer_id, need, "billing group").await?;
    let group = with_memberships_in(&payer.as_payer_set(), vec![group]).await?.pop();
    Ok((group.ok_or_else(|| AppError::internal(anyhow::anyhow!("loading a billing group returned nothing")))?, payer))
}

/// A payer's billing groups.
pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<Group>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    of_payer_in(&payer.as_payer_set(), payer.id).await
}

/// Every billing group of one payer of a checked set (a cost view's), by name, with their
/// memberships.
pub async fn of_payer_in(payers: &PayerSet, payer: Uuid) -> AppResult<Vec<Group>> {
    let groups = payers.rows::<billing_groups::Entity>().filter(billing_groups::Column::PayerId.eq(payer)).order_by_asc(billing_groups::Column::Name).all().await?;
    with_memberships_in(payers, groups).await
}

/// [`load_all`] through a checked set of payers.
async fn with_memberships_in(payers: &PayerSet, groups: Vec<billing_groups::Model>) -> AppResult<Vec<Group>> {
    with_memberships(payers.rows::<billing_group_accounts::Entity>(), groups).await
}

/// Groups assigned to the caller's customers (read through `Scope::customer_rows`), with the
/// checked set of their payers, through which they are priced, and their memberships.
pub async fn of_customers(scope: &Scope, groups: Vec<billing_groups::Model>) -> AppResult<(PayerSet, Vec<Group>)> {
    let payers = scope.readable_payers(&groups.iter().map(|g| g.payer_id).collect::<Vec<_>>()).await?;
    let groups = with_memberships_in(&payers, groups).await?;
    Ok((payers, groups))
}

/// Every billing group of a payer by name, with their memberships.
pub async fn of_payer(payer: &impl PayerRead) -> AppResult<Vec<Group>> {
    let groups = payer.rows::<billing_groups::Entity>().order_by_asc(billing_groups::Column::Name).all().await?;
    load_all(payer, groups).await
}

/// Some of the payer's groups with their memberships, in one query for all of them (not one
/// per group). A group of another payer is an error: its memberships are not this payer's.
pub async fn load_all(payer: &impl PayerRead, groups: Vec<billing_groups::Model>) -> AppResult<Vec<Group>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(other) = groups.iter().find(|g| g.payer_id != payer.payer_id()) {
        return Err(AppError::internal(anyhow::anyhow!("billing group {} is not of payer {}", other.id, payer.payer_id())));
    }
    with_memberships(payer.rows::<billing_group_accounts::Entity>(), groups).await
}

/// Groups with their memberships, read in one query from the memberships a handle reaches.
async fn with_memberships<C: sea_orm::ConnectionTrait>(memberships: Rows<'_, billing_group_accounts::Entity, C>, groups: Vec<billing_groups::Model>) -> AppResult<Vec<Group>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let memberships = memberships
        .filter(billing_group_accounts::Column::BillingGroupId.is_in(groups.iter().map(|g| g.id)))
        .order_by_asc(billing_group_accounts::Column::AccountId)
        .order_by_asc(billing_group_accounts::Column::BillingPeriodStart)
        .all()
        .await?;
    Ok(assembled(groups, memberships))
}

/// Groups with their memberships (each group's, in the order read).
fn assembled(groups: Vec<billing_groups::Model>, memberships: Vec<billing_group_accounts::Model>) -> Vec<Group> {
    let mut by_group: std::collections::HashMap<Uuid, Vec<billing_group_accounts::Model>> = std::collections::HashMap::new();
    for m in memberships {
        by_group.entry(m.billing_group_id).or_default().push(m);
    }
    groups.into_iter().map(|group| Group { memberships: by_group.remove(&group.id).unwrap_or_default(), group }).collect()
}

pub async fn create(scope: &Scope, input: NewGroup) -> AppResult<Group> {
    let payer = billing_payer(scope, input.payer, Role::Operator).await?;
    let name = checked_abc_name(input.name.trim())?;
    let description = checked_description(input.description.as_deref())?;
    let accounts = checked_accounts(&input.account_ids)?;
    let primary = checked_account("primaryAccountId", &input.primary_account_id)?;
    if !accounts.contains(&primary) {
        return Err(AppError::invalid("primaryAccountId", "must be one of the group's accounts"));
    }
    let period = match input.billing_period.as_deref() {
        Some(p) => checked_period("billingPeriod", p)?,
        None => current_period(),
    };
    let customer = match input.customer_tenant_id {
        Some(t) => Some(customer_tenant(scope, &payer, t).await?),
        None => None,
    };
    let txn = begin_change(scope, &payer).await?;
    let plan = plan_of(&txn, input.pricing_plan_id).await?;
    check_free(&txn, None, &accounts, &period).await?;
    super::resellers::check_upstream_members(&txn, &accounts, &period).await?;
    let now = Utc::now();
    let group = billing_groups::ActiveModel {
        id: Set(Uuid::now_v7()),
        payer_id: Set(payer.id),
        name: Set(name),
        description: Set(description),
        primary_account_id: Set(primary),
        pricing_plan_id: Set(plan.id),
        customer_tenant_id: Set(customer),
        abc_arn: Set(None),
        abc_sync_status: Set(initial_sync_status(&payer)),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let group = txn.insert(group).await.map_err(conflict_on_name)?;
    for account in &accounts {
        add_member(&txn, &group, account, &period).await?;
    }
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "created", id_field: "billingGroupId", id: group.id, name: &group.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    let out = load(&txn, group).await?;
    txn.commit().await?;
    Ok(out)
}

/// Platform work (a job, no caller): `accounts` join the group from `period`, except any another
/// group of the payer already holds then. Under the payer's billing lock; the payer's stored
/// results are recomputed as after any change. Returns the accounts that joined.
pub async fn join_from(payer: &impl PayerTransactions, group: &Group, accounts: &[String], period: &str, by: &str) -> AppResult<Vec<String>> {
    let txn = payer.begin_write().await?;
    super::lock(&txn).await?;
    let current = group.accounts_in(period);
    let taken: Vec<String> = txn
        .rows::<billing_group_accounts::Entity>()
        .filter(billing_group_accounts::Column::AccountId.is_in(accounts.to_vec()))
        .filter(Condition::any().add(billing_group_accounts::Column::BillingPeriodEnd.is_null()).add(billing_group_accounts::Column::BillingPeriodEnd.gt(period)))
        .all()
        .await?
        .into_iter()
        .map(|m| m.account_id)
        .collect();
    let joining: Vec<String> = accounts.iter().filter(|a| !current.contains(a) && !taken.contains(a)).cloned().collect();
    for account in &joining {
        add_member(&txn, &group.group, account, period).await?;
    }
    if !joining.is_empty() {
        super::results::recompute_stored_periods(&txn, by, outbox::BILLING_GROUP_CHANGED).await?;
    }
    txn.commit().await?;
    Ok(joining)
}

async fn add_member(txn: &PayerTxn, group: &billing_groups::Model, account: &str, from: &str) -> AppResult<()> {
    let member = billing_group_accounts::ActiveModel {
        id: Set(Uuid::now_v7()),
        billing_group_id: Set(group.id),
        payer_id: Set(group.payer_id),
        account_id: Set(account.to_owned()),
        billing_period_start: Set(from.to_owned()),
        billing_period_end: Set(None),
    };
    txn.insert(member).await?;
    Ok(())
}

/// Applies a new member list from `period` on: leavers end there, joiners start there.
async fn change_members(txn: &PayerTxn, group: &Group, accounts: &[String], period: &str) -> AppResult<()> {
    let current = group.accounts_in(period);
    let joiners: Vec<String> = accounts.iter().filter(|a| !current.contains(a)).cloned().collect();
    check_free(txn, Some(group.group.id), &joiners, period).await?;
    for m in group.memberships.iter().filter(|m| in_period(m, period) && !accounts.contains(&m.account_id)) {
        if m.billing_period_start.as_str() >= period {
            txn.delete::<billing_group_accounts::Entity>().filter(billing_group_accounts::Column::Id.eq(m.id)).exec().await?;
        } else {
            let mut row: billing_group_accounts::ActiveModel = m.clone().into();
            row.billing_period_end = Set(Some(period.to_owned()));
            txn.update(row).await?;
        }
    }
    for account in &joiners {
        // A later membership of the same account in this group is folded into the new one.
        txn.delete::<billing_group_accounts::Entity>()
            .filter(billing_group_accounts::Column::BillingGroupId.eq(group.group.id))
            .filter(billing_group_accounts::Column::AccountId.eq(account.as_str()))
            .filter(billing_group_accounts::Column::BillingPeriodStart.gt(period))
            .exec()
            .await?;
        add_member(txn, &group.group, account, period).await?;
    }
    Ok(())
}

pub async fn update(scope: &Scope, id: Uuid, changes: GroupChanges) -> AppResult<Group> {
    let (group, payer) = find(scope, id, Role::Operator).await?;
    let name = changes.name.as_deref().map(|n| checked_abc_name(n.trim())).transpose()?;
    let description = changes.description.as_deref().map(|d| checked_description(Some(d))).transpose()?;
    let period = match changes.billing_period.as_deref() {
        Some(p) => checked_period("billingPeriod", p)?,
        None => current_period(),
    };
    let accounts = changes.account_ids.as_deref().map(checked_accounts).transpose()?;
    let primary = changes.primary_account_id.as_deref().map(|p| checked_account("primaryAccountId", p)).transpose()?;
    let members = accounts.clone().unwrap_or_else(|| group.accounts_in(&period));
    let primary_after = primary.clone().unwrap_or_else(|| group.group.primary_account_id.clone());
    if !members.contains(&primary_after) {
        return Err(AppError::invalid("primaryAccountId", "must be one of the group's accounts"));
    }
    let customer = match changes.customer_tenant_id {
        Some(Some(t)) => Some(Some(customer_tenant(scope, &payer, t).await?)),
        Some(None) => Some(None),
        None => None,
    };
    let txn = begin_change(scope, &payer).await?;
    let plan = match changes.pricing_plan_id {
        Some(p) => Some(plan_of(&txn, p).await?.id),
        None => None,
    };
    if let Some(accounts) = &accounts {
        super::resellers::check_upstream_members(&txn, accounts, &period).await?;
        change_members(&txn, &group, accounts, &period).await?;
    }
    let mut row: billing_groups::ActiveModel = group.group.clone().into();
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(description) = description {
        row.description = Set(description);
    }
    if let Some(primary) = primary {
        row.primary_account_id = Set(primary);
    }
    if let Some(plan) = plan {
        row.pricing_plan_id = Set(plan);
    }
    if let Some(customer) = customer {
        row.customer_tenant_id = Set(customer);
    }
    if initial_sync_status(&payer).is_some() {
        row.abc_sync_status = Set(initial_sync_status(&payer));
    }
    row.updated_at = Set(Utc::now());
    let updated = txn.update(row).await.map_err(conflict_on_name)?;
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "updated", id_field: "billingGroupId", id: updated.id, name: &updated.name, effective_from: Some(period.clone()) };
    after_change(&txn, scope, &payer, change).await?;
    let out = load(&txn, updated).await?;
    txn.commit().await?;
    Ok(out)
}

/// Deletes a group with its memberships, custom line items and stored results; returns it as it was.
pub async fn delete(scope: &Scope, id: Uuid) -> AppResult<Group> {
    let (group, payer) = find(scope, id, Role::Operator).await?;
    let txn = begin_change(scope, &payer).await?;
    let gid = group.group.id;
    if txn.group_has_resellers(gid).await? {
        return Err(AppError::Conflict("a reseller's payer prices from this billing group; remove that payer first".into()));
    }
    // Explicit, so the outcome does not depend on the engine enforcing foreign keys.
    txn.delete::<billing_group_accounts::Entity>().filter(billing_group_accounts::Column::BillingGroupId.eq(gid)).exec().await?;
    txn.delete::<custom_line_items::Entity>().filter(custom_line_items::Column::BillingGroupId.eq(gid)).exec().await?;
    txn.delete::<billing_results::Entity>().filter(billing_results::Column::BillingGroupId.eq(gid)).exec().await?;
    txn.delete::<abc_cost_reports::Entity>().filter(abc_cost_reports::Column::BillingGroupId.eq(gid)).exec().await?;
    txn.delete::<billing_groups::Entity>().filter(billing_groups::Column::Id.eq(gid)).exec().await?;
    let change = Change { event_type: outbox::BILLING_GROUP_CHANGED, action: "deleted", id_field: "billingGroupId", id: group.group.id, name: &group.group.name, effective_from: None };
    after_change(&txn, scope, &payer, change).await?;
    txn.commit().await?;
    Ok(group)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use entity::{payers, tenants};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

    use super::*;
    use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
    use crate::ids::{ROOT_TENANT_ID, SessionId, UserId};

    /// `billingGroups` loaded each group's memberships with its own query (p50 3.6 s under load):
    /// the number of statements must not grow with the number of groups.
    #[tokio::test]
    async fn listing_billing_groups_takes_the_same_queries_for_3_or_30_groups() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/pb.db?mode=rwc", dir.path().display());
        let db = crate::startup::connect_database(&url).await.unwrap();
        crate::startup::migrate(&db).await.unwrap();
        crate::tenancy::ensure_root(&db).await.unwrap();
        let root = tenants::Entity::find_by_id(ROOT_TENANT_ID.0).one(db.pool()).await.unwrap().unwrap();
        let principal = Principal {
            user_id: UserId(Uuid::now_v7()),
            email: "admin@example.com".into(),
            credential: Credential::Session(SessionId(Uuid::now_v7())),
            grants: vec![Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId(root.id), path: root.path.clone() } }],
        };
        let mut statements = Vec::new();
        for groups in [3, 30] {
            let payer = Uuid::now_v7();
            let now = Utc::now();
            payers::ActiveModel {
                id: Set(payer),
                tenant_id: Set(root.id),
                account_id: Set(format!("{:012}", groups)),
                name: Set("p".into()),
                role_arn: Set(format!("arn:aws:iam::{:012}:role/R", groups)),
                external_id: Set(format!("ext-{payer}")),
                status: Set(crate::domain::payers::PayerStatus::Connected),
                status_reason: Set(None),
                last_checked_at: Set(None),
                cost_export_bucket: Set(None),
                cost_export_prefix: Set(None),
                billing_mode: Set(crate::domain::billing::abc::BillingMode::Native),
                upstream_billing_group_id: Set(None),
                dashboard_url: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db.pool())
            .await
            .unwrap();
            let plan = crate::tenancy::testing::plan(&db, payer).await.id;
            for g in 0..groups {
                let group = crate::tenancy::testing::group(&db, payer, plan, &format!("group {g:02}"), None).await.id;
                for a in 0..2 {
                    billing_group_accounts::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        billing_group_id: Set(group),
                        payer_id: Set(payer),
                        account_id: Set(format!("1000000{g:03}{a:02}")),
                        billing_period_start: Set("2026-01".into()),
                        billing_period_end: Set(None),
                    }
                    .insert(db.pool())
                    .await
                    .unwrap();
                }
            }
            let (counted, count) = crate::tenancy::testing::counting(&db);
            let scope = Scope::new(counted, principal.clone());
            let listed = list(&scope, PayerId(payer)).await.unwrap();
            assert_eq!(listed.len(), groups);
            assert!(listed.iter().all(|g| g.memberships.len() == 2 && g.memberships.iter().all(|m| m.billing_group_id == g.group.id)));
            statements.push(count.load(Ordering::SeqCst));
        }
        assert_eq!(statements[0], statements[1], "statements for 3 and 30 groups: {statements:?}");
    }
}
