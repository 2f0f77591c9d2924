//! The tenant tree: platform root, distributors, resellers, customers.

use chrono::Utc;
use entity::tenants;
use sea_orm::{
    ActiveValue::{NotSet, Set}, ColumnTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::{Page, checked_name};
use crate::domain::links::checked_dashboard_url;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::tenancy::{Role, Scope, TenantKind};

/// A tenant as the domain sees it.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: TenantId,
    pub parent_id: Option<TenantId>,
    pub kind: TenantKind,
    pub name: String,
    pub path: String,
    /// Printed on invoices (several lines).
    pub billing_address: String,
    /// Tax registration number printed on invoices.
    pub tax_id: String,
    /// An https link to the tenant's Cloud Intelligence Dashboards / QuickSight.
    pub dashboard_url: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

impl TryFrom<tenants::Model> for Tenant {
    type Error = AppError;
    fn try_from(m: tenants::Model) -> AppResult<Self> {
        Ok(Self { id: TenantId(m.id), parent_id: m.parent_id.map(TenantId), kind: m.kind, name: m.name, path: m.path, billing_address: m.billing_address, tax_id: m.tax_id, dashboard_url: m.dashboard_url, created_at: m.created_at })
    }
}

fn into_tenants(rows: Vec<tenants::Model>) -> AppResult<Vec<Tenant>> {
    rows.into_iter().map(Tenant::try_from).collect()
}


pub async fn get(scope: &Scope, id: TenantId) -> AppResult<Tenant> {
    scope.tenant(id, Role::Viewer).await?.try_into()
}

/// Those of `ids` the caller can see, read in one query; the others are left out.
pub async fn visible_among(scope: &Scope, ids: &[TenantId]) -> AppResult<Vec<Tenant>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    into_tenants(scope.tenants(Role::Viewer).filter(tenants::Column::Id.is_in(ids.iter().map(|t| t.0))).all().await?)
}

/// Visible tenants, optionally only the children of one (which must itself be visible).
pub async fn list(scope: &Scope, parent: Option<TenantId>, page: Page) -> AppResult<Vec<Tenant>> {
    let mut query = scope.tenants(Role::Viewer);
    if let Some(parent) = parent {
        scope.tenant(parent, Role::Viewer).await?;
        query = query.filter(tenants::Column::ParentId.eq(parent.0));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(tenants::Column::Id.gt(after));
    }
    into_tenants(query.order_by_asc(tenants::Column::Id).limit(page.fetch()).all().await?)
}

/// Creates a tenant below one the caller administers.
pub async fn create(scope: &Scope, parent: TenantId, kind: TenantKind, name: &str) -> AppResult<Tenant> {
    let name = checked_name("name", name, 200)?;
    let parent = Tenant::try_from(scope.tenant(parent, Role::Admin).await?)?;
    if !parent.kind.may_parent(kind) {
        return Err(AppError::invalid(
            "kind",
            format!("a {} cannot be created under a {}", kind.as_str(), parent.kind.as_str()),
        ));
    }
    let id = TenantId::new();
    let now = Utc::now();
    let row = tenants::ActiveModel {
        id: Set(id.0),
        parent_id: Set(Some(parent.id.0)),
        kind: Set(kind),
        name: Set(name),
        path: NotSet,
        billing_address: Set(String::new()),
        tax_id: Set(String::new()),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    scope.insert_child_tenant(row, Role::Admin).await?.try_into()
}

/// What may change about a tenant (None = unchanged).
#[derive(Debug, Clone, Default)]
pub struct TenantChanges {
    pub name: Option<String>,
    pub billing_address: Option<String>,
    pub tax_id: Option<String>,
    /// An https dashboard link; empty removes it.
    pub dashboard_url: Option<String>,
}

/// Changes a tenant the caller administers: its name, and what its invoices print about it.
pub async fn update(scope: &Scope, id: TenantId, changes: TenantChanges) -> AppResult<Tenant> {
    let name = changes.name.as_deref().map(|n| checked_name("name", n, 200)).transpose()?;
    let address = changes.billing_address.map(|a| a.trim().replace("\r\n", "\n"));
    if address.as_ref().is_some_and(|a| a.chars().count() > 500 || a.lines().count() > 8) {
        return Err(AppError::invalid("billingAddress", "at most 8 lines and 500 characters"));
    }
    let tax_id = changes.tax_id.map(|t| t.trim().to_owned());
    if tax_id.as_ref().is_some_and(|t| t.chars().count() > 64 || t.chars().any(char::is_control)) {
        return Err(AppError::invalid("taxId", "at most 64 characters on one line"));
    }
    let dashboard_url = changes.dashboard_url.as_deref().map(checked_dashboard_url).transpose()?;
    let mut row: tenants::ActiveModel = scope.tenant(id, Role::Admin).await?.into();
    if let Some(url) = dashboard_url {
        row.dashboard_url = Set(url);
    }
    if let Some(name) = name {
        row.name = Set(name);
    }
    if let Some(address) = address {
        row.billing_address = Set(address);
    }
    if let Some(tax_id) = tax_id {
        row.tax_id = Set(tax_id);
    }
    row.updated_at = Set(Utc::now());
    scope.update_for_tenant(row, Role::Admin).await?.try_into()
}
