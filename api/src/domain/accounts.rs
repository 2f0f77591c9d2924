//! Linked accounts of a payer's organization: sync, list, create (a durable job that polls AWS
//! until the account exists), close, remove and move.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::Utc;
use entity::{linked_accounts, organizational_units, payers, policies, policy_attachments};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::jobs::{JobView, enqueue_requested};
use crate::aws::credentials::session_name;
use crate::aws::{AwsClients, OrgAccount};
use crate::domain::users::checked_email;
use crate::domain::{Page, payers as payer_domain};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::jobs::{JobArgs, JobFailure, NewJob, Step};
use crate::notify::outbox::{self, Event};
use crate::jobs::JobContext;
use crate::tenancy::{PayerAccess, PayerTransactions, PayerRead, PlatformPayer, Role, Scope};

/// Syncs one payer's organization into the local tables.
pub const SYNC_ACCOUNTS: &str = "accounts.sync";
/// Daily: one sync job per connected payer.
pub const SYNC_ALL_ACCOUNTS: &str = "accounts.sync_all";
/// Creates a linked account and waits for AWS to finish it.
pub const CREATE_ACCOUNT: &str = "accounts.create";

/// Filters for listing linked accounts.
#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    /// Matches id, name or email (case-insensitive contains).
    pub search: Option<String>,
    pub status: Option<String>,
    pub parent_id: Option<String>,
}

/// Checks an AWS account id argument.
pub fn checked_account_id(field: &str, id: &str) -> AppResult<String> {
    if !crate::aws::is_account_id(id) {
        return Err(AppError::invalid(field, "must be a 12-digit AWS account id"));
    }
    Ok(id.to_owned())
}

/// Enqueues a sync of the payer's organization into the local tables.
pub async fn request_sync(state: &JobContext, scope: &Scope, payer: PayerId) -> AppResult<JobView> {
    let payer = scope.payer(payer, Role::Operator).await?;
    let job = NewJob::of(&SyncArgs { payer_id: payer.id, session: Some(session_name(&scope.principal().email)) })?;
    enqueue_requested(state, scope, &payer, job).await
}

/// The sync job's arguments: the payer, and the session name of whoever asked (none when
/// scheduled).
#[derive(Serialize, Deserialize)]
pub struct SyncArgs {
    pub payer_id: uuid::Uuid,
    #[serde(default)]
    pub session: Option<String>,
}

impl JobArgs for SyncArgs {
    const KIND: &'static str = SYNC_ACCOUNTS;
}

crate::jobs::no_job_args! {
    /// The daily sync's arguments: none (it enqueues a sync per connected payer).
    pub DailySync, SYNC_ALL_ACCOUNTS
}


/// The sync job's one step.
pub async fn run_sync_job(state: &JobContext, payload: SyncArgs) -> AppResult<Step<SyncArgs>> {
    let payer = state.platform().payer(PayerId(payload.payer_id)).await?;
    let session = payload.session.unwrap_or_else(|| "pb-scheduled-sync".to_owned());
    let report = sync_payer(state, &payer, &session).await?;
    Ok(Step::Done(serde_json::to_value(report).map_err(AppError::internal)?))
}

/// The scheduled daily sync: one sync job per connected payer.
pub async fn enqueue_sync_for_all(state: &JobContext) -> AppResult<Step<DailySync>> {
    let connected = state.platform().payers().filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected)).all().await?;
    let day = Utc::now().format("%Y-%m-%d");
    for payer in &connected {
        let mut job = NewJob::of(&SyncArgs { payer_id: payer.id, session: None })?;
        job.payer = Some(PayerId(payer.id));
        job.tenant = Some(crate::ids::TenantId(payer.tenant_id));
        job.idempotency_key = Some(format!("daily-sync:{}:{day}", payer.id));
        state.enqueue(job).await?;
    }
    Ok(Step::Done(json!({ "payers": connected.len() })))
}

/// What a sync found.
#[derive(Debug, Serialize)]
pub struct SyncReport {
    pub accounts: usize,
    pub organizational_units: usize,
    pub policies: usize,
}

