//! Unscoped database access, for platform jobs and the CLI only (never for request handling).
//! The name is meant to stand out in review: anything reached through it skips tenant filters.

use sea_orm::DatabaseConnection;

/// A connection with no tenant filter. Only platform jobs and operator CLI commands take one.
#[derive(Clone)]
pub struct UnscopedPlatformAccess {
    db: DatabaseConnection,
}

impl UnscopedPlatformAccess {
    /// Obtained from the application state by platform-level code.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}
