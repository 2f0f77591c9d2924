use sea_orm::entity::prelude::*;

/// The price a plan's rules apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PlanBase {
    /// Public on-demand price (Billing Conductor's behaviour; the default).
    #[sea_orm(string_value = "LIST")]
    List,
    #[sea_orm(string_value = "UNBLENDED")]
    Unblended,
    #[sea_orm(string_value = "NET_UNBLENDED")]
    NetUnblended,
    #[sea_orm(string_value = "AMORTIZED")]
    Amortized,
}

/// A pricing plan of one payer: a base price and a set of pricing rules
/// (`pricing_plan_rules`), plus which charge types pass through to the customer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pricing_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub name: String,
    pub description: String,
    pub base: PlanBase,
    /// Pass `Tax` lines to the customer.
    pub pass_tax: bool,
    /// Pass `Credit` lines to the customer.
    pub pass_credits: bool,
    /// Pass `Refund` lines to the customer.
    pub pass_refunds: bool,
    /// Pass partner-level discounts (EDP, SPP, distributor, bundled, RI volume…) to the customer.
    pub pass_partner_discounts: bool,
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