/// Reads the payer's organization from AWS and replaces the local copy in one transaction.
pub async fn sync_payer(state: &JobContext, payer: &PlatformPayer, session: &str) -> AppResult<SyncReport> {
    let aws = &state.aws;
    let creds = payer_domain::credentials(payer, aws, session).await?;
    let orgs = &aws.organizations;
    let accounts = orgs.list_accounts(&creds).await?;
    let root = orgs.root_id(&creds).await?;
    let mut ous = Vec::new();
    let mut parents = VecDeque::from([root.clone()]);
    while let Some(parent) = parents.pop_front() {
        for ou in orgs.list_ous(&creds, &parent).await? {
            parents.push_back(ou.id.clone());
            ous.push(ou);
        }
    }
    let mut account_parents = HashMap::new();
    for account in &accounts {
        account_parents.insert(account.id.clone(), orgs.parent_of(&creds, &account.id).await?);
    }
    let scps = orgs.list_policies(&creds).await?;
    let mut attachments = Vec::new();
    for policy in &scps {
        for target in orgs.targets_for_policy(&creds, &policy.id).await? {
            attachments.push((policy.id.clone(), target));
        }
    }

    let now = Utc::now();
    let txn = payer.begin_write().await?;
    let templates: HashMap<String, Option<String>> = txn.rows::<policies::Entity>().all().await?.into_iter().map(|p| (p.policy_id, p.template_id)).collect();
    txn.delete::<linked_accounts::Entity>().exec().await?;
    txn.delete::<organizational_units::Entity>().exec().await?;
    txn.delete::<policy_attachments::Entity>().exec().await?;
    txn.delete::<policies::Entity>().exec().await?;
    for account in &accounts {
        txn.insert(account_row(payer.id, account, account_parents.get(&account.id).cloned())).await?;
    }
    for ou in &ous {
        txn.insert(organizational_units::ActiveModel {
            payer_id: Set(payer.id),
            ou_id: Set(ou.id.clone()),
            parent_id: Set(ou.parent_id.clone()),
            name: Set(ou.name.clone()),
            synced_at: Set(now),
        })
        .await?;
    }
    for p in &scps {
        txn.insert(policies::ActiveModel {
            payer_id: Set(payer.id),
            policy_id: Set(p.id.clone()),
            name: Set(p.name.clone()),
            description: Set(p.description.clone()),
            aws_managed: Set(p.aws_managed),
            template_id: Set(templates.get(&p.id).cloned().flatten()),
            synced_at: Set(now),
        })
        .await?;
    }
    for (policy_id, target) in &attachments {
        txn.insert(policy_attachments::ActiveModel { payer_id: Set(payer.id), policy_id: Set(policy_id.clone()), target_id: Set(target.clone()) }).await?;
    }
    txn.commit().await?;
    Ok(SyncReport { accounts: accounts.len(), organizational_units: ous.len(), policies: scps.len() })
}

fn account_row(payer: uuid::Uuid, a: &OrgAccount, parent: Option<String>) -> linked_accounts::ActiveModel {
    linked_accounts::ActiveModel {
        payer_id: Set(payer),
        account_id: Set(a.id.clone()),
        name: Set(a.name.clone()),
        email: Set(a.email.clone()),
        status: Set(a.status.clone()),
        joined_method: Set(a.joined_method.clone()),
        joined_at: Set(a.joined_at),
        parent_id: Set(parent),
        synced_at: Set(Utc::now()),
    }
}

/// An organizational unit of a payer's organization (as last synced).
#[derive(Debug, Clone)]
pub struct OrganizationalUnit {
    /// `ou-…`
    pub id: String,
    pub name: String,
    /// The root (`r-…`) or OU it sits in.
    pub parent_id: String,
}

impl From<organizational_units::Model> for OrganizationalUnit {
    fn from(m: organizational_units::Model) -> Self {
        Self { id: m.ou_id, name: m.name, parent_id: m.parent_id }
    }
}

/// A member account of a payer's organization, as last synced. Its status and joined method
/// are AWS's words, kept as AWS sent them (AWS adds values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// 12-digit AWS account id.
    pub account_id: String,
    pub payer_id: uuid::Uuid,
    pub name: String,
    pub email: String,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
    /// `CREATED` or `INVITED`.
    pub joined_method: Option<String>,
    pub joined_at: Option<chrono::DateTime<Utc>>,
    /// The root (`r-…`) or OU (`ou-…`) it sits in.
    pub parent_id: Option<String>,
    pub synced_at: chrono::DateTime<Utc>,
}

