//! Exports over HTTP (county admin only for now): the official sheets as xlsx or CSV, the
//! door comparison sheet, the summary report as xlsx or printable HTML, for a village, a
//! town or the county.
//!
//! - `GET /api/v1/exports/{export}.{format}?village=…|town=…` answers with the file. The
//!   records are read in one read transaction (a consistent register version) on a reader
//!   connection; the workbook is written on the blocking pool, never on the async threads.
//! - `POST /api/v1/exports/jobs` starts the same export in the background and answers at
//!   once with a job; `GET /api/v1/exports/jobs/{id}` says how far it has got (households
//!   written of the total) and `GET /api/v1/exports/jobs/{id}/file` hands out the file. This
//!   is the progress indication for the county-wide exports (an xlsx is a zip written whole,
//!   so a streamed body could not show progress while it is built).
//!
//! Every export handed out is logged in `export_log` before its bytes leave (who, what, which
//! scope, the register's version). Jobs live in memory (they are minutes long at most and a
//! restarted server simply forgets them); they are the owner's only.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use jiandang_domain::{RecordKind, Timestamp};
use jiandang_export::{
    Export, ExportMeta, Format, Place, Places, Progress, Scope, StoredRecord, Town,
};
use jiandang_protocol::{
    ErrorCode, ExportJob, ExportJobRequest, ExportLog, ExportLogEntry, PROTOCOL_VERSION, Role,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::extract::Wire;
use crate::storage::Store;

/// `?village=` or `?town=`; neither: the county.
#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    pub village: Option<String>,
    pub town: Option<String>,
}

/// `GET /api/v1/exports/{file}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(q): Query<ScopeQuery>,
) -> Result<Response, AppError> {
    let (export, format) = parse_file(&file)?;
    let scope = parse_scope(q.village.as_deref(), q.town.as_deref())?;
    let made = make(&state, &caller, export, format, scope, Arc::new(|_| {})).await?;
    Ok(file_response(made))
}

/// `POST /api/v1/exports/jobs`.
pub async fn start_job(
    State(state): State<AppState>,
    caller: Caller,
    Wire(req): Wire<ExportJobRequest>,
) -> Result<(StatusCode, Json<ExportJob>), AppError> {
    let (export, format) = parse_file(&format!("{}.{}", req.export, req.format))?;
    let scope = match (req.village, req.town) {
        (Some(v), None) => Scope::Village(v),
        (None, Some(t)) => Scope::Town(t),
        (None, None) => Scope::County,
        (Some(_), Some(_)) => return Err(AppError::bad_request("village 和 town 只能给一个")),
    };
    // Refuse before starting: the job's answer would otherwise hide a 403 behind a 202.
    check_caller(&state, &caller, scope).await?;
    let id = Uuid::new_v4();
    let job = Arc::new(Mutex::new(Job {
        owner: caller.user_id,
        created_ms: state.clock.now_ms(),
        done: 0,
        total: 0,
        outcome: None,
    }));
    {
        let mut jobs = JOBS
            .lock()
            .map_err(|_| AppError::internal("export jobs poisoned"))?;
        let now = state.clock.now_ms();
        jobs.retain(|_, j| j.lock().is_ok_and(|j| now - j.created_ms < JOB_TTL_MS));
        let running = jobs
            .values()
            .filter(|j| {
                j.lock()
                    .is_ok_and(|j| j.owner == caller.user_id && j.outcome.is_none())
            })
            .count();
        if running >= MAX_RUNNING_PER_USER {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "已有导出任务在进行，请等它完成后再导出",
            ));
        }
        jobs.insert(id, job.clone());
    }
    let progress_job = job.clone();
    let progress: Arc<dyn Fn(Progress) + Send + Sync> = Arc::new(move |p: Progress| {
        if let Ok(mut j) = progress_job.lock() {
            j.done = p.done;
            j.total = p.total;
        }
    });
    tokio::spawn(async move {
        let result = make(&state, &caller, export, format, scope, progress).await;
        if let Ok(mut j) = job.lock() {
            if let Ok(made) = &result {
                j.done = made.households;
                j.total = made.households;
            }
            j.outcome = Some(result.map_err(|e| JobError {
                code: e.code,
                message: e.message,
            }));
        }
    });
    Ok((StatusCode::ACCEPTED, Json(job_view(id, &JOBS_VIEW_PENDING))))
}

