//! Conflicts: two concurrent edits of one field. The later stamp won and is the current
//! value; the other is kept here for the county admin, who may resolve it by choosing a
//! value. The resolution is itself a logged change that every device pulls, applied by the
//! same path as a push and refused where the domain refuses it.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use jiandang_domain::action::Edit;
use jiandang_domain::action::conflict::resolve_conflict;
use jiandang_domain::judge::Context;
use jiandang_domain::{Finding, Timestamp};
use jiandang_protocol::{
    Conflict, ConflictList, ConflictSide, ErrorCode, Outcome, PROTOCOL_VERSION, Resolution,
    ResolveConflict,
};
use rusqlite::{Connection, Row};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::apply::{Push, server_change};
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::extract::Wire;
use crate::storage::{Store, parse_hlc};
use crate::{rules, sync};

pub use crate::apply::SERVER_NODE;

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
/// The domain decides whether it may (`action::conflict::resolve_conflict`: the field on the
/// record's form, the value fitting it, the state it makes passing the gate), and the value
/// is applied by the same path as a push ([`crate::apply`]): the limits, the village's
/// references and the gate hold for it as for any device's change.
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
    let today = state.clock.today_beijing();
    let policy = state.rules.policy();
    let conflict = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let conflict = load(&tx, id)?;
            if conflict.resolution.is_some() {
                return Err(AppError::new(ErrorCode::Conflict, "该冲突已处理"));
            }
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let store = Store::new(&tx);
            let record = store
                .record(conflict.record_id)?
                .ok_or_else(|| AppError::not_found("冲突所在的记录已不存在"))?;
            let kind = record.kind;
            let records = rules::bundle_of(&tx, record)?;
            let edits = resolve_conflict(
                conflict.record_id,
                &conflict.field,
                req.value.clone(),
                &records,
                &ctx,
            )
            .map_err(refusal)?;
            let mut changes = Vec::new();
            for edit in edits {
                let Edit::Set { id, fields, .. } = edit else {
                    return Err(AppError::internal("a resolution creates no record"));
                };
                for (field, new) in fields {
                    changes.push(server_change(
                        &store,
                        id,
                        kind,
                        conflict.village_id,
                        field,
                        new,
                        now_ms,
                    )?);
                }
            }
            let push = Push {
                caller: &caller,
                set_id: Uuid::new_v4(),
                now_ms,
                today,
                ctx: &ctx,
            };
            let applied = push.apply(&tx, &changes)?;
            let mut seq = None;
            for result in &applied.results {
                match &result.outcome {
                    Outcome::Accepted { seq: s } => seq = Some(*s),
                    Outcome::Refused { code, message } => {
                        return Err(AppError::new(*code, message.clone()));
                    }
                    Outcome::Superseded { .. } => {
                        return Err(AppError::internal("the server's own change was superseded"));
                    }
                }
            }
            let seq = seq.ok_or_else(|| AppError::internal("a resolution without a change"))?;
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

/// The domain's refusal of a resolution: the value or field is wrong (`bad_request`), or the
/// state it makes is refused (`rule_refused`); every reason in the message.
fn refusal(reasons: Vec<Finding>) -> AppError {
    let code = if reasons.iter().all(|f| f.code.starts_with("conflict.")) {
        ErrorCode::BadRequest
    } else {
        ErrorCode::RuleRefused
    };
    let messages: Vec<String> = reasons.into_iter().map(|f| f.message).collect();
    AppError::new(code, format!("不能以此值解决冲突：{}", messages.join("；")))
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
