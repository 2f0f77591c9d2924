use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::costs::{CostAllocationKey, CostAllocationKeyInput};
use crate::graphql::types::organizations::Job;
use crate::graphql::types::payers::Payer;
use crate::ids::PayerId;

#[derive(Default)]
pub struct CostsMutation;

/// The prior tool's DynamoDB cost table to import (it lives in the payer account).
#[derive(InputObject)]
pub struct ImportLegacyDynamoDbInput {
    pub payer_id: ID,
    pub table_name: String,
    /// The year of the months (the table does not store one).
    pub year: i32,
    /// Month numbers 1–12 to import; each replaces that month's previously imported rows.
    pub months: Vec<i32>,
}

#[Object]
impl CostsMutation {
    /// Where the payer's CUR 2.0 / FOCUS / legacy CUR exports land (read through its role).
    async fn set_payer_cost_export(&self, ctx: &Context<'_>, payer_id: ID, bucket: String, #[graphql(default)] prefix: String) -> ApiResult<Payer> {
        Ok(Payer(domain::cost_exports::set_export(&ctx.scope()?, PayerId::parse(&payer_id)?, &bucket, &prefix).await?))
    }

    /// Replaces the payer's selected cost allocation keys (at most 5, no duplicates; an empty list
    /// selects none). Admin on the payer's partner tenant. Applies from each period's next
    /// ingestion: run ingestCosts to read stored periods again.
    async fn set_cost_allocation_keys(&self, ctx: &Context<'_>, payer_id: ID, keys: Vec<CostAllocationKeyInput>) -> ApiResult<Vec<CostAllocationKey>> {
        let keys = keys.into_iter().map(Into::into).collect();
        Ok(domain::costs::set_allocation_keys(&ctx.scope()?, PayerId::parse(&payer_id)?, keys).await?.into_iter().map(Into::into).collect())
    }

    /// Ingests the payer's exports for one billing period (`YYYY-MM`, or all found) as a job.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn ingest_costs(&self, ctx: &Context<'_>, payer_id: ID, billing_period: Option<String>) -> ApiResult<Job> {
        Ok(Job(domain::cost_exports::request_ingest(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?, billing_period).await?))
    }

    /// Pulls Cost Explorer's daily cost by linked account and service for the days `from`
    /// through `to` (within the last 14 months) as a job; replaces those days of source `ce`
    /// and sends `aws.service.daily` CloudEvents.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn backfill_costs(&self, ctx: &Context<'_>, payer_id: ID, from: NaiveDate, to: NaiveDate) -> ApiResult<Job> {
        Ok(Job(domain::cost_pull::request_backfill(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?, from, to).await?))
    }

    /// Imports months of the prior tool's DynamoDB cost table (through the payer's role) as a
    /// job; malformed items are skipped and counted in the job result.
    #[graphql(complexity = "crate::graphql::limits::Heavy::AwsJob.cost() + child_complexity")]
    async fn import_legacy_dynamo_db(&self, ctx: &Context<'_>, input: ImportLegacyDynamoDbInput) -> ApiResult<Job> {
        let import = domain::legacy_import::LegacyImport { payer: PayerId::parse(&input.payer_id)?, table_name: input.table_name, year: input.year, months: input.months };
        Ok(Job(domain::legacy_import::request_import(ctx.app()?, &ctx.scope()?, import).await?))
    }
}
