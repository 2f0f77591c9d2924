use sea_orm::entity::prelude::*;

/// A node of the tenant tree. `path` is the materialised path of ids from the root,
/// `/<root>/<child>/…/<self>/`, so "is in the subtree of" is a prefix test.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    /// `platform` | `distributor` | `reseller` | `customer`
    pub kind: String,
    pub name: String,
    pub path: String,
    /// Postal address printed on invoices (several lines).
    pub billing_address: String,
    /// Tax registration number printed on invoices.
    pub tax_id: String,
    /// An https link to the tenant's Cloud Intelligence Dashboards / QuickSight, if any.
    pub dashboard_url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
