//! A record's history from the change log (the audit trail): who, when, from which device,
//! which field, old → new, and whether the change won. A change made on the county dashboard
//! names its session as the device, shown as the dashboard.

use axum::Json;
use axum::extract::{Path, State};
use jiandang_protocol::{HistoryEntry, PROTOCOL_VERSION, RecordHistory};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, Via, parse_uuid};
use crate::error::AppError;
use crate::session::sees_id_numbers;
use crate::sync::parse_hlc;

/// `GET /api/v1/records/{id}/history`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RecordHistory>, AppError> {
    let record = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("记录编号格式不对"))?;
    let history = state
        .db
        .read(move |conn| {
            let first: Option<(String, String)> = conn
                .prepare_cached(
                    "SELECT village_id, kind FROM change_log WHERE record_id = ?1 ORDER BY seq LIMIT 1",
                )?
                .query_row([record.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((village, kind)) = first else {
                return Err(AppError::not_found("没有这条记录"));
            };
            if !caller.may_access(parse_uuid(&village)?) {
                // Same answer as for a record that does not exist: no probing other villages.
                return Err(AppError::not_found("没有这条记录"));
            }
            let mut stmt = conn.prepare_cached(
                "SELECT l.seq, l.change_id, l.field, l.old, l.new, l.outcome, l.hlc,
                        l.received_ms, l.user_id, COALESCE(u.username, ''), l.device_id,
                        COALESCE(d.name, CASE WHEN s.id IS NOT NULL THEN ?2 END, '')
                 FROM change_log l
                 LEFT JOIN users u ON u.id = l.user_id
                 LEFT JOIN devices d ON d.id = l.device_id
                 LEFT JOIN sessions s ON s.id = l.device_id
                 WHERE l.record_id = ?1 ORDER BY l.seq",
            )?;
            let mut rows = stmt.query(rusqlite::params![
                record.to_string(),
                crate::session::DEVICE_NAME
            ])?;
            let mut entries = Vec::new();
            // On the dashboard, ID numbers show whole to the roles that see them only (a
            // device holds its villages' numbers anyway).
            let mask = caller.via == Via::Session && !sees_id_numbers(caller.role);
            let value = |text: String, field: &str| -> Result<serde_json::Value, AppError> {
                let v = serde_json::from_str(&text)?;
                Ok(if mask {
                    crate::dashboard::masked_change(&kind, field, v)
                } else {
                    v
                })
            };
            while let Some(r) = rows.next()? {
                let field: String = r.get(2)?;
                entries.push(HistoryEntry {
                    seq: r.get(0)?,
                    change_id: parse_uuid(&r.get::<_, String>(1)?)?,
                    old: value(r.get(3)?, &field)?,
                    new: value(r.get(4)?, &field)?,
                    field,
                    outcome: r.get(5)?,
                    hlc: parse_hlc(&r.get::<_, String>(6)?)?,
                    received_ms: r.get(7)?,
                    user_id: parse_uuid(&r.get::<_, String>(8)?)?,
                    username: r.get(9)?,
                    device_id: parse_uuid(&r.get::<_, String>(10)?)?,
                    device_name: r.get(11)?,
                });
            }
            Ok(RecordHistory {
                protocol: PROTOCOL_VERSION,
                record_id: record,
                entries,
            })
        })
        .await?;
    Ok(Json(history))
}
