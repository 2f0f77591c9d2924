//! A user account the caller may act on, and the transactions that change one.
//!
//! Accounts belong to no tenant: a user is reached through the roles they hold. `Scope::user`
//! finds one among the users the caller sees with a role (themselves, or users holding a role
//! on something the caller holds that role over) and returns a [`ScopedUser`]; its transaction
//! changes that user's row and nothing else. A new user comes with a first role on a tenant or
//! payer the caller was checked on ([`NewUserTxn`]), so no request makes an account that no one
//! administers.

use std::ops::Deref;

use entity::{memberships, payers, users};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};

use crate::db::{BeginWrite, Db};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId, UserId};
use crate::tenancy::{Role, Scope};

/// A transaction whose events are filed under one tenant (the outbox joins it).
pub trait TenantEvents {
    /// The tenant its events are filed under; `None` when it has none (a user with no roles).
    fn event_tenant(&self) -> Option<uuid::Uuid>;
    /// The transaction, for the outbox only (`tests/layers.rs` checks who calls it).
    fn joined(&self) -> &DatabaseTransaction;
}

/// A user the caller sees with the asked-for role (derefs to the user's row).
pub struct ScopedUser {
    user: users::Model,
    db: Db,
}

impl Deref for ScopedUser {
    type Target = users::Model;
    fn deref(&self) -> &users::Model {
        &self.user
    }
}

impl ScopedUser {
    pub fn model(&self) -> &users::Model {
        &self.user
    }

    /// A write transaction on this user's row and sessions.
    pub async fn begin_write(&self) -> AppResult<UserTxn> {
        let home = home_tenant(&self.db, self.user.id).await?;
        Ok(UserTxn { user: self.user.id, home, txn: self.db.begin_write().await? })
    }
}

/// The tenant of a user's oldest role (a payer's role: the payer's tenant), where the user's
/// own events (invited, password changed) are filed so that tenant's webhooks see them.
pub async fn home_tenant(db: &impl ConnectionTrait, user: uuid::Uuid) -> AppResult<Option<uuid::Uuid>> {
    let first = memberships::Entity::find().filter(memberships::Column::UserId.eq(user)).order_by_asc(memberships::Column::CreatedAt).one(db).await?;
    match first.map(|m| (m.tenant_id, m.payer_id)) {
        Some((Some(tenant), _)) => Ok(Some(tenant)),
        Some((None, Some(payer))) => Ok(payers::Entity::find_by_id(payer).one(db).await?.map(|p| p.tenant_id)),
        _ => Ok(None),
    }
}

/// A write transaction on one user's row (and, through `auth::sessions`, their sessions).
pub struct UserTxn {
    user: uuid::Uuid,
    home: Option<uuid::Uuid>,
    txn: DatabaseTransaction,
}

impl UserTxn {
    pub fn user_id(&self) -> UserId {
        UserId(self.user)
    }

    /// Saves changes to this user's row; another user's row is not found.
    pub async fn update(&self, row: users::ActiveModel) -> AppResult<users::Model> {
        if row.id.as_ref() != &self.user {
            return Err(AppError::NotFound("user"));
        }
        Ok(row.update(&self.txn).await?)
    }

    /// The transaction, for the session store and the outbox only (`tests/layers.rs` checks).
    pub(crate) fn joined(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub async fn commit(self) -> AppResult<()> {
        Ok(self.txn.commit().await?)
    }
}

impl TenantEvents for UserTxn {
    fn event_tenant(&self) -> Option<uuid::Uuid> {
        self.home
    }
    fn joined(&self) -> &DatabaseTransaction {
        UserTxn::joined(self)
    }
}

/// A write transaction that adds users with a first role on one tenant or payer, which the
/// caller was checked on when it was opened.
pub struct NewUserTxn {
    tenant: Option<uuid::Uuid>,
    payer: Option<uuid::Uuid>,
    /// The tenant the role is on, or the payer's tenant: where the new user's events are filed.
    home: uuid::Uuid,
    txn: DatabaseTransaction,
}

impl NewUserTxn {
    /// Stores a new user and their first membership, `role` on this transaction's target.
    pub async fn insert(&self, user: users::ActiveModel, role: Role, granted_by: Option<UserId>) -> AppResult<users::Model> {
        let user = user.insert(&self.txn).await?;
        memberships::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(user.id),
            tenant_id: Set(self.tenant),
            payer_id: Set(self.payer),
            role: Set(role),
            granted_by: Set(granted_by.map(|u| u.0)),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(&self.txn)
        .await?;
        Ok(user)
    }

