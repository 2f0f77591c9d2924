//! Cost insights over the day-grain store: cost over time by account, service, region, usage
//! type, charge type and service category; month over month with movers; a month-end forecast;
//! an account's monthly bill; ingestion health. AWS cost columns are summed in SQL over
//! fixed-point integers; the pro-forma charge is priced row by row by the billing engine. Every
//! total is exact.
//!
//! End customers (users whose only role on a payer comes from a `customer` tenant) see the
//! accounts of the billing groups assigned to their tenant, per billing period, and only what
//! they are billed (`PRO_FORMA`) or public prices (`LIST`): never AWS cost or margin.

mod bill;
mod catalog;
mod health;
mod kept;
mod summary;
mod tags;
mod trends;
mod visibility;

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};

pub(crate) use self::visibility::{PayerView, payer_view};
pub use self::bill::{AccountBill, BillLine, account_bill, bill_csv};
pub use self::catalog::{known_service_categories, service_category, service_code_of_name};
pub use self::health::{Health, ingestion_health};
pub use self::summary::{
    AccountNames, CUSTOM_LINE_ITEM_CATEGORY, CostFilter, CostSummary, Dimension, Granularity, GroupKey, SeriesPoint, SummaryRequest, TagFilter, summary,
};
pub use self::tags::{AllocationKey, allocation_keys, set_allocation_keys};
pub use self::trends::{Change, Forecast, forecast, month_over_month};
pub use self::visibility::{MAX_PAYERS_PER_VIEW, SOURCE_PRECEDENCE};
pub use crate::domain::service_names::{ServiceNames, note_service_name, service_label};

/// What to add up: a cost column, or the pro-forma charge of the billing engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Unblended,
    NetUnblended,
    Amortized,
    List,
    /// What the account is billed: each row priced by its billing group's plan in that period,
    /// plus the group's custom line items (docs/billing.md).
    ProForma,
}

impl Metric {
    /// The stored column; `None` for the pro-forma charge, which is computed.
    fn column(self) -> Option<&'static str> {
        match self {
            Self::Unblended => Some("unblended_cost"),
            Self::NetUnblended => Some("net_unblended_cost"),
            Self::Amortized => Some("amortized_cost"),
            Self::List => Some("list_cost"),
            Self::ProForma => None,
        }
    }

    /// What AWS charges the partner: never shown to end customers.
    pub fn is_aws_cost(self) -> bool {
        matches!(self, Self::Unblended | Self::NetUnblended | Self::Amortized)
    }
}

/// The first and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> AppResult<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| AppError::invalid("month", "must be YYYY-MM"))?;
    let next = if first.month() == 12 { NaiveDate::from_ymd_opt(first.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1) };
    let next = next.ok_or_else(|| AppError::invalid("month", "is out of range"))?;
    Ok((first, next.pred_opt().unwrap_or(next)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_bounds_handle_year_ends() {
        assert_eq!(month_bounds("2026-12").unwrap(), (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
        assert_eq!(month_bounds("2024-02").unwrap().1, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(month_bounds("2026-13").is_err());
    }
}
