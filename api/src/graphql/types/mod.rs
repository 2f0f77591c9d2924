//! GraphQL output and input types. Built from domain values, never from sea-orm models directly
//! exposed, so nothing like a password hash can leak by accident.

pub mod api_tokens;
pub mod audit;
pub mod billing;
pub mod billing_conductor;
pub mod billing_transfers;
pub mod contracts;
pub mod costs;
pub mod enums;
pub mod export_validation;
pub mod focus_export;
pub mod invoicing;
pub mod notifications;
pub mod onboarding;
pub mod optimization;
pub mod organizations;
pub mod payers;
pub mod sessions;
pub mod tenants;
pub mod users;

use async_graphql::ID;

use crate::domain::Target;
use crate::error::AppError;
use crate::graphql::error::ApiResult;
use crate::ids::{PayerId, TenantId};

/// Reads the "exactly one of tenantId / payerId" pair used by several inputs.
pub fn target(tenant_id: Option<&ID>, payer_id: Option<&ID>) -> ApiResult<Target> {
    match (tenant_id, payer_id) {
        (Some(t), None) => Ok(Target::Tenant(TenantId::parse(t)?)),
        (None, Some(p)) => Ok(Target::Payer(PayerId::parse(p)?)),
        _ => Err(AppError::invalid("tenantId", "give exactly one of tenantId and payerId").into()),
    }
}
