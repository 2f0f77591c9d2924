//! Short-lived access tokens: HS256 only, with issuer, audience, subject, expiry, issue time, id
//! and session id. Any other algorithm (`none` included) is rejected by the verifier.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::ids::{SessionId, UserId};

pub const AUDIENCE: &str = "partner-billing-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The session (refresh-token family) this access token belongs to.
    pub sid: String,
}

/// Signing and verification keys, built once at start from the shared secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: String, ttl_minutes: u32) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer,
            ttl: Duration::minutes(i64::from(ttl_minutes)),
        }
    }

    /// Issues an access token; returns it with its expiry.
    pub fn issue(&self, user: UserId, session: SessionId) -> AppResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + self.ttl;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: user.to_string(),
            exp: expires.timestamp(),
            iat: now.timestamp(),
            jti: uuid::Uuid::now_v7().to_string(),
            sid: session.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(anyhow::anyhow!("signing access token: {e}")))?;
        Ok((token, expires))
    }

    /// Verifies signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> AppResult<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::debug!(reason = %e, "access token rejected");
                AppError::Unauthenticated("invalid or expired access token")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", "https://pb.example".into(), 15)
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let user = UserId::new();
        let (token, exp) = k.issue(user, SessionId::new()).unwrap();
        let claims = k.verify(&token).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.aud, AUDIENCE);
        assert!(exp <= Utc::now() + Duration::minutes(15));
    }

    #[test]
    fn other_key_and_other_issuer_are_rejected() {
        let (token, _) = keys().issue(UserId::new(), SessionId::new()).unwrap();
        let other = JwtKeys::new(b"another-secret-another-secret-xx", "https://pb.example".into(), 15);
        assert!(other.verify(&token).is_err());
        let other_iss = JwtKeys::new(b"0123456789abcdef0123456789abcdef", "https://evil.example".into(), 15);
        assert!(other_iss.verify(&token).is_err());
    }
}
