//! Sync endpoints: push a change set, pull the county's changes after a cursor, take a
//! snapshot. A change set is applied in one transaction and its answer stored under its id,
//! so a replay (after a cut, a retry, a duplicate) gets the first answer and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use jiandang_domain::{Date, RecordKind};
use jiandang_protocol::{
    CLOCK_TOLERANCE_MS, Change, ChangeResult, ChangeSet, ErrorCode, Hlc, LoggedChange, Outcome,
    PROTOCOL_VERSION, PullPage, PushResponse, Role, Snapshot, SnapshotRecord, limits, unflatten,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::extract::Wire;
use crate::merge::{self, Current, Decision, Incoming};
use crate::{references, rules, window};

/// Most changes one set may carry.
pub const MAX_CHANGES_PER_SET: usize = 5_000;
/// Largest pull page.
pub const MAX_PULL_LIMIT: u32 = 5_000;
const DEFAULT_PULL_LIMIT: u32 = 500;

/// `POST /api/v1/push`.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Wire(set): Wire<ChangeSet>,
) -> Result<Json<PushResponse>, AppError> {
    // A change set is a device's: the dashboard's browser session does not push.
    if caller.via == crate::auth::Via::Session {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "只有已登记的设备可以同步提交修改",
        ));
    }
    if set.device_id != caller.device_id {
        return Err(AppError::bad_request("变更集的设备编号与登录设备不一致"));
    }
    let now_ms = state.clock.now_ms();
    check_set(&set, caller.device_id, now_ms)?;
    let today = state.clock.today_beijing();
    let ctx = state.rules.clone();
    let response = state
        .db
        .call_grouped(move |conn| {
            let push = Push {
                caller: &caller,
                set_id: set.change_set_id,
                max_seq: max_seq(conn)?,
                now_ms,
                today,
                rules: &ctx,
            };
            push.apply(conn, &set.changes)
        })
        .await?;
    Ok(Json(response))
}

/// What a change set must be to be looked at at all; a set that is not is refused as a
/// whole and changes nothing:
/// - at most [`MAX_CHANGES_PER_SET`] changes (`too_large`);
/// - every `base_seq` a sequence number there can be (`bad_request`);
/// - every stamp made by the sending device: its node is the device id (`bad_request`; a
///   device naming another node could win ties it should lose, or pass as the server);
/// - no stamp further ahead of the server's clock than [`CLOCK_TOLERANCE_MS`]
///   (`clock_skew`; every answer carries the server's time in
///   [`jiandang_protocol::SERVER_TIME_HEADER`]): a fast clock would otherwise win every
///   concurrent edit for as long as it is ahead.
///
/// Per-change checks (path and value limits, villages, references, the exit gate) come
/// later, in [`Push::apply_change`], and refuse only that change.
pub fn check_set(set: &ChangeSet, device: Uuid, now_ms: i64) -> Result<(), AppError> {
    if set.changes.len() > MAX_CHANGES_PER_SET {
        return Err(AppError::new(
            ErrorCode::TooLarge,
            format!("一个变更集最多 {MAX_CHANGES_PER_SET} 条修改，请分批同步"),
        ));
    }
    let node = device.to_string();
    let latest = now_ms.saturating_add(CLOCK_TOLERANCE_MS);
    for change in &set.changes {
        check_seq(change.base_seq, "base_seq")?;
        if change.hlc.node != node {
            return Err(AppError::bad_request(
                "修改的时钟戳不是本设备的（节点与登录设备不一致）",
            ));
        }
        if change.hlc.wall_ms > latest {
            return Err(AppError::new(
                ErrorCode::ClockSkew,
                "本机时间比服务器快，修改的时间戳不可信。请校正手机时间；本机会按服务器时间重新标记后再上传",
            ));
        }
    }
    Ok(())
}

/// The query of `GET /api/v1/pull`.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    pub after: u64,
    pub limit: Option<u32>,
}

/// `GET /api/v1/pull?after=SEQ&limit=N`.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullPage>, AppError> {
    let Query(query) = query.map_err(|_| AppError::bad_request("after 和 limit 应为非负整数"))?;
    let after = check_seq(query.after, "after")?;
    let limit = query
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let page = state
        .db
        .read(move |conn| {
            // The page and its cursor come from one read transaction (one snapshot of the
            // log): read apart, a push that committed between them was passed by the cursor
            // without being in the page, and the device never saw it.
            let tx = conn.transaction()?;
            let page = pull_page(&tx, &caller, after, limit)?;
            tx.commit()?;
            Ok(page)
        })
        .await?;
    Ok(Json(page))
}

