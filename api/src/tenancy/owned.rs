//! Rows that belong to a tenant, or to a tenant or a payer, and the `Scope` finders that reach
//! them: every query starts with "owned by something the caller sees", and every write checks
//! the owner the row names before it is stored.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel, Value};

use crate::db::{BeginWrite, Db};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::payer::{Delete, PayerSet, Rows, UpdateRows};
use crate::tenancy::{Role, Scope};

/// A table whose rows each belong to one tenant (a non-null `tenant_id`).
pub trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

/// A table whose rows belong to a tenant or to a payer (nullable `tenant_id` and `payer_id`;
/// a payer's row may name its tenant too).
pub trait TargetOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
    fn payer_column() -> Self::Column;
}

/// A table whose rows may be assigned to a customer tenant (`customer_tenant_id`): an end
/// customer sees the rows assigned to a tenant they hold a role on.
pub trait CustomerAssigned: EntityTrait {
    fn customer_tenant_column() -> Self::Column;
    fn payer_column() -> Self::Column;
}

impl CustomerAssigned for entity::billing_groups::Entity {
    fn customer_tenant_column() -> Self::Column {
        entity::billing_groups::Column::CustomerTenantId
    }
    fn payer_column() -> Self::Column {
        entity::billing_groups::Column::PayerId
    }
}

macro_rules! tenant_owned {
    ($($table:ident),* $(,)?) => {
        $(impl TenantOwned for entity::$table::Entity {
            fn tenant_column() -> Self::Column {
                entity::$table::Column::TenantId
            }
        })*
    };
}

macro_rules! target_owned {
    ($($table:ident),* $(,)?) => {
        $(impl TargetOwned for entity::$table::Entity {
            fn tenant_column() -> Self::Column {
                entity::$table::Column::TenantId
            }
            fn payer_column() -> Self::Column {
                entity::$table::Column::PayerId
            }
        })*
    };
}

tenant_owned!(document_sequences, exchange_rates, notification_templates, payers, tenant_settings, webhook_endpoints);

/// A tenant's own row is its own (so an update of it checks the caller's role on it).
impl TenantOwned for entity::tenants::Entity {
    fn tenant_column() -> Self::Column {
        entity::tenants::Column::Id
    }
}

/// A customer's onboarding steps are the customer's.
impl TenantOwned for entity::onboarding_steps::Entity {
    fn tenant_column() -> Self::Column {
        entity::onboarding_steps::Column::CustomerTenantId
    }
}

/// A contract belongs to its customer tenant.
impl TenantOwned for entity::contracts::Entity {
    fn tenant_column() -> Self::Column {
        entity::contracts::Column::CustomerTenantId
    }
}
target_owned!(api_tokens, audit_events, jobs, memberships, notification_subscriptions, notifications, outbox_events);

/// An invoice (or note) is its payer's, the partner's side, and its customer tenant's.
impl TargetOwned for entity::invoices::Entity {
    fn tenant_column() -> Self::Column {
        entity::invoices::Column::CustomerTenantId
    }
    fn payer_column() -> Self::Column {
        entity::invoices::Column::PayerId
    }
}

/// A table whose rows are parts of one row of a tenant-or-payer table (an invoice's lines, its
/// kept file): whoever sees the whole sees its parts.
pub trait PartOf: EntityTrait {
    type Whole: TargetOwned;
    /// The column naming the whole.
    fn whole_column() -> Self::Column;
    /// The whole's key that column holds.
    fn whole_key() -> <Self::Whole as EntityTrait>::Column;
}

impl PartOf for entity::invoice_lines::Entity {
    type Whole = entity::invoices::Entity;
    fn whole_column() -> Self::Column {
        entity::invoice_lines::Column::InvoiceId
    }
    fn whole_key() -> entity::invoices::Column {
        entity::invoices::Column::Id
    }
}

