use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};

use crate::notify::tenant_settings::{self as settings, Change, Effective, Settings, SettingsChanges};
use crate::domain::{self, tenants::Tenant as DomainTenant};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::enums::TenantKindGql;

/// A node of the tenant tree.
pub struct Tenant(pub DomainTenant);

#[Object]
impl Tenant {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> TenantKindGql {
        self.0.kind.into()
    }
    /// The parent node, when the caller can see it.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Tenant>> {
        let Some(parent) = self.0.parent_id else { return Ok(None) };
        if let Some(known) = ctx.request()?.prefetched.tenant(parent) {
            return Ok(known.map(Tenant));
        }
        match domain::tenants::get(&ctx.scope()?, parent).await {
            Ok(t) => Ok(Some(Tenant(t))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    /// Printed on invoices.
    async fn billing_address(&self) -> &str {
        &self.0.billing_address
    }
    /// Printed on invoices.
    async fn tax_id(&self) -> &str {
        &self.0.tax_id
    }
    /// The tenant's Cloud Intelligence Dashboards / QuickSight link (https).
    async fn dashboard_url(&self) -> Option<&str> {
        self.0.dashboard_url.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Default locale, mail sender name and branding: the effective values (inherited down the
    /// tree unless overridden) and this tenant's own overrides.
    async fn settings(&self, ctx: &Context<'_>) -> ApiResult<TenantSettings> {
        Ok(TenantSettings(settings::get(&ctx.scope()?, &ctx.app()?.config, self.0.id).await?))
    }
}

/// Where an effective setting comes from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SettingSource {
    /// Set on this tenant.
    Own,
    /// Inherited from an ancestor tenant.
    Inherited,
    /// The platform default (nothing on the tenant's line sets it).
    PlatformDefault,
}

/// A setting's effective value and where it comes from.
pub struct EffectiveSetting(Effective);

#[Object]
impl EffectiveSetting {
    async fn value(&self) -> &str {
        &self.0.value
    }
    async fn source(&self) -> SettingSource {
        match self.0.source {
            settings::Source::Own => SettingSource::Own,
            settings::Source::Ancestor(_) => SettingSource::Inherited,
            settings::Source::Platform => SettingSource::PlatformDefault,
        }
    }
    /// The tenant that sets the value, when the caller can see it (an ancestor above the
    /// caller's own node is not shown).
    async fn source_tenant(&self, ctx: &Context<'_>) -> ApiResult<Option<Tenant>> {
        let id = match self.0.source {
            settings::Source::Ancestor(id) => id,
            settings::Source::Own | settings::Source::Platform => return Ok(None),
        };
        match domain::tenants::get(&ctx.scope()?, id).await {
            Ok(t) => Ok(Some(Tenant(t))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// A tenant's settings.
pub struct TenantSettings(pub Settings);

#[Object]
impl TenantSettings {
    /// `en` or `zh-CN`: the locale of mail to people who have none of their own.
    async fn default_locale(&self) -> EffectiveSetting {
        EffectiveSetting(self.0.default_locale.clone())
    }
    /// The display name mail is sent under.
    async fn sender_name(&self) -> EffectiveSetting {
        EffectiveSetting(self.0.sender_name.clone())
    }
    /// The name shown at the foot of mail and in the web app.
    async fn branding_name(&self) -> EffectiveSetting {
        EffectiveSetting(self.0.branding_name.clone())
    }
    /// This tenant's own overrides (null = inherited).
    async fn overrides(&self) -> TenantSettingOverrides {
        TenantSettingOverrides(self.0.own.clone())
    }
}

/// The values a tenant sets itself; null inherits.
pub struct TenantSettingOverrides(settings::Overrides);

#[Object]
impl TenantSettingOverrides {
    async fn default_locale(&self) -> Option<&str> {
        self.0.default_locale.as_deref()
    }
    async fn sender_name(&self) -> Option<&str> {
        self.0.sender_name.as_deref()
    }
    async fn branding_name(&self) -> Option<&str> {
        self.0.branding_name.as_deref()
    }
}

/// Leave a field out to keep it, set it to null to inherit again.
#[derive(InputObject)]
pub struct UpdateTenantSettingsInput {
    pub default_locale: MaybeUndefined<String>,
    pub sender_name: MaybeUndefined<String>,
    pub branding_name: MaybeUndefined<String>,
}

fn change(v: MaybeUndefined<String>) -> Change {
    match v {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Inherit,
        MaybeUndefined::Value(s) => Change::Set(s),
    }
}

impl From<UpdateTenantSettingsInput> for SettingsChanges {
    fn from(i: UpdateTenantSettingsInput) -> Self {
        Self { default_locale: change(i.default_locale), sender_name: change(i.sender_name), branding_name: change(i.branding_name) }
    }
}

#[derive(InputObject)]
pub struct CreateTenantInput {
    pub parent_id: ID,
    pub kind: TenantKindGql,
    pub name: String,
}

#[derive(InputObject)]
pub struct UpdateTenantInput {
    pub name: Option<String>,
    /// Printed on invoices: up to 8 lines, 500 characters.
    pub billing_address: Option<String>,
    /// Tax registration number printed on invoices.
    pub tax_id: Option<String>,
    /// An https link to the tenant's Cloud Intelligence Dashboards / QuickSight (shown as a link,
    /// never embedded); empty removes it.
    pub dashboard_url: Option<String>,
}
