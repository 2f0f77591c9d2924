//! The tenant tree, roles, and the scoped data access type every domain function takes.

pub mod billed;
pub mod owned;
pub mod payer;
pub mod platform_rows;
pub mod principal;
pub mod role;
#[cfg(test)]
pub(crate) mod testing;
pub mod scope;
pub mod unscoped;
pub mod user;

pub use billed::{BilledCustomer, Issuer};
pub use entity::tenants::TenantKind;
pub use role::Role;

use entity::tenants;
use sea_orm::{ActiveValue::Set, EntityTrait};

use crate::db::Db;
use crate::error::AppResult;
use crate::ids::ROOT_TENANT_ID;
pub use owned::{CustomerAssigned, PartOf, TargetOwned, TenantOwned, TenantTxn};
pub use platform_rows::PlatformOwned;
pub use payer::{PayerAccess, PayerOwned, PayerPart, PayerRead, PayerSet, PayerTransactions, PayerTxn, PlatformPayer, PricedFrom, ScopedPayer};
pub use scope::Scope;
pub use user::{NewUserTxn, ScopedUser, TenantEvents, UserTxn};

/// Creates the platform root on first start (idempotent, safe with several replicas).
pub async fn ensure_root(db: &Db) -> AppResult<()> {
    let now = chrono::Utc::now();
    let root = tenants::ActiveModel {
        id: Set(ROOT_TENANT_ID.0),
        parent_id: Set(None),
        kind: Set(TenantKind::Platform),
        name: Set("Platform".to_owned()),
        path: Set(format!("/{}/", ROOT_TENANT_ID)),
        billing_address: Set(String::new()),
        tax_id: Set(String::new()),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    tenants::Entity::insert(root).on_conflict_do_nothing_on([tenants::Column::Id]).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::TenantKind::*;

    #[test]
    fn tiers_only_go_down() {
        assert!(Platform.may_parent(Distributor));
        assert!(Platform.may_parent(Customer));
        assert!(Distributor.may_parent(Reseller));
        assert!(Reseller.may_parent(Customer));
        assert!(!Customer.may_parent(Customer));
        assert!(!Reseller.may_parent(Distributor));
        assert!(!Distributor.may_parent(Platform));
        assert!(!Platform.may_parent(Platform));
    }
}