impl PartOf for entity::invoice_files::Entity {
    type Whole = entity::invoices::Entity;
    fn whole_column() -> Self::Column {
        entity::invoice_files::Column::InvoiceId
    }
    fn whole_key() -> entity::invoices::Column {
        entity::invoices::Column::Id
    }
}

pub(super) fn uuid_of(value: Option<Value>) -> Option<uuid::Uuid> {
    match value {
        Some(Value::Uuid(Some(id))) => Some(id),
        _ => None,
    }
}

/// A write transaction on one tenant's rows, opened after the caller's role on the tenant was
/// checked (`Scope::begin_write_on_tenant`): what it stores or changes must name that tenant.
pub struct TenantTxn {
    tenant: uuid::Uuid,
    txn: DatabaseTransaction,
}

impl TenantTxn {
    pub fn tenant_id(&self) -> uuid::Uuid {
        self.tenant
    }

    /// Stores a new row of this tenant (its tenant column is set here, whatever the caller put).
    pub async fn insert<A>(&self, mut row: A) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        row.set(<A::Entity as TenantOwned>::tenant_column(), self.tenant.into());
        Ok(row.insert(&self.txn).await?)
    }

    /// Stores a row of this tenant, or updates `update` of the row already there with the same
    /// `key` (a unique key that must include the tenant column, so the row met is this tenant's).
    pub async fn upsert<A>(&self, mut row: A, key: &[<A::Entity as EntityTrait>::Column], update: Vec<<A::Entity as EntityTrait>::Column>) -> AppResult<()>
    where
        A: ActiveModelTrait + Send,
        A::Entity: TenantOwned,
    {
        use sea_orm::IdenStatic;
        let tenant_column = <A::Entity as TenantOwned>::tenant_column();
        if !key.iter().any(|c| c.as_str() == tenant_column.as_str()) {
            return Err(AppError::internal(anyhow::anyhow!("an upsert through a tenant transaction was not keyed by the tenant")));
        }
        row.set(tenant_column, self.tenant.into());
        let on_conflict = sea_orm::sea_query::OnConflict::columns(key.iter().copied()).update_columns(update).to_owned();
        A::Entity::insert(row).on_conflict(on_conflict).exec_without_returning(&self.txn).await?;
        Ok(())
    }

    /// Saves changes to a row of this tenant; a row naming another tenant is not found.
    pub async fn update<A>(&self, row: A) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        if uuid_of(row.get(<A::Entity as TenantOwned>::tenant_column()).into_value()) != Some(self.tenant) {
            return Err(AppError::NotFound("row"));
        }
        Ok(row.update(&self.txn).await?)
    }

    /// The transaction, for the lower layers whose writes must join it (the outbox, the job
    /// queue, the audit trail; `tests/layers.rs` checks who calls it).
    pub(crate) fn joined(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub async fn commit(self) -> AppResult<()> {
        Ok(self.txn.commit().await?)
    }
}

impl Scope {
    /// Opens a write transaction on a tenant the caller holds at least `need` on.
    pub async fn begin_write_on_tenant(&self, tenant: TenantId, need: Role) -> AppResult<TenantTxn> {
        let tenant = self.tenant(tenant, need).await?;
        Ok(TenantTxn { tenant: tenant.id, txn: self.db().begin_write().await? })
    }

    fn tenant_owned_condition<E: TenantOwned>(&self, min: Role) -> Condition {
        Condition::all().add(Expr::col((E::default(), E::tenant_column())).in_subquery(self.visible_tenant_ids(min)))
    }

    fn target_owned_condition<E: TargetOwned>(&self, min: Role) -> Condition {
        Condition::any()
            .add(Expr::col((E::default(), E::tenant_column())).in_subquery(self.visible_tenant_ids(min)))
            .add(Expr::col((E::default(), E::payer_column())).in_subquery(self.visible_payer_ids(min)))
    }

