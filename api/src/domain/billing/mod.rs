//! Billing, modelled on AWS Billing Conductor: billing groups of linked accounts per billing
//! period, pricing plans made of pricing rules, custom line items, and our own pro-forma engine
//! over the day-grain cost data for any month. Billing configuration and AWS cost are for the
//! partner (viewers read, operators and admins write); end-customer users only see their own
//! pro-forma charges (`results::my_charges`).

pub mod abc;
pub mod custom_line_items;
pub mod engine;
pub mod groups;
pub mod plan_versions;
pub mod plans;
pub mod resellers;
pub mod results;
pub mod rules;
pub mod snapshot;
pub mod stored_prices;

use chrono::{Datelike, NaiveDate, Utc};
use entity::{payers, tenants};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use serde_json::Value;

use crate::tenancy::principal::GrantTarget;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money::to_units;
use crate::notify::outbox::{self, Event};
use crate::tenancy::{PayerAccess, PayerRead, PayerTransactions, PayerTxn, Role, Scope, ScopedPayer};


/// A payer whose billing the caller may read (`Viewer`) or change (`Operator`). End-customer
/// users — whose only role on the payer comes through `customer` tenants — are refused: AWS
/// cost, margin and pricing are the partner's.
pub async fn billing_payer(scope: &Scope, id: PayerId, need: Role) -> AppResult<ScopedPayer> {
    let payer = scope.payer(id, need).await?;
    let path = payer.tenant_path();
    let principal = scope.principal();
    if principal.payer_ids(need).contains(&id) {
        return Ok(payer);
    }
    let covering = tenant_grants(scope, need).into_iter().filter(|(_, p)| path.starts_with(p)).map(|(id, _)| id);
    if partner_tenants(scope, need, covering).one().await?.is_none() {
        return Err(AppError::forbidden("billing configuration, AWS cost and margin are for the partner; customers see myCharges"));
    }
    Ok(payer)
}

/// The tenants on whose subtrees the caller holds at least `need`, with their paths.
fn tenant_grants(scope: &Scope, need: Role) -> Vec<(uuid::Uuid, &str)> {
    scope
        .principal()
        .grants
        .iter()
        .filter(|g| g.role >= need)
        .filter_map(|g| match &g.target {
            GrantTarget::Tenant { id, path } => Some((id.0, path.as_str())),
            _ => None,
        })
        .collect()
}

/// Those of the tenants `ids` the caller sees with `need` that are on the partner's side (not
/// customer tenants): a grant on one reaches a payer's billing.
fn partner_tenants(scope: &Scope, need: Role, ids: impl IntoIterator<Item = uuid::Uuid>) -> crate::tenancy::payer::Rows<'_, tenants::Entity, crate::db::Db> {
    scope.tenants(need).filter(tenants::Column::Id.is_in(ids)).filter(tenants::Column::Kind.ne(crate::tenancy::TenantKind::Customer))
}

/// The payers among `ids` for which [`billing_payer`] would answer with the payer, decided the
/// same way in three queries however many there are (a cost view over fifty payers checked each
/// in three). The others are left out, for `billing_payer` to answer one by one (a customer's
/// view of the payer, NOT_FOUND, FORBIDDEN).
pub async fn billing_payers_among(scope: &Scope, ids: &[PayerId], need: Role) -> AppResult<std::collections::HashSet<PayerId>> {
    let visible = scope.payers_among(ids, need).await?;
    if visible.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let principal = scope.principal();
    let direct = principal.payer_ids(need);
    let grants = tenant_grants(scope, need);
    let partner_side: std::collections::HashSet<uuid::Uuid> = if grants.is_empty() {
        std::collections::HashSet::new()
    } else {
        partner_tenants(scope, need, grants.iter().map(|(id, _)| *id)).all().await?.into_iter().map(|t| t.id).collect()
    };
    Ok(visible
        .into_iter()
        .filter(|(payer, path)| {
            let id = PayerId(payer.id);
            direct.contains(&id) || grants.iter().any(|(tenant, p)| path.starts_with(p) && partner_side.contains(tenant))
        })
        .map(|(payer, _)| PayerId(payer.id))
        .collect())
}

/// Starts a billing change: a transaction whose first statement takes the payer's write lock.
/// Changes of one payer then run one at a time (PostgreSQL row lock), and SQLite never has to
/// turn a read snapshot into a write, which fails when another connection wrote meanwhile.
pub async fn begin_change(scope: &Scope, payer: &ScopedPayer) -> AppResult<PayerTxn> {
    let txn = payer.begin_write().await?;
    lock(&txn).await?;
    plan_versions::ensure_baseline(&txn, &scope.principal().email).await?;
    Ok(txn)
}

/// Takes the payer's billing lock in its write transaction (a no-op update of its row: a row
/// lock on PostgreSQL, the write lock on SQLite). Platform jobs that change billing take it too.
pub async fn lock(txn: &PayerTxn) -> AppResult<()> {
    txn.update_rows::<payers::Entity>().col_expr(payers::Column::UpdatedAt, Expr::col(payers::Column::UpdatedAt)).exec().await?;
    Ok(())
}

