//! The county's problem list (问题清单, issue 18; docs/problems.md): the county office runs the
//! county-wide checks (`jiandang_domain::county::check_all`), lists problems, raises one by
//! hand, sends one back or closes it (`jiandang_domain::action::problem`), and imports the
//! province's comparison file (`jiandang_domain::county::province`). Every problem edit is
//! the domain's, stored through the one apply path ([`crate::apply::Push`]) as the county
//! admin's changes in one transaction, so devices pull them like any record of their village
//! and the change log holds every step. A survey worker, work-team member or supervisor only
//! lists the problems of its villages.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use jiandang_domain::action::Edit;
use jiandang_domain::action::problem::{
    CountyMoves, HandRaise, close, county_moves, raise_by_hand, send_back,
};
use jiandang_domain::codes::Coded;
use jiandang_domain::county::province::{UnmatchedRow, match_rows, raise};
use jiandang_domain::county::{CountyFacts, IdIndex, check_all};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::problem::{
    Actor, ClosingKind, Problem, ProblemRole, ProblemSeverity, ProblemState,
};
use jiandang_domain::{Finding, RecordKind, StoredRecord, Timestamp};
use jiandang_protocol::{Change, ErrorCode, Outcome, PROTOCOL_VERSION, Role, flatten};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::apply::{Push, server_change};
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::extract::{Wire, body_error};
use crate::idindex::{self, county_records};
use crate::storage::Store;

/// The answer of `POST /api/v1/admin/checks/run`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckRun {
    pub protocol: u32,
    /// Faults found, by check code.
    pub faults: BTreeMap<String, usize>,
    /// New problems raised.
    pub raised: usize,
    /// Open problems updated (text, rank) or marked 复核已消除.
    pub updated: usize,
}

/// The query of `GET /api/v1/problems`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub village: Option<Uuid>,
    pub town: Option<Uuid>,
    pub check: Option<String>,
    /// A `problem_state` code: pending, verified, corrected, closed.
    pub state: Option<String>,
    /// A page of the matching problems (the dashboard's; a county has thousands): skip
    /// `offset`, answer at most `limit`. The counts are always of every match.
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// The answer of `GET /api/v1/problems`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProblemList {
    pub protocol: u32,
    /// The problems that match, by village, then key (the page asked for).
    pub problems: Vec<Problem>,
    /// How many match, in all pages.
    #[serde(default)]
    pub total: usize,
    /// Their counts by state code.
    pub by_state: BTreeMap<String, usize>,
    /// Their counts by village (the nil id: the county's own).
    #[serde(default)]
    pub by_village: BTreeMap<Uuid, usize>,
    /// Their counts by check code.
    #[serde(default)]
    pub by_check: BTreeMap<String, usize>,
    /// For the county admin, what it may do with each open problem now (退回, the ways to
    /// close it), by problem id, as the domain's actions decide it.
    #[serde(default)]
    pub moves: BTreeMap<Uuid, CountyMoves>,
}

/// `POST /api/v1/problems`: 退回 with a comment on any record (the county raises by hand).
#[derive(Debug, Deserialize)]
pub struct RaiseRequest {
    pub record_id: Uuid,
    /// A path of the record's form; empty or absent for the record as a whole.
    #[serde(default)]
    pub path: String,
    pub text: String,
    pub verify: Option<String>,
    /// `error` (须整改, the default) or `warning` (须核实).
    pub severity: Option<ProblemSeverity>,
}

/// `POST /api/v1/problems/{id}/send-back`.
#[derive(Debug, Deserialize)]
pub struct SendBackRequest {
    pub reason: String,
}

/// `POST /api/v1/problems/{id}/close`.
#[derive(Debug, Deserialize)]
pub struct CloseRequest {
    /// `resolved` (整改销号), `dismissed` (核实不属实销号), `withdrawn` (县级撤销, with a note).
    pub kind: ClosingKind,
    pub note: Option<String>,
}

/// The answer of a problem's change: the problem as stored now.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProblemAnswer {
    pub protocol: u32,
    pub problem: Problem,
}

/// The answer of `POST /api/v1/admin/province-file`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProvinceImport {
    pub protocol: u32,
    /// The import's id: the `source_ref` of the problems it raised.
    pub import_id: Uuid,
    /// Rows read below the header.
    pub rows: usize,
    /// Rows matched to at least one member.
    pub matched_rows: usize,
    /// New problems raised (none for a row whose problem is already open).
    pub raised: usize,
    /// Rows that matched no one, with their line and why (never dropped).
    pub unmatched: Vec<UnmatchedRow>,
}

