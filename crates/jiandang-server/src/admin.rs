//! The county's administration (county admin only): users, roles and village (or, for a town
//! officer, town) assignments; devices and their revocation; the phases of the county's
//! policy; reopening a village's entry window; the county's settings (the dashboard's base
//! map).

use axum::Json;
use axum::extract::{Path, State};
use jiandang_domain::Date;
use jiandang_domain::codes::Coded;
use jiandang_domain::policy::{Phase as DomainPhase, PhaseName, YearPolicy};
use jiandang_protocol::{
    CreateUser, DeviceList, DeviceView, ErrorCode, PROTOCOL_VERSION, Phase, Phases, ReopenVillage,
    Role, Settings, UpdateUser, UserList, UserView, VillageWindow,
};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, hash_password, parse_role, parse_uuid};
use crate::error::AppError;
use crate::extract::Wire;
use crate::{policy, window};

/// `GET /api/v1/admin/users`.
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserList>, AppError> {
    caller.require_admin()?;
    let users = state
        .db
        .call(|conn| {
            let ids: Vec<String> = conn
                .prepare_cached("SELECT id FROM users ORDER BY username")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            ids.iter()
                .map(|id| user_view(conn, parse_uuid(id)?))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(UserList {
        protocol: PROTOCOL_VERSION,
        users,
    }))
}

/// `POST /api/v1/admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Wire(req): Wire<CreateUser>,
) -> Result<Json<UserView>, AppError> {
    caller.require_admin()?;
    let username = req.username.trim().to_owned();
    if username.is_empty() || username.chars().count() > 64 {
        return Err(AppError::bad_request("用户名应为 1 到 64 个字"));
    }
    check_password(&req.password)?;
    let password = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::internal(format!("hash task: {e}")))??;
    let now = state.clock.now_ms();
    let user = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let taken: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)")?
                .query_row([&username], |r| r.get(0))?;
            if taken {
                return Err(AppError::new(ErrorCode::Conflict, "用户名已被使用"));
            }
            let id = Uuid::new_v4();
            insert_user(&tx, id, &username, &req.display_name, req.role, &hash, now)?;
            set_villages(&tx, id, &req.villages)?;
            set_towns(&tx, id, &req.towns)?;
            let view = user_view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    Ok(Json(user))
}

/// `PUT /api/v1/admin/users/{id}`: changes name, role, disabled, password or villages.
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Wire(req): Wire<UpdateUser>,
) -> Result<Json<UserView>, AppError> {
    caller.require_admin()?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("用户编号格式不对"))?;
    let hash = match req.password.clone() {
        Some(password) => {
            check_password(&password)?;
            Some(
                tokio::task::spawn_blocking(move || hash_password(&password))
                    .await
                    .map_err(|e| AppError::internal(format!("hash task: {e}")))??,
            )
        }
        None => None,
    };
    let user = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            user_view(&tx, id)?;
            if let Some(name) = &req.display_name {
                tx.execute(
                    "UPDATE users SET display_name = ?2 WHERE id = ?1",
                    params![id.to_string(), name],
                )?;
            }
            if let Some(role) = req.role {
                tx.execute(
                    "UPDATE users SET role = ?2 WHERE id = ?1",
                    params![id.to_string(), role.as_str()],
                )?;
            }
            if let Some(disabled) = req.disabled {
                tx.execute(
                    "UPDATE users SET disabled = ?2 WHERE id = ?1",
                    params![id.to_string(), disabled],
                )?;
            }
            if let Some(hash) = &hash {
                tx.execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![id.to_string(), hash],
                )?;
            }
            if let Some(villages) = &req.villages {
                set_villages(&tx, id, villages)?;
            }
            if let Some(towns) = &req.towns {
                set_towns(&tx, id, towns)?;
            }
            let view = user_view(&tx, id)?;
            tx.commit()?;
            Ok(view)
        })
        .await?;
    Ok(Json(user))
}

