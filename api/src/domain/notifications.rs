//! Notifications as the caller sees them: recipients (subscriptions), template overrides,
//! service notices, webhook endpoints and the delivery log. Recipients are only users in the
//! caller's scope, addresses an admin added, or the affected account's own address: no relay.

use chrono::{DateTime, Utc};
use entity::{linked_accounts, notification_subscriptions as subs, notification_templates, notifications, users, webhook_endpoints};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::auth::secrets::random_secret;
use crate::domain::{Page, Target, checked_name};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId, UserId};
use crate::notify::dispatch::{self, Channel, DeliveryStatus};
use crate::notify::templates::{self, Rendered, Source};
use crate::notify::{LOCALES, outbox, ssrf};
use crate::tenancy::{PayerTransactions, PayerRead, Role, Scope};

/// Who gets mail for which event types on a tenant (and below) or a payer.
pub struct Subscription {
    pub id: uuid::Uuid,
    pub tenant_id: Option<uuid::Uuid>,
    pub payer_id: Option<uuid::Uuid>,
    pub event_types: Vec<String>,
    pub user_id: Option<uuid::Uuid>,
    /// An address an admin added.
    pub email: Option<String>,
    /// Mail goes to the affected linked account's own address.
    pub account_owner: bool,
    pub locale: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<subs::Model> for Subscription {
    fn from(m: subs::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: m.tenant_id,
            payer_id: m.payer_id,
            event_types: dispatch::stored_event_types(&m.event_types),
            user_id: m.user_id,
            email: m.email,
            account_owner: m.account_owner,
            locale: m.locale,
            created_at: m.created_at,
        }
    }
}

/// A tenant's HTTP receiver of CloudEvents as its owners see it: never its signing secret (only
/// creating an endpoint hands that out, once).
pub struct WebhookEndpoint {
    pub id: uuid::Uuid,
    pub tenant_id: uuid::Uuid,
    pub url: String,
    pub description: String,
    /// `*` is every type.
    pub event_types: Vec<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub created_at: DateTime<Utc>,
}

impl From<webhook_endpoints::Model> for WebhookEndpoint {
    fn from(m: webhook_endpoints::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: m.tenant_id,
            url: m.url,
            description: m.description,
            event_types: dispatch::stored_event_types(&m.event_types),
            disabled_at: m.disabled_at,
            disabled_reason: m.disabled_reason,
            consecutive_failures: m.consecutive_failures,
            created_at: m.created_at,
        }
    }
}

/// One delivery of one event to one recipient (a row of the delivery log); the id is stable
/// across retries.
pub struct Delivery {
    pub id: uuid::Uuid,
    pub event_id: uuid::Uuid,
    pub event_type: String,
    pub tenant_id: Option<uuid::Uuid>,
    pub payer_id: Option<uuid::Uuid>,
    pub channel: Channel,
    /// The email address, or the webhook endpoint id.
    pub recipient: String,
    pub endpoint_id: Option<uuid::Uuid>,
    pub locale: Option<String>,
    /// The mail subject, or the webhook's HTTP status, once sent.
    pub subject: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// While it is pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<notifications::Model> for Delivery {
    fn from(m: notifications::Model) -> Self {
        Self {
            id: m.id,
            event_id: m.event_id,
            event_type: m.event_type,
            tenant_id: m.tenant_id,
            payer_id: m.payer_id,
            channel: m.channel,
            recipient: m.recipient,
            endpoint_id: m.endpoint_id,
            locale: m.locale,
            subject: m.subject,
            next_attempt_at: (m.status == DeliveryStatus::Pending).then_some(m.next_attempt_at),
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
        }
    }
}

/// Runs a scope check, reporting "not found" as the thing asked for.
fn as_missing<T>(result: AppResult<T>, what: &'static str) -> AppResult<T> {
    result.map_err(|e| if matches!(e, AppError::NotFound(_)) { AppError::NotFound(what) } else { e })
}