/// `GET /api/v1/exports/jobs/{id}`.
pub async fn job(
    State(_state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ExportJob>, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("导出任务编号格式不对"))?;
    with_job(&caller, id, |j| Ok(Json(job_view(id, &JobView::of(j)))))
}

/// `GET /api/v1/exports/jobs/{id}/file`.
pub async fn job_file(
    State(_state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("导出任务编号格式不对"))?;
    with_job(&caller, id, |j| match &j.outcome {
        Some(Ok(made)) => Ok(file_response(made.clone())),
        Some(Err(e)) => Err(AppError::new(e.code, e.message.clone())),
        None => Err(AppError::new(
            ErrorCode::Conflict,
            "导出尚未完成，请稍后再取",
        )),
    })
}

/// How many entries `GET /api/v1/admin/exports` answers with.
const LOG_PAGE: i64 = 1000;

/// `GET /api/v1/admin/exports`: the export audit trail, newest first (county admin).
pub async fn log(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ExportLog>, AppError> {
    caller.require_admin()?;
    let entries = state
        .db
        .read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT l.id, l.user_id, u.username, l.device_id, l.via, l.export, l.format,
                        l.scope, l.scope_id, l.version_seq, l.households, l.bytes, l.created_ms
                 FROM export_log l LEFT JOIN users u ON u.id = l.user_id
                 ORDER BY l.id DESC LIMIT ?1",
            )?;
            let mut rows = stmt.query([LOG_PAGE])?;
            let mut out = Vec::new();
            let uuid = |s: Option<String>| s.map(|s| parse_uuid(&s)).transpose();
            while let Some(r) = rows.next()? {
                out.push(ExportLogEntry {
                    id: r.get(0)?,
                    user_id: uuid(r.get(1)?)?,
                    username: r.get(2)?,
                    device_id: uuid(r.get(3)?)?,
                    via: r.get(4)?,
                    export: r.get(5)?,
                    format: r.get(6)?,
                    scope: r.get(7)?,
                    scope_id: uuid(r.get(8)?)?,
                    version_seq: r.get(9)?,
                    households: r.get(10)?,
                    bytes: r.get(11)?,
                    created_ms: r.get(12)?,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(ExportLog {
        protocol: PROTOCOL_VERSION,
        entries,
    }))
}

/// Who may export what. Exports hold every name, ID number and phone of their scope: the
/// county admin may export any scope; a town officer a village of its towns or one of its
/// towns (its villages are exactly its towns' villages); nobody else anything.
pub fn may_export(caller: &Caller, scope: Scope, places: &Places) -> Result<(), AppError> {
    match (caller.role, scope) {
        (Role::CountyAdmin, _) => Ok(()),
        (Role::TownOfficer, Scope::Village(v)) if caller.villages.contains(&v) => Ok(()),
        (Role::TownOfficer, Scope::Town(t)) => {
            let villages = places.villages_in(Scope::Town(t));
            if !villages.is_empty() && villages.iter().all(|v| caller.villages.contains(&v.id)) {
                Ok(())
            } else {
                Err(AppError::forbidden())
            }
        }
        _ => Err(AppError::forbidden()),
    }
}

/// [`may_export`] over the county's places as they stand.
async fn check_caller(state: &AppState, caller: &Caller, scope: Scope) -> Result<(), AppError> {
    if caller.role == Role::CountyAdmin {
        return Ok(());
    }
    let places = state.db.read(|conn| places(conn)).await?;
    may_export(caller, scope, &places)
}

/// The towns and villages, every record of `scope` and the register's version, read in one
/// transaction so the version is the one the records are at.
pub fn load(
    conn: &mut Connection,
    scope: Scope,
) -> Result<(Places, Vec<StoredRecord>, i64), AppError> {
    let tx = conn.transaction()?;
    let places = places(&tx)?;
    match scope {
        Scope::County => {}
        Scope::Town(t) if places.town(t).is_some() => {}
        Scope::Village(v) if places.village(v).is_some() => {}
        Scope::Town(_) => return Err(AppError::not_found("没有这个乡镇")),
        Scope::Village(_) => return Err(AppError::not_found("没有这个村")),
    }
    let store = Store::new(&tx);
    let version = i64::try_from(store.max_seq()?).unwrap_or(i64::MAX);
    let mut records = Vec::new();
    for village in places.villages_in(scope) {
        records.extend(
            store
                .records_of(village.id, REGISTER_KINDS)?
                .into_iter()
                .map(|r| StoredRecord {
                    id: r.id,
                    kind: r.kind,
                    village_id: r.village_id,
                    doc: r.doc,
                }),
        );
    }
    tx.finish()?;
    Ok((places, records, version))
}

/// The kinds of record a register holds: every kind but photos and GPS fixes; the problem
/// list with them.
const REGISTER_KINDS: &[RecordKind] = &[
    RecordKind::Household,
    RecordKind::Member,
    RecordKind::MemberChange,
    RecordKind::Village,
    RecordKind::NaturalVillage,
    RecordKind::HelpUnit,
    RecordKind::Helper,
    RecordKind::WorkTeamMember,
    RecordKind::HouseholdExitMeasures,
    RecordKind::VillageExitMeasures,
    RecordKind::Procedure,
    RecordKind::ExitProcedure,
    RecordKind::Visit,
    RecordKind::SpotCheck,
    RecordKind::ScreenedHousehold,
    RecordKind::VillageScreening,
    RecordKind::Problem,
];

/// Logs an export in the audit trail.
#[allow(clippy::too_many_arguments)]
pub fn log_export(
    conn: &Connection,
    by: Option<(Uuid, Uuid)>,
    export: &str,
    format: Format,
    scope: Scope,
    version: i64,
    households: u64,
    bytes: usize,
    now_ms: i64,
) -> Result<(), AppError> {
    let (scope_kind, scope_id) = match scope {
        Scope::County => ("county", None),
        Scope::Town(t) => ("town", Some(t.to_string())),
        Scope::Village(v) => ("village", Some(v.to_string())),
    };
    conn.prepare_cached(
        "INSERT INTO export_log (user_id, device_id, via, export, format, scope, scope_id,
             version_seq, households, bytes, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        by.map(|(u, _)| u.to_string()),
        by.map(|(_, d)| d.to_string()),
        if by.is_some() { "api" } else { "cli" },
        export,
        format.extension(),
        scope_kind,
        scope_id,
        version,
        households as i64,
        bytes as i64,
        now_ms
    ])?;
    Ok(())
}

/// `households.xlsx` → (households, xlsx), checked to go together.
pub fn parse_file(file: &str) -> Result<(Export, Format), AppError> {
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| AppError::not_found("没有这种导出"))?;
    let export = Export::parse(name).ok_or_else(|| AppError::not_found("没有这种导出"))?;
    let format = Format::parse(ext).ok_or_else(|| AppError::not_found("没有这种导出格式"))?;
    if !export.supports(format) {
        return Err(AppError::not_found(format!(
            "“{}”不能导出为 {}",
            export.title_zh(),
            format.extension()
        )));
    }
    Ok((export, format))
}

