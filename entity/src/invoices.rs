use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DocumentKind {
    #[sea_orm(string_value = "INVOICE")]
    Invoice,
    /// Lowers what an issued invoice charged.
    #[sea_orm(string_value = "CREDIT_NOTE")]
    CreditNote,
    /// Raises what an issued invoice charged.
    #[sea_orm(string_value = "DEBIT_NOTE")]
    DebitNote,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvoiceStatus {
    /// No number yet; may be drafted again.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Numbered and immutable.
    #[sea_orm(string_value = "ISSUED")]
    Issued,
    #[sea_orm(string_value = "PAID")]
    Paid,
    /// Cancelled; keeps its number.
    #[sea_orm(string_value = "VOID")]
    Void,
}

/// An invoice, credit note or debit note of an issuing (partner) tenant to a customer tenant for
/// one payer's billing period. Amounts are in `currency`, 10⁻⁸ units, rounded to the currency's
/// minor unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: DocumentKind,
    pub issuer_tenant_id: Uuid,
    pub customer_tenant_id: Uuid,
    pub contract_id: Uuid,
    pub payer_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    /// The invoice a note refers to.
    pub invoice_id: Option<Uuid>,
    /// The pending adjustment a note was made from.
    pub adjustment_id: Option<Uuid>,
    pub status: InvoiceStatus,
    /// Set at issue, e.g. `ACME-2026-000042`.
    pub number: Option<String>,
    /// The issuer's sequence value behind `number`.
    pub sequence: Option<i64>,
    /// `en` | `zh-CN`
    pub language: String,
    /// The currency the pro-forma charges were computed in.
    pub source_currency: String,
    pub currency: String,
    /// Units of `currency` per unit of `source_currency`, 10⁻⁸ units.
    pub exchange_rate: i64,
    /// Percent, 10⁻⁸ units.
    pub tax_rate: i64,
    /// Whether line amounts include the tax.
    pub tax_inclusive: bool,
    /// Sum of the lines before tax.
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub payment_terms_days: i32,
    pub issue_date: Option<Date>,
    pub due_date: Option<Date>,
    pub issued_at: Option<DateTimeUtc>,
    pub issued_by: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub payment_date: Option<Date>,
    pub payment_reference: Option<String>,
    pub voided_at: Option<DateTimeUtc>,
    pub void_reason: Option<String>,
    /// Why a note was made.
    pub reason: Option<String>,
    /// SHA-256 (hex) of the issued document; recorded in the audit trail at issue.
    pub content_hash: Option<String>,
    /// JSON: the issuer as it was (name, address, tax id).
    pub issuer: String,
    /// JSON: the customer as it was (name, address, tax id, billing email).
    pub customer: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
