use sea_orm::entity::prelude::*;

use crate::cost_allocation_keys::KeyKind;

/// A cost allocation key a (payer, source, billing period) was read with: periods without a row
/// for a key were ingested before it was selected, so all their cost shows without a value.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cost_tag_coverage")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub payer_id: Uuid,
    pub source: String,
    pub billing_period: String,
    pub key_kind: KeyKind,
    pub key_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
