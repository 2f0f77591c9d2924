use async_graphql::Enum;

use crate::tenancy;

/// What a membership or token lets its holder do.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role")]
pub enum RoleGql {
    Admin,
    Operator,
    Viewer,
}

impl From<RoleGql> for tenancy::Role {
    fn from(r: RoleGql) -> Self {
        match r {
            RoleGql::Admin => Self::Admin,
            RoleGql::Operator => Self::Operator,
            RoleGql::Viewer => Self::Viewer,
        }
    }
}

impl From<tenancy::Role> for RoleGql {
    fn from(r: tenancy::Role) -> Self {
        match r {
            tenancy::Role::Admin => Self::Admin,
            tenancy::Role::Operator => Self::Operator,
            tenancy::Role::Viewer => Self::Viewer,
        }
    }
}

/// The tier of a tenant node.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "TenantKind")]
pub enum TenantKindGql {
    Platform,
    Distributor,
    Reseller,
    Customer,
}

impl From<TenantKindGql> for tenancy::TenantKind {
    fn from(k: TenantKindGql) -> Self {
        match k {
            TenantKindGql::Platform => Self::Platform,
            TenantKindGql::Distributor => Self::Distributor,
            TenantKindGql::Reseller => Self::Reseller,
            TenantKindGql::Customer => Self::Customer,
        }
    }
}

impl From<tenancy::TenantKind> for TenantKindGql {
    fn from(k: tenancy::TenantKind) -> Self {
        match k {
            tenancy::TenantKind::Platform => Self::Platform,
            tenancy::TenantKind::Distributor => Self::Distributor,
            tenancy::TenantKind::Reseller => Self::Reseller,
            tenancy::TenantKind::Customer => Self::Customer,
        }
    }
}
