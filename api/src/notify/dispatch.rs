//! The dispatcher: a durable job that never finishes. Each step fans new outbox events out into
//! deliveries (one row per recipient, created idempotently), then works through the deliveries
//! that are due: send, and on failure retry with backoff until the last attempt dead-letters it.
//! Delivery is at-least-once; the delivery id travels with each attempt so receivers de-duplicate.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use entity::{linked_accounts, notification_subscriptions, notification_templates, notifications, outbox_dispatched, outbox_events, payers, tenants, users, webhook_endpoints};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use crate::db::{BeginWrite, Db};
use crate::notify::tenant_settings;
use crate::error::{AppError, AppResult, Context as _};
use crate::jobs::{JobFailure, JobState, NewJob, Step};
use crate::notify::email::Mailer;
use crate::notify::error::DeliveryError;
use crate::notify::templates::{self, Source};
use crate::notify::outbox::DISPATCHER_KEY;
use crate::notify::{LOCALES, cloudevents, locale_or, outbox, webhook};
use crate::jobs::JobContext;

pub use entity::notifications::{Channel, DeliveryStatus};

/// The job kind of the dispatcher.
pub const DISPATCH: &str = "notify.dispatch";
crate::jobs::no_job_args! {
    /// The dispatcher's arguments: none; there is one dispatcher job.
    pub Dispatch, DISPATCH
}

/// A claimed delivery is left alone by other dispatchers this long.
const CLAIM: chrono::Duration = chrono::Duration::seconds(120);
/// Deliveries one step takes on (they are sent in lanes, side by side).
const BATCH: u64 = 100;