impl From<linked_accounts::Model> for Account {
    fn from(a: linked_accounts::Model) -> Self {
        Self {
            account_id: a.account_id,
            payer_id: a.payer_id,
            name: a.name,
            email: a.email,
            status: a.status,
            joined_method: a.joined_method,
            joined_at: a.joined_at,
            parent_id: a.parent_id,
            synced_at: a.synced_at,
        }
    }
}

/// A member account with where it sits: its OU (when in one) and the SCPs attached to it directly.
#[derive(Debug, Clone)]
pub struct PlacedAccount {
    pub account: Account,
    pub organizational_unit: Option<OrganizationalUnit>,
    pub attached_policy_ids: Vec<String>,
}

/// Places a page of one payer's accounts: two queries whatever the page's size (not two per
/// account, as resolving each account's OU and policies on its own did).
pub async fn placed(scope: &Scope, payer: PayerId, accounts: Vec<Account>) -> AppResult<Vec<PlacedAccount>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    if accounts.iter().any(|a| a.payer_id != payer.id) {
        return Err(AppError::internal(anyhow::anyhow!("placing accounts of another payer")));
    }
    let ou_ids: Vec<String> = accounts.iter().filter_map(|a| a.parent_id.clone()).filter(|p| p.starts_with("ou-")).collect();
    let ous: HashMap<String, OrganizationalUnit> = if ou_ids.is_empty() {
        HashMap::new()
    } else {
        payer
            .rows::<organizational_units::Entity>()
            .filter(organizational_units::Column::OuId.is_in(ou_ids))
            .all()
            .await?
            .into_iter()
            .map(|ou| (ou.ou_id.clone(), ou.into()))
            .collect()
    };
    let targets: Vec<String> = accounts.iter().map(|a| a.account_id.clone()).collect();
    let mut policies_of: HashMap<String, Vec<String>> = HashMap::new();
    if !targets.is_empty() {
        let attachments = payer
            .rows::<policy_attachments::Entity>()
            .filter(policy_attachments::Column::TargetId.is_in(targets))
            .order_by_asc(policy_attachments::Column::PolicyId)
            .all()
            .await?;
        for a in attachments {
            policies_of.entry(a.target_id).or_default().push(a.policy_id);
        }
    }
    Ok(accounts
        .into_iter()
        .map(|account| PlacedAccount {
            organizational_unit: account.parent_id.as_ref().and_then(|p| ous.get(p)).cloned(),
            attached_policy_ids: policies_of.remove(&account.account_id).unwrap_or_default(),
            account,
        })
        .collect())
}

/// One account, placed.
pub async fn placed_one(scope: &Scope, payer: PayerId, account: Account) -> AppResult<PlacedAccount> {
    placed(scope, payer, vec![account]).await?.pop().ok_or_else(|| AppError::internal(anyhow::anyhow!("placing an account returned nothing")))
}

pub async fn list(scope: &Scope, payer: PayerId, filter: AccountFilter, page: Page) -> AppResult<Vec<Account>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    let mut query = payer.rows::<linked_accounts::Entity>();
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let needle = search.to_lowercase();
        query = query.filter(
            Condition::any()
                .add(linked_accounts::Column::AccountId.contains(&needle))
                .add(sea_orm::sea_query::ExprTrait::like(
                    sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(sea_orm::sea_query::Expr::col(linked_accounts::Column::Name))),
                    format!("%{needle}%"),
                ))
                .add(linked_accounts::Column::Email.contains(&needle)),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(linked_accounts::Column::Status.eq(status));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(linked_accounts::Column::ParentId.eq(parent));
    }
    if let Some(after) = &page.after {
        query = query.filter(linked_accounts::Column::AccountId.gt(after.clone()));
    }
    Ok(query.order_by_asc(linked_accounts::Column::AccountId).limit(page.fetch()).all().await?.into_iter().map(Account::from).collect())
}

pub async fn get(scope: &Scope, payer: PayerId, account: &str) -> AppResult<Account> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    Ok(find(&payer, account).await?.into())
}

