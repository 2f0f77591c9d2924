//! The demo's mail sink (`PB_MAIL_SINK=outbox`): instead of going out over SMTP, each mail is
//! kept in the database (`demo_mails`) and its delivery is recorded as sent, so invitations and
//! notifications visibly arrive in a demo without a mail server. The web app's Demo outbox page
//! lists them.
//!
//! A caught mail holds what only its recipient should see (an invitation's set-password link),
//! so only global admins (admin on the platform root) read the outbox, and the mode itself is
//! refused outside a demo (with PostgreSQL, or with an SMTP server configured; see
//! `Config::validate`). Nothing here is logged: the bodies stay in the database.

use chrono::{DateTime, Utc};
use entity::{demo_mails, notifications};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};

use crate::config::{Config, MailSink};
use crate::error::{AppError, AppResult};
use crate::ids::ROOT_TENANT_ID;
use crate::notify::templates::Rendered;
use crate::tenancy::{Role, Scope};

/// The most mails one read returns.
pub const MAX_MAILS: u64 = 200;

/// Keeps one rendered mail in the outbox (the dispatcher then records the delivery as sent).
pub async fn keep(db: &impl ConnectionTrait, delivery: &notifications::Model, mail: &Rendered) -> AppResult<()> {
    demo_mails::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        notification_id: Set(delivery.id),
        event_type: Set(delivery.event_type.clone()),
        recipient: Set(delivery.recipient.clone()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text.clone()),
        html_body: Set(mail.html.clone()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// One caught mail.
#[derive(Debug, Clone)]
pub struct CaughtMail {
    pub id: uuid::Uuid,
    pub notification_id: uuid::Uuid,
    pub event_type: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub caught_at: DateTime<Utc>,
}

/// Whether the caller may read the outbox: the server runs the demo sink and the caller is a
/// global admin.
pub async fn readable(scope: &Scope, config: &Config) -> bool {
    config.mail_sink == MailSink::Outbox && scope.tenant(ROOT_TENANT_ID, Role::Admin).await.is_ok()
}

/// The newest caught mails first, at most `limit` (up to [`MAX_MAILS`]). NOT_FOUND ("demo outbox
/// not found") when the server does not run the demo sink; FORBIDDEN for anyone but a global
/// admin.
pub async fn list(scope: &Scope, config: &Config, limit: u64) -> AppResult<Vec<CaughtMail>> {
    if config.mail_sink != MailSink::Outbox {
        return Err(AppError::NotFound("demo outbox"));
    }
    if scope.tenant(ROOT_TENANT_ID, Role::Admin).await.is_err() {
        return Err(AppError::forbidden("the demo outbox holds other people's set-password links: global admins only"));
    }
    let rows = scope
        .platform_rows::<demo_mails::Entity>(Role::Admin)?
        .order_by_desc(demo_mails::Column::CreatedAt)
        .order_by_desc(demo_mails::Column::Id)
        .limit(limit.clamp(1, MAX_MAILS))
        .all()
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| CaughtMail {
            id: m.id,
            notification_id: m.notification_id,
            event_type: m.event_type,
            to: m.recipient,
            subject: m.subject,
            text: m.text_body,
            html: m.html_body,
            caught_at: m.created_at,
        })
        .collect())
}
