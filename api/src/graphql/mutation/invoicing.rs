use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;

use crate::domain::invoicing::invoices::{self, NoteLine};
use crate::domain::invoicing::{periods, rates};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::invoicing::{BillingPeriod, CreateInvoiceNoteInput, DraftInvoicesResult, ExchangeRate, Invoice, SetExchangeRateInput, invoice_id};
use crate::ids::{PayerId, TenantId};

#[derive(Default)]
pub struct InvoicingMutation;

#[Object]
impl InvoicingMutation {
    /// Closes a payer's billing period (admins): every billing group is priced and frozen, and the
    /// snapshot's hash goes into the audit trail. Only a month that has ended.
    async fn close_billing_period(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<BillingPeriod> {
        Ok(BillingPeriod(periods::close(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?))
    }

    /// Reopens a closed period (admins) while none of its documents is issued.
    async fn reopen_billing_period(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<BillingPeriod> {
        Ok(BillingPeriod(periods::reopen(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?))
    }

    /// Drafts the invoices of a closed period (operators): one per customer with a contract
    /// covering the payer that month; existing drafts are drafted again.
    async fn draft_invoices(&self, ctx: &Context<'_>, payer_id: ID, billing_period: String) -> ApiResult<DraftInvoicesResult> {
        Ok(invoices::draft(&ctx.scope()?, PayerId::parse(&payer_id)?, &billing_period).await?.into())
    }

    /// Issues a draft (admins): numbered, dated, hashed, mailed and announced; immutable after.
    async fn issue_invoice(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Invoice> {
        Ok(Invoice(invoices::issue(&ctx.scope()?, invoice_id(&id)?, &ctx.app()?.config.pdf_font_dirs).await?))
    }

    /// Records the payment of an issued document (admins).
    async fn mark_invoice_paid(&self, ctx: &Context<'_>, id: ID, payment_date: NaiveDate, payment_reference: String) -> ApiResult<Invoice> {
        Ok(Invoice(invoices::mark_paid(&ctx.scope()?, invoice_id(&id)?, payment_date, &payment_reference).await?))
    }

    /// Voids an issued, unpaid document (admins); it keeps its number.
    async fn void_invoice(&self, ctx: &Context<'_>, id: ID, reason: String) -> ApiResult<Invoice> {
        Ok(Invoice(invoices::void(&ctx.scope()?, invoice_id(&id)?, &reason).await?))
    }

    /// Deletes a draft (operators).
    async fn delete_invoice_draft(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        Ok(ID(invoices::delete_draft(&ctx.scope()?, invoice_id(&id)?).await?.to_string()))
    }

    /// Turns a pending adjustment into a draft credit note (the charge went down) or debit note
    /// (it went up) on the customer's issued invoice (operators).
    async fn create_note_from_adjustment(&self, ctx: &Context<'_>, adjustment_id: ID, reason: Option<String>) -> ApiResult<Invoice> {
        let id = adjustment_id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound("adjustment"))?;
        Ok(Invoice(invoices::note_from_adjustment(&ctx.scope()?, id, reason.as_deref()).await?))
    }

    /// Drafts a credit or debit note with lines typed by hand (operators).
    async fn create_invoice_note(&self, ctx: &Context<'_>, input: CreateInvoiceNoteInput) -> ApiResult<Invoice> {
        let lines = input.lines.into_iter().map(|l| NoteLine { description: l.description, amount: l.amount }).collect();
        Ok(Invoice(invoices::create_note(&ctx.scope()?, invoice_id(&input.invoice_id)?, input.kind.into(), &input.reason, lines).await?))
    }

    /// Enters the exchange rate an issuing tenant bills a period with (its admins).
    async fn set_exchange_rate(&self, ctx: &Context<'_>, input: SetExchangeRateInput) -> ApiResult<ExchangeRate> {
        let tenant = TenantId::parse(&input.tenant_id)?;
        Ok(ExchangeRate(rates::set(&ctx.scope()?, tenant, &input.billing_period, &input.from_currency, &input.to_currency, input.rate).await?))
    }
}
