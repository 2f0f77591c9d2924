use async_graphql::Enum;

/// What a membership or token lets its holder do.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role", remote = "entity::memberships::Role")]
pub enum RoleGql {
    Admin,
    Operator,
    Viewer,
}

/// The tier of a tenant node.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "TenantKind", remote = "entity::tenants::TenantKind")]
pub enum TenantKindGql {
    Platform,
    Distributor,
    Reseller,
    Customer,
}
