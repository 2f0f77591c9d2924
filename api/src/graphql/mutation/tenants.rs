use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::tenants::{CreateTenantInput, Tenant, TenantSettings, UpdateTenantInput, UpdateTenantSettingsInput};
use crate::ids::TenantId;

#[derive(Default)]
pub struct TenantsMutation;

#[Object]
impl TenantsMutation {
    /// Creates a tenant below one the caller administers.
    async fn create_tenant(&self, ctx: &Context<'_>, input: CreateTenantInput) -> ApiResult<Tenant> {
        let parent = TenantId::parse(&input.parent_id)?;
        Ok(Tenant(domain::tenants::create(&ctx.scope()?, parent, input.kind.into(), &input.name).await?))
    }

    /// Changes a tenant's name or what its invoices print about it (address, tax id); its admins.
    async fn update_tenant(&self, ctx: &Context<'_>, id: ID, input: UpdateTenantInput) -> ApiResult<Tenant> {
        let changes = domain::tenants::TenantChanges { name: input.name, billing_address: input.billing_address, tax_id: input.tax_id, dashboard_url: input.dashboard_url };
        Ok(Tenant(domain::tenants::update(&ctx.scope()?, TenantId::parse(&id)?, changes).await?))
    }

    /// Sets or clears (null = inherit again) a tenant's own settings; admins of the tenant or above.
    async fn update_tenant_settings(&self, ctx: &Context<'_>, tenant_id: ID, input: UpdateTenantSettingsInput) -> ApiResult<TenantSettings> {
        let (scope, config) = (ctx.scope()?, &ctx.app()?.config);
        Ok(TenantSettings(crate::notify::tenant_settings::update(&scope, config, TenantId::parse(&tenant_id)?, input.into()).await?))
    }
}
