//! Finders for tables whose visibility rule is not only "owned by something the caller sees":
//! the audit trail (the platform's admins read all of it), API tokens (their creator sees them
//! too) and the platform's own tables (the platform's admins only).

use entity::api_tokens;
use sea_orm::{ColumnTrait, Condition};
use sea_orm::sea_query::{Expr, ExprTrait};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::ids::ROOT_TENANT_ID;
use crate::tenancy::payer::{Rows, UpdateRows};
use crate::tenancy::{Role, Scope, TargetOwned};

/// A table of the platform itself, which no tenant or payer owns (e.g. the demo mail sink).
pub trait PlatformOwned: sea_orm::EntityTrait {}

impl PlatformOwned for entity::demo_mails::Entity {}

impl Scope {
    /// Whether the caller holds at least `min` on the root tenant (the platform's own staff).
    pub fn holds_on_platform(&self, min: Role) -> bool {
        self.principal().role_on_tenant(&format!("/{ROOT_TENANT_ID}/")).is_some_and(|r| r >= min)
    }

    /// Rows of a tenant-or-payer table whose tenant or payer the caller holds `min` on; a holder
    /// of `min` on the root tenant reads every row, those naming neither included.
    pub fn target_rows_or_all_for_platform<E: TargetOwned>(&self, min: Role) -> Rows<'_, E, Db> {
        if self.holds_on_platform(min) {
            return Rows::matching(Condition::all(), self.db());
        }
        self.target_rows::<E>(min)
    }

    /// Rows of one of the platform's own tables: FORBIDDEN unless the caller holds `min` on the
    /// root tenant.
    pub fn platform_rows<E: PlatformOwned>(&self, min: Role) -> AppResult<Rows<'_, E, Db>> {
        if !self.holds_on_platform(min) {
            return Err(AppError::forbidden("platform records are for the platform's own staff"));
        }
        Ok(Rows::matching(Condition::all(), self.db()))
    }

    /// API tokens on targets the caller administers, plus — for a signed-in user — the tokens
    /// they made. A caller authenticated by an API token acts only within that token's own
    /// grant: its creator's other tokens are not its business (a payer VIEWER token must not see
    /// or revoke its creator's distributor ADMIN token), so "made by me" applies to sessions only.
    fn api_tokens_condition(&self) -> Condition {
        let mine = match self.principal().api_token_id() {
            None => Condition::all().add(api_tokens::Column::CreatedBy.eq(self.principal().user_id.0)),
            Some(_) => Condition::all().add(Expr::value(false)),
        };
        Condition::any()
            .add(mine)
            .add(Expr::col((api_tokens::Entity, api_tokens::Column::TenantId)).in_subquery(self.visible_tenant_ids(Role::Admin)))
            .add(Expr::col((api_tokens::Entity, api_tokens::Column::PayerId)).in_subquery(self.visible_payer_ids(Role::Admin)))
    }

    /// The API tokens the caller may list and revoke (see `api_tokens_condition`).
    pub fn api_tokens(&self) -> Rows<'_, api_tokens::Entity, Db> {
        Rows::matching(self.api_tokens_condition(), self.db())
    }

    /// Changes API tokens the caller may revoke (never which tenant or payer they grant on).
    pub fn update_api_tokens(&self) -> UpdateRows<'_, api_tokens::Entity, Db> {
        UpdateRows::matching(self.api_tokens_condition(), vec![api_tokens::Column::TenantId, api_tokens::Column::PayerId], self.db())
    }
}

/// Makes the platform's own job with this idempotency key due now, if it waits for a later time
/// or is running (then it looks again as soon as it finishes). A caller may hasten the
/// platform's work this way (a redelivery wakes the dispatcher); never create, change or read it.
pub(crate) async fn hasten_platform_job(conn: &impl sea_orm::ConnectionTrait, key: &str) -> AppResult<()> {
    use entity::jobs::{self, JobState};
    use sea_orm::{EntityTrait, QueryFilter};
    let now = chrono::Utc::now();
    let waiting = Condition::all().add(jobs::Column::State.eq(JobState::Queued)).add(jobs::Column::RunAt.gt(now));
    let running = jobs::Column::State.eq(JobState::Running);
    jobs::Entity::update_many()
        .col_expr(jobs::Column::RunAt, Expr::value(now))
        .filter(jobs::Column::IdempotencyKey.eq(key))
        .filter(jobs::Column::TenantId.is_null())
        .filter(jobs::Column::PayerId.is_null())
        .filter(Condition::any().add(waiting).add(running))
        .exec(conn)
        .await?;
    Ok(())
}