/// `GET /api/v1/snapshot`.
pub async fn snapshot(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Snapshot>, AppError> {
    let snapshot = state
        .db
        .read(move |conn| take_snapshot(conn, &caller))
        .await?;
    Ok(Json(snapshot))
}

/// The largest county sequence number there can be: SQLite's integers are signed 64-bit.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// A sequence number a request names (a pull cursor, a change's `base_seq`): at most
/// [`MAX_SEQ`], else `bad_request` (unchecked, it failed as a database error, 500).
pub fn check_seq(seq: u64, name: &str) -> Result<u64, AppError> {
    if seq > MAX_SEQ {
        return Err(AppError::bad_request(format!(
            "{name} 超出序号范围（最大 {MAX_SEQ}）"
        )));
    }
    Ok(seq)
}

/// One push being applied.
struct Push<'a> {
    caller: &'a Caller,
    set_id: Uuid,
    /// The county's last seq before this set: no change can be based on a later one.
    max_seq: u64,
    now_ms: i64,
    today: Date,
    rules: &'a rules::Rules,
}

impl Push<'_> {
    /// Applies the set inside the caller's transaction (a savepoint of a group commit).
    fn apply(&self, tx: &Connection, changes: &[Change]) -> Result<PushResponse, AppError> {
        let stored: Option<(String, String)> = tx
            .prepare_cached("SELECT device_id, response FROM change_sets WHERE id = ?1")?
            .query_row([self.set_id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((device, response)) = stored {
            if device != self.caller.device_id.to_string() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "变更集编号已被其他设备使用，请重新生成",
                ));
            }
            return Ok(serde_json::from_str(&response)?);
        }
        let mut results = Vec::with_capacity(changes.len());
        let mut touched = BTreeSet::new();
        let mut villages = BTreeMap::new();
        for change in changes {
            let outcome = self.apply_change(tx, change, &mut touched, &mut villages)?;
            results.push(ChangeResult {
                change_id: change.change_id,
                outcome,
            });
        }
        // The set's accepted edits, record by record, in the order they were applied.
        let mut edits: BTreeMap<Uuid, Vec<(&str, &Value, u64)>> = BTreeMap::new();
        for (change, result) in changes.iter().zip(&results) {
            if let Outcome::Accepted { seq } = result.outcome
                && touched.contains(&change.record_id)
            {
                edits
                    .entry(change.record_id)
                    .or_default()
                    .push((&change.field, &change.new, seq));
            }
        }
        for record in &touched {
            update_doc(tx, *record, edits.get(record).map_or(&[], Vec::as_slice))?;
        }
        let findings = self.rules.check_records(tx, &touched)?;
        let response = PushResponse {
            protocol: PROTOCOL_VERSION,
            change_set_id: self.set_id,
            results,
            findings,
        };
        tx.prepare_cached(
            "INSERT INTO change_sets (id, device_id, response, received_ms) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            self.set_id.to_string(),
            self.caller.device_id.to_string(),
            serde_json::to_string(&response)?,
            self.now_ms
        ])?;
        Ok(response)
    }

    /// Whether the caller may write records of the village now: `Some(refusal)` when not.
    /// The same for every change of the set, so asked once per village.
    fn village_verdict(&self, tx: &Connection, village: Uuid) -> Result<Option<Outcome>, AppError> {
        let known: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM villages WHERE id = ?1)")?
            .query_row([village.to_string()], |r| r.get(0))?;
        if !known {
            return Ok(Some(refused(
                ErrorCode::BadRequest,
                "记录所属的村在服务器上不存在",
            )));
        }
        if !self.caller.may_access(village) {
            return Ok(Some(refused(
                ErrorCode::ForbiddenVillage,
                "该村未分配给当前用户，不能修改其中的记录",
            )));
        }
        // A town officer reads and reviews its towns' villages; it does not edit records.
        if self.caller.role == Role::TownOfficer {
            return Ok(Some(refused(
                ErrorCode::Forbidden,
                "乡镇账号只能查看和审核，不能修改记录",
            )));
        }
        if self.caller.role != Role::CountyAdmin && !window::writes_open(tx, village, self.today)? {
            return Ok(Some(refused(
                ErrorCode::EntryClosed,
                window::CLOSED_MESSAGE,
            )));
        }
        Ok(None)
    }

    fn apply_change(
        &self,
        tx: &Connection,
        change: &Change,
        touched: &mut BTreeSet<Uuid>,
        villages: &mut BTreeMap<Uuid, Option<Outcome>>,
    ) -> Result<Outcome, AppError> {
        if let Some(outcome) = logged_outcome(tx, change.change_id)? {
            return Ok(outcome);
        }
        if change.base_seq > self.max_seq {
            return Ok(refused(
                ErrorCode::BadRequest,
                "修改所依据的序号大于服务器当前序号",
            ));
        }
        if let Err(e) = limits::check_field(&change.field, &change.new) {
            // Clearing a field the server holds is always allowed, so that a value stored
            // before the limits held can still be removed.
            let clears_held = change.new.is_null()
                && !change.field.is_empty()
                && current_field(tx, change.record_id, &change.field)?.is_some();
            if !clears_held {
                return Ok(refused(ErrorCode::BadRequest, e.to_string()));
            }
        }
        if is_spot_check_kind(change.kind) {
            return Ok(refused(
                ErrorCode::Forbidden,
                "抽样核查记录暂不能通过同步提交",
            ));
        }
        let existing: Option<(String, String)> = tx
            .prepare_cached("SELECT kind, village_id FROM records WHERE id = ?1")?
            .query_row([change.record_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((kind, village)) = &existing
            && (kind != change.kind.as_str() || *village != change.village_id.to_string())
        {
            return Ok(refused(
                ErrorCode::BadRequest,
                "记录的类型或所属村与服务器上的不一致",
            ));
        }
        let village = match villages.get(&change.village_id) {
            Some(known) => known.clone(),
            None => {
                let verdict = self.village_verdict(tx, change.village_id)?;
                villages.insert(change.village_id, verdict.clone());
                verdict
            }
        };
        if let Some(refusal) = village {
            return Ok(refusal);
        }
        if let Some(refusal) = references::check(tx, change)? {
            return Ok(refusal);
        }
        if let Some(message) = self.rules.exit_gate(tx, change)? {
            return Ok(refused(ErrorCode::RuleRefused, message));
        }
        let current = current_field(tx, change.record_id, &change.field)?;
        let decision = merge::decide(
            current.as_ref().map(|(c, _)| c),
            Incoming {
                new: &change.new,
                base_seq: change.base_seq,
                hlc: &change.hlc,
                device_id: self.caller.device_id,
            },
        );
        let outcome = match decision {
            Decision::Accept { .. } => "accepted",
            Decision::Supersede { .. } => "superseded",
        };
        let seq = log_change(
            tx,
            change,
            self.set_id,
            self.caller.user_id,
            self.caller.device_id,
            self.now_ms,
            outcome,
        )?;
        let mine = Side {
            value: &change.new,
            hlc: &change.hlc,
            user: self.caller.user_id,
            device: self.caller.device_id,
        };
        match (decision, &current) {
            (Decision::Accept { conflict }, _) => {
                if conflict && let Some((cur, user)) = &current {
                    let theirs = Side {
                        value: &cur.value,
                        hlc: &cur.hlc,
                        user: *user,
                        device: cur.device_id,
                    };
                    insert_conflict(tx, change, &theirs, &mine, seq)?;
                }
                // The record's row once per set; its doc and last seq follow in rebuild_doc.
                if touched.insert(change.record_id) {
                    ensure_record(tx, change, seq)?;
                }
                put_field(tx, change, seq, self.caller.user_id, self.caller.device_id)?;
                Ok(Outcome::Accepted { seq })
            }
            (Decision::Supersede { conflict }, Some((cur, user))) => {
                if conflict {
                    let theirs = Side {
                        value: &cur.value,
                        hlc: &cur.hlc,
                        user: *user,
                        device: cur.device_id,
                    };
                    insert_conflict(tx, change, &mine, &theirs, seq)?;
                }
                Ok(Outcome::Superseded {
                    seq: cur.seq,
                    current: cur.value.clone(),
                })
            }
            (Decision::Supersede { .. }, None) => Err(AppError::internal(
                "merge superseded a change without a current value",
            )),
        }
    }
}

/// One side of a conflict.
pub struct Side<'a> {
    pub value: &'a Value,
    pub hlc: &'a Hlc,
    pub user: Uuid,
    pub device: Uuid,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Outcome::Refused {
        code,
        message: message.into(),
    }
}