fn parse_scope(village: Option<&str>, town: Option<&str>) -> Result<Scope, AppError> {
    let id = |s: &str| Uuid::parse_str(s).map_err(|_| AppError::bad_request("编号格式不对"));
    match (village, town) {
        (Some(v), None) => Ok(Scope::Village(id(v)?)),
        (None, Some(t)) => Ok(Scope::Town(id(t)?)),
        (None, None) => Ok(Scope::County),
        (Some(_), Some(_)) => Err(AppError::bad_request("village 和 town 只能给一个")),
    }
}

/// A finished export.
#[derive(Debug, Clone)]
pub struct Made {
    pub bytes: Arc<Vec<u8>>,
    pub file_name: String,
    pub format: Format,
    pub households: u64,
}

/// An export's error, kept for the job's answer.
#[derive(Debug, Clone)]
struct JobError {
    code: ErrorCode,
    message: String,
}

struct Job {
    owner: Uuid,
    created_ms: i64,
    done: u64,
    total: u64,
    outcome: Option<Result<Made, JobError>>,
}

/// Jobs are kept this long after they start.
const JOB_TTL_MS: i64 = 30 * 60 * 1000;
/// One running export per user: the county-wide workbook takes a core for seconds.
const MAX_RUNNING_PER_USER: usize = 1;