/// `POST /api/v1/admin/checks/run` (county admin): every check over the county's register;
/// the problems it raises or updates stored in one transaction.
pub async fn run_checks(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CheckRun>, AppError> {
    caller.require_admin()?;
    let now_ms = state.clock.now_ms();
    let today = state.clock.today_beijing();
    let policy = state.rules.policy();
    let answer = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let records = county_records(&tx)?;
            let run = check_all(&records, &CountyFacts::default(), &ctx, &mut Uuid::new_v4);
            // The run judged the register whole: the ID index is rebuilt from it.
            let none = BTreeSet::new();
            idindex::rebuild(&tx, &register(&records, &ctx, Judge::Only(&none)), now_ms)?;
            let mut faults: BTreeMap<String, usize> = BTreeMap::new();
            for f in &run.faults {
                *faults.entry(f.check.to_owned()).or_default() += 1;
            }
            let (raised, updated) = counts(&run.edits);
            let push = push_of(&caller, now_ms, today, &ctx);
            store_edits(&tx, &push, &run.edits)?;
            tx.execute(
                "INSERT INTO check_runs (run_ms, user_id, faults, raised, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    now_ms,
                    caller.user_id.to_string(),
                    run.faults.len(),
                    raised,
                    updated
                ],
            )?;
            tx.commit()?;
            tracing::info!(raised, updated, "county checks run");
            Ok(CheckRun {
                protocol: PROTOCOL_VERSION,
                faults,
                raised,
                updated,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// `GET /api/v1/problems?village=&town=&check=&state=`: the problems of the caller's
/// villages (the county admin: all), filtered.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<ProblemList>, AppError> {
    let Query(query) = query
        .map_err(|_| AppError::bad_request("village、town 应为编号，check、state 应为代码"))?;
    let state_code = match query.state.as_deref() {
        None | Some("") => None,
        Some(code) => Some(
            ProblemState::from_code(code)
                .ok_or_else(|| AppError::bad_request(format!("没有“{code}”这个问题状态")))?,
        ),
    };
    if let Some(v) = query.village
        && !caller.may_access(v)
    {
        return Err(AppError::new(
            ErrorCode::ForbiddenVillage,
            "该村未分配给当前用户",
        ));
    }
    let now_ms = state.clock.now_ms();
    let policy = state.rules.policy();
    let answer = state
        .db
        .read(move |conn| {
            let villages = villages_in_scope(conn, &caller, query.village, query.town)?;
            let store = Store::new(conn);
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let county = caller.role == Role::CountyAdmin;
            let mut problems = Vec::new();
            let mut moves = BTreeMap::new();
            for v in villages {
                for r in store.records_of(v, &[RecordKind::Problem])? {
                    let Some(p) = Problem::from_stored(&r) else {
                        continue;
                    };
                    let check = query.check.as_deref().filter(|c| !c.is_empty());
                    if check.is_some_and(|c| p.check != c)
                        || state_code.is_some_and(|s| p.state != s)
                    {
                        continue;
                    }
                    problems.push((p, r));
                }
            }
            problems.sort_by(|(a, _), (b, _)| (a.village_id, &a.key).cmp(&(b.village_id, &b.key)));
            let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
            let mut by_village: BTreeMap<Uuid, usize> = BTreeMap::new();
            let mut by_check: BTreeMap<String, usize> = BTreeMap::new();
            for (p, _) in &problems {
                *by_state.entry(p.state.code().to_owned()).or_default() += 1;
                *by_village.entry(p.village_id).or_default() += 1;
                *by_check.entry(p.check.clone()).or_default() += 1;
            }
            let total = problems.len();
            let page: Vec<Problem> = problems
                .into_iter()
                .skip(query.offset.unwrap_or(0))
                .take(query.limit.unwrap_or(usize::MAX))
                .map(|(p, r)| {
                    if county && p.is_open() {
                        moves.insert(p.id, county_moves(&r, &ctx));
                    }
                    p
                })
                .collect();
            Ok(ProblemList {
                protocol: PROTOCOL_VERSION,
                problems: page,
                total,
                by_state,
                by_village,
                by_check,
                moves,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// `POST /api/v1/problems` (county admin): raises a problem by hand on any record.
pub async fn raise_one(
    State(state): State<AppState>,
    caller: Caller,
    Wire(req): Wire<RaiseRequest>,
) -> Result<Json<ProblemAnswer>, AppError> {
    caller.require_admin()?;
    act(&state, caller, move |tx, ctx, actor| {
        let store = Store::new(tx);
        let record = store
            .record(req.record_id)?
            .ok_or_else(|| AppError::not_found("没有找到问题所涉的记录"))?;
        let records = crate::rules::bundle_of(tx, record)?;
        let problem_id = Uuid::new_v4();
        let edits = raise_by_hand(
            HandRaise {
                problem_id,
                record_id: req.record_id,
                path: req.path,
                text: req.text,
                verify: req.verify,
                severity: req.severity.unwrap_or(ProblemSeverity::Error),
            },
            &records,
            actor,
            ctx,
        )
        .map_err(refusal)?;
        Ok((problem_id, edits))
    })
    .await
}

/// `POST /api/v1/problems/{id}/send-back` (county admin): back to 待核实 with a reason.
pub async fn send_back_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Wire(req): Wire<SendBackRequest>,
) -> Result<Json<ProblemAnswer>, AppError> {
    caller.require_admin()?;
    let id = problem_id(&id)?;
    act(&state, caller, move |tx, ctx, actor| {
        let records = problem_record(tx, id)?;
        let edits = send_back(id, &records, req.reason, actor, ctx).map_err(refusal)?;
        Ok((id, edits))
    })
    .await
}

/// `POST /api/v1/problems/{id}/close` (county admin): 销号.
pub async fn close_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Wire(req): Wire<CloseRequest>,
) -> Result<Json<ProblemAnswer>, AppError> {
    caller.require_admin()?;
    let id = problem_id(&id)?;
    act(&state, caller, move |tx, ctx, actor| {
        let records = problem_record(tx, id)?;
        let edits = close(id, &records, req.kind, req.note, actor, ctx).map_err(refusal)?;
        Ok((id, edits))
    })
    .await
}

/// Largest province file taken (a county's comparison results are a few thousand rows).
pub const MAX_PROVINCE_FILE: usize = 8 * 1024 * 1024;

/// `POST /api/v1/admin/province-file` (county admin): the province's comparison file
/// (比对结果) as the raw bytes of an xlsx workbook or a CSV file (UTF-8 or GBK); every
/// matched row raises a problem on the member, every unmatched row is answered back.
pub async fn import_province_file(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ProvinceImport>, AppError> {
    caller.require_admin()?;
    let bytes = body.map_err(|r| body_error(r.status()))?;
    let rows = jiandang_export::province::read_rows(&bytes)
        .map_err(|e| AppError::bad_request(format!("无法读取比对文件：{e}")))?;
    let now_ms = state.clock.now_ms();
    let today = state.clock.today_beijing();
    let policy = state.rules.policy();
    let answer = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let records = county_records(&tx)?;
            let none = BTreeSet::new();
            let register = register(&records, &ctx, Judge::Only(&none));
            let index = IdIndex::of_register(&register);
            let matching = match_rows(&rows, &register, &index);
            let import_id = Uuid::new_v4();
            let edits = raise(
                &rows,
                &matching,
                &register.problems,
                import_id,
                &ctx,
                &mut Uuid::new_v4,
            );
            let push = push_of(&caller, now_ms, today, &ctx);
            store_edits(&tx, &push, &edits)?;
            tx.commit()?;
            let matched_rows: BTreeSet<u32> = matching.matched.iter().map(|m| m.line).collect();
            Ok(ProvinceImport {
                protocol: PROTOCOL_VERSION,
                import_id,
                rows: rows.len(),
                matched_rows: matched_rows.len(),
                raised: edits.len(),
                unmatched: matching.unmatched,
            })
        })
        .await?;
    Ok(Json(answer))
}

/// A county action on one problem: `decide` gives the problem's id and the domain's edits,
/// stored through the apply path in the request's transaction; answers the problem as
/// stored after.
async fn act<F>(
    state: &AppState,
    caller: Caller,
    decide: F,
) -> Result<Json<ProblemAnswer>, AppError>
where
    F: FnOnce(&Connection, &Context<'_>, Actor) -> Result<(Uuid, Vec<Edit>), AppError>
        + Send
        + 'static,
{
    let now_ms = state.clock.now_ms();
    let today = state.clock.today_beijing();
    let policy = state.rules.policy();
    let problem = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
            let actor = Actor {
                user: caller.user_id,
                role: ProblemRole::County,
            };
            let (id, edits) = decide(&tx, &ctx, actor)?;
            let push = push_of(&caller, now_ms, today, &ctx);
            store_edits(&tx, &push, &edits)?;
            let problem = Store::new(&tx)
                .record(id)?
                .as_ref()
                .and_then(Problem::from_stored)
                .ok_or_else(|| AppError::internal("the problem did not read after its change"))?;
            tx.commit()?;
            Ok(problem)
        })
        .await?;
    Ok(Json(ProblemAnswer {
        protocol: PROTOCOL_VERSION,
        problem,
    }))
}

fn push_of<'a>(
    caller: &'a Caller,
    now_ms: i64,
    today: jiandang_domain::Date,
    ctx: &'a Context<'a>,
) -> Push<'a> {
    Push {
        caller,
        set_id: Uuid::new_v4(),
        now_ms,
        today,
        ctx,
    }
}

/// Stores a domain action's edits through the apply path as the caller's changes (a new
/// record's every non-null leaf, a set's fields), in the caller's transaction: any change
/// refused fails the whole (the caller rolls back).
pub fn store_edits(conn: &Connection, push: &Push<'_>, edits: &[Edit]) -> Result<(), AppError> {
    if edits.is_empty() {
        return Ok(());
    }
    let store = Store::new(conn);
    let mut changes: Vec<Change> = Vec::new();
    for edit in edits {
        match edit {
            Edit::Create {
                kind,
                id,
                village_id,
                doc,
            } => {
                for (field, value) in flatten(doc).into_iter().filter(|(_, v)| !v.is_null()) {
                    changes.push(server_change(
                        &store,
                        *id,
                        *kind,
                        *village_id,
                        field,
                        value,
                        push.now_ms,
                    )?);
                }
            }
            Edit::Set { kind, id, fields } => {
                let village = store
                    .head(*id)?
                    .ok_or_else(|| AppError::not_found("没有找到要修改的记录"))?
                    .village_id;
                for (field, value) in fields {
                    changes.push(server_change(
                        &store,
                        *id,
                        *kind,
                        village,
                        field.clone(),
                        value.clone(),
                        push.now_ms,
                    )?);
                }
            }
        }
    }
    let applied = push.apply(conn, &changes)?;
    for result in &applied.results {
        match &result.outcome {
            Outcome::Accepted { .. } => {}
            Outcome::Refused { code, message } => {
                return Err(AppError::new(*code, message.clone()));
            }
            Outcome::Superseded { .. } => {
                return Err(AppError::internal("the server's own change was superseded"));
            }
        }
    }
    Ok(())
}

/// The problem record `id`, or 404.
fn problem_record(conn: &Connection, id: Uuid) -> Result<Vec<StoredRecord>, AppError> {
    match Store::new(conn).record(id)? {
        Some(r) if r.kind == RecordKind::Problem => Ok(vec![r]),
        _ => Err(AppError::not_found("没有这个问题")),
    }
}

fn problem_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::bad_request("问题编号格式不对"))
}

