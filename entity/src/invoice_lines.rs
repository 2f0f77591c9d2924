use sea_orm::entity::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LineKind {
    /// AWS usage of one account and service, at the group's price.
    #[sea_orm(string_value = "USAGE")]
    Usage,
    /// A custom line item that adds.
    #[sea_orm(string_value = "FEE")]
    Fee,
    /// A custom line item that takes off.
    #[sea_orm(string_value = "CREDIT")]
    Credit,
    /// A note's correction of a closed period.
    #[sea_orm(string_value = "ADJUSTMENT")]
    Adjustment,
}

/// One line of an invoice or note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub position: i32,
    pub kind: LineKind,
    pub billing_group_id: Option<Uuid>,
    pub group_name: String,
    /// 12-digit account id; empty when the line is not an account's.
    pub account_id: String,
    /// Service code of a usage line; empty otherwise.
    pub service_code: String,
    pub description: String,
    /// In the invoice's source currency, 10⁻⁸ units, unrounded.
    pub source_amount: i64,
    /// In the invoice's currency, rounded to its minor unit (10⁻⁸ units): before tax when the tax
    /// is exclusive, including it when inclusive.
    pub amount: i64,
    /// The line's tax, rounded to the minor unit.
    pub tax: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
