use async_graphql::{Context, ID, Object, connection::Connection};

use crate::domain::{self, accounts::AccountFilter, jobs::JobFilter as DomainJobFilter};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::organizations::{
    AttachedPolicy, Invitation, Job, JobFilter, LinkedAccount, LinkedAccountFilter, OrganizationalUnit, Policy, PolicyTemplate,
};
use crate::ids::PayerId;

#[derive(Default)]
pub struct OrganizationsQuery;

#[Object]
impl OrganizationsQuery {
    /// A payer's member accounts (run `syncAccounts` to refresh them), by account id.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn linked_accounts(
        &self,
        ctx: &Context<'_>,
        payer_id: ID,
        filter: Option<LinkedAccountFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, LinkedAccount>> {
        let page = page(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = AccountFilter { search: f.search, status: f.status, parent_id: f.parent_id };
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let rows = domain::accounts::list(&scope, payer, filter, page.clone()).await?;
        let rows = domain::accounts::placed(&scope, payer, rows).await?;
        Ok(connection(rows, page, |a| a.account.account_id.clone(), LinkedAccount))
    }

    async fn linked_account(&self, ctx: &Context<'_>, payer_id: ID, account_id: String) -> ApiResult<LinkedAccount> {
        let (scope, payer) = (ctx.scope()?, PayerId::parse(&payer_id)?);
        let account = domain::accounts::get(&scope, payer, &account_id).await?;
        Ok(LinkedAccount(domain::accounts::placed_one(&scope, payer, account).await?))
    }

    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn organizational_units(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<OrganizationalUnit>> {
        let rows = domain::accounts::organizational_units(&ctx.scope()?, PayerId::parse(&payer_id)?).await?;
        Ok(rows.into_iter().map(OrganizationalUnit).collect())
    }

    /// The payer's invitations, as AWS reports them now.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + crate::graphql::limits::list_cost(child_complexity)")]
    async fn invitations(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<Invitation>> {
        let rows = domain::invitations::list(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?).await?;
        Ok(rows.into_iter().map(Invitation).collect())
    }

    /// The SCP library.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn policy_templates(&self, ctx: &Context<'_>) -> ApiResult<Vec<PolicyTemplate>> {
        ctx.scope()?;
        Ok(domain::policy_templates::TEMPLATES.iter().map(PolicyTemplate).collect())
    }

    /// The payer's service control policies.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn policies(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<Policy>> {
        let rows = domain::policies::list(&ctx.scope()?, PayerId::parse(&payer_id)?).await?;
        Ok(rows.into_iter().map(Policy).collect())
    }

    /// SCPs attached directly to a root, OU or account, read from AWS.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + crate::graphql::limits::list_cost(child_complexity)")]
    async fn policies_for_target(&self, ctx: &Context<'_>, payer_id: ID, target_id: String) -> ApiResult<Vec<AttachedPolicy>> {
        let rows = domain::policies::for_target(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&payer_id)?, &target_id).await?;
        Ok(rows.into_iter().map(AttachedPolicy::from).collect())
    }

    /// Background jobs of the payers and tenants the caller can see.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn jobs(&self, ctx: &Context<'_>, filter: Option<JobFilter>, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, Job>> {
        let page = page(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = DomainJobFilter {
            payer: f.payer_id.map(|p| PayerId::parse(&p)).transpose()?,
            kind: f.kind,
            state: f.state.map(Into::into),
        };
        let rows = domain::jobs::list(&ctx.scope()?, filter, page.clone()).await?;
        Ok(connection(rows, page, |j| j.id, Job))
    }

    async fn job(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Job> {
        let id = id.parse::<uuid::Uuid>().map_err(|_| crate::error::AppError::NotFound("job"))?;
        Ok(Job(domain::jobs::get(&ctx.scope()?, id).await?))
    }
}
