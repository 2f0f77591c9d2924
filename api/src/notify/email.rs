//! Sending mail over SMTP with lettre (`PB_SMTP_URL`: `smtp://` plain or with
//! `?tls=required` for STARTTLS, `smtps://` for implicit TLS; user and password in the URL).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::notify::error::DeliveryError;
use crate::notify::templates::Rendered;

/// An SMTP connection setup and the sender address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no SMTP server is configured.
    pub fn from_config(config: &Config) -> AppResult<Option<Self>> {
        let Some(url) = &config.smtp_url else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|_| AppError::internal(anyhow::anyhow!("PB_SMTP_URL is not a valid SMTP URL")))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = parse_from(&config.mail_from).map_err(|e| AppError::internal(anyhow::anyhow!("PB_MAIL_FROM: {e}")))?;
        Ok(Some(Self { transport, from }))
    }

    /// Sends one message; the delivery id becomes the Message-ID so retries can be recognised.
    /// `sender_name` replaces the display name of `PB_MAIL_FROM` (the address stays).
    pub async fn send(&self, to: &str, mail: &Rendered, delivery_id: uuid::Uuid, sender_name: Option<&str>) -> Result<(), DeliveryError> {
        let to: Mailbox = to.parse().map_err(|_| DeliveryError::Recipient)?;
        let from = match sender_name {
            Some(name) => Mailbox::new(Some(name.to_owned()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{delivery_id}@partner-billing>")))
            .multipart(body(mail).map_err(|e| DeliveryError::Internal(AppError::internal(anyhow::anyhow!("attachment content type: {e}"))))?)
            .map_err(DeliveryError::Message)?;
        self.transport.send(message).await.map(|_| ()).map_err(DeliveryError::Smtp)
    }
}

/// Text and HTML alternatives, and the attachments beside them.
fn body(mail: &Rendered) -> Result<MultiPart, lettre::message::header::ContentTypeErr> {
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    if mail.attachments.is_empty() {
        return Ok(alternative);
    }
    let mut mixed = MultiPart::mixed().multipart(alternative);
    for a in &mail.attachments {
        mixed = mixed.singlepart(LettreAttachment::new(a.file_name.clone()).body(a.content.clone(), ContentType::parse(&a.content_type)?));
    }
    Ok(mixed)
}

/// Checks a `PB_MAIL_FROM` value.
pub use crate::config::parse_mailbox as parse_from;
