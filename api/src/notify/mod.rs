//! Events out: the transactional outbox that domain changes write to, and its delivery by email
//! (handlebars templates over SMTP) and by webhook (signed CloudEvents over HTTP).

pub mod cloudevents;
pub mod demo_outbox;
pub mod dispatch;
pub mod email;
pub mod error;
pub mod outbox;
pub mod ssrf;
pub mod templates;
pub mod tenant_settings;
pub mod webhook;

/// The locales templates exist in.
pub use crate::config::LOCALES;

/// A supported locale, or `fallback`.
pub fn locale_or<'a>(locale: Option<&'a str>, fallback: &'a str) -> &'a str {
    locale.filter(|l| LOCALES.contains(l)).unwrap_or(fallback)
}
