//! Sign-in: device enrollment with user name and password (Argon2id), bearer tokens (only
//! their SHA-256 is stored), and the [`Caller`] extractor that every other handler takes: a
//! device's bearer token or a county dashboard session's cookie (signed in by the session
//! module; checked here like a token).

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use jiandang_protocol::{
    CSRF_HEADER, EnrollRequest, EnrollResponse, ErrorCode, PROTOCOL_VERSION, Role, SESSION_COOKIE,
    UserInfo, VillageInfo,
};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::error::AppError;
use crate::extract::Wire;

/// The user behind a request, with the villages they may read and write.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    /// The device, or for a dashboard session the session's id (the audit trail's "device").
    pub device_id: Uuid,
    pub role: Role,
    /// The assigned villages (a town officer's: every village of its towns); a county admin
    /// has every village.
    pub villages: BTreeSet<Uuid>,
    pub via: Via,
}

/// How a caller signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A device's bearer token.
    Device,
    /// The dashboard's session cookie.
    Session,
}

impl Caller {
    pub fn may_access(&self, village: Uuid) -> bool {
        self.role == Role::CountyAdmin || self.villages.contains(&village)
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::CountyAdmin {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The dashboard's own endpoints answer a signed-in browser only: a device's token,
    /// even a county admin's, does not open them.
    pub fn require_dashboard(&self) -> Result<(), AppError> {
        match self.via {
            Via::Session => Ok(()),
            Via::Device => Err(AppError::new(
                ErrorCode::Forbidden,
                "此功能只在县级看板中使用，请在浏览器中登录",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        let token = bearer(&parts.headers);
        let Some(token) = token else {
            // No token: a browser of the dashboard, or nobody.
            return session_caller(parts, state).await;
        };
        let hash = token_hash(token);
        let now = state.clock.now_ms();
        // On a reader connection: a sign-in check never waits behind a push.
        let (caller, last_seen) = state
            .db
            .read(move |conn| caller_by_token(conn, &hash)?.ok_or_else(AppError::unauthorized))
            .await?;
        // When the device was last seen, for the dashboard's progress: written at most once
        // a minute per device, off the request's path (a lost update only ages the figure).
        if last_seen.is_none_or(|seen| now - seen >= LAST_SEEN_EVERY_MS) {
            let db = state.db.clone();
            let device = caller.device_id.to_string();
            tokio::spawn(async move {
                let _ = db
                    .call(move |conn| {
                        conn.prepare_cached("UPDATE devices SET last_seen_ms = ?2 WHERE id = ?1")?
                            .execute(params![device, now])?;
                        Ok(())
                    })
                    .await;
            });
        }
        Ok(caller)
    }
}

/// How often a device's `last_seen_ms` is written at most.
const LAST_SEEN_EVERY_MS: i64 = 60_000;

/// The address a request came from, when the server runs with connect info
/// (`into_make_service_with_connect_info`); `None` otherwise.
pub struct PeerAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<PeerAddr, Self::Rejection> {
        Ok(PeerAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// `POST /api/v1/enroll`. Throttled per user name and per address ([`crate::throttle`]).
pub async fn enroll(
    State(state): State<AppState>,
    PeerAddr(address): PeerAddr,
    Wire(req): Wire<EnrollRequest>,
) -> Result<Json<EnrollResponse>, AppError> {
    let device_name = req.device_name.trim().to_owned();
    if device_name.is_empty() || device_name.chars().count() > 100 {
        return Err(AppError::bad_request("设备名称应为 1 到 100 个字"));
    }
    let user = check_password(&state, address, &req.username, req.password).await?;
    let token = new_token();
    let hash = token_hash(&token);
    let device_id = Uuid::new_v4();
    let now = state.clock.now_ms();
    let user_id = user.id;
    let villages = state
        .db
        .call(move |conn| {
            conn.prepare_cached(
                "INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            )?
            .execute(params![
                device_id.to_string(),
                user_id.to_string(),
                device_name,
                hash,
                now
            ])?;
            villages_of(conn, user_id, user.role)
        })
        .await?;
    tracing::info!(user = %user.id, device = %device_id, "device enrolled");
    Ok(Json(EnrollResponse {
        protocol: PROTOCOL_VERSION,
        token,
        device_id,
        user: UserInfo {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
        },
        villages,
        server_id: Some(state.identity),
    }))
}

/// Checks a user name and password, throttled per user name and per address
/// ([`crate::throttle`]): the user, or 401 (wrong name or password alike, a disabled user
/// too) or 429.
pub async fn check_password(
    state: &AppState,
    address: Option<IpAddr>,
    username: &str,
    password: String,
) -> Result<UserRow, AppError> {
    let username = username.trim().to_owned();
    let attempt = state
        .sign_ins
        .begin(&username, address, state.clock.now_ms())
        .map_err(|wait_ms| {
            let seconds = u64::try_from(wait_ms.saturating_add(999) / 1000).unwrap_or(1);
            AppError::new(
                ErrorCode::TooManyAttempts,
                format!("登录失败次数过多，请 {seconds} 秒后再试"),
            )
            .with_retry_after(seconds)
        })?;
    let user = state
        .db
        .call(move |conn| user_by_name(conn, &username))
        .await?;
    // An unknown user costs one hash too, so the answer's timing does not tell which part
    // was wrong.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal(format!("hash task: {e}")))?;
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        return Err(AppError::new(ErrorCode::Unauthorized, "用户名或密码错误"));
    };
    state.sign_ins.succeeded(attempt, state.clock.now_ms());
    Ok(user)
}

/// A user row.
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
}

pub fn user_by_name(conn: &Connection, username: &str) -> Result<Option<UserRow>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT id, username, display_name, role, password_hash, disabled
             FROM users WHERE username = ?1",
        )?
        .query_row([username], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, bool>(5)?,
            ))
        })
        .optional()?;
    row.map(
        |(id, username, display_name, role, password_hash, disabled)| {
            Ok(UserRow {
                id: parse_uuid(&id)?,
                username,
                display_name,
                role: parse_role(&role)?,
                password_hash,
                disabled,
            })
        },
    )
    .transpose()
}

/// The villages a user may see, with their towns (a supervisor: the villages of its
/// spot-check assignments).
pub fn villages_of(
    conn: &Connection,
    user_id: Uuid,
    role: Role,
) -> Result<Vec<VillageInfo>, AppError> {
    if role == Role::Supervisor {
        return checker_villages(conn, user_id);
    }
    let sql = if role == Role::CountyAdmin {
        "SELECT v.id, v.name, t.name FROM villages v JOIN towns t ON t.id = v.town_id
         WHERE ?1 IS NOT NULL ORDER BY t.name, v.name"
    } else if role == Role::TownOfficer {
        "SELECT v.id, v.name, t.name FROM user_towns ut
         JOIN villages v ON v.town_id = ut.town_id JOIN towns t ON t.id = v.town_id
         WHERE ut.user_id = ?1 ORDER BY t.name, v.name"
    } else {
        "SELECT v.id, v.name, t.name FROM user_villages uv
         JOIN villages v ON v.id = uv.village_id JOIN towns t ON t.id = v.town_id
         WHERE uv.user_id = ?1 ORDER BY t.name, v.name"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([user_id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, town) = row?;
        out.push(VillageInfo {
            id: parse_uuid(&id)?,
            name,
            town,
        });
    }
    Ok(out)
}

/// Hashes a password with Argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// The stored form of a bearer token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn parse_uuid(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|e| AppError::internal(format!("bad uuid in db: {e}")))
}

