//! Invoices, credit notes and debit notes: one lifecycle, DRAFT → ISSUED → PAID or VOID.
//!
//! - Drafted (operators) from a closed period's snapshots: one invoice per customer tenant with a
//!   contract covering the payer in that month; lines per billing group, account and service, and
//!   the custom line items. Amounts are converted with the exchange rate entered for the period
//!   (frozen on the draft) and rounded per line to the currency's minor unit; tax per line.
//! - Issued (admins): the number is taken from the issuer's sequence in the issuing transaction
//!   (an `UPDATE` of its row: a row lock on PostgreSQL, the write lock on SQLite), so numbers are
//!   gapless and strictly increasing per issuing tenant and kind. The content hash of the issued
//!   document goes into the audit trail. From then on nothing about it changes but its state.
//! - A note references an issued invoice and carries its tax and currency.
//!
//! Who sees what: the partner side of the payer (viewers and up) sees every document, drafts
//! included; users of the customer tenant see their own issued, paid and void documents only.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use entity::invoice_lines::{self, LineKind};
use entity::invoices::{self, DocumentKind, InvoiceStatus};
use entity::period_adjustments::{self, AdjustmentStatus};
use entity::{contracts, document_sequences, exchange_rates, invoice_files, period_snapshots};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::periods::{self, SnapshotLines};
use super::{adjustments, audit, round_money, sha256_hex};
use crate::domain::billing::{billing_payer, checked_period};
use crate::domain::contracts::{Contract, ContractStatus};
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::money::{from_units, to_units};
use crate::notify::outbox::{self, CREDIT_NOTE_ISSUED, DEBIT_NOTE_ISSUED, INVOICE_ISSUED, INVOICE_PAID, INVOICE_VOIDED};
use crate::tenancy::{BilledCustomer, Issuer, PayerAccess, PayerRead, PayerTxn, Role, Scope, ScopedPayer};

/// The most lines one document holds (a group of 1,000 accounts using 60 services each).
pub const MAX_LINES: usize = 100_000;


/// A party to a document, as it was when the document was drafted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub name: String,
    pub address: String,
    pub tax_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One line of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub position: i32,
    pub kind: LineKind,
    pub billing_group_id: Option<Uuid>,
    pub group_name: String,
    pub account_id: String,
    pub service_code: String,
    pub description: String,
    /// In the source currency, exact.
    pub source_amount: Decimal,
    /// In the document's currency, rounded.
    pub amount: Decimal,
    pub tax: Decimal,
}

/// An invoice or note as the domain knows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub status: InvoiceStatus,
    pub number: Option<String>,
    pub issuer_tenant_id: Uuid,
    pub customer_tenant_id: Uuid,
    pub contract_id: Uuid,
    pub payer_id: Uuid,
    pub billing_period: String,
    pub invoice_id: Option<Uuid>,
    pub adjustment_id: Option<Uuid>,
    pub language: String,
    pub source_currency: String,
    pub currency: String,
    pub exchange_rate: Decimal,
    pub tax_rate: Decimal,
    pub tax_inclusive: bool,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub payment_terms_days: i32,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub issued_at: Option<chrono::DateTime<Utc>>,
    pub issued_by: Option<String>,
    pub paid_at: Option<chrono::DateTime<Utc>>,
    pub payment_date: Option<NaiveDate>,
    pub payment_reference: Option<String>,
    pub voided_at: Option<chrono::DateTime<Utc>>,
    pub void_reason: Option<String>,
    pub reason: Option<String>,
    /// The number of the invoice a note refers to.
    pub reference_number: Option<String>,
    pub content_hash: Option<String>,
    pub issuer: Party,
    pub customer: Party,
    pub created_at: chrono::DateTime<Utc>,
    pub lines: Vec<Line>,
    /// Whether the caller sees it from the partner's side (drafts, actions) or as the customer.
    #[serde(skip)]
    pub partner_view: bool,
}

fn party(json: &str, id: Uuid) -> AppResult<Party> {
    serde_json::from_str(json).map_err(|e| AppError::internal(anyhow::anyhow!("invoice {id} has an unreadable party: {e}")))
}

fn to_domain(m: invoices::Model, lines: Vec<invoice_lines::Model>, partner_view: bool) -> AppResult<Invoice> {
    Ok(Invoice {
        issuer: party(&m.issuer, m.id)?,
        customer: party(&m.customer, m.id)?,
        lines: lines
            .into_iter()
            .map(|l| Line {
                position: l.position,
                kind: l.kind,
                billing_group_id: l.billing_group_id,
                group_name: l.group_name,
                account_id: l.account_id,
                service_code: l.service_code,
                description: l.description,
                source_amount: from_units(l.source_amount).normalize(),
                amount: from_units(l.amount).normalize(),
                tax: from_units(l.tax).normalize(),
            })
            .collect(),
        id: m.id,
        kind: m.kind,
        status: m.status,
        number: m.number,
        issuer_tenant_id: m.issuer_tenant_id,
        customer_tenant_id: m.customer_tenant_id,
        contract_id: m.contract_id,
        payer_id: m.payer_id,
        billing_period: m.billing_period,
        invoice_id: m.invoice_id,
        adjustment_id: m.adjustment_id,
        language: m.language,
        source_currency: m.source_currency,
        currency: m.currency,
        exchange_rate: from_units(m.exchange_rate).normalize(),
        tax_rate: from_units(m.tax_rate).normalize(),
        tax_inclusive: m.tax_inclusive,
        subtotal: from_units(m.subtotal).normalize(),
        tax: from_units(m.tax).normalize(),
        total: from_units(m.total).normalize(),
        payment_terms_days: m.payment_terms_days,
        issue_date: m.issue_date,
        due_date: m.due_date,
        issued_at: m.issued_at,
        issued_by: m.issued_by,
        paid_at: m.paid_at,
        payment_date: m.payment_date,
        payment_reference: m.payment_reference,
        voided_at: m.voided_at,
        void_reason: m.void_reason,
        reason: m.reason,
        reference_number: None,
        content_hash: m.content_hash,
        created_at: m.created_at,
        partner_view,
    })
}

