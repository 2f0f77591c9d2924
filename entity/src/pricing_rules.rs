use sea_orm::entity::prelude::*;

/// What a rule applies to (Billing Conductor's scopes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RuleScope {
    #[sea_orm(string_value = "GLOBAL")]
    Global,
    #[sea_orm(string_value = "SERVICE")]
    Service,
    #[sea_orm(string_value = "BILLING_ENTITY")]
    BillingEntity,
    #[sea_orm(string_value = "SKU")]
    Sku,
}

/// What a rule does to the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RuleType {
    #[sea_orm(string_value = "MARKUP")]
    Markup,
    #[sea_orm(string_value = "DISCOUNT")]
    Discount,
    /// The AWS free tier, applied or not (GLOBAL scope only).
    #[sea_orm(string_value = "TIERING")]
    Tiering,
}

/// A pricing rule of one payer, used by any number of its pricing plans.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pricing_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub name: String,
    pub description: String,
    pub scope: RuleScope,
    pub rule_type: RuleType,
    /// Percentage as 10⁻⁸ units (5 % = 500_000_000); 0 for TIERING.
    pub modifier_percentage: i64,
    /// Service code (SERVICE and SKU scopes), e.g. `AmazonEC2`.
    pub service: Option<String>,
    /// `AWS` | `AWS Marketplace` (BILLING_ENTITY scope).
    pub billing_entity: Option<String>,
    /// SKU scope.
    pub usage_type: Option<String>,
    /// SKU scope.
    pub operation: Option<String>,
    /// TIERING: whether the AWS free tier is applied.
    pub free_tier: Option<bool>,
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
