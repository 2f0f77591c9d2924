use async_graphql::{Context, ID, Object};

use crate::domain::export_validation;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::export_validation::CostExportValidation;
use crate::ids::PayerId;

#[derive(Default)]
pub struct ExportValidationMutation;

#[Object]
impl ExportValidationMutation {
    /// Lists and judges the payer's AWS Data Exports and legacy CUR reports now (operator).
    #[graphql(complexity = "crate::graphql::limits::Heavy::Aws.cost() + child_complexity")]
    async fn validate_cost_exports(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<CostExportValidation> {
        Ok(export_validation::validate_payer(ctx.app()?, &ctx.scope()?, PayerId::parse(&payer_id)?).await?.into())
    }

    /// Makes ingestion read one of the valid exports of the latest validation (admin); sets
    /// the payer's cost export bucket and prefix.
    async fn select_cost_export(&self, ctx: &Context<'_>, payer_id: ID, export_name: String) -> ApiResult<CostExportValidation> {
        Ok(export_validation::select_export(&ctx.scope()?, PayerId::parse(&payer_id)?, &export_name).await?.into())
    }
}
