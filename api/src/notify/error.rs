//! Why one delivery (a mail or a webhook POST) failed. The delivery log (`Notification.lastError`)
//! and a disabled endpoint's reason are read by the partner: they get [`DeliveryError::public`],
//! which never carries a database, SMTP or library message. `Display` has the detail, for the
//! server log.

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No SMTP server is configured (`PB_SMTP_URL`).
    #[error("no SMTP server configured (PB_SMTP_URL)")]
    NoMailer,
    /// The recipient does not parse as a mail address.
    #[error("invalid recipient address")]
    Recipient,
    /// The mail could not be rendered.
    #[error("rendering: {}", .0.for_log())]
    Render(AppError),
    /// The demo's sink could not keep the mail.
    #[error("keeping the mail in the demo outbox: {}", .0.for_log())]
    DemoOutbox(AppError),
    /// lettre refused to build the message.
    #[error("building the message: {0}")]
    Message(#[source] lettre::error::Error),
    /// The SMTP server could not be reached, or refused the message.
    #[error("SMTP: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    /// The webhook endpoint is disabled or deleted.
    #[error("the endpoint is disabled or deleted")]
    EndpointGone,
    /// The event the delivery is for no longer exists.
    #[error("the event is gone")]
    EventGone,
    /// The endpoint's URL is not one we may call (the SSRF check); the message names the rule.
    #[error("{0}")]
    Refused(String),
    /// The endpoint's host name did not resolve.
    #[error("resolving {host}: {source}")]
    Resolve { host: String, source: std::io::Error },
    /// The request got no answer: `timed out`, `could not connect` or `error`.
    #[error("request failed: {0}")]
    Request(&'static str),
    /// The endpoint answered with a status other than 2xx.
    #[error("HTTP {0}")]
    Status(u16),
    /// Our side failed (the database, the HTTP client).
    #[error("{}", .0.for_log())]
    Internal(AppError),
}

impl DeliveryError {
    /// What the partner may read: the kind of failure, never an internal message.
    pub fn public(&self) -> String {
        match self {
            // `AppError`'s own `Display` is safe to show: an internal one reads "internal error".
            Self::Render(e) => format!("rendering: {e}"),
            Self::DemoOutbox(e) => format!("keeping the mail in the demo outbox: {e}"),
            Self::Message(_) => "the message could not be built".to_owned(),
            Self::Smtp(e) => match e.status() {
                Some(code) => format!("SMTP: the server answered {code}"),
                None if e.is_timeout() => "SMTP: the server did not answer in time".to_owned(),
                None => "SMTP: could not reach the server".to_owned(),
            },
            Self::Resolve { host, .. } => format!("resolving {host} failed"),
            Self::Internal(_) => "internal error; the server log has the details".to_owned(),
            other => other.to_string(),
        }
    }
}

impl From<AppError> for DeliveryError {
    fn from(err: AppError) -> Self {
        Self::Internal(err)
    }
}

impl From<sea_orm::DbErr> for DeliveryError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Internal(err.into())
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryError;
    use crate::error::AppError;

    #[test]
    fn the_public_text_has_no_internal_detail_and_the_log_has_it() {
        let db = DeliveryError::from(sea_orm::DbErr::Custom("relation \"webhook_endpoints\" does not exist".into()));
        assert_eq!(db.public(), "internal error; the server log has the details");
        assert!(db.to_string().contains("webhook_endpoints"), "{db}");
        let render = DeliveryError::Render(AppError::internal(anyhow::anyhow!("template x/en: missing field")));
        assert_eq!(render.public(), "rendering: internal error");
        assert!(render.to_string().contains("missing field"), "{render}");
        assert_eq!(DeliveryError::Status(500).public(), "HTTP 500");
        assert_eq!(DeliveryError::Request("timed out").public(), "request failed: timed out");
    }
}
