//! Partner Billing: organization management and billing for AWS channel partners.

pub mod auth;
pub mod audit;
pub mod aws;
pub mod config;
pub mod csv_safe;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod ingest;
pub mod input;
pub mod job_registry;
pub mod jobs;
pub mod metrics;
pub mod money;
pub mod notify;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tenancy;