async fn find(payer: &impl PayerAccess, account: &str) -> AppResult<linked_accounts::Model> {
    payer.rows::<linked_accounts::Entity>().filter(linked_accounts::Column::AccountId.eq(account)).one().await?.ok_or(AppError::NotFound("linked account"))
}

pub async fn organizational_units(scope: &Scope, payer: PayerId) -> AppResult<Vec<OrganizationalUnit>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    Ok(payer
        .rows::<organizational_units::Entity>()
        .order_by_asc(organizational_units::Column::Name)
        .all()
        .await?
        .into_iter()
        .map(OrganizationalUnit::from)
        .collect())
}

/// A new account to create in a payer's organization.
pub struct NewAccount {
    pub payer: PayerId,
    pub email: String,
    pub name: String,
    pub ou_id: Option<String>,
    pub tags: Vec<(String, String)>,
}

/// The create job's arguments; `step` moves create → creating → poll.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateArgs {
    payer_id: uuid::Uuid,
    email: String,
    name: String,
    ou_id: Option<String>,
    tags: Vec<(String, String)>,
    session: String,
    step: CreateStep,
    request_id: Option<String>,
    #[serde(default)]
    polls: u32,
}

/// Where the create job is: about to ask, asking (or adopting what an earlier run asked), polling.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum CreateStep {
    Create,
    Creating,
    Poll,
}

impl JobArgs for CreateArgs {
    const KIND: &'static str = CREATE_ACCOUNT;
}

/// Validates and enqueues the creation of a linked account.
pub async fn request_create(state: &JobContext, scope: &Scope, input: NewAccount) -> AppResult<JobView> {
    let payer = scope.payer(input.payer, Role::Operator).await?;
    let email = checked_email("email", &input.email)?;
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "must be 1 to 50 characters"));
    }
    if let Some(ou) = &input.ou_id {
        let known = payer.rows::<organizational_units::Entity>().filter(organizational_units::Column::OuId.eq(ou.as_str())).one().await?;
        if known.is_none() {
            return Err(AppError::invalid("ouId", "is not an organizational unit of this payer (sync accounts first)"));
        }
    }
    if input.tags.len() > 50 || input.tags.iter().any(|(k, v)| k.is_empty() || k.len() > 128 || v.len() > 256) {
        return Err(AppError::invalid("tags", "at most 50 tags; keys 1–128 and values up to 256 characters"));
    }
    let args = CreateArgs {
        payer_id: payer.id,
        email,
        name,
        ou_id: input.ou_id,
        tags: input.tags,
        session: session_name(&scope.principal().email),
        step: CreateStep::Create,
        request_id: None,
        polls: 0,
    };
    let mut job = NewJob::of(&args)?;
    job.max_attempts = 8;
    enqueue_requested(state, scope, &payer, job).await
}

fn continue_with(args: CreateArgs, progress: &str, after: Duration) -> Result<Step<CreateArgs>, JobFailure> {
    Ok(Step::Continue { payload: args, progress: Some(progress.to_owned()), after })
}