/// The payer of a billing object, holding `need`; an invisible payer reads as the object not found.
pub async fn payer_of(scope: &Scope, payer: uuid::Uuid, need: Role, what: &'static str) -> AppResult<ScopedPayer> {
    billing_payer(scope, PayerId(payer), need).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound(what),
        e => e,
    })
}

/// Checks a `YYYY-MM` billing period.
pub fn checked_period(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    let ok = v.len() == 7 && NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok();
    if !ok {
        return Err(AppError::invalid(field, "must be a billing period YYYY-MM"));
    }
    Ok(v.to_owned())
}

/// The current billing period (UTC).
pub fn current_period() -> String {
    let today = Utc::now().date_naive();
    format!("{:04}-{:02}", today.year(), today.month())
}

/// The period after `period` (which must be valid).
pub fn next_period(period: &str) -> String {
    let (y, m) = (period[..4].parse::<i32>().unwrap_or(1970), period[5..].parse::<u32>().unwrap_or(1));
    if m == 12 { format!("{:04}-01", y + 1) } else { format!("{y:04}-{:02}", m + 1) }
}

/// AWS Billing Conductor's name pattern: `[a-zA-Z0-9_+=.\-@]{1,128}`.
pub fn checked_abc_name(value: &str) -> AppResult<String> {
    let ok = !value.is_empty() && value.len() <= 128 && value.chars().all(|c| c.is_ascii_alphanumeric() || "_+=.-@".contains(c));
    if !ok {
        return Err(AppError::invalid("name", "must be 1 to 128 of the characters a-z A-Z 0-9 _ + = . - @"));
    }
    Ok(value.to_owned())
}

/// At most 1024 characters.
pub fn checked_description(value: Option<&str>) -> AppResult<String> {
    let v = value.unwrap_or_default().trim();
    if v.chars().count() > 1024 {
        return Err(AppError::invalid("description", "must be at most 1024 characters"));
    }
    Ok(v.to_owned())
}

/// A non-negative amount with at most `max_dp` decimals and at most `max`, as storage units.
pub fn checked_amount(field: &str, value: Decimal, max_dp: u32, max: Decimal) -> AppResult<i64> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    if value.normalize().scale() > max_dp {
        return Err(AppError::invalid(field, format!("must have at most {max_dp} decimal places")));
    }
    if value > max {
        return Err(AppError::invalid(field, format!("must be at most {max}")));
    }
    to_units(value).map_err(|_| AppError::invalid(field, "is too large"))
}

/// A 12-digit AWS account id.
pub fn checked_account(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    if !crate::aws::is_account_id(v) {
        return Err(AppError::invalid(field, format!("{v:?} is not a 12-digit AWS account id")));
    }
    Ok(v.to_owned())
}

/// The ABC sync state a new or changed object gets: PENDING in Billing Conductor mode.
pub fn initial_sync_status(payer: &payers::Model) -> Option<abc::AbcSyncStatus> {
    (payer.billing_mode == abc::BillingMode::BillingConductor).then_some(abc::AbcSyncStatus::Pending)
}

/// What changed, for the event and the recomputation it triggers.
pub struct Change<'a> {
    pub event_type: &'static str,
    pub action: &'static str,
    /// `billingGroupId`, `pricingPlanId`, `pricingRuleId` or `customLineItemId`.
    pub id_field: &'static str,
    pub id: uuid::Uuid,
    pub name: &'a str,
    /// The first billing period the change applies to (checked, open); None: the current one.
    pub effective_from: Option<String>,
}

/// A period a change may take effect from: an open one (a closed month is frozen).
pub async fn checked_effective_from(payer: &impl PayerRead, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let period = checked_period("effectiveFrom", value)?;
    if snapshot::closed_periods(payer).await?.iter().any(|c| *c >= period) {
        return Err(AppError::invalid("effectiveFrom", format!("{period} or a later month is closed; a change takes effect after the last closed month")));
    }
    Ok(Some(period))
}

