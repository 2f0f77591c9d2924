//! Reading jobs: a caller sees the jobs of payers and tenants they can see.

use chrono::{DateTime, Utc};
use entity::jobs;
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::Page;
use crate::jobs::queue::enqueue_in;
use crate::jobs::{JobContext, NewJob};
use crate::error::{AppError, AppResult};
use crate::ids::{PayerId, TenantId};
use crate::tenancy::{PayerTransactions, Role, Scope, ScopedPayer};

#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub payer: Option<PayerId>,
    pub kind: Option<String>,
    pub state: Option<crate::jobs::JobState>,
}

/// A background job as a caller sees it.
#[derive(Debug, Clone)]
pub struct JobView {
    pub id: uuid::Uuid,
    pub kind: String,
    pub state: crate::jobs::JobState,
    pub payer: Option<PayerId>,
    pub attempts: i32,
    pub max_attempts: i32,
    /// What the job is doing now.
    pub progress: Option<String>,
    pub last_error: Option<String>,
    /// The outcome once it succeeded, as JSON text.
    pub result: Option<String>,
    pub run_at: DateTime<Utc>,
    /// The worker running it, or that ran its last step: only platform staff are shown it
    /// (`as_seen_by`); a view made from a row alone never carries it.
    pub worker: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<jobs::Model> for JobView {
    fn from(j: jobs::Model) -> Self {
        Self {
            id: j.id,
            kind: j.kind,
            state: j.state,
            payer: j.payer_id.map(PayerId),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            progress: j.progress,
            last_error: j.last_error,
            result: j.result,
            run_at: j.run_at,
            worker: None,
            claimed_at: j.claimed_at,
            created_at: j.created_at,
            finished_at: j.finished_at,
        }
    }
}

/// Enqueues a job the caller asked for on a payer they were checked on (recorded as theirs, and
/// as that payer's and its tenant's whatever the job says) and wakes the worker. What it answers
/// carries no worker name: no worker holds a new job.
pub(crate) async fn enqueue_requested(state: &JobContext, scope: &Scope, payer: &ScopedPayer, mut job: NewJob) -> AppResult<JobView> {
    job.created_by = Some(scope.principal().user_id);
    job.payer = Some(PayerId(payer.id));
    job.tenant = Some(TenantId(payer.tenant_id));
    let txn = payer.begin_write().await?;
    let job = enqueue_in(&txn, job).await?;
    txn.commit().await?;
    state.jobs_wakeup.notify_one();
    Ok(job.into())
}

/// Which worker runs a job names the platform's hosts (pods): only platform staff see it.
fn as_seen_by(scope: &Scope, job: jobs::Model) -> JobView {
    let worker = if scope.is_platform_staff() { job.locked_by.clone() } else { None };
    JobView { worker, ..job.into() }
}

pub async fn list(scope: &Scope, filter: JobFilter, page: Page) -> AppResult<Vec<JobView>> {
    // Platform staff also see platform jobs (schedules), which belong to no payer or tenant.
    let mut query = scope.target_rows_and_platform_rows::<jobs::Entity>(Role::Viewer);
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
    let rows = query.order_by_asc(jobs::Column::Id).limit(page.fetch()).all().await?;
    Ok(rows.into_iter().map(|j| as_seen_by(scope, j)).collect())
}

pub async fn get(scope: &Scope, id: uuid::Uuid) -> AppResult<JobView> {
    let job = scope
        .target_rows_and_platform_rows::<jobs::Entity>(Role::Viewer)
        .filter(jobs::Column::Id.eq(id))
        .one()
        .await?
        .ok_or(AppError::NotFound("job"))?;
    Ok(as_seen_by(scope, job))
}
