use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain::{self, notifications::NotificationFilter as DomainFilter};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::notifications::{
    DemoMail, Notification, NotificationFilter, NotificationSubscription, NotificationTemplate, PreviewNotificationTemplateInput, RenderedNotification,
    WebhookEndpoint,
};
use crate::graphql::types::target;
use crate::ids::{PayerId, TenantId};
use crate::notify::templates::Source;

/// A filter's value that must be one of a stored enum's values (as the API spells them).
fn parse_stored<E: sea_orm::ActiveEnum<Value = String>>(field: &str, value: &str, expected: &str) -> Result<E, crate::error::AppError> {
    E::try_from_value(&value.to_owned()).map_err(|_| crate::error::AppError::invalid(field, format!("must be {expected}")))
}

fn uuid_of(id: &ID, what: &'static str) -> ApiResult<uuid::Uuid> {
    Ok(id.parse::<uuid::Uuid>().map_err(|_| crate::error::AppError::NotFound(what))?)
}

#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// Mail subscriptions the caller can see, optionally of one tenant or payer.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn notification_subscriptions(&self, ctx: &Context<'_>, tenant_id: Option<ID>, payer_id: Option<ID>) -> ApiResult<Vec<NotificationSubscription>> {
        let t = if tenant_id.is_none() && payer_id.is_none() { None } else { Some(target(tenant_id.as_ref(), payer_id.as_ref())?) };
        Ok(domain::notifications::subscriptions(&ctx.scope()?, t).await?.into_iter().map(NotificationSubscription).collect())
    }

    /// The email templates in effect for a tenant, per event type and locale.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn notification_templates(&self, ctx: &Context<'_>, tenant_id: ID) -> ApiResult<Vec<NotificationTemplate>> {
        Ok(domain::notifications::templates(&ctx.scope()?, TenantId::parse(&tenant_id)?).await?.into_iter().map(NotificationTemplate).collect())
    }

    /// Renders a template with sample data.
    async fn preview_notification_template(&self, ctx: &Context<'_>, input: PreviewNotificationTemplateInput) -> ApiResult<RenderedNotification> {
        let source = match (input.subject, input.html, input.text) {
            (Some(subject), Some(html), Some(text)) => Some(Source { subject, html, text }),
            _ => None,
        };
        let tenant = TenantId::parse(&input.tenant_id)?;
        Ok(domain::notifications::preview_template(&ctx.scope()?, tenant, &input.event_type, &input.locale, source).await?.into())
    }

    /// Webhook endpoints the caller can see, optionally of one tenant.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn webhook_endpoints(&self, ctx: &Context<'_>, tenant_id: Option<ID>) -> ApiResult<Vec<WebhookEndpoint>> {
        let tenant = tenant_id.map(|t| TenantId::parse(&t)).transpose()?;
        Ok(domain::notifications::webhook_endpoints(&ctx.scope()?, tenant).await?.into_iter().map(WebhookEndpoint).collect())
    }

    /// An endpoint's deliveries, oldest first.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn webhook_deliveries(&self, ctx: &Context<'_>, endpoint_id: ID, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, Notification>> {
        let page = page(first, after)?;
        let rows = domain::notifications::webhook_deliveries(&ctx.scope()?, uuid_of(&endpoint_id, "webhook endpoint")?, page.clone()).await?;
        Ok(connection(rows, page, |n| n.id, Notification))
    }

    /// Whether the caller can read `demoOutbox`: the server runs the demo's mail sink
    /// (`PB_MAIL_SINK=outbox`) and the caller is a global admin.
    async fn demo_outbox_enabled(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let app = ctx.app()?;
        Ok(crate::notify::demo_outbox::readable(&ctx.scope()?, &app.config).await)
    }

    /// Demo only (`PB_MAIL_SINK=outbox`): the mails caught instead of sent, newest first
    /// (`first`: up to 200, default 50). Global admins only (FORBIDDEN otherwise): the mails hold
    /// set-password links. NOT_FOUND when the server does not run the demo sink.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn demo_outbox(&self, ctx: &Context<'_>, first: Option<i32>) -> ApiResult<Vec<DemoMail>> {
        let app = ctx.app()?;
        let limit = u64::try_from(first.unwrap_or(50)).unwrap_or(1);
        Ok(crate::notify::demo_outbox::list(&ctx.scope()?, &app.config, limit).await?.into_iter().map(DemoMail::from).collect())
    }

    /// What was sent to whom, when, and how it went (email and webhooks).
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn notifications(&self, ctx: &Context<'_>, filter: Option<NotificationFilter>, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, Notification>> {
        let page = page(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = DomainFilter {
            tenant: f.tenant_id.map(|t| TenantId::parse(&t)).transpose()?,
            payer: f.payer_id.map(|p| PayerId::parse(&p)).transpose()?,
            channel: f.channel.map(|c| parse_stored("filter.channel", &c, "email or webhook")).transpose()?,
            status: f.status.map(|s| parse_stored("filter.status", &s, "pending, sent or dead")).transpose()?,
            event_type: f.event_type,
        };
        let rows = domain::notifications::list(&ctx.scope()?, filter, page.clone()).await?;
        Ok(connection(rows, page, |n| n.id, Notification))
    }
}
