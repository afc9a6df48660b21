//! Sync endpoints: push a change set, pull the county's changes after a cursor, take a
//! snapshot. A change set is applied in one transaction and its answer stored under its id,
//! so a replay (after a cut, a retry, a duplicate) gets the first answer and changes nothing.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use jiandang_domain::Timestamp;
use jiandang_domain::judge::Context;
use jiandang_protocol::{
    CLOCK_TOLERANCE_MS, ChangeSet, ErrorCode, PROTOCOL_VERSION, PullPage, PushResponse, Role,
    Snapshot, SnapshotRecord,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::apply::Push;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Wire;
use crate::storage::{Scope, Store, form_leaves};

/// Most changes one set may carry.
pub use jiandang_protocol::limits::MAX_CHANGES_PER_SET;
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
    let policy = state.rules.policy();
    let server_id = state.identity;
    let mut response = state
        .db
        .call_grouped(move |conn| {
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let push = Push {
                caller: &caller,
                set_id: set.change_set_id,
                now_ms,
                today,
                ctx: &ctx,
            };
            answer(conn, &push, &set)
        })
        .await?;
    // A replay's stored answer may come from before a restore: the identity is today's.
    response.server_id = Some(server_id);
    Ok(Json(response))
}

/// The set's answer: the stored one when the set was applied before (a replay changes
/// nothing), else the set applied and its answer stored under its id.
fn answer(conn: &Connection, push: &Push<'_>, set: &ChangeSet) -> Result<PushResponse, AppError> {
    let stored: Option<(String, String)> = conn
        .prepare_cached("SELECT device_id, response FROM change_sets WHERE id = ?1")?
        .query_row([set.change_set_id.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if let Some((device, response)) = stored {
        if device != push.caller.device_id.to_string() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "变更集编号已被其他设备使用，请重新生成",
            ));
        }
        return Ok(serde_json::from_str(&response)?);
    }
    let applied = push.apply(conn, &set.changes)?;
    // The county-wide checks again over what the set can affect (issue 18), in its
    // transaction: a fault fixed marks its problem 复核已消除 for the county to close.
    crate::recheck::after_push(conn, push.ctx, push.today, push.now_ms, &applied)?;
    let response = PushResponse {
        protocol: PROTOCOL_VERSION,
        change_set_id: set.change_set_id,
        results: applied.results,
        findings: applied.findings,
        server_id: None,
    };
    conn.prepare_cached(
        "INSERT INTO change_sets (id, device_id, response, received_ms) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        set.change_set_id.to_string(),
        push.caller.device_id.to_string(),
        serde_json::to_string(&response)?,
        push.now_ms
    ])?;
    Ok(response)
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
/// Per-change checks (path and value limits, villages, references, the gate) come later,
/// in [`crate::apply`], and refuse only that change.
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
    let server_id = state.identity;
    let mut page = state
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
    page.server_id = Some(server_id);
    Ok(Json(page))
}

/// `GET /api/v1/snapshot`.
pub async fn snapshot(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Snapshot>, AppError> {
    let mut snapshot = state
        .db
        .read(move |conn| take_snapshot(conn, &caller))
        .await?;
    snapshot.server_id = Some(state.identity);
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

/// Whose records a caller's pull and snapshot cover. A supervisor: its check records and what
/// they need (`spotchecks`), nothing else of the register. The other roles of villages: their
/// villages' records, never a check record (a sample stays secret from those whose
/// households it checks).
fn scope_of(caller: &Caller) -> Scope {
    match caller.role {
        Role::CountyAdmin => Scope::County,
        Role::Supervisor => Scope::Checker(caller.user_id),
        Role::SurveyWorker | Role::WorkTeamMember | Role::TownOfficer => {
            Scope::VillagesOf(caller.user_id)
        }
    }
}

fn pull_page(
    conn: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<PullPage, AppError> {
    let store = Store::new(conn);
    // The caller's own device is left out: it learnt the fate of its changes from the
    // answers to its pushes (and pulls wait while a pushed set has no answer).
    let mut changes = store.accepted_after(scope_of(caller), after, limit + 1, caller.device_id)?;
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let next_after = if more {
        changes.last().map_or(after, |c| c.seq)
    } else {
        store.max_seq()?.max(after)
    };
    Ok(PullPage {
        protocol: PROTOCOL_VERSION,
        changes,
        next_after,
        more,
        server_id: None,
    })
}

fn take_snapshot(conn: &mut Connection, caller: &Caller) -> Result<Snapshot, AppError> {
    // One read transaction, so the cursor and the records agree.
    let tx = conn.transaction()?;
    let store = Store::new(&tx);
    let cursor = store.max_seq()?;
    let (hlc, rows) = store.snapshot(scope_of(caller))?;
    tx.commit()?;
    let mut records: Vec<(SnapshotOrder, SnapshotRecord)> = Vec::with_capacity(rows.len());
    let mut unreadable = Vec::new();
    for row in rows {
        // A record the server cannot read (or the device could not) is set aside and named,
        // not allowed to fail the snapshot of its whole village.
        let (Some(kind), Some(doc)) = (row.kind, row.doc) else {
            tracing::warn!(record = %row.id, "snapshot: a stored record cannot be read; left out");
            unreadable.push(row.id);
            continue;
        };
        let record = SnapshotRecord {
            id: row.id,
            kind,
            village_id: row.village_id,
            leaves: form_leaves(&doc),
        };
        records.push((SnapshotOrder::of(&record), record));
    }
    records.sort_by(|a, b| a.0.cmp(&b.0));
    let mut snapshot = Snapshot::build(cursor, hlc, records.into_iter().map(|(_, r)| r));
    snapshot.unreadable = unreadable;
    Ok(snapshot)
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
    kind: jiandang_domain::RecordKind,
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
