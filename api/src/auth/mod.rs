//! Identity: passwords, access JWTs, refresh sessions, API tokens, and turning a request's
//! `Authorization` header into a verified [`Principal`].

pub mod api_tokens;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod password_tokens;
pub mod secrets;
pub mod sessions;
pub mod throttle;

use std::collections::HashMap;

use chrono::Utc;
use entity::{memberships, sessions as session_rows, tenants, users};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, SessionId, TenantId, UserId};
use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};

/// The result of reading a request's credentials.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    /// No credentials were presented.
    Anonymous,
    Authenticated(Principal),
    /// Credentials were presented and are not valid (expired, forged, revoked…).
    Rejected(&'static str),
    /// Credentials could not be checked (database down); logged where it happened.
    Failed,
}

/// What authentication needs from the application: the database, the signing keys and the
/// settings (lockout, refresh-token lifetime). Built from `AppState::auth` at the top.
#[derive(Clone, Copy)]
pub struct AuthContext<'a> {
    pub db: &'a Db,
    pub jwt: &'a jwt::JwtKeys,
    pub config: &'a crate::config::Config,
}

/// Reads an `Authorization` header value.
pub async fn authenticate(state: &AuthContext<'_>, header: Option<&str>) -> AuthOutcome {
    let Some(header) = header else { return AuthOutcome::Anonymous };
    let Some(token) = header.strip_prefix("Bearer ").map(str::trim) else {
        return AuthOutcome::Rejected("the Authorization header must be 'Bearer <token>'");
    };
    let result = if token.starts_with(api_tokens::PREFIX) {
        api_tokens::authenticate(state, token).await
    } else {
        authenticate_jwt(state, token).await
    };
    match result {
        Ok(principal) => AuthOutcome::Authenticated(principal),
        Err(AppError::Unauthenticated(reason)) => AuthOutcome::Rejected(reason),
        Err(err) => {
            tracing::error!(error = %err.for_log(), "authentication failed");
            AuthOutcome::Failed
        }
    }
}

async fn authenticate_jwt(state: &AuthContext<'_>, token: &str) -> AppResult<Principal> {
    const REVOKED: &str = "session ended; sign in again";
    let claims = state.jwt.verify(token)?;
    let (Ok(user_id), Ok(session_id)) = (claims.sub.parse::<uuid::Uuid>(), claims.sid.parse::<uuid::Uuid>()) else {
        return Err(AppError::Unauthenticated("invalid or expired access token"));
    };
    let session = session_rows::Entity::find_by_id(session_id).one(state.db).await?;
    if !session.is_some_and(|s| s.user_id == user_id && s.revoked_at.is_none() && s.expires_at > Utc::now()) {
        return Err(AppError::Unauthenticated(REVOKED));
    }
    let user = active_user(state.db, UserId(user_id)).await?.ok_or(AppError::Unauthenticated(REVOKED))?;
    Ok(Principal {
        user_id: UserId(user.id),
        email: user.email,
        credential: Credential::Session(SessionId(session_id)),
        grants: load_grants(state.db, UserId(user_id)).await?,
    })
}

/// The user, if they exist and are not disabled.
pub async fn active_user(db: &impl ConnectionTrait, id: UserId) -> AppResult<Option<users::Model>> {
    Ok(users::Entity::find_by_id(id.0).one(db).await?.filter(|u| u.disabled_at.is_none()))
}

/// A user's grants, from their memberships.
pub async fn load_grants(db: &impl ConnectionTrait, user: UserId) -> AppResult<Vec<Grant>> {
    let rows = memberships::Entity::find().filter(memberships::Column::UserId.eq(user.0)).all(db).await?;
    let tenant_ids: Vec<uuid::Uuid> = rows.iter().filter_map(|m| m.tenant_id).collect();
    let paths: HashMap<uuid::Uuid, String> = if tenant_ids.is_empty() {
        HashMap::new()
    } else {
        tenants::Entity::find()
            .filter(tenants::Column::Id.is_in(tenant_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.path))
            .collect()
    };
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let role = m.role;
            let target = match (m.tenant_id, m.payer_id) {
                (Some(t), None) => GrantTarget::Tenant { id: TenantId(t), path: paths.get(&t)?.clone() },
                (None, Some(p)) => GrantTarget::Payer { id: PayerId(p) },
                _ => return None,
            };
            Some(Grant { role, target })
        })
        .collect())
}
