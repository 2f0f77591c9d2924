use sea_orm::entity::prelude::*;

/// One account's membership of a billing group for a range of billing periods
/// `[billing_period_start, billing_period_end)`; an account is in at most one group per period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_group_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub billing_group_id: Uuid,
    pub payer_id: Uuid,
    /// 12-digit AWS account id as text.
    pub account_id: String,
    /// `YYYY-MM`, inclusive.
    pub billing_period_start: String,
    /// `YYYY-MM`, exclusive; null while the account stays.
    pub billing_period_end: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
