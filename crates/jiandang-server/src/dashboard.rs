//! The county dashboard's own read endpoints (a signed-in browser only, scoped to the
//! caller's villages): the year's progress per village, the household search, a household's
//! whole file, the GPS points of the map, and the form bundle the screens render records with.
//!
//! Figures come from the domain, never from SQL on the records' JSON codes: each village's
//! records are assembled into household bundles by `jiandang_domain::judge::household_bundles`,
//! a household's state is `lifecycle::HouseholdState`, "visited this year" is
//! `Household::visited_this_year`, and new identifications and returns are counted as the
//! year's summary counts them (`jiandang_export::summary`). Assembling a village takes a
//! while, so each village's index is kept in memory ([`Cache`]) and made again only when the
//! village's change log has moved on. The index also holds the village's tally for the
//! year's summary, so the 总结 page adds villages up instead of decoding the county.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use geo_types::Point;
use jiandang_domain::catalog;
use jiandang_domain::codes::village::ChangeDirection;
use jiandang_domain::form::{FieldDef, FormBundle, Widget};
use jiandang_domain::geo::{GpsFix, distance_m};
use jiandang_domain::lifecycle::HouseholdState;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules::gps::MAX_DISTANCE_FROM_VILLAGE_M;
use jiandang_domain::{Date, RecordKind, StoredRecord};
use jiandang_export::register::HouseholdEntry;
use jiandang_export::summary::{Tally, identified_in, returned_in};
use jiandang_protocol::{
    DayActivity, FileRecord, HouseholdFile, HouseholdPage, HouseholdRow, MapPoint, MapPoints,
    PROTOCOL_VERSION, Progress, VillageProgress,
};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, parse_uuid};
use crate::error::AppError;
use crate::session::{sees_id_numbers, state_code};
use crate::storage::{LinkField, Store};

/// Each village's index, made from its records as of a version of its change log.
#[derive(Default)]
pub struct Cache {
    villages: Mutex<HashMap<Uuid, Arc<VillageIndex>>>,
    /// Held while a village is assembled, so that a page asked for during the warm-up waits
    /// for it rather than assembling the same villages a second time beside it.
    building: Mutex<()>,
}

/// One village, assembled.
struct VillageIndex {
    /// The village's highest accepted change when it was made.
    version: i64,
    progress: VillageProgress,
    households: Vec<Indexed>,
    /// Accepted changes received per Beijing day (days since the epoch).
    changes_by_day: BTreeMap<i64, u64>,
    /// What the year's summary (工作总结) counts in this village.
    tally: Tally,
}

/// A household as the search finds it.
struct Indexed {
    row: HouseholdRow,
    /// Every member's name and ID number (present or not): a search finds a household by any.
    names: Vec<String>,
    id_numbers: Vec<String>,
    /// 入户核实日期 and the day of the exit, for the progress chart.
    visited_on: Option<Date>,
}

/// `GET /api/v1/forms`: every form definition and code list (the bundle the app renders
/// too), for showing records with their official labels.
pub async fn forms(_caller: Caller) -> Json<FormBundle> {
    Json(catalog::bundle())
}

