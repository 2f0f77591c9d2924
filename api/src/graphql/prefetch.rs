//! What a list resolver read ahead for the rows it returns, so their fields do not query once per
//! row: a page of users with each one's memberships, and those memberships' tenants and payers,
//! is at most four queries instead of one per user and one per membership; a list of contracts
//! with each one's customer and payers is three.
//!
//! The Billing page asks for a payer's billing groups and for their cost reports side by side;
//! both need every group's memberships, which are read once per request (the first field to ask
//! reads, the other waits for it).
//!
//! It lives in the request's context and holds only what the caller's scope returned, so a field
//! that finds its answer here answers as it would have by asking. Only query resolvers fill it
//! (a request is a query or a mutation, never both), so nothing read here is stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use crate::domain::billing::groups::{self, Group};
use crate::domain::{self, memberships::Membership, payers::Payer, tenants::Tenant};
use crate::error::AppResult;
use crate::ids::{PayerId, Target, TenantId, UserId};
use crate::tenancy::Scope;

/// Whether the query selects `field` on the nodes of the connection being resolved (under
/// `edges.node` or `nodes`), or, for a plain list, on its items.
pub fn nodes_select(ctx: &async_graphql::Context<'_>, field: &str) -> bool {
    let look = ctx.look_ahead();
    look.field("edges").field("node").field(field).exists() || look.field("nodes").field(field).exists() || look.field(field).exists()
}

#[derive(Default)]
pub struct Prefetched {
    memberships: Mutex<HashMap<UserId, Vec<Membership>>>,
    /// `None`: read ahead and not visible to the caller.
    tenants: Mutex<HashMap<TenantId, Option<Tenant>>>,
    payers: Mutex<HashMap<PayerId, Option<Payer>>>,
    /// Each payer's billing groups with their memberships, as `groups::list` returns them.
    billing_groups: Mutex<HashMap<PayerId, Arc<OnceCell<Vec<Group>>>>>,
}

impl Prefetched {
    pub fn memberships_of(&self, user: UserId) -> Option<Vec<Membership>> {
        self.memberships.lock().ok()?.get(&user).cloned()
    }

    pub fn tenant(&self, id: TenantId) -> Option<Option<Tenant>> {
        self.tenants.lock().ok()?.get(&id).cloned()
    }

    pub fn payer(&self, id: PayerId) -> Option<Option<Payer>> {
        self.payers.lock().ok()?.get(&id).cloned()
    }

    /// The payer's billing groups with their memberships (`groups::list`: the caller's viewer
    /// role on the payer is checked), read at most once per request.
    pub async fn billing_groups(&self, scope: &Scope, payer: PayerId) -> AppResult<Vec<Group>> {
        let cell = Arc::clone(self.billing_groups.lock().unwrap_or_else(PoisonError::into_inner).entry(payer).or_default());
        Ok(cell.get_or_try_init(|| groups::list(scope, payer)).await?.clone())
    }

    /// Reads the tenants of `ids` the caller sees, in one query (ids may repeat).
    pub async fn load_tenants(&self, scope: &Scope, ids: Vec<TenantId>) -> AppResult<()> {
        let found: HashMap<TenantId, Tenant> = domain::tenants::visible_among(scope, &ids).await?.into_iter().map(|t| (t.id, t)).collect();
        if let Ok(mut known) = self.tenants.lock() {
            // Several rows may name one tenant: each id gets what was found for it.
            known.extend(ids.into_iter().map(|id| (id, found.get(&id).cloned())));
        }
        Ok(())
    }

    /// Reads the payers of `ids` the caller sees, in one query (ids may repeat).
    pub async fn load_payers(&self, scope: &Scope, ids: Vec<PayerId>) -> AppResult<()> {
        let found: HashMap<PayerId, Payer> = domain::payers::visible_among(scope, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
        if let Ok(mut known) = self.payers.lock() {
            known.extend(ids.into_iter().map(|id| (id, found.get(&id).cloned())));
        }
        Ok(())
    }

    /// The payers of `ids` the caller sees, in the order asked, if every one was read ahead.
    pub fn payers_among(&self, ids: &[PayerId]) -> Option<Vec<Payer>> {
        let known = self.payers.lock().ok()?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(payer) = known.get(id)? {
                out.push(payer.clone());
            }
        }
        Some(out)
    }

    /// Reads the memberships of `users`, and their tenants and payers when the query asks for
    /// them, in one query each.
    pub async fn load_memberships(&self, scope: &Scope, users: &[UserId], tenants: bool, payers: bool) -> AppResult<()> {
        let by_user = domain::memberships::of_users(scope, users).await?;
        let targets: Vec<Target> = by_user.values().flatten().map(|m| m.target).collect();
        if tenants {
            let ids: Vec<TenantId> = targets.iter().filter_map(|t| if let Target::Tenant(id) = t { Some(*id) } else { None }).collect();
            self.load_tenants(scope, ids).await?;
        }
        if payers {
            let ids: Vec<PayerId> = targets.iter().filter_map(|t| if let Target::Payer(id) = t { Some(*id) } else { None }).collect();
            self.load_payers(scope, ids).await?;
        }
        if let Ok(mut known) = self.memberships.lock() {
            known.extend(by_user);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use chrono::Utc;
    use entity::memberships;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};

    use super::*;
    use crate::tenancy::Role;
    use crate::tenancy::testing::{database, payer, tenant, user};

    fn role(user: uuid::Uuid, tenant: Option<uuid::Uuid>, payer: Option<uuid::Uuid>) -> memberships::ActiveModel {
        memberships::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            user_id: Set(user),
            tenant_id: Set(tenant),
            payer_id: Set(payer),
            role: Set(Role::Viewer),
            granted_by: Set(None),
            created_at: Set(Utc::now()),
        }
    }

