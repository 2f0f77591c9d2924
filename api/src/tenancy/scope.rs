//! The scoped data access type. It is built only from a verified [`Principal`]; every finder
//! adds the caller's tenant filter, so an id from another tenant reads as NOT_FOUND. An id taken
//! from request input never widens what a caller can reach.

use entity::{memberships, payers, tenants};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PrimaryKeyTrait, QueryFilter};

use crate::db::Db;
use crate::tenancy::principal::Principal;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::Role;
use crate::tenancy::payer::{PayerOwned, Rows, ScopedPayer};

/// Data access on behalf of one verified caller.
#[derive(Clone)]
pub struct Scope {
    db: Db,
    principal: Principal,
}

/// An always-false condition (a caller with no grants sees nothing).
fn nothing() -> Condition {
    Condition::all().add(ExprTrait::eq(Expr::val(1), 0))
}

impl Scope {
    pub(crate) fn new(db: Db, principal: Principal) -> Self {
        Self { db, principal }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Whether the caller holds a role on the root tenant (the platform's own staff).
    pub fn is_platform_staff(&self) -> bool {
        self.holds_on_platform(Role::Viewer)
    }

    /// The connection, for domain code that has already applied this scope's filters.
    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    /// Checks `have` against `need`: nothing → NOT_FOUND, too little → FORBIDDEN.
    fn require(have: Option<Role>, need: Role, what: &'static str) -> AppResult<Role> {
        match have {
            None => Err(AppError::NotFound(what)),
            Some(role) if role >= need => Ok(role),
            Some(role) => Err(AppError::forbidden(format!("this needs the {need} role; you have {role}"))),
        }
    }

    /// A tenant the caller can see, holding at least `need` on it.
    pub async fn tenant(&self, id: TenantId, need: Role) -> AppResult<tenants::Model> {
        let tenant = tenants::Entity::find_by_id(id.0).one(&self.db).await?.ok_or(AppError::NotFound("tenant"))?;
        Self::require(self.principal.role_on_tenant(&tenant.path), need, "tenant")?;
        Ok(tenant)
    }

    /// A payer the caller can see, holding at least `need` on it: the handle to its rows.
    pub async fn payer(&self, id: PayerId, need: Role) -> AppResult<ScopedPayer> {
        let payer = payers::Entity::find_by_id(id.0).one(&self.db).await?.ok_or(AppError::NotFound("payer"))?;
        let tenant =
            tenants::Entity::find_by_id(payer.tenant_id).one(&self.db).await?.ok_or(AppError::NotFound("payer"))?;
        Self::require(self.principal.role_on_payer(id, &tenant.path), need, "payer")?;
        Ok(ScopedPayer::new(payer, tenant.path, self.db.clone()))
    }

    /// The payers among `ids` on which the caller holds `need` (as [`Scope::payer`] decides),
    /// each with its tenant's path, in two queries however many; the others are left out.
    pub async fn payers_among(&self, ids: &[PayerId], need: Role) -> AppResult<Vec<(payers::Model, String)>> {
        use sea_orm::QuerySelect;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = payers::Entity::find().filter(payers::Column::Id.is_in(ids.iter().map(|p| p.0))).all(&self.db).await?;
        let tenant_ids: std::collections::BTreeSet<uuid::Uuid> = rows.iter().map(|p| p.tenant_id).collect();
        let paths: std::collections::HashMap<uuid::Uuid, String> = tenants::Entity::find()
            .select_only()
            .column(tenants::Column::Id)
            .column(tenants::Column::Path)
            .filter(tenants::Column::Id.is_in(tenant_ids))
            .into_tuple::<(uuid::Uuid, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|p| {
                let path = paths.get(&p.tenant_id)?.clone();
                let held = self.principal.role_on_payer(PayerId(p.id), &path);
                held.is_some_and(|r| r >= need).then_some((p, path))
            })
            .collect())
    }

    /// Filter on `tenants`: the subtrees where the caller holds at least `min`.
    pub fn tenants_filter(&self, min: Role) -> Condition {
        let paths = self.principal.tenant_paths(min);
        if paths.is_empty() {
            return nothing();
        }
        paths
            .into_iter()
            .fold(Condition::any(), |c, p| c.add(tenants::Column::Path.starts_with(p)))
    }

    /// Filter on `payers`: payers under the caller's subtrees plus single-payer grants.
    pub fn payers_filter(&self, min: Role) -> Condition {
        let direct: Vec<_> = self.principal.payer_ids(min).into_iter().map(|p| p.0).collect();
        Condition::any()
            .add(Expr::col((payers::Entity, payers::Column::TenantId)).in_subquery(self.visible_tenant_ids(min)))
            .add(if direct.is_empty() { nothing() } else { Condition::all().add(payers::Column::Id.is_in(direct)) })
    }

    /// `SELECT id FROM tenants` where the caller holds at least `min`: the one way to filter
    /// another table's tenant column by visibility (`col.in_subquery(scope.visible_tenant_ids(…))`).
    pub fn visible_tenant_ids(&self, min: Role) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(tenants::Column::Id)
            .from(tenants::Entity)
            .cond_where(self.tenants_filter(min))
            .to_owned()
    }