/// Spot-check records (issue 13) belong to supervisors' assignments, which the server does not
/// scope yet: until it does, no one may push them, so none is stored and none reaches a survey
/// worker's pull or snapshot.
fn is_spot_check_kind(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::SpotCheck | RecordKind::ScreenedHousehold | RecordKind::VillageScreening
    )
}

/// The outcome of a change the log already holds (a change re-sent in another set).
fn logged_outcome(tx: &Connection, change_id: Uuid) -> Result<Option<Outcome>, AppError> {
    let row: Option<(u64, String, String, String)> = tx
        .prepare_cached(
            "SELECT seq, outcome, record_id, field FROM change_log WHERE change_id = ?1",
        )?
        .query_row([change_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((seq, outcome, record, field)) = row else {
        return Ok(None);
    };
    if outcome == "accepted" {
        return Ok(Some(Outcome::Accepted { seq }));
    }
    let current = current_field(tx, parse_uuid(&record)?, &field)?;
    let (seq, current) = current
        .map(|(c, _)| (c.seq, c.value))
        .unwrap_or((seq, Value::Null));
    Ok(Some(Outcome::Superseded { seq, current }))
}

/// The field's current state and the user who set it.
pub fn current_field(
    tx: &Connection,
    record: Uuid,
    path: &str,
) -> Result<Option<(Current, Uuid)>, AppError> {
    let row: Option<(String, u64, String, String, String)> = tx
        .prepare_cached(
            "SELECT value, seq, hlc, device_id, user_id FROM fields
             WHERE record_id = ?1 AND path = ?2",
        )?
        .query_row(params![record.to_string(), path], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    row.map(|(value, seq, hlc, device, user)| {
        Ok((
            Current {
                value: serde_json::from_str(&value)?,
                seq,
                hlc: parse_hlc(&hlc)?,
                device_id: parse_uuid(&device)?,
            },
            parse_uuid(&user)?,
        ))
    })
    .transpose()
}

pub fn parse_hlc(s: &str) -> Result<Hlc, AppError> {
    Hlc::parse(s).map_err(|_| AppError::internal(format!("bad hlc in db: {s}")))
}

/// Appends a change to the log; returns its county sequence number.
pub fn log_change(
    tx: &Connection,
    change: &Change,
    set_id: Uuid,
    user: Uuid,
    device: Uuid,
    now_ms: i64,
    outcome: &str,
) -> Result<u64, AppError> {
    tx.prepare_cached(
        "INSERT INTO change_log (change_id, change_set_id, record_id, kind, village_id, field,
             old, new, base_seq, hlc, user_id, device_id, received_ms, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        change.change_id.to_string(),
        set_id.to_string(),
        change.record_id.to_string(),
        change.kind.as_str(),
        change.village_id.to_string(),
        change.field,
        serde_json::to_string(&change.old)?,
        serde_json::to_string(&change.new)?,
        change.base_seq,
        change.hlc.to_string(),
        user.to_string(),
        device.to_string(),
        now_ms,
        outcome,
    ])?;
    u64::try_from(tx.last_insert_rowid()).map_err(|_| AppError::internal("negative seq"))
}

/// Makes the change the field's current value (creating the record when new).
pub fn set_field(
    tx: &Connection,
    change: &Change,
    seq: u64,
    user: Uuid,
    device: Uuid,
) -> Result<(), AppError> {
    ensure_record(tx, change, seq)?;
    put_field(tx, change, seq, user, device)
}

/// The record's row, made when the record is new.
fn ensure_record(tx: &Connection, change: &Change, seq: u64) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO records (id, kind, village_id, doc, updated_seq) VALUES (?1, ?2, ?3, '{}', ?4)
         ON CONFLICT (id) DO UPDATE SET updated_seq = excluded.updated_seq",
    )?
    .execute(params![
        change.record_id.to_string(),
        change.kind.as_str(),
        change.village_id.to_string(),
        seq
    ])?;
    Ok(())
}

