//! Serving the widget: the loader `aisle.js` and the fingerprinted wasm bundle
//! that `cargo xtask build` writes to `dist/widget/`, precompressed (brotli,
//! gzip) next to each file; and the agent console from `dist/console/`.
//!
//! The loader keeps a stable URL and a short cache life so merchants' pages
//! pick up new releases; bundle files carry a content hash in their name and
//! are cached for a year. Everything is CORS-readable because merchants' pages
//! live on other origins and import the glue as a module.
//!
//! The console is same-origin only: no CORS, no framing, its page revalidated
//! on every load (so a release shows at once) and its hashed files cached for
//! a year.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use std::path::Path;
use tower_http::services::ServeDir;

/// Routes for `/widget/*`, serving files from `dir`.
pub fn routes(dir: &Path) -> Router {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_headers))
}

/// Routes for `/console/*`, serving the agent console from `dir`
/// (`index.html` for the directory itself).
pub fn console_routes(dir: &Path) -> Router {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(console_headers))
}

/// Whether a file name carries a content hash (`aisle-widget.0123456789abcdef.wasm`).
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split('.')
        .any(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let fingerprinted = is_fingerprinted(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let cache = if fingerprinted {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn console_headers(request: Request, next: Next) -> Response {
    let fingerprinted = is_fingerprinted(request.uri().path());
    let mut response = next.run(request).await;
    let cache = if fingerprinted && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::is_fingerprinted;

    #[test]
    fn only_hashed_names_are_cached_forever() {
        assert!(is_fingerprinted(
            "/widget/aisle-widget.0123456789abcdef.wasm"
        ));
        assert!(!is_fingerprinted("/widget/aisle.js"));
        assert!(!is_fingerprinted("/widget/aisle-widget.js"));
    }
}