/// `GET /api/v1/admin/devices`.
pub async fn list_devices(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<DeviceList>, AppError> {
    caller.require_admin()?;
    let devices = state
        .db
        .call(|conn| {
            let ids: Vec<String> = conn
                .prepare_cached("SELECT id FROM devices ORDER BY enrolled_ms, id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            ids.iter()
                .map(|id| device_view(conn, parse_uuid(id)?))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(DeviceList {
        protocol: PROTOCOL_VERSION,
        devices,
    }))
}

/// `POST /api/v1/admin/devices/{id}/revoke`: the device's token stops working at once.
pub async fn revoke_device(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceView>, AppError> {
    caller.require_admin()?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("设备编号格式不对"))?;
    let device = state
        .db
        .call(move |conn| {
            conn.prepare_cached("UPDATE devices SET revoked = 1 WHERE id = ?1")?
                .execute([id.to_string()])?;
            device_view(conn, id)
        })
        .await?;
    tracing::info!(device = %id, "device revoked");
    Ok(Json(device))
}

/// `POST /api/v1/admin/devices/{id}/lost`: the device was lost (not replaced: that is
/// revoke). Its token answers `device_lost` from now on; at its next contact the device
/// reports what it had not sent and erases its replica, key and photos. Marking twice keeps
/// the first time.
pub async fn mark_device_lost(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceView>, AppError> {
    caller.require_admin()?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("设备编号格式不对"))?;
    let now = state.clock.now_ms();
    let device = state
        .db
        .call(move |conn| {
            let view = device_view(conn, id)?;
            if view.revoked {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "该设备已停用，其令牌不再有效，无法再通知它清除数据",
                ));
            }
            conn.prepare_cached(
                "UPDATE devices SET lost_ms = ?2 WHERE id = ?1 AND lost_ms IS NULL",
            )?
            .execute(params![id.to_string(), now])?;
            device_view(conn, id)
        })
        .await?;
    tracing::info!(device = %id, "device marked lost");
    Ok(Json(device))
}

/// `GET /api/v1/admin/phases`: the phases of the county's policy.
pub async fn get_phases(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Phases>, AppError> {
    caller.require_admin()?;
    Ok(Json(Phases {
        protocol: PROTOCOL_VERSION,
        phases: wire_phases(&state.rules.policy()),
    }))
}

/// `PUT /api/v1/admin/phases`: replaces the phases of the county's policy (the timeline's
/// phases by their codes, in order, not overlapping: refused with the domain's message when
/// they are not).
pub async fn put_phases(
    State(state): State<AppState>,
    caller: Caller,
    Wire(req): Wire<Phases>,
) -> Result<Json<Phases>, AppError> {
    caller.require_admin()?;
    let current = state.rules.policy();
    let mut phases = Vec::with_capacity(req.phases.len());
    for p in &req.phases {
        let name = PhaseName::from_code(&p.name).ok_or_else(|| {
            AppError::bad_request(format!(
                "没有名为“{}”的工作阶段；阶段应为：{}",
                p.name,
                PhaseName::ALL
                    .iter()
                    .map(|n| n.code())
                    .collect::<Vec<_>>()
                    .join("、")
            ))
        })?;
        phases.push(DomainPhase {
            name,
            starts: p.starts,
            ends: p.ends,
            writes_open: p.writes_open,
            problem_writes_open: p.problem_writes_open,
        });
    }
    let mut policy = (*current).clone();
    policy.phases = phases;
    policy.check().map_err(policy::refused)?;
    let now = state.clock.now_ms();
    let stored = policy.clone();
    state
        .db
        .call(move |conn| policy::store(conn, &stored, Some(caller.user_id), now))
        .await?;
    let phases = wire_phases(&policy);
    state.rules.replace(policy);
    Ok(Json(Phases {
        protocol: PROTOCOL_VERSION,
        phases,
    }))
}

/// The policy's phases as the wire has them.
pub fn wire_phases(policy: &YearPolicy) -> Vec<Phase> {
    policy
        .phases
        .iter()
        .map(|p| Phase {
            name: p.name.code().to_owned(),
            starts: p.starts,
            ends: p.ends,
            writes_open: p.writes_open,
            problem_writes_open: p.problem_writes_open,
        })
        .collect()
}

/// `GET /api/v1/admin/villages/{id}/window`.
pub async fn get_window(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<VillageWindow>, AppError> {
    caller.require_admin()?;
    let village = parse_village(&id)?;
    let today = state.clock.today_beijing();
    let policy = state.rules.policy();
    let view = state
        .db
        .call(move |conn| village_window(conn, &policy, village, today))
        .await?;
    Ok(Json(view))
}

/// `POST /api/v1/admin/villages/{id}/reopen`: record writes open for the village through
/// `until`, whatever the phase.
pub async fn reopen_village(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Wire(req): Wire<ReopenVillage>,
) -> Result<Json<VillageWindow>, AppError> {
    caller.require_admin()?;
    let village = parse_village(&id)?;
    let today = state.clock.today_beijing();
    if req.until < today {
        return Err(AppError::bad_request("重新开放的截止日期不能早于今天"));
    }
    let now = state.clock.now_ms();
    let policy = state.rules.policy();
    let view = state
        .db
        .call(move |conn| {
            conn.prepare_cached(
                "INSERT INTO village_reopenings (village_id, until, opened_by, opened_ms)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                village.to_string(),
                req.until.to_string(),
                caller.user_id.to_string(),
                now
            ])?;
            village_window(conn, &policy, village, today)
        })
        .await?;
    tracing::info!(village = %village, until = %req.until, "village reopened");
    Ok(Json(view))
}

/// Adds a user (used by the admin endpoint and the demo).
pub fn insert_user(
    conn: &Connection,
    id: Uuid,
    username: &str,
    display_name: &str,
    role: Role,
    password_hash: &str,
    now: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO users (id, username, display_name, role, password_hash, disabled, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
    )?
    .execute(params![
        id.to_string(),
        username,
        display_name,
        role.as_str(),
        password_hash,
        now
    ])?;
    Ok(())
}

/// Replaces a user's village assignments.
pub fn set_villages(conn: &Connection, user: Uuid, villages: &[Uuid]) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM user_villages WHERE user_id = ?1")?
        .execute([user.to_string()])?;
    for village in villages {
        let known: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM villages WHERE id = ?1)")?
            .query_row([village.to_string()], |r| r.get(0))?;
        if !known {
            return Err(AppError::bad_request(format!("没有这个村：{village}")));
        }
        conn.prepare_cached(
            "INSERT OR IGNORE INTO user_villages (user_id, village_id) VALUES (?1, ?2)",
        )?
        .execute([user.to_string(), village.to_string()])?;
    }
    Ok(())
}