    /// Reading a page of users' roles and their targets ahead costs the same few queries for 3
    /// users as for 30, and keeps what the caller cannot see out.
    #[tokio::test]
    async fn a_page_of_roles_is_read_in_a_fixed_number_of_queries_within_the_callers_sight() {
        let (_dir, db) = database().await;
        let (mine, theirs) = (tenant(&db, "mine").await, tenant(&db, "theirs").await);
        let my_payer = payer(&db, &mine, "111111111111").await;
        let mut users = Vec::new();
        for i in 0..30 {
            let u = user(&format!("u{i}@mine.example")).insert(&db).await.unwrap();
            role(u.id, Some(mine.id), None).insert(&db).await.unwrap();
            role(u.id, None, Some(my_payer.id)).insert(&db).await.unwrap();
            role(u.id, Some(theirs.id), None).insert(&db).await.unwrap();
            users.push(UserId(u.id));
        }
        let admin = crate::tenancy::testing::admin_of(&mine);
        let mut queries = Vec::new();
        for page in [&users[..3], &users[..]] {
            let (counted, count) = crate::tenancy::testing::counting(&db);
            let scope = Scope::new(counted, admin.clone());
            let prefetched = Prefetched::default();
            prefetched.load_memberships(&scope, page, true, true).await.unwrap();
            queries.push(count.load(Ordering::SeqCst));
            for u in page {
                let roles = prefetched.memberships_of(*u).unwrap();
                assert_eq!(roles.len(), 2, "the role at the other tenant is out of sight");
            }
            assert_eq!(prefetched.tenant(TenantId(mine.id)).flatten().map(|t| t.name), Some("mine".to_owned()));
            assert_eq!(prefetched.payer(PayerId(my_payer.id)).flatten().map(|p| p.id), Some(PayerId(my_payer.id)));
            assert!(prefetched.tenant(TenantId(theirs.id)).is_none(), "nothing is read about a tenant the caller cannot see");
        }
        assert_eq!(queries[0], queries[1], "3 users and 30 users cost the same queries");
        assert!(queries[1] <= 3, "memberships, tenants and payers: {} queries", queries[1]);
    }

    /// The Billing page's two fields ask for a payer's groups side by side: the groups and their
    /// memberships are read once, and the second asker gets the same; another tenant's payer is
    /// NOT_FOUND to both.
    #[tokio::test]
    async fn a_payers_groups_are_read_once_per_request() {
        let (_dir, db) = database().await;
        let (mine, theirs) = (tenant(&db, "mine").await, tenant(&db, "theirs").await);
        let (my_payer, their_payer) = (payer(&db, &mine, "111111111111").await, payer(&db, &theirs, "222222222222").await);
        let plan = crate::tenancy::testing::plan(&db, my_payer.id).await;
        for (name, accounts) in [("b", ["333333333333", "444444444444"]), ("a", ["555555555555", "666666666666"])] {
            let g = crate::tenancy::testing::group(&db, my_payer.id, plan.id, name, None).await;
            for account in accounts {
                entity::billing_group_accounts::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    billing_group_id: Set(g.id),
                    payer_id: Set(my_payer.id),
                    account_id: Set(account.into()),
                    billing_period_start: Set("2024-01".into()),
                    billing_period_end: Set(None),
                }
                .insert(&db)
                .await
                .unwrap();
            }
        }
        let (counted, count) = crate::tenancy::testing::counting(&db);
        let scope = Scope::new(counted, crate::tenancy::testing::admin_of(&mine));
        let prefetched = Prefetched::default();
        let (first, second) = tokio::join!(prefetched.billing_groups(&scope, PayerId(my_payer.id)), prefetched.billing_groups(&scope, PayerId(my_payer.id)));
        let (first, second) = (first.unwrap(), second.unwrap());
        let read = count.load(Ordering::SeqCst);
        let names: Vec<(&str, usize)> = first.iter().map(|g| (g.group.name.as_str(), g.memberships.len())).collect();
        assert_eq!(names, [("a", 2), ("b", 2)], "by name, each with its memberships");
        let ids = |list: &[Group]| list.iter().map(|g| (g.group.id, g.memberships.iter().map(|m| m.id).collect::<Vec<_>>())).collect::<Vec<_>>();
        assert_eq!(ids(&first), ids(&second), "both askers get the same");
        assert_eq!(prefetched.billing_groups(&scope, PayerId(my_payer.id)).await.unwrap().len(), 2);
        assert_eq!(count.load(Ordering::SeqCst), read, "no query after the first read");
        assert!(read <= 5, "the caller's check on the payer, the groups and their memberships: {read} queries");
        for _ in 0..2 {
            let err = prefetched.billing_groups(&scope, PayerId(their_payer.id)).await.unwrap_err();
            assert!(matches!(err, crate::error::AppError::NotFound(_)), "{err:?}");
        }
    }

}