/// Everything a billing configuration change does in its transaction: the domain event, the
/// Billing Conductor sync request, the plan versions it starts, and the recomputation of every
/// open period already computed.
pub async fn after_change(txn: &PayerTxn, scope: &Scope, payer: &payers::Model, change: Change<'_>) -> AppResult<()> {
    let mut data = serde_json::Map::new();
    data.insert("action".into(), Value::from(change.action));
    data.insert(change.id_field.into(), Value::from(change.id.to_string()));
    data.insert("name".into(), Value::from(change.name));
    data.insert("by".into(), Value::from(scope.principal().email.as_str()));
    let event = Event { event_type: change.event_type, payer, subject: Some(change.id.to_string()), data: Value::Object(data) };
    outbox::record_in(txn, event).await?;
    abc::request_sync(txn).await?;
    let effective_from = change.effective_from.unwrap_or_else(current_period);
    plan_versions::record(txn, &effective_from, &scope.principal().email).await?;
    results::recompute_stored_periods(txn, &scope.principal().email, change.event_type).await?;
    // Resellers' payers price on top of this one: their stored results follow.
    for below in txn.priced_from_this().await? {
        results::recompute_stored_periods(&below, &scope.principal().email, change.event_type).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch check answers what `billing_payer` answers, payer by payer, for a platform
    /// admin, a distributor's admin and viewer, a reseller's admin, a customer tenant's viewer,
    /// a single-payer grant and an outsider, at each role; and costs the same queries for forty
    /// payers as for four.
    #[tokio::test]
    async fn billing_payers_among_agrees_with_billing_payer() {
        use crate::ids::{SessionId, TenantId, UserId};
        use crate::tenancy::principal::{Credential, Grant, Principal};
        use crate::tenancy::testing::{counting, database, payer, tenant_below};
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        use std::sync::atomic::Ordering::SeqCst;
        let (_dir, db) = database().await;
        let platform = tenant_below(&db, None, "platform").await;
        let distributor = tenant_below(&db, Some(&platform), "distributor").await;
        let reseller = tenant_below(&db, Some(&distributor), "reseller").await;
        let mut customer: tenants::ActiveModel = tenant_below(&db, Some(&reseller), "customer").await.into();
        customer.kind = Set(crate::tenancy::TenantKind::Customer);
        let customer = customer.update(&db).await.unwrap();
        let other = tenant_below(&db, Some(&platform), "other").await;
        let mut ids = Vec::new();
        for (i, home) in [&distributor, &reseller, &customer, &other].into_iter().cycle().take(40).enumerate() {
            ids.push(PayerId(payer(&db, home, &format!("{:012}", 100_000_000_000u64 + i as u64)).await.id));
        }
        let on = |role: Role, t: &tenants::Model| Grant { role, target: GrantTarget::Tenant { id: TenantId(t.id), path: t.path.clone() } };
        let callers = [
            vec![on(Role::Admin, &platform)],
            vec![on(Role::Admin, &distributor)],
            vec![on(Role::Viewer, &distributor)],
            vec![on(Role::Admin, &reseller)],
            vec![on(Role::Viewer, &customer)],
            vec![on(Role::Viewer, &customer), Grant { role: Role::Operator, target: GrantTarget::Payer { id: ids[2] } }],
            vec![Grant { role: Role::Viewer, target: GrantTarget::Payer { id: ids[0] } }],
            vec![on(Role::Admin, &other)],
        ];
        let mut queries = Vec::new();
        for grants in callers {
            let principal = Principal {
                user_id: UserId(uuid::Uuid::now_v7()),
                email: "caller@example.com".into(),
                credential: Credential::Session(SessionId(uuid::Uuid::now_v7())),
                grants: grants.clone(),
            };
            for need in [Role::Viewer, Role::Operator, Role::Admin] {
                let (counted, count) = counting(&db);
                let scope = Scope::new(counted, principal.clone());
                let among = billing_payers_among(&scope, &ids, need).await.unwrap();
                queries.push((count.load(SeqCst), ids.len()));
                let small = billing_payers_among(&scope, &ids[..4], need).await.unwrap();
                queries.push((count.load(SeqCst) - queries.last().map_or(0, |q| q.0), 4));
                let mut one_by_one = std::collections::HashSet::new();
                for id in &ids {
                    if billing_payer(&scope, *id, need).await.is_ok() {
                        one_by_one.insert(*id);
                    }
                }
                assert_eq!(among, one_by_one, "{grants:?} needing {need}");
                assert_eq!(small, one_by_one.iter().copied().filter(|id| ids[..4].contains(id)).collect(), "{grants:?} needing {need}");
            }
        }
        assert!(queries.iter().all(|(q, _)| *q <= 3), "three queries however many payers: {queries:?}");
    }

    #[test]
    fn abc_names_follow_the_pattern() {
        for ok in ["a", "Acme_Co+1=x.y-z@b", &"x".repeat(128)] {
            assert!(checked_abc_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "ünï", &"x".repeat(129), "a/b"] {
            let e = checked_abc_name(bad).unwrap_err();
            assert!(matches!(e, AppError::Validation { ref field, .. } if field.as_deref() == Some("name")), "{bad}");
        }
    }

    #[test]
    fn periods_and_amounts() {
        assert_eq!(next_period("2025-12"), "2026-01");
        assert_eq!(next_period("2025-01"), "2025-02");
        assert!(checked_period("p", "2025-13").is_err());
        assert!(checked_period("p", "2025-1").is_err());
        let max = Decimal::from(100);
        assert_eq!(checked_amount("m", "12.34".parse().unwrap(), 2, max).unwrap(), 1_234_000_000);
        assert!(checked_amount("m", "1.234".parse().unwrap(), 2, max).is_err());
        assert!(checked_amount("m", "-1".parse().unwrap(), 2, max).is_err());
        assert!(checked_amount("m", "100.01".parse().unwrap(), 2, max).is_err());
        assert!(checked_amount("m", "1.50".parse().unwrap(), 1, max).is_ok(), "trailing zeros are not decimals");
    }
}