/// `GET /api/v1/dashboard/progress`.
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Progress>, AppError> {
    caller.require_dashboard()?;
    let today = state.clock.today_beijing();
    let villages = indexes(&state, &caller).await?;
    let ids: Vec<Uuid> = villages.iter().map(|(id, _)| *id).collect();
    let phases = crate::admin::wire_phases(&state.rules.policy());
    let devices = state
        .db
        .read(move |conn| {
            let devices = devices_by_village(conn, &ids)?;
            Ok(devices)
        })
        .await?;
    let phase = phases
        .iter()
        .find(|p| p.starts <= today && today <= p.ends)
        .cloned();
    let days_left = phase
        .as_ref()
        .map(|p| p.ends.days_since_epoch() - today.days_since_epoch() + 1);
    // The chart runs from the first phase that takes writes (field work) to today, or to the
    // end of the last such phase when today is past it.
    let writes: Vec<_> = phases.iter().filter(|p| p.writes_open).collect();
    let first = writes.iter().map(|p| p.starts).min().unwrap_or(today);
    let last = writes
        .iter()
        .map(|p| p.ends)
        .max()
        .unwrap_or(today)
        .min(today)
        .max(first);
    let mut visits: BTreeMap<Date, u64> = BTreeMap::new();
    let mut changes: BTreeMap<i64, u64> = BTreeMap::new();
    for (_, index) in &villages {
        for h in &index.households {
            if let Some(d) = h.visited_on {
                *visits.entry(d.max(first)).or_default() += 1;
            }
        }
        for (day, n) in &index.changes_by_day {
            *changes.entry(*day).or_default() += n;
        }
    }
    let mut days = Vec::new();
    let mut day = first;
    while day <= last && days.len() < 400 {
        days.push(DayActivity {
            date: day,
            changes: changes.get(&day.days_since_epoch()).copied().unwrap_or(0),
            visits: visits.get(&day).copied().unwrap_or(0),
        });
        day = day.add_days(1);
    }
    let village_rows = villages
        .iter()
        .map(|(id, index)| {
            let mut p = index.progress.clone();
            if let Some((count, seen)) = devices.get(id) {
                p.devices = *count;
                p.last_seen_ms = *seen;
            }
            p
        })
        .collect();
    Ok(Json(Progress {
        protocol: PROTOCOL_VERSION,
        year: state.rules.policy().year,
        today,
        phase,
        days_left,
        phases,
        villages: village_rows,
        days,
    }))
}

/// The query of the household search.
#[derive(Debug, Default, Deserialize)]
pub struct HouseholdQuery {
    /// A name, an ID number (or its end) or a 户编号.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub village: Option<Uuid>,
    /// A lifecycle state: `registered`, `pre_exit`, `exited`, `returned`, `candidate`,
    /// `closed`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub offset: Option<usize>,
    #[serde(default)]
    pub limit: Option<usize>,
}

/// Most rows one search answers.
const MAX_ROWS: usize = 200;

/// `GET /api/v1/dashboard/households`.
pub async fn households(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<HouseholdQuery>, QueryRejection>,
) -> Result<Json<HouseholdPage>, AppError> {
    caller.require_dashboard()?;
    let Query(query) = query.map_err(|_| AppError::bad_request("查询条件格式不对"))?;
    if let Some(v) = query.village
        && !caller.may_access(v)
    {
        return Err(AppError::new(
            jiandang_protocol::ErrorCode::ForbiddenVillage,
            "该村不在您的管辖范围内",
        ));
    }
    let villages = indexes(&state, &caller).await?;
    let needle = query.q.as_deref().map(str::trim).unwrap_or("").to_owned();
    let unmasked = sees_id_numbers(caller.role);
    let mut found = Vec::new();
    for (id, index) in &villages {
        if query.village.is_some_and(|v| v != *id) {
            continue;
        }
        for h in &index.households {
            if query.state.as_deref().is_some_and(|s| s != h.row.state) {
                continue;
            }
            if !needle.is_empty() && !matches(h, &needle, unmasked) {
                continue;
            }
            found.push(h);
        }
    }
    let total = found.len() as u64;
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(50).min(MAX_ROWS);
    let rows = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|h| {
            let mut row = h.row.clone();
            if !unmasked {
                row.head_id_number = row.head_id_number.as_deref().map(mask_id_number);
            }
            row
        })
        .collect();
    Ok(Json(HouseholdPage {
        protocol: PROTOCOL_VERSION,
        total,
        rows,
    }))
}

/// Whether a household matches the search text: a member's name (part of it), a 户编号, or
/// an ID number. A caller who sees ID numbers masked finds by the whole number only, so that
/// the search cannot be used to read one digit by digit.
fn matches(h: &Indexed, needle: &str, unmasked: bool) -> bool {
    if h.names.iter().any(|n| n.contains(needle)) {
        return true;
    }
    if h.row.number.as_deref() == Some(needle) {
        return true;
    }
    let needle = needle.to_uppercase();
    h.id_numbers.iter().any(|n| {
        let n = n.to_uppercase();
        if unmasked {
            needle.len() >= 4 && n.contains(&needle)
        } else {
            n == needle
        }
    })
}

