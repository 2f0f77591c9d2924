//! `/healthz`: the process is up. `/readyz`: the database answers and none of this release's
//! migrations is pending (migrations of a newer release, during a rolling update, are fine), and
//! the process is not shutting down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{HttpResponse, web};

use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Set on SIGTERM: the process still serves but asks its load balancer to send no more.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn readyz(state: web::Data<AppState>, draining: Option<web::Data<Draining>>) -> HttpResponse {
    if draining.is_some_and(|d| d.is_set()) {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "not ready", "reason": "shutting down" }));
    }
    match state.platform().pending_migrations().await {
        Ok(0) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Ok(n) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "not ready", "reason": format!("{n} migrations pending") })),
        _ => {
            tracing::warn!("readiness check: database unreachable");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({ "status": "not ready", "reason": "database unreachable" }))
        }
    }
}
