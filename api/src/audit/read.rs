//! Reading the trail: admins only, scoped like every other read (see the module doc).

use chrono::{DateTime, Utc};
use entity::audit_events;
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::input::Page;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::db::Db;
use crate::tenancy::payer::Rows;
use crate::tenancy::{Role, Scope};

/// Most records one export returns.
pub const EXPORT_MAX: u64 = 10_000;

/// Narrows a search; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub event_name: Option<String>,
    pub event_source: Option<String>,
    pub user_id: Option<Uuid>,
    pub token_id: Option<Uuid>,
    pub payer_id: Option<PayerId>,
    pub error_code: Option<String>,
    pub read_only: Option<bool>,
}

/// FORBIDDEN without an admin grant anywhere (the trail is for admins).
fn require_an_admin(scope: &Scope) -> AppResult<()> {
    let p = scope.principal();
    if p.tenant_paths(Role::Admin).is_empty() && p.payer_ids(Role::Admin).is_empty() {
        return Err(AppError::forbidden("reading the audit trail needs the admin role"));
    }
    Ok(())
}

/// The events the caller may read: those of tenants and payers they administer, every event
/// for the platform's admins.
fn visible(scope: &Scope) -> Rows<'_, audit_events::Entity, Db> {
    scope.target_rows_or_all_for_platform::<audit_events::Entity>(Role::Admin)
}

async fn condition(scope: &Scope, f: &AuditFilter) -> AppResult<Condition> {
    require_an_admin(scope)?;
    let mut c = Condition::all();
    if let Some(payer) = f.payer_id {
        scope.payer(payer, Role::Admin).await?;
        c = c.add(audit_events::Column::PayerId.eq(payer.0));
    }
    if let Some(from) = f.from {
        c = c.add(audit_events::Column::EventMs.gte(from.timestamp_millis()));
    }
    if let Some(to) = f.to {
        c = c.add(audit_events::Column::EventMs.lt(to.timestamp_millis()));
    }
    if let Some(v) = &f.event_name {
        c = c.add(audit_events::Column::EventName.eq(v.as_str()));
    }
    if let Some(v) = &f.event_source {
        c = c.add(audit_events::Column::EventSource.eq(v.as_str()));
    }
    if let Some(v) = f.user_id {
        c = c.add(audit_events::Column::UserId.eq(v));
    }
    if let Some(v) = f.token_id {
        c = c.add(audit_events::Column::TokenId.eq(v));
    }
    if let Some(v) = &f.error_code {
        c = c.add(audit_events::Column::ErrorCode.eq(v.as_str()));
    }
    if let Some(v) = f.read_only {
        c = c.add(audit_events::Column::ReadOnly.eq(v));
    }
    Ok(c)
}

/// Newest first; the cursor is the record's sequence number.
pub async fn list(scope: &Scope, filter: &AuditFilter, page: &Page) -> AppResult<Vec<audit_events::Model>> {
    let mut c = condition(scope, filter).await?;
    if let Some(after) = &page.after {
        let seq: i64 = after.parse().map_err(|_| AppError::invalid("after", "is not a valid cursor"))?;
        c = c.add(audit_events::Column::Seq.lt(seq));
    }
    visible(scope).filter(c).order_by_desc(audit_events::Column::Seq).limit(page.fetch()).all().await
}

/// A CloudTrail log file: `{"Records": [...]}`, oldest first, at most [`EXPORT_MAX`] records.
pub async fn export(scope: &Scope, filter: &AuditFilter) -> AppResult<serde_json::Value> {
    let c = condition(scope, filter).await?;
    let rows = visible(scope).filter(c).order_by_asc(audit_events::Column::Seq).limit(EXPORT_MAX).all().await?;
    let records: Vec<serde_json::Value> =
        rows.into_iter().map(|r| serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null)).collect();
    Ok(serde_json::json!({ "Records": records }))
}
