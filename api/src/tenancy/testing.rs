//! A migrated SQLite database and tenants, for the tenancy handles' own tests.

use chrono::Utc;
use entity::{payers, tenants};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use crate::db::Db;

/// A fresh, migrated database (kept while the directory lives).
pub async fn database() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let pool = sea_orm::Database::connect(format!("sqlite://{}/pb.db?mode=rwc", dir.path().display())).await.unwrap();
    Migrator::up(&pool, None).await.unwrap();
    (dir, Db::from(pool))
}

/// A top-level tenant at `/{name}/`.
pub async fn tenant(db: &Db, name: &str) -> tenants::Model {
    let now = Utc::now();
    tenants::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        parent_id: Set(None),
        kind: Set(entity::tenants::TenantKind::Distributor),
        name: Set(name.into()),
        path: Set(format!("/{name}/")),
        billing_address: Set(String::new()),
        tax_id: Set(String::new()),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap()
}

/// A connected NATIVE payer of `tenant` for management account `account`.
pub async fn payer(db: &Db, tenant: &tenants::Model, account: &str) -> payers::Model {
    let now = Utc::now();
    payers::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.id),
        account_id: Set(account.into()),
        name: Set(format!("payer {account}")),
        role_arn: Set(format!("arn:aws:iam::{account}:role/pb")),
        external_id: Set(format!("external-id-of-{account}")),
        status: Set(payers::PayerStatus::Connected),
        status_reason: Set(None),
        last_checked_at: Set(None),
        cost_export_bucket: Set(None),
        cost_export_prefix: Set(None),
        billing_mode: Set(payers::BillingMode::Native),
        upstream_billing_group_id: Set(None),
        dashboard_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap()
}

/// A pricing plan of `payer`.
pub async fn plan(db: &Db, payer: uuid::Uuid) -> entity::pricing_plans::Model {
    let now = Utc::now();
    entity::pricing_plans::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        payer_id: Set(payer),
        name: Set(format!("plan {}", uuid::Uuid::now_v7())),
        description: Set(String::new()),
        base: Set(entity::pricing_plans::PlanBase::Unblended),
        pass_tax: Set(true),
        pass_credits: Set(true),
        pass_refunds: Set(true),
        pass_partner_discounts: Set(true),
        abc_arn: Set(None),
        abc_sync_status: Set(None),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap()
}

/// A billing group `name` of `payer` on `plan`, billed to `customer`.
pub async fn group(db: &Db, payer: uuid::Uuid, plan: uuid::Uuid, name: &str, customer: Option<uuid::Uuid>) -> entity::billing_groups::Model {
    let now = Utc::now();
    entity::billing_groups::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        payer_id: Set(payer),
        name: Set(name.into()),
        description: Set(String::new()),
        primary_account_id: Set("333333333333".into()),
        pricing_plan_id: Set(plan),
        customer_tenant_id: Set(customer),
        abc_arn: Set(None),
        abc_sync_status: Set(None),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap()
}

/// A GLOBAL 5 % markup rule of `payer`, to store as it is or changed.
pub fn rule(payer: uuid::Uuid) -> entity::pricing_rules::ActiveModel {
    let now = Utc::now();
    entity::pricing_rules::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        payer_id: Set(payer),
        name: Set(format!("rule {}", uuid::Uuid::now_v7())),
        description: Set(String::new()),
        scope: Set(entity::pricing_rules::RuleScope::Global),
        rule_type: Set(entity::pricing_rules::RuleType::Markup),
        modifier_percentage: Set(5),
        service: Set(None),
        billing_entity: Set(None),
        usage_type: Set(None),
        operation: Set(None),
        free_tier: Set(None),
        abc_arn: Set(None),
        abc_sync_status: Set(None),
        abc_sync_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A tenant whose path is built from ids, as the product builds them.
pub async fn tenant_below(db: &Db, parent: Option<&tenants::Model>, name: &str) -> tenants::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id = uuid::Uuid::now_v7();
    let mut row: tenants::ActiveModel = tenant(db, name).await.into();
    tenants::Entity::delete_many().filter(tenants::Column::Name.eq(name)).exec(db).await.unwrap();
    row.parent_id = Set(parent.map(|p| p.id));
    row.path = Set(format!("{}{id}/", parent.map_or("/", |p| p.path.as_str())));
    row.id = Set(id);
    row.insert(db).await.unwrap()
}

/// A USD → `to` exchange rate of `tenant` for 2026-11, to store as it is or changed.
pub fn rate(tenant: uuid::Uuid, to: &str) -> entity::exchange_rates::ActiveModel {
    entity::exchange_rates::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant),
        billing_period: Set("2026-11".into()),
        from_currency: Set("USD".into()),
        to_currency: Set(to.into()),
        rate: Set(1),
        entered_by: Set("a@example.com".into()),
        entered_at: Set(Utc::now()),
    }
}

/// A user with a placeholder password hash, to store as it is or changed.
pub fn user(email: &str) -> entity::users::ActiveModel {
    let now = Utc::now();
    entity::users::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        email: Set(email.into()),
        display_name: Set(String::new()),
        password_hash: Set("x".into()),
        locale: Set("en".into()),
        disabled_at: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A handle on the same database that counts the statements run through it (a "fixed number of
/// queries" test reads the count).
pub fn counting(db: &Db) -> (Db, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let mut counted = db.pool().clone();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = count.clone();
    counted.set_metric_callback(move |_| {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    (Db::from(counted), count)
}

/// A signed-in admin of `tenant` (and so of its subtree).
pub fn admin_of(tenant: &tenants::Model) -> crate::tenancy::principal::Principal {
    use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
    Principal {
        user_id: crate::ids::UserId(uuid::Uuid::now_v7()),
        email: "admin@example.com".into(),
        credential: Credential::Session(crate::ids::SessionId(uuid::Uuid::now_v7())),
        grants: vec![Grant { role: crate::tenancy::Role::Admin, target: GrantTarget::Tenant { id: crate::ids::TenantId(tenant.id), path: tenant.path.clone() } }],
    }
}