    pub async fn commit(self) -> AppResult<()> {
        Ok(self.txn.commit().await?)
    }
}

impl TenantEvents for NewUserTxn {
    fn event_tenant(&self) -> Option<uuid::Uuid> {
        Some(self.home)
    }
    fn joined(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Scope {
    /// A user the caller holds at least `need` over (the caller is always among them).
    pub async fn user(&self, id: UserId, need: Role) -> AppResult<ScopedUser> {
        let user = self.users(need).filter(users::Column::Id.eq(id.0)).one().await?.ok_or(AppError::NotFound("user"))?;
        Ok(ScopedUser { user, db: self.db().clone() })
    }

    /// Opens a transaction that adds users with a first role on a tenant, or on a payer, that
    /// the caller holds at least `need` on.
    pub async fn begin_adding_users(&self, tenant: Option<TenantId>, payer: Option<PayerId>, need: Role) -> AppResult<NewUserTxn> {
        let (home, tenant, payer) = match (tenant, payer) {
            (Some(t), None) => (self.tenant(t, need).await?.id, Some(t.0), None),
            (None, Some(p)) => (self.payer(p, need).await?.tenant_id, None, Some(p.0)),
            _ => return Err(AppError::internal(anyhow::anyhow!("a new user's first role is on a tenant or a payer, not both or neither"))),
        };
        Ok(NewUserTxn { tenant, payer, home, txn: self.db().begin_write().await? })
    }
}

impl TenantEvents for crate::tenancy::owned::TenantTxn {
    fn event_tenant(&self) -> Option<uuid::Uuid> {
        Some(self.tenant_id())
    }
    fn joined(&self) -> &DatabaseTransaction {
        crate::tenancy::owned::TenantTxn::joined(self)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::ids::SessionId;
    use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
    use crate::tenancy::testing::{database, payer, tenant, user};

    /// Users are reached through the roles they hold: a user holding no role the caller holds
    /// over is not found, a user's transaction changes that user's row only, and a new user
    /// comes with a first role on the tenant or payer the caller was checked on.
    #[tokio::test]
    async fn user_handles_reach_the_users_the_caller_administers_and_no_other() {
        let (_dir, db) = database().await;
        let (mine, theirs) = (tenant(&db, "mine").await, tenant(&db, "theirs").await);
        let my_payer = payer(&db, &mine, "111111111111").await;
        let their_payer = payer(&db, &theirs, "222222222222").await;
        let admin = Principal {
            user_id: UserId(uuid::Uuid::now_v7()),
            email: "admin@mine.example".into(),
            credential: Credential::Session(SessionId(uuid::Uuid::now_v7())),
            grants: vec![Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId(mine.id), path: mine.path.clone() } }],
        };
        let scope = Scope::new(db.clone(), admin);

        // Adding users: on another tenant's tenant or payer, NOT_FOUND; on the caller's, the new
        // user holds the role there and their events file under that tenant.
        assert!(matches!(scope.begin_adding_users(Some(TenantId(theirs.id)), None, Role::Admin).await, Err(AppError::NotFound(_))));
        assert!(matches!(scope.begin_adding_users(None, Some(PayerId(their_payer.id)), Role::Admin).await, Err(AppError::NotFound(_))));
        assert!(scope.begin_adding_users(Some(TenantId(mine.id)), Some(PayerId(my_payer.id)), Role::Admin).await.is_err());
        let txn = scope.begin_adding_users(None, Some(PayerId(my_payer.id)), Role::Admin).await.unwrap();
        assert_eq!(txn.event_tenant(), Some(mine.id), "a payer's user's events file under the payer's tenant");
        let added = txn.insert(user("ops@mine.example"), Role::Operator, None).await.unwrap();
        txn.commit().await.unwrap();
        let roles = memberships::Entity::find().filter(memberships::Column::UserId.eq(added.id)).all(&db).await.unwrap();
        assert_eq!(roles.iter().map(|m| (m.tenant_id, m.payer_id, m.role)).collect::<Vec<_>>(), [(None, Some(my_payer.id), Role::Operator)]);

        // A user holding roles only elsewhere is not found; one the caller administers is.
        let stranger = user("someone@theirs.example").insert(&db).await.unwrap();
        memberships::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(stranger.id),
            tenant_id: Set(Some(theirs.id)),
            payer_id: Set(None),
            role: Set(Role::Admin),
            granted_by: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&db)
        .await
        .unwrap();
        assert!(matches!(scope.user(UserId(stranger.id), Role::Viewer).await, Err(AppError::NotFound(_))));
        let handle = scope.user(UserId(added.id), Role::Admin).await.unwrap();

        // Its transaction refuses another user's row and leaves it as it was.
        let txn = handle.begin_write().await.unwrap();
        assert_eq!(txn.event_tenant(), Some(mine.id));
        let mut theirs_changed: users::ActiveModel = stranger.clone().into();
        theirs_changed.display_name = Set("taken over".into());
        assert!(matches!(txn.update(theirs_changed).await, Err(AppError::NotFound(_))));
        let mut mine_changed: users::ActiveModel = handle.model().clone().into();
        mine_changed.display_name = Set("Ops".into());
        assert_eq!(txn.update(mine_changed).await.unwrap().display_name, "Ops");
        txn.commit().await.unwrap();
        assert_eq!(users::Entity::find_by_id(stranger.id).one(&db).await.unwrap().unwrap().display_name, "");
    }
}
