use async_graphql::{ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::notifications::{Delivery, Subscription, TemplateView, WebhookEndpoint as Endpoint};
use crate::notify::templates::Rendered;

/// Who gets mail for which event types on a tenant (and below) or a payer.
pub struct NotificationSubscription(pub Subscription);

#[Object]
impl NotificationSubscription {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn tenant_id(&self) -> Option<ID> {
        self.0.tenant_id.map(|id| ID(id.to_string()))
    }
    async fn payer_id(&self) -> Option<ID> {
        self.0.payer_id.map(|id| ID(id.to_string()))
    }
    async fn event_types(&self) -> &[String] {
        &self.0.event_types
    }
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(|id| ID(id.to_string()))
    }
    /// An address an admin added.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Mail goes to the affected linked account's own address.
    async fn account_owner(&self) -> bool {
        self.0.account_owner
    }
    async fn locale(&self) -> Option<&str> {
        self.0.locale.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Exactly one of `tenantId` / `payerId`, and exactly one of `userId` / `email` / `accountOwner`.
#[derive(InputObject)]
pub struct SubscribeInput {
    pub event_types: Vec<String>,
    pub tenant_id: Option<ID>,
    pub payer_id: Option<ID>,
    pub user_id: Option<ID>,
    pub email: Option<String>,
    #[graphql(default)]
    pub account_owner: bool,
    /// `en` or `zh-CN`; default: the user's locale, else the server's.
    pub locale: Option<String>,
}

/// The email template in effect for one event type and locale.
pub struct NotificationTemplate(pub TemplateView);

#[Object]
impl NotificationTemplate {
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn subject(&self) -> &str {
        &self.0.source.subject
    }
    async fn html(&self) -> &str {
        &self.0.source.html
    }
    async fn text(&self) -> &str {
        &self.0.source.text
    }
    /// A tenant (this one or one above) overrides the built-in.
    async fn overridden(&self) -> bool {
        self.0.overridden
    }
}

#[derive(InputObject)]
pub struct UpdateNotificationTemplateInput {
    pub tenant_id: ID,
    pub event_type: String,
    pub locale: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Without `subject`, `html` and `text`, previews the template in effect.
#[derive(InputObject)]
pub struct PreviewNotificationTemplateInput {
    pub tenant_id: ID,
    pub event_type: String,
    pub locale: String,
    pub subject: Option<String>,
    pub html: Option<String>,
    pub text: Option<String>,
}

#[derive(SimpleObject)]
pub struct RenderedNotification {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl From<Rendered> for RenderedNotification {
    fn from(r: Rendered) -> Self {
        Self { subject: r.subject, html: r.html, text: r.text }
    }
}

#[derive(InputObject)]
pub struct SendServiceNoticeInput {
    pub payer_id: ID,
    pub account_ids: Vec<String>,
    pub subject: String,
    pub body: String,
    pub locale: Option<String>,
}

#[derive(SimpleObject)]
pub struct ServiceNoticeResult {
    /// One recorded event per account.
    pub event_ids: Vec<ID>,
}

/// An HTTP receiver of CloudEvents (never its secret).
pub struct WebhookEndpoint(pub Endpoint);

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn tenant_id(&self) -> ID {
        ID(self.0.tenant_id.to_string())
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Event types delivered; `*` is every type.
    async fn event_types(&self) -> &[String] {
        &self.0.event_types
    }
    async fn enabled(&self) -> bool {
        self.0.disabled_at.is_none()
    }
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    pub tenant_id: ID,
    pub url: String,
    pub event_types: Vec<String>,
    #[graphql(default)]
    pub description: String,
}

#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// `true` re-enables a disabled endpoint and resets its failure count.
    pub enabled: Option<bool>,
}

#[derive(SimpleObject)]
pub struct CreatedWebhookEndpoint {
    /// The HMAC-SHA256 signing secret, shown only now.
    pub secret: String,
    pub endpoint: WebhookEndpoint,
}

/// One delivery of one event to one recipient; the id is stable across retries.
pub struct Notification(pub Delivery);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    async fn tenant_id(&self) -> Option<ID> {
        self.0.tenant_id.map(|id| ID(id.to_string()))
    }
    async fn payer_id(&self) -> Option<ID> {
        self.0.payer_id.map(|id| ID(id.to_string()))
    }
    /// `email` or `webhook`.
    async fn channel(&self) -> String {
        sea_orm::ActiveEnum::to_value(&self.0.channel)
    }
    /// The email address, or the webhook endpoint id.
    async fn recipient(&self) -> &str {
        &self.0.recipient
    }
    async fn endpoint_id(&self) -> Option<ID> {
        self.0.endpoint_id.map(|id| ID(id.to_string()))
    }
    async fn locale(&self) -> Option<&str> {
        self.0.locale.as_deref()
    }
    /// The mail subject, or the webhook's HTTP status, once sent.
    async fn subject(&self) -> Option<&str> {
        self.0.subject.as_deref()
    }
    /// `pending`, `sent` or `dead` (gave up after the last attempt).
    async fn status(&self) -> String {
        sea_orm::ActiveEnum::to_value(&self.0.status)
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject, Default)]
pub struct NotificationFilter {
    pub tenant_id: Option<ID>,
    pub payer_id: Option<ID>,
    pub channel: Option<String>,
    pub status: Option<String>,
    pub event_type: Option<String>,
}

/// A mail the demo's sink caught instead of sending it (`PB_MAIL_SINK=outbox`): what the recipient
/// would have received.
#[derive(SimpleObject)]
pub struct DemoMail {
    pub id: ID,
    /// The delivery this mail is (see `notifications`, where it shows as sent).
    pub notification_id: ID,
    pub event_type: String,
    pub to: String,
    pub subject: String,
    /// The plain-text body (links as written, an invitation's set-password link included).
    pub text: String,
    /// The HTML body as a mail client would get it.
    pub html: String,
    pub caught_at: DateTime<Utc>,
}

impl From<crate::notify::demo_outbox::CaughtMail> for DemoMail {
    fn from(m: crate::notify::demo_outbox::CaughtMail) -> Self {
        Self {
            id: ID(m.id.to_string()),
            notification_id: ID(m.notification_id.to_string()),
            event_type: m.event_type,
            to: m.to,
            subject: m.subject,
            text: m.text,
            html: m.html,
            caught_at: m.caught_at,
        }
    }
}