async fn require(scope: &Scope, tenant: Option<uuid::Uuid>, payer: Option<uuid::Uuid>, need: Role, what: &'static str) -> AppResult<()> {
    match (tenant, payer) {
        (Some(t), _) => as_missing(scope.tenant(TenantId(t), need).await.map(|_| ()), what),
        (None, Some(p)) => as_missing(scope.payer(PayerId(p), need).await.map(|_| ()), what),
        _ => Err(AppError::NotFound(what)),
    }
}

fn checked_locale(locale: Option<&str>) -> AppResult<Option<String>> {
    match locale {
        None => Ok(None),
        Some(l) if LOCALES.contains(&l) => Ok(Some(l.to_owned())),
        Some(_) => Err(AppError::invalid("locale", "must be en or zh-CN")),
    }
}

fn checked_types(types: &[String], allowed: &[&str], wildcard: bool) -> AppResult<String> {
    if types.is_empty() || types.len() > 50 {
        return Err(AppError::invalid("eventTypes", "must list 1 to 50 event types"));
    }
    let mut out: Vec<&str> = Vec::new();
    for t in types {
        if !(allowed.contains(&t.as_str()) || (wildcard && t == "*")) {
            return Err(AppError::invalid("eventTypes", format!("unknown event type {t:?}; known: {}", allowed.join(", "))));
        }
        if !out.contains(&t.as_str()) {
            out.push(t);
        }
    }
    Ok(serde_json::to_string(&out).unwrap_or_else(|_| "[]".to_owned()))
}

// ---- subscriptions ----

/// Who a subscription sends to: exactly one.
pub enum Recipient {
    User(UserId),
    Email(String),
    AccountOwner,
}

pub struct NewSubscription {
    pub target: Target,
    pub event_types: Vec<String>,
    pub recipient: Recipient,
    pub locale: Option<String>,
}

fn target_ids(target: Target) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    match target {
        Target::Tenant(t) => (Some(t.0), None),
        Target::Payer(p) => (None, Some(p.0)),
    }
}

/// Subscriptions the caller can see, optionally of one tenant or payer.
pub async fn subscriptions(scope: &Scope, target: Option<Target>) -> AppResult<Vec<Subscription>> {
    let mut query = scope.target_rows::<subs::Entity>(Role::Viewer);
    if let Some(target) = target {
        let (t, p) = target_ids(target);
        require(scope, t, p, Role::Viewer, if t.is_some() { "tenant" } else { "payer" }).await?;
        query = match target {
            Target::Tenant(t) => query.filter(subs::Column::TenantId.eq(t.0)),
            Target::Payer(p) => query.filter(subs::Column::PayerId.eq(p.0)),
        };
    }
    Ok(query.order_by_asc(subs::Column::Id).all().await?.into_iter().map(Subscription::from).collect())
}

pub async fn subscribe(scope: &Scope, new: NewSubscription) -> AppResult<Subscription> {
    let (tenant, payer) = target_ids(new.target);
    let what = if tenant.is_some() { "tenant" } else { "payer" };
    require(scope, tenant, payer, Role::Viewer, what).await?;
    let event_types = checked_types(&new.event_types, &templates::mail_event_types(), false)?;
    let locale = checked_locale(new.locale.as_deref())?;
    let me = scope.principal().user_id;
    // Subscribing oneself needs only sight of the target; anyone else needs its admin.
    if !matches!(new.recipient, Recipient::User(u) if u == me) {
        require(scope, tenant, payer, Role::Admin, what).await?;
    }
    let (user_id, email, account_owner) = match new.recipient {
        Recipient::User(u) => {
            let visible = scope.users(Role::Viewer).filter(users::Column::Id.eq(u.0)).one().await?;
            visible.ok_or(AppError::NotFound("user"))?;
            (Some(u.0), None, false)
        }
        Recipient::Email(e) => (None, Some(crate::domain::users::checked_email("email", &e)?), false),
        Recipient::AccountOwner => (None, None, true),
    };
    let row = subs::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        payer_id: Set(payer),
        event_types: Set(event_types),
        user_id: Set(user_id),
        email: Set(email),
        account_owner: Set(account_owner),
        locale: Set(locale),
        created_by: Set(me.0),
        created_at: Set(Utc::now()),
    };
    Ok(scope.insert_for_target(row, Role::Viewer).await?.into())
}

