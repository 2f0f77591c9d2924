//! sea-orm entities: one module per table, nothing else. Domain code maps these into its own types.

pub mod api_tokens;
pub mod cost_daily;
pub mod ingestions;
pub mod login_throttles;
pub mod memberships;
pub mod payers;
pub mod refresh_tokens;
pub mod sessions;
pub mod settings;
pub mod tenants;
pub mod users;
pub mod invitations;
pub mod job_schedules;
pub mod jobs;
pub mod linked_accounts;
pub mod organizational_units;
pub mod outbox_events;
pub mod policies;
pub mod policy_attachments;
pub mod notification_subscriptions;
pub mod notification_templates;
pub mod notifications;
pub mod outbox_dispatched;
pub mod webhook_endpoints;
pub mod audit_events;
