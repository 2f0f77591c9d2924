//! Sign-in sessions: login, refresh-token rotation with reuse detection, logout.

use chrono::{DateTime, Duration, Utc};
use entity::{refresh_tokens, sessions, users};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use secrecy::SecretString;

use crate::db::BeginWrite;
use crate::auth::password::verify_password;
use crate::auth::secrets::{random_secret, sha256_hex};
use crate::auth::throttle;
use crate::error::{AppError, AppResult};
use crate::ids::{SessionId, UserId};
use crate::auth::AuthContext;

/// Where a request came from, for throttling and the session record.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What a successful sign-in or refresh hands back.
pub struct SignedIn {
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub user: users::Model,
}

const BAD_CREDENTIALS: &str = "invalid email or password";
const BAD_REFRESH: &str = "invalid or expired refresh token";

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Checks email and password, with per-account and per-IP lockout.
pub async fn login(state: &AuthContext<'_>, email: &str, password: SecretString, client: &ClientInfo) -> AppResult<SignedIn> {
    let email = normalize_email(email);
    let mut keys = vec![throttle::account_key(&email)];
    if let Some(ip) = &client.ip {
        keys.push(throttle::ip_key(ip));
    }
    throttle::ensure_not_locked(state.db, &keys).await?;

    let user = if email.len() <= 320 {
        users::Entity::find().filter(users::Column::Email.eq(&email)).one(state.db).await?
    } else {
        None
    };
    let matches = verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if matches && user.disabled_at.is_none() => user,
        _ => {
            for key in &keys {
                throttle::record_failure(state.db, key, state.config.login_max_failures).await?;
            }
            return Err(AppError::Unauthenticated(BAD_CREDENTIALS));
        }
    };
    // Only the account counter resets: resetting the IP one would let an attacker clear it by
    // signing in to an account of their own between guesses.
    throttle::reset(state.db, &keys[0]).await?;
    start_session(state, user, client).await
}

/// Creates a session and its first refresh token for a user who has proved who they are.
pub async fn start_session(state: &AuthContext<'_>, user: users::Model, client: &ClientInfo) -> AppResult<SignedIn> {
    let now = Utc::now();
    let session_id = SessionId::new();
    let expires = now + Duration::days(i64::from(state.config.refresh_token_days));
    let txn = state.db.begin_write().await?;
    sessions::ActiveModel {
        id: Set(session_id.0),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(expires),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.as_ref().map(|ua| ua.chars().take(500).collect())),
    }
    .insert(&txn)
    .await?;
    let refresh_token = new_refresh_token(&txn, session_id, expires).await?;
    txn.commit().await?;
    let (access_token, access_expires_at) = state.jwt.issue(UserId(user.id), session_id)?;
    Ok(SignedIn { access_token, access_expires_at, refresh_token, user })
}

async fn new_refresh_token(db: &impl ConnectionTrait, session: SessionId, expires: DateTime<Utc>) -> AppResult<String> {
    let secret = random_secret("pbr_");
    refresh_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        session_id: Set(session.0),
        token_hash: Set(sha256_hex(&secret)),
        created_at: Set(Utc::now()),
        expires_at: Set(expires),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// Exchanges a refresh token for a new access token and a new refresh token. Presenting a token
/// that was already exchanged revokes the whole session: one of the two holders is a thief.
pub async fn refresh(state: &AuthContext<'_>, presented: &str) -> AppResult<SignedIn> {
    let now = Utc::now();
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(sha256_hex(presented)))
        .one(state.db)
        .await?
    else {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    };
    let session_id = SessionId(token.session_id);
    let session = sessions::Entity::find_by_id(token.session_id).one(state.db).await?;
    let Some(session) = session.filter(|s| s.revoked_at.is_none() && s.expires_at > now) else {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    };
    if token.used_at.is_some() {
        tracing::warn!(session = %session_id, "refresh token reused; revoking the session");
        revoke_session(state.db, session_id, "reuse").await?;
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    }
    if token.expires_at <= now {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    }
    let user = users::Entity::find_by_id(session.user_id).one(state.db).await?;
    let Some(user) = user.filter(|u| u.disabled_at.is_none()) else {
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    };

    let txn = state.db.begin_write().await?;
    // Conditional update: of two concurrent refreshes with one token, only one wins.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Some(now)))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        revoke_session(state.db, session_id, "reuse").await?;
        return Err(AppError::Unauthenticated(BAD_REFRESH));
    }
    let refresh_token = new_refresh_token(&txn, session_id, session.expires_at).await?;
    txn.commit().await?;
    let (access_token, access_expires_at) = state.jwt.issue(UserId(user.id), session_id)?;
    Ok(SignedIn { access_token, access_expires_at, refresh_token, user })
}

/// Revokes one session (logout, or reuse detected).
pub async fn revoke_session(db: &impl ConnectionTrait, session: SessionId, reason: &str) -> AppResult<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .col_expr(sessions::Column::RevokedReason, Expr::value(Some(reason.to_owned())))
        .filter(sessions::Column::Id.eq(session.0))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every session of a user except `keep` (disable, password change).
/// [`revoke_user_sessions`] of the user a transaction changes, in that transaction.
pub async fn revoke_sessions_in(txn: &crate::tenancy::UserTxn, keep: Option<SessionId>, reason: &str) -> AppResult<()> {
    revoke_user_sessions(txn.joined(), txn.user_id(), keep, reason).await
}

pub async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    user: UserId,
    keep: Option<SessionId>,
    reason: &str,
) -> AppResult<()> {
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(Some(Utc::now())))
        .col_expr(sessions::Column::RevokedReason, Expr::value(Some(reason.to_owned())))
        .filter(sessions::Column::UserId.eq(user.0))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(sessions::Column::Id.ne(keep.0));
    }
    update.exec(db).await?;
    Ok(())
}