/// The field's row: the change's value, seq and author.
fn put_field(
    tx: &Connection,
    change: &Change,
    seq: u64,
    user: Uuid,
    device: Uuid,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (record_id, path) DO UPDATE SET value = excluded.value, seq = excluded.seq,
             hlc = excluded.hlc, user_id = excluded.user_id, device_id = excluded.device_id",
    )?
    .execute(params![
        change.record_id.to_string(),
        change.field,
        serde_json::to_string(&change.new)?,
        seq,
        change.hlc.to_string(),
        user.to_string(),
        device.to_string()
    ])?;
    Ok(())
}

/// Records a conflict: `loser`'s value lost to `winner`'s on this field.
pub fn insert_conflict(
    tx: &Connection,
    change: &Change,
    loser: &Side<'_>,
    winner: &Side<'_>,
    seq: u64,
) -> Result<(), AppError> {
    tx.prepare_cached(
        "INSERT INTO conflicts (record_id, village_id, field, losing_value, losing_hlc,
             losing_user, losing_device, winning_value, winning_hlc, winning_user,
             winning_device, created_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        change.record_id.to_string(),
        change.village_id.to_string(),
        change.field,
        serde_json::to_string(loser.value)?,
        loser.hlc.to_string(),
        loser.user.to_string(),
        loser.device.to_string(),
        serde_json::to_string(winner.value)?,
        winner.hlc.to_string(),
        winner.user.to_string(),
        winner.device.to_string(),
        seq
    ])?;
    Ok(())
}

