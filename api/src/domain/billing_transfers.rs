//! AWS Billing Transfer: a payer takes over paying the bill of a customer's whole organization.
//! The payer admin invites the customer's management account (by id or email) from the first of a
//! month; a durable job follows the invitation until it is accepted, declined, expired or
//! withdrawn, then until the start month, and again until the end month once ended. Each
//! transferring organization is priced by one TRANSFER_BILLING group (Passthrough or a plan).
//!
//! Exactly once: the invitation is sent in the request after looking for one the same target
//! already has (a repeated request adopts it); every state change is a conditional update from
//! the state it leaves, in the transaction that records its event, so a step run again after a
//! crash or by a second worker changes and tells nothing twice.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use entity::billing_transfers::{self, TransferStatus};
use entity::{cost_monthly, jobs, linked_accounts, payers, pricing_plans};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::aws::billing_transfer::{Direction, PASSTHROUGH_PLAN_ARN, Transfer, TransferPreference, TransferTarget};
use crate::aws::credentials::session_name;
use crate::domain::accounts::checked_account_id;
use crate::domain::billing::billing_payer;
use crate::domain::billing::groups::{self, NewGroup};
use crate::domain::billing::plans::{self, NewPlan};
use crate::domain::payers as payer_domain;
use crate::domain::users::checked_email;
use crate::error::{AppError, AppResult, Context};
use crate::ids::{BillingTransferId, PayerId, TenantId};
use crate::jobs::queue::enqueue_in;
use crate::jobs::{JobContext, JobFailure, NewJob, Step};
use crate::notify::outbox::{self, Event};
use crate::tenancy::{PayerAccess, PayerTransactions, PayerRead, PayerTxn, PlatformPayer, Role, Scope, ScopedPayer};

/// Follows one transfer: the invitation until answered, then to its start, or to its end.
pub const FOLLOW_TRANSFER: &str = "billing_transfers.follow";

/// The only direction we start: the payer takes over another organization's bill.
pub const INBOUND: &str = "INBOUND";

/// At most this many transfers are listed per payer.
const LIST_LIMIT: u64 = 500;
/// At most this many accounts are shown per transferred organization.
const ACCOUNT_LIMIT: u64 = 1000;
/// Polls of an unanswered invitation before the job gives up (AWS expires it sooner).
const MAX_POLLS: u32 = 4000;
/// The longest a waiting job sleeps before it looks again.
const MAX_WAIT: Duration = Duration::from_secs(6 * 3600);

/// A new invitation.
pub struct NewTransfer {
    pub payer: PayerId,
    pub management_account_id: Option<String>,
    pub email: Option<String>,
    pub start: NaiveDate,
    pub name: Option<String>,
    pub notes: Option<String>,
}

/// A transferred organization's auto-create preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    pub auto_create: bool,
    /// `None`: Passthrough.
    pub pricing_plan_id: Option<uuid::Uuid>,
}

/// The first of a month, today or later (UTC), as `YYYY-MM`.
fn checked_first_of_month(field: &str, date: NaiveDate, today: NaiveDate) -> AppResult<String> {
    if date.day() != 1 {
        return Err(AppError::invalid(field, "must be the first day of a month (transfers take effect on the first)"));
    }
    if date < today {
        return Err(AppError::invalid(field, "must not be in the past"));
    }
    Ok(format!("{:04}-{:02}", date.year(), date.month()))
}

/// Midnight UTC on the first of `month` (`YYYY-MM`, checked).
fn month_start(month: &str) -> AppResult<DateTime<Utc>> {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("stored month {month:?} is not YYYY-MM")))
}

fn checked_notes(notes: Option<String>) -> AppResult<Option<String>> {
    let notes = notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if notes.as_ref().is_some_and(|n| n.chars().count() > 1024) {
        return Err(AppError::invalid("notes", "must be at most 1024 characters"));
    }
    Ok(notes)
}

fn checked_transfer_name(name: Option<String>, fallback: &str) -> AppResult<String> {
    let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("Billing transfer {fallback}"));
    if name.chars().count() > 128 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "must be at most 128 characters, without control characters"));
    }
    Ok(name)
}

/// A transfer the caller may see (`Viewer`) or act on (`Admin`), with its payer. Another
/// tenant's id answers NOT_FOUND; end customers are refused (the partner's business).
async fn find(scope: &Scope, id: BillingTransferId, need: Role) -> AppResult<(billing_transfers::Model, ScopedPayer)> {
    let row = scope.payer_row::<billing_transfers::Entity>(id.0, "billing transfer").await?;
    let payer = billing_payer(scope, PayerId(row.payer_id), need).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::NotFound("billing transfer"),
        other => other,
    })?;
    Ok((row, payer))
}

/// The payer's credentials, in a session named after the caller.
async fn caller_credentials(scope: &Scope, ctx: &JobContext, payer: &ScopedPayer) -> AppResult<aws_credential_types::Credentials> {
    payer_domain::credentials(payer, &ctx.aws, &session_name(&scope.principal().email)).await
}

