//! Roles held by users on tenants and payers.

use entity::memberships;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use crate::domain::Target;
use crate::domain::users::{membership_row, require_admin_on, visible as visible_user};
use crate::error::{AppError, AppResult};
use crate::ids::{MembershipId, PayerId, ROOT_TENANT_ID, TenantId, UserId};
use crate::tenancy::{Role, Scope};

/// A role held on a tenant (and its subtree) or on one payer.
#[derive(Debug, Clone)]
pub struct Membership {
    pub id: MembershipId,
    pub user_id: UserId,
    pub target: Target,
    pub role: Role,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<memberships::Model> for Membership {
    type Error = AppError;

    /// A stored row with no target or a role this version does not know is an error, not a guess.
    fn try_from(m: memberships::Model) -> AppResult<Self> {
        let corrupt = |what: &str| AppError::internal(anyhow::anyhow!("membership {} has {what}", m.id));
        let target = match (m.tenant_id, m.payer_id) {
            (Some(t), _) => Target::Tenant(TenantId(t)),
            (None, Some(p)) => Target::Payer(PayerId(p)),
            (None, None) => return Err(corrupt("neither a tenant nor a payer")),
        };
        Ok(Self { id: MembershipId(m.id), user_id: UserId(m.user_id), target, role: m.role, created_at: m.created_at })
    }
}

/// A user's memberships that the caller can see.
pub async fn of_user(scope: &Scope, user: UserId) -> AppResult<Vec<Membership>> {
    // The caller's own are all theirs to see; another user's, those on targets the caller sees.
    let rows = if user == scope.principal().user_id { scope.own_memberships() } else { scope.memberships(Role::Viewer) };
    let rows = rows.filter(memberships::Column::UserId.eq(user.0)).order_by_asc(memberships::Column::Id).all().await?;
    rows.into_iter().map(Membership::try_from).collect()
}

/// The memberships the caller can see of several users (a page of users with their roles), by
/// user, in at most two queries whatever the number of users; each user's in the order
/// [`of_user`] gives them.
pub async fn of_users(scope: &Scope, users: &[UserId]) -> AppResult<std::collections::HashMap<UserId, Vec<Membership>>> {
    let me = scope.principal().user_id;
    let others: Vec<uuid::Uuid> = users.iter().filter(|u| **u != me).map(|u| u.0).collect();
    let mut rows = Vec::new();
    if users.contains(&me) {
        rows.extend(scope.own_memberships().filter(memberships::Column::UserId.eq(me.0)).order_by_asc(memberships::Column::Id).all().await?);
    }
    if !others.is_empty() {
        rows.extend(scope.memberships(Role::Viewer).filter(memberships::Column::UserId.is_in(others)).order_by_asc(memberships::Column::Id).all().await?);
    }
    let mut out: std::collections::HashMap<UserId, Vec<Membership>> = users.iter().map(|u| (*u, Vec::new())).collect();
    for row in rows {
        let m = Membership::try_from(row)?;
        out.entry(m.user_id).or_default().push(m);
    }
    Ok(out)
}

/// Gives a user a role on a target the caller administers.
pub async fn grant(scope: &Scope, user: UserId, target: Target, role: Role) -> AppResult<Membership> {
    visible_user(scope, user, Role::Admin).await?;
    require_admin_on(scope, target).await?;
    // The target is one the caller administers, so every membership on it is within sight.
    let existing = scope
        .target_rows::<memberships::Entity>(Role::Admin)
        .filter(memberships::Column::UserId.eq(user.0))
        .filter(match target {
            Target::Tenant(t) => memberships::Column::TenantId.eq(t.0),
            Target::Payer(p) => memberships::Column::PayerId.eq(p.0),
        })
        .count()
        .await?;
    if existing > 0 {
        return Err(AppError::Conflict("the user already holds a role there; revoke it first".into()));
    }
    scope.insert_for_target(membership_row(user, target, role, Some(scope.principal().user_id)), Role::Admin).await?.try_into()
}

/// Removes a membership on a target the caller administers. The platform keeps one admin.
pub async fn revoke(scope: &Scope, id: MembershipId) -> AppResult<Membership> {
    let membership = scope
        .memberships(Role::Admin)
        .filter(memberships::Column::Id.eq(id.0))
        .one()
        .await?
        .ok_or(AppError::NotFound("membership"))?;
    if membership.tenant_id == Some(ROOT_TENANT_ID.0) && membership.role == Role::Admin {
        // Revoking a platform admin takes the platform's admin role, which sees every one of them.
        let admins = scope
            .target_rows::<memberships::Entity>(Role::Admin)
            .filter(memberships::Column::TenantId.eq(ROOT_TENANT_ID.0))
            .filter(memberships::Column::Role.eq(Role::Admin))
            .count()
            .await?;
        if admins <= 1 {
            return Err(AppError::Conflict("the platform must keep at least one admin".into()));
        }
    }
    scope.delete_target_rows::<memberships::Entity>(Role::Admin).filter(memberships::Column::Id.eq(id.0)).exec().await?;
    membership.try_into()
}
