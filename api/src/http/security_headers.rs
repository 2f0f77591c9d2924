//! Browser hardening headers on every response: the web app, its routes, GraphiQL and
//! `/graphql` alike.
//!
//! The policy fits what we serve: the Vite build of the web app and of GraphiQL (scripts and
//! styles from our own origin, no inline scripts), GraphiQL's editor workers (same origin), and
//! the API on the same origin. Styles may be inline (React and the editor set them at run time).

use actix_web::middleware::DefaultHeaders;

use crate::config::Config;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Two years, the preload list's minimum.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The headers; HSTS only when the public URL is https (over plain http it would be ignored, and
/// on a name later served over https it would lock browsers out of plain http).
pub fn middleware(config: &Config) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("content-security-policy", CONTENT_SECURITY_POLICY))
        .add(("x-content-type-options", "nosniff"))
        .add(("x-frame-options", "DENY"))
        .add(("referrer-policy", "no-referrer"))
        .add(("cross-origin-opener-policy", "same-origin"));
    if config.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        headers.add(("strict-transport-security", HSTS))
    } else {
        headers
    }
}
