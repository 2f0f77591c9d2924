//! `/healthz`: the process is up. `/readyz`: the database answers and none of this release's
//! migrations is pending (migrations of a newer release, during a rolling update, are fine).

use actix_web::{HttpResponse, web};

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db_ok = state.db.pool().ping().await.is_ok();
    let pending = if db_ok { crate::db::schema_status(state.db.pool()).await.map(|s| s.pending.len()).ok() } else { None };
    match (db_ok, pending) {
        (true, Some(0)) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        (true, Some(n)) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "not ready", "reason": format!("{n} migrations pending") })),
        _ => {
            tracing::warn!("readiness check: database unreachable");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "not ready", "reason": "database unreachable" }))
        }
    }
}
