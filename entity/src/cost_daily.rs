use sea_orm::entity::prelude::*;

/// Cost and usage of one payer at the day grain: one row per billing period, day, usage account,
/// service, usage type, operation, region, charge type, billing entity, pricing unit and currency,
/// for one source. Money columns are fixed-point integers of 10⁻⁸ currency units
/// (`partner_billing::money::{to_units, from_units}`), exact on SQLite and PostgreSQL alike, so
/// SQL `SUM` stays exact.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_daily")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    /// `cur` (CUR 2.0 and legacy CUR) | `focus` | `ce` (Cost Explorer) | `legacy` (prior tool's import)
    pub source: String,
    /// `YYYY-MM`; the unit that an ingestion replaces atomically, per source.
    pub billing_period: String,
    pub usage_date: Date,
    /// 12-digit AWS account id as text (leading zeros survive).
    pub usage_account_id: String,
    /// e.g. `AmazonEC2` (CUR `line_item_product_code`; FOCUS `x_ServiceCode`, else the service name).
    pub service_code: String,
    /// e.g. `Amazon Elastic Compute Cloud` (CUR `product['product_name']`; FOCUS `ServiceName`).
    pub service_name: String,
    pub usage_type: String,
    pub operation: String,
    pub region: String,
    /// CUR line item type (`Usage`, `SavingsPlanCoveredUsage`, `Tax`, `Credit`, …) or FOCUS
    /// `ChargeCategory` (`Usage`, `Purchase`, `Tax`, `Credit`, `Adjustment`).
    pub charge_type: String,
    /// CUR `bill_billing_entity` (`AWS`, `AWS Marketplace`); FOCUS `PublisherName`.
    pub billing_entity: String,
    pub pricing_unit: String,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// 10⁻⁸ units.
    pub unblended_cost: i64,
    /// 10⁻⁸ units; equals unblended where no discount applies.
    pub net_unblended_cost: i64,
    /// 10⁻⁸ units; amortized (CUR) or FOCUS `EffectiveCost`.
    pub amortized_cost: i64,
    /// 10⁻⁸ units; public on-demand (CUR) or FOCUS `ListCost`.
    pub list_cost: i64,
    /// Exact decimal text (quantities are unbounded — bytes, requests — and are only summed
    /// within one usage type, so they are kept exact as text rather than as fixed-point).
    pub usage_quantity: String,
    /// The first line item description of the row's lines (CUR `line_item_line_item_description`,
    /// FOCUS `ChargeDescription`); empty when the source has none (Cost Explorer).
    pub line_item_description: String,
    /// Source lines summed into this row.
    pub line_count: i64,
    /// The ingestion that wrote this row.
    pub ingestion_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
