//! The county's year policy (年度政策参数), stored in the database as one document: the line,
//! the income period, the counted transfers, the exit thresholds, the evaluation standard and
//! the year's timeline, whose phases are the entry window (`crate::window`). The one source:
//! `GET /api/v1/policy` serves it to every signed-in device, `PUT /api/v1/admin/policy` and
//! `jiandang serve --policy FILE` replace it (refused with the domain's `PolicyError` when its
//! values do not fit together), and the phases routes of `crate::admin` read and edit its
//! phases.
//!
//! A database made before the policy was stored had a `phases` table; migration 0005 keeps
//! its rows beside the empty policy, and the first opening of the file seeds the policy with
//! them (so a county's edited timeline carries over) over the default document it is given.

use axum::Json;
use axum::extract::State;
use jiandang_domain::codes::Coded;
use jiandang_domain::policy::{Phase, PhaseName, PolicyError, YearPolicy};
use jiandang_protocol::{PROTOCOL_VERSION, PolicyDoc};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::extract::Wire;

/// `GET /api/v1/policy` (any signed-in caller): the policy the county judges by.
pub async fn get(State(state): State<AppState>, _caller: Caller) -> Json<PolicyDoc> {
    Json(PolicyDoc {
        protocol: PROTOCOL_VERSION,
        policy: (*state.rules.policy()).clone(),
        server_id: Some(state.identity),
    })
}

/// `PUT /api/v1/admin/policy` (county admin): replaces the county's policy with the body's
/// `policy`, read and checked by the domain (`bad_request` with its message when it does not
/// read or its values do not fit together).
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Wire(body): Wire<Value>,
) -> Result<Json<PolicyDoc>, AppError> {
    caller.require_admin()?;
    let text = body
        .get("policy")
        .map(Value::to_string)
        .ok_or_else(|| AppError::bad_request("请求中缺少 policy（年度政策参数）"))?;
    let policy = YearPolicy::from_json(&text).map_err(refused)?;
    let now = state.clock.now_ms();
    let stored = policy.clone();
    state
        .db
        .call(move |conn| store(conn, &stored, Some(caller.user_id), now))
        .await?;
    state.rules.replace(policy.clone());
    tracing::info!(year = policy.year, area = %policy.area.code, "county policy replaced");
    Ok(Json(PolicyDoc {
        protocol: PROTOCOL_VERSION,
        policy,
        server_id: Some(state.identity),
    }))
}

/// A policy the domain refuses, as an answer.
pub fn refused(e: PolicyError) -> AppError {
    AppError::bad_request(e.to_string())
}

/// The stored policy; on the first opening of a file, the one seeded from `default` (with
/// the timeline a database made before the policy was stored had) and stored.
pub fn load_or_seed(
    conn: &Connection,
    default: impl FnOnce() -> YearPolicy,
    now_ms: i64,
) -> Result<YearPolicy, AppError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached("SELECT doc, legacy_phases FROM county_policy WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (doc, legacy) = row.unwrap_or((None, None));
    if let Some(doc) = doc {
        // Stored by this server after the domain checked it: a document that no longer reads
        // is a damaged file, not a request to answer.
        return YearPolicy::from_json(&doc)
            .map_err(|e| AppError::internal(format!("the stored county policy: {e}")));
    }
    let mut policy = default();
    if let Some(phases) = legacy
        .as_deref()
        .and_then(|json| legacy_phases(json, &policy.phases))
    {
        let mut with = policy.clone();
        with.phases = phases;
        match with.check() {
            Ok(()) => policy = with,
            Err(e) => {
                tracing::warn!(error = %e, "the old phases table does not fit the policy; its own timeline is kept")
            }
        }
    }
    store(conn, &policy, None, now_ms)?;
    Ok(policy)
}

/// Stores `policy` as the county's (checked by the caller), by `by` (`None`: the server
/// itself, at seeding or from `jiandang serve --policy`).
pub fn store(
    conn: &Connection,
    policy: &YearPolicy,
    by: Option<Uuid>,
    now_ms: i64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO county_policy (id, doc, legacy_phases, updated_ms, updated_by)
         VALUES (1, ?1, NULL, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, legacy_phases = NULL,
             updated_ms = excluded.updated_ms, updated_by = excluded.updated_by",
    )?
    .execute(params![
        serde_json::to_string(policy)?,
        now_ms,
        by.map(|u| u.to_string())
    ])?;
    Ok(())
}

/// The phases of the old `phases` table, as the policy's; `None` when there were none or a
/// name is not a phase of the timeline. The old table had no problem-list flag: a phase keeps
/// the one of the same phase in `default` (the problem list works in verification and
/// correction whatever dates the county had set).
fn legacy_phases(json: &str, default: &[Phase]) -> Option<Vec<Phase>> {
    let rows: Vec<jiandang_protocol::Phase> = serde_json::from_str(json).ok()?;
    if rows.is_empty() {
        return None;
    }
    rows.into_iter()
        .map(|p| {
            let name = PhaseName::from_code(&p.name)?;
            Some(Phase {
                name,
                starts: p.starts,
                ends: p.ends,
                writes_open: p.writes_open,
                problem_writes_open: default
                    .iter()
                    .any(|d| d.name == name && d.problem_writes_open),
            })
        })
        .collect()
}

/// Whether the phase `name` takes the problem list's writes after the entry window
/// (`Phase::problem_writes_open`): as `policy` has it, else as the standard timeline (the
/// Shangqiu 2018 document) has it. The wire's phases (`PUT /api/v1/admin/phases`, the old
/// `phases` table) do not carry it.
pub fn problem_writes_open(policy: &YearPolicy, name: PhaseName) -> bool {
    let of = |p: &YearPolicy| {
        p.phases
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.problem_writes_open)
    };
    of(policy)
        .or_else(|| of(&YearPolicy::shangqiu_2018()))
        .unwrap_or(false)
}
