//! Sign-in throttling: after N failures within a window, a key (`account:<email>` or
//! `ip:<address>`) is locked with a back-off that doubles on each further failure.

use chrono::{DateTime, Duration, Utc};
use entity::login_throttles as lt;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::error::{AppError, AppResult};

/// Failures older than this no longer count.
const WINDOW_MINUTES: i64 = 15;
const FIRST_LOCK_SECONDS: i64 = 30;
const MAX_LOCK_SECONDS: i64 = 3600;

pub fn account_key(email: &str) -> String {
    format!("account:{email}")
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// How long a key is locked after `failures` (≥ `max`) failures.
pub fn lock_duration(failures: i32, max: u32) -> Duration {
    let over = u32::try_from(failures.saturating_sub(i32::try_from(max).unwrap_or(i32::MAX))).unwrap_or(0);
    let secs = FIRST_LOCK_SECONDS.saturating_mul(2_i64.saturating_pow(Ord::min(over, 20)));
    Duration::seconds(Ord::min(secs, MAX_LOCK_SECONDS))
}

/// Refuses when any key is locked now. The message does not say which key.
pub async fn ensure_not_locked(db: &impl ConnectionTrait, keys: &[String]) -> AppResult<()> {
    let now = Utc::now();
    for key in keys {
        let row = lt::Entity::find_by_id(key.clone()).one(db).await?;
        if row.is_some_and(|r| r.locked_until.is_some_and(|until| until > now)) {
            return Err(AppError::RateLimited("too many failed sign-in attempts; try again later".into()));
        }
    }
    Ok(())
}

/// Counts one failure against a key, locking it once the count reaches `max`.
pub async fn record_failure(db: &impl ConnectionTrait, key: &str, max: u32) -> AppResult<()> {
    let now = Utc::now();
    let previous = lt::Entity::find_by_id(key.to_owned()).one(db).await?;
    let stale = previous.as_ref().is_some_and(|r| r.updated_at < now - Duration::minutes(WINDOW_MINUTES));
    if previous.is_none() || stale {
        let row = lt::ActiveModel { key: Set(key.to_owned()), failures: Set(1), locked_until: Set(None), updated_at: Set(now) };
        lt::Entity::insert(row)
            .on_conflict(
                OnConflict::column(lt::Column::Key)
                    .update_columns([lt::Column::Failures, lt::Column::LockedUntil, lt::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    } else {
        // Increment in SQL so concurrent failures are all counted.
        lt::Entity::update_many()
            .col_expr(lt::Column::Failures, ExprTrait::add(Expr::col(lt::Column::Failures), 1))
            .col_expr(lt::Column::UpdatedAt, Expr::value(now))
            .filter_key(key)
            .exec(db)
            .await?;
    }
    let row = lt::Entity::find_by_id(key.to_owned()).one(db).await?;
    if let Some(row) = row.filter(|r| r.failures >= i32::try_from(max).unwrap_or(i32::MAX)) {
        let until: DateTime<Utc> = now + lock_duration(row.failures, max);
        lt::Entity::update_many()
            .col_expr(lt::Column::LockedUntil, Expr::value(Some(until)))
            .filter_key(key)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Clears a key after a successful sign-in.
pub async fn reset(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    lt::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

trait FilterKey {
    fn filter_key(self, key: &str) -> Self;
}

impl FilterKey for sea_orm::UpdateMany<lt::Entity> {
    fn filter_key(self, key: &str) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(lt::Column::Key.eq(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_grows_and_is_capped() {
        assert_eq!(lock_duration(5, 5), Duration::seconds(30));
        assert_eq!(lock_duration(6, 5), Duration::seconds(60));
        assert_eq!(lock_duration(7, 5), Duration::seconds(120));
        assert_eq!(lock_duration(40, 5), Duration::seconds(3600));
    }
}