/// Replaces a town officer's towns (it sees every village of them).
pub fn set_towns(conn: &Connection, user: Uuid, towns: &[Uuid]) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM user_towns WHERE user_id = ?1")?
        .execute([user.to_string()])?;
    for town in towns {
        let known: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM towns WHERE id = ?1)")?
            .query_row([town.to_string()], |r| r.get(0))?;
        if !known {
            return Err(AppError::bad_request(format!("没有这个乡镇：{town}")));
        }
        conn.prepare_cached("INSERT OR IGNORE INTO user_towns (user_id, town_id) VALUES (?1, ?2)")?
            .execute([user.to_string(), town.to_string()])?;
    }
    Ok(())
}

/// `PUT /api/v1/admin/settings`: the county's settings (the dashboard map's base-map tile
/// URL; none: points on a plain background).
pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    Wire(req): Wire<Settings>,
) -> Result<Json<Settings>, AppError> {
    caller.require_admin()?;
    if let Some(map) = &req.base_map {
        let url = map.url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || !url.contains("{z}") || !url.contains("{x}") || !url.contains("{y}") {
            return Err(AppError::bad_request(
                "底图地址应以 http:// 或 https:// 开头，并含有 {z}、{x}、{y}",
            ));
        }
    }
    let settings = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM settings WHERE key IN ('base_map_url', 'base_map_gcj02')",
                [],
            )?;
            if let Some(map) = &req.base_map {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES ('base_map_url', ?1), ('base_map_gcj02', ?2)",
                    params![map.url.trim(), if map.gcj02 { "true" } else { "false" }],
                )?;
            }
            let base_map = crate::session::base_map(&tx)?;
            tx.commit()?;
            Ok(Settings {
                protocol: PROTOCOL_VERSION,
                base_map,
            })
        })
        .await?;
    Ok(Json(settings))
}

