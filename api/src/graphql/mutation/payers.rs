use async_graphql::{Context, ID, Object};

use crate::domain::{self, payers::NewPayer, payers::PayerChanges};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::payers::{Payer, RegisterPayerInput, UpdatePayerInput};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct PayersMutation;

#[Object]
impl PayersMutation {
    /// Registers a payer on a tenant the caller administers. Deploy the role with the returned
    /// `externalId` (see `cloudFormationQuickCreateUrl`), then run `checkPayerConnection`.
    async fn register_payer(&self, ctx: &Context<'_>, input: RegisterPayerInput) -> ApiResult<Payer> {
        let new = NewPayer { tenant: TenantId::parse(&input.tenant_id)?, account_id: input.account_id, name: input.name, role_arn: input.role_arn };
        Ok(Payer(domain::payers::register(&ctx.scope()?, new).await?))
    }

    async fn update_payer(&self, ctx: &Context<'_>, id: ID, input: UpdatePayerInput) -> ApiResult<Payer> {
        let changes = PayerChanges { name: input.name, role_arn: input.role_arn, dashboard_url: input.dashboard_url };
        Ok(Payer(domain::payers::update(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&id)?, changes).await?))
    }

    /// Removes a payer; returns it as it was.
    async fn remove_payer(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Payer> {
        Ok(Payer(domain::payers::remove(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&id)?).await?))
    }

    /// Assumes the payer's role and checks it is the organization's management account.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn check_payer_connection(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Payer> {
        Ok(Payer(domain::payers::check_connection(&ctx.scope()?, &ctx.app()?.aws, PayerId::parse(&id)?).await?))
    }

    /// Moves a payer to another tenant (platform admins).
    async fn move_payer(&self, ctx: &Context<'_>, id: ID, tenant_id: ID) -> ApiResult<Payer> {
        let (id, tenant) = (PayerId::parse(&id)?, TenantId::parse(&tenant_id)?);
        Ok(Payer(domain::payers::move_to(&ctx.scope()?, id, tenant).await?))
    }
}
