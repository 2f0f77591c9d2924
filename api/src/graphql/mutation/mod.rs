//! Mutation resolvers, one file per area, merged into [`MutationRoot`].

mod api_tokens;
mod billing;
mod billing_conductor;
mod billing_transfers;
mod costs;
mod export_validation;
mod invoicing;
mod contracts;
mod notifications;
mod onboarding;
mod optimization;
mod organizations;
mod payers;
mod sessions;
mod tenants;
mod users;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    sessions::SessionsMutation,
    tenants::TenantsMutation,
    payers::PayersMutation,
    organizations::OrganizationsMutation,
    costs::CostsMutation,
    users::UsersMutation,
    api_tokens::ApiTokensMutation,
    notifications::NotificationsMutation,
    billing::BillingMutation,
    billing_conductor::BillingConductorMutation,
    export_validation::ExportValidationMutation,
    contracts::ContractsMutation,
    invoicing::InvoicingMutation,
    onboarding::OnboardingMutation,
    billing_transfers::BillingTransfersMutation,
    optimization::OptimizationMutation,
);
