//! Customer onboarding as a state machine per customer tenant:
//! ADD_CUSTOMER → CONTRACT → INVITE_ADMIN → CONNECT_ACCOUNT → VALIDATE_EXPORT → COMPLETE.
//! Each step's status is derived from real data (the tenant, its contracts, its admins, its
//! payers, the last export validation); the outcome is stored per step with when it started and
//! finished, and only rewritten when something changed.

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

async fn derive(scope: &Scope, customer: &tenants::Model, export: Option<&ExportOutcome>, stored_export: Option<&onboarding_steps::Model>) -> AppResult<Vec<Derived>> {
    use StepKind::*;
    use StepStatus::*;
    let mut steps = vec![Derived::new(AddCustomer, Done).at(Some(customer.created_at), Some(customer.created_at))];

    // CONTRACT
    let all = contracts::of_customer(scope, customer.id).await?;
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
    let admin_ids: Vec<uuid::Uuid> = scope
        .target_rows::<memberships::Entity>(Role::Viewer)
        .filter(memberships::Column::TenantId.eq(customer.id))
        .filter(memberships::Column::Role.eq(Role::Admin))
        .all()
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let admins = scope
        .users(Role::Viewer)
        .filter(users::Column::Id.is_in(admin_ids))
        .filter(users::Column::DisabledAt.is_null())
        .order_by_asc(users::Column::CreatedAt)
        .all()
        .await?;
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
    let own_payers =
        scope.tenant_rows::<payers::Entity>(Role::Viewer).filter(payers::Column::TenantId.eq(customer.id)).order_by_asc(payers::Column::CreatedAt).all().await?;
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
    Ok(steps)
}

const EXPORT_NEXT: &str = "Fix the cost export as the reason says, or pick a valid export for ingestion (selectCostExport), then refresh the onboarding";

/// Derives the steps, stores what changed, and returns them.
async fn evaluate(scope: &Scope, customer: tenants::Model, export: Option<ExportOutcome>) -> AppResult<Onboarding> {
    let stored = scope
        .tenant_rows::<onboarding_steps::Entity>(Role::Viewer)
        .filter(onboarding_steps::Column::CustomerTenantId.eq(customer.id))
        .all()
        .await?;
    let stored_of = |k: StepKind| stored.iter().find(|s| s.step == k);
    let derived = derive(scope, &customer, export.as_ref(), stored_of(StepKind::ValidateExport)).await?;
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
    let export = latest_validation(scope, &tenant).await?;
    evaluate(scope, tenant, export).await
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
    let mut out = Vec::with_capacity(customers.len());
    for c in customers {
        let export = latest_validation(scope, &c).await?;
        out.push(evaluate(scope, c, export).await?);
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
    evaluate(scope, tenant, export).await
}

/// The latest stored export validations of the customer's connected payers, judged.
async fn latest_validation(scope: &Scope, customer: &tenants::Model) -> AppResult<Option<ExportOutcome>> {
    let connected = scope
        .tenant_rows::<payers::Entity>(Role::Viewer)
        .filter(payers::Column::TenantId.eq(customer.id))
        .filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected))
        .order_by_asc(payers::Column::CreatedAt)
        .all()
        .await?;
    let mut validations = Vec::new();
    for p in connected {
        if let Some(v) = export_validation::latest(scope, PayerId(p.id)).await? {
            validations.push(v);
        }
    }
    Ok(judge(&validations))
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
