use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entity::{memberships, users};

use crate::domain;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::enums::RoleGql;
use crate::graphql::types::payers::Payer;
use crate::graphql::types::tenants::Tenant;
use crate::ids::{PayerId, TenantId, UserId};
use crate::tenancy::Role;

/// A person who signs in.
pub struct User(pub users::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Invited and has not set a password yet.
    async fn invitation_pending(&self) -> bool {
        self.0.password_hash == crate::auth::password::NO_PASSWORD
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn disabled(&self) -> bool {
        self.0.disabled_at.is_some()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The user's memberships that the caller can see.
    async fn memberships(&self, ctx: &Context<'_>) -> ApiResult<Vec<Membership>> {
        let rows = domain::memberships::of_user(&ctx.scope()?, UserId(self.0.id)).await?;
        Ok(rows.into_iter().map(Membership).collect())
    }
}

/// A role held on a tenant (and its subtree) or on one payer.
pub struct Membership(pub memberships::Model);

fn or_none<T>(result: Result<T, AppError>) -> ApiResult<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[Object]
impl Membership {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn role(&self) -> ApiResult<RoleGql> {
        Role::parse(&self.0.role)
            .map(RoleGql::from)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("membership {} has unknown role", self.0.id)).into())
    }
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }
    async fn tenant(&self, ctx: &Context<'_>) -> ApiResult<Option<Tenant>> {
        let Some(id) = self.0.tenant_id else { return Ok(None) };
        Ok(or_none(domain::tenants::get(&ctx.scope()?, TenantId(id)).await)?.map(Tenant))
    }
    async fn payer(&self, ctx: &Context<'_>) -> ApiResult<Option<Payer>> {
        let Some(id) = self.0.payer_id else { return Ok(None) };
        Ok(or_none(domain::payers::get(&ctx.scope()?, PayerId(id)).await)?.map(Payer))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    #[graphql(default)]
    pub display_name: String,
    /// At least 12 characters, not a common password. Leave out to invite the user by mail.
    #[graphql(secret)]
    pub password: Option<String>,
    #[graphql(default_with = "String::from(\"en\")")]
    pub locale: String,
    pub role: RoleGql,
    pub tenant_id: Option<ID>,
    pub payer_id: Option<ID>,
}

#[derive(InputObject)]
pub struct GrantMembershipInput {
    pub user_id: ID,
    pub role: RoleGql,
    pub tenant_id: Option<ID>,
    pub payer_id: Option<ID>,
}
