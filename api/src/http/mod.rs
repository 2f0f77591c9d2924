//! HTTP surface: routes, the request-id middleware, health endpoints and the GraphQL handler.

pub mod frontend;
pub mod graphql;
pub mod health;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;

use actix_web::web;

/// Registers every route; with a built web app, it answers everything else (without one, `/`
/// says how to build it).
pub fn routes(cfg: &mut web::ServiceConfig, frontend: Option<frontend::FrontendDir>) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(crate::metrics::scrape::serve))
        .route("/graphql", web::post().to(graphql::execute))
        .route("/graphql", web::get().to(graphql::graphiql));
    match frontend {
        Some(dir) => {
            cfg.app_data(web::Data::new(dir)).route("/{tail:.*}", web::get().to(frontend::serve));
        }
        None => {
            cfg.route("/", web::get().to(frontend::not_built));
        }
    }
}
