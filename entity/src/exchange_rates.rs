use sea_orm::entity::prelude::*;

/// The exchange rate an admin of an issuing tenant entered for a billing period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exchange_rates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    /// `YYYY-MM`
    pub billing_period: String,
    pub from_currency: String,
    pub to_currency: String,
    /// Units of `to_currency` per unit of `from_currency`, 10⁻⁸ units.
    pub rate: i64,
    pub entered_by: String,
    pub entered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