pub fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::parse(s).ok_or_else(|| AppError::internal(format!("bad role in db: {s}")))
}

/// 256 random bits from the OS (two v4 UUIDs), hex.
pub fn new_token() -> String {
    let a = Uuid::new_v4();
    let b = Uuid::new_v4();
    format!("jdt_{}{}", a.simple(), b.simple())
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("jiandang-no-such-user").unwrap_or_default())
}

/// A device the county marked lost is told so, and nothing else answers it.
pub fn device_lost() -> AppError {
    AppError::new(
        ErrorCode::DeviceLost,
        "县里已将本设备登记为丢失：本机数据将被清除，未上传的内容已报告县里",
    )
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// `POST /api/v1/device/loss-report`: the one request a device marked lost may make, its
/// own token naming it. The first report is kept (a device cut off after sending it may send
/// it again; the county's record does not change). A device that is not lost is refused.
pub async fn loss_report(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Wire(report): Wire<jiandang_protocol::LossReport>,
) -> Result<StatusCode, AppError> {
    let hash = token_hash(bearer(&headers).ok_or_else(AppError::unauthorized)?);
    let now = state.clock.now_ms();
    let text = serde_json::to_string(&report)
        .map_err(|e| AppError::bad_request(format!("报告格式不对：{e}")))?;
    let device = state
        .db
        .call(move |conn| {
            let row: Option<(String, Option<i64>)> = conn
                .prepare_cached(
                    "SELECT id, lost_ms FROM devices WHERE token_hash = ?1 AND revoked = 0",
                )?
                .query_row([&hash], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                Some((id, Some(_))) => {
                    conn.prepare_cached(
                        "INSERT OR IGNORE INTO device_losses (device_id, received_ms, report)
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![id, now, text])?;
                    Ok(id)
                }
                Some((_, None)) => Err(AppError::new(
                    ErrorCode::Conflict,
                    "本设备未被登记为丢失，无需报告",
                )),
                None => Err(AppError::unauthorized()),
            }
        })
        .await?;
    tracing::info!(
        device = %device,
        unsent_changes = report.unsent_changes,
        unsent_photos = report.unsent_photos,
        records = report.record_ids.len(),
        "lost device reported what it had not sent"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// The caller of a device token, and when the device was last seen.
fn caller_by_token(
    conn: &Connection,
    hash: &str,
) -> Result<Option<(Caller, Option<i64>)>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT d.id, u.id, u.role, d.last_seen_ms, d.lost_ms FROM devices d
             JOIN users u ON u.id = d.user_id
             WHERE d.token_hash = ?1 AND d.revoked = 0 AND u.disabled = 0",
        )?
        .query_row([hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .optional()?;
    let Some((device, user, role, last_seen, lost)) = row else {
        return Ok(None);
    };
    if lost.is_some() {
        // Told at every contact, so a device cut off mid-erase hears it again.
        return Err(device_lost());
    }
    let role = parse_role(&role)?;
    let user_id = parse_uuid(&user)?;
    Ok(Some((
        Caller {
            user_id,
            device_id: parse_uuid(&device)?,
            role,
            villages: village_ids(conn, user_id, role)?,
            via: Via::Device,
        },
        last_seen,
    )))
}

/// The villages whose register a user reaches, by id (a county admin's are not listed: it
/// has all). A supervisor reaches none directly, whatever villages it was given: what it sees
/// and writes comes from its spot-check assignments (`spotchecks`), so that a check stays
/// blind until its observation is sealed.
pub fn village_ids(conn: &Connection, user: Uuid, role: Role) -> Result<BTreeSet<Uuid>, AppError> {
    let sql = match role {
        Role::CountyAdmin | Role::Supervisor => return Ok(BTreeSet::new()),
        Role::TownOfficer => {
            "SELECT v.id FROM user_towns ut JOIN villages v ON v.town_id = ut.town_id
             WHERE ut.user_id = ?1"
        }
        Role::SurveyWorker | Role::WorkTeamMember => {
            "SELECT village_id FROM user_villages WHERE user_id = ?1"
        }
    };
    let mut villages = BTreeSet::new();
    let mut stmt = conn.prepare_cached(sql)?;
    for v in stmt.query_map([user.to_string()], |r| r.get::<_, String>(0))? {
        villages.insert(parse_uuid(&v?)?);
    }
    Ok(villages)
}

// ---- The county dashboard's sessions: the cookie a browser signs in with (session.rs
// signs in and out; the check of every request lives here, beside the token's). ----

/// A session left without a request this long ends.
pub const SESSION_IDLE_MS: i64 = 2 * 60 * 60 * 1000;
/// How often a session's `last_seen_ms` is written at most.
const TOUCH_EVERY_MS: i64 = 60_000;

/// The caller of a request without a bearer token: the session its cookie names, or 401.
pub async fn session_caller(parts: &Parts, state: &AppState) -> Result<Caller, AppError> {
    let secret = session_secret(&parts.headers).ok_or_else(AppError::unauthorized)?;
    check_csrf(&parts.method, &parts.headers)?;
    let hash = token_hash(&secret);
    let now = state.clock.now_ms();
    let found = state
        .db
        .read(move |conn| {
            let row: Option<(String, String, String, i64)> = conn
                .prepare_cached(
                    "SELECT s.id, u.id, u.role, s.last_seen_ms FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND s.last_seen_ms > ?3
                         AND u.disabled = 0",
                )?
                .query_row(params![hash, now, now - SESSION_IDLE_MS], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            let Some((id, user, role, last_seen)) = row else {
                return Ok(None);
            };
            let role = parse_role(&role)?;
            // A user whose role was changed to a field role since signing in is out.
            if !role.uses_dashboard() {
                return Ok(None);
            }
            let user_id = parse_uuid(&user)?;
            let villages = village_ids(conn, user_id, role)?;
            Ok(Some((
                Caller {
                    user_id,
                    device_id: parse_uuid(&id)?,
                    role,
                    villages,
                    via: Via::Session,
                },
                last_seen,
            )))
        })
        .await?;
    let Some((caller, last_seen)) = found else {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "登录已过期或已退出，请重新登录",
        ));
    };
    if now - last_seen >= TOUCH_EVERY_MS {
        let id = caller.device_id.to_string();
        state
            .db
            .call(move |conn| {
                conn.prepare_cached("UPDATE sessions SET last_seen_ms = ?2 WHERE id = ?1")?
                    .execute(params![id, now])?;
                Ok(())
            })
            .await?;
    }
    Ok(caller)
}

/// Refuses a state-changing request that lacks the dashboard's header or comes from another
/// origin.
pub fn check_csrf(method: &Method, headers: &HeaderMap) -> Result<(), AppError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refused = || {
        AppError::new(
            ErrorCode::Forbidden,
            "请求不是从县级看板页面发出的，已拒绝；请在看板中操作",
        )
    };
    if !headers.contains_key(CSRF_HEADER) {
        return Err(refused());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, rest)| rest.trim_end_matches('/'));
        if host.is_none() || origin_host != host {
            return Err(refused());
        }
    }
    Ok(())
}

/// The session cookie's secret, if the request has one.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The villages of a checker's assignments, with their towns, for its device.
fn checker_villages(
    conn: &Connection,
    user: Uuid,
) -> Result<Vec<jiandang_protocol::VillageInfo>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.name, t.name FROM villages v JOIN towns t ON t.id = v.town_id
         WHERE v.id IN (SELECT village_id FROM spot_scope WHERE user_id = ?1)
         ORDER BY t.name, v.name",
    )?;
    let mut rows = stmt.query([user.to_string()])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(jiandang_protocol::VillageInfo {
            id: parse_uuid(&row.get::<_, String>(0)?)?,
            name: row.get(1)?,
            town: row.get(2)?,
        });
    }
    Ok(out)
}