pub async fn unsubscribe(scope: &Scope, id: uuid::Uuid) -> AppResult<Subscription> {
    let sub = scope.target_rows::<subs::Entity>(Role::Viewer).filter(subs::Column::Id.eq(id)).one().await?.ok_or(AppError::NotFound("subscription"))?;
    if sub.user_id != Some(scope.principal().user_id.0) {
        require(scope, sub.tenant_id, sub.payer_id, Role::Admin, "subscription").await?;
    }
    scope.delete_target_rows::<subs::Entity>(Role::Viewer).filter(subs::Column::Id.eq(id)).exec().await?;
    Ok(sub.into())
}

// ---- templates ----

/// The template in effect for a tenant, event type and locale.
pub struct TemplateView {
    pub event_type: String,
    pub locale: String,
    pub source: Source,
    /// A tenant on the line (this one or above) overrides the built-in.
    pub overridden: bool,
}

async fn effective(scope: &Scope, path: &str, event_type: &str, locale: &str) -> AppResult<TemplateView> {
    let inherited = scope
        .inherited_rows::<notification_templates::Entity>(path)
        .filter(notification_templates::Column::EventType.eq(event_type))
        .filter(notification_templates::Column::Locale.eq(locale))
        .all()
        .await?;
    let over = dispatch::deepest_override(path, &inherited);
    let overridden = over.is_some();
    let source = match over.or_else(|| templates::builtin(event_type, locale)) {
        Some(s) => s,
        None => return Err(AppError::invalid("eventType", "has no email template")),
    };
    Ok(TemplateView { event_type: event_type.to_owned(), locale: locale.to_owned(), source, overridden })
}

fn checked_mail_type(event_type: &str) -> AppResult<&'static str> {
    templates::mail_event_types().into_iter().find(|t| *t == event_type).ok_or_else(|| AppError::invalid("eventType", "has no email template"))
}

fn checked_template_locale(locale: &str) -> AppResult<&'static str> {
    LOCALES.iter().copied().find(|l| *l == locale).ok_or_else(|| AppError::invalid("locale", "must be en or zh-CN"))
}

pub async fn templates(scope: &Scope, tenant: TenantId) -> AppResult<Vec<TemplateView>> {
    let tenant = scope.tenant(tenant, Role::Viewer).await?;
    let mut out = Vec::new();
    for event_type in templates::mail_event_types() {
        for locale in LOCALES {
            out.push(effective(scope, &tenant.path, event_type, locale).await?);
        }
    }
    Ok(out)
}

/// Stores an override after checking it compiles and renders sample data; a refused one
/// leaves the previous template in place.
pub async fn update_template(scope: &Scope, tenant: TenantId, event_type: &str, locale: &str, source: Source) -> AppResult<TemplateView> {
    let tenant = scope.tenant(tenant, Role::Admin).await?;
    let (event_type, locale) = (checked_mail_type(event_type)?, checked_template_locale(locale)?);
    templates::validate(event_type, locale, &source)?;
    let existing = scope
        .tenant_rows::<notification_templates::Entity>(Role::Admin)
        .filter(notification_templates::Column::TenantId.eq(tenant.id))
        .filter(notification_templates::Column::EventType.eq(event_type))
        .filter(notification_templates::Column::Locale.eq(locale))
        .one()
        .await?;
    let now = Utc::now();
    let by = scope.principal().user_id.0;
    match existing {
        Some(m) => {
            let mut row: notification_templates::ActiveModel = m.into();
            row.subject = Set(source.subject);
            row.html = Set(source.html);
            row.text = Set(source.text);
            row.updated_by = Set(by);
            row.updated_at = Set(now);
            scope.update_for_tenant(row, Role::Admin).await?;
        }
        None => {
            let row = notification_templates::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                tenant_id: Set(tenant.id),
                event_type: Set(event_type.to_owned()),
                locale: Set(locale.to_owned()),
                subject: Set(source.subject),
                html: Set(source.html),
                text: Set(source.text),
                updated_by: Set(by),
                updated_at: Set(now),
            };
            scope.insert_for_tenant(row, Role::Admin).await?;
        }
    }
    effective(scope, &tenant.path, event_type, locale).await
}

