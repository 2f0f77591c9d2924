use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::costs::{self, Change, GroupKey};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostMetric {
    Unblended,
    NetUnblended,
    Amortized,
    List,
}

impl From<CostMetric> for costs::Metric {
    fn from(m: CostMetric) -> Self {
        match m {
            CostMetric::Unblended => Self::Unblended,
            CostMetric::NetUnblended => Self::NetUnblended,
            CostMetric::Amortized => Self::Amortized,
            CostMetric::List => Self::List,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostDimension {
    Account,
    Service,
    Region,
    UsageType,
    ChargeType,
    ServiceCategory,
}

impl From<CostDimension> for costs::Dimension {
    fn from(d: CostDimension) -> Self {
        match d {
            CostDimension::Account => Self::Account,
            CostDimension::Service => Self::Service,
            CostDimension::Region => Self::Region,
            CostDimension::UsageType => Self::UsageType,
            CostDimension::ChargeType => Self::ChargeType,
            CostDimension::ServiceCategory => Self::ServiceCategory,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostGranularity {
    Day,
    Month,
}

#[derive(InputObject, Default)]
pub struct CostFilterInput {
    #[graphql(default)]
    pub account_ids: Vec<String>,
    #[graphql(default)]
    pub service_codes: Vec<String>,
    #[graphql(default)]
    pub regions: Vec<String>,
    #[graphql(default)]
    pub charge_types: Vec<String>,
}

#[derive(InputObject)]
pub struct CostSummaryInput {
    pub payer_ids: Vec<ID>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[graphql(default_with = "CostGranularity::Month")]
    pub granularity: CostGranularity,
    #[graphql(default)]
    pub group_by: Vec<CostDimension>,
    #[graphql(default_with = "CostMetric::Unblended")]
    pub metric: CostMetric,
    pub filter: Option<CostFilterInput>,
}

#[derive(InputObject)]
pub struct MonthOverMonthInput {
    pub payer_ids: Vec<ID>,
    /// `YYYY-MM`, compared with the month before.
    pub month: String,
    #[graphql(default)]
    pub group_by: Vec<CostDimension>,
    #[graphql(default_with = "CostMetric::Unblended")]
    pub metric: CostMetric,
}

/// The grouped dimensions' values; dimensions not grouped by are null.
#[derive(SimpleObject, Clone)]
pub struct CostKey {
    pub account_id: Option<String>,
    pub service: Option<String>,
    pub region: Option<String>,
    pub usage_type: Option<String>,
    pub charge_type: Option<String>,
    pub service_category: Option<String>,
}

fn some(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl From<GroupKey> for CostKey {
    fn from(k: GroupKey) -> Self {
        Self {
            account_id: some(k.account_id),
            service: some(k.service),
            region: some(k.region),
            usage_type: some(k.usage_type),
            charge_type: some(k.charge_type),
            service_category: some(k.service_category),
        }
    }
}

#[derive(SimpleObject)]
pub struct CostPoint {
    /// `YYYY-MM-DD` (DAY) or `YYYY-MM` (MONTH).
    pub period: String,
    pub key: CostKey,
    pub amount: Decimal,
}

#[derive(SimpleObject)]
pub struct CostGroup {
    pub key: CostKey,
    pub amount: Decimal,
}

#[derive(SimpleObject)]
pub struct CostSummary {
    pub currency: String,
    pub total: Decimal,
    /// Per period and key, oldest first.
    pub series: Vec<CostPoint>,
    /// Per key over the whole range, largest first.
    pub groups: Vec<CostGroup>,
}

#[derive(SimpleObject)]
pub struct CostChange {
    pub key: CostKey,
    pub current: Decimal,
    pub previous: Decimal,
    pub delta: Decimal,
    /// Null when the previous month was zero.
    pub delta_percent: Option<Decimal>,
    /// Cost this month and none the month before.
    pub is_new: bool,
    /// Cost the month before and none this month.
    pub is_gone: bool,
}

impl From<Change> for CostChange {
    fn from(c: Change) -> Self {
        Self { key: c.key.into(), current: c.current, previous: c.previous, delta: c.delta, delta_percent: c.delta_percent, is_new: c.is_new, is_gone: c.is_gone }
    }
}

#[derive(SimpleObject)]
pub struct MonthOverMonth {
    pub month: String,
    /// Every key, largest change first.
    pub changes: Vec<CostChange>,
    /// The five largest increases.
    pub top_increases: Vec<CostChange>,
    /// The five largest decreases.
    pub top_decreases: Vec<CostChange>,
}

#[derive(SimpleObject)]
pub struct ServiceCategory {
    pub service_code: String,
    /// FOCUS ServiceCategory.
    pub category: String,
}

#[derive(SimpleObject)]
pub struct CostForecast {
    pub month: String,
    pub month_to_date: Decimal,
    pub projected: Decimal,
    pub days_with_data: u32,
    pub days_in_month: u32,
    /// How the projection is made.
    pub method: String,
}

#[derive(SimpleObject)]
pub struct AccountBillLine {
    pub service_code: String,
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    pub usage: String,
    pub unit: String,
    pub cost: Decimal,
}

#[derive(SimpleObject)]
pub struct AccountMonthlyBill {
    pub account_id: String,
    pub month: String,
    pub total: Decimal,
    pub lines: Vec<AccountBillLine>,
    /// The bill as CSV (UTF-8 with BOM, headers in the requested locale).
    pub csv: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum HealthStatus {
    Success,
    Warning,
    Failed,
    NotAvailable,
}

#[derive(SimpleObject)]
pub struct IngestionHealth {
    pub status: HealthStatus,
    pub reason: String,
    /// Days since the newest day with cost data.
    pub lag_days: Option<i64>,
}
