//! Exchange rates, entered by an admin of the issuing tenant per billing period and currency
//! pair, never fetched. A draft takes the rate of its period and keeps it; changing a rate later
//! changes no issued document (and a draft only when drafted again).

use chrono::Utc;
use entity::{exchange_rates, tenants};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::domain::billing::checked_period;
use crate::domain::contracts::checked_currency;
use crate::error::{AppError, AppResult};
use crate::ids::TenantId;
use crate::money::{from_units, to_units};
use crate::tenancy::{Role, Scope, TenantKind};

#[derive(Debug, Clone)]
pub struct ExchangeRate {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub billing_period: String,
    pub from_currency: String,
    pub to_currency: String,
    /// Units of `to_currency` per unit of `from_currency`.
    pub rate: Decimal,
    pub entered_by: String,
    pub entered_at: chrono::DateTime<Utc>,
}

impl From<exchange_rates::Model> for ExchangeRate {
    fn from(m: exchange_rates::Model) -> Self {
        Self {
            id: m.id,
            tenant_id: m.tenant_id,
            billing_period: m.billing_period,
            from_currency: m.from_currency,
            to_currency: m.to_currency,
            rate: from_units(m.rate).normalize(),
            entered_by: m.entered_by,
            entered_at: m.entered_at,
        }
    }
}

/// An issuing tenant: a partner tenant (not a customer) the caller holds `need` on.
async fn issuer(scope: &Scope, tenant: TenantId, need: Role) -> AppResult<tenants::Model> {
    let t = scope.tenant(tenant, need).await?;
    if t.kind == TenantKind::Customer {
        return Err(AppError::invalid("tenantId", "exchange rates belong to the tenant that issues invoices, not to a customer"));
    }
    Ok(t)
}

/// A rate: positive, at most 8 decimals, below a million.
pub fn checked_rate(value: Decimal) -> AppResult<Decimal> {
    if value <= Decimal::ZERO || value >= Decimal::from(1_000_000) || value.normalize().scale() > 8 {
        return Err(AppError::invalid("rate", "must be positive, below 1,000,000, with at most 8 decimals"));
    }
    Ok(value.normalize())
}

/// Enters (or replaces) the rate for a period and currency pair (admins of the issuer).
pub async fn set(scope: &Scope, tenant: TenantId, period: &str, from: &str, to: &str, rate: Decimal) -> AppResult<ExchangeRate> {
    let tenant = issuer(scope, tenant, Role::Admin).await?;
    let period = checked_period("billingPeriod", period)?;
    let from = checked_currency(from).map_err(|_| AppError::invalid("fromCurrency", "must be an ISO 4217 currency code"))?;
    let to = checked_currency(to).map_err(|_| AppError::invalid("toCurrency", "must be an ISO 4217 currency code"))?;
    if from == to {
        return Err(AppError::invalid("toCurrency", "must differ from fromCurrency"));
    }
    let rate = to_units(checked_rate(rate)?)?;
    let existing = scope
        .tenant_rows::<exchange_rates::Entity>(Role::Admin)
        .filter(exchange_rates::Column::TenantId.eq(tenant.id))
        .filter(exchange_rates::Column::BillingPeriod.eq(period.as_str()))
        .filter(exchange_rates::Column::FromCurrency.eq(from.as_str()))
        .filter(exchange_rates::Column::ToCurrency.eq(to.as_str()))
        .one()
        .await?;
    let by = scope.principal().email.clone();
    let saved = match existing {
        Some(e) => {
            let mut m: exchange_rates::ActiveModel = e.into();
            m.rate = Set(rate);
            m.entered_by = Set(by);
            m.entered_at = Set(Utc::now());
            scope.update_for_tenant(m, Role::Admin).await?
        }
        None => {
            let row = exchange_rates::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant_id: Set(tenant.id),
                billing_period: Set(period),
                from_currency: Set(from),
                to_currency: Set(to),
                rate: Set(rate),
                entered_by: Set(by),
                entered_at: Set(Utc::now()),
            };
            scope.insert_for_tenant(row, Role::Admin).await?
        }
    };
    Ok(saved.into())
}

/// The rates of an issuing tenant, newest period first (at most 500).
pub async fn list(scope: &Scope, tenant: TenantId) -> AppResult<Vec<ExchangeRate>> {
    let tenant = issuer(scope, tenant, Role::Viewer).await?;
    use sea_orm::QuerySelect;
    Ok(scope
        .tenant_rows::<exchange_rates::Entity>(Role::Viewer)
        .filter(exchange_rates::Column::TenantId.eq(tenant.id))
        .order_by_desc(exchange_rates::Column::BillingPeriod)
        .order_by_asc(exchange_rates::Column::FromCurrency)
        .order_by_asc(exchange_rates::Column::ToCurrency)
        .limit(500)
        .all()
        .await?
        .into_iter()
        .map(ExchangeRate::from)
        .collect())
}
