//! One-time set-password tokens for invited users. The token exists only in the invitation mail;
//! the database keeps its digest, so neither the outbox, the audit trail nor a webhook ever sees
//! it. A token is minted when the mail is rendered (each retry mints a new one; all stay valid
//! until they expire or one of them is used).

use chrono::{Duration, Utc};
use entity::password_tokens;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::auth::secrets::{random_secret, sha256_hex};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;

pub const PREFIX: &str = "pbs_";
/// How long an invitation link works.
pub const VALID_FOR: Duration = Duration::hours(72);

/// A new token for `user`, stored as a digest.
pub async fn mint(db: &impl ConnectionTrait, user: UserId) -> AppResult<String> {
    let token = random_secret(PREFIX);
    let now = Utc::now();
    password_tokens::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(user.0),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn invalid() -> AppError {
    AppError::invalid("token", "is invalid or has expired; ask for a new invitation")
}

/// Whose open token this is (read only; see [`consume`]). An unknown, used or expired token is
/// one VALIDATION error, so a caller learns nothing about which.
pub async fn holder(db: &impl ConnectionTrait, token: &str) -> AppResult<UserId> {
    if !token.starts_with(PREFIX) {
        return Err(invalid());
    }
    let row = password_tokens::Entity::find()
        .filter(password_tokens::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > Utc::now())
        .ok_or_else(invalid)?;
    Ok(UserId(row.user_id))
}

/// Uses up a token and every other open token of its user. Writes first (on SQLite a transaction
/// that reads before it writes can lose its snapshot to a concurrent writer).
pub async fn consume(db: &impl ConnectionTrait, token: &str, user: UserId) -> AppResult<()> {
    let now = Utc::now();
    let used = password_tokens::Entity::update_many()
        .col_expr(password_tokens::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_tokens::Column::TokenHash.eq(sha256_hex(token)))
        .filter(password_tokens::Column::UserId.eq(user.0))
        .filter(password_tokens::Column::UsedAt.is_null())
        .filter(password_tokens::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    // Another request used it since it was read.
    if used.rows_affected == 0 {
        return Err(invalid());
    }
    password_tokens::Entity::update_many()
        .col_expr(password_tokens::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_tokens::Column::UserId.eq(user.0))
        .filter(password_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