/// Removes a tenant's override (the one above, or the built-in, applies again).
pub async fn reset_template(scope: &Scope, tenant: TenantId, event_type: &str, locale: &str) -> AppResult<TemplateView> {
    let tenant = scope.tenant(tenant, Role::Admin).await?;
    let (event_type, locale) = (checked_mail_type(event_type)?, checked_template_locale(locale)?);
    scope
        .delete_tenant_rows::<notification_templates::Entity>(Role::Admin)
        .filter(notification_templates::Column::TenantId.eq(tenant.id))
        .filter(notification_templates::Column::EventType.eq(event_type))
        .filter(notification_templates::Column::Locale.eq(locale))
        .exec()
        .await?;
    effective(scope, &tenant.path, event_type, locale).await
}

/// Renders a template with sample data: the given trio, or the one in effect.
pub async fn preview_template(scope: &Scope, tenant: TenantId, event_type: &str, locale: &str, source: Option<Source>) -> AppResult<Rendered> {
    let tenant = scope.tenant(tenant, Role::Viewer).await?;
    let (event_type, locale) = (checked_mail_type(event_type)?, checked_template_locale(locale)?);
    let source = match source {
        Some(s) => s,
        None => effective(scope, &tenant.path, event_type, locale).await?.source,
    };
    templates::validate(event_type, locale, &source)
}

// ---- service notices ----

pub struct NewServiceNotice {
    pub payer: PayerId,
    pub account_ids: Vec<String>,
    pub subject: String,
    pub body: String,
    pub locale: Option<String>,
    /// Notices a tenant may send per hour (from configuration).
    pub per_hour: u32,
}

/// Mails a notice to the own address of accounts the caller can see, one recorded event each.
/// Returns the ids of the events recorded (one per account).
pub async fn send_service_notice(scope: &Scope, new: NewServiceNotice) -> AppResult<Vec<uuid::Uuid>> {
    let payer = scope.payer(new.payer, Role::Operator).await?;
    let subject = checked_name("subject", &new.subject, 200)?;
    let body = new.body.trim().to_owned();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(AppError::invalid("body", "must be 1 to 10000 characters"));
    }
    let locale = checked_locale(new.locale.as_deref())?;
    let mut ids: Vec<String> = Vec::new();
    for a in &new.account_ids {
        if !ids.contains(a) {
            ids.push(a.clone());
        }
    }
    if ids.is_empty() || ids.len() > 50 {
        return Err(AppError::invalid("accountIds", "must list 1 to 50 accounts"));
    }
    let accounts = payer.rows::<linked_accounts::Entity>().filter(linked_accounts::Column::AccountId.is_in(ids.clone())).all().await?;
    if accounts.len() != ids.len() {
        return Err(AppError::NotFound("linked account"));
    }
    let txn = payer.begin_write().await?;
    let since = Utc::now() - chrono::Duration::hours(1);
    let recent = outbox::tenant_events_since(&txn, outbox::SERVICE_NOTICE, payer.tenant_id, since).await?;
    if recent + accounts.len() as u64 > u64::from(new.per_hour) {
        return Err(AppError::RateLimited(format!("a tenant may send {} service notices per hour; try again later", new.per_hour)));
    }
    let mut events = Vec::new();
    for account in &accounts {
        let data = json!({
            "accountId": account.account_id,
            "accountName": account.name,
            "email": account.email,
            "subject": subject,
            "body": body,
            "locale": locale,
            "by": scope.principal().email,
        });
        let event = outbox::Event { event_type: outbox::SERVICE_NOTICE, payer: &payer, subject: Some(account.account_id.clone()), data };
        events.push(outbox::record_in(&txn, event).await?);
    }
    txn.commit().await?;
    Ok(events.into_iter().map(|e| e.id).collect())
}

// ---- webhooks ----

pub struct NewEndpoint {
    pub tenant: TenantId,
    pub url: String,
    pub event_types: Vec<String>,
    pub description: String,
}

pub struct EndpointChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

