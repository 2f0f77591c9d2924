use sea_orm::entity::prelude::*;

/// The plan a billing group was priced with from `effective_from` until its next version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_group_plan_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub payer_id: Uuid,
    pub billing_group_id: Uuid,
    /// `YYYY-MM`; `0000-01` for what a group had before versions were kept.
    pub effective_from: String,
    pub pricing_plan_id: Uuid,
    /// JSON: the pro-forma engine's plan (base, pass-through switches, rules).
    pub plan: String,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
