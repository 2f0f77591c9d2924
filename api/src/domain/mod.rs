//! Business rules per area. Functions take the caller's [`Scope`](crate::tenancy::Scope) and
//! typed ids, and return domain values or an [`AppError`](crate::error::AppError); nothing here
//! knows about GraphQL.

pub mod accounts;
pub mod billing;
pub mod contracts;
pub mod cost_exports;
pub mod cost_pull;
pub mod costs;
pub mod export_validation;
pub mod invitations;
pub mod jobs;
pub mod legacy_import;
pub mod memberships;
pub mod notifications;
pub mod onboarding;
pub mod payers;
pub mod policies;
pub mod policy_templates;
pub mod source_health;
pub mod tenant_settings;
pub mod tenants;
pub mod users;

use crate::ids::{PayerId, TenantId};

/// Where a membership or token applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Tenant(TenantId),
    Payer(PayerId),
}

/// Keyset pagination: `after` is the cursor (a time-ordered v7 id, or a natural key such as an
/// AWS account id for lists keyed by one).
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<String>,
    pub first: u64,
}

impl Page {
    pub const MAX: u64 = 100;
    pub const DEFAULT: u64 = 50;

    /// Rows to fetch: one more than asked, to know whether another page follows.
    pub fn fetch(&self) -> u64 {
        self.first + 1
    }

    /// The cursor as a v7 id.
    pub fn after_id(&self) -> crate::error::AppResult<Option<uuid::Uuid>> {
        self.after
            .as_deref()
            .map(|c| c.parse::<uuid::Uuid>().map_err(|_| crate::error::AppError::invalid("after", "is not a valid cursor")))
            .transpose()
    }
}

/// A trimmed, length-checked display name.
pub fn checked_name(field: &str, value: &str, max: usize) -> crate::error::AppResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(crate::error::AppError::invalid(field, format!("must be 1 to {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::error::AppError::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}