fn checked_description(d: &str) -> AppResult<String> {
    let d = d.trim();
    if d.chars().count() > 512 || d.chars().any(char::is_control) {
        return Err(AppError::invalid("description", "must be at most 512 characters, without control characters"));
    }
    Ok(d.to_owned())
}

async fn endpoint(scope: &Scope, id: uuid::Uuid, need: Role) -> AppResult<webhook_endpoints::Model> {
    let ep = scope
        .tenant_rows::<webhook_endpoints::Entity>(Role::Viewer)
        .filter(webhook_endpoints::Column::Id.eq(id))
        .one()
        .await?
        .ok_or(AppError::NotFound("webhook endpoint"))?;
    as_missing(scope.tenant(TenantId(ep.tenant_id), need).await, "webhook endpoint")?;
    Ok(ep)
}

pub async fn webhook_endpoints(scope: &Scope, tenant: Option<TenantId>) -> AppResult<Vec<WebhookEndpoint>> {
    let mut query = scope.tenant_rows::<webhook_endpoints::Entity>(Role::Viewer);
    if let Some(t) = tenant {
        scope.tenant(t, Role::Viewer).await?;
        query = query.filter(webhook_endpoints::Column::TenantId.eq(t.0));
    }
    Ok(query.order_by_asc(webhook_endpoints::Column::Id).all().await?.into_iter().map(WebhookEndpoint::from).collect())
}

/// Creates an endpoint; the signing secret is returned here once.
pub async fn create_webhook_endpoint(scope: &Scope, allow_private: bool, new: NewEndpoint) -> AppResult<(WebhookEndpoint, String)> {
    let tenant = scope.tenant(new.tenant, Role::Admin).await?;
    let url = ssrf::check_url(&new.url, allow_private)?;
    let event_types = checked_types(&new.event_types, outbox::EVENT_TYPES, true)?;
    let description = checked_description(&new.description)?;
    let secret = random_secret("whsec_");
    let now = Utc::now();
    let row = webhook_endpoints::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.id),
        url: Set(url.to_string()),
        description: Set(description),
        event_types: Set(event_types),
        secret: Set(secret.clone()),
        consecutive_failures: Set(0),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        created_by: Set(Some(scope.principal().user_id.0)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok((scope.insert_for_tenant(row, Role::Admin).await?.into(), secret))
}

pub async fn update_webhook_endpoint(scope: &Scope, allow_private: bool, id: uuid::Uuid, changes: EndpointChanges) -> AppResult<WebhookEndpoint> {
    let ep = endpoint(scope, id, Role::Admin).await?;
    let mut row: webhook_endpoints::ActiveModel = ep.into();
    if let Some(url) = changes.url {
        row.url = Set(ssrf::check_url(&url, allow_private)?.to_string());
    }
    if let Some(types) = changes.event_types {
        row.event_types = Set(checked_types(&types, outbox::EVENT_TYPES, true)?);
    }
    if let Some(d) = changes.description {
        row.description = Set(checked_description(&d)?);
    }
    match changes.enabled {
        Some(true) => {
            row.disabled_at = Set(None);
            row.disabled_reason = Set(None);
            row.consecutive_failures = Set(0);
        }
        Some(false) => {
            row.disabled_at = Set(Some(Utc::now()));
            row.disabled_reason = Set(Some("disabled by a user".to_owned()));
        }
        None => {}
    }
    row.updated_at = Set(Utc::now());
    // A mutation runs in its request's transaction (`db::RequestTransaction`): the endpoint and
    // its deliveries change together or not at all.
    let endpoint = scope.update_for_tenant(row, Role::Admin).await?;
    if changes.enabled == Some(true) {
        // Enabled again: what waits for a retry (and what waits behind it) goes out now, in order.
        scope
            .update_target_rows::<notifications::Entity>(Role::Viewer)
            .col_expr(notifications::Column::NextAttemptAt, Expr::value(Utc::now()))
            .filter(notifications::Column::EndpointId.eq(endpoint.id))
            .filter(notifications::Column::Status.eq(DeliveryStatus::Pending))
            .exec()
            .await?;
        outbox::poke_for(scope).await?;
    }
    Ok(endpoint.into())
}