/// The villages a list covers: the caller's (the county admin: every village, and the
/// county's own problems under the nil village), narrowed to `village` and `town`.
fn villages_in_scope(
    conn: &Connection,
    caller: &Caller,
    village: Option<Uuid>,
    town: Option<Uuid>,
) -> Result<Vec<Uuid>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT id, town_id FROM villages ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let id = parse_uuid(&row.get::<_, String>(0)?)?;
        let in_town = town.is_none_or(|t| row.get::<_, String>(1).ok() == Some(t.to_string()));
        if caller.may_access(id) && in_town && village.is_none_or(|v| v == id) {
            out.push(id);
        }
    }
    if caller.role == Role::CountyAdmin && town.is_none() && village.is_none() {
        out.push(Uuid::nil());
    }
    Ok(out)
}

/// New problems and updated ones among a run's edits.
fn counts(edits: &[Edit]) -> (usize, usize) {
    let raised = edits
        .iter()
        .filter(|e| matches!(e, Edit::Create { .. }))
        .count();
    (raised, edits.len() - raised)
}

/// The domain's refusal of a county action: every reason in the message (`rule_refused`),
/// or `not_found` when the record or problem is missing.
fn refusal(reasons: Vec<Finding>) -> AppError {
    let missing = reasons.iter().any(|f| {
        matches!(
            f.code.as_str(),
            "problem.missing" | "problem.record_missing"
        )
    });
    let messages: Vec<String> = reasons.into_iter().map(|f| f.message).collect();
    let code = if missing {
        ErrorCode::NotFound
    } else {
        ErrorCode::RuleRefused
    };
    AppError::new(code, messages.join("；"))
}
