use async_graphql::{Context, ID, Object};

use crate::domain::{self, notifications::{EndpointChanges, NewEndpoint, NewServiceNotice, NewSubscription, Recipient}};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::notifications::{
    CreateWebhookEndpointInput, CreatedWebhookEndpoint, Notification, NotificationSubscription, NotificationTemplate, SendServiceNoticeInput,
    ServiceNoticeResult, SubscribeInput, UpdateNotificationTemplateInput, UpdateWebhookEndpointInput, WebhookEndpoint,
};
use crate::graphql::types::target;
use crate::ids::{PayerId, TenantId, UserId};
use crate::notify::templates::Source;

fn uuid_of(id: &ID, what: &'static str) -> ApiResult<uuid::Uuid> {
    Ok(id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound(what))?)
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Sends mail about the given event types to a user in scope, an address (admins only), or
    /// the affected account's own address.
    async fn subscribe(&self, ctx: &Context<'_>, input: SubscribeInput) -> ApiResult<NotificationSubscription> {
        let recipient = match (input.user_id, input.email, input.account_owner) {
            (Some(u), None, false) => Recipient::User(UserId::parse(&u)?),
            (None, Some(e), false) => Recipient::Email(e),
            (None, None, true) => Recipient::AccountOwner,
            _ => return Err(AppError::invalid("userId", "give exactly one of userId, email and accountOwner").into()),
        };
        let new = NewSubscription { target: target(input.tenant_id.as_ref(), input.payer_id.as_ref())?, event_types: input.event_types, recipient, locale: input.locale };
        Ok(NotificationSubscription(domain::notifications::subscribe(&ctx.scope()?, new).await?))
    }

    /// Removes a subscription; returns it as it was.
    async fn unsubscribe(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NotificationSubscription> {
        Ok(NotificationSubscription(domain::notifications::unsubscribe(&ctx.scope()?, uuid_of(&id, "subscription")?).await?))
    }

    /// Overrides a template for a tenant and below; refused (and the old one kept) unless it
    /// compiles and renders sample data without unknown variables.
    async fn update_notification_template(&self, ctx: &Context<'_>, input: UpdateNotificationTemplateInput) -> ApiResult<NotificationTemplate> {
        let source = Source { subject: input.subject, html: input.html, text: input.text };
        let tenant = TenantId::parse(&input.tenant_id)?;
        Ok(NotificationTemplate(domain::notifications::update_template(&ctx.scope()?, tenant, &input.event_type, &input.locale, source).await?))
    }

    /// Removes a tenant's override.
    async fn reset_notification_template(&self, ctx: &Context<'_>, tenant_id: ID, event_type: String, locale: String) -> ApiResult<NotificationTemplate> {
        Ok(NotificationTemplate(domain::notifications::reset_template(&ctx.scope()?, TenantId::parse(&tenant_id)?, &event_type, &locale).await?))
    }

    /// Mails a notice to the own address of linked accounts the caller can see (rate-limited per tenant).
    async fn send_service_notice(&self, ctx: &Context<'_>, input: SendServiceNoticeInput) -> ApiResult<ServiceNoticeResult> {
        let per_hour = ctx.app()?.config.service_notices_per_hour;
        let new = NewServiceNotice { payer: PayerId::parse(&input.payer_id)?, account_ids: input.account_ids, subject: input.subject, body: input.body, locale: input.locale, per_hour };
        let events = domain::notifications::send_service_notice(&ctx.scope()?, new).await?;
        Ok(ServiceNoticeResult { event_ids: events.into_iter().map(|id| ID(id.to_string())).collect() })
    }

    /// Registers a CloudEvents receiver; the signing secret is returned only here.
    async fn create_webhook_endpoint(&self, ctx: &Context<'_>, input: CreateWebhookEndpointInput) -> ApiResult<CreatedWebhookEndpoint> {
        let new = NewEndpoint { tenant: TenantId::parse(&input.tenant_id)?, url: input.url, event_types: input.event_types, description: input.description };
        let (endpoint, secret) = domain::notifications::create_webhook_endpoint(&ctx.scope()?, ctx.app()?.config.webhook_allow_private, new).await?;
        Ok(CreatedWebhookEndpoint { secret, endpoint: WebhookEndpoint(endpoint) })
    }

    async fn update_webhook_endpoint(&self, ctx: &Context<'_>, id: ID, input: UpdateWebhookEndpointInput) -> ApiResult<WebhookEndpoint> {
        let changes = EndpointChanges { url: input.url, event_types: input.event_types, description: input.description, enabled: input.enabled };
        let allow_private = ctx.app()?.config.webhook_allow_private;
        Ok(WebhookEndpoint(domain::notifications::update_webhook_endpoint(&ctx.scope()?, allow_private, uuid_of(&id, "webhook endpoint")?, changes).await?))
    }

    /// Deletes an endpoint; returns it as it was.
    async fn delete_webhook_endpoint(&self, ctx: &Context<'_>, id: ID) -> ApiResult<WebhookEndpoint> {
        Ok(WebhookEndpoint(domain::notifications::delete_webhook_endpoint(&ctx.scope()?, uuid_of(&id, "webhook endpoint")?).await?))
    }

    /// Sends a webhook delivery again, with the same delivery id.
    async fn redeliver_webhook(&self, ctx: &Context<'_>, delivery_id: ID) -> ApiResult<Notification> {
        Ok(Notification(domain::notifications::redeliver_webhook(&ctx.scope()?, uuid_of(&delivery_id, "webhook delivery")?).await?))
    }
}
