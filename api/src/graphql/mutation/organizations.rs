use async_graphql::{Context, ID, Json, Object};

use crate::domain::{self, accounts::NewAccount, invitations::NewInvitation, policies::PolicyChanges};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::organizations::{
    CreateLinkedAccountInput, InviteAccountInput, Invitation, Job, LinkedAccount, Policy, UpdatePolicyInput,
};
use crate::ids::PayerId;

#[derive(Default)]
pub struct OrganizationsMutation;

#[Object]
impl OrganizationsMutation {
    /// Reads the payer's organization (accounts, OUs, SCPs) into Partner Billing, as a job.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn sync_accounts(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Job> {
        Ok(Job(domain::accounts::request_sync(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?).await?))
    }

    /// Creates a member account; follow the returned job until it succeeds or fails.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn create_linked_account(&self, ctx: &Context<'_>, input: CreateLinkedAccountInput) -> ApiResult<Job> {
        let new = NewAccount {
            payer: PayerId::parse(&input.payer_id)?,
            email: input.email,
            name: input.name,
            ou_id: input.ou_id,
            tags: input.tags.into_iter().map(|t| (t.key, t.value)).collect(),
        };
        Ok(Job(domain::accounts::request_create(ctx.app()?, &ctx.scope()?, new).await?))
    }

    /// Invites an existing AWS account (by id or email) into the payer's organization.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn invite_account(&self, ctx: &Context<'_>, input: InviteAccountInput) -> ApiResult<Invitation> {
        let new = NewInvitation { payer: PayerId::parse(&input.payer_id)?, account_id: input.account_id, email: input.email, notes: input.notes };
        Ok(Invitation(domain::invitations::invite(&ctx.scope()?, &ctx.app()?.aws, new).await?))
    }

    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn cancel_invitation(&self, ctx: &Context<'_>, payer_id: ID, handshake_id: String) -> ApiResult<Invitation> {
        Ok(Invitation(domain::invitations::cancel(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &handshake_id).await?))
    }

    /// Closes a member account. `confirmAccountId` must repeat the account id.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn close_linked_account(&self, ctx: &Context<'_>, payer_id: ID, account_id: String, confirm_account_id: String) -> ApiResult<LinkedAccount> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let closed = domain::accounts::close(&scope, &ctx.app()?.aws, payer, &account_id, &confirm_account_id).await?;
        Ok(LinkedAccount(domain::accounts::placed_one(&scope, payer, closed).await?))
    }

    /// Removes a member account from the organization; returns it as it was.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn remove_linked_account(&self, ctx: &Context<'_>, payer_id: ID, account_id: String) -> ApiResult<LinkedAccount> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let removed = domain::accounts::remove(&scope, &ctx.app()?.aws, payer, &account_id).await?;
        Ok(LinkedAccount(domain::accounts::placed_one(&scope, payer, removed).await?))
    }

    /// Moves a member account into another OU (or the root).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn move_linked_account(&self, ctx: &Context<'_>, payer_id: ID, account_id: String, destination_ou_id: String) -> ApiResult<LinkedAccount> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let moved = domain::accounts::move_to(&scope, &ctx.app()?.aws, payer, &account_id, &destination_ou_id).await?;
        Ok(LinkedAccount(domain::accounts::placed_one(&scope, payer, moved).await?))
    }

    /// Creates an SCP from a library template; `params` maps each parameter to a list of strings.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn create_policy_from_template(
        &self,
        ctx: &Context<'_>,
        payer_id: ID,
        template_id: String,
        #[graphql(default)] params: Json<serde_json::Value>,
        name: Option<String>,
    ) -> ApiResult<Policy> {
        let payer = PayerId::parse(&payer_id)?;
        let params = if params.0.is_null() { serde_json::json!({}) } else { params.0 };
        Ok(Policy(domain::policies::create_from_template(&ctx.scope()?, &ctx.app()?.aws, payer, &template_id, name.as_deref(), &params).await?))
    }

    /// Creates an SCP from a JSON document (at most 5,120 characters without spaces).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn create_policy(&self, ctx: &Context<'_>, payer_id: ID, name: String, #[graphql(default)] description: String, document: String) -> ApiResult<Policy> {
        let payer = PayerId::parse(&payer_id)?;
        Ok(Policy(domain::policies::create(&ctx.scope()?, &ctx.app()?.aws, payer, &name, &description, &document).await?))
    }

    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn update_policy(&self, ctx: &Context<'_>, payer_id: ID, policy_id: String, input: UpdatePolicyInput) -> ApiResult<Policy> {
        let changes = PolicyChanges { name: input.name, description: input.description, document: input.document };
        Ok(Policy(domain::policies::update(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &policy_id, changes).await?))
    }

    /// Deletes an SCP (detach it everywhere first); returns it as it was.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn delete_policy(&self, ctx: &Context<'_>, payer_id: ID, policy_id: String) -> ApiResult<Policy> {
        Ok(Policy(domain::policies::delete(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &policy_id).await?))
    }

    /// Attaches an SCP to a root, OU or account.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn attach_policy(&self, ctx: &Context<'_>, payer_id: ID, policy_id: String, target_id: String) -> ApiResult<Policy> {
        Ok(Policy(domain::policies::attach(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &policy_id, &target_id).await?))
    }

    /// Detaches an SCP; refused for the last SCP on a target (AWS requires one).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn detach_policy(&self, ctx: &Context<'_>, payer_id: ID, policy_id: String, target_id: String) -> ApiResult<Policy> {
        Ok(Policy(domain::policies::detach(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &policy_id, &target_id).await?))
    }
}