/// Deletes an endpoint; its pending deliveries are dead-lettered when next due.
pub async fn delete_webhook_endpoint(scope: &Scope, id: uuid::Uuid) -> AppResult<WebhookEndpoint> {
    let ep = endpoint(scope, id, Role::Admin).await?;
    scope.delete_tenant_rows::<webhook_endpoints::Entity>(Role::Admin).filter(webhook_endpoints::Column::Id.eq(id)).exec().await?;
    Ok(ep.into())
}

pub async fn webhook_deliveries(scope: &Scope, endpoint_id: uuid::Uuid, page: Page) -> AppResult<Vec<Delivery>> {
    let ep = endpoint(scope, endpoint_id, Role::Viewer).await?;
    let mut query = scope.target_rows::<notifications::Entity>(Role::Viewer).filter(notifications::Column::EndpointId.eq(ep.id));
    if let Some(after) = page.after_id()? {
        query = query.filter(notifications::Column::Id.gt(after));
    }
    Ok(query.order_by_asc(notifications::Column::Id).limit(page.fetch()).all().await?.into_iter().map(Delivery::from).collect())
}

/// Queues a webhook delivery again (same delivery id, fresh attempts).
pub async fn redeliver_webhook(scope: &Scope, delivery_id: uuid::Uuid) -> AppResult<Delivery> {
    let d = scope
        .target_rows::<notifications::Entity>(Role::Viewer)
        .filter(notifications::Column::Id.eq(delivery_id))
        .filter(notifications::Column::Channel.eq(Channel::Webhook))
        .one()
        .await?
        .ok_or(AppError::NotFound("webhook delivery"))?;
    let endpoint_id = d.endpoint_id.ok_or(AppError::NotFound("webhook delivery"))?;
    as_missing(endpoint(scope, endpoint_id, Role::Admin).await, "webhook delivery")?;
    scope
        .update_target_rows::<notifications::Entity>(Role::Viewer)
        .col_expr(notifications::Column::Status, Expr::value(DeliveryStatus::Pending))
        .col_expr(notifications::Column::Attempts, Expr::value(0))
        .col_expr(notifications::Column::NextAttemptAt, Expr::value(Utc::now()))
        .col_expr(notifications::Column::LastError, Expr::value(Option::<String>::None))
        .filter(notifications::Column::Id.eq(d.id))
        .exec()
        .await?;
    outbox::poke_for(scope).await?;
    let row = scope.target_rows::<notifications::Entity>(Role::Viewer).filter(notifications::Column::Id.eq(d.id)).one().await?;
    Ok(row.ok_or(AppError::NotFound("webhook delivery"))?.into())
}

// ---- the delivery log ----

#[derive(Debug, Default, Clone)]
pub struct NotificationFilter {
    pub tenant: Option<TenantId>,
    pub payer: Option<PayerId>,
    pub channel: Option<Channel>,
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<String>,
}

/// What was sent to whom, when, with what outcome; only events of tenants and payers the caller sees.
pub async fn list(scope: &Scope, filter: NotificationFilter, page: Page) -> AppResult<Vec<Delivery>> {
    let mut query = scope.target_rows::<notifications::Entity>(Role::Viewer);
    if let Some(t) = filter.tenant {
        scope.tenant(t, Role::Viewer).await?;
        query = query.filter(notifications::Column::TenantId.eq(t.0));
    }
    if let Some(p) = filter.payer {
        scope.payer(p, Role::Viewer).await?;
        query = query.filter(notifications::Column::PayerId.eq(p.0));
    }
    if let Some(c) = filter.channel {
        query = query.filter(notifications::Column::Channel.eq(c));
    }
    if let Some(s) = filter.status {
        query = query.filter(notifications::Column::Status.eq(s));
    }
    if let Some(e) = filter.event_type {
        query = query.filter(notifications::Column::EventType.eq(e));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(notifications::Column::Id.gt(after));
    }
    Ok(query.order_by_asc(notifications::Column::Id).limit(page.fetch()).all().await?.into_iter().map(Delivery::from).collect())
}
