//! The platform module: the one holder of the connection pool outside `tenancy`'s handles.
//! Platform jobs, the CLI and the platform's own machinery (the job worker, the notification
//! dispatcher, sessions, the audit chain, metrics and health) reach the database through it;
//! requests get a [`Scope`] from it and nothing else. The name is meant to stand out in review:
//! anything reached through it skips tenant filters.

use entity::payers;
use sea_orm::{EntityTrait, ModelTrait, PrimaryKeyTrait};

use crate::db::{Db, RequestTransaction};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::tenancy::Scope;
use crate::tenancy::payer::{PayerOwned, PlatformPayer, Rows};
use crate::tenancy::principal::Principal;

/// The connection pool with no tenant filter. Start-up and the CLI build it; the job context
/// keeps it and lends it (`JobContext::platform()`).
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

    /// A caller's scope: an authenticated principal's view of the data.
    pub fn scope(&self, principal: Principal) -> Scope {
        Scope::new(self.db.clone(), principal)
    }

    /// The payer a row of a payer's table belongs to, if the row exists (what an audit record
    /// names before the field that acts on the row runs).
    pub async fn payer_of<E: PayerOwned>(&self, key: <E::PrimaryKey as PrimaryKeyTrait>::ValueType) -> AppResult<Option<payers::Model>> {
        let Some(row) = E::find_by_id(key).one(&self.db).await? else { return Ok(None) };
        let Some(payer) = crate::tenancy::owned::uuid_of(Some(row.get(E::payer_column()))) else { return Ok(None) };
        Ok(payers::Entity::find_by_id(payer).one(&self.db).await?)
    }

    /// Starts a request's transaction (a mutation and its audit record commit together).
    pub async fn begin_request_transaction(&self) -> AppResult<RequestTransaction> {
        Ok(RequestTransaction::begin(&self.db).await?)
    }

    /// Whether the database answers and how many migrations it lacks (readiness).
    pub async fn pending_migrations(&self) -> AppResult<usize> {
        self.db.pool().ping().await?;
        Ok(crate::db::schema_status(self.db.pool()).await?.pending.len())
    }

    /// The pool itself, for the platform's own machinery (the job worker and queue, the
    /// notification dispatcher, the session store, audit digests, metrics, ingestion's writer;
    /// `tests/layers.rs` lists who may call it).
    pub fn db(&self) -> &Db {
        &self.db
    }
}
