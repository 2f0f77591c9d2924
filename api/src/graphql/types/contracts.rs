use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::{self, contracts::{Contract as DomainContract, ContractFields, ContractStatus as DomainStatus}};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::types::payers::Payer;
use crate::graphql::types::tenants::Tenant;
use crate::ids::PayerId;

/// How a contract continues at its end date.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::contracts::Renewal")]
pub enum ContractRenewal {
    /// Renews by itself.
    Auto,
    /// Renewed by hand.
    Manual,
    /// Ends at its end date (which it must have).
    FixedTerm,
}

/// Where a contract stands today.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ContractStatus {
    /// Starts in the future.
    Pending,
    Active,
    /// Its end date has passed.
    Ended,
}

/// A contract between a partner and a customer tenant.
pub struct Contract(pub DomainContract);

#[Object]
impl Contract {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn customer_tenant_id(&self) -> ID {
        ID(self.0.customer.to_string())
    }
    async fn customer(&self, ctx: &Context<'_>) -> ApiResult<Option<Tenant>> {
        if let Some(known) = ctx.request()?.prefetched.tenant(self.0.customer) {
            return Ok(known.map(Tenant));
        }
        match domain::tenants::get(&ctx.scope()?, self.0.customer).await {
            Ok(t) => Ok(Some(Tenant(t))),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
    async fn start_date(&self) -> NaiveDate {
        self.0.start_date
    }
    /// Inclusive; null = open-ended.
    async fn end_date(&self) -> Option<NaiveDate> {
        self.0.end_date
    }
    async fn renewal(&self) -> ContractRenewal {
        self.0.renewal.into()
    }
    /// From today's date (UTC).
    async fn status(&self) -> ContractStatus {
        match self.0.status() {
            DomainStatus::Pending => ContractStatus::Pending,
            DomainStatus::Active => ContractStatus::Active,
            DomainStatus::Ended => ContractStatus::Ended,
        }
    }
    async fn payer_ids(&self) -> Vec<ID> {
        self.0.payer_ids.iter().map(|p| ID(p.to_string())).collect()
    }
    /// The covered payers the caller can see.
    async fn payers(&self, ctx: &Context<'_>) -> ApiResult<Vec<Payer>> {
        if let Some(known) = ctx.request()?.prefetched.payers_among(&self.0.payer_ids) {
            return Ok(known.into_iter().map(Payer).collect());
        }
        Ok(domain::payers::visible_among(&ctx.scope()?, &self.0.payer_ids).await?.into_iter().map(Payer).collect())
    }
    async fn billing_email(&self) -> &str {
        &self.0.billing_email
    }
    /// Where every change of this contract is mailed.
    async fn contract_change_email(&self) -> &str {
        &self.0.contract_change_email
    }
    async fn invoice_prefix(&self) -> &str {
        &self.0.invoice_prefix
    }
    /// ISO 4217.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Tax percent on invoices (0 = none).
    async fn tax_rate(&self) -> rust_decimal::Decimal {
        self.0.tax_rate
    }
    /// Whether invoice amounts include the tax (else it is added).
    async fn tax_inclusive(&self) -> bool {
        self.0.tax_inclusive
    }
    /// Days from an invoice's issue to its due date.
    async fn payment_terms_days(&self) -> i32 {
        self.0.payment_terms_days
    }
    /// Language of invoices and their mail: `en` or `zh-CN`.
    async fn language(&self) -> &str {
        &self.0.language
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

fn payer_ids(ids: Vec<ID>) -> ApiResult<Vec<PayerId>> {
    Ok(ids
        .iter()
        .map(|id| PayerId::parse(id).map_err(|_| AppError::invalid("payerIds", format!("{} is not a payer id", id.as_str()))))
        .collect::<Result<Vec<_>, _>>()?)
}

/// A contract id from request input; anything malformed is simply not found.
pub fn contract_id(id: &ID) -> ApiResult<uuid::Uuid> {
    Ok(id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound("contract"))?)
}

#[derive(InputObject)]
pub struct CreateContractInput {
    /// A customer tenant below one you administer.
    pub customer_tenant_id: ID,
    pub name: String,
    pub start_date: NaiveDate,
    /// Inclusive; required for FIXED_TERM.
    pub end_date: Option<NaiveDate>,
    pub renewal: ContractRenewal,
    /// Payers of the customer or of its partner that the contract covers.
    #[graphql(default)]
    pub payer_ids: Vec<ID>,
    pub billing_email: String,
    pub contract_change_email: String,
    /// 1–10 characters of A-Z, 0-9 and -.
    pub invoice_prefix: String,
    /// ISO 4217, e.g. USD.
    pub currency: String,
    /// Tax percent on invoices, 0–100 (default 0).
    pub tax_rate: Option<rust_decimal::Decimal>,
    /// Whether invoice amounts include the tax (default false: tax is added).
    pub tax_inclusive: Option<bool>,
    /// Days from issue to due date, 0–365 (default 30).
    pub payment_terms_days: Option<i32>,
    /// `en` (default) or `zh-CN`.
    pub language: Option<String>,
}

impl CreateContractInput {
    pub fn into_fields(self) -> ApiResult<ContractFields> {
        Ok(ContractFields {
            name: Some(self.name),
            start_date: Some(self.start_date),
            end_date: Some(self.end_date),
            renewal: Some(self.renewal.into()),
            payer_ids: Some(payer_ids(self.payer_ids)?),
            billing_email: Some(self.billing_email),
            contract_change_email: Some(self.contract_change_email),
            invoice_prefix: Some(self.invoice_prefix),
            currency: Some(self.currency),
            tax_rate: self.tax_rate,
            tax_inclusive: self.tax_inclusive,
            payment_terms_days: self.payment_terms_days,
            language: self.language,
        })
    }
}

/// Leave a field out to keep it; `endDate: null` makes the contract open-ended.
#[derive(InputObject)]
pub struct UpdateContractInput {
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: MaybeUndefined<NaiveDate>,
    pub renewal: Option<ContractRenewal>,
    pub payer_ids: Option<Vec<ID>>,
    pub billing_email: Option<String>,
    pub contract_change_email: Option<String>,
    pub invoice_prefix: Option<String>,
    pub currency: Option<String>,
    pub tax_rate: Option<rust_decimal::Decimal>,
    pub tax_inclusive: Option<bool>,
    pub payment_terms_days: Option<i32>,
    pub language: Option<String>,
}

impl UpdateContractInput {
    pub fn into_fields(self) -> ApiResult<ContractFields> {
        let end_date = match self.end_date {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(d)),
        };
        Ok(ContractFields {
            name: self.name,
            start_date: self.start_date,
            end_date,
            renewal: self.renewal.map(Into::into),
            payer_ids: self.payer_ids.map(payer_ids).transpose()?,
            billing_email: self.billing_email,
            contract_change_email: self.contract_change_email,
            invoice_prefix: self.invoice_prefix,
            currency: self.currency,
            tax_rate: self.tax_rate,
            tax_inclusive: self.tax_inclusive,
            payment_terms_days: self.payment_terms_days,
            language: self.language,
        })
    }
}
