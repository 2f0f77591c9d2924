use sea_orm::entity::prelude::*;

/// One Cost Optimization Hub recommendation of a payer, as last pulled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "optimization_recommendations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    /// AWS's recommendation id.
    pub recommendation_id: String,
    /// The linked account (12 digits) the resource is in.
    pub account_id: String,
    pub region: String,
    /// The resource id, or its ARN where AWS gives no id.
    pub resource_id: String,
    /// e.g. `Ec2Instance`, `EbsVolume`, `ComputeSavingsPlans`.
    pub resource_type: String,
    /// e.g. `Rightsize`, `Stop`, `Upgrade`, `PurchaseSavingsPlans`.
    pub action_type: String,
    pub current_summary: String,
    pub recommended_summary: String,
    /// `VeryLow` … `VeryHigh`.
    pub implementation_effort: String,
    pub restart_needed: bool,
    pub rollback_possible: bool,
    /// Money units of 10⁻⁸ (see `money`), in `currency`.
    pub estimated_monthly_savings: i64,
    pub estimated_monthly_cost: i64,
    pub currency: String,
    pub last_refreshed_at: Option<DateTimeUtc>,
    pub pulled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