/// Brings a record's stored form up to date with the set's accepted edits of it (path, new
/// value, seq; in order): the stored leaves with the edits laid over them give exactly what
/// a rebuild from all the fields gives (`unflatten` resolves paths above and below each
/// other the same way whichever leaves it is handed, and a leaf the form does not show is
/// always overruled by one it shows), unless an edit clears a field: then a leaf it
/// overruled may show again, and the form is rebuilt from the fields. A unit proptest
/// holds the two equal.
fn update_doc(
    tx: &Connection,
    record: Uuid,
    edits: &[(&str, &Value, u64)],
) -> Result<(), AppError> {
    let doc: Option<String> = tx
        .prepare_cached("SELECT doc FROM records WHERE id = ?1")?
        .query_row([record.to_string()], |r| r.get(0))
        .optional()?;
    // A form that cannot be read (written before the limits held) is rebuilt from the
    // fields, so that the record can still be edited and the bad field cleared.
    let Some(doc) = doc.as_deref().and_then(read_form) else {
        return rebuild_doc(tx, record);
    };
    let mut leaves = doc_leaves(&doc);
    let mut last = 0;
    for (path, value, seq) in edits {
        if value.is_null() {
            return rebuild_doc(tx, record);
        }
        leaves.insert((*path).to_owned(), (*value).clone());
        last = last.max(*seq);
    }
    tx.prepare_cached(
        "UPDATE records SET doc = ?2, updated_seq = MAX(updated_seq, ?3) WHERE id = ?1",
    )?
    .execute(params![
        record.to_string(),
        serde_json::to_string(&unflatten(&leaves))?,
        last
    ])?;
    Ok(())
}

/// Rewrites a record's JSON form from its fields (null leaves left out), and its last seq.
pub fn rebuild_doc(tx: &Connection, record: Uuid) -> Result<(), AppError> {
    let leaves = record_leaves(tx, record)?;
    tx.prepare_cached(
        "UPDATE records SET doc = ?2, updated_seq = MAX(updated_seq,
             COALESCE((SELECT MAX(seq) FROM fields WHERE record_id = ?1), 0))
         WHERE id = ?1",
    )?
    .execute(params![
        record.to_string(),
        serde_json::to_string(&unflatten(&leaves))?
    ])?;
    Ok(())
}

/// A record's non-null leaves.
pub fn record_leaves(tx: &Connection, record: Uuid) -> Result<BTreeMap<String, Value>, AppError> {
    let mut stmt = tx.prepare_cached("SELECT path, value FROM fields WHERE record_id = ?1")?;
    let mut leaves = BTreeMap::new();
    for row in stmt.query_map([record.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })? {
        let (path, value) = row?;
        let value: Value = serde_json::from_str(&value)?;
        if !value.is_null() {
            leaves.insert(path, value);
        }
    }
    Ok(leaves)
}

