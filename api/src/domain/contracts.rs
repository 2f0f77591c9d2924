//! Contracts between a partner and its customer tenants. A contract is made by an administrator
//! above the customer (reseller, distributor or platform); the customer's own users may read it.
//! Every change is an outbox event `contract.changed`, mailed to the contract-change address. A
//! customer connects AWS accounts only while it has an ACTIVE contract.

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use entity::{contracts, tenants};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::domain::checked_name;
use crate::domain::users::checked_email;
use crate::error::{AppError, AppResult};
use crate::input::Page;
use crate::ids::{PayerId, TenantId};
use crate::money::{from_units, to_units};
use crate::notify::outbox;
use crate::tenancy::{Role, Scope, TenantKind, TenantTxn};

pub use entity::contracts::Renewal;

/// Where a contract stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractStatus {
    /// Starts in the future.
    Pending,
    Active,
    /// Its (inclusive) end date has passed.
    Ended,
}

impl ContractStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Active => "ACTIVE",
            Self::Ended => "ENDED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub id: uuid::Uuid,
    pub customer: TenantId,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub renewal: Renewal,
    pub payer_ids: Vec<PayerId>,
    pub billing_email: String,
    pub contract_change_email: String,
    pub invoice_prefix: String,
    pub currency: String,
    /// Tax percent on invoices (0 = none).
    pub tax_rate: Decimal,
    /// Whether invoice amounts include the tax.
    pub tax_inclusive: bool,
    /// Days from issue to due date.
    pub payment_terms_days: i32,
    /// The language of invoices and their mail: `en` | `zh-CN`.
    pub language: String,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl Contract {
    pub fn status_on(&self, day: NaiveDate) -> ContractStatus {
        status_on(self.start_date, self.end_date, day)
    }

    pub fn status(&self) -> ContractStatus {
        self.status_on(Utc::now().date_naive())
    }
}

fn status_on(start: NaiveDate, end: Option<NaiveDate>, day: NaiveDate) -> ContractStatus {
    if day < start {
        ContractStatus::Pending
    } else if end.is_some_and(|e| day > e) {
        ContractStatus::Ended
    } else {
        ContractStatus::Active
    }
}

