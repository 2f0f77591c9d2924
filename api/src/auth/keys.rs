//! The JWT signing secret: from `PB_JWT_SECRET`, else generated once and kept in the database so
//! every replica signs and verifies with the same key.

use chrono::Utc;
use entity::settings;
use sea_orm::{ActiveValue::Set, EntityTrait};
use secrecy::{ExposeSecret, SecretString};

use crate::db::Db;
use crate::auth::secrets::random_secret;
use crate::error::{AppError, AppResult};

const SIGNING_KEY: &str = "jwt_signing_key";

pub async fn load_signing_secret(db: &Db, configured: Option<&SecretString>) -> AppResult<SecretString> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    let candidate = settings::ActiveModel {
        key: Set(SIGNING_KEY.to_owned()),
        value: Set(random_secret("")),
        expires_at: Set(None),
        updated_at: Set(Utc::now()),
    };
    // First replica to start wins; the others read its key.
    settings::Entity::insert(candidate).on_conflict_do_nothing_on([settings::Column::Key]).exec(db).await?;
    let stored = settings::Entity::find_by_id(SIGNING_KEY.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("signing key row missing after insert")))?;
    Ok(SecretString::from(stored.value))
}

/// Bytes of a secret for the JWT library.
pub fn secret_bytes(secret: &SecretString) -> Vec<u8> {
    secret.expose_secret().as_bytes().to_vec()
}