/// One step of the create job. The CreateAccount request id is stored before polling; the step
/// before the call leaves a marker, so a job resumed after a crash adopts the request or account
/// it may already have made instead of creating a second account.
pub async fn run_create_job(state: &JobContext, mut p: CreateArgs) -> Result<Step<CreateArgs>, JobFailure> {
    let payer = state.platform().payer(PayerId(p.payer_id)).await.map_err(JobFailure::from)?;
    let creds = payer_domain::credentials(&payer, &state.aws, &p.session).await.map_err(JobFailure::from)?;
    let orgs = &state.aws.organizations;
    match p.step {
        CreateStep::Create => {
            p.step = CreateStep::Creating;
            continue_with(p, "requesting the account", Duration::ZERO)
        }
        CreateStep::Creating => {
            // A previous run may have called CreateAccount and died before saving its answer.
            let existing = orgs.list_accounts(&creds).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
            if let Some(account) = existing.iter().find(|a| a.email.eq_ignore_ascii_case(&p.email)) {
                return finish_created(state, &payer, &p, &creds, &account.id).await;
            }
            let pending = orgs.recent_create_requests(&creds).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
            let status = match pending.into_iter().find(|r| r.account_name == p.name && r.state == "IN_PROGRESS") {
                Some(status) => status,
                None => orgs.create_account(&creds, &p.email, &p.name, &p.tags).await.map_err(|e| JobFailure::from(AppError::from(e)))?,
            };
            p.request_id = Some(status.request_id);
            p.step = CreateStep::Poll;
            continue_with(p, "waiting for AWS to create the account", Duration::from_secs(2))
        }
        CreateStep::Poll => {
            let request = p.request_id.clone().ok_or_else(|| JobFailure::Fatal("no request id to poll".into()))?;
            let status = orgs.create_account_status(&creds, &request).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
            match (status.state.as_str(), status.account_id) {
                ("SUCCEEDED", Some(account)) => finish_created(state, &payer, &p, &creds, &account).await,
                ("FAILED", _) => {
                    let reason = create_failure_reason(status.failure_reason.as_deref());
                    let event = Event {
                        event_type: outbox::ACCOUNT_CREATE_FAILED,
                        payer: payer.model(),
                        subject: Some(p.email.clone()),
                        data: json!({ "email": p.email, "accountName": p.name, "reason": reason, "requestId": request }),
                    };
                    let txn = payer.begin_write().await.map_err(JobFailure::from)?;
                    outbox::record_in(&txn, event).await.map_err(JobFailure::from)?;
                    txn.commit().await.map_err(JobFailure::from)?;
                    Err(JobFailure::Fatal(reason))
                }
                _ => {
                    p.polls += 1;
                    if p.polls > 120 {
                        return Err(JobFailure::Fatal("AWS did not finish creating the account within two hours".into()));
                    }
                    let wait = Duration::from_secs(u64::from(2_u32.saturating_pow(p.polls.min(5))).min(60));
                    continue_with(p, "waiting for AWS to create the account", wait)
                }
            }
        }
    }
}

fn create_failure_reason(code: Option<&str>) -> String {
    match code {
        Some("EMAIL_ALREADY_EXISTS") => "an AWS account with this email already exists".into(),
        Some("ACCOUNT_LIMIT_EXCEEDED") => "the organization has reached its account limit; ask AWS Support to raise it".into(),
        Some("CONCURRENT_ACCOUNT_MODIFICATION") => "another change to the organization was in progress; try again".into(),
        Some("INVALID_EMAIL") => "AWS refused the email address".into(),
        Some(other) => format!("AWS could not create the account ({other})"),
        None => "AWS could not create the account".into(),
    }
}

async fn finish_created(
    state: &JobContext,
    payer: &PlatformPayer,
    p: &CreateArgs,
    creds: &aws_credential_types::Credentials,
    account_id: &str,
) -> Result<Step<CreateArgs>, JobFailure> {
    let orgs = &state.aws.organizations;
    let mut parent = orgs.parent_of(creds, account_id).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
    if let Some(ou) = p.ou_id.as_ref().filter(|ou| **ou != parent) {
        orgs.move_account(creds, account_id, &parent, ou).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
        parent = ou.clone();
    }
    let account = orgs.describe_account(creds, account_id).await.map_err(|e| JobFailure::from(AppError::from(e)))?;
    let txn = payer.begin_write().await.map_err(JobFailure::from)?;
    txn.delete::<linked_accounts::Entity>().filter(linked_accounts::Column::AccountId.eq(account.id.as_str())).exec().await.map_err(JobFailure::from)?;
    txn.insert(account_row(payer.id, &account, Some(parent.clone()))).await.map_err(JobFailure::from)?;
    let event = Event {
        event_type: outbox::ACCOUNT_CREATED,
        payer: payer.model(),
        subject: Some(account.id.clone()),
        data: json!({ "accountId": account.id, "accountName": account.name, "email": account.email, "ouId": parent, "payerAccountId": payer.account_id }),
    };
    outbox::record_in(&txn, event).await.map_err(JobFailure::from)?;
    txn.commit().await.map_err(JobFailure::from)?;
    Ok(Step::Done(json!({ "accountId": account.id, "parentId": parent })))
}

