//! The county server (县级服务器) of Jiandang: device enrollment and bearer tokens, sync
//! (push, pull, snapshot), photo blobs, the audit trail, conflicts, administration of users,
//! devices, the county's year policy and the year's phases, spot-check plans and their
//! results, and the synthetic demo county.
//!
//! [`router`] lists every route. Each resource has its module with handlers named by verb;
//! the [`auth::Caller`] extractor checks the token (or the dashboard's session cookie,
//! [`session`]); [`extract::Wire`] reads JSON bodies; [`error::AppError`] is every error
//! answer. SQLite sits behind [`db::Db`]; the records, their fields and the change log behind
//! [`storage::Store`]; every change goes through [`apply`], judged and gated by the domain by
//! the county's stored policy ([`rules`]). The county dashboard ([`assets`]) is served at `/`.

pub mod admin;
pub mod apply;
pub mod assets;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod clock;
pub mod conflicts;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod demo_problems;
pub mod error;
pub mod exports;
pub mod extract;
pub mod history;
pub mod identity;
pub mod idindex;
pub mod merge;
pub mod policy;
pub mod problems;
pub mod recheck;
pub mod references;
pub mod rules;
pub mod session;
pub mod spotchecks;
pub mod storage;
pub mod sync;
pub mod throttle;
pub mod tls;
pub mod window;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, head, post, put};
use jiandang_protocol::{Health, PROTOCOL_VERSION, SERVER_TIME_HEADER};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;

pub use clock::{Clock, SettableClock, SystemClock};
pub use db::{Db, DbError};
pub use error::AppError;

/// Largest JSON request body (after gzip decompression).
pub const MAX_JSON_BODY: usize = 8 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub rules: Arc<rules::Rules>,
    /// Failed sign-ins per user name and address.
    pub sign_ins: Arc<throttle::SignInThrottle>,
    /// The dashboard's assembled villages.
    pub overview: Arc<dashboard::Cache>,
    /// The database's identity ([`identity`]), read once: it changes only while no server
    /// runs (a restore).
    pub identity: uuid::Uuid,
}

impl AppState {
    /// Opens (or creates) the database file, migrates it and reads the county's policy
    /// (seeding the demo's document into a new file).
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<AppState, DbError> {
        let conn = db::open(path)?;
        let policy =
            county_policy(&conn, clock.now_ms()).map_err(|e| DbError::Policy(e.message))?;
        let identity = identity::current(&conn).map_err(|e| DbError::Policy(e.message))?;
        Ok(AppState {
            db: Db::with_readers(conn, path),
            clock,
            rules: Arc::new(rules::Rules::new(policy)),
            sign_ins: Arc::new(throttle::SignInThrottle::new()),
            overview: Arc::default(),
            identity,
        })
    }
}

/// The county's stored policy; a file that holds none yet gets the demo county's document
/// (Shangqiu 2018, [`demo::policy`]), with the timeline the file had, until the county sets
/// its own (`PUT /api/v1/admin/policy`, `jiandang serve --policy`).
pub fn county_policy(
    conn: &rusqlite::Connection,
    now_ms: i64,
) -> Result<jiandang_domain::policy::YearPolicy, AppError> {
    policy::load_or_seed(conn, demo::policy, now_ms)
}

/// One route of the API: method and path, as [`router`] serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
}