/// A line before conversion and tax.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub kind: LineKind,
    pub billing_group_id: Option<Uuid>,
    pub group_name: String,
    pub account_id: String,
    pub service_code: String,
    pub description: String,
    /// In the source currency.
    pub source_amount: Decimal,
}

/// A document's lines and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub lines: Vec<Line>,
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// Converts and taxes lines: each line is converted and rounded to the currency's minor unit,
/// its tax rounded on its own, and the totals are the sums of the rounded lines (so the document
/// adds up line by line). Inclusive tax: the line amount holds the tax, `tax = amount × r/(100+r)`.
pub fn price_lines(inputs: &[LineInput], rate: Decimal, tax_rate: Decimal, tax_inclusive: bool, currency: &str) -> Priced {
    let mut out = Priced { lines: Vec::with_capacity(inputs.len()), subtotal: Decimal::ZERO, tax: Decimal::ZERO, total: Decimal::ZERO };
    for (i, l) in inputs.iter().enumerate() {
        let amount = round_money(l.source_amount * rate, currency);
        let tax = if tax_inclusive {
            round_money(amount * tax_rate / (Decimal::ONE_HUNDRED + tax_rate), currency)
        } else {
            round_money(amount * tax_rate / Decimal::ONE_HUNDRED, currency)
        };
        let net = if tax_inclusive { amount - tax } else { amount };
        out.subtotal += net;
        out.tax += tax;
        out.total += net + tax;
        out.lines.push(Line {
            position: i32::try_from(i + 1).unwrap_or(i32::MAX),
            kind: l.kind,
            billing_group_id: l.billing_group_id,
            group_name: l.group_name.clone(),
            account_id: l.account_id.clone(),
            service_code: l.service_code.clone(),
            description: l.description.clone(),
            source_amount: l.source_amount.normalize(),
            amount: amount.normalize(),
            tax: tax.normalize(),
        });
    }
    out.subtotal = out.subtotal.normalize();
    out.tax = out.tax.normalize();
    out.total = out.total.normalize();
    out
}

/// A snapshot's lines as document lines: usage by account and service, then the items.
fn snapshot_inputs(s: &period_snapshots::Model, lines: &SnapshotLines, kind: Option<LineKind>) -> Vec<LineInput> {
    let mut out: Vec<LineInput> = lines
        .usage
        .iter()
        .filter(|l| !l.proforma_cost.is_zero())
        .map(|l| LineInput {
            kind: kind.unwrap_or(LineKind::Usage),
            billing_group_id: Some(s.billing_group_id),
            group_name: s.group_name.clone(),
            account_id: l.account_id.clone(),
            service_code: l.service_code.clone(),
            description: l.service_name.clone(),
            source_amount: l.proforma_cost,
        })
        .collect();
    out.extend(lines.items.iter().filter(|i| !i.amount.is_zero()).map(|i| LineInput {
        kind: kind.unwrap_or(if i.credit { LineKind::Credit } else { LineKind::Fee }),
        billing_group_id: Some(s.billing_group_id),
        group_name: s.group_name.clone(),
        account_id: i.account_id.clone(),
        service_code: String::new(),
        description: i.name.clone(),
        source_amount: i.amount,
    }));
    out
}

// ---------------------------------------------------------------------------------------------
// Visibility

/// How the caller sees a document: from the partner's side (the payer, checked on `need`), or as
/// its customer (`None`). Anything else is NOT_FOUND; a customer never sees drafts.
async fn side(scope: &Scope, m: &invoices::Model, need: Role) -> AppResult<Option<ScopedPayer>> {
    let refused = match billing_payer(scope, PayerId(m.payer_id), need).await {
        Ok(payer) => return Ok(Some(payer)),
        Err(e) => e,
    };
    // The partner's side with too small a role is told so; anyone else learns nothing more
    // than a customer may see.
    if need > Role::Viewer && billing_payer(scope, PayerId(m.payer_id), Role::Viewer).await.is_ok() {
        return Err(refused);
    }
    if !customer_sees(scope, m).await? {
        return Err(AppError::NotFound("invoice"));
    }
    if need > Role::Viewer {
        return Err(AppError::forbidden("invoices are issued and changed by the partner"));
    }
    Ok(None)
}

