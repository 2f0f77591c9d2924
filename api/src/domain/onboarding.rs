//! Customer onboarding as a state machine per customer tenant:
//! ADD_CUSTOMER → CONTRACT → INVITE_ADMIN → CONNECT_ACCOUNT → VALIDATE_EXPORT → COMPLETE.
//! Each step's status is derived from real data (the tenant, its contracts, its admins, its
//! payers, the last export validation); the outcome is stored per step with when it started and
//! finished, and only rewritten when something changed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{memberships, onboarding_steps, payers, tenants, users};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};

use crate::auth::password::NO_PASSWORD;
use crate::domain::contracts::{self, ContractStatus};
use crate::domain::export_validation::{self, ExportValidation};
use crate::domain::source_health::SourceHealth;
use crate::domain::payers as payer_domain;
use crate::domain::tenants::Tenant;
use crate::error::{AppError, AppResult};
use crate::input::Page;
use crate::ids::{PayerId, TenantId};
use crate::jobs::JobContext;
use crate::tenancy::{Role, Scope, TenantKind};

pub use entity::onboarding_steps::{StepKind, StepStatus};

/// One step as shown to people.
#[derive(Debug, Clone)]
pub struct Step {
    pub kind: StepKind,
    pub status: StepStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub blocking_reason: Option<String>,
    pub next_action: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Onboarding {
    pub customer: Tenant,
    pub steps: Vec<Step>,
}

impl Onboarding {
    /// The first step not done (COMPLETE once everything is).
    pub fn current(&self) -> Option<&Step> {
        self.steps.iter().find(|s| s.status != StepStatus::Done).or(self.steps.last())
    }
}

/// A step as derived from the data, before it is merged with what was stored.
struct Derived {
    kind: StepKind,
    status: StepStatus,
    reason: Option<String>,
    next: Option<String>,
    /// When the data says the step started / finished (e.g. a payer's creation, its last check).
    started: Option<DateTime<Utc>>,
    completed: Option<DateTime<Utc>>,
}

impl Derived {
    fn new(kind: StepKind, status: StepStatus) -> Self {
        Self { kind, status, reason: None, next: None, started: None, completed: None }
    }
    fn next(mut self, next: impl Into<String>) -> Self {
        self.next = Some(next.into());
        self
    }
    fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
    fn at(mut self, started: Option<DateTime<Utc>>, completed: Option<DateTime<Utc>>) -> Self {
        self.started = started;
        self.completed = completed;
        self
    }
}

/// What the last export validation concluded for the customer (from `refresh`).
#[derive(Debug, Clone)]
pub enum ExportOutcome {
    /// A valid export exists and one is selected for ingestion.
    Valid,
    /// No usable export yet, with the reason.
    Invalid(String),
}

/// What the steps of some customers are derived from, read for all of them at once: a page of
/// the customer list costs the same handful of queries as one customer.
#[derive(Default)]
struct Facts {
    contracts: HashMap<uuid::Uuid, Vec<contracts::Contract>>,
    /// Each customer's enabled admins, oldest first.
    admins: HashMap<uuid::Uuid, Vec<users::Model>>,
    /// Each customer's own payers, oldest first.
    payers: HashMap<uuid::Uuid, Vec<payers::Model>>,
    /// The latest export validation of each connected payer.
    validations: HashMap<uuid::Uuid, ExportValidation>,
    stored: HashMap<uuid::Uuid, Vec<onboarding_steps::Model>>,
}

impl Facts {
    async fn read(scope: &Scope, customers: &[tenants::Model]) -> AppResult<Self> {
        if customers.is_empty() {
            return Ok(Self::default());
        }
        let ids: Vec<uuid::Uuid> = customers.iter().map(|c| c.id).collect();
        let contracts = contracts::of_customers(scope, &ids).await?;

        let roles = scope
            .target_rows::<memberships::Entity>(Role::Viewer)
            .filter(memberships::Column::TenantId.is_in(ids.clone()))
            .filter(memberships::Column::Role.eq(Role::Admin))
            .all()
            .await?;
        let users = scope
            .users(Role::Viewer)
            .filter(users::Column::Id.is_in(roles.iter().map(|m| m.user_id)))
            .filter(users::Column::DisabledAt.is_null())
            .order_by_asc(users::Column::CreatedAt)
            .all()
            .await?;
        let mut admins: HashMap<uuid::Uuid, Vec<users::Model>> = HashMap::new();
        for customer in &ids {
            let of_customer: Vec<uuid::Uuid> = roles.iter().filter(|m| m.tenant_id == Some(*customer)).map(|m| m.user_id).collect();
            admins.insert(*customer, users.iter().filter(|u| of_customer.contains(&u.id)).cloned().collect());
        }

        let own = scope
            .tenant_rows::<payers::Entity>(Role::Viewer)
            .filter(payers::Column::TenantId.is_in(ids.clone()))
            .order_by_asc(payers::Column::CreatedAt)
            .all()
            .await?;
        let connected: Vec<payers::Model> = own.iter().filter(|p| p.status == payer_domain::PayerStatus::Connected).cloned().collect();
        let validations = export_validation::latest_of(scope, &connected).await?;
        let mut payers: HashMap<uuid::Uuid, Vec<payers::Model>> = HashMap::new();
        for p in own {
            payers.entry(p.tenant_id).or_default().push(p);
        }

        let mut stored: HashMap<uuid::Uuid, Vec<onboarding_steps::Model>> = HashMap::new();
        let steps = scope
            .tenant_rows::<onboarding_steps::Entity>(Role::Viewer)
            .filter(onboarding_steps::Column::CustomerTenantId.is_in(ids))
            .all()
            .await?;
        for step in steps {
            stored.entry(step.customer_tenant_id).or_default().push(step);
        }
        Ok(Self { contracts, admins, payers, validations, stored })
    }