/// The running and finished jobs. A process-wide map rather than a field of [`AppState`]:
/// jobs are transient, die with the process, and the state stays what every other module
/// shares.
static JOBS: LazyLock<Mutex<HashMap<Uuid, Arc<Mutex<Job>>>>> = LazyLock::new(Mutex::default);

struct JobView {
    state: &'static str,
    done: u64,
    total: u64,
    file_name: Option<String>,
    error: Option<JobError>,
}

const JOBS_VIEW_PENDING: JobView = JobView {
    state: "running",
    done: 0,
    total: 0,
    file_name: None,
    error: None,
};

impl JobView {
    fn of(j: &Job) -> JobView {
        match &j.outcome {
            None => JobView {
                state: "running",
                done: j.done,
                total: j.total,
                file_name: None,
                error: None,
            },
            Some(Ok(made)) => JobView {
                state: "done",
                done: j.done,
                total: j.total,
                file_name: Some(made.file_name.clone()),
                error: None,
            },
            Some(Err(e)) => JobView {
                state: "failed",
                done: j.done,
                total: j.total,
                file_name: None,
                error: Some(e.clone()),
            },
        }
    }
}

fn job_view(id: Uuid, v: &JobView) -> ExportJob {
    ExportJob {
        protocol: PROTOCOL_VERSION,
        id,
        state: v.state.to_owned(),
        done: v.done,
        total: v.total,
        file_name: v.file_name.clone(),
        error_code: v.error.as_ref().map(|e| e.code.as_str().to_owned()),
        error_message: v.error.as_ref().map(|e| e.message.clone()),
    }
}

fn with_job<R>(
    caller: &Caller,
    id: Uuid,
    f: impl FnOnce(&Job) -> Result<R, AppError>,
) -> Result<R, AppError> {
    // A job exists only if its owner was allowed to start it; only the owner sees it.
    let job = JOBS
        .lock()
        .map_err(|_| AppError::internal("export jobs poisoned"))?
        .get(&id)
        .cloned();
    let job = job.ok_or_else(|| AppError::not_found("没有这个导出任务"))?;
    let j = job
        .lock()
        .map_err(|_| AppError::internal("export job poisoned"))?;
    if j.owner != caller.user_id {
        // Same answer as for no such job: another user's jobs are not to be probed.
        return Err(AppError::not_found("没有这个导出任务"));
    }
    f(&j)
}

