//! Sign-in: device enrollment with user name and password (Argon2id), bearer tokens (only
//! their SHA-256 is stored), and the [`Caller`] extractor that every other handler takes.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use jiandang_protocol::{
    EnrollRequest, EnrollResponse, ErrorCode, PROTOCOL_VERSION, Role, UserInfo, VillageInfo,
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
    pub device_id: Uuid,
    pub role: Role,
    /// The assigned villages; a county admin has every village.
    pub villages: BTreeSet<Uuid>,
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
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, AppError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(AppError::unauthorized)?;
        let hash = token_hash(token);
        // On a reader connection: a sign-in check never waits behind a push.
        state
            .db
            .read(move |conn| caller_by_token(conn, &hash)?.ok_or_else(AppError::unauthorized))
            .await
    }
}

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
    let username = req.username.trim().to_owned();
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
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal(format!("hash task: {e}")))?;
    let Some(user) = user.filter(|u| ok && !u.disabled) else {
        return Err(AppError::new(ErrorCode::Unauthorized, "用户名或密码错误"));
    };
    state.sign_ins.succeeded(attempt, state.clock.now_ms());
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
    }))
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
fn new_token() -> String {
    let a = Uuid::new_v4();
    let b = Uuid::new_v4();
    format!("jdt_{}{}", a.simple(), b.simple())
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("jiandang-no-such-user").unwrap_or_default())
}

fn caller_by_token(conn: &Connection, hash: &str) -> Result<Option<Caller>, AppError> {
    let row = conn
        .prepare_cached(
            "SELECT d.id, u.id, u.role FROM devices d JOIN users u ON u.id = d.user_id
             WHERE d.token_hash = ?1 AND d.revoked = 0 AND u.disabled = 0",
        )?
        .query_row([hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let Some((device, user, role)) = row else {
        return Ok(None);
    };
    let user_id = parse_uuid(&user)?;
    let role = parse_role(&role)?;
    Ok(Some(Caller {
        user_id,
        device_id: parse_uuid(&device)?,
        role,
        villages: register_villages(conn, &user, role)?,
    }))
}

/// The villages whose register a caller reaches. A supervisor reaches none directly, whatever
/// villages it was given: what it sees and writes comes from its spot-check assignments
/// (`spotchecks`), so that a check stays blind until its observation is sealed.
fn register_villages(
    conn: &Connection,
    user: &str,
    role: Role,
) -> Result<BTreeSet<Uuid>, AppError> {
    let mut villages = BTreeSet::new();
    if role == Role::Supervisor {
        return Ok(villages);
    }
    let mut stmt =
        conn.prepare_cached("SELECT village_id FROM user_villages WHERE user_id = ?1")?;
    for v in stmt.query_map([user], |r| r.get::<_, String>(0))? {
        villages.insert(parse_uuid(&v?)?);
    }
    Ok(villages)
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