/// `GET /api/v1/dashboard/households/{id}`: the household's records (members, member
/// changes, procedures, exit measures and procedures, door visits, GPS fixes, photos) with
/// their findings. Another village's household answers as if it did not exist.
pub async fn household(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<HouseholdFile>, AppError> {
    caller.require_dashboard()?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("户编号格式不对"))?;
    let year = state.rules.policy().year;
    let unmasked = sees_id_numbers(caller.role);
    let file = state
        .db
        .read(move |conn| {
            let store = Store::new(conn);
            let not_found = || AppError::not_found("没有这一户");
            let village = store
                .head(id)?
                .filter(|h| h.kind == Some(RecordKind::Household))
                .ok_or_else(not_found)?
                .village_id;
            if !caller.may_access(village) {
                return Err(not_found());
            }
            let records = household_records(&store, id, village)?;
            let bundle = jiandang_domain::judge::household_bundle(id, &records);
            let state = bundle
                .as_ref()
                .map(|b| HouseholdState::at(&b.household, year));
            let head_name = bundle.and_then(|bundle| {
                let entry = HouseholdEntry {
                    town_name: String::new(),
                    village_name: String::new(),
                    bundle,
                };
                entry.head().map(|m| m.name.clone())
            });
            let masks = id_number_paths();
            let mut out = Vec::new();
            for r in &records {
                // Its own findings, and on the household's record its bundle's.
                let findings: Option<(String, String)> = conn
                    .prepare_cached(
                        "SELECT findings, bundle_findings FROM findings WHERE record_id = ?1",
                    )?
                    .query_row([r.id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let findings = match findings {
                    Some((own, bundle)) => {
                        let mut all: Vec<Value> = serde_json::from_str(&own)?;
                        all.extend(serde_json::from_str::<Vec<Value>>(&bundle)?);
                        Value::Array(all)
                    }
                    None => Value::Array(Vec::new()),
                };
                let mut fields = serde_json::Map::new();
                for (path, value) in jiandang_protocol::flatten(&r.doc) {
                    let value = if unmasked {
                        value
                    } else {
                        masked(&masks, r.kind, &path, value)
                    };
                    fields.insert(path, value);
                }
                out.push(FileRecord {
                    id: r.id,
                    kind: r.kind.as_str().to_owned(),
                    fields,
                    findings,
                });
            }
            Ok(HouseholdFile {
                protocol: PROTOCOL_VERSION,
                id,
                village_id: village,
                head_name,
                state: state.map_or_else(|| "unreadable".to_owned(), state_code),
                state_zh: state.map_or("无法读取", HouseholdState::zh).to_owned(),
                records: out,
            })
        })
        .await?;
    Ok(Json(file))
}

/// The query of the map: one village, one town, or neither (every village of the caller).
#[derive(Debug, Default, Deserialize)]
pub struct MapQuery {
    #[serde(default)]
    pub village: Option<Uuid>,
    #[serde(default)]
    pub town: Option<Uuid>,
}

/// `GET /api/v1/dashboard/map`: the latest GPS fix of each household, WGS-84 as stored, with
/// its distance from the village's centre.
pub async fn map(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Json<MapPoints>, AppError> {
    caller.require_dashboard()?;
    let Query(query) = query.map_err(|_| AppError::bad_request("查询条件格式不对"))?;
    if let Some(v) = query.village
        && !caller.may_access(v)
    {
        return Err(AppError::new(
            jiandang_protocol::ErrorCode::ForbiddenVillage,
            "该村不在您的管辖范围内",
        ));
    }
    let places = state
        .db
        .read({
            let caller = caller.clone();
            move |conn| crate::session::places_of(conn, caller.user_id, caller.role)
        })
        .await?;
    let villages: Vec<_> = places
        .into_iter()
        .filter(|p| query.village.is_none_or(|v| v == p.id))
        .filter(|p| query.town.is_none_or(|t| t == p.town_id))
        .collect();
    if query.town.is_some() && villages.is_empty() {
        return Err(AppError::not_found("没有这个乡镇，或它不在您的管辖范围内"));
    }
    let indexes = indexes(&state, &caller).await?;
    let heads: HashMap<Uuid, Option<String>> = indexes
        .iter()
        .flat_map(|(_, i)| i.households.iter())
        .map(|h| (h.row.id, h.row.head_name.clone()))
        .collect();
    let points = state
        .db
        .read(move |conn| {
            let store = Store::new(conn);
            let mut out = Vec::new();
            for v in &villages {
                let centre = v.lon.zip(v.lat).map(|(x, y)| Point::new(x, y));
                // The latest fix of each household of the village.
                let mut latest: BTreeMap<Uuid, GpsFix> = BTreeMap::new();
                for record in store.records_of(v.id, &[RecordKind::GpsFix])? {
                    let Ok(fix) = serde_json::from_value::<GpsFix>(record.doc) else {
                        continue;
                    };
                    // A fix of the village itself, or of a household that does not read: the
                    // map shows the households of the index.
                    if !heads.contains_key(&fix.subject_id) {
                        continue;
                    }
                    match latest.get(&fix.subject_id) {
                        Some(old) if old.taken_at >= fix.taken_at => {}
                        _ => {
                            latest.insert(fix.subject_id, fix);
                        }
                    }
                }
                for (household, fix) in latest {
                    let distance = centre.map(|c| distance_m(c, fix.point));
                    out.push(MapPoint {
                        household_id: household,
                        village_id: v.id,
                        lon: fix.point.x(),
                        lat: fix.point.y(),
                        accuracy_m: Some(fix.accuracy_m),
                        distance_m: distance.map(|d| d.round()),
                        far: distance.is_some_and(|d| d > MAX_DISTANCE_FROM_VILLAGE_M),
                        head_name: heads.get(&household).cloned().flatten(),
                    });
                }
            }
            Ok(out)
        })
        .await?;
    Ok(Json(MapPoints {
        protocol: PROTOCOL_VERSION,
        far_m: MAX_DISTANCE_FROM_VILLAGE_M,
        points,
    }))
}

/// Masks an ID number for a caller who may not read it whole: the first six characters
/// (the region) and the last four stay (`411423********123X`).
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// A logged change's value as a caller who does not see ID numbers may read it: masked when
/// its field (of a record of `kind`) is an ID number or a list with ID-number columns.
pub fn masked_change(kind: Option<RecordKind>, field: &str, value: Value) -> Value {
    match kind {
        Some(kind) => masked(&id_number_paths(), kind, field, value),
        // A kind this server does not know: nothing of it is shown as it came.
        None => Value::Null,
    }
}

/// The index of every village the caller sees, made again where the village has changed.
async fn indexes(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<(Uuid, Arc<VillageIndex>)>, AppError> {
    let cache = state.overview.clone();
    let policy = state.rules.policy();
    let caller = caller.clone();
    state
        .db
        .read(move |conn| {
            let places = crate::session::places_of(conn, caller.user_id, caller.role)?;
            let ids: Vec<Uuid> = places.iter().map(|p| p.id).collect();
            index_villages(conn, &cache, &policy, &ids)
        })
        .await
}

/// The summary's tally of `villages` (`jiandang_export::summary::Tally`), added up from
/// each village's, kept with the village's index: only a village whose change log has
/// moved since is assembled again. The summary page is made from it without decoding the
/// county (`exports.rs`).
pub fn tally_of(
    conn: &Connection,
    cache: &Cache,
    policy: &YearPolicy,
    villages: &[Uuid],
) -> Result<Tally, AppError> {
    let mut tally = Tally::default();
    for (_, index) in index_villages(conn, cache, policy, villages)? {
        tally.add(&index.tally);
    }
    Ok(tally)
}

/// Assembles every village of the county into the dashboard's cache, so that the first
/// page a county admin opens after the server starts does not wait for it (the demo
/// county takes seconds to assemble; a page should show within one). `jiandang serve`
/// runs it in the background once it listens.
pub async fn warm(state: &AppState) -> Result<(), AppError> {
    let cache = state.overview.clone();
    let policy = state.rules.policy();
    state
        .db
        .read(move |conn| {
            let ids: Vec<Uuid> = conn
                .prepare("SELECT id FROM villages ORDER BY id")?
                .query_map([], |r| r.get::<_, String>(0))?
                .map(|id| parse_uuid(&id?))
                .collect::<Result<_, AppError>>()?;
            index_villages(conn, &cache, &policy, &ids).map(|_| ())
        })
        .await
}

/// The villages' indexes from the cache, made again where a village has changed since.
fn index_villages(
    conn: &Connection,
    cache: &Cache,
    policy: &YearPolicy,
    villages: &[Uuid],
) -> Result<Vec<(Uuid, Arc<VillageIndex>)>, AppError> {
    let mut out = Vec::with_capacity(villages.len());
    for &village in villages {
        let version = Store::new(conn).village_version(village)?;
        let held = || -> Result<Option<Arc<VillageIndex>>, AppError> {
            Ok(cache
                .villages
                .lock()
                .map_err(|_| AppError::internal("dashboard cache poisoned"))?
                .get(&village)
                .filter(|i| i.version == version)
                .cloned())
        };
        if let Some(index) = held()? {
            out.push((village, index));
            continue;
        }
        let _building = cache
            .building
            .lock()
            .map_err(|_| AppError::internal("dashboard cache poisoned"))?;
        let index = match held()? {
            Some(index) => index,
            None => {
                let index = Arc::new(index_village(conn, village, version, policy)?);
                cache
                    .villages
                    .lock()
                    .map_err(|_| AppError::internal("dashboard cache poisoned"))?
                    .insert(village, index.clone());
                index
            }
        };
        out.push((village, index));
    }
    Ok(out)
}

/// Assembles one village's households through the domain and counts its progress.
fn index_village(
    conn: &Connection,
    village: Uuid,
    version: i64,
    policy: &YearPolicy,
) -> Result<VillageIndex, AppError> {
    let year = policy.year;
    let store = Store::new(conn);
    // The records household bundles are made of (GPS fixes and photos are not needed to
    // count progress).
    let kinds: Vec<RecordKind> = RecordKind::ALL
        .iter()
        .copied()
        .filter(|k| !matches!(k, RecordKind::GpsFix | RecordKind::Photo))
        .collect();
    let records = store.records_of(village, &kinds)?;
    let household_records = records
        .iter()
        .filter(|r| r.kind == RecordKind::Household)
        .count() as u64;
    let bundles = jiandang_domain::judge::household_bundles(&records);
    let errors = store.household_errors(village)?;
    let mut progress = VillageProgress {
        village_id: village,
        unreadable: household_records.saturating_sub(bundles.len() as u64),
        ..VillageProgress::default()
    };
    let mut households = Vec::with_capacity(bundles.len());
    let mut tally = Tally::default();
    for p in records
        .iter()
        .filter_map(jiandang_domain::problem::Problem::from_stored)
    {
        tally.problem(&p);
    }
    for (id, bundle) in bundles {
        tally.household(village, &bundle, year);
        let state = HouseholdState::at(&bundle.household, year);
        if state != HouseholdState::Candidate {
            progress.households += 1;
        }
        if bundle.household.visited_this_year(policy) {
            progress.visited += 1;
        }
        let exit_open = jiandang_domain::lifecycle::open_exit_procedure(&bundle, year).is_some();
        if state == HouseholdState::PreExit || (exit_open && state.is_poor()) {
            progress.exits_proposed += 1;
        }
        if state == (HouseholdState::Exited { year }) {
            progress.exits_done += 1;
        }
        for change in &bundle.member_changes {
            match change.direction {
                ChangeDirection::Increase => progress.member_increases += 1,
                ChangeDirection::Decrease => progress.member_decreases += 1,
            }
        }
        let entry = HouseholdEntry {
            town_name: String::new(),
            village_name: String::new(),
            bundle,
        };
        if identified_in(&entry, year) {
            progress.new_identified += 1;
        }
        if returned_in(&entry, year) {
            progress.returned += 1;
        }
        let head = entry.head();
        let row = HouseholdRow {
            id,
            village_id: village,
            number: entry.bundle.household.basic.household_number.clone(),
            head_name: head.map(|m| m.name.clone()),
            head_id_number: head.and_then(|m| m.id_number.clone()),
            state: state_code(state),
            state_zh: state.zh().to_owned(),
            members: entry.bundle.present_members().count() as u64,
            errors: errors.get(&id).copied().unwrap_or(0),
        };
        households.push(Indexed {
            row,
            names: entry
                .bundle
                .members
                .iter()
                .map(|m| m.name.clone())
                .collect(),
            id_numbers: entry
                .bundle
                .members
                .iter()
                .filter_map(|m| m.id_number.clone())
                .collect(),
            visited_on: entry.bundle.household.basic.visited_on,
        });
    }
    households.sort_by(|a, b| {
        a.row
            .number
            .cmp(&b.row.number)
            .then(a.row.id.cmp(&b.row.id))
    });
    // Received instants to Beijing days (UTC+8, no daylight saving).
    let changes_by_day = store.accepted_per_day(village, 8 * 3_600_000)?;
    Ok(VillageIndex {
        version,
        progress,
        households,
        changes_by_day,
        tally,
    })
}

/// The household's record and every record that names it (`household_id`, `subject_id`),
/// and the records that name those (a member's GPS fix or photo), through the fields'
/// indexes.
fn household_records(
    store: &Store,
    household: Uuid,
    village: Uuid,
) -> Result<Vec<StoredRecord>, AppError> {
    let mut out: Vec<StoredRecord> = store
        .record(household)?
        .filter(|r| r.village_id == village)
        .into_iter()
        .collect();
    let mut seen: BTreeSet<Uuid> = BTreeSet::from([household]);
    let mut frontier = vec![household];
    // Two rounds: the household's dependants, then what names those (a member's photo).
    for _ in 0..2 {
        let mut next = Vec::new();
        for id in &frontier {
            for link in [LinkField::Household, LinkField::Subject] {
                for r in store.linking(village, link, *id)? {
                    if seen.insert(r.id) {
                        next.push(r.id);
                        out.push(r);
                    }
                }
            }
        }
        frontier = next;
    }
    // The household first, then by kind in the forms' order.
    out.sort_by_key(|r| {
        (
            r.id != household,
            RecordKind::ALL.iter().position(|k| *k == r.kind),
        )
    });
    Ok(out)
}

/// The (kind, path) of every field whose widget is an ID number, rows' columns as
/// `list.column`.
fn id_number_paths() -> BTreeSet<(RecordKind, String)> {
    fn walk(
        kind: RecordKind,
        prefix: &str,
        fields: &[FieldDef],
        out: &mut BTreeSet<(RecordKind, String)>,
    ) {
        for f in fields {
            let path = if prefix.is_empty() {
                f.path.to_owned()
            } else {
                format!("{prefix}.{}", f.path)
            };
            if f.widget == Widget::IdNumber {
                out.insert((kind, path.clone()));
            }
            walk(kind, &path, &f.columns, out);
        }
    }
    let mut out = BTreeSet::new();
    for form in catalog::all() {
        for section in &form.sections {
            walk(form.record, "", &section.fields, &mut out);
        }
    }
    out
}

/// A leaf's value with its ID numbers masked: the leaf itself when its field is an ID
/// number, or the ID-number columns of the rows of a list (a list is one leaf).
fn masked(
    masks: &BTreeSet<(RecordKind, String)>,
    kind: RecordKind,
    path: &str,
    value: Value,
) -> Value {
    match value {
        Value::String(s) if masks.contains(&(kind, path.to_owned())) => {
            Value::String(mask_id_number(&s))
        }
        Value::Array(rows) => Value::Array(
            rows.into_iter()
                .map(|row| match row {
                    Value::Object(cols) => Value::Object(
                        cols.into_iter()
                            .map(|(k, v)| {
                                let v = masked(masks, kind, &format!("{path}.{k}"), v);
                                (k, v)
                            })
                            .collect(),
                    ),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// Devices of the villages' users: how many, and when the last was seen.
fn devices_by_village(
    conn: &Connection,
    villages: &[Uuid],
) -> Result<HashMap<Uuid, (u64, Option<i64>)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT uv.village_id, COUNT(d.id), MAX(d.last_seen_ms) FROM user_villages uv
         JOIN users u ON u.id = uv.user_id AND u.role IN ('survey_worker', 'work_team_member')
         JOIN devices d ON d.user_id = uv.user_id AND d.revoked = 0
         GROUP BY uv.village_id",
    )?;
    let wanted: BTreeSet<&Uuid> = villages.iter().collect();
    let mut out = HashMap::new();
    for row in stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })? {
        let (village, count, seen) = row?;
        let village = parse_uuid(&village)?;
        if wanted.contains(&village) {
            out.insert(village, (u64::try_from(count).unwrap_or(0), seen));
        }
    }
    Ok(out)
}
