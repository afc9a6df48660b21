//! The county dashboard's page and assets, built by the UI's toolchain (`ui/`, `npm run
//! build`, into `ui/dist-dashboard`) and embedded in the binary, so that one file deploys the
//! server and its dashboard. Served at `/` and `/assets/…`; a path that is neither an API
//! route nor an asset gets the page (the dashboard routes by the URL's fragment).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// The built dashboard. A debug build reads the folder at run time (a rebuilt UI shows
/// without recompiling); a release build holds the files. A build made before the UI was
/// built has none, and says so at `/`.
#[derive(RustEmbed)]
#[folder = "../../ui/dist-dashboard"]
#[allow_missing = true]
struct Dashboard;

/// What the browser may load and where from: the page's own scripts and styles only, images
/// also from data URLs and from the county's base-map tile server (any https host, since the
/// county sets its URL), and it may be framed only by itself (the printable summary).
const CSP: &str = "default-src 'self'; img-src 'self' data: blob: https: http:; \
    style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'";

/// `GET /…` outside `/api/`: an asset, or the page.
pub async fn get(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (file, name) = match Dashboard::get(path) {
        Some(file) if !path.is_empty() => (file, path),
        _ => match Dashboard::get("index.html") {
            Some(file) => (file, "index.html"),
            None => return not_built(),
        },
    };
    let mime = file.metadata.mimetype().to_owned();
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    // Vite names assets by their hash: they never change. The page itself is asked for again
    // each time, so that a new server's dashboard shows at once.
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    security_headers(headers);
    response
}

/// Headers every page of the dashboard carries.
fn security_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

fn not_built() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "本服务器程序构建时没有包含县级看板。请先构建看板（cd ui && npm run build），再重新构建 jiandang。\n\
         The dashboard was not built into this binary: run (cd ui && npm run build), then build jiandang again.\n",
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
