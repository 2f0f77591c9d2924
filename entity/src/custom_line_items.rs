use sea_orm::entity::prelude::*;

/// Whether an item adds to the bill or takes from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ChargeType {
    #[sea_orm(string_value = "FEE")]
    Fee,
    #[sea_orm(string_value = "CREDIT")]
    Credit,
}

/// A fee or credit on a billing group for a range of billing periods
/// `[billing_period_start, billing_period_end)`: a flat amount, or a percentage.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custom_line_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub billing_group_id: Uuid,
    pub name: String,
    pub description: String,
    pub charge_type: ChargeType,
    /// 10⁻⁸ units per period; set for FLAT items.
    pub flat_amount: Option<i64>,
    /// Percentage as 10⁻⁸ units; set for PERCENTAGE items.
    pub percentage: Option<i64>,
    /// JSON array of custom line item ids a PERCENTAGE item is a percentage of (`[]`: of the
    /// group's pro-forma charge).
    pub child_item_ids: String,
    /// `YYYY-MM`, inclusive.
    pub billing_period_start: String,
    /// `YYYY-MM`, exclusive; null for a recurring item without end.
    pub billing_period_end: Option<String>,
    /// The one linked account the item applies to, if any.
    pub linked_account_id: Option<String>,
    /// PERCENTAGE of the group's charge: leave Savings Plan negation lines out of the base.
    pub exclude_savings_plan_negation: bool,
    pub currency: String,
    pub abc_arn: Option<String>,
    /// `PENDING` | `SYNCED` | `FAILED`
    pub abc_sync_status: Option<crate::billing_groups::AbcSyncStatus>,
    pub abc_sync_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
