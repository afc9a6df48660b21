//! The county server (县级服务器) of Jiandang: device enrollment and bearer tokens, sync
//! (push, pull, snapshot), photo blobs, the audit trail, conflicts, administration of users,
//! devices and the year's phases, and the synthetic demo county.
//!
//! [`router`] lists every route. Each resource has its module with handlers named by verb;
//! the [`auth::Caller`] extractor checks the token; [`extract::Wire`] reads JSON bodies;
//! [`error::AppError`] is every error answer. SQLite sits behind [`db::Db`].

pub mod admin;
pub mod auth;
pub mod blobs;
pub mod clock;
pub mod conflicts;
pub mod db;
pub mod demo;
pub mod error;
pub mod exports;
pub mod extract;
pub mod history;
pub mod merge;
pub mod prng;
pub mod rules;
pub mod sync;
pub mod window;

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use jiandang_protocol::{Health, PROTOCOL_VERSION};
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
}

impl AppState {
    /// Opens (or creates) the database file and migrates it.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<AppState, DbError> {
        let conn = db::open(path)?;
        Ok(AppState {
            db: Db::with_readers(conn, path),
            clock,
            rules: Arc::new(rules::Rules::shangqiu_2018()),
        })
    }
}

/// Every route of the API.
pub fn router(state: AppState) -> Router {
    let blob_routes = Router::new().route(
        "/api/v1/blobs/{sha256}",
        get(blobs::get)
            .head(blobs::head)
            .put(blobs::put)
            .layer(DefaultBodyLimit::max(blobs::MAX_CHUNK)),
    );
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/enroll", post(auth::enroll))
        .route("/api/v1/push", post(sync::push))
        .route("/api/v1/pull", get(sync::pull))
        .route("/api/v1/snapshot", get(sync::snapshot))
        .route("/api/v1/records/{id}/history", get(history::get))
        .route("/api/v1/conflicts", get(conflicts::list))
        .route("/api/v1/conflicts/{id}/resolve", post(conflicts::resolve))
        .route(
            "/api/v1/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/api/v1/admin/users/{id}", put(admin::update_user))
        .route("/api/v1/admin/devices", get(admin::list_devices))
        .route(
            "/api/v1/admin/devices/{id}/revoke",
            post(admin::revoke_device),
        )
        .route(
            "/api/v1/admin/phases",
            get(admin::get_phases).put(admin::put_phases),
        )
        .route("/api/v1/admin/villages/{id}/window", get(admin::get_window))
        .route(
            "/api/v1/admin/villages/{id}/reopen",
            post(admin::reopen_village),
        )
        .route("/api/v1/admin/exports", get(exports::log))
        .route("/api/v1/exports/jobs", post(exports::start_job))
        .route("/api/v1/exports/jobs/{id}", get(exports::job))
        .route("/api/v1/exports/jobs/{id}/file", get(exports::job_file))
        .route("/api/v1/exports/{file}", get(exports::get))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY));
    api.merge(blob_routes)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(extract::check_protocol_header))
        .layer(RequestDecompressionLayer::new())
        // gzip at its best level: answers are JSON for links as slow as 2G, and the largest,
        // a village's snapshot, is 2 % smaller than at the default level for ~20 ms more.
        .layer(CompressionLayer::new().quality(CompressionLevel::Best))
        .with_state(state)
}

/// `GET /api/v1/health`, without auth.
async fn health() -> axum::Json<Health> {
    axum::Json(Health {
        protocol: PROTOCOL_VERSION,
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

async fn not_found() -> AppError {
    AppError::not_found("没有这个接口")
}