/// Closes a member account. The caller types the account id again to confirm.
pub async fn close(scope: &Scope, aws: &AwsClients, payer: PayerId, account: &str, confirm: &str) -> AppResult<Account> {
    let payer = scope.payer(payer, Role::Admin).await?;
    checked_account_id("accountId", account)?;
    if confirm.trim() != account {
        return Err(AppError::invalid("confirmAccountId", "does not match the account id; type it again to confirm"));
    }
    if account == payer.account_id {
        return Err(AppError::invalid("accountId", "is the management account, which cannot be closed from here"));
    }
    let linked = find(&payer, account).await?;
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    aws.organizations.close_account(&creds, account).await?;
    let txn = payer.begin_write().await?;
    let mut row: linked_accounts::ActiveModel = linked.into();
    row.status = Set("PENDING_CLOSURE".into());
    let updated = txn.update(row).await?;
    let event = Event {
        event_type: outbox::ACCOUNT_CLOSED,
        payer: &payer,
        subject: Some(account.to_owned()),
        data: json!({ "accountId": account, "accountName": updated.name, "email": updated.email, "closedBy": scope.principal().email }),
    };
    outbox::record_in(&txn, event).await?;
    txn.commit().await?;
    Ok(updated.into())
}

/// Removes a member account from the organization (it becomes a standalone account).
pub async fn remove(scope: &Scope, aws: &AwsClients, payer: PayerId, account: &str) -> AppResult<Account> {
    let payer = scope.payer(payer, Role::Admin).await?;
    checked_account_id("accountId", account)?;
    if account == payer.account_id {
        return Err(AppError::invalid("accountId", "is the management account"));
    }
    let linked = find(&payer, account).await?;
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    aws.organizations.remove_account(&creds, account).await?;
    let txn = payer.begin_write().await?;
    txn.delete::<linked_accounts::Entity>().filter(linked_accounts::Column::AccountId.eq(account)).exec().await?;
    let event = Event { event_type: outbox::ACCOUNT_REMOVED, payer: &payer, subject: Some(account.to_owned()), data: json!({ "accountId": account }) };
    outbox::record_in(&txn, event).await?;
    txn.commit().await?;
    Ok(linked.into())
}

/// Moves a member account to another OU (or the root).
pub async fn move_to(scope: &Scope, aws: &AwsClients, payer: PayerId, account: &str, destination: &str) -> AppResult<Account> {
    let payer = scope.payer(payer, Role::Operator).await?;
    checked_account_id("accountId", account)?;
    let linked = find(&payer, account).await?;
    let is_root = destination.starts_with("r-");
    let known_ou = payer.rows::<organizational_units::Entity>().filter(organizational_units::Column::OuId.eq(destination)).one().await?.is_some();
    if !is_root && !known_ou {
        return Err(AppError::invalid("destinationOuId", "is not an organizational unit of this payer (sync accounts first)"));
    }
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    let source = aws.organizations.parent_of(&creds, account).await?;
    if source != destination {
        aws.organizations.move_account(&creds, account, &source, destination).await?;
    }
    let txn = payer.begin_write().await?;
    let mut row: linked_accounts::ActiveModel = linked.into();
    row.parent_id = Set(Some(destination.to_owned()));
    let updated = txn.update(row).await?;
    let event = Event {
        event_type: outbox::ACCOUNT_MOVED,
        payer: &payer,
        subject: Some(account.to_owned()),
        data: json!({ "accountId": account, "from": source, "to": destination }),
    };
    outbox::record_in(&txn, event).await?;
    txn.commit().await?;
    Ok(updated.into())
}

crate::jobs::job_handler! {
    /// Runs [`SYNC_ACCOUNTS`].
    pub SyncAccounts, SyncArgs, |ctx, _job, args| run_sync_job(ctx, args).await.map_err(JobFailure::from)
}

crate::jobs::job_handler! {
    /// Runs [`SYNC_ALL_ACCOUNTS`].
    pub SyncAllAccounts, DailySync, |ctx, _job, _| enqueue_sync_for_all(ctx).await.map_err(JobFailure::from)
}

crate::jobs::job_handler! {
    /// Runs [`CREATE_ACCOUNT`], one step (create, creating, poll) at a time.
    pub CreateAccount, CreateArgs, |ctx, _job, args| run_create_job(ctx, args).await
}