fn village_window(
    conn: &Connection,
    policy: &YearPolicy,
    village: Uuid,
    today: Date,
) -> Result<VillageWindow, AppError> {
    let known: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM villages WHERE id = ?1)")?
        .query_row([village.to_string()], |r| r.get(0))?;
    if !known {
        return Err(AppError::not_found("没有这个村"));
    }
    let until: Option<String> = conn
        .prepare_cached("SELECT MAX(until) FROM village_reopenings WHERE village_id = ?1")?
        .query_row([village.to_string()], |r| r.get(0))?;
    Ok(VillageWindow {
        protocol: PROTOCOL_VERSION,
        village_id: village,
        writes_open: window::writes_open(conn, policy, village, today)?,
        reopened_until: until.as_deref().map(parse_date).transpose()?,
    })
}

fn user_view(conn: &Connection, id: Uuid) -> Result<UserView, AppError> {
    let row: Option<(String, String, String, bool)> = conn
        .prepare_cached("SELECT username, display_name, role, disabled FROM users WHERE id = ?1")?
        .query_row([id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let (username, display_name, role, disabled) =
        row.ok_or_else(|| AppError::not_found("没有这个用户"))?;
    let villages: Vec<String> = conn
        .prepare_cached(
            "SELECT village_id FROM user_villages WHERE user_id = ?1 ORDER BY village_id",
        )?
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let towns: Vec<String> = conn
        .prepare_cached("SELECT town_id FROM user_towns WHERE user_id = ?1 ORDER BY town_id")?
        .query_map([id.to_string()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(UserView {
        id,
        username,
        display_name,
        role: parse_role(&role)?,
        disabled,
        villages: villages
            .iter()
            .map(|v| parse_uuid(v))
            .collect::<Result<_, _>>()?,
        towns: towns
            .iter()
            .map(|t| parse_uuid(t))
            .collect::<Result<_, _>>()?,
    })
}

fn device_view(conn: &Connection, id: Uuid) -> Result<DeviceView, AppError> {
    type Row = (
        String,
        String,
        bool,
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT d.user_id, d.name, d.revoked, d.enrolled_ms, d.last_seen_ms, d.lost_ms,
                    l.report
             FROM devices d LEFT JOIN device_losses l ON l.device_id = d.id WHERE d.id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    let (user, name, revoked, enrolled_ms, last_seen_ms, lost_ms, report) =
        row.ok_or_else(|| AppError::not_found("没有这个设备"))?;
    // Written by this server from a parsed report: one that no longer reads is as none.
    let loss_report = report.and_then(|t| serde_json::from_str(&t).ok());
    Ok(DeviceView {
        id,
        user_id: parse_uuid(&user)?,
        name,
        revoked,
        enrolled_ms,
        last_seen_ms,
        lost_ms,
        loss_report,
    })
}

fn check_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::bad_request("密码至少 8 位"));
    }
    Ok(())
}

fn parse_village(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::bad_request("村编号格式不对"))
}

fn parse_date(s: &str) -> Result<Date, AppError> {
    Date::parse(s).map_err(|_| AppError::internal(format!("bad date in db: {s}")))
}