/// The transfer's ARN, which the follow job stores once AWS reports it.
fn known_arn(row: &billing_transfers::Model) -> AppResult<String> {
    row.transfer_arn.clone().ok_or_else(|| AppError::Conflict("the transfer's ARN is not known yet; try again in a minute".into()))
}

/// A customer's organization transferring (or invited to transfer) its AWS bill to a payer, as
/// the API shows it.
pub struct BillingTransfer {
    pub id: BillingTransferId,
    pub payer_id: PayerId,
    /// INBOUND: the payer takes over the customer organization's bill.
    pub direction: String,
    /// The customer's management account, when invited by id.
    pub management_account_id: Option<String>,
    /// The customer's management account email, when invited by email.
    pub email: Option<String>,
    pub name: String,
    /// YYYY-MM
    pub start_month: String,
    /// YYYY-MM, once it ends.
    pub end_month: Option<String>,
    pub status: TransferStatus,
    pub handshake_id: Option<String>,
    /// AWS's transfer id (rt-…).
    pub transfer_id: Option<String>,
    pub notes: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The TRANSFER_BILLING group pricing the organization, once created.
    pub billing_group: Option<TransferGroup>,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The billing group of a transferring organization.
pub struct TransferGroup {
    /// `None`: AWS's Passthrough plan.
    pub pricing_plan_id: Option<uuid::Uuid>,
    /// Set when pushed to Billing Conductor.
    pub billing_conductor_arn: Option<String>,
    /// NATIVE billing mode: our billing group holding the organization's accounts.
    pub billing_group_id: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<billing_transfers::Model> for BillingTransfer {
    fn from(m: billing_transfers::Model) -> Self {
        Self {
            billing_group: m.group_created_at.map(|created_at| TransferGroup {
                pricing_plan_id: m.group_pricing_plan_id,
                billing_conductor_arn: m.group_abc_arn.clone(),
                billing_group_id: m.billing_group_id,
                created_at,
            }),
            id: BillingTransferId(m.id),
            payer_id: PayerId(m.payer_id),
            direction: m.direction,
            management_account_id: m.target_account_id,
            email: m.target_email,
            name: m.name,
            start_month: m.start_month,
            end_month: m.end_month,
            status: m.status,
            handshake_id: m.handshake_id,
            transfer_id: m.transfer_id,
            notes: m.notes,
            expires_at: m.expires_at,
            invited_by: m.invited_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// The payer's billing transfers, newest first.
pub async fn list(scope: &Scope, payer: PayerId) -> AppResult<Vec<BillingTransfer>> {
    let payer = billing_payer(scope, payer, Role::Viewer).await?;
    payer
        .rows::<billing_transfers::Entity>()
        .order_by_desc(billing_transfers::Column::CreatedAt)
        .limit(LIST_LIMIT)
        .all()
        .await
        .map(|rows| rows.into_iter().map(BillingTransfer::from).collect())
        .context("listing billing transfers")
}

/// One billing transfer.
pub async fn get(scope: &Scope, id: BillingTransferId) -> AppResult<BillingTransfer> {
    Ok(find(scope, id, Role::Viewer).await?.0.into())
}

/// The transferred organization's accounts as the payer's cost data shows them: the accounts
/// billed to the payer since the start month that are not in the payer's own organization and
/// not another transfer's management account. (The customer's organization cannot be read.)
pub async fn accounts(scope: &Scope, id: BillingTransferId) -> AppResult<Vec<String>> {
    let (row, payer) = find(scope, id, Role::Viewer).await?;
    accounts_of(&payer, &row, &payer.account_id).await
}

async fn accounts_of(payer: &impl PayerAccess, row: &billing_transfers::Model, payer_account: &str) -> AppResult<Vec<String>> {
    if !matches!(row.status, TransferStatus::Accepted | TransferStatus::Active | TransferStatus::Ended) {
        return Ok(Vec::new());
    }
    let own: Vec<String> = payer
        .rows::<linked_accounts::Entity>()
        .select_only()
        .column(linked_accounts::Column::AccountId)
        .tuples()
        .await
        .context("reading the payer's own accounts")?;
    let others: Vec<Option<String>> = payer
        .rows::<billing_transfers::Entity>()
        .select_only()
        .column(billing_transfers::Column::TargetAccountId)
        .filter(billing_transfers::Column::Id.ne(row.id))
        .tuples()
        .await
        .context("reading the payer's other transfers")?;
    let mut query = payer
        .rows::<cost_monthly::Entity>()
        .select_only()
        .column(cost_monthly::Column::UsageAccountId)
        .distinct()
        .filter(cost_monthly::Column::BillingPeriod.gte(row.start_month.clone()))
        .filter(cost_monthly::Column::UsageAccountId.ne(payer_account))
        .filter(cost_monthly::Column::UsageAccountId.is_not_in(own))
        .filter(cost_monthly::Column::UsageAccountId.is_not_in(others.into_iter().flatten()));
    if let Some(end) = &row.end_month {
        query = query.filter(cost_monthly::Column::BillingPeriod.lt(end.clone()));
    }
    query
        .order_by_asc(cost_monthly::Column::UsageAccountId)
        .limit(ACCOUNT_LIMIT)
        .tuples()
        .await
        .context("reading the transferred accounts from cost data")
}

/// The invitation the same target already has at AWS and we have no row for (a request that
/// died after AWS answered), so a repeated request adopts it instead of inviting twice.
async fn adoptable(payer: &impl PayerAccess, found: Vec<Transfer>, target: &TransferTarget, start: DateTime<Utc>) -> AppResult<Option<Transfer>> {
    for t in found {
        let same_target = match target {
            TransferTarget::ManagementAccount(id) => t.source_account_id.as_deref() == Some(id.as_str()),
            TransferTarget::Email(email) => t.source_email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)),
        };
        if !same_target || t.status != "REQUESTED" || t.start != Some(start) {
            continue;
        }
        let known = payer.rows::<billing_transfers::Entity>().filter(billing_transfers::Column::TransferId.eq(t.id.clone())).one().await?;
        if known.is_none() {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Invites a customer's organization to transfer its bill to the payer from `start`.
pub async fn invite(scope: &Scope, ctx: &JobContext, input: NewTransfer) -> AppResult<BillingTransfer> {
    let payer = billing_payer(scope, input.payer, Role::Admin).await?;
    let target = match (input.management_account_id, input.email) {
        (Some(id), None) => TransferTarget::ManagementAccount(checked_account_id("managementAccountId", id.trim())?),
        (None, Some(email)) => TransferTarget::Email(checked_email("email", &email)?),
        _ => return Err(AppError::invalid("managementAccountId", "give exactly one of managementAccountId and email")),
    };
    if matches!(&target, TransferTarget::ManagementAccount(id) if *id == payer.account_id) {
        return Err(AppError::invalid("managementAccountId", "is the payer itself"));
    }
    let start_month = checked_first_of_month("startDate", input.start, Utc::now().date_naive())?;
    let notes = checked_notes(input.notes)?;
    let (target_account, target_email) = match &target {
        TransferTarget::ManagementAccount(id) => (Some(id.clone()), None),
        TransferTarget::Email(e) => (None, Some(e.clone())),
    };
    let name = checked_transfer_name(input.name, target_account.as_deref().or(target_email.as_deref()).unwrap_or_default())?;
    let start = month_start(&start_month)?;
    let aws = &ctx.aws;
    let creds = caller_credentials(scope, ctx, &payer).await?;
    let existing = aws.billing_transfer.list(&creds, Direction::Inbound).await.map_err(|e| AppError::from(e).context("looking for an earlier invitation"))?;
    let (handshake_id, transfer_id, transfer_arn, expires_at) = match adoptable(&payer, existing, &target, start).await? {
        Some(t) => (t.active_handshake_id, Some(t.id), t.arn, None),
        None => {
            let sent = aws.billing_transfer.invite(&creds, &target, start, &name, notes.as_deref()).await?;
            (Some(sent.handshake_id), sent.transfer_id, None, sent.expires_at)
        }
    };
    let now = Utc::now();
    let id = BillingTransferId::new();
    let txn = payer.begin_write().await?;
    let row = txn.insert(billing_transfers::ActiveModel {
        id: Set(id.0),
        payer_id: Set(payer.id),
        direction: Set(INBOUND.to_owned()),
        target_account_id: Set(target_account),
        target_email: Set(target_email),
        name: Set(name),
        start_month: Set(start_month),
        end_month: Set(None),
        status: Set(TransferStatus::Invited),
        handshake_id: Set(handshake_id),
        transfer_id: Set(transfer_id),
        transfer_arn: Set(transfer_arn),
        notes: Set(notes),
        expires_at: Set(expires_at),
        group_pricing_plan_id: Set(None),
        group_abc_arn: Set(None),
        group_created_at: Set(None),
        billing_group_id: Set(None),
        auto_create_groups: Set(false),
        auto_pricing_plan_id: Set(None),
        invited_by: Set(scope.principal().email.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .await
    .map_err(|e| e.context("storing the billing transfer"))?;
    outbox::record_in(&txn, event(outbox::BILLING_TRANSFER_INVITED, &payer, &row)).await?;
    follow_later(&txn, &payer, &row, "invite", Duration::from_secs(30)).await?;
    txn.commit().await?;
    ctx.jobs_wakeup.notify_one();
    Ok(row.into())
}

fn event<'a>(event_type: &'static str, payer: &'a payers::Model, row: &billing_transfers::Model) -> Event<'a> {
    let target = row.target_account_id.clone().or_else(|| row.target_email.clone()).unwrap_or_default();
    Event {
        event_type,
        payer,
        subject: Some(target.clone()),
        data: json!({
            "billingTransferId": row.id,
            "target": target,
            "startMonth": row.start_month,
            "endMonth": row.end_month,
            "handshakeId": row.handshake_id,
            "transferId": row.transfer_id,
            "notes": row.notes,
            "invitedBy": row.invited_by,
        }),
    }
}

/// The follow job's arguments.
#[derive(Debug, Serialize, Deserialize)]
pub struct FollowArgs {
    transfer: uuid::Uuid,
    #[serde(default)]
    polls: u32,
}

impl crate::jobs::JobArgs for FollowArgs {
    const KIND: &'static str = FOLLOW_TRANSFER;
}

/// Enqueues a follow job; `why` keeps one job per reason (invite, end month).
async fn follow_later(txn: &PayerTxn, payer: &payers::Model, row: &billing_transfers::Model, why: &str, delay: Duration) -> AppResult<jobs::Model> {
    let mut job = NewJob::of(&FollowArgs { transfer: row.id, polls: 0 })?;
    job.payer = Some(PayerId(payer.id));
    job.tenant = Some(TenantId(payer.tenant_id));
    job.idempotency_key = Some(format!("billing-transfer:{}:{why}", row.id));
    job.max_attempts = 10;
    job.delay = delay;
    enqueue_in(txn, job).await
}

/// Withdraws an invitation the customer has not answered (cancels its handshake).
pub async fn withdraw(scope: &Scope, ctx: &JobContext, id: BillingTransferId) -> AppResult<BillingTransfer> {
    let (row, payer) = find(scope, id, Role::Admin).await?;
    if row.status != TransferStatus::Invited {
        return Err(AppError::Conflict("only an invitation not yet answered can be withdrawn; end an accepted transfer instead".into()));
    }
    let handshake = row.handshake_id.clone().ok_or_else(|| AppError::Conflict("the invitation's handshake is not known yet; try again in a minute".into()))?;
    let creds = caller_credentials(scope, ctx, &payer).await?;
    ctx.aws.billing_transfer.withdraw(&creds, &handshake).await?;
    let txn = payer.begin_write().await?;
    transition(&txn, &row, TransferStatus::Invited, TransferStatus::Withdrawn).await?;
    txn.commit().await?;
    Ok(reload(&payer, row.id).await?.into())
}

/// Ends an accepted or active transfer from the first of `end` (a later month).
pub async fn end(scope: &Scope, ctx: &JobContext, id: BillingTransferId, end: NaiveDate) -> AppResult<BillingTransfer> {
    let (row, payer) = find(scope, id, Role::Admin).await?;
    let end_month = checked_first_of_month("endDate", end, Utc::now().date_naive())?;
    if end_month <= row.start_month {
        return Err(AppError::invalid("endDate", format!("must be after the start month {}", row.start_month)));
    }
    if !matches!(row.status, TransferStatus::Accepted | TransferStatus::Active) || row.end_month.is_some() {
        return Err(AppError::Conflict("only an accepted or active transfer without an end can be ended".into()));
    }
    let transfer_id = row.transfer_id.clone().ok_or_else(|| AppError::Conflict("the transfer's AWS id is not known yet; try again in a minute".into()))?;
    let creds = caller_credentials(scope, ctx, &payer).await?;
    // A request that died after AWS answered left the end at AWS only: adopt it, never terminate twice.
    let seen = ctx.aws.billing_transfer.describe(&creds, &transfer_id).await?;
    let end_month = match seen.end.filter(|_| seen.status == "WITHDRAWN").map(month_of) {
        Some(already) if already != end_month => {
            store_end_month(&payer, &row, &already).await?;
            return Err(AppError::Conflict(format!("the transfer already ends at AWS from {already}")));
        }
        Some(already) => already,
        None => {
            ctx.aws.billing_transfer.terminate(&creds, &transfer_id, month_start(&end_month)?).await?;
            end_month
        }
    };
    let txn = payer.begin_write().await?;
    store_end_month(&txn, &row, &end_month).await?;
    let updated = reload(&txn, row.id).await?;
    follow_later(&txn, &payer, &updated, &format!("end:{end_month}"), Duration::ZERO).await?;
    txn.commit().await?;
    ctx.jobs_wakeup.notify_one();
    Ok(updated.into())
}

/// Creates the TRANSFER_BILLING billing group of an accepted transfer, priced with
/// `pricing_plan` (`None`: AWS's Passthrough). Pushed to Billing Conductor in that mode.
pub async fn create_group(scope: &Scope, ctx: &JobContext, id: BillingTransferId, pricing_plan: Option<uuid::Uuid>) -> AppResult<BillingTransfer> {
    let (row, payer) = find(scope, id, Role::Admin).await?;
    if !matches!(row.status, TransferStatus::Accepted | TransferStatus::Active) {
        return Err(AppError::Conflict("a billing group is created for an accepted transfer".into()));
    }
    if row.group_created_at.is_some() {
        return Err(AppError::Conflict("this transfer already has its billing group".into()));
    }
    let plan = checked_plan(&payer, pricing_plan).await?;
    let abc_arn = if payer.billing_mode == crate::domain::billing::abc::BillingMode::BillingConductor {
        let transfer_arn = known_arn(&row)?;
        let creds = caller_credentials(scope, ctx, &payer).await?;
        let name = group_name(&row);
        let description = format!("Billing transfer {} from {}", row.transfer_id.as_deref().unwrap_or_default(), row.start_month);
        Some(ctx.aws.billing_transfer.create_transfer_group(&creds, &transfer_arn, &name, &description, &plan_arn(&plan)?).await?)
    } else {
        None
    };
    // NATIVE mode: our own billing group holds the organization's accounts; our engine prices it.
    let native_group = match abc_arn {
        None => Some(native_group(scope, &row, &payer, plan.as_ref()).await?),
        Some(_) => None,
    };
    let txn = payer.begin_write().await?;
    // Conditional on no group yet, so two requests racing create one.
    let changed = txn
        .update_rows::<billing_transfers::Entity>()
        .col_expr(billing_transfers::Column::GroupPricingPlanId, Expr::value(plan.as_ref().map(|p| p.id)))
        .col_expr(billing_transfers::Column::GroupAbcArn, Expr::value(abc_arn))
        .col_expr(billing_transfers::Column::BillingGroupId, Expr::value(native_group))
        .col_expr(billing_transfers::Column::GroupCreatedAt, Expr::value(Some(Utc::now())))
        .col_expr(billing_transfers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(billing_transfers::Column::Id.eq(row.id))
        .filter(billing_transfers::Column::GroupCreatedAt.is_null())
        .exec()
        .await
        .map_err(|e| e.context("storing the transfer's billing group"))?;
    if changed == 0 {
        drop(txn);
        if let Some(group) = native_group {
            // The other request's group stands; ours goes.
            groups::delete(scope, group).await?;
        }
        return Err(AppError::Conflict("this transfer already has its billing group".into()));
    }
    txn.commit().await?;
    Ok(reload(&payer, row.id).await?.into())
}

/// NATIVE mode: the organization's accounts the payer's cost data shows that its billing group
/// does not hold yet join it from this month (or the start month, if later).
async fn join_new_accounts(payer: &PlatformPayer, row: &billing_transfers::Model) -> AppResult<usize> {
    let Some(group_id) = row.billing_group_id else { return Ok(0) };
    // People may have deleted the group: then there is nothing to keep up.
    let Some(group) = payer.rows::<entity::billing_groups::Entity>().filter(entity::billing_groups::Column::Id.eq(group_id)).one().await? else { return Ok(0) };
    let group = groups::load(payer, group).await?;
    let seen = accounts_of(payer, row, &payer.account_id).await?;
    let from = crate::domain::billing::current_period().max(row.start_month.clone());
    let joined = groups::join_from(payer, &group, &seen, &from, "system").await?;
    if !joined.is_empty() {
        tracing::info!(billing_transfer = %row.id, billing_group = %group_id, accounts = ?joined, from, "accounts joined the transfer's billing group");
    }
    Ok(joined.len())
}

/// The name of the plan a NATIVE transfer group gets when none is chosen.
const PASSTHROUGH_PLAN: &str = "Passthrough";

/// NATIVE mode: a billing group of the organization's accounts as the payer's cost data shows
/// them (its management account alone while no data has come), from the transfer's start month,
/// priced with `plan` or with the payer's Passthrough plan (the billed cost, unchanged).
async fn native_group(scope: &Scope, row: &billing_transfers::Model, payer: &ScopedPayer, plan: Option<&pricing_plans::Model>) -> AppResult<uuid::Uuid> {
    let mut accounts = accounts_of(payer, row, &payer.account_id).await?;
    if accounts.is_empty() {
        match &row.target_account_id {
            Some(management) => accounts.push(management.clone()),
            None => return Err(AppError::Conflict("none of the organization's accounts is in the payer's cost data yet; create its billing group once the start month's data has come".into())),
        }
    }
    let primary = row.target_account_id.clone().filter(|a| accounts.contains(a)).unwrap_or_else(|| accounts[0].clone());
    let plan_id = match plan {
        Some(p) => p.id,
        None => passthrough_plan(scope, payer).await?,
    };
    let group = groups::create(
        scope,
        NewGroup {
            payer: PayerId(payer.id),
            name: group_name(row),
            description: Some(format!("Billing transfer {} from {}", row.transfer_id.as_deref().unwrap_or_default(), row.start_month)),
            primary_account_id: primary,
            account_ids: accounts,
            pricing_plan_id: plan_id,
            customer_tenant_id: None,
            billing_period: Some(row.start_month.clone()),
        },
    )
    .await?;
    Ok(group.group.id)
}

/// The payer's Passthrough plan (UNBLENDED, every charge passed through, no rule), made once.
async fn passthrough_plan(scope: &Scope, payer: &ScopedPayer) -> AppResult<uuid::Uuid> {
    let existing = payer.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::Name.eq(PASSTHROUGH_PLAN)).one().await?;
    if let Some(plan) = existing {
        return Ok(plan.id);
    }
    let plan = plans::create(
        scope,
        NewPlan {
            payer: PayerId(payer.id),
            name: PASSTHROUGH_PLAN.to_owned(),
            description: Some("The billed cost, unchanged (AWS Billing Transfer's Passthrough)".to_owned()),
            base: Some(entity::pricing_plans::PlanBase::Unblended),
            pricing_rule_ids: Vec::new(),
            pass_tax: true,
            pass_credits: true,
            pass_refunds: true,
            pass_partner_discounts: true,
        },
    )
    .await?;
    Ok(plan.id)
}

/// ABC's name pattern allows `[a-zA-Z0-9_+=.\-@]`; the transfer id fits it.
fn group_name(row: &billing_transfers::Model) -> String {
    format!("transfer-{}", row.transfer_id.as_deref().unwrap_or("pending"))
}

/// A pricing plan of this payer, or `None` for Passthrough.
async fn checked_plan(payer: &impl PayerAccess, plan: Option<uuid::Uuid>) -> AppResult<Option<pricing_plans::Model>> {
    let Some(plan) = plan else { return Ok(None) };
    let found = payer.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::Id.eq(plan)).one().await.map_err(|e| e.context("reading the pricing plan"))?;
    found.map(Some).ok_or_else(|| AppError::invalid("pricingPlanId", "is not a pricing plan of this payer"))
}

fn plan_arn(plan: &Option<pricing_plans::Model>) -> AppResult<String> {
    match plan {
        None => Ok(PASSTHROUGH_PLAN_ARN.to_owned()),
        Some(p) => p.abc_arn.clone().ok_or_else(|| AppError::invalid("pricingPlanId", "is not in Billing Conductor yet; wait for its sync")),
    }
}

/// The transfer's auto-create preference: from Billing Conductor in that mode, else as stored.
pub async fn preference(scope: &Scope, ctx: &JobContext, id: BillingTransferId) -> AppResult<Preference> {
    let (row, payer) = find(scope, id, Role::Viewer).await?;
    let stored = Preference { auto_create: row.auto_create_groups, pricing_plan_id: row.auto_pricing_plan_id };
    let (true, Some(arn)) = (payer.billing_mode == crate::domain::billing::abc::BillingMode::BillingConductor, row.transfer_arn.as_deref()) else { return Ok(stored) };
    let creds = caller_credentials(scope, ctx, &payer).await?;
    let seen = ctx.aws.billing_transfer.preference(&creds, arn).await?;
    let plan = match seen.pricing_plan_arn.as_deref() {
        None | Some(PASSTHROUGH_PLAN_ARN) => None,
        Some(arn) => payer
            .rows::<pricing_plans::Entity>()
            .filter(pricing_plans::Column::AbcArn.eq(arn))
            .one()
            .await
            .map_err(|e| e.context("reading the preference's pricing plan"))?
            .map(|p| p.id),
    };
    Ok(Preference { auto_create: seen.auto_create, pricing_plan_id: plan })
}

/// Sets the auto-create preference (pushed to Billing Conductor in that mode).
pub async fn set_preference(scope: &Scope, ctx: &JobContext, id: BillingTransferId, wanted: Preference) -> AppResult<Preference> {
    let (row, payer) = find(scope, id, Role::Admin).await?;
    let plan = checked_plan(&payer, wanted.pricing_plan_id).await?;
    if payer.billing_mode == crate::domain::billing::abc::BillingMode::BillingConductor {
        let arn = known_arn(&row)?;
        let creds = caller_credentials(scope, ctx, &payer).await?;
        let pref = TransferPreference { auto_create: wanted.auto_create, pricing_plan_arn: Some(plan_arn(&plan)?) };
        ctx.aws.billing_transfer.set_preference(&creds, &arn, &pref).await?;
    }
    let mut active: billing_transfers::ActiveModel = row.into();
    active.auto_create_groups = Set(wanted.auto_create);
    active.auto_pricing_plan_id = Set(plan.map(|p| p.id));
    active.updated_at = Set(Utc::now());
    let saved = payer.update(active).await.map_err(|e| e.context("storing the transfer preference"))?;
    Ok(Preference { auto_create: saved.auto_create_groups, pricing_plan_id: saved.auto_pricing_plan_id })
}

async fn reload(payer: &impl PayerAccess, id: uuid::Uuid) -> AppResult<billing_transfers::Model> {
    payer.rows::<billing_transfers::Entity>().filter(billing_transfers::Column::Id.eq(id)).one().await?.ok_or(AppError::NotFound("billing transfer"))
}

/// Moves a transfer from `from` to `to`; false when it was not in `from` (already moved).
async fn transition(payer: &impl PayerAccess, row: &billing_transfers::Model, from: TransferStatus, to: TransferStatus) -> AppResult<bool> {
    let changed = payer
        .update_rows::<billing_transfers::Entity>()
        .col_expr(billing_transfers::Column::Status, Expr::value(to))
        .col_expr(billing_transfers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(billing_transfers::Column::Id.eq(row.id))
        .filter(billing_transfers::Column::Status.eq(from))
        .exec()
        .await
        .map_err(|e| e.context("changing a billing transfer's status"))?;
    Ok(changed == 1)
}

/// Moves the transfer and records `event_type` in one transaction, once.
async fn transition_and_tell(payer: &PlatformPayer, row: &billing_transfers::Model, from: TransferStatus, to: TransferStatus, event_type: Option<&'static str>) -> AppResult<()> {
    let txn = payer.begin_write().await?;
    if transition(&txn, row, from, to).await?
        && let Some(event_type) = event_type
    {
        let updated = reload(&txn, row.id).await?;
        outbox::record_in(&txn, event(event_type, payer, &updated)).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// How a transfer's AWS status reads for an invitation we follow.
fn answered(aws_status: &str) -> Option<(TransferStatus, Option<&'static str>)> {
    match aws_status {
        "ACCEPTED" => Some((TransferStatus::Accepted, Some(outbox::BILLING_TRANSFER_ACCEPTED))),
        "DECLINED" => Some((TransferStatus::Declined, None)),
        "EXPIRED" => Some((TransferStatus::Expired, None)),
        // Cancelled outside Partner Billing (the console) reads as withdrawn.
        "CANCELED" => Some((TransferStatus::Withdrawn, None)),
        // Accepted and since given an end (by either side): the end is learnt and told when it comes.
        "WITHDRAWN" => Some((TransferStatus::Accepted, Some(outbox::BILLING_TRANSFER_ACCEPTED))),
        _ => None,
    }
}

fn wait_until(at: DateTime<Utc>) -> Duration {
    (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(MAX_WAIT)
}

fn again(p: FollowArgs, progress: &str, after: Duration) -> Result<Step<FollowArgs>, JobFailure> {
    Ok(Step::Continue { payload: p, progress: Some(progress.to_owned()), after })
}

/// One step of [`FOLLOW_TRANSFER`]. Every change is conditional on the state it leaves, so a
/// repeated step changes and tells nothing twice.
pub async fn run_follow(ctx: &JobContext, payer: PayerId, mut p: FollowArgs) -> Result<Step<FollowArgs>, JobFailure> {
    let platform = ctx.platform();
    let payer = match platform.payer(payer).await {
        Ok(payer) => payer,
        Err(AppError::NotFound(_)) => return Err(JobFailure::Fatal("the payer is gone".into())),
        Err(e) => return Err(e.into()),
    };
    let row = reload(&payer, p.transfer).await.map_err(JobFailure::from)?;
    match row.status {
        TransferStatus::Invited => {
            let creds = payer_domain::platform_credentials(ctx.platform(), &ctx.aws, &payer, "pb-billing-transfer").await.map_err(JobFailure::from)?;
            let seen = match &row.transfer_id {
                Some(id) => Some(ctx.aws.billing_transfer.describe(&creds, id).await.map_err(|e| JobFailure::from(AppError::from(e)))?),
                // AWS named no transfer in the handshake: find it by the handshake.
                None => ctx.aws.billing_transfer.list(&creds, Direction::Inbound).await.map_err(|e| JobFailure::from(AppError::from(e)))?
                    .into_iter()
                    .find(|t| t.active_handshake_id.is_some() && t.active_handshake_id == row.handshake_id),
            };
            if let Some(t) = &seen {
                remember_aws_ids(&payer, &row, t).await.map_err(JobFailure::from)?;
            }
            match seen.as_ref().and_then(|t| answered(&t.status)) {
                Some((to, event_type)) => {
                    transition_and_tell(&payer, &row, TransferStatus::Invited, to, event_type).await.map_err(JobFailure::from)?;
                    again(p, "answered", Duration::ZERO)
                }
                None => {
                    p.polls += 1;
                    if p.polls > MAX_POLLS {
                        return Err(JobFailure::Fatal("the invitation was not answered in the time AWS allows".into()));
                    }
                    let wait = Duration::from_secs(30u64.saturating_mul(1 << p.polls.min(5))).min(Duration::from_secs(900));
                    again(p, "waiting for the customer to answer", wait)
                }
            }
        }
        TransferStatus::Accepted | TransferStatus::Active if row.end_month.is_none() && learn_end(ctx, &payer, &row).await.map_err(JobFailure::from)? => {
            again(p, "ended at AWS", Duration::ZERO)
        }
        TransferStatus::Accepted => {
            let start = month_start(&row.start_month).map_err(JobFailure::from)?;
            if Utc::now() < start {
                return again(p, "accepted; waiting for the start month", wait_until(start));
            }
            transition_and_tell(&payer, &row, TransferStatus::Accepted, TransferStatus::Active, Some(outbox::BILLING_TRANSFER_STARTED)).await.map_err(JobFailure::from)?;
            again(p, "started", Duration::ZERO)
        }
        TransferStatus::Active => match &row.end_month {
            // Either side may end it at AWS: look again now and then, and let accounts the
            // organization added since join its billing group.
            None => {
                join_new_accounts(&payer, &row).await.map_err(JobFailure::from)?;
                again(p, "active", MAX_WAIT)
            }
            Some(end) => {
                let end = month_start(end).map_err(JobFailure::from)?;
                if Utc::now() < end {
                    return again(p, "ending; waiting for the end month", wait_until(end));
                }
                transition_and_tell(&payer, &row, TransferStatus::Active, TransferStatus::Ended, Some(outbox::BILLING_TRANSFER_ENDED)).await.map_err(JobFailure::from)?;
                again(p, "ended", Duration::ZERO)
            }
        },
        done => Ok(Step::Done(json!({ "status": done }))),
    }
}

/// `YYYY-MM` of an AWS end timestamp (always the first of a month).
fn month_of(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// Whether AWS reports the transfer ended (by either side) from a month we had not stored; if
/// so, stores that month. The end itself is told when it comes.
async fn learn_end(ctx: &JobContext, payer: &PlatformPayer, row: &billing_transfers::Model) -> AppResult<bool> {
    let Some(id) = &row.transfer_id else { return Ok(false) };
    let creds = payer_domain::platform_credentials(ctx.platform(), &ctx.aws, payer, "pb-billing-transfer").await?;
    let seen = ctx.aws.billing_transfer.describe(&creds, id).await?;
    let Some(end) = seen.end.filter(|_| seen.status == "WITHDRAWN") else { return Ok(false) };
    store_end_month(payer, row, &month_of(end)).await?;
    Ok(true)
}

async fn store_end_month(payer: &impl PayerAccess, row: &billing_transfers::Model, month: &str) -> AppResult<()> {
    payer
        .update_rows::<billing_transfers::Entity>()
        .col_expr(billing_transfers::Column::EndMonth, Expr::value(Some(month.to_owned())))
        .col_expr(billing_transfers::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(billing_transfers::Column::Id.eq(row.id))
        .exec()
        .await
        .map_err(|e| e.context("storing the transfer's end month"))?;
    Ok(())
}

/// Stores the transfer id and ARN AWS reports, where we did not have them.
async fn remember_aws_ids(payer: &PlatformPayer, row: &billing_transfers::Model, t: &Transfer) -> AppResult<()> {
    if row.transfer_id.as_deref() == Some(t.id.as_str()) && (row.transfer_arn.is_some() || t.arn.is_none()) {
        return Ok(());
    }
    payer
        .update_rows::<billing_transfers::Entity>()
        .col_expr(billing_transfers::Column::TransferId, Expr::value(Some(t.id.clone())))
        .col_expr(billing_transfers::Column::TransferArn, Expr::value(t.arn.clone().or_else(|| row.transfer_arn.clone())))
        .filter(billing_transfers::Column::Id.eq(row.id))
        .exec()
        .await
        .map_err(|e| e.context("storing the transfer's AWS id"))?;
    Ok(())
}

crate::jobs::job_handler! {
    /// Runs [`FOLLOW_TRANSFER`].
    pub FollowTransfer, FollowArgs, |ctx, job, args| match job.payer_id {
        Some(payer) => run_follow(ctx, PayerId(payer), args).await,
        None => Err(JobFailure::Fatal("a billing transfer's follow job names no payer".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_is_the_first_of_a_month_not_in_the_past() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(checked_first_of_month("startDate", NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), today).unwrap(), "2027-01");
        let mid = checked_first_of_month("startDate", NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(), today).unwrap_err();
        assert!(mid.to_string().contains("first day"), "{mid}");
        let past = checked_first_of_month("startDate", NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), today).unwrap_err();
        assert!(past.to_string().contains("past"), "{past}");
        assert_eq!(checked_first_of_month("startDate", today.with_day(1).unwrap(), today.with_day(1).unwrap()).unwrap(), "2026-12");
    }

    #[test]
    fn aws_statuses_map_to_ours_and_tell_acceptance_once() {
        assert_eq!(answered("REQUESTED"), None);
        assert_eq!(answered("ACCEPTED"), Some((TransferStatus::Accepted, Some(outbox::BILLING_TRANSFER_ACCEPTED))));
        assert_eq!(answered("CANCELED"), Some((TransferStatus::Withdrawn, None)));
        assert_eq!(answered("DECLINED").map(|a| a.0), Some(TransferStatus::Declined));
        assert_eq!(answered("EXPIRED").map(|a| a.0), Some(TransferStatus::Expired));
        assert_eq!(answered("WITHDRAWN").map(|a| a.0), Some(TransferStatus::Accepted), "ended later, but it was accepted");
    }

    #[test]
    fn notes_and_names_are_bounded() {
        assert!(checked_notes(Some("x".repeat(1025))).is_err());
        assert_eq!(checked_notes(Some("  ".into())).unwrap(), None);
        assert!(checked_transfer_name(Some("n".repeat(129)), "t").is_err());
        assert_eq!(checked_transfer_name(None, "012345678901").unwrap(), "Billing transfer 012345678901");
    }
}
