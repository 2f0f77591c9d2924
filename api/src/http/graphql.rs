//! `POST /graphql` and the GraphiQL page. The body is read with a size cap and parsed here so
//! that oversized or malformed requests get a GraphQL-shaped error with a code.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures::StreamExt;

use std::sync::Arc;

use crate::audit::{Actor, CallScope};
use crate::auth::authenticate;
use crate::auth::sessions::ClientInfo;
use crate::graphql::AppSchema;
use crate::graphql::context::RequestContext;
use crate::graphql::error::REQUEST_ERROR_CODE;
use crate::graphql::limits::Limit;
use crate::http::rate_limit::{Principal, RateLimits};
use crate::http::request_id::RequestId;
use crate::state::AppState;

fn request_error(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": REQUEST_ERROR_CODE.as_str() } }]
    }))
}

/// The client's address: the socket peer, or, behind trusted proxies, the `X-Forwarded-For` entry
/// the outermost of them appended. The `Forwarded` header and entries further left are whatever
/// the client sent, so they are never believed (a client could otherwise pick its own address and
/// escape the login throttle and rate limits).
fn client_info(req: &HttpRequest, state: &AppState) -> ClientInfo {
    let peer = req.peer_addr().map(|a| a.ip().to_string());
    let ip = if state.config.trust_proxy_headers {
        forwarded_client(req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()), state.config.trusted_proxy_hops)
            .or(peer)
    } else {
        peer
    };
    let user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_owned);
    ClientInfo { ip, user_agent }
}

/// The address `hops` entries from the right of the `X-Forwarded-For` values (several headers
/// count as one list, in order); `None` when there are fewer entries or it is not an address.
fn forwarded_client<'a>(values: impl Iterator<Item = &'a str>, hops: u32) -> Option<String> {
    let entries: Vec<&str> = values.flat_map(|v| v.split(',')).map(str::trim).filter(|e| !e.is_empty()).collect();
    let index = entries.len().checked_sub(usize::try_from(hops).ok()?)?;
    entries[index].parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
}

#[cfg(test)]
mod forwarded_tests {
    use super::forwarded_client;

    #[test]
    fn the_client_is_the_entry_our_proxy_appended_not_one_the_client_wrote() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; our proxy appended the address it saw.
        assert_eq!(forwarded_client(["1.2.3.4, 203.0.113.9"].into_iter(), 1).as_deref(), Some("203.0.113.9"));
        assert_eq!(forwarded_client(["1.2.3.4", "203.0.113.9"].into_iter(), 1).as_deref(), Some("203.0.113.9"));
        // Two proxies (a CDN, then the ingress): the client is second from the right.
        assert_eq!(forwarded_client(["1.2.3.4, 198.51.100.7, 10.0.0.5"].into_iter(), 2).as_deref(), Some("198.51.100.7"));
        assert_eq!(forwarded_client(["2001:db8::1"].into_iter(), 1).as_deref(), Some("2001:db8::1"));
        // Too few entries or garbage: fall back to the socket peer.
        assert_eq!(forwarded_client(["203.0.113.9"].into_iter(), 2), None);
        assert_eq!(forwarded_client(["1.2.3.4, not-an-address"].into_iter(), 1), None);
        assert_eq!(forwarded_client(std::iter::empty(), 1), None);
    }
}

fn rate_limited(limits: &RateLimits, wait: std::time::Duration) -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header(("retry-after", wait.as_secs().max(1).to_string()))
        .json(serde_json::json!({
            "data": null,
            "errors": [{ "message": limits.message(wait), "extensions": {
                "code": crate::error::ErrorCode::RateLimited.as_str(),
                "limit": Limit::Rate.as_str(),
                "retryAfterSeconds": wait.as_secs().max(1),
            } }]
        }))
}

pub async fn execute(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    limits: web::Data<RateLimits>,
) -> HttpResponse {
    // Who is asking decides whose rate the request counts against; a refused request is not read.
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let auth = authenticate(&state.auth(), header).await;
    let client = client_info(&req, &state);
    if let Err(wait) = limits.check(&Principal::of(&auth, client.ip.as_deref())) {
        return rate_limited(&limits, wait);
    }
    let limit = state.config.max_body_bytes;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return request_error(StatusCode::BAD_REQUEST, "could not read the request body");
        };
        if body.len() + chunk.len() > limit {
            return request_error(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => return request_error(StatusCode::BAD_REQUEST, "the body is not a GraphQL request in JSON"),
    };

    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let actor = match &auth {
        crate::auth::AuthOutcome::Authenticated(p) => Actor::from_principal(p),
        _ => Actor::unknown(None),
    };
    let scope = Arc::new(CallScope::for_request(actor, &client, &request_id));
    let operation = crate::metrics::Operation::of(&request);
    req.extensions_mut().insert(operation.clone());
    let context = RequestContext { request_id, client, auth, variables: request.variables.clone(), prefetched: Default::default() };

    // AWS calls made while executing are attributed to this caller (see `audit`); the request
    // uses at most its share of the connection pool (see `graphql::limits`).
    let share = usize::try_from(state.config.request_db_connections).unwrap_or(1);
    let mut response = scope.clone().run(crate::db::Db::with_request_share(share, schema.execute(request.data(context)))).await;
    if let Err(e) = crate::audit::flush_current_of(&scope, &state.audit).await {
        tracing::error!(error = %e.for_log(), "writing AWS calls to the audit trail failed");
    }
    // Errors raised by async-graphql itself (parse, validation, depth and complexity limits)
    // carry no code; every error we return must.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", REQUEST_ERROR_CODE.as_str());
        }
    }
    crate::metrics::graphql_errors(&operation, &response.errors);
    HttpResponse::Ok().json(response)
}

/// GraphiQL, from the web app's build (`frontend/dist/graphiql.html` and its assets): nothing from
/// another host, so it works on a closed network. Without that build, a page that says how to
/// make it.
pub async fn graphiql(req: HttpRequest, state: web::Data<AppState>, page: web::Data<GraphiqlPage>) -> HttpResponse {
    if !state.config.graphiql {
        return HttpResponse::NotFound().finish();
    }
    if let Some(path) = &page.0
        && let Ok(file) = actix_files::NamedFile::open(path)
    {
        use actix_web::Responder;
        let mut res = file.respond_to(&req).map_into_boxed_body();
        res.headers_mut().insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-cache"));
        return res;
    }
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(crate::http::frontend::GRAPHIQL_NOT_BUILT)
}

/// The built GraphiQL page, when there is one.
#[derive(Clone, Debug, Default)]
pub struct GraphiqlPage(pub Option<std::path::PathBuf>);