/// Makes sure the one dispatcher job exists and is queued (called at start).
pub async fn ensure_dispatcher(db: &Db) -> AppResult<()> {
    let mut job = NewJob::of(&Dispatch {})?;
    job.idempotency_key = Some(DISPATCHER_KEY.to_owned());
    job.max_attempts = i32::MAX;
    // Events poke it; until then it sleeps (an idle write at start would contend on SQLite).
    job.delay = Duration::from_secs(60);
    let existing = crate::jobs::enqueue(db, job).await?;
    if matches!(existing.state, JobState::Failed | JobState::Succeeded) {
        entity::jobs::Entity::update_many()
            .col_expr(entity::jobs::Column::State, Expr::value(JobState::Queued))
            .col_expr(entity::jobs::Column::RunAt, Expr::value(Utc::now() + chrono::Duration::seconds(60)))
            .col_expr(entity::jobs::Column::Attempts, Expr::value(0))
            .filter(entity::jobs::Column::Id.eq(existing.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// One dispatcher step. It always continues (errors are logged and tried again): soon when there
/// is work, else when the next retry is due (at most a minute later). Recording an event pokes
/// the dispatcher in the same transaction, so an idle dispatcher does not poll the database with
/// writes (on SQLite every write contends with requests).
pub async fn step(state: &JobContext) -> Result<Step<Dispatch>, JobFailure> {
    let mut busy = false;
    match fan_out(state).await {
        Ok(n) => busy |= n > 0,
        Err(e) => tracing::error!(error = ?e, "notification fan-out failed"),
    }
    match deliver_due(state).await {
        Ok(n) => busy |= n > 0,
        Err(e) => tracing::error!(error = ?e, "notification delivery failed"),
    }
    let interval = Duration::from_millis(state.config.notify_interval_ms);
    let after = if busy {
        interval
    } else {
        idle_delay(state.platform().db()).await.unwrap_or(interval).max(interval)
    };
    Ok(Step::Continue { payload: Dispatch {}, progress: None, after })
}

/// How long an idle dispatcher may sleep: until the next retry is due, at most a minute.
async fn idle_delay(db: &Db) -> AppResult<Duration> {
    let done = Query::select().column(outbox_dispatched::Column::EventId).from(outbox_dispatched::Entity).to_owned();
    let waiting = outbox_events::Entity::find()
        .filter(Expr::col((outbox_events::Entity, outbox_events::Column::Id)).not_in_subquery(done))
        .one(db)
        .await?;
    if waiting.is_some() {
        return Ok(Duration::ZERO);
    }
    let next = notifications::Entity::find()
        .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
        .order_by_asc(notifications::Column::NextAttemptAt)
        .one(db)
        .await?;
    let max = Duration::from_secs(60);
    Ok(next.map_or(max, |n| (n.next_attempt_at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(max)))
}

/// A stored JSON list of event types (a subscription's or an endpoint's); one that does not
/// parse is logged and matches nothing.
pub fn stored_event_types(json_text: &str) -> Vec<String> {
    serde_json::from_str(json_text).unwrap_or_else(|e| {
        tracing::error!(error = %e, "a stored list of event types does not parse");
        Vec::new()
    })
}

/// The ids of a tenant and all its ancestors, from its path.
fn lineage(path: &str) -> Vec<uuid::Uuid> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

struct Recipient {
    address: String,
    user_id: Option<uuid::Uuid>,
    locale: Option<String>,
}

/// Creates the deliveries of events not yet fanned out.
pub async fn fan_out(state: &JobContext) -> AppResult<usize> {
    let db = state.platform().db();
    let done = Query::select().column(outbox_dispatched::Column::EventId).from(outbox_dispatched::Entity).to_owned();
    let events = outbox_events::Entity::find()
        .filter(Expr::col((outbox_events::Entity, outbox_events::Column::Id)).not_in_subquery(done))
        .order_by_asc(outbox_events::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let count = events.len();
    for event in events {
        let txn = db.begin_write().await?;
        for row in deliveries_for(&txn, state, &event).await? {
            notifications::Entity::insert(row).on_conflict_do_nothing().exec(&txn).await?;
        }
        outbox_dispatched::Entity::insert(outbox_dispatched::ActiveModel { event_id: Set(event.id), dispatched_at: Set(Utc::now()) })
            .on_conflict_do_nothing()
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(count)
}

async fn deliveries_for(db: &impl ConnectionTrait, state: &JobContext, event: &outbox_events::Model) -> AppResult<Vec<notifications::ActiveModel>> {
    let Some(tenant_id) = event.tenant_id else { return Ok(vec![]) };
    let Some(tenant) = tenants::Entity::find_by_id(tenant_id).one(db).await? else { return Ok(vec![]) };
    let lineage = lineage(&tenant.path);
    let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let now = Utc::now();
    let row = |channel: Channel, recipient: String, endpoint: Option<uuid::Uuid>, user: Option<uuid::Uuid>, locale: Option<String>| notifications::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        event_id: Set(event.id),
        event_type: Set(event.event_type.clone()),
        tenant_id: Set(event.tenant_id),
        payer_id: Set(event.payer_id),
        channel: Set(channel),
        recipient: Set(recipient),
        endpoint_id: Set(endpoint),
        user_id: Set(user),
        locale: Set(locale),
        subject: Set(None),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
    };
    let mut rows = Vec::new();

    if templates::mail_event_types().contains(&event.event_type.as_str()) {
        let mut recipients: Vec<Recipient> = Vec::new();
        // Who an event is addressed to by its nature (the account of a notice, the endpoint's owner).
        match event.event_type.as_str() {
            outbox::SERVICE_NOTICE => {
                if let Some(email) = data["email"].as_str() {
                    recipients.push(Recipient { address: email.to_owned(), user_id: None, locale: data["locale"].as_str().map(str::to_owned) });
                }
            }
            // Personal mail goes to the user concerned and to no one else.
            outbox::USER_INVITED | outbox::PASSWORD_CHANGED => {
                let user = match data["userId"].as_str().and_then(|u| u.parse::<uuid::Uuid>().ok()) {
                    Some(id) => users::Entity::find_by_id(id).one(db).await?.filter(|u| u.disabled_at.is_none()),
                    None => None,
                };
                if let Some(u) = user {
                    recipients.push(Recipient { address: u.email, user_id: Some(u.id), locale: Some(u.locale) });
                }
            }
            // An invoice or note goes to its contract's billing address, in the document's language.
            t if outbox::DOCUMENT_EVENTS.contains(&t) => {
                if let Some(email) = data["billingEmail"].as_str() {
                    recipients.push(Recipient { address: email.to_owned(), user_id: None, locale: data["language"].as_str().map(str::to_owned) });
                }
            }
            // A contract change goes to the contract's change address, in the customer's locale.
            outbox::CONTRACT_CHANGED => {
                if let Some(email) = data["contractChangeEmail"].as_str() {
                    recipients.push(Recipient { address: email.to_owned(), user_id: None, locale: None });
                }
            }
            outbox::WEBHOOK_DISABLED => {
                let owner = data["ownerId"].as_str().and_then(|o| o.parse::<uuid::Uuid>().ok());
                let user = match owner {
                    Some(owner) => users::Entity::find_by_id(owner).one(db).await?.filter(|u| u.disabled_at.is_none()),
                    None => None,
                };
                if let Some(u) = user {
                    recipients.push(Recipient { address: u.email, user_id: Some(u.id), locale: Some(u.locale) });
                }
            }
            _ => {}
        }
        let personal = matches!(event.event_type.as_str(), outbox::USER_INVITED | outbox::PASSWORD_CHANGED);
        let subs = if personal {
            vec![]
        } else {
            let mut cond = sea_orm::Condition::any().add(notification_subscriptions::Column::TenantId.is_in(lineage.clone()));
            if let Some(payer) = event.payer_id {
                cond = cond.add(notification_subscriptions::Column::PayerId.eq(payer));
            }
            notification_subscriptions::Entity::find().filter(cond).order_by_asc(notification_subscriptions::Column::Id).all(db).await?
        };
        for sub in subs.into_iter().filter(|s| stored_event_types(&s.event_types).iter().any(|t| t == &event.event_type)) {
            if let Some(user_id) = sub.user_id {
                if let Some(u) = users::Entity::find_by_id(user_id).one(db).await?.filter(|u| u.disabled_at.is_none()) {
                    recipients.push(Recipient { address: u.email, user_id: Some(u.id), locale: sub.locale.or(Some(u.locale)) });
                }
            } else if let Some(email) = sub.email {
                recipients.push(Recipient { address: email, user_id: None, locale: sub.locale });
            } else if sub.account_owner
                && let Some(email) = account_email(db, event, &data).await?
            {
                recipients.push(Recipient { address: email, user_id: None, locale: sub.locale });
            }
        }
        // Whoever has no locale of their own gets the tenant's (inherited) default.
        let settings = tenant_settings::resolve(db, &state.config, &tenant.path).await?;
        let mut seen = HashSet::new();
        for r in recipients {
            let address = r.address.to_lowercase();
            if seen.insert(address.clone()) {
                let locale = locale_or(r.locale.as_deref(), &settings.default_locale.value).to_owned();
                rows.push(row(Channel::Email, address, None, r.user_id, Some(locale)));
            }
        }
    }

    let endpoints = webhook_endpoints::Entity::find()
        .filter(webhook_endpoints::Column::TenantId.is_in(lineage))
        .filter(webhook_endpoints::Column::DisabledAt.is_null())
        .order_by_asc(webhook_endpoints::Column::Id)
        .all(db)
        .await?;
    for ep in endpoints.into_iter().filter(|e| stored_event_types(&e.event_types).iter().any(|t| t == &event.event_type || t == "*")) {
        rows.push(row(Channel::Webhook, ep.id.to_string(), Some(ep.id), None, None));
    }
    Ok(rows)
}

/// The affected linked account's own address: from the event, else from the synced account.
async fn account_email(db: &impl ConnectionTrait, event: &outbox_events::Model, data: &Value) -> AppResult<Option<String>> {
    if let Some(email) = data["email"].as_str() {
        return Ok(Some(email.to_owned()));
    }
    let (Some(payer), Some(account)) = (event.payer_id, data["accountId"].as_str().or(event.subject.as_deref())) else { return Ok(None) };
    Ok(linked_accounts::Entity::find_by_id((payer, account.to_owned())).one(db).await?.map(|a| a.email))
}

/// Sends what is due; returns how many were attempted.
///
/// Deliveries go out in lanes: mail is one lane (up to [`MAIL_CONCURRENCY`] messages at once),
/// each webhook endpoint is its own (one request at a time, in order), and up to [`LANES`] lanes
/// run side by side. A hanging or dead endpoint therefore holds up only its own deliveries; after
/// its first failure the rest of its lane waits for that delivery's retry instead of each costing
/// another timeout, in this step and in later ones (a per-endpoint circuit breaker; repeated
/// failures disable it).
pub async fn deliver_due(state: &JobContext) -> AppResult<usize> {
    use futures::StreamExt as _;
    let now = Utc::now();
    let due = notifications::Entity::find()
        .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
        .filter(notifications::Column::NextAttemptAt.lte(now))
        .order_by_asc(notifications::Column::NextAttemptAt)
        .order_by_asc(notifications::Column::Id)
        .limit(BATCH)
        .all(state.platform().db())
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mailer = Mailer::from_config(&state.config)?;
    let mut lanes: std::collections::BTreeMap<Option<uuid::Uuid>, Vec<notifications::Model>> = std::collections::BTreeMap::new();
    for delivery in due {
        let lane = (delivery.channel != Channel::Email).then(|| delivery.endpoint_id.unwrap_or_default());
        lanes.entry(lane).or_default().push(delivery);
    }
    let attempted = std::sync::atomic::AtomicUsize::new(0);
    futures::stream::iter(lanes)
        .for_each_concurrent(LANES, |(lane, deliveries)| {
            let (mailer, attempted) = (mailer.as_ref(), &attempted);
            async move {
                let sent = match lane {
                    None => deliver_mail(state, mailer, deliveries, now).await,
                    Some(_) => deliver_to_endpoint(state, deliveries, now).await,
                };
                match sent {
                    Ok(n) => {
                        attempted.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(e) => tracing::error!(error = ?e, "delivering notifications failed"),
                }
            }
        })
        .await;
    Ok(attempted.into_inner())
}

/// Lanes delivering at the same time.
const LANES: usize = 8;
/// Mails sent at the same time.
const MAIL_CONCURRENCY: usize = 4;

/// Claims a due delivery: only the dispatcher that moves its next attempt forward sends it.
async fn claim(state: &JobContext, delivery: &notifications::Model, now: chrono::DateTime<Utc>) -> AppResult<bool> {
    let claimed = notifications::Entity::update_many()
        .col_expr(notifications::Column::NextAttemptAt, Expr::value(now + CLAIM))
        .filter(notifications::Column::Id.eq(delivery.id))
        .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
        .filter(notifications::Column::NextAttemptAt.eq(delivery.next_attempt_at))
        .exec(state.platform().db())
        .await?;
    Ok(claimed.rows_affected == 1)
}

async fn deliver_mail(state: &JobContext, mailer: Option<&Mailer>, deliveries: Vec<notifications::Model>, now: chrono::DateTime<Utc>) -> AppResult<usize> {
    use futures::StreamExt as _;
    let results: Vec<AppResult<usize>> = futures::stream::iter(deliveries)
        .map(|delivery| async move {
            if !claim(state, &delivery, now).await? {
                return Ok(0);
            }
            let outcome = send_email(state, mailer, &delivery).await;
            record(state, &delivery, outcome).await?;
            Ok(1)
        })
        .buffer_unordered(MAIL_CONCURRENCY)
        .collect()
        .await;
    results.into_iter().try_fold(0, |n, r| r.map(|one| n + one))
}

async fn deliver_to_endpoint(state: &JobContext, deliveries: Vec<notifications::Model>, now: chrono::DateTime<Utc>) -> AppResult<usize> {
    // An earlier delivery to this endpoint failed and waits for its retry: the newer ones wait
    // behind it (in order), rather than each trying an endpoint known to be failing.
    if let Some(endpoint) = deliveries.first().and_then(|d| d.endpoint_id)
        && let Some(retry_at) = failing_until(state, endpoint, now).await?
    {
        defer(state, deliveries.iter().map(|d| d.id).collect(), retry_at, now).await?;
        return Ok(0);
    }
    let mut attempted = 0;
    let mut rest = deliveries.into_iter();
    for delivery in rest.by_ref() {
        if !claim(state, &delivery, now).await? {
            continue;
        }
        let outcome = send_webhook(state, &delivery).await;
        let failed = outcome.is_err();
        attempted += 1;
        record(state, &delivery, outcome).await?;
        if failed {
            break;
        }
    }
    // The endpoint just failed: its other deliveries wait for the retry interval (not counted as
    // attempts) rather than each waiting out another timeout now.
    let waiting: Vec<uuid::Uuid> = rest.map(|d| d.id).collect();
    if !waiting.is_empty() {
        let later = Utc::now() + chrono::Duration::seconds(i64::try_from(state.config.notify_retry_seconds).unwrap_or(30));
        defer(state, waiting, later, now).await?;
    }
    Ok(attempted)
}

/// When the endpoint's earliest failed delivery still waiting for its retry is due, if it has one.
async fn failing_until(state: &JobContext, endpoint: uuid::Uuid, now: chrono::DateTime<Utc>) -> AppResult<Option<chrono::DateTime<Utc>>> {
    let failed = notifications::Entity::find()
        .filter(notifications::Column::EndpointId.eq(endpoint))
        .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
        .filter(notifications::Column::Attempts.gt(0))
        .filter(notifications::Column::NextAttemptAt.gt(now))
        .order_by_asc(notifications::Column::NextAttemptAt)
        .one(state.platform().db())
        .await
        .context("looking for the endpoint's failed deliveries")?;
    Ok(failed.map(|d| d.next_attempt_at))
}

/// Moves due deliveries to `until` without counting an attempt.
async fn defer(state: &JobContext, ids: Vec<uuid::Uuid>, until: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> AppResult<()> {
    notifications::Entity::update_many()
        .col_expr(notifications::Column::NextAttemptAt, Expr::value(until))
        .filter(notifications::Column::Id.is_in(ids))
        .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
        .filter(notifications::Column::NextAttemptAt.lte(now))
        .exec(state.platform().db())
        .await?;
    Ok(())
}

/// Records an attempt: sent, retry later, or dead after the last attempt.
/// A failure is stored as its public text (the partner reads the log) and logged in full.
async fn record(state: &JobContext, delivery: &notifications::Model, outcome: Result<Option<String>, DeliveryError>) -> AppResult<()> {
    let attempts = delivery.attempts + 1;
    let mut row: notifications::ActiveModel = delivery.clone().into();
    row.attempts = Set(attempts);
    match outcome {
        Ok(subject) => {
            row.status = Set(DeliveryStatus::Sent);
            row.sent_at = Set(Some(Utc::now()));
            row.last_error = Set(None);
            if subject.is_some() {
                row.subject = Set(subject);
            }
        }
        Err(error) => {
            let max = i32::try_from(state.config.notify_max_attempts).unwrap_or(i32::MAX);
            if attempts >= max {
                row.status = Set(DeliveryStatus::Dead);
            }
            row.next_attempt_at = Set(Utc::now() + backoff(state.config.notify_retry_seconds, attempts));
            tracing::warn!(delivery = %delivery.id, channel = ?delivery.channel, attempts, error = %error, "delivery failed");
            row.last_error = Set(Some(error.public().chars().take(1000).collect()));
        }
    }
    row.update(state.platform().db()).await?;
    Ok(())
}

/// `base`, doubling per attempt, capped at an hour.
pub fn backoff(base_seconds: u64, attempts: i32) -> chrono::Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let seconds = std::cmp::min(base_seconds.saturating_mul(2_u64.saturating_pow(exp)), 3600);
    chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(3600))
}

async fn send_email(state: &JobContext, mailer: Option<&Mailer>, d: &notifications::Model) -> Result<Option<String>, DeliveryError> {
    if state.config.mail_sink == crate::config::MailSink::Outbox {
        // The demo's sink: kept for the Demo outbox page, delivered as far as anyone can tell.
        let (mail, _) = render_for(state, d).await.map_err(DeliveryError::Render)?;
        crate::notify::demo_outbox::keep(state.platform().db(), d, &mail).await.map_err(DeliveryError::DemoOutbox)?;
        return Ok(Some(mail.subject));
    }
    let Some(mailer) = mailer else { return Err(DeliveryError::NoMailer) };
    let (mut mail, sender_name) = render_for(state, d).await.map_err(DeliveryError::Render)?;
    mail.attachments = attachments(state, d).await?;
    mailer.send(&d.recipient, &mail, d.id, sender_name.as_deref()).await?;
    Ok(Some(mail.subject))
}

/// The files a delivery's mail carries: an issued invoice's or note's PDF, as kept at issue.
async fn attachments(state: &JobContext, d: &notifications::Model) -> AppResult<Vec<templates::Attachment>> {
    if !matches!(d.event_type.as_str(), outbox::INVOICE_ISSUED | outbox::CREDIT_NOTE_ISSUED | outbox::DEBIT_NOTE_ISSUED) {
        return Ok(Vec::new());
    }
    let event = outbox_events::Entity::find_by_id(d.event_id).one(state.platform().db()).await?.ok_or(AppError::NotFound("event"))?;
    let data: Value = serde_json::from_str(&event.payload).map_err(AppError::internal)?;
    let Some(id) = data["invoiceId"].as_str().and_then(|i| i.parse::<uuid::Uuid>().ok()) else { return Ok(Vec::new()) };
    let file = entity::invoice_files::Entity::find_by_id(id).one(state.platform().db()).await?.ok_or(AppError::NotFound("invoice PDF"))?;
    Ok(vec![templates::Attachment { file_name: file.file_name, content_type: file.content_type, content: file.content }])
}

/// Renders a delivery's mail: the deepest tenant override on the event's tenant line, else the
/// built-in; with the sender display name and branding the event's tenant inherits.
async fn render_for(state: &JobContext, d: &notifications::Model) -> AppResult<(templates::Rendered, Option<String>)> {
    let db = state.platform().db();
    let event = outbox_events::Entity::find_by_id(d.event_id).one(db).await?.ok_or(AppError::NotFound("event"))?;
    let tenant = match event.tenant_id {
        Some(t) => tenants::Entity::find_by_id(t).one(db).await?,
        None => None,
    };
    let settings = match &tenant {
        Some(t) => Some(tenant_settings::resolve(db, &state.config, &t.path).await?),
        None => None,
    };
    let fallback_locale = settings.as_ref().map_or(state.config.default_locale.as_str(), |s| s.default_locale.value.as_str());
    let locale = locale_or(d.locale.as_deref(), fallback_locale);
    let sender_name = settings.as_ref().map(|s| s.sender_name.value.clone());
    let branding = settings.as_ref().map_or(tenant_settings::DEFAULT_NAME, |s| s.branding_name.value.as_str());
    let payer = match event.payer_id {
        Some(p) => payers::Entity::find_by_id(p).one(db).await?,
        None => None,
    };
    let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let public_url = state.config.public_url.clone().unwrap_or_default();
    // The set-password token exists only in this mail (see auth::password_tokens), in a link the
    // server adds after the template: no template, built-in or tenant's, ever sees it.
    let action = if event.event_type == outbox::USER_INVITED {
        let user = data["userId"].as_str().and_then(|u| u.parse::<uuid::Uuid>().ok()).ok_or(AppError::NotFound("user"))?;
        let token = crate::auth::password_tokens::mint(db, crate::ids::UserId(user)).await?;
        templates::action_link(&event.event_type, locale, format!("{}/set-password?token={token}", public_url.trim_end_matches('/')))
    } else {
        None
    };
    let mut ctx = templates::context(
        &event.event_type,
        event.id,
        event.created_at,
        payer.as_ref().map(|p| (p.name.as_str(), p.account_id.as_str())),
        tenant.as_ref().map_or("", |t| t.name.as_str()),
        public_url.trim_end_matches('/'),
        data,
    );
    ctx["brandingName"] = Value::String(branding.to_owned());
    if let Some(src) = override_for(db, tenant.as_ref().map(|t| t.path.as_str()).unwrap_or(""), &event.event_type, locale).await? {
        match templates::render_source(&src, &ctx, action.as_ref()) {
            Ok(r) => return Ok((r, sender_name)),
            Err((part, e)) => tracing::warn!(event_type = %event.event_type, part, error = %e, "tenant template override failed; using the built-in"),
        }
    }
    Ok((templates::render_builtin(&event.event_type, locale, &ctx, action.as_ref())?, sender_name))
}

/// The override of the deepest tenant on `path` for this event type and locale.
pub async fn override_for(db: &impl ConnectionTrait, path: &str, event_type: &str, locale: &str) -> AppResult<Option<Source>> {
    let rows = notification_templates::Entity::find()
        .filter(notification_templates::Column::TenantId.is_in(lineage(path)))
        .filter(notification_templates::Column::EventType.eq(event_type))
        .filter(notification_templates::Column::Locale.eq(locale))
        .all(db)
        .await?;
    Ok(deepest_override(path, &rows))
}

/// Of the overrides of one event and locale along a tenant's lineage, the one nearest the tenant.
pub fn deepest_override(path: &str, rows: &[notification_templates::Model]) -> Option<Source> {
    let deepest = lineage(path).into_iter().rev().find_map(|t| rows.iter().find(|r| r.tenant_id == t));
    deepest.map(|r| Source { subject: r.subject.clone(), html: r.html.clone(), text: r.text.clone() })
}

async fn send_webhook(state: &JobContext, d: &notifications::Model) -> Result<Option<String>, DeliveryError> {
    let db = state.platform().db();
    let endpoint = match d.endpoint_id {
        Some(id) => webhook_endpoints::Entity::find_by_id(id).one(db).await.context("loading the delivery's webhook endpoint")?,
        None => None,
    };
    let Some(endpoint) = endpoint.filter(|e| e.disabled_at.is_none()) else {
        return Err(DeliveryError::EndpointGone);
    };
    let event = outbox_events::Entity::find_by_id(d.event_id).one(db).await.context("loading the delivery's event")?.ok_or(DeliveryError::EventGone)?;
    let body = cloudevents::from_outbox(&event).to_string();
    let result = webhook::post(&endpoint.url, &endpoint.secret, d.id, body.as_bytes(), state.config.webhook_allow_private).await;
    let outcome = match &result {
        Ok(_) => endpoint_succeeded(state, &endpoint).await,
        Err(reason) => endpoint_failed(state, &endpoint, &reason.public()).await,
    };
    if let Err(e) = outcome {
        tracing::error!(error = ?e, "recording a webhook endpoint's health failed");
    }
    result.map(|status| Some(format!("HTTP {status}")))
}

async fn endpoint_succeeded(state: &JobContext, endpoint: &webhook_endpoints::Model) -> AppResult<()> {
    if endpoint.consecutive_failures != 0 {
        webhook_endpoints::Entity::update_many()
            .col_expr(webhook_endpoints::Column::ConsecutiveFailures, Expr::value(0))
            .filter(webhook_endpoints::Column::Id.eq(endpoint.id))
            .exec(state.platform().db())
            .await?;
    }
    Ok(())
}

/// Counts a failure; at the limit the endpoint is disabled and its owner told (in one transaction).
async fn endpoint_failed(state: &JobContext, endpoint: &webhook_endpoints::Model, reason: &str) -> AppResult<()> {
    let txn = state.platform().db().begin_write().await?;
    webhook_endpoints::Entity::update_many()
        .col_expr(webhook_endpoints::Column::ConsecutiveFailures, Expr::col(webhook_endpoints::Column::ConsecutiveFailures).add(1))
        .filter(webhook_endpoints::Column::Id.eq(endpoint.id))
        .exec(&txn)
        .await?;
    let Some(now) = webhook_endpoints::Entity::find_by_id(endpoint.id).one(&txn).await? else { return Ok(txn.commit().await?) };
    let max = i32::try_from(state.config.webhook_max_failures).unwrap_or(i32::MAX);
    if now.disabled_at.is_none() && now.consecutive_failures >= max {
        let mut row: webhook_endpoints::ActiveModel = now.clone().into();
        row.disabled_at = Set(Some(Utc::now()));
        row.disabled_reason = Set(Some(format!("{} failed deliveries in a row; last: {reason}", now.consecutive_failures)));
        row.updated_at = Set(Utc::now());
        row.update(&txn).await?;
        let data = json!({
            "endpointId": now.id.to_string(),
            "url": now.url,
            "failures": now.consecutive_failures,
            "reason": reason,
            "ownerId": now.created_by.map(|u| u.to_string()),
        });
        outbox::record_for_tenant(&txn, outbox::WEBHOOK_DISABLED, now.tenant_id, Some(now.id.to_string()), data).await?;
        tracing::warn!(endpoint = %now.id, "webhook endpoint disabled after repeated failures");
    }
    txn.commit().await?;
    Ok(())
}

/// All the locales, for listings.
pub fn locales() -> &'static [&'static str] {
    LOCALES
}

crate::jobs::job_handler! {
    /// Delivers notifications (email and webhooks) from the outbox; runs forever in short steps.
    pub DispatchNotifications, Dispatch, |ctx, _job, _| step(ctx).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_from_the_base_and_caps_at_an_hour() {
        assert_eq!(super::backoff(30, 1).num_seconds(), 30);
        assert_eq!(super::backoff(30, 3).num_seconds(), 120);
        assert_eq!(super::backoff(1, 2).num_seconds(), 2);
        assert_eq!(super::backoff(30, 50).num_seconds(), 3600);
    }

    #[test]
    fn lineage_reads_the_tenant_path() {
        let a = uuid::Uuid::now_v7();
        let b = uuid::Uuid::now_v7();
        assert_eq!(super::lineage(&format!("/{a}/{b}/")), vec![a, b]);
    }
}
