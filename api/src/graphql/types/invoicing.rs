//! Billing periods, invoices and notes, exchange rates.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::domain::invoicing::invoices::{Invoice as DomainInvoice, Line, Party as DomainParty};
use crate::domain::invoicing::periods::PeriodView;
use crate::domain::invoicing::rates::ExchangeRate as DomainRate;
use crate::domain::invoicing::invoices as domain_invoices;
use crate::error::AppError;
use crate::graphql::error::ApiResult;

/// Whether a billing period's numbers still move.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::billing_periods::PeriodStatus")]
pub enum BillingPeriodStatus {
    /// Computed live from the data and the configuration in force.
    Open,
    /// Frozen at close; later data becomes a pending adjustment.
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::invoices::DocumentKind")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
    DebitNote,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::invoices::InvoiceStatus")]
pub enum InvoiceStatus {
    /// No number yet; may be drafted again or deleted.
    Draft,
    /// Numbered and immutable.
    Issued,
    Paid,
    /// Cancelled; keeps its number.
    Void,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::invoice_lines::LineKind")]
pub enum InvoiceLineKind {
    Usage,
    Fee,
    Credit,
    Adjustment,
}

/// A billing group's frozen numbers for a closed period (the partner's view: cost and margin).
#[derive(SimpleObject)]
pub struct PeriodGroupSnapshot {
    pub billing_group_id: ID,
    pub group_name: String,
    pub customer_tenant_id: Option<ID>,
    pub source: String,
    pub currency: String,
    pub aws_cost: Decimal,
    pub proforma_cost: Decimal,
    pub margin: Decimal,
    /// SHA-256 of the cost rows priced.
    pub rows_hash: String,
    /// SHA-256 of the whole snapshot, as recorded in the audit trail at close.
    pub content_hash: String,
}

/// One line of an adjustment: how much one account's use of one service moved.
#[derive(SimpleObject)]
pub struct AdjustmentLine {
    pub account_id: String,
    pub service_code: String,
    pub description: String,
    pub aws_cost_delta: Decimal,
    pub proforma_delta: Decimal,
}

/// What data that arrived after close would change for one billing group.
#[derive(SimpleObject)]
pub struct PeriodAdjustment {
    pub id: ID,
    pub billing_group_id: ID,
    pub currency: String,
    pub aws_cost_delta: Decimal,
    /// Negative: the customer was charged too much (a credit note); positive: too little.
    pub proforma_delta: Decimal,
    pub computed_at: DateTime<Utc>,
    pub lines: Vec<AdjustmentLine>,
}

/// One payer's billing period.
pub struct BillingPeriod(pub PeriodView);

#[Object]
impl BillingPeriod {
    async fn payer_id(&self) -> ID {
        ID(self.0.payer_id.to_string())
    }
    /// `YYYY-MM`.
    async fn billing_period(&self) -> &str {
        &self.0.billing_period
    }
    async fn status(&self) -> BillingPeriodStatus {
        self.0.status.into()
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Who closed it: an email, or `system` when it closed on its own.
    async fn closed_by(&self) -> Option<&str> {
        self.0.closed_by.as_deref()
    }
    /// SHA-256 over the groups' snapshot hashes, as recorded in the audit trail at close.
    async fn snapshot_hash(&self) -> Option<&str> {
        self.0.snapshot_hash.as_deref()
    }
    /// The frozen numbers per billing group (closed periods).
    async fn groups(&self) -> Vec<PeriodGroupSnapshot> {
        self.0
            .snapshots
            .iter()
            .map(|s| PeriodGroupSnapshot {
                billing_group_id: ID(s.billing_group_id.to_string()),
                group_name: s.group_name.clone(),
                customer_tenant_id: s.customer_tenant_id.map(|c| ID(c.to_string())),
                source: s.source.clone(),
                currency: s.currency.clone(),
                aws_cost: s.aws_cost,
                proforma_cost: s.proforma_cost,
                margin: s.margin,
                rows_hash: s.rows_hash.clone(),
                content_hash: s.content_hash.clone(),
            })
            .collect()
    }
    async fn pending_adjustments(&self) -> Vec<PeriodAdjustment> {
        let mut out = Vec::new();
        for a in &self.0.pending_adjustments {
            let lines = &a.lines;
            let mut rows: Vec<AdjustmentLine> = lines
                .usage
                .iter()
                .map(|l| AdjustmentLine {
                    account_id: l.account_id.clone(),
                    service_code: l.service_code.clone(),
                    description: l.service_name.clone(),
                    aws_cost_delta: l.aws_cost,
                    proforma_delta: l.proforma_cost,
                })
                .collect();
            rows.extend(lines.items.iter().map(|i| AdjustmentLine {
                account_id: i.account_id.clone(),
                service_code: String::new(),
                description: i.name.clone(),
                aws_cost_delta: Decimal::ZERO,
                proforma_delta: i.amount,
            }));
            out.push(PeriodAdjustment {
                id: ID(a.id.to_string()),
                billing_group_id: ID(a.billing_group_id.to_string()),
                currency: a.currency.clone(),
                aws_cost_delta: a.aws_cost_delta,
                proforma_delta: a.proforma_delta,
                computed_at: a.computed_at,
                lines: rows,
            });
        }
        out
    }
    /// Invoices and notes of the period, any state.
    async fn invoice_count(&self) -> u64 {
        self.0.invoice_count
    }
}

/// A party to a document as it was when the document was drafted.
#[derive(SimpleObject)]
pub struct Party {
    pub name: String,
    /// Postal address, one line per line.
    pub address: String,
    pub tax_id: String,
    pub email: Option<String>,
}

impl From<&DomainParty> for Party {
    fn from(p: &DomainParty) -> Self {
        Self { name: p.name.clone(), address: p.address.clone(), tax_id: p.tax_id.clone(), email: p.email.clone() }
    }
}

#[derive(SimpleObject)]
pub struct InvoiceLine {
    pub position: i32,
    pub kind: InvoiceLineKind,
    pub billing_group_id: Option<ID>,
    pub group_name: String,
    /// Empty when the line is not one account's.
    pub account_id: String,
    pub service_code: String,
    pub description: String,
    /// In the source currency (what the pro-forma engine computed), exact.
    pub source_amount: Decimal,
    /// In the document's currency, rounded to its minor unit; with the tax when tax is inclusive.
    pub amount: Decimal,
    pub tax: Decimal,
}

impl From<&Line> for InvoiceLine {
    fn from(l: &Line) -> Self {
        Self {
            position: l.position,
            kind: l.kind.into(),
            billing_group_id: l.billing_group_id.map(|g| ID(g.to_string())),
            group_name: l.group_name.clone(),
            account_id: l.account_id.clone(),
            service_code: l.service_code.clone(),
            description: l.description.clone(),
            source_amount: l.source_amount,
            amount: l.amount,
            tax: l.tax,
        }
    }
}

/// An invoice, credit note or debit note.
pub struct Invoice(pub DomainInvoice);

#[Object]
impl Invoice {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> DocumentKind {
        self.0.kind.into()
    }
    async fn status(&self) -> InvoiceStatus {
        self.0.status.into()
    }
    /// Given at issue, e.g. `ACME-2026-000042`; null on a draft.
    async fn number(&self) -> Option<&str> {
        self.0.number.as_deref()
    }
    async fn issuer_tenant_id(&self) -> ID {
        ID(self.0.issuer_tenant_id.to_string())
    }
    async fn customer_tenant_id(&self) -> ID {
        ID(self.0.customer_tenant_id.to_string())
    }
    async fn contract_id(&self) -> ID {
        ID(self.0.contract_id.to_string())
    }
    async fn payer_id(&self) -> ID {
        ID(self.0.payer_id.to_string())
    }
    async fn billing_period(&self) -> &str {
        &self.0.billing_period
    }
    /// The invoice a note refers to.
    async fn invoice_id(&self) -> Option<ID> {
        self.0.invoice_id.map(|i| ID(i.to_string()))
    }
    /// The adjustment a note was made from.
    async fn adjustment_id(&self) -> Option<ID> {
        self.0.adjustment_id.map(|i| ID(i.to_string()))
    }
    /// `en` or `zh-CN`.
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn source_currency(&self) -> &str {
        &self.0.source_currency
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Units of `currency` per unit of `sourceCurrency`, frozen when drafted.
    async fn exchange_rate(&self) -> Decimal {
        self.0.exchange_rate
    }
    /// Percent.
    async fn tax_rate(&self) -> Decimal {
        self.0.tax_rate
    }
    async fn tax_inclusive(&self) -> bool {
        self.0.tax_inclusive
    }
    /// The lines before tax.
    async fn subtotal(&self) -> Decimal {
        self.0.subtotal
    }
    async fn tax(&self) -> Decimal {
        self.0.tax
    }
    async fn total(&self) -> Decimal {
        self.0.total
    }
    async fn payment_terms_days(&self) -> i32 {
        self.0.payment_terms_days
    }
    async fn issue_date(&self) -> Option<NaiveDate> {
        self.0.issue_date
    }
    async fn due_date(&self) -> Option<NaiveDate> {
        self.0.due_date
    }
    async fn issued_at(&self) -> Option<DateTime<Utc>> {
        self.0.issued_at
    }
    async fn issued_by(&self) -> Option<&str> {
        if self.0.partner_view { self.0.issued_by.as_deref() } else { None }
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    async fn payment_date(&self) -> Option<NaiveDate> {
        self.0.payment_date
    }
    async fn payment_reference(&self) -> Option<&str> {
        self.0.payment_reference.as_deref()
    }
    async fn voided_at(&self) -> Option<DateTime<Utc>> {
        self.0.voided_at
    }
    async fn void_reason(&self) -> Option<&str> {
        self.0.void_reason.as_deref()
    }
    /// Why a note was made.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// SHA-256 of the issued document, as recorded in the audit trail at issue.
    async fn content_hash(&self) -> Option<&str> {
        self.0.content_hash.as_deref()
    }
    async fn issuer(&self) -> Party {
        (&self.0.issuer).into()
    }
    async fn customer(&self) -> Party {
        (&self.0.customer).into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The lines (on `invoice(id)`; empty in lists, which carry totals only).
    async fn lines(&self) -> Vec<InvoiceLine> {
        self.0.lines.iter().map(InvoiceLine::from).collect()
    }
    /// Whether the caller sees this document from the partner's side (and may act on it).
    async fn partner_view(&self) -> bool {
        self.0.partner_view
    }
}

#[derive(SimpleObject)]
pub struct DraftInvoicesResult {
    pub drafted: Vec<Invoice>,
    /// Customers left without a draft, each with the reason.
    pub skipped: Vec<String>,
}

impl From<domain_invoices::DraftOutcome> for DraftInvoicesResult {
    fn from(o: domain_invoices::DraftOutcome) -> Self {
        Self { drafted: o.drafted.into_iter().map(Invoice).collect(), skipped: o.skipped }
    }
}

#[derive(InputObject, Default)]
pub struct InvoiceFilterInput {
    pub payer_id: Option<ID>,
    pub customer_tenant_id: Option<ID>,
    /// `YYYY-MM`.
    pub billing_period: Option<String>,
    pub status: Option<InvoiceStatus>,
    pub kind: Option<DocumentKind>,
}

impl InvoiceFilterInput {
    pub fn into_filter(self) -> ApiResult<domain_invoices::InvoiceFilter> {
        let id = |field: &str, v: Option<ID>| -> ApiResult<Option<uuid::Uuid>> {
            Ok(v.map(|v| v.parse::<uuid::Uuid>().map_err(|_| AppError::invalid(field, "is not an id"))).transpose()?)
        };
        Ok(domain_invoices::InvoiceFilter {
            payer_id: id("payerId", self.payer_id)?,
            customer_tenant_id: id("customerTenantId", self.customer_tenant_id)?,
            billing_period: self.billing_period,
            status: self.status.map(Into::into),
            kind: self.kind.map(Into::into),
        })
    }
}

#[derive(InputObject)]
pub struct NoteLineInput {
    pub description: String,
    /// Positive, in the invoice's currency (before tax when tax is added, with it when included).
    pub amount: Decimal,
}

#[derive(InputObject)]
pub struct CreateInvoiceNoteInput {
    /// An issued invoice.
    pub invoice_id: ID,
    /// CREDIT_NOTE or DEBIT_NOTE.
    pub kind: DocumentKind,
    pub reason: String,
    pub lines: Vec<NoteLineInput>,
}

#[derive(InputObject)]
pub struct SetExchangeRateInput {
    /// The tenant that issues the invoices (a partner tenant).
    pub tenant_id: ID,
    /// `YYYY-MM`.
    pub billing_period: String,
    pub from_currency: String,
    pub to_currency: String,
    /// Units of `toCurrency` per unit of `fromCurrency`.
    pub rate: Decimal,
}

pub struct ExchangeRate(pub DomainRate);

#[Object]
impl ExchangeRate {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn tenant_id(&self) -> ID {
        ID(self.0.tenant_id.to_string())
    }
    async fn billing_period(&self) -> &str {
        &self.0.billing_period
    }
    async fn from_currency(&self) -> &str {
        &self.0.from_currency
    }
    async fn to_currency(&self) -> &str {
        &self.0.to_currency
    }
    async fn rate(&self) -> Decimal {
        self.0.rate
    }
    async fn entered_by(&self) -> &str {
        &self.0.entered_by
    }
    async fn entered_at(&self) -> DateTime<Utc> {
        self.0.entered_at
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DocumentFormat {
    Pdf,
    Csv,
}

/// A file to save: its name, type and bytes (base64).
#[derive(SimpleObject)]
pub struct DocumentDownload {
    pub file_name: String,
    pub content_type: String,
    pub content_base64: String,
}

/// An id of a document from request input; anything malformed is simply not found.
pub fn invoice_id(id: &ID) -> ApiResult<uuid::Uuid> {
    Ok(id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound("invoice"))?)
}
