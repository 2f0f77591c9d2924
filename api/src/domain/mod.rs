//! Business rules per area. Functions take the caller's [`Scope`](crate::tenancy::Scope) and
//! typed ids, and return domain values or an [`AppError`](crate::error::AppError); nothing here
//! knows about GraphQL.

pub mod accounts;
pub mod bootstrap;
pub mod connection_watch;
pub mod billing;
pub mod billing_transfers;
pub mod contracts;
pub mod cost_exports;
pub mod cost_pull;
pub mod costs;
pub mod export_validation;
pub mod focus_export;
pub mod health;
pub mod invitations;
pub mod invoicing;
pub mod jobs;
pub mod legacy_import;
pub mod links;
pub mod memberships;
pub mod notifications;
pub mod onboarding;
pub mod optimization;
pub mod payers;
pub mod policies;
pub mod policy_templates;
pub mod service_names;
pub mod source_health;
pub mod tenants;
pub mod users;

pub use crate::ids::Target;
pub use crate::input::{Page, checked_name};
