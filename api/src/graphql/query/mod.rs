//! Query resolvers, one file per area, merged into [`QueryRoot`].

mod api_tokens;
mod billing;
mod billing_conductor;
mod billing_transfers;
mod costs;
mod export_validation;
mod focus_export;
mod invoicing;
mod contracts;
mod audit;
mod notifications;
mod onboarding;
mod optimization;
mod organizations;
mod payers;
mod tenants;
mod users;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    users::UsersQuery,
    tenants::TenantsQuery,
    payers::PayersQuery,
    organizations::OrganizationsQuery,
    costs::CostsQuery,
    api_tokens::ApiTokensQuery,
    audit::AuditQuery,
    notifications::NotificationsQuery,
    billing::BillingQuery,
    billing_conductor::BillingConductorQuery,
    export_validation::ExportValidationQuery,
    contracts::ContractsQuery,
    invoicing::InvoicingQuery,
    onboarding::OnboardingQuery,
    billing_transfers::BillingTransfersQuery,
    focus_export::FocusExportQuery,
    optimization::OptimizationQuery,
);

/// A list costs its page size times what each node costs, so wide queries hit the limit.
fn page_complexity(first: Option<i32>, child_complexity: usize) -> usize {
    crate::graphql::limits::page_cost(first, child_complexity)
}
