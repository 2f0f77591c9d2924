use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::auth::sessions::SignedIn;
use crate::graphql::types::users::User;

/// Tokens for a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived access JWT for `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque, single-use token for `refreshSession`.
    pub refresh_token: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

impl From<SignedIn> for AuthPayload {
    fn from(s: SignedIn) -> Self {
        Self { access_token: s.access_token, refresh_token: s.refresh_token, expires_at: s.access_expires_at, user: User(s.user.into()) }
    }
}
