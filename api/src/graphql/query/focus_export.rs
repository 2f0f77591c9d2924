use async_graphql::{Context, ID, Object};
use base64::Engine;

use crate::domain::focus_export::{self, Subject};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::focus_export::FocusFormat;
use crate::graphql::types::invoicing::DocumentDownload;
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct FocusExportQuery;

#[Object]
impl FocusExportQuery {
    /// One billing period of the caller's own priced data as a FOCUS 1.2 file
    /// (docs/focus-export.md). Without ids: the caller's charges (as `myCharges`). With
    /// `customerTenantId`: that customer's charges, what the partner bills them. With `payerId`
    /// (partner side): the payer's AWS cost, the pro-forma charge in `x_ProformaCost`.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Export.cost() + child_complexity")]
    async fn focus_export(&self, ctx: &Context<'_>, payer_id: Option<ID>, customer_tenant_id: Option<ID>, billing_period: String, format: FocusFormat) -> ApiResult<DocumentDownload> {
        let subject = match (payer_id, customer_tenant_id) {
            (None, None) => Subject::Mine,
            (None, Some(t)) => Subject::Customer(TenantId::parse(&t)?),
            (Some(p), None) => Subject::Payer(PayerId::parse(&p)?),
            (Some(_), Some(_)) => return Err(AppError::invalid("customerTenantId", "give payerId or customerTenantId, not both").into()),
        };
        let file = focus_export::export(&ctx.scope()?, subject, &billing_period, format.into()).await?;
        Ok(DocumentDownload { file_name: file.file_name, content_type: file.content_type.to_owned(), content_base64: base64::engine::general_purpose::STANDARD.encode(file.bytes) })
    }
}
