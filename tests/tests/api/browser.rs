//! Issue 16, item 7: browser hardening headers on `/`, the app's routes and `/graphql`; HSTS only
//! with an https public URL; GraphiQL from our own files (never a CDN); helpful pages when the
//! web app or GraphiQL is not built.

use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::json;

/// A stand-in for `frontend/dist`: the app's index, GraphiQL's page, one hashed asset.
fn built_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("index.html"), r#"<!doctype html><html><head><script type="module" src="/assets/app-1.js"></script></head><body><div id="root"></div></body></html>"#).unwrap();
    std::fs::write(dir.path().join("graphiql.html"), r#"<!doctype html><html><head><title>GraphiQL test page</title><script type="module" src="/assets/graphiql-1.js"></script><link rel="stylesheet" href="/assets/graphiql-1.css"></head><body><div id="graphiql"></div></body></html>"#).unwrap();
    std::fs::write(dir.path().join("assets/app-1.js"), "console.log('app')").unwrap();
    dir
}

#[track_caller]
fn assert_hardened(res: &reqwest::Response, what: &str, hsts: bool) {
    let h = res.headers();
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let csp = get("content-security-policy");
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'") && !csp.contains("unsafe-eval"), "{what}: no inline or eval scripts: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(h.contains_key("strict-transport-security"), hsts, "{what}: HSTS {hsts}");
}

/// Script and stylesheet references to another host.
fn external_refs(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for attr in ["src=", "href="] {
        for part in lower.split(attr).skip(1) {
            let value = part.trim_start_matches(['"', '\'']);
            if value.starts_with("http://") || value.starts_with("https://") || value.starts_with("//") {
                found.push(value.chars().take(60).collect());
            }
        }
    }
    found
}

async fn hardening_headers_everywhere(db: DbKind) {
    let dist = built_app();
    let app = TestApp::spawn_with(db, vec![("frontend_dir", dist.path().display().to_string())]).await;
    let base = &app.base_url;
    for path in ["/", "/users/0190-some-user", "/payers", "/assets/app-1.js", "/graphql"] {
        let res = app.client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_hardened(&res, path, false);
    }
    let res = app.client.post(format!("{base}/graphql")).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_hardened(&res, "POST /graphql", false);
    // GraphiQL is the built page, from this server.
    let page = app.client.get(format!("{base}/graphql")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("GraphiQL test page"), "{page}");
    assert!(external_refs(&page).is_empty(), "{page}");

    // With an https public URL, HSTS too.
    let https = TestApp::spawn_with(db, vec![("public_url", "https://billing.example.com".into()), ("frontend_dir", dist.path().display().to_string())]).await;
    for path in ["/", "/graphql"] {
        let res = https.client.get(format!("{}{path}", https.base_url)).send().await.unwrap();
        assert_hardened(&res, path, true);
        assert!(res.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    }
    let res = https.client.post(format!("{}/graphql", https.base_url)).json(&json!({ "query": "{ __typename }" })).send().await.unwrap();
    assert_hardened(&res, "POST /graphql (https)", true);
}

async fn without_a_built_app_the_pages_say_how_to_build_it(db: DbKind) {
    let empty = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with(db, vec![("frontend_dir", empty.path().display().to_string())]).await;
    let res = app.client.get(format!("{}/", app.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_hardened(&res, "/ (not built)", false);
    let page = res.text().await.unwrap();
    assert!(page.contains("not built") && page.contains("npm run build") && page.contains("href=\"/graphql\""), "{page}");
    let res = app.client.get(format!("{}/graphql", app.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_hardened(&res, "/graphql (not built)", false);
    let page = res.text().await.unwrap();
    assert!(page.contains("GraphiQL is not built") && page.contains("npm run build"), "{page}");
    assert!(external_refs(&page).is_empty() && !page.contains("cdn") && !page.contains("unpkg") && !page.contains("jsdelivr"), "{page}");
    assert!(!page.contains("<script"), "no script at all");
    // The real build's GraphiQL page, when this checkout has one, loads nothing from another host.
    let built = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../frontend/dist/graphiql.html"));
    if let Ok(html) = std::fs::read_to_string(built) {
        assert!(external_refs(&html).is_empty(), "frontend/dist/graphiql.html refers to another host: {:?}", external_refs(&html));
    }
    // GraphiQL switched off: no page at all.
    let off = TestApp::spawn_with(db, vec![("graphiql", "false".into())]).await;
    assert_eq!(off.client.get(format!("{}/graphql", off.base_url)).send().await.unwrap().status(), 404);
}

on_both_databases!(hardening_headers_everywhere, without_a_built_app_the_pages_say_how_to_build_it);
