use async_graphql::{Context, ID, Object};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::organizations::Job;
use crate::graphql::types::payers::Payer;
use crate::ids::PayerId;

#[derive(Default)]
pub struct CostsMutation;

#[Object]
impl CostsMutation {
    /// Where the payer's CUR 2.0 / FOCUS / legacy CUR exports land (read through its role).
    async fn set_payer_cost_export(&self, ctx: &Context<'_>, payer_id: ID, bucket: String, #[graphql(default)] prefix: String) -> ApiResult<Payer> {
        Ok(Payer(domain::cost_exports::set_export(&ctx.scope()?, PayerId::parse(&payer_id)?, &bucket, &prefix).await?))
    }

    /// Ingests the payer's exports for one billing period (`YYYY-MM`, or all found) as a job.
    async fn ingest_costs(&self, ctx: &Context<'_>, payer_id: ID, billing_period: Option<String>) -> ApiResult<Job> {
        Ok(Job(domain::cost_exports::request_ingest(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?, billing_period).await?))
    }
}
