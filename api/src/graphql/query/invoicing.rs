use async_graphql::{Context, ID, Object};
use base64::Engine;

use crate::domain::invoicing::{documents, invoices, periods, rates};
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::invoicing::{BillingPeriod, DocumentDownload, DocumentFormat, ExchangeRate, Invoice, InvoiceFilterInput, invoice_id};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct InvoicingQuery;

#[Object]
impl InvoicingQuery {
    /// A payer's billing periods, newest first (months with cost data or a state; at most 24).
    /// The partner's side only.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn billing_periods(&self, ctx: &Context<'_>, payer_id: ID) -> ApiResult<Vec<BillingPeriod>> {
        Ok(periods::list(&ctx.scope()?, PayerId::parse(&payer_id)?).await?.into_iter().map(BillingPeriod).collect())
    }

    async fn billing_period(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<BillingPeriod> {
        Ok(BillingPeriod(periods::get(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?))
    }

    /// Invoices and notes the caller may see, newest first: the partner's side sees every state;
    /// a customer's users see their own issued, paid and void documents.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        filter: Option<InvoiceFilterInput>,
        #[graphql(default = 50, validator(minimum = 1, maximum = 200))] limit: u64,
        #[graphql(default = 0)] offset: u64,
    ) -> ApiResult<Vec<Invoice>> {
        let filter = filter.unwrap_or_default().into_filter()?;
        Ok(invoices::list(&ctx.scope()?, filter, limit, offset).await?.into_iter().map(Invoice).collect())
    }

    /// One document with its lines.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Invoice> {
        Ok(Invoice(invoices::get(&ctx.scope()?, invoice_id(&id)?).await?))
    }

    /// A document as PDF (in its language, fonts embedded) or CSV (every line, formula-safe).
    async fn invoice_document(&self, ctx: &Context<'_>, id: ID, format: DocumentFormat) -> ApiResult<DocumentDownload> {
        let scope = ctx.scope()?;
        let id = invoice_id(&id)?;
        let (file_name, bytes, content_type) = match format {
            DocumentFormat::Pdf => {
                let (name, bytes) = invoices::pdf(&scope, id, &ctx.app()?.config.pdf_font_dirs).await?;
                (name, bytes, "application/pdf")
            }
            DocumentFormat::Csv => {
                let invoice = invoices::get(&scope, id).await?;
                (documents::file_name(&invoice, "csv"), documents::csv(&invoice)?.into_bytes(), "text/csv; charset=utf-8")
            }
        };
        Ok(DocumentDownload {
            file_name,
            content_type: content_type.to_owned(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// The exchange rates an issuing tenant entered.
    #[graphql(complexity = "crate::graphql::limits::list_cost(child_complexity)")]
    async fn exchange_rates(&self, ctx: &Context<'_>, tenant_id: ID) -> ApiResult<Vec<ExchangeRate>> {
        Ok(rates::list(&ctx.scope()?, TenantId::parse(&tenant_id)?).await?.into_iter().map(ExchangeRate).collect())
    }
}
