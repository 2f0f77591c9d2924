use sea_orm::entity::prelude::*;

/// A node of the tenant tree. `path` is the materialised path of ids from the root,
/// `/<root>/<child>/…/<self>/`, so "is in the subtree of" is a prefix test.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub kind: TenantKind,
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

/// The kinds of node in the tenant tree, root first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum TenantKind {
    #[sea_orm(string_value = "platform")]
    Platform,
    #[sea_orm(string_value = "distributor")]
    Distributor,
    #[sea_orm(string_value = "reseller")]
    Reseller,
    #[sea_orm(string_value = "customer")]
    Customer,
}

impl TenantKind {
    /// The stored word, as messages name the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Distributor => "distributor",
            Self::Reseller => "reseller",
            Self::Customer => "customer",
        }
    }

    /// Whether a node of kind `child` may hang below a node of this kind. Partners may skip
    /// tiers (a reseller straight under the platform), but never go upwards.
    pub fn may_parent(self, child: TenantKind) -> bool {
        use TenantKind::*;
        matches!(
            (self, child),
            (Platform, Distributor | Reseller | Customer) | (Distributor, Reseller | Customer) | (Reseller, Customer)
        )
    }
}
