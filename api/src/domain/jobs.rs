//! Reading jobs: a caller sees the jobs of payers and tenants they can see.

use entity::jobs;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::Page;
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, ROOT_TENANT_ID};
use crate::tenancy::{Role, Scope};

#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub payer: Option<PayerId>,
    pub kind: Option<String>,
    pub state: Option<crate::jobs::JobState>,
}

fn platform_staff(scope: &Scope) -> bool {
    scope.principal().role_on_tenant(&format!("/{ROOT_TENANT_ID}/")).is_some()
}

/// Which worker runs a job names the platform's hosts (pods): only platform staff see it.
fn as_seen_by(scope: &Scope, mut job: jobs::Model) -> jobs::Model {
    if !platform_staff(scope) {
        job.locked_by = None;
    }
    job
}

fn visible(scope: &Scope) -> Condition {
    if platform_staff(scope) {
        // Platform staff also see platform jobs (schedules), which belong to no payer.
        return Condition::all();
    }
    Condition::any()
        .add(
            Expr::col((jobs::Entity, jobs::Column::PayerId)).in_subquery(
                Query::select()
                    .column((entity::payers::Entity, entity::payers::Column::Id))
                    .from(entity::payers::Entity)
                    .cond_where(scope.payers_filter(Role::Viewer))
                    .to_owned(),
            ),
        )
        .add(
            Condition::all().add(jobs::Column::PayerId.is_null()).add(
                Expr::col((jobs::Entity, jobs::Column::TenantId)).in_subquery(
                    Query::select()
                        .column(entity::tenants::Column::Id)
                        .from(entity::tenants::Entity)
                        .cond_where(scope.tenants_filter(Role::Viewer))
                        .to_owned(),
                ),
            ),
        )
}

pub async fn list(scope: &Scope, filter: JobFilter, page: Page) -> AppResult<Vec<jobs::Model>> {
    let mut query = jobs::Entity::find().filter(visible(scope));
    if let Some(payer) = filter.payer {
        scope.payer(payer, Role::Viewer).await?;
        query = query.filter(jobs::Column::PayerId.eq(payer.0));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(jobs::Column::Kind.eq(kind));
    }
    if let Some(state) = filter.state {
        query = query.filter(jobs::Column::State.eq(state));
    }
    if let Some(after) = page.after_id()? {
        query = query.filter(jobs::Column::Id.gt(after));
    }
    let rows = query.order_by_asc(jobs::Column::Id).limit(page.fetch()).all(scope.db()).await?;
    Ok(rows.into_iter().map(|j| as_seen_by(scope, j)).collect())
}

pub async fn get(scope: &Scope, id: uuid::Uuid) -> AppResult<jobs::Model> {
    let job = jobs::Entity::find_by_id(id).filter(visible(scope)).one(scope.db()).await?.ok_or(AppError::NotFound("job"))?;
    Ok(as_seen_by(scope, job))
}
