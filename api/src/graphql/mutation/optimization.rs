use async_graphql::{Context, ID, Object};

use crate::domain::optimization;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::organizations::Job;
use crate::ids::PayerId;

#[derive(Default)]
pub struct OptimizationMutation;

#[Object]
impl OptimizationMutation {
    /// Pulls the payer's Cost Optimization Hub recommendations now, as a job (it runs daily too).
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn refresh_optimization_insights(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Job> {
        Ok(Job(optimization::request_pull(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?).await?))
    }
}
