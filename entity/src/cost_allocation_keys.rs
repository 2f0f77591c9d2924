use sea_orm::entity::prelude::*;

/// Where a cost allocation key's values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum KeyKind {
    /// A user-defined cost allocation tag (CUR 2.0 `resource_tags['user_<key>']`, legacy CUR
    /// `resourceTags/user:<key>`, FOCUS `Tags`).
    #[sea_orm(string_value = "TAG")]
    Tag,
    /// An AWS cost category (CUR 2.0 `cost_category['<name>']`, legacy CUR
    /// `costCategory/<name>`, FOCUS `x_CostCategories`).
    #[sea_orm(string_value = "COST_CATEGORY")]
    CostCategory,
}

/// A tag key or cost category a partner selected for a payer: ingestion keeps its values as a
/// day-grain dimension (`cost_daily_tags`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_allocation_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    /// The order the partner chose (0 first).
    pub position: i16,
    pub kind: KeyKind,
    /// As AWS spells it, case-sensitive.
    pub name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
