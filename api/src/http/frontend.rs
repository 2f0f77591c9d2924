//! Serves the built web app (`frontend/dist`) from the API process: files as they are, hashed
//! assets cached for a year, and `index.html` for every other path so the app's own routes
//! (/users/…) survive a reload.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Responder, web};

/// Where the built app lives.
#[derive(Clone, Debug)]
pub struct FrontendDir(pub PathBuf);

/// A request path as a relative path with normal components only (no `..`, no root).
fn safe_relative(tail: &str) -> Option<PathBuf> {
    let path = Path::new(tail.trim_start_matches('/'));
    path.components().all(|c| matches!(c, Component::Normal(_))).then(|| path.to_path_buf())
}

fn with_cache(mut res: HttpResponse, value: &'static str) -> HttpResponse {
    res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(value));
    res
}

/// `GET /` when no web app is built: what to do, and where GraphiQL is.
pub const APP_NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner Billing</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>Partner Billing</h1>
<p>The API is running, but the web app is not built, so there is nothing to show here yet.</p>
<p>Build it with <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code> and restart the server
(it serves <code>frontend/dist</code>, or the folder in <code>PB_FRONTEND_DIR</code>).</p>
<p>The GraphQL API is at <a href="/graphql">/graphql</a> (GraphiQL, when built and enabled with <code>PB_GRAPHIQL</code>).</p>
</body></html>
"#;

/// `GET /graphql` when GraphiQL's assets are not built. GraphiQL is never loaded from a CDN.
pub const GRAPHIQL_NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GraphiQL is not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<h1>GraphiQL is not built</h1>
<p>GraphiQL is served from this server's own files (never from a CDN, so it works on a closed
network), and they are built with the web app: <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>
writes <code>frontend/dist/graphiql.html</code>; then restart the server.</p>
<p>The API itself works without it: <code>POST /graphql</code> with a JSON body
<code>{"query": "{ me { email } }"}</code> and an <code>Authorization: Bearer …</code> header.</p>
</body></html>
"#;

pub async fn not_built() -> HttpResponse {
    with_cache(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(APP_NOT_BUILT), "no-cache")
}

pub async fn serve(req: HttpRequest, dir: web::Data<FrontendDir>) -> HttpResponse {
    let tail = req.match_info().query("tail");
    if let Some(relative) = safe_relative(tail).filter(|p| !p.as_os_str().is_empty()) {
        let file = dir.0.join(&relative);
        if file.is_file()
            && let Ok(named) = NamedFile::open(&file)
        {
            // Vite names built assets by content hash, so they never change under one name.
            let cache = if relative.starts_with("assets") { "public, max-age=31536000, immutable" } else { "no-cache" };
            return with_cache(named.respond_to(&req).map_into_boxed_body(), cache);
        }
        // A missing asset is a 404, not the app page.
        if relative.starts_with("assets") || relative.extension().is_some() {
            return HttpResponse::NotFound().finish();
        }
    }
    match NamedFile::open(dir.0.join("index.html")) {
        Ok(index) => with_cache(index.respond_to(&req).map_into_boxed_body(), "no-cache"),
        Err(_) => HttpResponse::NotFound().body("the web app is not built: run `npm run build` in frontend/"),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn only_plain_relative_paths_are_served() {
        assert_eq!(safe_relative("/assets/app-1a2b.js").unwrap().to_str(), Some("assets/app-1a2b.js"));
        assert!(safe_relative("/../etc/passwd").is_none());
        assert!(safe_relative("/assets/../../x").is_none());
        assert!(safe_relative("/").is_some_and(|p| p.as_os_str().is_empty()));
    }
}