impl TryFrom<contracts::Model> for Contract {
    type Error = AppError;
    fn try_from(m: contracts::Model) -> AppResult<Self> {
        let corrupt = |what: &str| AppError::internal(anyhow::anyhow!("contract {} has an invalid {what}", m.id));
        let renewal = m.renewal;
        let payer_ids: Vec<uuid::Uuid> = serde_json::from_str(&m.payer_ids).map_err(|_| corrupt("payer list"))?;
        Ok(Self {
            id: m.id,
            customer: TenantId(m.customer_tenant_id),
            name: m.name,
            start_date: m.start_date,
            end_date: m.end_date,
            renewal,
            payer_ids: payer_ids.into_iter().map(PayerId).collect(),
            billing_email: m.billing_email,
            contract_change_email: m.contract_change_email,
            invoice_prefix: m.invoice_prefix,
            currency: m.currency,
            tax_rate: from_units(m.tax_rate).normalize(),
            tax_inclusive: m.tax_inclusive,
            payment_terms_days: m.payment_terms_days,
            language: m.language,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// The fields of a new contract, or the changes to one (None = unchanged).
#[derive(Debug, Clone, Default)]
pub struct ContractFields {
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub renewal: Option<Renewal>,
    pub payer_ids: Option<Vec<PayerId>>,
    pub billing_email: Option<String>,
    pub contract_change_email: Option<String>,
    pub invoice_prefix: Option<String>,
    pub currency: Option<String>,
    pub tax_rate: Option<Decimal>,
    pub tax_inclusive: Option<bool>,
    pub payment_terms_days: Option<i32>,
    pub language: Option<String>,
}

/// A tax percent: 0 to 100, at most 4 decimals.
pub fn checked_tax_rate(value: Decimal) -> AppResult<Decimal> {
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED || value.normalize().scale() > 4 {
        return Err(AppError::invalid("taxRate", "must be a percent from 0 to 100 with at most 4 decimals"));
    }
    Ok(value.normalize())
}

/// Payment terms: 0 (due on issue) to 365 days.
pub fn checked_payment_terms(value: i32) -> AppResult<i32> {
    if !(0..=365).contains(&value) {
        return Err(AppError::invalid("paymentTermsDays", "must be 0 to 365 days"));
    }
    Ok(value)
}

/// An invoice language the documents and mails are written in.
pub fn checked_language(value: &str) -> AppResult<String> {
    match value {
        "en" | "zh-CN" => Ok(value.to_owned()),
        _ => Err(AppError::invalid("language", "must be en or zh-CN")),
    }
}

/// `[A-Z0-9-]{1,10}`, upper-cased.
pub fn checked_invoice_prefix(value: &str) -> AppResult<String> {
    let prefix = value.trim().to_ascii_uppercase();
    if prefix.is_empty() || prefix.len() > 10 || !prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-') {
        return Err(AppError::invalid("invoicePrefix", "must be 1 to 10 characters of A-Z, 0-9 and -"));
    }
    Ok(prefix)
}

/// Active ISO 4217 codes (alphabetic), so a typo such as "USS" is refused.
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN",
    "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
    "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
    "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW",
    "ZWL",
];

/// An ISO 4217 code, upper-cased.
pub fn checked_currency(value: &str) -> AppResult<String> {
    let code = value.trim().to_ascii_uppercase();
    if !CURRENCIES.contains(&code.as_str()) {
        return Err(AppError::invalid("currency", "must be an ISO 4217 currency code such as USD, EUR or CNY"));
    }
    Ok(code)
}

/// A customer tenant the caller administers from above (an admin on the customer itself may not
/// make or change its own contract).
async fn customer_administered_from_above(scope: &Scope, id: TenantId) -> AppResult<tenants::Model> {
    let tenant = scope.tenant(id, Role::Admin).await?;
    if tenant.kind != TenantKind::Customer {
        return Err(AppError::invalid("customerTenantId", "contracts are made with customer tenants"));
    }
    let parent_path = tenant.path.strip_suffix(&format!("{}/", tenant.id)).unwrap_or_default();
    if scope.principal().role_on_tenant(parent_path) != Some(Role::Admin) {
        return Err(AppError::forbidden("contracts are managed by the customer's reseller, distributor or the platform"));
    }
    Ok(tenant)
}

/// Payers a contract may cover: visible to the caller, and hanging on the customer's line (the
/// customer itself or one of its ancestors, i.e. the partner's payers).
async fn checked_payers(scope: &Scope, customer: &tenants::Model, ids: &[PayerId]) -> AppResult<Vec<PayerId>> {
    let mut out: Vec<PayerId> = Vec::new();
    for id in ids {
        if out.contains(id) {
            continue;
        }
        let payer = match scope.payer(*id, Role::Viewer).await {
            Ok(found) => found,
            Err(AppError::NotFound(_)) => return Err(AppError::invalid("payerIds", format!("payer {id} was not found"))),
            Err(e) => return Err(e),
        };
        let path = payer.tenant_path();
        if !(customer.path.starts_with(path) || path.starts_with(&customer.path)) {
            return Err(AppError::invalid("payerIds", format!("payer {} does not belong to this customer or its partner", payer.account_id)));
        }
        out.push(*id);
    }
    Ok(out)
}

/// Checks every field of a complete contract.
struct Checked {
    name: String,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    renewal: Renewal,
    billing_email: String,
    contract_change_email: String,
    invoice_prefix: String,
    currency: String,
    tax_rate: Decimal,
    tax_inclusive: bool,
    payment_terms_days: i32,
    language: String,
}

fn check_dates(renewal: Renewal, start: NaiveDate, end: Option<NaiveDate>) -> AppResult<()> {
    if renewal == Renewal::FixedTerm && end.is_none() {
        return Err(AppError::invalid("endDate", "a FIXED_TERM contract needs an end date"));
    }
    if end.is_some_and(|e| e < start) {
        return Err(AppError::invalid("endDate", "must not be before the start date"));
    }
    Ok(())
}

fn required<T>(field: &str, value: Option<T>) -> AppResult<T> {
    value.ok_or_else(|| AppError::invalid(field, "is required"))
}

fn check_new(f: ContractFields) -> AppResult<(Checked, Vec<PayerId>)> {
    let name = checked_name("name", &required("name", f.name)?, 200)?;
    let start_date = required("startDate", f.start_date)?;
    let end_date = f.end_date.flatten();
    let renewal = required("renewal", f.renewal)?;
    check_dates(renewal, start_date, end_date)?;
    let billing_email = checked_email("billingEmail", &required("billingEmail", f.billing_email)?)?;
    let contract_change_email = checked_email("contractChangeEmail", &required("contractChangeEmail", f.contract_change_email)?)?;
    let invoice_prefix = checked_invoice_prefix(&required("invoicePrefix", f.invoice_prefix)?)?;
    let currency = checked_currency(&required("currency", f.currency)?)?;
    let tax_rate = checked_tax_rate(f.tax_rate.unwrap_or_default())?;
    let payment_terms_days = checked_payment_terms(f.payment_terms_days.unwrap_or(30))?;
    let language = checked_language(f.language.as_deref().unwrap_or("en"))?;
    let checked = Checked {
        name,
        start_date,
        end_date,
        renewal,
        billing_email,
        contract_change_email,
        invoice_prefix,
        currency,
        tax_rate,
        tax_inclusive: f.tax_inclusive.unwrap_or(false),
        payment_terms_days,
        language,
    };
    Ok((checked, f.payer_ids.unwrap_or_default()))
}

fn payer_json(ids: &[PayerId]) -> String {
    serde_json::Value::from(ids.iter().map(|p| p.0.to_string()).collect::<Vec<_>>()).to_string()
}

/// Records `contract.changed` for the customer in the caller's transaction.
async fn record_change(txn: &TenantTxn, scope: &Scope, customer: &tenants::Model, c: &Contract, action: &str) -> AppResult<()> {
    let data = json!({
        "action": action,
        "contractId": c.id.to_string(),
        "name": c.name,
        "customerTenantId": customer.id.to_string(),
        "customerName": customer.name,
        "status": c.status().as_str(),
        "startDate": c.start_date.to_string(),
        "endDate": c.end_date.map(|d| d.to_string()).unwrap_or_default(),
        "renewal": sea_orm::ActiveEnum::to_value(&c.renewal),
        "currency": c.currency,
        "invoicePrefix": c.invoice_prefix,
        "billingEmail": c.billing_email,
        "contractChangeEmail": c.contract_change_email,
        "changedBy": scope.principal().email,
    });
    outbox::record_for_tenant_in(txn, outbox::CONTRACT_CHANGED, Some(c.id.to_string()), data).await?;
    Ok(())
}

/// Creates a contract on a customer tenant the caller administers from above.
pub async fn create(scope: &Scope, customer: TenantId, fields: ContractFields) -> AppResult<Contract> {
    let tenant = customer_administered_from_above(scope, customer).await?;
    let (c, payer_ids) = check_new(fields)?;
    let payer_ids = checked_payers(scope, &tenant, &payer_ids).await?;
    let now = Utc::now();
    let txn = scope.begin_write_on_tenant(TenantId(tenant.id), Role::Admin).await?;
    let row = contracts::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        customer_tenant_id: Set(tenant.id),
        name: Set(c.name),
        start_date: Set(c.start_date),
        end_date: Set(c.end_date),
        renewal: Set(c.renewal),
        payer_ids: Set(payer_json(&payer_ids)),
        billing_email: Set(c.billing_email),
        contract_change_email: Set(c.contract_change_email),
        invoice_prefix: Set(c.invoice_prefix),
        currency: Set(c.currency),
        tax_rate: Set(to_units(c.tax_rate)?),
        tax_inclusive: Set(c.tax_inclusive),
        payment_terms_days: Set(c.payment_terms_days),
        language: Set(c.language),
        created_by: Set(Some(scope.principal().user_id.0)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let contract = Contract::try_from(txn.insert(row).await?)?;
    record_change(&txn, scope, &tenant, &contract, "created").await?;
    txn.commit().await?;
    Ok(contract)
}

/// A contract the caller can see (they see its customer tenant).
async fn find(scope: &Scope, id: uuid::Uuid, need: Role) -> AppResult<(contracts::Model, tenants::Model)> {
    let row = scope.tenant_rows::<contracts::Entity>(Role::Viewer).filter(contracts::Column::Id.eq(id)).one().await?.ok_or(AppError::NotFound("contract"))?;
    let tenant = match scope.tenant(TenantId(row.customer_tenant_id), need).await {
        Ok(t) => t,
        Err(AppError::NotFound(_)) => return Err(AppError::NotFound("contract")),
        Err(e) => return Err(e),
    };
    Ok((row, tenant))
}

pub async fn get(scope: &Scope, id: uuid::Uuid) -> AppResult<Contract> {
    find(scope, id, Role::Viewer).await?.0.try_into()
}

/// A page of the contracts of the customers in a tenant's subtree (the tenant itself when it is a
/// customer), oldest first.
pub async fn list(scope: &Scope, tenant: TenantId, page: &Page) -> AppResult<Vec<Contract>> {
    let tenant = scope.tenant(tenant, Role::Viewer).await?;
    let customers = sea_orm::sea_query::Query::select()
        .column(tenants::Column::Id)
        .from(tenants::Entity)
        .and_where(tenants::Column::Path.starts_with(&tenant.path))
        .to_owned();
    let mut query = scope
        .tenant_rows::<contracts::Entity>(Role::Viewer)
        .filter(sea_orm::sea_query::Expr::col((contracts::Entity, contracts::Column::CustomerTenantId)).in_subquery(customers));
    if let Some(after) = page.after_id()? {
        query = query.filter(contracts::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(contracts::Column::Id).limit(page.fetch()).all().await?;
    rows.into_iter().map(Contract::try_from).collect()
}

/// Changes a contract; the caller administers its customer from above.
pub async fn update(scope: &Scope, id: uuid::Uuid, f: ContractFields) -> AppResult<Contract> {
    let (row, _) = find(scope, id, Role::Viewer).await?;
    let tenant = customer_administered_from_above(scope, TenantId(row.customer_tenant_id)).await?;
    let current = Contract::try_from(row.clone())?;
    let name = f.name.as_deref().map(|n| checked_name("name", n, 200)).transpose()?;
    let start_date = f.start_date.unwrap_or(current.start_date);
    let end_date = f.end_date.unwrap_or(current.end_date);
    let renewal = f.renewal.unwrap_or(current.renewal);
    check_dates(renewal, start_date, end_date)?;
    let billing_email = f.billing_email.as_deref().map(|e| checked_email("billingEmail", e)).transpose()?;
    let change_email = f.contract_change_email.as_deref().map(|e| checked_email("contractChangeEmail", e)).transpose()?;
    let invoice_prefix = f.invoice_prefix.as_deref().map(checked_invoice_prefix).transpose()?;
    let currency = f.currency.as_deref().map(checked_currency).transpose()?;
    let tax_rate = f.tax_rate.map(checked_tax_rate).transpose()?;
    let payment_terms_days = f.payment_terms_days.map(checked_payment_terms).transpose()?;
    let language = f.language.as_deref().map(checked_language).transpose()?;
    let payer_ids = match &f.payer_ids {
        Some(ids) => Some(checked_payers(scope, &tenant, ids).await?),
        None => None,
    };
    let mut active: contracts::ActiveModel = row.into();
    if let Some(v) = name {
        active.name = Set(v);
    }
    active.start_date = Set(start_date);
    active.end_date = Set(end_date);
    active.renewal = Set(renewal);
    if let Some(v) = billing_email {
        active.billing_email = Set(v);
    }
    if let Some(v) = change_email {
        active.contract_change_email = Set(v);
    }
    if let Some(v) = invoice_prefix {
        active.invoice_prefix = Set(v);
    }
    if let Some(v) = currency {
        active.currency = Set(v);
    }
    if let Some(ids) = payer_ids {
        active.payer_ids = Set(payer_json(&ids));
    }
    if let Some(v) = tax_rate {
        active.tax_rate = Set(to_units(v)?);
    }
    if let Some(v) = f.tax_inclusive {
        active.tax_inclusive = Set(v);
    }
    if let Some(v) = payment_terms_days {
        active.payment_terms_days = Set(v);
    }
    if let Some(v) = language {
        active.language = Set(v);
    }
    active.updated_at = Set(Utc::now());
    save(scope, &tenant, active, "updated").await
}

/// Ends a contract on `end_date` (inclusive; a past date ends it at once).
pub async fn end(scope: &Scope, id: uuid::Uuid, end_date: NaiveDate) -> AppResult<Contract> {
    let (row, _) = find(scope, id, Role::Viewer).await?;
    let tenant = customer_administered_from_above(scope, TenantId(row.customer_tenant_id)).await?;
    if end_date < row.start_date {
        return Err(AppError::invalid("endDate", "must not be before the start date"));
    }
    let mut active: contracts::ActiveModel = row.into();
    active.end_date = Set(Some(end_date));
    active.updated_at = Set(Utc::now());
    save(scope, &tenant, active, "ended").await
}

async fn save(scope: &Scope, tenant: &tenants::Model, row: contracts::ActiveModel, action: &str) -> AppResult<Contract> {
    let txn = scope.begin_write_on_tenant(TenantId(tenant.id), Role::Admin).await?;
    let contract = Contract::try_from(txn.update(row).await?)?;
    record_change(&txn, scope, tenant, &contract, action).await?;
    txn.commit().await?;
    Ok(contract)
}

/// The customer's contracts, if the caller sees the customer (none otherwise).
pub async fn of_customer(scope: &Scope, customer: uuid::Uuid) -> AppResult<Vec<Contract>> {
    Ok(of_customers(scope, &[customer]).await?.remove(&customer).unwrap_or_default())
}

/// The contracts of each of `customers` the caller sees, oldest first, in one query.
pub async fn of_customers(scope: &Scope, customers: &[uuid::Uuid]) -> AppResult<std::collections::HashMap<uuid::Uuid, Vec<Contract>>> {
    let rows = scope
        .tenant_rows::<contracts::Entity>(Role::Viewer)
        .filter(contracts::Column::CustomerTenantId.is_in(customers.iter().copied()))
        .order_by_asc(contracts::Column::Id)
        .all()
        .await?;
    let mut out: std::collections::HashMap<uuid::Uuid, Vec<Contract>> = std::collections::HashMap::new();
    for row in rows {
        out.entry(row.customer_tenant_id).or_default().push(Contract::try_from(row)?);
    }
    Ok(out)
}

/// Whether a customer has a contract ACTIVE today.
pub async fn has_active(scope: &Scope, customer: uuid::Uuid) -> AppResult<bool> {
    Ok(of_customer(scope, customer).await?.iter().any(|c| c.status() == ContractStatus::Active))
}

/// Refuses to connect accounts to a customer tenant without an ACTIVE contract.
pub async fn require_active_for_payers(scope: &Scope, tenant: &tenants::Model) -> AppResult<()> {
    if tenant.kind == TenantKind::Customer && !has_active(scope, tenant.id).await? {
        return Err(AppError::invalid(
            "tenantId",
            "this customer has no active contract yet; its partner must create one before AWS accounts can be connected",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn status_follows_the_dates_with_an_inclusive_end() {
        let (start, end) = (day("2026-01-01"), Some(day("2026-12-31")));
        assert_eq!(status_on(start, end, day("2025-12-31")), ContractStatus::Pending);
        assert_eq!(status_on(start, end, day("2026-01-01")), ContractStatus::Active);
        assert_eq!(status_on(start, end, day("2026-12-31")), ContractStatus::Active);
        assert_eq!(status_on(start, end, day("2027-01-01")), ContractStatus::Ended);
        assert_eq!(status_on(start, None, day("2099-01-01")), ContractStatus::Active);
    }

    #[test]
    fn prefixes_currencies_and_fixed_terms_are_checked() {
        assert_eq!(checked_invoice_prefix(" acme-01 ").unwrap(), "ACME-01");
        assert!(checked_invoice_prefix("").is_err());
        assert!(checked_invoice_prefix("ABCDEFGHIJK").is_err());
        assert!(checked_invoice_prefix("AC_ME").is_err());
        assert_eq!(checked_currency("eur").unwrap(), "EUR");
        assert!(checked_currency("USS").is_err());
        assert!(checked_currency("US").is_err());
        assert!(check_dates(Renewal::FixedTerm, day("2026-01-01"), None).is_err());
        assert!(check_dates(Renewal::Auto, day("2026-01-01"), Some(day("2025-01-01"))).is_err());
        assert!(check_dates(Renewal::FixedTerm, day("2026-01-01"), Some(day("2026-01-01"))).is_ok());
    }
}
