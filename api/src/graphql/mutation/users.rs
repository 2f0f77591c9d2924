use async_graphql::{Context, ID, Object};
use secrecy::SecretString;

use crate::domain::{self, users::NewUser};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::target;
use crate::graphql::types::users::{CreateUserInput, GrantMembershipInput, Membership, User};
use crate::ids::{MembershipId, UserId};

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates a user with a role on a tenant or payer the caller administers. Without a
    /// password the user is invited by mail to set one (a one-time link valid for 72 hours).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> ApiResult<User> {
        let new = NewUser {
            target: target(input.tenant_id.as_ref(), input.payer_id.as_ref())?,
            email: input.email,
            display_name: input.display_name,
            password: input.password.map(SecretString::from),
            locale: input.locale,
            role: input.role.into(),
        };
        Ok(User(domain::users::create(&ctx.scope()?, new).await?))
    }

    /// Disables a user and ends their sessions and API tokens.
    async fn disable_user(&self, ctx: &Context<'_>, id: ID) -> ApiResult<User> {
        Ok(User(domain::users::disable(&ctx.scope()?, UserId::parse(&id)?).await?))
    }

    /// Sends an invited user who has not set a password yet a new invitation mail.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn resend_invitation(&self, ctx: &Context<'_>, user_id: ID) -> ApiResult<User> {
        Ok(User(domain::users::resend_invitation(&ctx.scope()?, UserId::parse(&user_id)?).await?))
    }

    /// Changes the caller's password; their other sessions end.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Credential.cost() + child_complexity")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] current_password: String,
        #[graphql(secret)] new_password: String,
    ) -> ApiResult<bool> {
        let (current, new) = (SecretString::from(current_password), SecretString::from(new_password));
        domain::users::change_password(&ctx.scope()?, current, new).await?;
        Ok(true)
    }

    /// Gives a user a role on a tenant or payer the caller administers.
    async fn grant_membership(&self, ctx: &Context<'_>, input: GrantMembershipInput) -> ApiResult<Membership> {
        let target = target(input.tenant_id.as_ref(), input.payer_id.as_ref())?;
        let user = UserId::parse(&input.user_id)?;
        Ok(Membership(domain::memberships::grant(&ctx.scope()?, user, target, input.role.into()).await?))
    }

    /// Removes a membership; returns it as it was.
    async fn revoke_membership(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Membership> {
        Ok(Membership(domain::memberships::revoke(&ctx.scope()?, MembershipId::parse(&id)?).await?))
    }
}
