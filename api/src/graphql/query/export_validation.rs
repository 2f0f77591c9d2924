use async_graphql::{Context, ID, Object};

use crate::domain::{export_validation, source_health};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::export_validation::{CostExportValidation, SourceDataHealth};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct ExportValidationQuery;

#[Object]
impl ExportValidationQuery {
    /// The payer's latest cost export validation; null if it was never validated.
    async fn cost_export_validation(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Option<CostExportValidation>> {
        Ok(export_validation::latest(&ctx.scope()?, PayerId::parse(&payer_id)?).await?.map(Into::into))
    }

    /// Source-data health of a tenant, its payers and every tenant below it, worst first.
    async fn source_data_health(&self, ctx: &Context<'_>, tenant_id: ID) -> ApiResult<SourceDataHealth> {
        Ok(source_health::source_data_health(&ctx.scope()?, TenantId::parse(&tenant_id)?).await?.into())
    }
}
