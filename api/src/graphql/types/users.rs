use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::domain;
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::enums::RoleGql;
use crate::graphql::types::payers::Payer;
use crate::graphql::types::tenants::Tenant;
use crate::ids::Target;

/// A person who signs in.
pub struct User(pub domain::users::User);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Invited and has not set a password yet.
    async fn invitation_pending(&self) -> bool {
        self.0.invitation_pending
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
        if let Some(rows) = ctx.request()?.prefetched.memberships_of(self.0.id) {
            return Ok(rows.into_iter().map(Membership).collect());
        }
        let rows = domain::memberships::of_user(&ctx.scope()?, self.0.id).await?;
        Ok(rows.into_iter().map(Membership).collect())
    }
}

/// A role held on a tenant (and its subtree) or on one payer.
pub struct Membership(pub domain::memberships::Membership);

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
    async fn role(&self) -> RoleGql {
        RoleGql::from(self.0.role)
    }
    async fn user_id(&self) -> ID {
        ID(self.0.user_id.to_string())
    }
    async fn tenant(&self, ctx: &Context<'_>) -> ApiResult<Option<Tenant>> {
        let Target::Tenant(id) = self.0.target else { return Ok(None) };
        if let Some(known) = ctx.request()?.prefetched.tenant(id) {
            return Ok(known.map(Tenant));
        }
        Ok(or_none(domain::tenants::get(&ctx.scope()?, id).await)?.map(Tenant))
    }
    async fn payer(&self, ctx: &Context<'_>) -> ApiResult<Option<Payer>> {
        let Target::Payer(id) = self.0.target else { return Ok(None) };
        if let Some(known) = ctx.request()?.prefetched.payer(id) {
            return Ok(known.map(Payer));
        }
        Ok(or_none(domain::payers::get(&ctx.scope()?, id).await)?.map(Payer))
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