/// The highest county sequence number so far.
pub fn max_seq(conn: &Connection) -> Result<u64, AppError> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM change_log")?
        .query_row([], |r| r.get(0))?)
}

fn pull_page(
    conn: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<PullPage, AppError> {
    // The caller's own device is left out: it learnt the fate of its changes from the
    // answers to its pushes (and pulls wait while a pushed set has no answer).
    let sql = if caller.role == Role::CountyAdmin {
        "SELECT seq, change_id, record_id, kind, village_id, field, old, new, base_seq, hlc,
             user_id, device_id
         FROM change_log WHERE seq > ?1 AND outcome = 'accepted' AND ?2 IS NOT NULL
             AND device_id <> ?3
         ORDER BY seq LIMIT ?4"
    } else {
        "SELECT seq, change_id, record_id, kind, village_id, field, old, new, base_seq, hlc,
             user_id, device_id
         FROM change_log WHERE seq > ?1 AND outcome = 'accepted'
             AND village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?2)
             AND device_id <> ?3
         ORDER BY seq LIMIT ?4"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut changes = Vec::new();
    let mut rows = stmt.query(params![
        after,
        caller.user_id.to_string(),
        caller.device_id.to_string(),
        limit + 1
    ])?;
    while let Some(row) = rows.next()? {
        changes.push(logged_change(row)?);
    }
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let next_after = if more {
        changes.last().map_or(after, |c| c.seq)
    } else {
        max_seq(conn)?.max(after)
    };
    Ok(PullPage {
        protocol: PROTOCOL_VERSION,
        changes,
        next_after,
        more,
    })
}

fn logged_change(row: &Row<'_>) -> Result<LoggedChange, AppError> {
    let text = |i: usize| row.get::<_, String>(i);
    let kind = text(3)?;
    Ok(LoggedChange {
        seq: row.get(0)?,
        change: Change {
            change_id: parse_uuid(&text(1)?)?,
            record_id: parse_uuid(&text(2)?)?,
            kind: RecordKind::parse(&kind)
                .ok_or_else(|| AppError::internal(format!("bad kind in db: {kind}")))?,
            village_id: parse_uuid(&text(4)?)?,
            field: text(5)?,
            old: serde_json::from_str(&text(6)?)?,
            new: serde_json::from_str(&text(7)?)?,
            base_seq: row.get(8)?,
            hlc: parse_hlc(&text(9)?)?,
        },
        user_id: parse_uuid(&text(10)?)?,
        device_id: parse_uuid(&text(11)?)?,
    })
}

fn take_snapshot(conn: &mut Connection, caller: &Caller) -> Result<Snapshot, AppError> {
    // One read transaction, so the cursor and the records agree.
    let tx = conn.transaction()?;
    let cursor = max_seq(&tx)?;
    let (records_sql, hlc_sql) = if caller.role == Role::CountyAdmin {
        (
            "SELECT id, kind, village_id, doc FROM records WHERE ?1 IS NOT NULL",
            "SELECT MAX(hlc) FROM fields WHERE ?1 IS NOT NULL",
        )
    } else {
        (
            "SELECT id, kind, village_id, doc FROM records
             WHERE village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?1)",
            "SELECT MAX(f.hlc) FROM records r JOIN fields f ON f.record_id = r.id
             WHERE r.village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?1)",
        )
    };
    let user = caller.user_id.to_string();
    let hlc: Option<String> = tx
        .prepare_cached(hlc_sql)?
        .query_row([&user], |r| r.get(0))?;
    let hlc = hlc.as_deref().map(parse_hlc).transpose()?;
    let mut records: Vec<(SnapshotOrder, SnapshotRecord)> = Vec::new();
    let mut unreadable = Vec::new();
    {
        let mut stmt = tx.prepare_cached(records_sql)?;
        let mut rows = stmt.query([&user])?;
        while let Some(row) = rows.next()? {
            let id = parse_uuid(&row.get::<_, String>(0)?)?;
            let kind: String = row.get(1)?;
            // A record the server cannot read (or the device could not) is set aside and
            // named, not allowed to fail the snapshot of its whole village.
            let (Some(kind), Some(doc)) = (
                RecordKind::parse(&kind),
                read_form(&row.get::<_, String>(3)?),
            ) else {
                tracing::warn!(record = %id, "snapshot: a stored record cannot be read; left out");
                unreadable.push(id);
                continue;
            };
            let record = SnapshotRecord {
                id,
                kind,
                village_id: parse_uuid(&row.get::<_, String>(2)?)?,
                leaves: doc_leaves(&doc),
            };
            records.push((SnapshotOrder::of(&record), record));
        }
    }
    tx.commit()?;
    records.sort_by(|a, b| a.0.cmp(&b.0));
    let mut snapshot = Snapshot::build(cursor, hlc, records.into_iter().map(|(_, r)| r));
    snapshot.unreadable = unreadable;
    Ok(snapshot)
}