/// Every route of the API, with its handler: the one list [`router`] is built from and
/// [`routes`] reports (the authorization matrix test walks it, so a route added here without
/// its row in that test fails it).
fn api_routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    let blob = "/api/v1/blobs/{sha256}";
    // Blob bodies are raw bytes of one chunk: their own, smaller limit.
    let chunk_limit = || DefaultBodyLimit::max(blobs::MAX_CHUNK);
    vec![
        (Method::GET, "/api/v1/health", get(health)),
        (Method::POST, "/api/v1/enroll", post(auth::enroll)),
        (Method::POST, "/api/v1/session", post(session::sign_in)),
        (Method::GET, "/api/v1/session", get(session::get)),
        (Method::DELETE, "/api/v1/session", delete(session::sign_out)),
        (Method::GET, "/api/v1/forms", get(dashboard::forms)),
        (
            Method::GET,
            "/api/v1/dashboard/progress",
            get(dashboard::progress),
        ),
        (
            Method::GET,
            "/api/v1/dashboard/households",
            get(dashboard::households),
        ),
        (
            Method::GET,
            "/api/v1/dashboard/households/{id}",
            get(dashboard::household),
        ),
        (Method::GET, "/api/v1/dashboard/map", get(dashboard::map)),
        (Method::POST, "/api/v1/push", post(sync::push)),
        (Method::GET, "/api/v1/pull", get(sync::pull)),
        (Method::GET, "/api/v1/snapshot", get(sync::snapshot)),
        (Method::GET, "/api/v1/policy", get(policy::get)),
        (Method::GET, "/api/v1/identity", get(identity::get)),
        (
            Method::GET,
            "/api/v1/records/{id}/history",
            get(history::get),
        ),
        (Method::GET, "/api/v1/conflicts", get(conflicts::list)),
        (
            Method::POST,
            "/api/v1/conflicts/{id}/resolve",
            post(conflicts::resolve),
        ),
        (Method::GET, "/api/v1/admin/users", get(admin::list_users)),
        (
            Method::POST,
            "/api/v1/admin/users",
            post(admin::create_user),
        ),
        (
            Method::PUT,
            "/api/v1/admin/users/{id}",
            put(admin::update_user),
        ),
        (
            Method::GET,
            "/api/v1/admin/devices",
            get(admin::list_devices),
        ),
        (
            Method::POST,
            "/api/v1/admin/devices/{id}/revoke",
            post(admin::revoke_device),
        ),
        (
            Method::POST,
            "/api/v1/admin/devices/{id}/lost",
            post(admin::mark_device_lost),
        ),
        (
            Method::POST,
            "/api/v1/device/loss-report",
            post(auth::loss_report),
        ),
        (Method::GET, "/api/v1/admin/phases", get(admin::get_phases)),
        (Method::PUT, "/api/v1/admin/phases", put(admin::put_phases)),
        (Method::PUT, "/api/v1/admin/policy", put(policy::put)),
        (
            Method::GET,
            "/api/v1/admin/villages/{id}/window",
            get(admin::get_window),
        ),
        (
            Method::POST,
            "/api/v1/admin/villages/{id}/reopen",
            post(admin::reopen_village),
        ),
        (Method::GET, "/api/v1/admin/exports", get(exports::log)),
        (
            Method::PUT,
            "/api/v1/admin/settings",
            put(admin::put_settings),
        ),
        (
            Method::POST,
            "/api/v1/admin/checks/run",
            post(problems::run_checks),
        ),
        (
            Method::POST,
            "/api/v1/admin/province-file",
            post(problems::import_province_file),
        ),
        (Method::GET, "/api/v1/problems", get(problems::list)),
        (Method::POST, "/api/v1/problems", post(problems::raise_one)),
        (
            Method::POST,
            "/api/v1/problems/{id}/send-back",
            post(problems::send_back_one),
        ),
        (
            Method::POST,
            "/api/v1/problems/{id}/close",
            post(problems::close_one),
        ),
        (
            Method::POST,
            "/api/v1/exports/jobs",
            post(exports::start_job),
        ),
        (Method::GET, "/api/v1/exports/jobs/{id}", get(exports::job)),
        (
            Method::GET,
            "/api/v1/exports/jobs/{id}/file",
            get(exports::job_file),
        ),
        (Method::GET, "/api/v1/exports/{file}", get(exports::get)),
        (
            Method::GET,
            "/api/v1/spotchecks/plans",
            get(spotchecks::list_plans),
        ),
        (
            Method::POST,
            "/api/v1/spotchecks/plans",
            post(spotchecks::create_plan),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/plans/{id}",
            get(spotchecks::get_plan),
        ),
        (
            Method::PUT,
            "/api/v1/spotchecks/plans/{id}",
            put(spotchecks::edit_plan),
        ),
        (
            Method::POST,
            "/api/v1/spotchecks/plans/{id}/draw",
            post(spotchecks::draw_plan),
        ),
        (
            Method::POST,
            "/api/v1/spotchecks/plans/{id}/publish",
            post(spotchecks::publish_plan),
        ),
        (
            Method::POST,
            "/api/v1/spotchecks/plans/{id}/assignments",
            post(spotchecks::assign),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/plans/{id}/results",
            get(spotchecks::results),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/plans/{id}/estimates",
            get(spotchecks::estimates),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/plans/{id}/results.xlsx",
            get(spotchecks::results_workbook),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/assignments",
            get(spotchecks::worklist),
        ),
        (
            Method::GET,
            "/api/v1/spotchecks/checks/{id}/register",
            get(spotchecks::check_register),
        ),
        (Method::GET, blob, get(blobs::get).layer(chunk_limit())),
        (Method::HEAD, blob, head(blobs::head).layer(chunk_limit())),
        (Method::PUT, blob, put(blobs::put).layer(chunk_limit())),
    ]
}

/// Every route [`router`] serves (a `GET` route answers `HEAD` too, with the same checks).
pub fn routes() -> Vec<RouteSpec> {
    api_routes()
        .into_iter()
        .map(|(method, path, _)| RouteSpec { method, path })
        .collect()
}

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    for (_, path, handler) in api_routes() {
        api = api.route(path, handler);
    }
    api.layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .fallback(fallback)
        .layer(axum::middleware::from_fn(extract::check_protocol_header))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            server_time,
        ))
        .layer(RequestDecompressionLayer::new())
        // gzip at its best level: answers are JSON for links as slow as 2G, and the largest,
        // a village's snapshot, is 2 % smaller than at the default level for ~20 ms more.
        .layer(CompressionLayer::new().quality(CompressionLevel::Best))
        .with_state(state)
}

/// Puts the server's clock on every answer ([`SERVER_TIME_HEADER`], UTC ms), so that a
/// device can tell its own clock is wrong and stamp by the server's time instead.
async fn server_time(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(req).await;
    response.headers_mut().insert(
        SERVER_TIME_HEADER,
        axum::http::HeaderValue::from(state.clock.now_ms()),
    );
    response
}

/// `GET /api/v1/health`, without auth.
async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        protocol: PROTOCOL_VERSION,
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Outside the API, the dashboard's page and assets; inside, 404 in the API's error form.
async fn fallback(method: Method, uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let api = uri.path() == "/api" || uri.path().starts_with("/api/");
    if api || !matches!(method, Method::GET | Method::HEAD) {
        return AppError::not_found("没有这个接口").into_response();
    }
    assets::get(uri).await
}
