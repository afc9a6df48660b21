//! Conflicts: two concurrent edits of one field. The later stamp won and is the current
//! value; the other is kept here for the county admin, who may resolve it by choosing a
//! value. The resolution is itself a logged change that every device pulls.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use jiandang_domain::RecordKind;
use jiandang_protocol::{
    Change, Conflict, ConflictList, ConflictSide, ErrorCode, Hlc, Outcome, PROTOCOL_VERSION,
    Resolution, ResolveConflict, limits,
};
use rusqlite::{Connection, Row};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::extract::Wire;
use crate::references;
use crate::sync::{self, parse_hlc};

/// The node name of stamps the server makes itself.
pub const SERVER_NODE: &str = "server";

/// The query of `GET /api/v1/conflicts`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only unresolved conflicts (the default), or all.
    #[serde(default = "yes")]
    pub open: bool,
}

fn yes() -> bool {
    true
}

/// `GET /api/v1/conflicts?open=true|false` (county admin).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ConflictList>, AppError> {
    caller.require_admin()?;
    let Query(query) = query.map_err(|_| AppError::bad_request("open 应为 true 或 false"))?;
    let conflicts = state
        .db
        .call(move |conn| {
            let sql = if query.open {
                "SELECT * FROM conflicts WHERE resolved_ms IS NULL ORDER BY id"
            } else {
                "SELECT * FROM conflicts ORDER BY id"
            };
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(conflict_from_row(row)?);
            }
            Ok(out)
        })
        .await?;
    Ok(Json(ConflictList {
        protocol: PROTOCOL_VERSION,
        conflicts,
    }))
}

/// `POST /api/v1/conflicts/{id}/resolve` (county admin): sets the field to the chosen value.
pub async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Wire(req): Wire<ResolveConflict>,
) -> Result<Json<Conflict>, AppError> {
    caller.require_admin()?;
    let id: u64 = id
        .parse()
        .map_err(|_| AppError::bad_request("冲突编号应为正整数"))?;
    let id = sync::check_seq(id, "冲突编号")?;
    let now_ms = state.clock.now_ms();
    let rules = state.rules.clone();
    let conflict = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let conflict = load(&tx, id)?;
            if conflict.resolution.is_some() {
                return Err(AppError::new(ErrorCode::Conflict, "该冲突已处理"));
            }
            let kind: String = tx
                .prepare_cached("SELECT kind FROM records WHERE id = ?1")?
                .query_row([conflict.record_id.to_string()], |r| r.get(0))?;
            let kind = RecordKind::parse(&kind)
                .ok_or_else(|| AppError::internal(format!("bad kind in db: {kind}")))?;
            let current = sync::current_field(&tx, conflict.record_id, &conflict.field)?;
            let (old, base_seq, hlc) = match current {
                Some((c, _)) => (
                    c.value,
                    c.seq,
                    Hlc::zero(SERVER_NODE).observe(&c.hlc, now_ms),
                ),
                None => (
                    serde_json::Value::Null,
                    0,
                    Hlc::zero(SERVER_NODE).tick(now_ms),
                ),
            };
            let change = Change {
                change_id: Uuid::new_v4(),
                record_id: conflict.record_id,
                kind,
                village_id: conflict.village_id,
                field: conflict.field.clone(),
                old,
                new: req.value.clone(),
                base_seq,
                hlc,
            };
            // The county admin's value keeps the limits and the village's references,
            // like any device's.
            if !change.new.is_null()
                && let Err(e) = limits::check_field(&change.field, &change.new)
            {
                return Err(AppError::bad_request(e.to_string()));
            }
            if let Some(Outcome::Refused { code, message }) = references::check(&tx, &change)? {
                return Err(AppError::new(code, message));
            }
            let seq = sync::log_change(
                &tx,
                &change,
                Uuid::new_v4(),
                caller.user_id,
                caller.device_id,
                now_ms,
                "accepted",
            )?;
            sync::set_field(&tx, &change, seq, caller.user_id, caller.device_id)?;
            sync::rebuild_doc(&tx, change.record_id)?;
            rules.check_records(&tx, &BTreeSet::from([change.record_id]))?;
            tx.prepare_cached(
                "UPDATE conflicts SET resolved_by = ?2, resolved_ms = ?3, resolution = ?4,
                     resolution_seq = ?5 WHERE id = ?1",
            )?
            .execute(rusqlite::params![
                id,
                caller.user_id.to_string(),
                now_ms,
                serde_json::to_string(&req.value)?,
                seq
            ])?;
            let resolved = load(&tx, id)?;
            tx.commit()?;
            Ok(resolved)
        })
        .await?;
    Ok(Json(conflict))
}

fn load(conn: &Connection, id: u64) -> Result<Conflict, AppError> {
    let mut stmt = conn.prepare_cached("SELECT * FROM conflicts WHERE id = ?1")?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => conflict_from_row(row),
        None => Err(AppError::not_found("没有这个冲突")),
    }
}

fn conflict_from_row(r: &Row<'_>) -> Result<Conflict, AppError> {
    let text = |name: &str| r.get::<_, String>(name);
    let json = |name: &str| -> Result<serde_json::Value, AppError> {
        Ok(serde_json::from_str(&r.get::<_, String>(name)?)?)
    };
    let side = |prefix: &str| -> Result<ConflictSide, AppError> {
        Ok(ConflictSide {
            value: json(&format!("{prefix}_value"))?,
            hlc: parse_hlc(&text(&format!("{prefix}_hlc"))?)?,
            user_id: parse_uuid(&text(&format!("{prefix}_user"))?)?,
            device_id: parse_uuid(&text(&format!("{prefix}_device"))?)?,
        })
    };
    let resolved_ms: Option<i64> = r.get("resolved_ms")?;
    let resolution = match resolved_ms {
        Some(resolved_ms) => Some(Resolution {
            value: json("resolution")?,
            resolved_by: parse_uuid(&text("resolved_by")?)?,
            resolved_ms,
            seq: r.get("resolution_seq")?,
        }),
        None => None,
    };
    Ok(Conflict {
        id: r.get("id")?,
        record_id: parse_uuid(&text("record_id")?)?,
        village_id: parse_uuid(&text("village_id")?)?,
        field: text("field")?,
        losing: side("losing")?,
        winning: side("winning")?,
        seq: r.get("created_seq")?,
        resolution,
    })
}
