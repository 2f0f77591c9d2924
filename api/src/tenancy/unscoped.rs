//! Unscoped database access, for platform jobs and the CLI only (never for request handling).
//! The name is meant to stand out in review: anything reached through it skips tenant filters.

use entity::payers;
use sea_orm::EntityTrait;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::tenancy::payer::{PlatformPayer, Rows};

/// A connection with no tenant filter. Only platform jobs and operator CLI commands take one.
#[derive(Clone)]
pub struct UnscopedPlatformAccess {
    db: Db,
}

impl UnscopedPlatformAccess {
    /// Obtained from the application state by platform-level code.
    pub fn new(db: impl Into<Db>) -> Self {
        Self { db: db.into() }
    }

    /// A payer's rows, for platform work on that payer.
    pub async fn payer(&self, id: PayerId) -> AppResult<PlatformPayer> {
        let payer = payers::Entity::find_by_id(id.0).one(&self.db).await?.ok_or(AppError::NotFound("payer"))?;
        Ok(PlatformPayer::new(payer, self.db.clone()))
    }

    /// A payer's rows if the payer still exists (a job's payer may have been removed since).
    pub async fn find_payer(&self, id: PayerId) -> AppResult<Option<PlatformPayer>> {
        Ok(payers::Entity::find_by_id(id.0).one(&self.db).await?.map(|payer| PlatformPayer::new(payer, self.db.clone())))
    }

    /// The handle of a payer whose row platform work has already read.
    pub fn payer_row(&self, payer: payers::Model) -> PlatformPayer {
        PlatformPayer::new(payer, self.db.clone())
    }

    /// Every payer (the platform's schedules run over all of them).
    pub fn payers(&self) -> Rows<'_, payers::Entity, Db> {
        Rows::matching(sea_orm::Condition::all(), &self.db)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
