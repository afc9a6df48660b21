//! The county dashboard's sign-in: a session per browser, held in an HttpOnly, SameSite=Strict
//! cookie (Secure when the page came over TLS), CSRF-safe, ending by itself.
//!
//! - `POST /api/v1/session` signs in with user name and password, throttled like a device's
//!   enrollment ([`crate::throttle`]). Only the roles that use the dashboard
//!   ([`Role::uses_dashboard`]) get a session: a survey worker's or work-team member's
//!   password does not open it.
//! - The cookie holds a random secret; only its SHA-256 is stored (`sessions`). A session ends
//!   [`SESSION_TTL_MS`] after sign-in, after [`SESSION_IDLE_MS`] without a request, or at
//!   `DELETE /api/v1/session`. Ended sessions stay in the table: the audit trail names a
//!   session as the device of the changes made through it.
//! - CSRF: besides SameSite=Strict, every state-changing request of a session must carry the
//!   [`CSRF_HEADER`] (a page of another site cannot add a header to a cross-site request
//!   without the server's CORS consent, which it never gives), and its `Origin`, when sent,
//!   must be the server's own.
//!
//! A session is a caller like a device's token ([`Caller`] with [`Via::Session`]); its id
//! stands for the device in the audit trail.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiandang_domain::codes::Coded;
use jiandang_domain::county::checks;
use jiandang_domain::evaluation::IntervalMethod;
use jiandang_domain::lifecycle::HouseholdState;
use jiandang_domain::problem::ProblemSeverity;
use jiandang_domain::spotcheck::codes::Indicator;
use jiandang_domain::spotcheck::plan::PlanState;
use jiandang_domain::spotcheck::stats::Verdict;
use jiandang_protocol::spotcheck::{CheckState, PlanPreset};
use jiandang_protocol::{
    BaseMap, CheckLabel, DashboardLabels, ErrorCode, Label, PROTOCOL_VERSION, Role, SESSION_COOKIE,
    SessionInfo, SignIn, TownInfo, UserInfo, VillagePlace,
};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, PeerAddr, check_csrf, new_token, parse_uuid, token_hash};
use crate::error::AppError;
use crate::extract::Wire;

/// A session ends this long after sign-in, whatever happens (a working day and more).
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// The name the audit trail shows for changes made on the dashboard.
pub const DEVICE_NAME: &str = "县级看板";

/// `POST /api/v1/session`.
pub async fn sign_in(
    State(state): State<AppState>,
    PeerAddr(address): PeerAddr,
    headers: HeaderMap,
    Wire(req): Wire<SignIn>,
) -> Result<Response, AppError> {
    // Signing in changes state too: a page of another site must not sign a browser in.
    check_csrf(&Method::POST, &headers)?;
    let user = crate::auth::check_password(&state, address, &req.username, req.password).await?;
    if !user.role.uses_dashboard() {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "调查员和驻村工作队员请在手机应用中登录；县级看板供县、乡镇工作人员使用",
        ));
    }
    let secret = new_token();
    let hash = token_hash(&secret);
    let id = Uuid::new_v4();
    let now = state.clock.now_ms();
    let expires = now + SESSION_TTL_MS;
    let user_id = user.id;
    let role = user.role;
    let info = state
        .db
        .call(move |conn| {
            conn.prepare_cached(
                "INSERT INTO sessions (id, user_id, token_hash, created_ms, last_seen_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            )?
            .execute(params![
                id.to_string(),
                user_id.to_string(),
                hash,
                now,
                expires
            ])?;
            session_info(conn, user_id, role, expires)
        })
        .await?;
    tracing::info!(user = %user_id, session = %id, "dashboard signed in");
    let cookie = cookie_header(&secret, SESSION_TTL_MS / 1000, is_tls(&headers));
    let mut response = Json(info).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `GET /api/v1/session`: who is signed in, and what they may see.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<SessionInfo>, AppError> {
    caller.require_dashboard()?;
    let id = caller.device_id;
    let info = state
        .db
        .read(move |conn| {
            let expires: i64 = conn
                .prepare_cached("SELECT expires_ms FROM sessions WHERE id = ?1")?
                .query_row([id.to_string()], |r| r.get(0))?;
            session_info(conn, caller.user_id, caller.role, expires)
        })
        .await?;
    Ok(Json(info))
}

/// `DELETE /api/v1/session`: signs out; the cookie is cleared and the session ends. Its row
/// stays (ended), since the audit trail names the session as the device of its changes.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, AppError> {
    caller.require_dashboard()?;
    let id = caller.device_id;
    let now = state.clock.now_ms();
    state
        .db
        .call(move |conn| {
            conn.prepare_cached("UPDATE sessions SET expires_ms = ?2 WHERE id = ?1")?
                .execute(params![id.to_string(), now])?;
            Ok(())
        })
        .await?;
    tracing::info!(user = %caller.user_id, session = %id, "dashboard signed out");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie_header("", 0, is_tls(&headers)));
    Ok(response)
}