    /// Rows assigned to a customer tenant the caller holds at least `min` on.
    pub fn customer_rows<E: CustomerAssigned>(&self, min: Role) -> Rows<'_, E, Db> {
        let assigned = Condition::all().add(Expr::col((E::default(), E::customer_tenant_column())).in_subquery(self.visible_tenant_ids(min)));
        Rows::matching(assigned, self.db())
    }

    /// The payers a read of cost may reach: those the caller holds a role on, and those with a
    /// billing group assigned to one of the caller's customer tenants (which the read narrows to
    /// those groups' accounts). Any other id is NOT_FOUND.
    pub async fn readable_payers(&self, ids: &[uuid::Uuid]) -> AppResult<PayerSet> {
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let assigned = sea_orm::sea_query::Query::select()
            .column(<entity::billing_groups::Entity as CustomerAssigned>::payer_column())
            .from(entity::billing_groups::Entity)
            .cond_where(
                Condition::all().add(
                    Expr::col((entity::billing_groups::Entity, entity::billing_groups::Column::CustomerTenantId))
                        .in_subquery(self.visible_tenant_ids(Role::Viewer)),
                ),
            )
            .to_owned();
        let mut wanted: Vec<uuid::Uuid> = ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let found: Vec<uuid::Uuid> = Rows::<entity::payers::Entity, Db>::matching(
            Condition::any()
                .add(self.payers_filter(Role::Viewer))
                .add(Expr::col((entity::payers::Entity, entity::payers::Column::Id)).in_subquery(assigned)),
            self.db(),
        )
        .filter(entity::payers::Column::Id.is_in(wanted.clone()))
        .select_only()
        .column(entity::payers::Column::Id)
        .tuples()
        .await?;
        if found.len() != wanted.len() {
            return Err(AppError::NotFound("payer"));
        }
        Ok(PayerSet::new(wanted, self.db().clone()))
    }

    /// Rows of a tenant-owned table whose tenant the caller holds at least `min` on.
    pub fn tenant_rows<E: TenantOwned>(&self, min: Role) -> Rows<'_, E, Db> {
        Rows::matching(self.tenant_owned_condition::<E>(min), self.db())
    }

    /// Rows of a tenant-owned table that a tenant the caller sees inherits: its own and its
    /// ancestors' (a template override set above applies below it), whether or not the caller
    /// holds a role on those ancestors. A tenant the caller does not see inherits nothing.
    pub fn inherited_rows<E: TenantOwned>(&self, tenant_path: &str) -> Rows<'_, E, Db> {
        use sea_orm::ColumnTrait;
        if self.principal().role_on_tenant(tenant_path).is_none() {
            return Rows::matching(Condition::all().add(Expr::val(1).eq(0)), self.db());
        }
        let lineage: Vec<uuid::Uuid> = tenant_path.split('/').filter_map(|p| p.parse().ok()).collect();
        Rows::matching(Condition::all().add(E::tenant_column().is_in(lineage)), self.db())
    }

    /// Rows of a tenant-or-payer table whose tenant or payer the caller holds at least `min` on.
    pub fn target_rows<E: TargetOwned>(&self, min: Role) -> Rows<'_, E, Db> {
        Rows::matching(self.target_owned_condition::<E>(min), self.db())
    }

    /// Rows of a tenant-or-payer table kept apart by payer first: a payer's rows for those who
    /// see the payer (whatever tenant the row names, so a payer moved away takes its rows with
    /// it), a tenant's own rows (no payer) for those who see the tenant, and the platform's rows
    /// (neither) for platform staff only.
    pub fn target_rows_and_platform_rows<E: TargetOwned>(&self, min: Role) -> Rows<'_, E, Db> {
        let (tenant, payer) = (Expr::col((E::default(), E::tenant_column())), Expr::col((E::default(), E::payer_column())));
        let mut visible = Condition::any()
            .add(payer.clone().in_subquery(self.visible_payer_ids(min)))
            .add(Condition::all().add(payer.clone().is_null()).add(tenant.clone().in_subquery(self.visible_tenant_ids(min))));
        if self.is_platform_staff() {
            visible = visible.add(Condition::all().add(payer.is_null()).add(tenant.is_null()));
        }
        Rows::matching(visible, self.db())
    }

    /// Parts of rows of a tenant-or-payer table whose tenant or payer the caller holds `min` on.
    pub fn part_rows<E: PartOf>(&self, min: Role) -> Rows<'_, E, Db> {
        let wholes = sea_orm::sea_query::Query::select()
            .column((E::Whole::default(), E::whole_key()))
            .from(E::Whole::default())
            .cond_where(self.target_owned_condition::<E::Whole>(min))
            .to_owned();
        Rows::matching(Condition::all().add(Expr::col((E::default(), E::whole_column())).in_subquery(wholes)), self.db())
    }

    /// Deletes rows of a tenant-owned table, among those whose tenant the caller holds `min` on.
    pub fn delete_tenant_rows<E: TenantOwned>(&self, min: Role) -> Delete<'_, E, Db> {
        Delete::matching(self.tenant_owned_condition::<E>(min), self.db())
    }

    /// Deletes rows of a tenant-or-payer table, among those whose owner the caller holds `min` on.
    pub fn delete_target_rows<E: TargetOwned>(&self, min: Role) -> Delete<'_, E, Db> {
        Delete::matching(self.target_owned_condition::<E>(min), self.db())
    }

    /// Changes rows of a tenant-or-payer table, among those whose owner the caller holds `min`
    /// on (never their owner columns).
    pub fn update_target_rows<E: TargetOwned>(&self, min: Role) -> UpdateRows<'_, E, Db> {
        UpdateRows::matching(self.target_owned_condition::<E>(min), vec![E::tenant_column(), E::payer_column()], self.db())
    }

    /// Checks that the caller holds `need` on the tenant a row names (NOT_FOUND otherwise).
    async fn check_tenant_of<A>(&self, row: &A, need: Role) -> AppResult<()>
    where
        A: ActiveModelTrait,
        A::Entity: TenantOwned,
    {
        let tenant = uuid_of(row.get(<A::Entity as TenantOwned>::tenant_column()).into_value()).ok_or(AppError::NotFound("tenant"))?;
        self.tenant(TenantId(tenant), need).await.map(|_| ())
    }

    /// Stores a new row of a tenant-owned table; the caller must hold `need` on the tenant it names.
    pub async fn insert_for_tenant<A>(&self, row: A, need: Role) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        self.check_tenant_of(&row, need).await?;
        Ok(row.insert(self.db()).await?)
    }

    /// Saves a changed row of a tenant-owned table; the caller must hold `need` on its tenant.
    pub async fn update_for_tenant<A>(&self, row: A, need: Role) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        self.check_tenant_of(&row, need).await?;
        Ok(row.update(self.db()).await?)
    }

    /// Stores a new tenant below the parent its row names; the caller must hold `need` on that
    /// parent. Its path (which every visibility filter reads) is set here, from the parent's.
    pub async fn insert_child_tenant(&self, mut row: entity::tenants::ActiveModel, need: Role) -> AppResult<entity::tenants::Model> {
        use sea_orm::ActiveValue::Set;
        let parent = uuid_of(row.get(entity::tenants::Column::ParentId).into_value()).ok_or(AppError::NotFound("tenant"))?;
        let id = uuid_of(row.get(entity::tenants::Column::Id).into_value())
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("a new tenant row has no id")))?;
        let parent = self.tenant(TenantId(parent), need).await?;
        row.path = Set(format!("{}{id}/", parent.path));
        Ok(row.insert(self.db()).await?)
    }

    /// Stores a new row of a tenant-or-payer table; the caller must hold `need` on the payer it
    /// names, or (for a tenant's row) on its tenant.
    pub async fn insert_for_target<A>(&self, row: A, need: Role) -> AppResult<<A::Entity as EntityTrait>::Model>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TargetOwned,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        let payer = uuid_of(row.get(<A::Entity as TargetOwned>::payer_column()).into_value());
        let tenant = uuid_of(row.get(<A::Entity as TargetOwned>::tenant_column()).into_value());
        match (payer, tenant) {
            (Some(payer), _) => self.payer(PayerId(payer), need).await.map(|_| ())?,
            (None, Some(tenant)) => self.tenant(TenantId(tenant), need).await.map(|_| ())?,
            (None, None) => return Err(AppError::internal(anyhow::anyhow!("a row for a target names neither a tenant nor a payer"))),
        }
        Ok(row.insert(self.db()).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::{exchange_rates, notification_subscriptions as subs};
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

    use super::*;
    use crate::ids::{SessionId, UserId};
    use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
    use crate::tenancy::testing::{database, rate, tenant, tenant_below};

    fn subscription(tenant: uuid::Uuid) -> subs::ActiveModel {
        subs::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(Some(tenant)),
            payer_id: Set(None),
            event_types: Set("[]".into()),
            user_id: Set(None),
            email: Set(Some("ops@example.com".into())),
            account_owner: Set(false),
            locale: Set(None),
            created_by: Set(uuid::Uuid::now_v7()),
            created_at: Set(Utc::now()),
        }
    }

    async fn rates_of(db: &Db, tenant: uuid::Uuid) -> Vec<(String, i64)> {
        exchange_rates::Entity::find()
            .filter(exchange_rates::Column::TenantId.eq(tenant))
            .order_by_asc(exchange_rates::Column::ToCurrency)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.to_currency, r.rate))
            .collect()
    }

    /// The scope's finders for tenant-owned and tenant-or-payer rows keep to the tenants the
    /// caller holds a role on: another tenant's rows are neither read, written nor deleted.
    #[tokio::test]
    async fn scope_finders_reach_only_rows_of_tenants_the_caller_sees() {
        let (_dir, db) = database().await;
        let (mine, theirs) = (tenant(&db, "mine").await, tenant(&db, "theirs").await);
        let principal = Principal {
            user_id: UserId(uuid::Uuid::now_v7()),
            email: "admin@example.com".into(),
            credential: Credential::Session(SessionId(uuid::Uuid::now_v7())),
            grants: vec![Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId(mine.id), path: mine.path.clone() } }],
        };
        let scope = Scope::new(db.clone(), principal);
        let their_rate = rate(theirs.id, "EUR").insert(&db).await.unwrap();
        subscription(theirs.id).insert(&db).await.unwrap();

        // Writes naming another tenant are NOT_FOUND and store nothing.
        assert!(matches!(scope.insert_for_tenant(rate(theirs.id, "GBP"), Role::Admin).await, Err(AppError::NotFound(_))));
        let mut change: exchange_rates::ActiveModel = their_rate.into();
        change.rate = Set(99);
        assert!(matches!(scope.update_for_tenant(change, Role::Admin).await, Err(AppError::NotFound(_))));
        assert!(matches!(scope.insert_for_target(subscription(theirs.id), Role::Viewer).await, Err(AppError::NotFound(_))));
        // Writes naming the caller's tenant go through.
        scope.insert_for_tenant(rate(mine.id, "JPY"), Role::Admin).await.unwrap();
        let my_sub = scope.insert_for_target(subscription(mine.id), Role::Viewer).await.unwrap();

        // Reads see the caller's rows only.
        let rates: Vec<String> = scope.tenant_rows::<exchange_rates::Entity>(Role::Viewer).all().await.unwrap().into_iter().map(|r| r.to_currency).collect();
        assert_eq!(rates, ["JPY"]);
        let seen: Vec<uuid::Uuid> = scope.target_rows::<subs::Entity>(Role::Viewer).all().await.unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(seen, [my_sub.id]);

        // An update may not move rows to another owner; deletes reach the caller's rows only.
        let moved = scope.update_target_rows::<subs::Entity>(Role::Admin).col_expr(subs::Column::TenantId, Expr::value(theirs.id)).exec().await;
        assert!(moved.is_err());
        assert_eq!(scope.delete_tenant_rows::<exchange_rates::Entity>(Role::Admin).exec().await.unwrap(), 1);
        assert_eq!(scope.delete_target_rows::<subs::Entity>(Role::Admin).exec().await.unwrap(), 1);

        assert_eq!(rates_of(&db, theirs.id).await, vec![("EUR".to_owned(), 1)]);
        assert_eq!(rates_of(&db, mine.id).await, Vec::<(String, i64)>::new());
        assert_eq!(subs::Entity::find().all(&db).await.unwrap().len(), 1, "their subscription stays");
    }

    fn admin_of(tenant: &entity::tenants::Model) -> Principal {
        Principal {
            user_id: UserId(uuid::Uuid::now_v7()),
            email: "admin@example.com".into(),
            credential: Credential::Session(SessionId(uuid::Uuid::now_v7())),
            grants: vec![Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId(tenant.id), path: tenant.path.clone() } }],
        }
    }

    /// A transaction on a tenant stores and changes that tenant's rows only; a child tenant's
    /// path comes from a parent the caller administers; rows set above a tenant reach it only
    /// for callers who see the tenant; ownerless (platform) rows show to platform staff only.
    #[tokio::test]
    async fn tenant_transactions_and_tree_finders_keep_to_their_tenant() {
        let (_dir, db) = database().await;
        let parent = tenant_below(&db, None, "parent").await;
        let mine = tenant_below(&db, Some(&parent), "mine").await;
        let theirs = tenant_below(&db, None, "theirs").await;
        let scope = Scope::new(db.clone(), admin_of(&mine));
        let their_rate = rate(theirs.id, "EUR").insert(&db).await.unwrap();
        rate(parent.id, "CHF").insert(&db).await.unwrap();

        // A transaction on another tenant is not opened; one on the caller's writes there only.
        assert!(matches!(scope.begin_write_on_tenant(TenantId(theirs.id), Role::Viewer).await, Err(AppError::NotFound(_))));
        let txn = scope.begin_write_on_tenant(TenantId(mine.id), Role::Admin).await.unwrap();
        let stored = txn.insert(rate(theirs.id, "GBP")).await.unwrap();
        assert_eq!(stored.tenant_id, mine.id, "the row is stored as the transaction's tenant's");
        let mut change: exchange_rates::ActiveModel = their_rate.into();
        change.rate = Set(99);
        assert!(matches!(txn.update(change).await, Err(AppError::NotFound(_))));
        let unkeyed = txn.upsert(rate(mine.id, "SEK"), &[exchange_rates::Column::Id], vec![exchange_rates::Column::Rate]).await;
        assert!(unkeyed.is_err(), "an upsert not keyed by the tenant could meet another tenant's row");
        txn.commit().await.unwrap();
        assert_eq!(rates_of(&db, theirs.id).await, vec![("EUR".to_owned(), 1)]);
        assert_eq!(rates_of(&db, mine.id).await, vec![("GBP".to_owned(), 1)]);

        // A child tenant: under a tenant the caller does not see, NOT_FOUND; under theirs, the
        // path is the parent's, whatever the row said.
        let child = |parent: uuid::Uuid| entity::tenants::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            parent_id: Set(Some(parent)),
            kind: Set(entity::tenants::TenantKind::Customer),
            name: Set("child".into()),
            path: Set("/forged/".into()),
            billing_address: Set(String::new()),
            tax_id: Set(String::new()),
            dashboard_url: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        };
        assert!(matches!(scope.insert_child_tenant(child(theirs.id), Role::Admin).await, Err(AppError::NotFound(_))));
        let made = scope.insert_child_tenant(child(mine.id), Role::Admin).await.unwrap();
        assert_eq!(made.path, format!("{}{}/", mine.path, made.id));

        // What a tenant inherits: its own and its ancestors' rows; nothing of a tenant not seen.
        let mut inherited: Vec<String> =
            scope.inherited_rows::<exchange_rates::Entity>(&mine.path).all().await.unwrap().into_iter().map(|r| r.to_currency).collect();
        inherited.sort();
        assert_eq!(inherited, ["CHF", "GBP"]);
        assert!(scope.inherited_rows::<exchange_rates::Entity>(&theirs.path).all().await.unwrap().is_empty());

        // A platform row (neither tenant nor payer) shows to platform staff only.
        let mut platform_row = subscription(mine.id);
        platform_row.tenant_id = Set(None);
        let platform_row = platform_row.insert(&db).await.unwrap();
        let mine_row = subscription(mine.id).insert(&db).await.unwrap();
        let seen = |scope: Scope| async move {
            scope.target_rows_and_platform_rows::<subs::Entity>(Role::Viewer).all().await.unwrap().into_iter().map(|s| s.id).collect::<Vec<_>>()
        };
        assert_eq!(seen(scope.clone()).await, [mine_row.id]);
        let root = entity::tenants::Model { id: crate::ids::ROOT_TENANT_ID.0, path: format!("/{}/", crate::ids::ROOT_TENANT_ID), ..theirs.clone() };
        let staff = Scope::new(db.clone(), admin_of(&root));
        assert!(seen(staff).await.contains(&platform_row.id));
    }

    /// A cost read reaches the payers the caller holds a role on and those with a billing group
    /// assigned to the caller's customer tenant, and no other: one unseen payer among the ids
    /// makes the whole set NOT_FOUND.
    #[tokio::test]
    async fn a_cost_read_reaches_the_payers_a_customer_is_billed_on_and_no_other() {
        use entity::{billing_groups, pricing_plans};
        let (_dir, db) = database().await;
        let (customer, partner) = (tenant(&db, "customer").await, tenant(&db, "partner").await);
        let billed = crate::tenancy::testing::payer(&db, &partner, "111111111111").await;
        let other = crate::tenancy::testing::payer(&db, &partner, "222222222222").await;
        let plan = crate::tenancy::testing::plan(&db, billed.id).await;
        for (name, assigned) in [("theirs", Some(customer.id)), ("unassigned", None)] {
            crate::tenancy::testing::group(&db, billed.id, plan.id, name, assigned).await;
        }
        let principal = Principal {
            user_id: UserId(uuid::Uuid::now_v7()),
            email: "viewer@example.com".into(),
            credential: Credential::Session(SessionId(uuid::Uuid::now_v7())),
            grants: vec![Grant { role: Role::Viewer, target: GrantTarget::Tenant { id: TenantId(customer.id), path: customer.path.clone() } }],
        };
        let scope = Scope::new(db.clone(), principal);

        let groups: Vec<String> = scope.customer_rows::<billing_groups::Entity>(Role::Viewer).all().await.unwrap().into_iter().map(|g| g.name).collect();
        assert_eq!(groups, ["theirs"]);
        let set = scope.readable_payers(&[billed.id, billed.id]).await.unwrap();
        assert_eq!(set.ids(), [billed.id]);
        assert!(matches!(scope.readable_payers(&[billed.id, other.id]).await, Err(AppError::NotFound(_))));
        assert!(matches!(scope.readable_payers(&[other.id]).await, Err(AppError::NotFound(_))));
        // The set's finders stay on its payers.
        assert_eq!(set.rows::<billing_groups::Entity>().all().await.unwrap().len(), 2);
        assert_eq!(set.rows::<pricing_plans::Entity>().filter(pricing_plans::Column::PayerId.eq(other.id)).all().await.unwrap().len(), 0);
    }
}
