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

pub async fn serve(req: HttpRequest, dir: web::Data<FrontendDir>) -> HttpResponse {
    let tail = req.match_info().query("tail");
    if let Some(relative) = safe_relative(tail).filter(|p| !p.as_os_str().is_empty()) {
        let file = dir.0.join(&relative);
        if file.is_file() {
            if let Ok(named) = NamedFile::open(&file) {
                // Vite names built assets by content hash, so they never change under one name.
                let cache = if relative.starts_with("assets") { "public, max-age=31536000, immutable" } else { "no-cache" };
                return with_cache(named.respond_to(&req).map_into_boxed_body(), cache);
            }
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