/// A record's stored JSON form, if it can be read and is no deeper than fields within the
/// limits make it (`None`: a form written before the limits held, or damaged).
pub fn read_form(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .filter(limits::form_within_limits)
}

/// Where a record goes in a snapshot: village by village, household by household (the
/// household first, then what points at it through `household_id` or `subject_id`), so that
/// the ids linking a bundle sit close together for gzip.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SnapshotOrder {
    village: Uuid,
    owner: String,
    /// 0: the owner itself; 1: a record pointing at it.
    rank: u8,
    kind: RecordKind,
    id: Uuid,
}

impl SnapshotOrder {
    fn of(r: &SnapshotRecord) -> SnapshotOrder {
        let link = ["household_id", "subject_id"]
            .iter()
            .find_map(|p| r.leaves.get(*p).and_then(Value::as_str));
        SnapshotOrder {
            village: r.village_id,
            owner: link.map_or_else(|| r.id.to_string(), str::to_owned),
            rank: u8::from(link.is_some()),
            kind: r.kind,
            id: r.id,
        }
    }
}

/// A stored JSON form's non-null leaves (an empty form has none).
fn doc_leaves(doc: &Value) -> BTreeMap<String, Value> {
    match doc {
        Value::Null => BTreeMap::new(),
        Value::Object(m) if m.is_empty() => BTreeMap::new(),
        other => jiandang_protocol::flatten(other)
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiandang_protocol::Hlc;
    use proptest::prelude::*;
    use serde_json::json;

    /// Paths that lie above and below each other, so that patches meet every case.
    const PATHS: [&str; 6] = ["a", "a.b", "a.c", "a.b.d", "b", "c.x"];

    fn edit() -> impl Strategy<Value = (usize, Option<i64>)> {
        (0..PATHS.len(), prop::option::weighted(0.8, 0i64..5))
    }

    proptest! {
        /// Patching the stored form gives what rebuilding it from the fields gives, after
        /// any sequence of sets of edits.
        #[test]
        fn a_patched_form_equals_the_rebuilt_one(sets in prop::collection::vec(prop::collection::vec(edit(), 1..5), 1..6)) {
            let mut conn = Connection::open_in_memory().unwrap();
            crate::db::migrate(&mut conn).unwrap();
            conn.execute("INSERT INTO towns (id, name) VALUES ('t', 't')", []).unwrap();
            conn.execute("INSERT INTO villages (id, town_id, name) VALUES (?1, 't', 'v')", [Uuid::nil().to_string()]).unwrap();
            let record = Uuid::from_u128(7);
            let mut seq = 0;
            for set in sets {
                let mut edits = Vec::new();
                let changes: Vec<Change> = set.iter().map(|(p, v)| Change {
                    change_id: Uuid::new_v4(),
                    record_id: record,
                    kind: RecordKind::Household,
                    village_id: Uuid::nil(),
                    field: PATHS[*p].to_owned(),
                    old: Value::Null,
                    new: v.map_or(Value::Null, |v| json!(v)),
                    base_seq: 0,
                    hlc: Hlc::zero("t"),
                }).collect();
                for c in &changes {
                    seq += 1;
                    set_field(&conn, c, seq, Uuid::nil(), Uuid::nil()).unwrap();
                    edits.push((c.field.as_str(), &c.new, seq));
                }
                update_doc(&conn, record, &edits).unwrap();
                let patched: String = conn.query_row("SELECT doc FROM records", [], |r| r.get(0)).unwrap();
                rebuild_doc(&conn, record).unwrap();
                let rebuilt: String = conn.query_row("SELECT doc FROM records", [], |r| r.get(0)).unwrap();
                prop_assert_eq!(patched, rebuilt);
            }
        }
    }
}
