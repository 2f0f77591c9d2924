use async_graphql::{Context, Json, Object, connection::Connection};

use crate::audit::read;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::audit::{AuditEvent, AuditEventFilter};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first: admins only, within their tenants and payers.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Connection<String, AuditEvent>> {
        let page = page(first, after)?;
        let rows = read::list(&ctx.scope()?, &filter.unwrap_or_default().into_domain()?, &page).await?;
        Ok(connection(rows, page, |r| r.seq, AuditEvent::from_row))
    }

    /// The matching events as a CloudTrail log file, `{"Records": [...]}` (at most 10,000,
    /// oldest first). This read is itself audited.
    #[graphql(complexity = "crate::graphql::limits::Heavy::Export.cost() + child_complexity")]
    async fn export_audit_events(&self, ctx: &Context<'_>, filter: Option<AuditEventFilter>) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(read::export(&ctx.scope()?, &filter.unwrap_or_default().into_domain()?).await?))
    }
}