    /// `SELECT id FROM payers` the caller holds at least `min` on (by tenant or single-payer grant).
    pub fn visible_payer_ids(&self, min: Role) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column((payers::Entity, payers::Column::Id))
            .from(payers::Entity)
            .cond_where(self.payers_filter(min))
            .to_owned()
    }

    /// The row of a payer-owned table with this primary key, if its payer is one the caller
    /// sees; otherwise NOT_FOUND as `what` (the role the action needs is checked on the payer next).
    pub async fn payer_row<E: PayerOwned>(&self, id: <E::PrimaryKey as PrimaryKeyTrait>::ValueType, what: &'static str) -> AppResult<E::Model> {
        Rows::<E, Db>::by_key_of_payers(id, self.visible_payer_ids(Role::Viewer), &self.db).one().await?.ok_or(AppError::NotFound(what))
    }

    /// The tenants where the caller holds at least `min`.
    pub fn tenants(&self, min: Role) -> Rows<'_, tenants::Entity, Db> {
        Rows::matching(self.tenants_filter(min), &self.db)
    }

    /// The payers the caller holds at least `min` on.
    pub fn payers(&self, min: Role) -> Rows<'_, payers::Entity, Db> {
        Rows::matching(self.payers_filter(min), &self.db)
    }

    /// The users the caller holds at least `min` over (and the caller).
    pub fn users(&self, min: Role) -> Rows<'_, entity::users::Entity, Db> {
        Rows::matching(self.users_filter(min), &self.db)
    }

    /// The memberships on targets the caller holds at least `min` on.
    pub fn memberships(&self, min: Role) -> Rows<'_, memberships::Entity, Db> {
        Rows::matching(self.memberships_filter(min), &self.db)
    }

    /// The caller's own memberships, wherever they are held.
    pub fn own_memberships(&self) -> Rows<'_, memberships::Entity, Db> {
        Rows::matching(Condition::all().add(memberships::Column::UserId.eq(self.principal.user_id.0)), &self.db)
    }

    /// Filter on `memberships`: those whose target the caller holds at least `min` on.
    pub fn memberships_filter(&self, min: Role) -> Condition {
        Condition::any()
            .add(Expr::col((memberships::Entity, memberships::Column::TenantId)).in_subquery(self.visible_tenant_ids(min)))
            .add(Expr::col((memberships::Entity, memberships::Column::PayerId)).in_subquery(self.visible_payer_ids(min)))
    }

    /// Filter on `users`: the caller, plus users holding a membership the caller is `min` on.
    pub fn users_filter(&self, min: Role) -> Condition {
        let managed = Query::select()
            .column((memberships::Entity, memberships::Column::UserId))
            .from(memberships::Entity)
            .cond_where(self.memberships_filter(min))
            .to_owned();
        Condition::any()
            .add(entity::users::Column::Id.eq(self.principal.user_id.0))
            .add(Expr::col((entity::users::Entity, entity::users::Column::Id)).in_subquery(managed))
    }

    /// Whether the caller holds `min` on every membership the given user has (so acting on
    /// that user cannot reach beyond the caller's own scope).
    pub async fn covers_all_memberships_of(&self, user_id: uuid::Uuid, min: Role) -> AppResult<bool> {
        use sea_orm::PaginatorTrait;
        let all = memberships::Entity::find().filter(memberships::Column::UserId.eq(user_id)).count(&self.db).await?;
        let covered = self.memberships(min).filter(memberships::Column::UserId.eq(user_id)).count().await?;
        Ok(covered == all)
    }
}

