use async_graphql::{Enum, ID, InputObject, SimpleObject};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::costs::{self, AccountNames, Change, GroupKey, ServiceNames};
use crate::ingest::tags::SelectedKey;

/// What to add up. UNBLENDED, NET_UNBLENDED and AMORTIZED are AWS cost (partners only); LIST
/// is the public on-demand price; PRO_FORMA is what the account is billed, priced by its
/// billing group's plan in each period (accounts in no group are left out).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CostMetric {
    Unblended,
    NetUnblended,
    Amortized,
    List,
    ProForma,
}

impl From<CostMetric> for costs::Metric {
    fn from(m: CostMetric) -> Self {
        match m {
            CostMetric::Unblended => Self::Unblended,
            CostMetric::NetUnblended => Self::NetUnblended,
            CostMetric::Amortized => Self::Amortized,
            CostMetric::List => Self::List,
            CostMetric::ProForma => Self::ProForma,
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
    /// The value of one selected cost allocation key (`tagKey`).
    Tag,
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
            CostDimension::Tag => Self::Tag,
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
    pub tag: Option<TagFilterInput>,
}

/// Where a cost allocation key comes from: a user-defined cost allocation tag (CUR 2.0
/// `resource_tags['user_<key>']`, legacy CUR `resourceTags/user:<key>`, FOCUS `Tags`) or an AWS
/// cost category (CUR 2.0 `cost_category['<name>']`, legacy CUR `costCategory/<name>`, FOCUS
/// `x_CostCategories`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::cost_allocation_keys::KeyKind")]
pub enum CostAllocationKeyKind {
    Tag,
    CostCategory,
}

/// A tag key or cost category a partner selected for a payer: ingestion keeps its values as an
/// extra day-grain dimension, and cost views group and filter by it.
#[derive(SimpleObject)]
pub struct CostAllocationKey {
    pub kind: CostAllocationKeyKind,
    /// As AWS spells it, case-sensitive (`team`, `CostCenter`).
    pub name: String,
    /// The billing periods with cost data read before this key was selected (from CUR or FOCUS
    /// exports): they show all their cost without a value until they are ingested again.
    pub periods_without_it: Vec<String>,
}

impl From<costs::AllocationKey> for CostAllocationKey {
    fn from(k: costs::AllocationKey) -> Self {
        Self { kind: k.key.kind.into(), name: k.key.name, periods_without_it: k.periods_without_it }
    }
}

#[derive(InputObject)]
pub struct CostAllocationKeyInput {
    pub kind: CostAllocationKeyKind,
    /// 1–128 characters: letters, digits, spaces and `_ . : / = + - @`.
    pub name: String,
}

impl From<CostAllocationKeyInput> for SelectedKey {
    fn from(k: CostAllocationKeyInput) -> Self {
        Self { kind: k.kind.into(), name: k.name }
    }
}

/// Only the cost whose value for `key` is one of `values`; the empty string means "without a
/// value" (untagged).
#[derive(InputObject)]
pub struct TagFilterInput {
    pub key: CostAllocationKeyInput,
    pub values: Vec<String>,
}

#[derive(InputObject)]
pub struct CostSummaryInput {
    /// The payers to sum over (at most 500), each visible to the caller.
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
    /// One customer's part: the accounts and prices of that customer tenant's billing groups.
    /// For a partner, what the customer sees (in any metric); for an end customer, one of theirs.
    pub customer_tenant_id: Option<ID>,
    /// The key to group by when `groupBy` has TAG: one of the selected keys of every payer asked for.
    pub tag_key: Option<CostAllocationKeyInput>,
}

#[derive(InputObject)]
pub struct MonthOverMonthInput {
    /// As in `CostSummaryInput.payerIds`.
    pub payer_ids: Vec<ID>,
    /// `YYYY-MM`, compared with the month before.
    pub month: String,
    #[graphql(default)]
    pub group_by: Vec<CostDimension>,
    #[graphql(default_with = "CostMetric::Unblended")]
    pub metric: CostMetric,
    /// One customer's part, as in `CostSummaryInput.customerTenantId`.
    pub customer_tenant_id: Option<ID>,
}

/// The grouped dimensions' values; dimensions not grouped by are null.
#[derive(SimpleObject, Clone)]
pub struct CostKey {
    pub account_id: Option<String>,
    /// Grouped by account: the account's name in its organization (from the last account
    /// sync), when known.
    pub account_name: Option<String>,
    /// The service code (CUR `line_item_product_code`; Cost Explorer rows carry a name here).
    pub service: Option<String>,
    /// Grouped by service: the service's name as AWS shows it ("Amazon CloudWatch"), from the
    /// cost data (CUR `product_servicename`/`product_product_name`, FOCUS `ServiceName`, Cost
    /// Explorer); the code when the data has no name for it; a custom line item's name.
    pub service_name: Option<String>,
    pub region: Option<String>,
    pub usage_type: Option<String>,
    pub charge_type: Option<String>,
    pub service_category: Option<String>,
    /// Grouped by TAG: the key's value; "" for cost without one.
    pub tag: Option<String>,
}

fn some(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl CostKey {
    pub fn new(k: GroupKey, names: &ServiceNames, accounts: &AccountNames) -> Self {
        Self {
            account_name: accounts.get(&k.account_id).cloned(),
            account_id: some(k.account_id),
            service_name: some(costs::service_label(&k.service, names)),
            service: some(k.service),
            region: some(k.region),
            usage_type: some(k.usage_type),
            charge_type: some(k.charge_type),
            service_category: some(k.service_category),
            tag: None,
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
    /// Per period and key, oldest first. PRO_FORMA custom line items are in MONTH series only
    /// (they are per billing period); in DAY series they count in `total` and `groups` only.
    pub series: Vec<CostPoint>,
    /// Per key over the whole range, largest first.
    pub groups: Vec<CostGroup>,
    /// PRO_FORMA: the custom line items within `total` (0 for other metrics).
    pub custom_line_items: Decimal,
    /// PRO_FORMA, partners only: accounts with cost in the range that are in no billing group in
    /// that period; they have no price and are left out of the numbers.
    pub unpriced_account_ids: Vec<String>,
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

impl CostChange {
    pub fn new(c: Change, names: &ServiceNames, accounts: &AccountNames) -> Self {
        Self { key: CostKey::new(c.key, names, accounts), current: c.current, previous: c.previous, delta: c.delta, delta_percent: c.delta_percent, is_new: c.is_new, is_gone: c.is_gone }
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
    /// Names that stand for this service in Cost Explorer, the CUR product name and the prior
    /// tool's data (rows that carry a name, not a code, are categorised by it).
    pub service_names: Vec<String>,
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
    /// The service name, or the custom line item's name.
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    /// The line item description (the first seen for the line in the month; empty when the
    /// source has none, as Cost Explorer).
    pub description: String,
    pub usage: String,
    pub unit: String,
    /// In the bill's metric.
    pub cost: Decimal,
    /// PRO_FORMA: a custom line item of the account's billing group booked on this account.
    pub custom_line_item: bool,
}

#[derive(SimpleObject)]
pub struct AccountMonthlyBill {
    pub account_id: String,
    pub month: String,
    /// ISO 4217 code of the amounts.
    pub currency: String,
    /// What `cost` and `total` are.
    pub metric: CostMetric,
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
    /// The payer's latest ingestion that was not skipped.
    pub last_ingestion: Option<IngestionRecord>,
}

/// How an ingestion of cost files stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::ingest::store::IngestionStatus")]
pub enum IngestionStatus {
    /// Reading or writing now; its process renews a heartbeat.
    Running,
    Succeeded,
    /// Refused or failed; `message` says why, naming the file and column.
    Failed,
    /// The same files were already current: nothing was read or written.
    Skipped,
    /// Its process stopped (killed, crashed, cancelled) or its lease ran out before it finished;
    /// nothing it read was written, and the previous data stays. `message` says which.
    Abandoned,
}

/// One ingestion run's record.
#[derive(SimpleObject)]
pub struct IngestionRecord {
    pub id: ID,
    pub status: IngestionStatus,
    /// Why it failed or was abandoned.
    pub message: Option<String>,
    /// `cur`, `focus`, `ce` or `legacy`, once known.
    pub source: Option<String>,
    /// `YYYY-MM`, once written.
    pub billing_period: Option<String>,
    pub rows_read: i64,
    pub rows_written: i64,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last heartbeat of its process while it ran.
    pub heartbeat_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The process that ran it (`host:pid:suffix`). Shown to platform staff only; null for
    /// everyone else.
    pub holder: Option<String>,
}
