//! End-to-end tests: the real server over HTTP, each on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api_tokens;
mod audit;
mod bad_input;
mod billing;
mod billing_conductor;
mod cloudformation;
mod cost_explorer;
mod cost_exports;
mod costs;
mod demo;
mod deployment;
mod health;
mod ingest;
mod invitations;
mod isolation;
mod jobs;
mod legacy_import;
mod metrics;
mod notifications;
mod organizations;
mod payers;
mod roles;
mod secrets;
mod sessions;
