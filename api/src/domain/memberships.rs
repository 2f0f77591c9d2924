//! Roles held by users on tenants and payers.

use entity::memberships;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::domain::Target;
use crate::domain::users::{get as get_user, insert_membership, require_admin_on};
use crate::error::{AppError, AppResult};
use crate::ids::{MembershipId, ROOT_TENANT_ID, UserId};
use crate::tenancy::{Role, Scope};

/// A user's memberships that the caller can see.
pub async fn of_user(scope: &Scope, user: UserId) -> AppResult<Vec<memberships::Model>> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.0))
        .order_by_asc(memberships::Column::Id)
        .all(scope.db())
        .await?;
    if user == scope.principal().user_id {
        return Ok(rows);
    }
    let mut visible = Vec::with_capacity(rows.len());
    for m in rows {
        if scope.role_on_membership(&m).await?.is_some() {
            visible.push(m);
        }
    }
    Ok(visible)
}

/// Gives a user a role on a target the caller administers.
pub async fn grant(scope: &Scope, user: UserId, target: Target, role: Role) -> AppResult<memberships::Model> {
    get_user(scope, user, Role::Admin).await?;
    require_admin_on(scope, target).await?;
    let existing = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.0))
        .filter(match target {
            Target::Tenant(t) => memberships::Column::TenantId.eq(t.0),
            Target::Payer(p) => memberships::Column::PayerId.eq(p.0),
        })
        .count(scope.db())
        .await?;
    if existing > 0 {
        return Err(AppError::Conflict("the user already holds a role there; revoke it first".into()));
    }
    insert_membership(scope.db(), user, target, role, Some(scope.principal().user_id)).await
}

/// Removes a membership on a target the caller administers. The platform keeps one admin.
pub async fn revoke(scope: &Scope, id: MembershipId) -> AppResult<memberships::Model> {
    let membership = memberships::Entity::find_by_id(id.0)
        .filter(scope.memberships_filter(Role::Admin))
        .one(scope.db())
        .await?
        .ok_or(AppError::NotFound("membership"))?;
    if membership.tenant_id == Some(ROOT_TENANT_ID.0) && membership.role == Role::Admin.as_str() {
        let admins = memberships::Entity::find()
            .filter(memberships::Column::TenantId.eq(ROOT_TENANT_ID.0))
            .filter(memberships::Column::Role.eq(Role::Admin.as_str()))
            .count(scope.db())
            .await?;
        if admins <= 1 {
            return Err(AppError::Conflict("the platform must keep at least one admin".into()));
        }
    }
    memberships::Entity::delete_by_id(id.0).exec(scope.db()).await?;
    Ok(membership)
}