    fn payers_of(&self, customer: uuid::Uuid) -> &[payers::Model] {
        self.payers.get(&customer).map_or(&[], Vec::as_slice)
    }

    /// The latest stored export validations of the customer's connected payers, judged.
    fn latest_validation(&self, customer: uuid::Uuid) -> Option<ExportOutcome> {
        let validations: Vec<ExportValidation> = self
            .payers_of(customer)
            .iter()
            .filter(|p| p.status == payer_domain::PayerStatus::Connected)
            .filter_map(|p| self.validations.get(&p.id).cloned())
            .collect();
        judge(&validations)
    }
}

fn derive(facts: &Facts, customer: &tenants::Model, export: Option<&ExportOutcome>, stored_export: Option<&onboarding_steps::Model>) -> Vec<Derived> {
    use StepKind::*;
    use StepStatus::*;
    let mut steps = vec![Derived::new(AddCustomer, Done).at(Some(customer.created_at), Some(customer.created_at))];

    // CONTRACT
    let all = facts.contracts.get(&customer.id).map_or(&[][..], Vec::as_slice);
    let active = all.iter().find(|c| c.status() == ContractStatus::Active);
    let first_made = all.iter().map(|c| c.created_at).min();
    let contract = if let Some(c) = active {
        Derived::new(Contract, Done).at(first_made, Some(c.updated_at.max(c.start_date.and_time(chrono::NaiveTime::MIN).and_utc())))
    } else if let Some(c) = all.iter().find(|c| c.status() == ContractStatus::Pending) {
        Derived::new(Contract, InProgress).at(first_made, None).next(format!("Wait until the contract \"{}\" starts on {}, or move its start date", c.name, c.start_date))
    } else if let Some(c) = all.iter().rev().find(|c| c.status() == ContractStatus::Ended) {
        let ended = c.end_date.map(|d| d.to_string()).unwrap_or_default();
        Derived::new(Contract, Blocked).at(first_made, None).reason(format!("The contract \"{}\" ended on {ended}", c.name)).next("Create a new contract for the customer or extend the ended one")
    } else {
        Derived::new(Contract, NotStarted).next("Create a contract for the customer")
    };
    let has_active_contract = contract.status == Done;
    steps.push(contract);

    // INVITE_ADMIN: an admin of the customer tenant itself, invited, then with a password.
    let admins = facts.admins.get(&customer.id).map_or(&[][..], Vec::as_slice);
    let invite = if let Some(u) = admins.iter().find(|u| u.password_hash != NO_PASSWORD) {
        Derived::new(InviteAdmin, Done).at(Some(u.created_at), Some(u.password_changed_at.max(u.created_at)))
    } else if let Some(u) = admins.first() {
        Derived::new(InviteAdmin, InProgress)
            .at(Some(u.created_at), None)
            .next(format!("Wait for {} to set their password with the link in the invitation mail, or resend the invitation", u.email))
    } else {
        Derived::new(InviteAdmin, NotStarted).next("Invite the customer's administrator")
    };
    let admin_ready = invite.status == Done;
    steps.push(invite);

    // CONNECT_ACCOUNT: a payer on the customer tenant whose connection check passed.
    let own_payers = facts.payers_of(customer.id);
    let first_payer = own_payers.first().map(|p| p.created_at);
    let connect = if let Some(p) = own_payers.iter().find(|p| p.status == payer_domain::PayerStatus::Connected) {
        Derived::new(ConnectAccount, Done).at(first_payer, p.last_checked_at.or(Some(p.updated_at)))
    } else if !has_active_contract {
        Derived::new(ConnectAccount, Blocked)
            .at(first_payer, None)
            .reason("The customer has no active contract, so AWS accounts cannot be connected yet")
            .next("Create a contract for the customer")
    } else if let Some(p) = own_payers.iter().find(|p| p.status == payer_domain::PayerStatus::Error) {
        Derived::new(ConnectAccount, Blocked)
            .at(first_payer, None)
            .reason(format!("The connection check of payer {} ({}) failed: {}", p.name, p.account_id, p.status_reason.as_deref().unwrap_or("unknown reason")))
            .next(format!("Fix the role in account {} (deploy the CloudFormation stack with the payer's ExternalId), then check the connection again", p.account_id))
    } else if let Some(p) = own_payers.first() {
        Derived::new(ConnectAccount, InProgress)
            .at(first_payer, None)
            .next(format!("Deploy the CloudFormation stack for account {} from the payer's quick-create link; the connection is checked automatically once it exists", p.account_id))
    } else if admin_ready {
        Derived::new(ConnectAccount, NotStarted).next("The customer's administrator registers their AWS management account (Connect your AWS account) and deploys the access role")
    } else {
        Derived::new(ConnectAccount, NotStarted).next("Once signed in, the customer's administrator registers their AWS management account")
    };
    let connected = connect.status == Done;
    steps.push(connect);

    // VALIDATE_EXPORT: from this refresh's validation, else the last stored outcome.
    let validate = if !connected {
        Derived::new(ValidateExport, NotStarted).next("Connect an AWS account first")
    } else {
        match export {
            Some(ExportOutcome::Valid) => Derived::new(ValidateExport, Done),
            Some(ExportOutcome::Invalid(reason)) => Derived::new(ValidateExport, Blocked).reason(reason.clone()).next(EXPORT_NEXT).at(Some(Utc::now()), None),
            None => match stored_export.map(|s| (s.status, s)) {
                Some((Done, s)) => Derived::new(ValidateExport, Done).at(s.started_at, s.completed_at),
                Some((Blocked, s)) => {
                    let reason = s.blocking_reason.clone().unwrap_or_default();
                    Derived::new(ValidateExport, Blocked).next(EXPORT_NEXT).reason(reason).at(s.started_at, None)
                }
                _ => Derived::new(ValidateExport, NotStarted).next("Refresh the onboarding to validate the account's cost export"),
            },
        }
    };
    let all_done = steps.iter().all(|s| s.status == Done) && validate.status == Done;
    steps.push(validate);
    steps.push(if all_done { Derived::new(Complete, Done) } else { Derived::new(Complete, NotStarted) });
    steps
}

const EXPORT_NEXT: &str = "Fix the cost export as the reason says, or pick a valid export for ingestion (selectCostExport), then refresh the onboarding";

/// Derives the steps, stores what changed, and returns them.
async fn evaluate(scope: &Scope, facts: &Facts, customer: tenants::Model, export: Option<ExportOutcome>) -> AppResult<Onboarding> {
    let stored = facts.stored.get(&customer.id).map_or(&[][..], Vec::as_slice);
    let stored_of = |k: StepKind| stored.iter().find(|s| s.step == k);
    let derived = derive(facts, &customer, export.as_ref(), stored_of(StepKind::ValidateExport));
    let now = Utc::now();
    let mut steps = Vec::new();
    let mut changed = Vec::new();
    for d in derived {
        let before = stored_of(d.kind);
        let begun = matches!(d.status, StepStatus::InProgress | StepStatus::Done) || d.started.is_some();
        let started_at = if begun { before.and_then(|b| b.started_at).or(d.started).or(Some(now)) } else { None };
        let completed_at = if d.status == StepStatus::Done { before.and_then(|b| b.completed_at).or(d.completed).or(Some(now)) } else { None };
        let same = before.is_some_and(|b| b.status == d.status && b.blocking_reason == d.reason && b.started_at == started_at && b.completed_at == completed_at);
        if !same {
            changed.push(onboarding_steps::ActiveModel {
                customer_tenant_id: Set(customer.id),
                step: Set(d.kind),
                status: Set(d.status),
                blocking_reason: Set(d.reason.clone()),
                started_at: Set(started_at),
                completed_at: Set(completed_at),
                updated_at: Set(now),
            });
        }
        steps.push(Step { kind: d.kind, status: d.status, started_at, completed_at, blocking_reason: d.reason, next_action: d.next });
    }
    if !changed.is_empty() {
        // Steps are what the caller's view derived: storing them needs no more than seeing them.
        let txn = scope.begin_write_on_tenant(TenantId(customer.id), Role::Viewer).await?;
        for row in changed {
            use onboarding_steps::Column as C;
            txn.upsert(row, &[C::CustomerTenantId, C::Step], vec![C::Status, C::BlockingReason, C::StartedAt, C::CompletedAt, C::UpdatedAt]).await?;
        }
        txn.commit().await?;
    }
    Ok(Onboarding { customer: Tenant::try_from(customer)?, steps })
}

/// A customer tenant the caller holds `need` on.
async fn customer(scope: &Scope, id: TenantId, need: Role) -> AppResult<tenants::Model> {
    let tenant = scope.tenant(id, need).await?;
    if tenant.kind != TenantKind::Customer {
        return Err(AppError::invalid("customerTenantId", "onboarding is tracked for customer tenants"));
    }
    Ok(tenant)
}

/// One customer's onboarding.
pub async fn get(scope: &Scope, id: TenantId) -> AppResult<Onboarding> {
    let tenant = customer(scope, id, Role::Viewer).await?;
    let facts = Facts::read(scope, std::slice::from_ref(&tenant)).await?;
    let export = facts.latest_validation(tenant.id);
    evaluate(scope, &facts, tenant, export).await
}

/// A page of the onboarding of the customers the caller can see in a tenant's subtree, by name.
pub async fn list(scope: &Scope, id: TenantId, page: &Page) -> AppResult<Vec<Onboarding>> {
    let tenant = scope.tenant(id, Role::Viewer).await?;
    let below = || {
        scope
            .tenants(Role::Viewer)
            .filter(tenants::Column::Path.starts_with(&tenant.path))
            .filter(tenants::Column::Kind.eq(TenantKind::Customer))
    };
    let mut customers = below();
    // By name, then id: the cursor is the last customer's id, whose name says where to go on.
    if let Some(after) = page.after_id()? {
        let last = below().filter(tenants::Column::Id.eq(after)).one().await?;
        let last = last.ok_or_else(|| AppError::invalid("after", "is not a customer of this list"))?;
        customers = customers.filter(
            Condition::any()
                .add(tenants::Column::Name.gt(last.name.clone()))
                .add(Condition::all().add(tenants::Column::Name.eq(last.name)).add(tenants::Column::Id.gt(after))),
        );
    }
    let customers = customers.order_by_asc(tenants::Column::Name).order_by_asc(tenants::Column::Id).limit(page.fetch()).all().await?;
    let facts = Facts::read(scope, &customers).await?;
    let mut out = Vec::with_capacity(customers.len());
    for c in customers {
        let export = facts.latest_validation(c.id);
        out.push(evaluate(scope, &facts, c, export).await?);
    }
    Ok(out)
}

/// Re-runs the checks: the connection check of each of the customer's payers, then the export
/// validation of those that connect.
pub async fn refresh(state: &JobContext, scope: &Scope, id: TenantId) -> AppResult<Onboarding> {
    let tenant = customer(scope, id, Role::Operator).await?;
    let own = scope.tenant_rows::<payers::Entity>(Role::Operator).filter(payers::Column::TenantId.eq(tenant.id)).order_by_asc(payers::Column::CreatedAt).all().await?;
    let mut validations = Vec::new();
    for p in own {
        let checked = payer_domain::check_connection(scope, &state.aws, PayerId(p.id)).await?;
        if checked.status == payer_domain::PayerStatus::Connected {
            validations.push(export_validation::validate_payer(state, scope, checked.id).await?);
        }
    }
    let export = judge(&validations);
    // Read after the checks: they may have changed the payers' statuses.
    let facts = Facts::read(scope, std::slice::from_ref(&tenant)).await?;
    evaluate(scope, &facts, tenant, export).await
}

/// VALIDATE_EXPORT is done when a connected payer has a valid export selected for ingestion;
/// else the validations' reasons. None when nothing was validated yet.
fn judge(validations: &[ExportValidation]) -> Option<ExportOutcome> {
    if validations.is_empty() {
        return None;
    }
    if validations.iter().any(|v| v.selected_export.is_some() && v.health != SourceHealth::Failed) {
        return Some(ExportOutcome::Valid);
    }
    let reasons: Vec<String> = validations
        .iter()
        .map(|v| v.reason.clone().unwrap_or_else(|| "no valid cost export is selected for ingestion".to_owned()))
        .collect();
    Some(ExportOutcome::Invalid(reasons.join("; ")))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    use super::*;
    use crate::tenancy::testing::{admin_of, counting, database, payer, tenant_below};

    /// Listing a page of customers' onboarding reads the same few queries for 3 customers as for
    /// 30 (once their steps are stored), not several per customer.
    #[tokio::test]
    async fn a_page_of_onboardings_is_read_in_a_fixed_number_of_queries() {
        let (_dir, db) = database().await;
        let partner = tenant_below(&db, None, "partner").await;
        for i in 0..30 {
            let mut customer: tenants::ActiveModel = tenant_below(&db, Some(&partner), &format!("customer-{i:02}")).await.into();
            customer.kind = Set(TenantKind::Customer);
            let customer = customer.update(&db).await.unwrap();
            if i % 3 == 0 {
                payer(&db, &customer, &format!("{:012}", 100_000_000_000u64 + i)).await;
            }
        }
        let admin = admin_of(&partner);
        let mut counts = Vec::new();
        for size in [3, 30] {
            let page = Page { after: None, first: size };
            // The first read stores the steps; the second finds nothing changed.
            let first = list(&Scope::new(db.clone(), admin.clone()), TenantId(partner.id), &page).await.unwrap();
            // A page reads one customer more than it shows (whether there is a next page).
            let read = (size + 1).min(30) as usize;
            assert_eq!(first.len(), read);
            let (counted, count) = counting(&db);
            let again = list(&Scope::new(counted, admin.clone()), TenantId(partner.id), &page).await.unwrap();
            assert_eq!(again.len(), read);
            assert!(again.iter().all(|o| o.steps.len() == first[0].steps.len()));
            counts.push(count.load(Ordering::SeqCst));
        }
        assert_eq!(counts[0], counts[1], "queries for 3 and for 30 customers: {counts:?}");
        assert!(counts[1] <= 10, "a page costs a handful of queries, not several per customer: {counts:?}");
    }
}
