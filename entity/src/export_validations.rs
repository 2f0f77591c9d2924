use sea_orm::entity::prelude::*;

/// The latest cost export validation of one payer (each run replaces it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_validations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    pub checked_at: DateTimeUtc,
    /// Why the run could not judge the exports (e.g. the role could not be assumed), in plain
    /// words; the health and the selected export are derived when read.
    pub error: Option<String>,
    /// JSON array of the assessed exports with their checks.
    pub exports: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