impl Scope {
    /// [`hasten_platform_job`] on behalf of a caller.
    pub async fn hasten_platform_job(&self, key: &str) -> AppResult<()> {
        hasten_platform_job(self.db(), key).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use entity::{api_tokens, demo_mails, jobs};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter};

    use super::*;
    use crate::ids::{ApiTokenId, SessionId, TenantId, UserId};
    use crate::tenancy::principal::{Credential, Grant, GrantTarget, Principal};
    use crate::tenancy::testing::{database, tenant, user};

    fn admin(user: uuid::Uuid, tenant: &entity::tenants::Model, credential: Credential) -> Principal {
        Principal {
            user_id: UserId(user),
            email: "admin@example.com".into(),
            credential,
            grants: vec![Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId(tenant.id), path: tenant.path.clone() } }],
        }
    }

    fn token(name: &str, tenant: Option<uuid::Uuid>, created_by: uuid::Uuid) -> api_tokens::ActiveModel {
        api_tokens::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            name: Set(name.into()),
            display_prefix: Set("pbt_x".into()),
            token_hash: Set(format!("hash-of-{name}")),
            role: Set(Role::Viewer),
            tenant_id: Set(tenant),
            payer_id: Set(None),
            created_by: Set(created_by),
            created_at: Set(Utc::now()),
            expires_at: Set(Utc::now() + Duration::days(1)),
            revoked_at: Set(None),
            last_used_at: Set(None),
        }
    }

    fn job(key: &str, tenant: Option<uuid::Uuid>, state: entity::jobs::JobState, run_at: chrono::DateTime<Utc>) -> jobs::ActiveModel {
        jobs::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            kind: Set("test.kind".into()),
            tenant_id: Set(tenant),
            payer_id: Set(None),
            state: Set(state),
            payload: Set("{}".into()),
            result: Set(None),
            progress: Set(None),
            attempts: Set(0),
            max_attempts: Set(3),
            run_at: Set(run_at),
            locked_by: Set(None),
            locked_until: Set(None),
            claimed_at: Set(None),
            last_error: Set(None),
            idempotency_key: Set(Some(key.into())),
            created_by: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            finished_at: Set(None),
        }
    }

    async fn jobs_seen(scope: &Scope) -> Vec<String> {
        let rows = scope.target_rows_or_all_for_platform::<jobs::Entity>(Role::Admin).all().await.unwrap();
        rows.into_iter().map(|j| j.idempotency_key.unwrap_or_default()).collect()
    }

    fn names(rows: Vec<api_tokens::Model>) -> Vec<String> {
        let mut names: Vec<String> = rows.into_iter().map(|t| t.name).collect();
        names.sort();
        names
    }

    /// API tokens: a signed-in admin sees their tenant's and the ones they made elsewhere; the
    /// same admin through an API token sees the tenant's only; an update cannot move a token.
    /// The audit-style finder gives the platform's admins every row, ownerless ones included;
    /// the platform's own tables are FORBIDDEN to a tenant's admin.
    #[tokio::test]
    async fn finders_beyond_ownership_keep_to_their_rules() {
        let (_dir, db) = database().await;
        crate::tenancy::ensure_root(&db).await.unwrap();
        let (mine, theirs) = (tenant(&db, "mine").await, tenant(&db, "theirs").await);
        let root = entity::tenants::Entity::find_by_id(ROOT_TENANT_ID.0).one(&db).await.unwrap().unwrap();
        let (me, other) = (user("me@example.com").insert(&db).await.unwrap().id, user("other@example.com").insert(&db).await.unwrap().id);
        for (name, tenant, by) in [("mine", Some(mine.id), other), ("theirs-by-me", Some(theirs.id), me), ("theirs", Some(theirs.id), other)] {
            token(name, tenant, by).insert(&db).await.unwrap();
        }
        let signed_in = Scope::new(db.clone(), admin(me, &mine, Credential::Session(SessionId(uuid::Uuid::now_v7()))));
        let by_token = Scope::new(db.clone(), admin(me, &mine, Credential::ApiToken(ApiTokenId(uuid::Uuid::now_v7()))));
        let staff = Scope::new(db.clone(), admin(other, &root, Credential::Session(SessionId(uuid::Uuid::now_v7()))));

        assert_eq!(names(signed_in.api_tokens().all().await.unwrap()), ["mine", "theirs-by-me"]);
        assert_eq!(names(by_token.api_tokens().all().await.unwrap()), ["mine"]);
        let moved = signed_in.update_api_tokens().col_expr(api_tokens::Column::TenantId, Expr::value(theirs.id)).exec().await;
        assert!(moved.is_err(), "an update through the handle must not move a token to another tenant");
        let revoked = by_token.update_api_tokens().col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now())).exec().await.unwrap();
        assert_eq!(revoked, 1, "a token-authenticated caller changes its tenant's token only");

        assert_eq!(names(signed_in.target_rows_or_all_for_platform::<api_tokens::Entity>(Role::Admin).all().await.unwrap()), ["mine"]);
        assert_eq!(names(staff.target_rows_or_all_for_platform::<api_tokens::Entity>(Role::Admin).all().await.unwrap()), ["mine", "theirs", "theirs-by-me"]);
        // A row naming neither tenant nor payer (the platform's own job) shows to the platform's admins only.
        job("platform", None, entity::jobs::JobState::Queued, Utc::now()).insert(&db).await.unwrap();
        job("mine", Some(mine.id), entity::jobs::JobState::Queued, Utc::now()).insert(&db).await.unwrap();
        let (mut mine_sees, mut staff_sees) = (jobs_seen(&signed_in).await, jobs_seen(&staff).await);
        mine_sees.sort();
        staff_sees.sort();
        assert_eq!(mine_sees, ["mine"]);
        assert_eq!(staff_sees, ["mine", "platform"]);

        assert!(matches!(signed_in.platform_rows::<demo_mails::Entity>(Role::Admin), Err(AppError::Forbidden(_))));
        assert!(staff.platform_rows::<demo_mails::Entity>(Role::Admin).is_ok());
        assert!(!signed_in.holds_on_platform(Role::Viewer) && staff.holds_on_platform(Role::Admin));
    }

    /// Hastening moves a waiting or running platform job to now, and nothing else: not a
    /// tenant's job, not a finished one.
    #[tokio::test]
    async fn a_caller_hastens_a_platform_job_and_nothing_else() {
        let (_dir, db) = database().await;
        let mine = tenant(&db, "mine").await;
        let later = Utc::now() + Duration::hours(1);
        use entity::jobs::JobState::*;
        for (key, tenant, state) in [("platform", None, Queued), ("tenants", Some(mine.id), Queued), ("finished", None, Succeeded)] {
            job(key, tenant, state, later).insert(&db).await.unwrap();
        }
        let scope = Scope::new(db.clone(), admin(uuid::Uuid::now_v7(), &mine, Credential::Session(SessionId(uuid::Uuid::now_v7()))));
        for key in ["platform", "tenants", "finished"] {
            scope.hasten_platform_job(key).await.unwrap();
        }
        let run_at = |key: &'static str| {
            let db = db.clone();
            async move { jobs::Entity::find().filter(jobs::Column::IdempotencyKey.eq(key)).one(&db).await.unwrap().unwrap().run_at }
        };
        assert!(run_at("platform").await <= Utc::now());
        assert!(run_at("tenants").await > Utc::now() + Duration::minutes(30), "a tenant's job keeps its time");
        assert!(run_at("finished").await > Utc::now() + Duration::minutes(30), "a finished job keeps its time");
    }
}
