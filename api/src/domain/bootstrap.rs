//! First-admin bootstrap without a default password: while no user exists, each start stores a
//! fresh one-time code (valid one hour, kept only as a hash) and logs it; `bootstrapAdmin`
//! accepts it once.

use chrono::{Duration, Utc};
use entity::{settings, users};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use secrecy::SecretString;
use subtle::ConstantTimeEq;

use crate::db::{BeginWrite, Db};
use crate::auth::secrets::{random_secret, sha256_hex};
use crate::auth::sessions::{ClientInfo, SignedIn, start_session};
use crate::domain::users::{NewUser, check_user, insert_user};
use crate::domain::Target;
use crate::error::{AppError, AppResult};
use crate::ids::ROOT_TENANT_ID;
use crate::auth::AuthContext;
use crate::tenancy::Role;

const CODE_KEY: &str = "bootstrap_code";
const INVALID: &str = "invalid or expired bootstrap code";

/// When there are no users yet, stores and returns a new bootstrap code.
pub async fn issue_code_if_no_users(db: &Db) -> AppResult<Option<String>> {
    if users::Entity::find().count(db).await? > 0 {
        settings::Entity::delete_by_id(CODE_KEY.to_owned()).exec(db).await?;
        return Ok(None);
    }
    let code = random_secret("pbb_");
    let row = settings::ActiveModel {
        key: Set(CODE_KEY.to_owned()),
        value: Set(sha256_hex(&code)),
        expires_at: Set(Some(Utc::now() + Duration::hours(1))),
        updated_at: Set(Utc::now()),
    };
    settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::ExpiresAt, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(Some(code))
}

/// Creates the first platform admin with a valid code, then signs them in.
pub async fn bootstrap_admin(
    state: &AuthContext<'_>,
    code: &str,
    email: &str,
    password: SecretString,
    client: &ClientInfo,
) -> AppResult<SignedIn> {
    let txn = state.db.begin_write().await?;
    let stored = settings::Entity::find_by_id(CODE_KEY.to_owned()).one(&txn).await?;
    let valid = stored.is_some_and(|s| {
        s.expires_at.is_some_and(|e| e > Utc::now()) && bool::from(s.value.as_bytes().ct_eq(sha256_hex(code).as_bytes()))
    });
    if !valid || users::Entity::find().count(&txn).await? > 0 {
        return Err(AppError::Unauthenticated(INVALID));
    }
    // Hashed after the code is checked, inside the transaction: this runs once per installation.
    let user = check_user(NewUser {
        email: email.to_owned(),
        display_name: String::new(),
        password: Some(password),
        locale: "en".to_owned(),
        role: Role::Admin,
        target: Target::Tenant(ROOT_TENANT_ID),
    })
    .await?;
    let user = insert_user(&txn, user, None).await?;
    settings::Entity::delete_by_id(CODE_KEY.to_owned()).exec(&txn).await?;
    txn.commit().await?;
    tracing::info!(user = %user.id, "first platform admin created with the bootstrap code");
    start_session(state, user, client).await
}
