//! Database migrations. They run at server start and with `partner-billing migrate`,
//! and must apply to both SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_costs;
mod m20261123_000003_jobs_and_organizations;
mod m20261123_000006_payer_cost_export;
mod m20261123_000004_notifications;
mod m20261123_000005_audit;
mod m20261123_000007_billing;
mod m20261123_000009_password_tokens;
mod m20261123_000010_onboarding;
mod m20261123_000011_export_validations;
mod m20261123_000012_cost_descriptions;
mod m20261205_000101_payer_registrations;
mod m20261205_000201_demo_mails;
mod m20261206_000201_job_turns;
pub mod m20261206_000202_cost_monthly;
mod m20261206_000301_ingestion_heartbeat;
pub mod m20261206_000401_cost_rollups;
mod m20261206_000501_invoicing;
mod m20261206_000601_plan_versions;
mod m20261206_000701_billing_transfers;
mod m20261206_000702_priced_periods;
mod m20261206_000801_reseller_payers;
mod m20261206_000802_transfer_groups;
mod m20261206_000803_dashboard_links;
mod m20261206_000901_optimization;
pub mod m20261206_001001_cost_allocation_tags;
pub mod m20261206_001101_cost_monthly_usage;
pub mod m20261207_000101_account_rollup_and_bill_index;
pub mod bulk;
pub mod month_rollups;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_costs::Migration),
            Box::new(m20261123_000003_jobs_and_organizations::Migration),
            Box::new(m20261123_000004_notifications::Migration),
            Box::new(m20261123_000005_audit::Migration),
            Box::new(m20261123_000006_payer_cost_export::Migration),
            Box::new(m20261123_000007_billing::Migration),
            Box::new(m20261123_000009_password_tokens::Migration),
            Box::new(m20261123_000010_onboarding::Migration),
            Box::new(m20261123_000011_export_validations::Migration),
            Box::new(m20261123_000012_cost_descriptions::Migration),
            Box::new(m20261205_000101_payer_registrations::Migration),
            Box::new(m20261205_000201_demo_mails::Migration),
            Box::new(m20261206_000201_job_turns::Migration),
            Box::new(m20261206_000202_cost_monthly::Migration),
            Box::new(m20261206_000301_ingestion_heartbeat::Migration),
            Box::new(m20261206_000401_cost_rollups::Migration),
            Box::new(m20261206_000501_invoicing::Migration),
            Box::new(m20261206_000601_plan_versions::Migration),
            Box::new(m20261206_000701_billing_transfers::Migration),
            Box::new(m20261206_000702_priced_periods::Migration),
            Box::new(m20261206_000801_reseller_payers::Migration),
            Box::new(m20261206_000802_transfer_groups::Migration),
            Box::new(m20261206_000803_dashboard_links::Migration),
            Box::new(m20261206_000901_optimization::Migration),
            Box::new(m20261206_001001_cost_allocation_tags::Migration),
            Box::new(m20261206_001101_cost_monthly_usage::Migration),
            Box::new(m20261207_000101_account_rollup_and_bill_index::Migration),
        ]
    }
}
