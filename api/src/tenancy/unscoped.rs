//! Unscoped database access, for platform jobs and the CLI only (never for request handling).
//! The name is meant to stand out in review: anything reached through it skips tenant filters.

use crate::db::Db;

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

    pub fn db(&self) -> &Db {
        &self.db
    }
}
