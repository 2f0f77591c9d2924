use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

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
        match domain::tenants::get(&ctx.scope()?, parent).await {
            Ok(t) => Ok(Some(Tenant(t))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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
    pub name: String,
}
