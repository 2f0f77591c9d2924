use sea_orm::entity::prelude::*;

/// The PDF of an issued invoice or note, rendered once at issue: what was mailed is what is
/// downloaded, byte for byte.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub invoice_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    /// SHA-256 (hex) of `content`.
    pub sha256: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