/// The towns and villages a user sees, and what else the dashboard needs to know of it.
pub fn session_info(
    conn: &Connection,
    user: Uuid,
    role: Role,
    expires_ms: i64,
) -> Result<SessionInfo, AppError> {
    let (username, display_name): (String, String) = conn
        .prepare_cached("SELECT username, display_name FROM users WHERE id = ?1")?
        .query_row([user.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let villages = places_of(conn, user, role)?;
    let town_ids: BTreeSet<Uuid> = villages.iter().map(|v| v.town_id).collect();
    let mut towns = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT id, name FROM towns ORDER BY name, id")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, name) = row?;
        let id = parse_uuid(&id)?;
        if role == Role::CountyAdmin || town_ids.contains(&id) {
            towns.push(TownInfo { id, name });
        }
    }
    Ok(SessionInfo {
        protocol: PROTOCOL_VERSION,
        user: UserInfo {
            id: user,
            username,
            display_name,
            role,
        },
        role_zh: role.zh().to_owned(),
        towns,
        villages,
        sees_id_numbers: sees_id_numbers(role),
        administers: role == Role::CountyAdmin,
        expires_ms,
        base_map: base_map(conn)?,
        household_states: household_states(),
        roles: Role::ALL
            .iter()
            .map(|r| Label {
                code: r.as_str().to_owned(),
                zh: r.zh().to_owned(),
            })
            .collect(),
        sees_register: role != Role::Supervisor,
        checks_spots: role == Role::Supervisor,
        labels: labels(),
    })
}

/// The names of the problem list's checks and the spot-checks' codes, from the domain.
pub fn labels() -> DashboardLabels {
    // The wire's code of a value is its serde name: one definition for both.
    fn labelled<T: serde::Serialize>(all: &[T], zh: impl Fn(&T) -> &'static str) -> Vec<Label> {
        all.iter()
            .map(|x| Label {
                code: serde_json::to_value(x)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                zh: zh(x).to_owned(),
            })
            .collect()
    }
    DashboardLabels {
        problem_checks: checks::ALL
            .iter()
            .map(|c| CheckLabel {
                code: c.code.to_owned(),
                title: c.title_zh.to_owned(),
                requirement: c.requirement.to_owned(),
                severity: ProblemSeverity::from(c.severity).code().to_owned(),
            })
            .collect(),
        plan_states: labelled(&PlanState::ALL, |s| s.zh()),
        plan_presets: PlanPreset::NAMES
            .iter()
            .map(|(code, zh)| Label {
                code: (*code).to_owned(),
                zh: (*zh).to_owned(),
            })
            .collect(),
        indicators: labelled(&Indicator::ALL, |i| i.zh()),
        verdicts: labelled(&Verdict::ALL, |v| v.zh()),
        interval_methods: labelled(&IntervalMethod::ALL, |m| m.zh()),
        check_states: labelled(&CheckState::ALL, |s| s.zh()),
    }
}

/// Who sees ID numbers in full on the dashboard: the county admin, who answers for the
/// register (and exports it whole). A town officer and a supervisor review households by
/// name, number and state; they see ID numbers masked (`411423********123X`).
pub fn sees_id_numbers(role: Role) -> bool {
    role == Role::CountyAdmin
}

/// The villages a user sees, with their towns and centres, in town and village name order.
pub fn places_of(conn: &Connection, user: Uuid, role: Role) -> Result<Vec<VillagePlace>, AppError> {
    let ids = crate::auth::village_ids(conn, user, role)?;
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.name, v.town_id, v.lon, v.lat FROM villages v
         JOIN towns t ON t.id = v.town_id ORDER BY t.name, v.name, v.id",
    )?;
    let mut out = Vec::new();
    for row in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, Option<f64>>(4)?,
        ))
    })? {
        let (id, name, town, lon, lat) = row?;
        let id = parse_uuid(&id)?;
        if role == Role::CountyAdmin || ids.contains(&id) {
            out.push(VillagePlace {
                id,
                name,
                town_id: parse_uuid(&town)?,
                lon,
                lat,
            });
        }
    }
    Ok(out)
}

/// The county's base map for the dashboard's map, from its settings.
pub fn base_map(conn: &Connection) -> Result<Option<BaseMap>, AppError> {
    let setting = |key: &str| -> Result<Option<String>, AppError> {
        Ok(conn
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    };
    setting("base_map_url")?
        .filter(|u| !u.trim().is_empty())
        .map(|url| -> Result<BaseMap, AppError> {
            Ok(BaseMap {
                url,
                gcj02: setting("base_map_gcj02")?.as_deref() == Some("true"),
            })
        })
        .transpose()
}

/// Whether the browser reached the server over TLS: a reverse proxy that ends TLS says so
/// with `X-Forwarded-Proto: https` (`jiandang serve` speaks plain HTTP itself).
fn is_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn cookie_header(secret: &str, max_age_s: i64, secure: bool) -> HeaderValue {
    let cookie = cookie::Cookie::build((SESSION_COOKIE, secret.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_s))
        .build();
    // The secret is hex and the attributes ASCII: always a valid header value.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// Every household state with its zh-CN name, in the lifecycle's order.
pub fn household_states() -> Vec<jiandang_protocol::Label> {
    [
        HouseholdState::Candidate,
        HouseholdState::Registered,
        HouseholdState::PreExit,
        HouseholdState::Exited { year: 0 },
        HouseholdState::Returned { year: 0 },
        HouseholdState::Closed,
    ]
    .into_iter()
    .map(|s| jiandang_protocol::Label {
        code: state_code(s),
        zh: s.zh().to_owned(),
    })
    .collect()
}

/// The state's code as the search takes it.
pub fn state_code(s: HouseholdState) -> String {
    match s {
        HouseholdState::Candidate => "candidate",
        HouseholdState::Registered => "registered",
        HouseholdState::PreExit => "pre_exit",
        HouseholdState::Exited { .. } => "exited",
        HouseholdState::Returned { .. } => "returned",
        HouseholdState::Closed => "closed",
    }
    .to_owned()
}
