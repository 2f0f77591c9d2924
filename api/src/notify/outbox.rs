//! Domain events, written in the same database transaction as the change that caused them, so
//! an event exists if and only if its change was committed.

use chrono::Utc;
use entity::outbox_events;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::error::AppResult;
use crate::tenancy::PayerTxn;

pub const ACCOUNT_CREATED: &str = "account.created";
pub const ACCOUNT_CREATE_FAILED: &str = "account.create_failed";
pub const ACCOUNT_INVITED: &str = "account.invited";
pub const INVITATION_ACCEPTED: &str = "invitation.accepted";
pub const ACCOUNT_CLOSED: &str = "account.closed";
pub const ACCOUNT_REMOVED: &str = "account.removed";
pub const ACCOUNT_MOVED: &str = "account.moved";
pub const POLICY_ATTACHED: &str = "policy.attached";
pub const POLICY_DETACHED: &str = "policy.detached";
pub const PAYER_CONNECTION_FAILED: &str = "payer.connection_failed";
pub const USER_INVITED: &str = "user.invited";
pub const PASSWORD_CHANGED: &str = "password.changed";
pub const SERVICE_NOTICE: &str = "service.notice";
/// A webhook endpoint was disabled after failing too often (its owners are told).
pub const WEBHOOK_DISABLED: &str = "webhook.disabled";
/// A billing group, its membership or its custom line items changed (webhooks only).
pub const BILLING_GROUP_CHANGED: &str = "billing_group.changed";
/// A pricing plan or pricing rule changed (webhooks only).
pub const PRICING_CHANGED: &str = "pricing.changed";
/// A customer's contract was created, changed or ended (mailed to its contract-change address).
pub const CONTRACT_CHANGED: &str = "contract.changed";
/// An invoice was issued (mailed to the contract's billing address with its PDF).
pub const INVOICE_ISSUED: &str = "invoice.issued";
/// An issued invoice was marked paid.
pub const INVOICE_PAID: &str = "invoice.paid";
/// An issued invoice was voided.
pub const INVOICE_VOIDED: &str = "invoice.voided";
/// A credit note was issued (mailed with its PDF).
pub const CREDIT_NOTE_ISSUED: &str = "credit_note.issued";
/// A debit note was issued (mailed with its PDF).
pub const DEBIT_NOTE_ISSUED: &str = "debit_note.issued";
/// A customer's organization was invited to transfer its bill to a payer.
pub const BILLING_TRANSFER_INVITED: &str = "billing_transfer.invited";
/// The customer accepted the billing transfer.
pub const BILLING_TRANSFER_ACCEPTED: &str = "billing_transfer.accepted";
/// The transfer's start month came: the payer pays the customer's bill.
pub const BILLING_TRANSFER_STARTED: &str = "billing_transfer.started";
/// The transfer ended.
pub const BILLING_TRANSFER_ENDED: &str = "billing_transfer.ended";
/// Document events mailed to the billing address of the document's contract.
pub const DOCUMENT_EVENTS: &[&str] = &[INVOICE_ISSUED, INVOICE_PAID, INVOICE_VOIDED, CREDIT_NOTE_ISSUED, DEBIT_NOTE_ISSUED];

/// Every event type a subscription or endpoint may name.
pub const EVENT_TYPES: &[&str] = &[
    ACCOUNT_CREATED,
    ACCOUNT_CREATE_FAILED,
    ACCOUNT_INVITED,
    INVITATION_ACCEPTED,
    ACCOUNT_CLOSED,
    ACCOUNT_REMOVED,
    ACCOUNT_MOVED,
    POLICY_ATTACHED,
    POLICY_DETACHED,
    PAYER_CONNECTION_FAILED,
    USER_INVITED,
    PASSWORD_CHANGED,
    SERVICE_NOTICE,
    WEBHOOK_DISABLED,
    BILLING_GROUP_CHANGED,
    PRICING_CHANGED,
    CONTRACT_CHANGED,
    INVOICE_ISSUED,
    INVOICE_PAID,
    INVOICE_VOIDED,
    CREDIT_NOTE_ISSUED,
    DEBIT_NOTE_ISSUED,
    BILLING_TRANSFER_INVITED,
    BILLING_TRANSFER_ACCEPTED,
    BILLING_TRANSFER_STARTED,
    BILLING_TRANSFER_ENDED,
    crate::notify::cloudevents::AWS_SERVICE_DAILY,
];

/// One event to record.
pub struct Event<'a> {
    pub event_type: &'static str,
    pub payer: &'a entity::payers::Model,
    /// What it is about, e.g. the AWS account id.
    pub subject: Option<String>,
    pub data: Value,
}