/// Checks the caller, reads the register, writes the file off the async threads and logs
/// the export.
async fn make(
    state: &AppState,
    caller: &Caller,
    export: Export,
    format: Format,
    scope: Scope,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Made, AppError> {
    check_caller(state, caller, scope).await?;
    if !export.allows(scope) {
        return Err(AppError::bad_request("对照表须按村导出（给出 village）"));
    }
    if (export, format) == (Export::Summary, Format::Html) {
        return summary_page(state, caller, scope).await;
    }
    let user = caller.user_id;
    let (places, records, version, for_whom) = state
        .db
        .read(move |conn| {
            let (places, records, version) = load(conn, scope)?;
            let who: Option<(String, String)> = conn
                .prepare_cached("SELECT display_name, username FROM users WHERE id = ?1")?
                .query_row([user.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let for_whom = who.map_or_else(|| user.to_string(), |(d, u)| format!("{d}（{u}）"));
            Ok((places, records, version, for_whom))
        })
        .await?;
    let meta = ExportMeta {
        for_whom,
        generated_at: Timestamp::from_millis(state.clock.now_ms()),
        version,
        year: state.rules.policy().year,
    };
    let written = tokio::task::spawn_blocking(move || {
        let register = jiandang_export::assemble(&places, scope, records);
        let households = register.households.len() as u64;
        let bytes = jiandang_export::write(export, format, &register, &meta, &*progress)?;
        let file_name = jiandang_export::file_name(export, format, &register, &meta);
        Ok::<_, jiandang_export::ExportError>((bytes, file_name, households))
    })
    .await
    .map_err(|e| AppError::internal(format!("export task: {e}")))?;
    let (bytes, file_name, households) =
        written.map_err(|e| AppError::internal(format!("export {} failed: {}", e.code(), e)))?;
    let by = (caller.user_id, caller.device_id);
    let size = bytes.len();
    let now = state.clock.now_ms();
    state
        .db
        .call(move |conn| {
            log_export(
                conn,
                Some(by),
                export.as_str(),
                format,
                scope,
                version,
                households,
                size,
                now,
            )
        })
        .await?;
    tracing::info!(
        user = %caller.user_id,
        export = export.as_str(),
        format = format.extension(),
        households,
        bytes = size,
        "export handed out"
    );
    Ok(Made {
        bytes: Arc::new(bytes),
        file_name,
        format,
        households,
    })
}

/// The summary page (`summary.html`, the dashboard's 总结) from the villages' tallies the
/// dashboard keeps by each village's change sequence (`dashboard::tally_of`): no record is
/// decoded for a village that has not changed since its tally was made.
async fn summary_page(state: &AppState, caller: &Caller, scope: Scope) -> Result<Made, AppError> {
    let user = caller.user_id;
    let cache = state.overview.clone();
    let policy = state.rules.policy();
    let (places, tally, version, for_whom) = state
        .db
        .read(move |conn| {
            let places = places(conn)?;
            match scope {
                Scope::County => {}
                Scope::Town(t) if places.town(t).is_some() => {}
                Scope::Village(v) if places.village(v).is_some() => {}
                Scope::Town(_) => return Err(AppError::not_found("没有这个乡镇")),
                Scope::Village(_) => return Err(AppError::not_found("没有这个村")),
            }
            // The version first: a change landing while the tallies are read is then
            // counted or not, never claimed by an older version number.
            let version = i64::try_from(Store::new(conn).max_seq()?).unwrap_or(i64::MAX);
            let ids: Vec<Uuid> = places.villages_in(scope).iter().map(|v| v.id).collect();
            let tally = crate::dashboard::tally_of(conn, &cache, &policy, &ids)?;
            let who: Option<(String, String)> = conn
                .prepare_cached("SELECT display_name, username FROM users WHERE id = ?1")?
                .query_row([user.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let for_whom = who.map_or_else(|| user.to_string(), |(d, u)| format!("{d}（{u}）"));
            Ok((places, tally, version, for_whom))
        })
        .await?;
    let meta = ExportMeta {
        for_whom,
        generated_at: Timestamp::from_millis(state.clock.now_ms()),
        version,
        year: state.rules.policy().year,
    };
    let summary = jiandang_export::summary::Summary::from_tally(&tally, &places, scope, meta.year);
    let scope_name = places.scope_name(scope);
    let bytes = jiandang_export::summary::html(&summary, &scope_name, &meta).into_bytes();
    let file_name = format!("summary-{scope_name}-{}.html", meta.year);
    let households = tally.households as u64;
    let by = (caller.user_id, caller.device_id);
    let size = bytes.len();
    let now = state.clock.now_ms();
    state
        .db
        .call(move |conn| {
            log_export(
                conn,
                Some(by),
                Export::Summary.as_str(),
                Format::Html,
                scope,
                version,
                households,
                size,
                now,
            )
        })
        .await?;
    Ok(Made {
        bytes: Arc::new(bytes),
        file_name,
        format: Format::Html,
        households,
    })
}

/// The file as an answer: its type, its name (UTF-8 and an ASCII fallback), never cached.
pub fn file_response(made: Made) -> Response {
    let disposition = if made.format == Format::Html {
        "inline"
    } else {
        "attachment"
    };
    // An ASCII fallback name for old clients, and the UTF-8 name (with the place's Chinese
    // name) per RFC 6266 / 5987.
    let ascii: String = made
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let value = format!(
        "{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(&made.file_name)
    );
    let bytes = Arc::try_unwrap(made.bytes).unwrap_or_else(|shared| (*shared).clone());
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(made.format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // Personal data: no cache keeps a copy.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The county's towns and villages with their names.
pub fn places(conn: &Connection) -> Result<Places, AppError> {
    let mut towns = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT id, name FROM towns ORDER BY name, id")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, name) = row?;
        towns.push(Town {
            id: parse_uuid(&id)?,
            name,
        });
    }
    let mut villages = Vec::new();
    let mut stmt =
        conn.prepare_cached("SELECT id, town_id, name FROM villages ORDER BY name, id")?;
    for row in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })? {
        let (id, town, name) = row?;
        villages.push(Place {
            id: parse_uuid(&id)?,
            town_id: parse_uuid(&town)?,
            name,
        });
    }
    Ok(Places { towns, villages })
}
