//! Per-tenant settings (default locale, mail sender name, branding name), inherited down the
//! tenant tree: a tenant's own value wins, else the nearest ancestor's, else the platform default.

use chrono::Utc;
use entity::tenant_settings;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::config::LOCALES;
use crate::tenancy::{Role, Scope};

/// The platform's own branding when nothing else is configured.
pub const DEFAULT_NAME: &str = "Partner Billing";

/// Where an effective value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Set on this tenant.
    Own,
    /// Inherited from the ancestor with this id.
    Ancestor(TenantId),
    /// Nothing on the tenant line sets it.
    Platform,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub value: String,
    pub source: Source,
}

/// A tenant's effective settings and its own overrides.
#[derive(Debug, Clone)]
pub struct Settings {
    pub tenant: TenantId,
    pub default_locale: Effective,
    pub sender_name: Effective,
    pub branding_name: Effective,
    pub own: Overrides,
}

/// A tenant's own values (None = inherit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub default_locale: Option<String>,
    pub sender_name: Option<String>,
    pub branding_name: Option<String>,
}

/// A change to one setting: leave it, set it, or clear it (inherit again).
#[derive(Debug, Clone, Default)]
pub enum Change {
    #[default]
    Keep,
    Set(String),
    Inherit,
}

#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    pub default_locale: Change,
    pub sender_name: Change,
    pub branding_name: Change,
}

/// The platform defaults: locale and sender display name from configuration.
fn platform_defaults(config: &Config) -> (String, String) {
    let sender = crate::config::parse_mailbox(&config.mail_from).ok().and_then(|m| m.name).filter(|n| !n.trim().is_empty());
    (config.default_locale.clone(), sender.unwrap_or_else(|| DEFAULT_NAME.to_owned()))
}

/// The ids of a tenant and its ancestors, root first, from its path.
fn lineage(path: &str) -> Vec<uuid::Uuid> {
    path.split('/').filter_map(|p| p.parse().ok()).collect()
}

/// Resolves the effective settings of the tenant at `path` (no scope check: callers have one,
/// or are the mail dispatcher acting for the platform).
pub async fn resolve(db: &impl ConnectionTrait, config: &Config, path: &str) -> AppResult<Settings> {
    let rows = tenant_settings::Entity::find().filter(tenant_settings::Column::TenantId.is_in(lineage(path))).all(db).await?;
    effective(&rows, config, path)
}

/// The settings of the tenant at `path` given the settings rows of it and its ancestors.
fn effective(rows: &[tenant_settings::Model], config: &Config, path: &str) -> AppResult<Settings> {
    let line = lineage(path);
    let tenant = *line.last().ok_or_else(|| AppError::internal(anyhow::anyhow!("tenant path {path:?} is empty")))?;
    let deepest = |pick: fn(&tenant_settings::Model) -> Option<&String>, default: String| -> Effective {
        for id in line.iter().rev() {
            if let Some(value) = rows.iter().find(|r| r.tenant_id == *id).and_then(pick) {
                let source = if *id == tenant { Source::Own } else { Source::Ancestor(TenantId(*id)) };
                return Effective { value: value.clone(), source };
            }
        }
        Effective { value: default, source: Source::Platform }
    };
    let (locale, sender) = platform_defaults(config);
    let own = rows.iter().find(|r| r.tenant_id == tenant);
    Ok(Settings {
        tenant: TenantId(tenant),
        default_locale: deepest(|r| r.default_locale.as_ref(), locale),
        sender_name: deepest(|r| r.sender_name.as_ref(), sender),
        branding_name: deepest(|r| r.branding_name.as_ref(), DEFAULT_NAME.to_owned()),
        own: Overrides {
            default_locale: own.and_then(|r| r.default_locale.clone()),
            sender_name: own.and_then(|r| r.sender_name.clone()),
            branding_name: own.and_then(|r| r.branding_name.clone()),
        },
    })
}

/// A tenant's settings, for anyone who can see the tenant.
pub async fn get(scope: &Scope, config: &Config, id: TenantId) -> AppResult<Settings> {
    let tenant = scope.tenant(id, Role::Viewer).await?;
    let rows = scope.inherited_rows::<tenant_settings::Entity>(&tenant.path).all().await?;
    effective(&rows, config, &tenant.path)
}

/// A display name for mail headers and pages: trimmed, 1–100 characters, none that would break a
/// mail header (quotes, angle brackets, control characters).
fn checked_display_name(field: &str, value: &str) -> AppResult<String> {
    let name = crate::input::checked_name(field, value, 100)?;
    if name.chars().any(|c| matches!(c, '"' | '<' | '>' | '\\')) {
        return Err(AppError::invalid(field, "must not contain quotes, backslashes or angle brackets"));
    }
    Ok(name)
}

fn apply(field: &str, change: Change, current: Option<String>, check: impl Fn(&str, &str) -> AppResult<String>) -> AppResult<Option<String>> {
    match change {
        Change::Keep => Ok(current),
        Change::Inherit => Ok(None),
        Change::Set(value) => check(field, &value).map(Some),
    }
}

fn checked_locale(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    if !LOCALES.contains(&value) {
        return Err(AppError::invalid(field, format!("must be one of {}", LOCALES.join(", "))));
    }
    Ok(value.to_owned())
}

/// Changes a tenant's own overrides; the caller administers the tenant (so only their own and
/// downstream tenants). Everything is checked before anything is written.
pub async fn update(scope: &Scope, config: &Config, id: TenantId, changes: SettingsChanges) -> AppResult<Settings> {
    let tenant = scope.tenant(id, Role::Admin).await?;
    let current = scope.tenant_rows::<tenant_settings::Entity>(Role::Admin).filter(tenant_settings::Column::TenantId.eq(tenant.id)).one().await?;
    let cur = |pick: fn(&tenant_settings::Model) -> Option<String>| current.as_ref().and_then(pick);
    let default_locale = apply("defaultLocale", changes.default_locale, cur(|r| r.default_locale.clone()), checked_locale)?;
    let sender_name = apply("senderName", changes.sender_name, cur(|r| r.sender_name.clone()), checked_display_name)?;
    let branding_name = apply("brandingName", changes.branding_name, cur(|r| r.branding_name.clone()), checked_display_name)?;
    let row = tenant_settings::ActiveModel {
        tenant_id: Set(tenant.id),
        default_locale: Set(default_locale),
        sender_name: Set(sender_name),
        branding_name: Set(branding_name),
        updated_at: Set(Utc::now()),
    };
    let txn = scope.begin_write_on_tenant(TenantId(tenant.id), Role::Admin).await?;
    txn.upsert(
        row,
        &[tenant_settings::Column::TenantId],
        vec![
            tenant_settings::Column::DefaultLocale,
            tenant_settings::Column::SenderName,
            tenant_settings::Column::BrandingName,
            tenant_settings::Column::UpdatedAt,
        ],
    )
    .await?;
    txn.commit().await?;
    get(scope, config, id).await
}