async fn customer_sees(scope: &Scope, m: &invoices::Model) -> AppResult<bool> {
    if m.status == InvoiceStatus::Draft {
        return Ok(false);
    }
    match scope.tenant(crate::ids::TenantId(m.customer_tenant_id), Role::Viewer).await {
        Ok(_) => Ok(true),
        Err(AppError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A document as the domain shows it: its lines, and for a note the number it refers to.
async fn load(txn: &PayerTxn, m: invoices::Model, partner: bool) -> AppResult<Invoice> {
    let lines = lines_of(txn, m.id).await?;
    let reference = match m.invoice_id {
        Some(parent) => txn.rows::<invoices::Entity>().filter(invoices::Column::Id.eq(parent)).one().await?.and_then(|p| p.number),
        None => None,
    };
    with_reference(to_domain(m, lines, partner)?, reference)
}

/// [`load`] for a reader: the lines and the referred number read through the caller's scope.
async fn load_seen(scope: &Scope, m: invoices::Model, partner: bool) -> AppResult<Invoice> {
    let lines = scope
        .part_rows::<invoice_lines::Entity>(Role::Viewer)
        .filter(invoice_lines::Column::InvoiceId.eq(m.id))
        .order_by_asc(invoice_lines::Column::Position)
        .all()
        .await?;
    let reference = match m.invoice_id {
        Some(parent) => scope.target_rows::<invoices::Entity>(Role::Viewer).filter(invoices::Column::Id.eq(parent)).one().await?.and_then(|p| p.number),
        None => None,
    };
    with_reference(to_domain(m, lines, partner)?, reference)
}

fn with_reference(mut invoice: Invoice, reference: Option<String>) -> AppResult<Invoice> {
    if reference.is_some() {
        invoice.reference_number = reference;
    }
    Ok(invoice)
}

async fn lines_of(payer: &impl PayerRead, id: Uuid) -> AppResult<Vec<invoice_lines::Model>> {
    payer.part_rows::<invoice_lines::Entity>().filter(invoice_lines::Column::InvoiceId.eq(id)).order_by_asc(invoice_lines::Column::Position).all().await
}

/// A document the caller sees, and the payer when the caller is on the partner's side.
async fn find_model(scope: &Scope, id: Uuid, need: Role) -> AppResult<(invoices::Model, Option<ScopedPayer>)> {
    // Among the documents of payers and customers the caller sees; `side` then checks the role.
    let m = scope.target_rows::<invoices::Entity>(Role::Viewer).filter(invoices::Column::Id.eq(id)).one().await?.ok_or(AppError::NotFound("invoice"))?;
    let partner = side(scope, &m, need).await?;
    Ok((m, partner))
}

/// A document the caller changes from the partner's side, holding `need` on its payer.
async fn for_change(scope: &Scope, id: Uuid, need: Role) -> AppResult<(invoices::Model, ScopedPayer)> {
    let (m, payer) = find_model(scope, id, need).await?;
    let payer = payer.ok_or_else(|| AppError::forbidden("invoices are issued and changed by the partner"))?;
    Ok((m, payer))
}

/// One document with its lines.
pub async fn get(scope: &Scope, id: Uuid) -> AppResult<Invoice> {
    let (m, partner) = find_model(scope, id, Role::Viewer).await?;
    load_seen(scope, m, partner.is_some()).await
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub payer_id: Option<Uuid>,
    pub customer_tenant_id: Option<Uuid>,
    pub billing_period: Option<String>,
    pub status: Option<InvoiceStatus>,
    pub kind: Option<DocumentKind>,
}

/// The documents the caller may see, newest first, without lines (at most `limit`, ≤ 200).
pub async fn list(scope: &Scope, filter: InvoiceFilter, limit: u64, offset: u64) -> AppResult<Vec<Invoice>> {
    let mut query = scope.target_rows::<invoices::Entity>(Role::Viewer);
    // A filter on something the caller cannot see is NOT_FOUND, like any other id of theirs.
    if let Some(p) = filter.payer_id {
        scope.payer(PayerId(p), Role::Viewer).await?;
        query = query.filter(invoices::Column::PayerId.eq(p));
    }
    if let Some(c) = filter.customer_tenant_id {
        scope.tenant(crate::ids::TenantId(c), Role::Viewer).await?;
        query = query.filter(invoices::Column::CustomerTenantId.eq(c));
    }
    if let Some(p) = &filter.billing_period {
        query = query.filter(invoices::Column::BillingPeriod.eq(checked_period("billingPeriod", p)?));
    }
    if let Some(s) = filter.status {
        query = query.filter(invoices::Column::Status.eq(s));
    }
    if let Some(k) = filter.kind {
        query = query.filter(invoices::Column::Kind.eq(k));
    }
    // Read one page more than asked, as documents the caller may not see (a customer's drafts)
    // are dropped below; the page stays bounded.
    let rows = query
        .order_by_desc(invoices::Column::CreatedAt)
        .order_by_desc(invoices::Column::Id)
        .offset(offset)
        .limit(Ord::min(limit, 200))
        .all()
        .await?;
    let mut partner_side: HashMap<Uuid, bool> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let partner = match partner_side.get(&m.payer_id) {
            Some(p) => *p,
            None => {
                let p = billing_payer(scope, PayerId(m.payer_id), Role::Viewer).await.is_ok();
                partner_side.insert(m.payer_id, p);
                p
            }
        };
        if partner || (m.status != InvoiceStatus::Draft && customer_sees(scope, &m).await?) {
            out.push(to_domain(m, Vec::new(), partner)?);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Drafting

/// What drafting a period did.
#[derive(Debug, Default)]
pub struct DraftOutcome {
    pub drafted: Vec<Invoice>,
    /// Customers (or groups) left without a draft, each with the reason.
    pub skipped: Vec<String>,
}

/// The contract of a customer covering the payer in the month, the one that started last.
async fn contract_for(customer: &BilledCustomer<'_>, period: &str) -> AppResult<Option<Contract>> {
    let first = NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d").map_err(|_| AppError::invalid("billingPeriod", "must be YYYY-MM"))?;
    let last = crate::domain::billing::next_period(period);
    let last = NaiveDate::parse_from_str(&format!("{last}-01"), "%Y-%m-%d").map_err(AppError::internal)? - Duration::days(1);
    let rows = customer.rows::<contracts::Entity>().order_by_desc(contracts::Column::StartDate).all().await?;
    for row in rows {
        let c = Contract::try_from(row)?;
        let covers = c.payer_ids.iter().any(|p| p.0 == customer.payer_id());
        let overlaps = c.status_on(last) != ContractStatus::Pending && c.end_date.is_none_or(|e| e >= first);
        if covers && overlaps {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The rate to convert `from` into `to` for the issuer's period: 1 for the same currency, else
/// what an admin entered.
async fn rate_for(issuer: &Issuer<'_>, period: &str, from: &str, to: &str) -> AppResult<Option<Decimal>> {
    if from == to {
        return Ok(Some(Decimal::ONE));
    }
    Ok(issuer
        .rows::<exchange_rates::Entity>()
        .filter(exchange_rates::Column::BillingPeriod.eq(period))
        .filter(exchange_rates::Column::FromCurrency.eq(from))
        .filter(exchange_rates::Column::ToCurrency.eq(to))
        .one()
        .await?
        .map(|r| from_units(r.rate)))
}

async fn parties<'t>(customer: &BilledCustomer<'t>, contract: &Contract) -> AppResult<(Issuer<'t>, Party, Party)> {
    let issuer = customer.issuer().await?;
    let i = issuer.tenant();
    let issuer_party = Party { name: i.name.clone(), address: i.billing_address.clone(), tax_id: i.tax_id.clone(), email: None };
    let c = customer.tenant();
    let customer_party = Party { name: c.name.clone(), address: c.billing_address.clone(), tax_id: c.tax_id.clone(), email: Some(contract.billing_email.clone()) };
    Ok((issuer, issuer_party, customer_party))
}

/// A new document and its lines, written in the payer's transaction.
struct NewDocument<'a> {
    kind: DocumentKind,
    issuer_id: Uuid,
    customer_id: Uuid,
    contract: &'a Contract,
    period: &'a str,
    invoice_id: Option<Uuid>,
    adjustment_id: Option<Uuid>,
    source_currency: &'a str,
    rate: Decimal,
    parties: (Party, Party),
    priced: Priced,
    reason: Option<String>,
    by: &'a str,
}

async fn insert_document(txn: &PayerTxn, d: NewDocument<'_>) -> AppResult<invoices::Model> {
    if d.priced.lines.len() > MAX_LINES {
        return Err(AppError::invalid("billingPeriod", format!("{} lines; a document holds at most {MAX_LINES}", d.priced.lines.len())));
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let json = |p: &Party| serde_json::to_string(p).map_err(AppError::internal);
    let row = invoices::ActiveModel {
        id: Set(id),
        kind: Set(d.kind),
        issuer_tenant_id: Set(d.issuer_id),
        customer_tenant_id: Set(d.customer_id),
        contract_id: Set(d.contract.id),
        payer_id: Set(txn.payer_id()),
        billing_period: Set(d.period.to_owned()),
        invoice_id: Set(d.invoice_id),
        adjustment_id: Set(d.adjustment_id),
        status: Set(InvoiceStatus::Draft),
        number: Set(None),
        sequence: Set(None),
        language: Set(d.contract.language.clone()),
        source_currency: Set(d.source_currency.to_owned()),
        currency: Set(d.contract.currency.clone()),
        exchange_rate: Set(to_units(d.rate)?),
        tax_rate: Set(to_units(d.contract.tax_rate)?),
        tax_inclusive: Set(d.contract.tax_inclusive),
        subtotal: Set(to_units(d.priced.subtotal)?),
        tax: Set(to_units(d.priced.tax)?),
        total: Set(to_units(d.priced.total)?),
        payment_terms_days: Set(d.contract.payment_terms_days),
        issue_date: Set(None),
        due_date: Set(None),
        issued_at: Set(None),
        issued_by: Set(None),
        paid_at: Set(None),
        payment_date: Set(None),
        payment_reference: Set(None),
        voided_at: Set(None),
        void_reason: Set(None),
        reason: Set(d.reason),
        content_hash: Set(None),
        issuer: Set(json(&d.parties.0)?),
        customer: Set(json(&d.parties.1)?),
        created_by: Set(d.by.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let m = txn.insert(row).await?;
    let mut batch = Vec::with_capacity(d.priced.lines.len().min(500));
    for l in d.priced.lines {
        batch.push(invoice_lines::ActiveModel {
            id: Set(Uuid::now_v7()),
            invoice_id: Set(id),
            position: Set(l.position),
            kind: Set(l.kind),
            billing_group_id: Set(l.billing_group_id),
            group_name: Set(l.group_name),
            account_id: Set(l.account_id),
            service_code: Set(l.service_code),
            description: Set(l.description),
            source_amount: Set(to_units(l.source_amount)?),
            amount: Set(to_units(l.amount)?),
            tax: Set(to_units(l.tax)?),
        });
        if batch.len() == 500 {
            txn.insert_parts(std::mem::take(&mut batch)).await?;
        }
    }
    txn.insert_parts(batch).await?;
    Ok(m)
}

/// Drafts the invoices of a closed period (operators): one per customer with a contract covering
/// the payer that month. An existing draft is drafted again; an issued invoice is left alone.
pub async fn draft(scope: &Scope, payer: PayerId, period: &str) -> AppResult<DraftOutcome> {
    let payer = billing_payer(scope, payer, Role::Operator).await?;
    let period = checked_period("billingPeriod", period)?;
    // Read in the transaction that holds the payer's lock (a close or reopen waits for it).
    let txn = super::begin_payer_write(&payer).await?;
    if !periods::is_closed(&txn, &period).await? {
        return Err(AppError::invalid("billingPeriod", format!("billing period {period} is open; an admin closes it before invoices are drafted")));
    }
    let snapshots = periods::snapshots(&txn, &period).await?;
    let mut by_customer: std::collections::BTreeMap<Uuid, Vec<period_snapshots::Model>> = std::collections::BTreeMap::new();
    let mut out = DraftOutcome::default();
    for s in snapshots {
        match s.customer_tenant_id {
            Some(c) => by_customer.entry(c).or_default().push(s),
            None if s.proforma_cost != 0 => out.skipped.push(format!("billing group {} has no customer", s.group_name)),
            None => {}
        }
    }
    for (customer_id, snapshots) in by_customer {
        let customer = match txn.billed_customer(customer_id).await {
            Ok(customer) => customer,
            // A customer tenant deleted since the close has nobody to invoice.
            Err(AppError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        let name = customer.tenant().name.clone();
        let Some(contract) = contract_for(&customer, &period).await? else {
            out.skipped.push(format!("{name}: no contract covers this payer in {period}"));
            continue;
        };
        let existing = txn
            .rows::<invoices::Entity>()
            .filter(invoices::Column::Kind.eq(DocumentKind::Invoice))
            .filter(invoices::Column::CustomerTenantId.eq(customer_id))
            .filter(invoices::Column::BillingPeriod.eq(period.as_str()))
            .filter(invoices::Column::Status.ne(InvoiceStatus::Void))
            .all()
            .await?;
        if let Some(issued) = existing.iter().find(|e| e.status != InvoiceStatus::Draft) {
            out.skipped.push(format!("{name}: already issued as {}", issued.number.clone().unwrap_or_default()));
            continue;
        }
        for e in existing {
            txn.delete::<invoices::Entity>().filter(invoices::Column::Id.eq(e.id)).exec().await?;
        }
        let (issuer, issuer_party, customer_party) = parties(&customer, &contract).await?;
        let source_currency = snapshots.first().map_or("USD", |s| s.currency.as_str()).to_owned();
        if snapshots.iter().any(|s| s.currency != source_currency) {
            out.skipped.push(format!("{name}: its billing groups are in different currencies"));
            continue;
        }
        let Some(rate) = rate_for(&issuer, &period, &source_currency, &contract.currency).await? else {
            out.skipped.push(format!("{name}: no {source_currency}→{} exchange rate for {period}; an admin enters it first", contract.currency));
            continue;
        };
        let mut inputs = Vec::new();
        for s in &snapshots {
            inputs.extend(snapshot_inputs(s, &periods::snapshot_lines(s)?, None));
        }
        if inputs.is_empty() {
            out.skipped.push(format!("{name}: nothing to bill for {period}"));
            continue;
        }
        let priced = price_lines(&inputs, rate, contract.tax_rate, contract.tax_inclusive, &contract.currency);
        let m = insert_document(
            &txn,
            NewDocument {
                kind: DocumentKind::Invoice,
                issuer_id: issuer.tenant().id,
                customer_id,
                contract: &contract,
                period: &period,
                invoice_id: None,
                adjustment_id: None,
                source_currency: &source_currency,
                rate,
                parties: (issuer_party, customer_party),
                priced,
                reason: None,
                by: &scope.principal().email,
            },
        )
        .await?;
        let lines = lines_of(&txn, m.id).await?;
        out.drafted.push(to_domain(m, lines, true)?);
    }
    txn.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Issuing, paying, voiding

/// Takes the issuer's next number of a kind, in the payer's transaction: the update locks the
/// issuer's sequence row until the transaction ends, so concurrent issues take turns.
async fn next_sequence(issuer: &Issuer<'_>, kind: DocumentKind) -> AppResult<i64> {
    issuer.insert_unless_present(document_sequences::ActiveModel { tenant_id: Set(issuer.tenant().id), kind: Set(kind), last_value: Set(0) }).await?;
    let taken = issuer
        .update_rows::<document_sequences::Entity>()
        .col_expr(document_sequences::Column::LastValue, Expr::col(document_sequences::Column::LastValue).add(1))
        .filter(document_sequences::Column::Kind.eq(kind))
        .exec()
        .await?;
    let row = issuer.rows::<document_sequences::Entity>().filter(document_sequences::Column::Kind.eq(kind)).one().await?;
    match row {
        Some(row) if taken == 1 => Ok(row.last_value),
        _ => Err(AppError::internal(anyhow::anyhow!("no document sequence row for {kind:?}"))),
    }
}

/// `ACME-2026-000042`, `ACME-CN-2026-000007`, `ACME-DN-2026-000001`.
pub fn document_number(prefix: &str, kind: DocumentKind, year: i32, sequence: i64) -> String {
    match kind {
        DocumentKind::Invoice => format!("{prefix}-{year}-{sequence:06}"),
        DocumentKind::CreditNote => format!("{prefix}-CN-{year}-{sequence:06}"),
        DocumentKind::DebitNote => format!("{prefix}-DN-{year}-{sequence:06}"),
    }
}

/// The hash of an issued document: SHA-256 of its canonical JSON (every field and line).
pub fn content_hash(invoice: &Invoice) -> AppResult<String> {
    let mut value = serde_json::to_value(invoice).map_err(AppError::internal)?;
    // The hash covers what was issued; the states that follow (paid, void) are not part of it.
    if let Some(map) = value.as_object_mut() {
        for key in ["status", "paidAt", "paymentDate", "paymentReference", "voidedAt", "voidReason", "contentHash"] {
            map.remove(key);
        }
    }
    Ok(sha256_hex(value.to_string().as_bytes()))
}

/// Issues a draft (admins): numbers it, dates it, hashes it, renders and keeps its PDF, and
/// announces it.
pub async fn issue(scope: &Scope, id: Uuid, font_dirs: &str) -> AppResult<Invoice> {
    let (m, payer) = for_change(scope, id, Role::Admin).await?;
    let txn = super::begin_payer_write(&payer).await?;
    let now = Utc::now();
    let claimed = txn
        .update_rows::<invoices::Entity>()
        .col_expr(invoices::Column::Status, Expr::value(InvoiceStatus::Issued))
        .col_expr(invoices::Column::UpdatedAt, Expr::value(now))
        .filter(invoices::Column::Id.eq(id))
        .filter(invoices::Column::Status.eq(InvoiceStatus::Draft))
        .exec()
        .await?;
    if claimed != 1 {
        return Err(AppError::Conflict("only a draft can be issued; an issued document never changes".into()));
    }
    if let Some(parent) = m.invoice_id {
        let referenced = txn.rows::<invoices::Entity>().filter(invoices::Column::Id.eq(parent)).one().await?;
        if !referenced.is_some_and(|r| matches!(r.status, InvoiceStatus::Issued | InvoiceStatus::Paid)) {
            return Err(AppError::Conflict("the invoice this note refers to is no longer issued".into()));
        }
    }
    let customer = txn.billed_customer(m.customer_tenant_id).await?;
    let contract = customer
        .rows::<contracts::Entity>()
        .filter(contracts::Column::Id.eq(m.contract_id))
        .one()
        .await?
        .ok_or_else(|| AppError::Conflict("the contract of this draft no longer exists".into()))?;
    let issuer = issuer_of(&customer, &m).await?;
    let sequence = next_sequence(&issuer, m.kind).await?;
    let today = now.date_naive();
    let number = document_number(&contract.invoice_prefix, m.kind, chrono::Datelike::year(&today), sequence);
    let mut am: invoices::ActiveModel = m.clone().into();
    am.status = Set(InvoiceStatus::Issued);
    am.number = Set(Some(number.clone()));
    am.sequence = Set(Some(sequence));
    am.issue_date = Set(Some(today));
    am.due_date = Set(Some(today + Duration::days(i64::from(m.payment_terms_days))));
    am.issued_at = Set(Some(now));
    am.issued_by = Set(Some(scope.principal().email.clone()));
    let issued = txn.update(am).await?;
    let mut invoice = load(&txn, issued.clone(), true).await?;
    let hash = content_hash(&invoice)?;
    let mut am: invoices::ActiveModel = issued.into();
    am.content_hash = Set(Some(hash.clone()));
    txn.update(am).await?;
    invoice.content_hash = Some(hash.clone());
    let pdf = super::documents::pdf(&invoice, font_dirs).await?;
    let pdf_hash = sha256_hex(&pdf);
    txn.insert_part(invoice_files::ActiveModel {
        invoice_id: Set(id),
        file_name: Set(super::documents::file_name(&invoice, "pdf")),
        content_type: Set("application/pdf".to_owned()),
        content: Set(pdf),
        sha256: Set(pdf_hash.clone()),
        created_at: Set(now),
    })
    .await?;
    let event_type = match m.kind {
        DocumentKind::Invoice => INVOICE_ISSUED,
        DocumentKind::CreditNote => CREDIT_NOTE_ISSUED,
        DocumentKind::DebitNote => DEBIT_NOTE_ISSUED,
    };
    announce(&customer, event_type, &invoice).await?;
    audit(&txn, "InvoiceIssued", Some(m.issuer_tenant_id), json!({ "invoiceId": id, "number": number, "contentHash": hash, "pdfSha256": pdf_hash, "total": invoice.total.to_string(), "currency": invoice.currency })).await?;
    txn.commit().await?;
    Ok(invoice)
}

/// An outbox event about a document, filed under its customer: what the mail and the webhook
/// carry. Amounts are text (exact decimals).
async fn announce(customer: &BilledCustomer<'_>, event_type: &'static str, invoice: &Invoice) -> AppResult<()> {
    let data = json!({
        "invoiceId": invoice.id,
        "kind": sea_orm::ActiveEnum::to_value(&invoice.kind),
        "number": invoice.number,
        "referenceNumber": invoice.reference_number,
        "customerTenantId": invoice.customer_tenant_id,
        "customerName": invoice.customer.name,
        "issuerName": invoice.issuer.name,
        "billingEmail": invoice.customer.email,
        "billingPeriod": invoice.billing_period,
        "currency": invoice.currency,
        "subtotal": super::documents::format_amount(invoice.subtotal, &invoice.currency),
        "tax": super::documents::format_amount(invoice.tax, &invoice.currency),
        "total": super::documents::format_amount(invoice.total, &invoice.currency),
        "issueDate": invoice.issue_date.map(|d| d.to_string()).unwrap_or_default(),
        "dueDate": invoice.due_date.map(|d| d.to_string()).unwrap_or_default(),
        "paymentDate": invoice.payment_date.map(|d| d.to_string()).unwrap_or_default(),
        "paymentReference": invoice.payment_reference.clone().unwrap_or_default(),
        "voidReason": invoice.void_reason.clone().unwrap_or_default(),
        "language": invoice.language,
        "contentHash": invoice.content_hash,
    });
    outbox::record_for_customer_in(customer, event_type, invoice.number.clone(), data).await
}

/// Records a payment (admins) on an issued document.
pub async fn mark_paid(scope: &Scope, id: Uuid, payment_date: NaiveDate, reference: &str) -> AppResult<Invoice> {
    let (m, payer) = for_change(scope, id, Role::Admin).await?;
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 200 {
        return Err(AppError::invalid("paymentReference", "must be 1 to 200 characters"));
    }
    if m.status != InvoiceStatus::Issued {
        return Err(AppError::Conflict(format!("only an issued document can be paid; this one is {}", status_word(m.status))));
    }
    if payment_date > Utc::now().date_naive() || m.issue_date.is_some_and(|d| payment_date < d) {
        return Err(AppError::invalid("paymentDate", "must be between the issue date and today"));
    }
    transition(&payer, m, |am| {
        am.status = Set(InvoiceStatus::Paid);
        am.paid_at = Set(Some(Utc::now()));
        am.payment_date = Set(Some(payment_date));
        am.payment_reference = Set(Some(reference.to_owned()));
    }, INVOICE_PAID)
    .await
}

/// Voids an issued document (admins); it keeps its number. A paid one is corrected with a note.
pub async fn void(scope: &Scope, id: Uuid, reason: &str) -> AppResult<Invoice> {
    let (m, payer) = for_change(scope, id, Role::Admin).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::invalid("reason", "must be 1 to 1000 characters"));
    }
    if m.status != InvoiceStatus::Issued {
        return Err(AppError::Conflict(format!("only an issued, unpaid document can be voided; this one is {}", status_word(m.status))));
    }
    let notes = scope
        .target_rows::<invoices::Entity>(Role::Viewer)
        .filter(invoices::Column::InvoiceId.eq(id))
        .filter(invoices::Column::Status.is_in([InvoiceStatus::Issued, InvoiceStatus::Paid]))
        .count()
        .await?;
    if notes > 0 {
        return Err(AppError::Conflict("this invoice has issued notes; void them first".into()));
    }
    transition(&payer, m, |am| {
        am.status = Set(InvoiceStatus::Void);
        am.voided_at = Set(Some(Utc::now()));
        am.void_reason = Set(Some(reason.to_owned()));
    }, INVOICE_VOIDED)
    .await
}


fn status_word(s: InvoiceStatus) -> &'static str {
    match s {
        InvoiceStatus::Draft => "a draft",
        InvoiceStatus::Issued => "issued",
        InvoiceStatus::Paid => "paid",
        InvoiceStatus::Void => "void",
    }
}

async fn transition(payer: &ScopedPayer, m: invoices::Model, change: impl FnOnce(&mut invoices::ActiveModel), event_type: &'static str) -> AppResult<Invoice> {
    let txn = super::begin_payer_write(payer).await?;
    let current = txn.rows::<invoices::Entity>().filter(invoices::Column::Id.eq(m.id)).one().await?.ok_or(AppError::NotFound("invoice"))?;
    if current.status != m.status {
        return Err(AppError::Conflict("the document changed meanwhile; read it again".into()));
    }
    let mut am: invoices::ActiveModel = current.into();
    change(&mut am);
    am.updated_at = Set(Utc::now());
    let updated = txn.update(am).await?;
    let invoice = load(&txn, updated, true).await?;
    let customer = txn.billed_customer(invoice.customer_tenant_id).await?;
    announce(&customer, event_type, &invoice).await?;
    txn.commit().await?;
    Ok(invoice)
}

/// Deletes a draft (operators). A note drafted from an adjustment gives the adjustment back.
pub async fn delete_draft(scope: &Scope, id: Uuid) -> AppResult<Uuid> {
    let (m, payer) = for_change(scope, id, Role::Operator).await?;
    if m.status != InvoiceStatus::Draft {
        return Err(AppError::Conflict("only a draft can be deleted; an issued document never changes (void it, or correct it with a note)".into()));
    }
    let txn = super::begin_payer_write(&payer).await?;
    if let Some(a) = m.adjustment_id {
        txn.update_rows::<period_adjustments::Entity>()
            .col_expr(period_adjustments::Column::Status, Expr::value(AdjustmentStatus::Pending))
            .col_expr(period_adjustments::Column::NoteId, Expr::value(Option::<Uuid>::None))
            .filter(period_adjustments::Column::Id.eq(a))
            .exec()
            .await?;
    }
    let deleted = txn.delete::<invoices::Entity>().filter(invoices::Column::Id.eq(id)).filter(invoices::Column::Status.eq(InvoiceStatus::Draft)).exec().await?;
    if deleted != 1 {
        return Err(AppError::Conflict("only a draft can be deleted".into()));
    }
    txn.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Notes

/// The issued invoice of a customer for a payer's period.
async fn issued_invoice(txn: &PayerTxn, customer: Uuid, period: &str) -> AppResult<Option<invoices::Model>> {
    txn.rows::<invoices::Entity>()
        .filter(invoices::Column::Kind.eq(DocumentKind::Invoice))
        .filter(invoices::Column::CustomerTenantId.eq(customer))
        .filter(invoices::Column::BillingPeriod.eq(period))
        .filter(invoices::Column::Status.is_in([InvoiceStatus::Issued, InvoiceStatus::Paid]))
        .one()
        .await
}

/// The issuer of a document, which must still be its customer's parent (a customer moved to
/// another partner since is invoiced by that partner, with that partner's numbers).
async fn issuer_of<'t>(customer: &BilledCustomer<'t>, m: &invoices::Model) -> AppResult<Issuer<'t>> {
    let issuer = customer.issuer().await?;
    if issuer.tenant().id != m.issuer_tenant_id {
        return Err(AppError::Conflict("the customer is now invoiced by another partner; draft its documents again".into()));
    }
    Ok(issuer)
}

/// A note on an invoice, with its parties, currency, rate and tax.
/// `typed`: the inputs are already in the document's currency (a hand-typed correction), so they
/// are taxed as typed and their source amounts are worked back through the invoice's rate.
#[allow(clippy::too_many_arguments)]
async fn draft_note(txn: &PayerTxn, invoice: &invoices::Model, kind: DocumentKind, inputs: Vec<LineInput>, typed: bool, adjustment: Option<Uuid>, reason: String, by: &str) -> AppResult<invoices::Model> {
    let customer = txn.billed_customer(invoice.customer_tenant_id).await?;
    let contract_row = customer
        .rows::<contracts::Entity>()
        .filter(contracts::Column::Id.eq(invoice.contract_id))
        .one()
        .await?
        .ok_or_else(|| AppError::Conflict("the invoice's contract no longer exists".into()))?;
    let mut contract = Contract::try_from(contract_row)?;
    // The note carries the invoice's terms, not today's contract.
    contract.currency = invoice.currency.clone();
    contract.tax_rate = from_units(invoice.tax_rate);
    contract.tax_inclusive = invoice.tax_inclusive;
    contract.language = invoice.language.clone();
    let issuer = issuer_of(&customer, invoice).await?;
    let rate = from_units(invoice.exchange_rate);
    let mut priced = price_lines(&inputs, if typed { Decimal::ONE } else { rate }, contract.tax_rate, contract.tax_inclusive, &contract.currency);
    if typed {
        for l in &mut priced.lines {
            l.source_amount = (l.amount / rate).round_dp(8).normalize();
        }
    }
    insert_document(
        txn,
        NewDocument {
            kind,
            issuer_id: issuer.tenant().id,
            customer_id: invoice.customer_tenant_id,
            contract: &contract,
            period: &invoice.billing_period,
            invoice_id: Some(invoice.id),
            adjustment_id: adjustment,
            source_currency: &invoice.source_currency,
            rate,
            parties: (party(&invoice.issuer, invoice.id)?, party(&invoice.customer, invoice.id)?),
            priced,
            reason: Some(reason),
            by,
        },
    )
    .await
}

/// Turns a pending adjustment into a draft credit note (the charge went down) or debit note (it
/// went up) on the customer's issued invoice for that period (operators).
pub async fn note_from_adjustment(scope: &Scope, adjustment: Uuid, reason: Option<&str>) -> AppResult<Invoice> {
    let a = scope.payer_row::<period_adjustments::Entity>(adjustment, "adjustment").await?;
    let payer = crate::domain::billing::payer_of(scope, a.payer_id, Role::Operator, "adjustment").await?;
    let txn = super::begin_payer_write(&payer).await?;
    let a = txn.rows::<period_adjustments::Entity>().filter(period_adjustments::Column::Id.eq(adjustment)).one().await?.ok_or(AppError::NotFound("adjustment"))?;
    if a.status != AdjustmentStatus::Pending {
        return Err(AppError::Conflict("this adjustment is no longer pending".into()));
    }
    if a.proforma_delta == 0 {
        return Err(AppError::Conflict("this adjustment changes no charge to the customer (only the AWS cost moved)".into()));
    }
    let snapshot = txn
        .rows::<period_snapshots::Entity>()
        .filter(period_snapshots::Column::BillingPeriod.eq(a.billing_period.as_str()))
        .filter(period_snapshots::Column::BillingGroupId.eq(a.billing_group_id))
        .one()
        .await?
        .ok_or(AppError::NotFound("adjustment"))?;
    let customer = snapshot.customer_tenant_id.ok_or_else(|| AppError::Conflict(format!("billing group {} had no customer in {}", snapshot.group_name, a.billing_period)))?;
    let invoice = issued_invoice(&txn, customer, &a.billing_period)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("no issued invoice for {} in {}; issue it first", snapshot.group_name, a.billing_period)))?;
    let kind = if a.proforma_delta < 0 { DocumentKind::CreditNote } else { DocumentKind::DebitNote };
    let sign = if kind == DocumentKind::CreditNote { Decimal::NEGATIVE_ONE } else { Decimal::ONE };
    // A note's lines are positive amounts: a credit note credits them.
    let mut inputs = snapshot_inputs(&snapshot, &adjustments::lines(&a)?, Some(LineKind::Adjustment));
    for l in &mut inputs {
        l.source_amount *= sign;
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map_or_else(|| format!("Cost data for {} changed after the period closed", a.billing_period), str::to_owned);
    let note = draft_note(&txn, &invoice, kind, inputs, false, Some(a.id), reason, &scope.principal().email).await?;
    let mut am: period_adjustments::ActiveModel = a.into();
    am.status = Set(AdjustmentStatus::Noted);
    am.note_id = Set(Some(note.id));
    txn.update(am).await?;
    let out = load(&txn, note, true).await?;
    txn.commit().await?;
    Ok(out)
}

/// A correction typed by hand: a line of a note, in the invoice's currency before tax
/// (exclusive tax) or with it (inclusive), always positive.
#[derive(Debug, Clone)]
pub struct NoteLine {
    pub description: String,
    pub amount: Decimal,
}

/// Drafts a credit or debit note on an issued invoice (operators).
pub async fn create_note(scope: &Scope, invoice: Uuid, kind: DocumentKind, reason: &str, lines: Vec<NoteLine>) -> AppResult<Invoice> {
    if kind == DocumentKind::Invoice {
        return Err(AppError::invalid("kind", "must be CREDIT_NOTE or DEBIT_NOTE"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(AppError::invalid("reason", "must be 1 to 1000 characters"));
    }
    if lines.is_empty() || lines.len() > 100 {
        return Err(AppError::invalid("lines", "a note has 1 to 100 lines"));
    }
    let (m, payer) = for_change(scope, invoice, Role::Operator).await?;
    if m.kind != DocumentKind::Invoice || !matches!(m.status, InvoiceStatus::Issued | InvoiceStatus::Paid) {
        return Err(AppError::invalid("invoiceId", "a note refers to an issued invoice"));
    }
    let mut inputs = Vec::with_capacity(lines.len());
    for (i, l) in lines.into_iter().enumerate() {
        let description = l.description.trim().to_owned();
        if description.is_empty() || description.chars().count() > 500 {
            return Err(AppError::invalid(&format!("lines[{i}].description"), "must be 1 to 500 characters"));
        }
        if l.amount <= Decimal::ZERO || l.amount.scale() > crate::domain::invoicing::minor_digits(&m.currency) || l.amount > Decimal::from(1_000_000_000) {
            return Err(AppError::invalid(&format!("lines[{i}].amount"), format!("must be positive, in {} with at most {} decimals", m.currency, crate::domain::invoicing::minor_digits(&m.currency))));
        }
        inputs.push(LineInput { kind: LineKind::Adjustment, billing_group_id: None, group_name: String::new(), account_id: String::new(), service_code: String::new(), description, source_amount: l.amount });
    }
    let txn = super::begin_payer_write(&payer).await?;
    let note = draft_note(&txn, &m, kind, inputs, true, None, reason.to_owned(), &scope.principal().email).await?;
    let out = load(&txn, note, true).await?;
    txn.commit().await?;
    Ok(out)
}

/// A document's PDF (name, bytes): the one kept at issue, byte for byte; a draft's is rendered now.
pub async fn pdf(scope: &Scope, id: Uuid, font_dirs: &str) -> AppResult<(String, Vec<u8>)> {
    let invoice = get(scope, id).await?;
    let kept = scope.part_rows::<invoice_files::Entity>(Role::Viewer).filter(invoice_files::Column::InvoiceId.eq(invoice.id)).one().await?;
    if let Some(file) = kept {
        return Ok((file.file_name, file.content));
    }
    let bytes = super::documents::pdf(&invoice, font_dirs).await?;
    Ok((super::documents::file_name(&invoice, "pdf"), bytes))
}