/// Records an event (and wakes the dispatcher) in the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> AppResult<outbox_events::Model> {
    poke(db).await?;
    Ok(outbox_events::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        event_type: Set(event.event_type.to_owned()),
        tenant_id: Set(Some(event.payer.tenant_id)),
        payer_id: Set(Some(event.payer.id)),
        subject: Set(event.subject),
        payload: Set(event.data.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// Records a payer's event in a transaction on that payer's rows (see [`record`]).
pub async fn record_in(txn: &PayerTxn, event: Event<'_>) -> AppResult<outbox_events::Model> {
    record(txn.joined(), event).await
}

/// How many `event_type` events a tenant recorded since `since` (a rate limit's count), read in
/// the transaction that will record more.
pub async fn tenant_events_since(txn: &PayerTxn, event_type: &str, tenant: uuid::Uuid, since: chrono::DateTime<Utc>) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(outbox_events::Entity::find()
        .filter(outbox_events::Column::EventType.eq(event_type))
        .filter(outbox_events::Column::TenantId.eq(tenant))
        .filter(outbox_events::Column::CreatedAt.gt(since))
        .count(txn.joined())
        .await?)
}

/// [`poke`] on behalf of a request.
pub async fn poke_for(scope: &crate::tenancy::Scope) -> AppResult<()> {
    scope.hasten_platform_job(DISPATCHER_KEY).await
}

/// Whether an enabled webhook endpoint of the transaction's payer's tenant or above takes
/// `aws.service.daily` (thousands of events a day are only recorded when someone receives them).
pub async fn daily_costs_wanted_in(txn: &PayerTxn) -> AppResult<bool> {
    use entity::{payers, tenants, webhook_endpoints};
    let db = txn.joined();
    let Some(payer) = payers::Entity::find_by_id(txn.payer_id()).one(db).await? else { return Ok(false) };
    let Some(tenant) = tenants::Entity::find_by_id(payer.tenant_id).one(db).await? else { return Ok(false) };
    let lineage: Vec<uuid::Uuid> = tenant.path.split('/').filter_map(|p| p.parse().ok()).collect();
    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::TenantId.is_in(lineage))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .all(db)
        .await?;
    Ok(endpoints.iter().any(|e| {
        let types: Vec<String> = serde_json::from_str(&e.event_types).unwrap_or_default();
        types.iter().any(|t| t == crate::notify::cloudevents::AWS_SERVICE_DAILY || t == "*")
    }))
}

/// Records daily-cost CloudEvents of the transaction's payer (whole, with their stable ids) and
/// wakes the dispatcher; returns how many.
pub async fn record_daily_costs_in(txn: &PayerTxn, payer: &entity::payers::Model, events: &[crate::notify::cloudevents::ServiceDaily], time: chrono::DateTime<Utc>) -> AppResult<u64> {
    use crate::notify::cloudevents::{AWS_SERVICE_DAILY, aws_service_daily};
    // Rows per statement: 7 columns × 1000 stays under both databases' bind-parameter limits.
    const BATCH: usize = 1000;
    let db = txn.joined();
    for chunk in events.chunks(BATCH) {
        let models: Vec<outbox_events::ActiveModel> = chunk
            .iter()
            .map(|d| outbox_events::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                event_type: Set(AWS_SERVICE_DAILY.to_owned()),
                tenant_id: Set(Some(payer.tenant_id)),
                payer_id: Set(Some(txn.payer_id())),
                subject: Set(Some(d.account_id.clone())),
                payload: Set(aws_service_daily(d, time).to_string()),
                created_at: Set(time),
            })
            .collect();
        if !models.is_empty() {
            outbox_events::Entity::insert_many(models).exec_without_returning(db).await?;
        }
    }
    if !events.is_empty() {
        poke(db).await?;
    }
    Ok(events.len() as u64)
}

/// Records an event about a payer's billed customer (an invoice issued to it), filed under the
/// customer and the payer, in the payer's transaction.
pub async fn record_for_customer_in(customer: &crate::tenancy::BilledCustomer<'_>, event_type: &'static str, subject: Option<String>, data: Value) -> AppResult<()> {
    record_on(customer.joined(), event_type, customer.tenant().id, Some(customer.payer_id()), subject, data).await?;
    Ok(())
}

/// Records an event that belongs to a tenant but no payer (e.g. a webhook endpoint disabled).
pub async fn record_for_tenant(
    db: &impl ConnectionTrait,
    event_type: &'static str,
    tenant: uuid::Uuid,
    subject: Option<String>,
    data: Value,
) -> AppResult<outbox_events::Model> {
    record_on(db, event_type, tenant, None, subject, data).await
}

/// Records a tenant's event (no payer) in a transaction whose events file under that tenant;
/// nothing when it has none (a user who holds no role).
pub async fn record_for_tenant_in(txn: &impl crate::tenancy::TenantEvents, event_type: &'static str, subject: Option<String>, data: Value) -> AppResult<()> {
    if let Some(tenant) = txn.event_tenant() {
        record_on(txn.joined(), event_type, tenant, None, subject, data).await?;
    }
    Ok(())
}

/// Records an event filed under a tenant other than the payer's own: an invoice belongs to its
/// customer, so the customer's webhooks and the partner's above it both receive it.
pub async fn record_on(
    db: &impl ConnectionTrait,
    event_type: &'static str,
    tenant: uuid::Uuid,
    payer: Option<uuid::Uuid>,
    subject: Option<String>,
    data: Value,
) -> AppResult<outbox_events::Model> {
    poke(db).await?;
    Ok(outbox_events::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        event_type: Set(event_type.to_owned()),
        tenant_id: Set(Some(tenant)),
        payer_id: Set(payer),
        subject: Set(subject),
        payload: Set(data.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// The idempotency key of the one dispatcher job (`notify::dispatch`), which recording pokes.
pub(crate) const DISPATCHER_KEY: &str = "notify.dispatcher";

/// Makes a waiting dispatcher run now; called in the transaction that records an event. A
/// dispatcher that is mid-step gets its run_at moved too, so the step's outcome schedules the next
/// step at once instead of sleeping past this event (see `jobs::queue::record`).
pub async fn poke(db: &impl ConnectionTrait) -> AppResult<()> {
    crate::tenancy::platform_rows::hasten_platform_job(db, DISPATCHER_KEY).await
}
