//! The commands the UI calls (see `ui/src/backend.ts`). Each takes `State`, calls the
//! replica (or the domain), and maps the error to `{code, message}`. The synchronous ones
//! are `async` in Tauri's sense: they run on the thread pool, never on the main thread.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use geo_types::Point;
use jiandang_domain::codes::Coded;
use jiandang_domain::exit_procedure::ExitStepRecord;
use jiandang_domain::form::FormBundle;
use jiandang_domain::geo::{GpsFix, GpsSource};
use jiandang_domain::household::verified_at_door;
use jiandang_domain::photo::PhotoKind;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::visit::{SectionCheck, Visit};
use jiandang_domain::{Date, Finding, RecordKind};
use jiandang_replica::sync::LoopStatus;
use jiandang_replica::{
    Acted, ActionName, HouseholdActions, HouseholdFilter, MemberChange, Replica, StoredRecord,
    SyncOptions,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tauri::{AppHandle, State};
use uuid::Uuid;

use crate::error::{CmdError, CmdResult};
use crate::position::{self, Reading};
use crate::view::{
    self, ActionAnswer, GpsView, HouseholdBundleView, OutboxIndex, PhotoView, RecordView,
    SaveRequest, SaveResult, VillageBundleView,
};
use crate::{AppState, ProgressEvent};

fn outbox(replica: &Replica) -> CmdResult<OutboxIndex> {
    Ok(OutboxIndex::new(replica.outbox()?))
}

#[tauri::command]
pub fn get_form_bundle() -> FormBundle {
    jiandang_domain::catalog::bundle()
}

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    username: String,
    display_name: String,
    role: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppStatus {
    enrolled: bool,
    /// The county server: the one enrolled with, or before enrolment the one the app was
    /// started for (`JIANDANG_SERVER_URL`, set by scripts/run.sh), to fill in on the login.
    server_url: Option<String>,
    user: Option<UserView>,
    villages: Vec<jiandang_protocol::VillageInfo>,
    manual_position: bool,
    /// The user checks the county's spot-check sample (督导核查): home is the worklist.
    spot_checker: bool,
}

fn status_of(state: &AppState) -> CmdResult<AppStatus> {
    let e = state.replica.enrollment()?;
    Ok(AppStatus {
        enrolled: e.is_some(),
        server_url: server_url_of(
            e.as_ref().map(|e| e.server_url.as_str()),
            std::env::var("JIANDANG_SERVER_URL").ok(),
        ),
        user: e.as_ref().map(|e| UserView {
            username: e.user.username.clone(),
            display_name: e.user.display_name.clone(),
            role: serde_json::to_value(e.user.role).unwrap_or(Value::Null),
        }),
        villages: e.map(|e| e.villages).unwrap_or_default(),
        manual_position: state.position.is_manual(),
        spot_checker: state.replica.is_checker()?,
    })
}

/// The enrolled server's address, else a non-empty suggested one.
fn server_url_of(enrolled: Option<&str>, suggested: Option<String>) -> Option<String> {
    match enrolled {
        Some(url) => Some(url.to_owned()),
        None => suggested
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    }
}

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    status_of(&state)
}

#[derive(Debug, Clone, Deserialize)]
pub struct EnrollRequest {
    server_url: String,
    username: String,
    password: String,
}

/// Signs a user in on this device: their own replica opened (another user's sealed, see
/// `Replica::sign_in_as`), the device enrolled, the snapshot of their villages downloaded
/// with progress events, then the background sync loop (started if it was not).
#[tauri::command]
pub async fn enroll(
    app: AppHandle,
    state: State<'_, AppState>,
    req: EnrollRequest,
) -> CmdResult<AppStatus> {
    let url = req.server_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(CmdError::bad_input(
            "县服务器地址应以 http:// 或 https:// 开头",
        ));
    }
    if req.username.trim().is_empty() || req.password.is_empty() {
        return Err(CmdError::bad_input("请输入用户名和密码"));
    }
    let device_name = format!("建档 {}", std::env::consts::OS);
    state.replica.sign_in_as(url, req.username.trim()).await?;
    state
        .replica
        .enroll(url, req.username.trim(), &req.password, &device_name)
        .await?;
    let progress = crate::progress_emitter(app.clone());
    state
        .replica
        .sync_round(&SyncOptions::default(), Some(&progress))
        .await?;
    state.start_sync_loop(&app);
    status_of(&state)
}

#[derive(Debug, Clone, Deserialize)]
pub struct HouseholdQuery {
    village_id: Option<Uuid>,
    search: String,
    filter: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdRowView {
    id: Uuid,
    number: String,
    head_name: String,
    members: u32,
    status_zh: String,
    sync: view::SyncState,
    errors: u32,
    visited_this_year: bool,
    /// This year's door visit as the list shows it: `verified` (every section confirmed, or
    /// a visit date typed from paper), `changed` (the latest visit found a section changed),
    /// `none` (not visited this year).
    visit: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdList {
    counts: BTreeMap<&'static str, u32>,
    rows: Vec<HouseholdRowView>,
}

const FILTERS: [&str; 8] = [
    "all",
    "registered",
    "exited_this_year",
    "new",
    "returned",
    "has_errors",
    "not_visited",
    "waiting",
];

fn filter_of(name: &str, search: &str, policy: &YearPolicy) -> HouseholdFilter {
    let search = Some(search.to_owned()).filter(|s| !s.is_empty());
    let mut f = HouseholdFilter {
        search,
        year: policy.year,
        visits_from: Some(policy.visits_from),
        ..HouseholdFilter::default()
    };
    match name {
        "registered" => f.registered = true,
        "exited_this_year" => f.exited_this_year = true,
        "new" => f.new = true,
        "returned" => f.returned = true,
        "has_errors" => f.has_errors = true,
        "not_visited" => f.not_visited_this_year = true,
        "waiting" => f.waiting_to_sync = true,
        _ => {}
    }
    f
}

#[tauri::command(async)]
pub fn list_households(state: State<'_, AppState>, q: HouseholdQuery) -> CmdResult<HouseholdList> {
    let replica = &state.replica;
    let Some(village) = q.village_id else {
        return Ok(HouseholdList {
            counts: FILTERS.iter().map(|f| (*f, 0)).collect(),
            rows: Vec::new(),
        });
    };
    // One pass gives the rows and every count on top of the list.
    let policy = replica.policy()?;
    let list = replica.household_list(village, &filter_of(&q.filter, &q.search, &policy))?;
    let c = list.counts;
    let counts: BTreeMap<&'static str, u32> = FILTERS
        .iter()
        .map(|name| {
            let n = match *name {
                "registered" => c.registered,
                "exited_this_year" => c.exited_this_year,
                "new" => c.new,
                "returned" => c.returned,
                "has_errors" => c.has_errors,
                "not_visited" => c.not_visited_this_year,
                "waiting" => c.waiting_to_sync,
                _ => c.all,
            };
            (*name, n)
        })
        .collect();
    let exit_status = jiandang_domain::codes::household::ExitStatus::LIST;
    let changed = visits_changed(replica, village, &policy)?;
    let rows = list
        .rows
        .into_iter()
        .map(|r| HouseholdRowView {
            id: r.id,
            number: r.household_number.unwrap_or_default(),
            head_name: r.head_name.unwrap_or_default(),
            members: r.members,
            status_zh: r
                .status
                .as_deref()
                .map(|s| exit_status.label(s).to_owned())
                .unwrap_or_default(),
            sync: if r.waiting > 0 {
                view::SyncState::Waiting
            } else {
                view::SyncState::Synced
            },
            errors: u32::from(r.has_errors),
            visited_this_year: jiandang_domain::household::visited_in(r.visited_on, &policy),
            visit: match (
                jiandang_domain::household::visited_in(r.visited_on, &policy),
                changed.get(&r.id),
            ) {
                (false, _) => "none",
                (true, Some(true)) => "changed",
                (true, _) => "verified",
            },
        })
        .collect();
    Ok(HouseholdList { counts, rows })
}

/// For each household of the village with a door visit of this year's field work, whether
/// its latest such visit found a section changed.
fn visits_changed(
    replica: &Replica,
    village: Uuid,
    policy: &YearPolicy,
) -> CmdResult<BTreeMap<Uuid, bool>> {
    let mut latest: BTreeMap<Uuid, Visit> = BTreeMap::new();
    for r in replica.records_of_village(village, Some(RecordKind::Visit))? {
        let Ok(v) = serde_json::from_value::<Visit>(r.doc) else {
            continue;
        };
        let Some(date) = v.date.filter(|d| *d >= policy.visits_from) else {
            continue;
        };
        if latest
            .get(&v.household_id)
            .is_none_or(|old| old.date.is_some_and(|d| d <= date))
        {
            latest.insert(v.household_id, v);
        }
    }
    Ok(latest
        .into_iter()
        .map(|(h, v)| (h, v.changed().next().is_some()))
        .collect())
}

fn photo_view(replica: &Replica, r: &StoredRecord, uploaded: bool) -> Option<PhotoView> {
    let p: jiandang_domain::photo::PhotoRef = serde_json::from_value(r.doc.clone()).ok()?;
    let thumb = replica.blob(&p.thumb_sha256).ok()?;
    Some(PhotoView {
        id: r.id,
        subject_id: p.subject_id,
        kind: p.kind.code().to_owned(),
        thumbnail: format!("data:image/jpeg;base64,{}", BASE64.encode(&thumb)),
        uploaded,
        taken_at: view::beijing_minutes(p.taken_at.millis()),
        note: None,
    })
}

#[tauri::command(async)]
pub fn get_household(state: State<'_, AppState>, id: Uuid) -> CmdResult<HouseholdBundleView> {
    let replica = &state.replica;
    let b = replica.household_bundle(id)?;
    let ob = outbox(replica)?;
    let of = |k: RecordKind| -> Vec<&StoredRecord> {
        b.attached.iter().filter(|r| r.kind == k).collect()
    };
    let views = |k: RecordKind| -> Vec<RecordView> {
        of(k)
            .into_iter()
            .map(|r| view::record_view(r, &ob))
            .collect()
    };
    let photos_done = replica.photos_complete(id).unwrap_or(false);
    Ok(HouseholdBundleView {
        household: view::record_view(&b.household, &ob),
        members: views(RecordKind::Member),
        member_changes: views(RecordKind::MemberChange),
        procedure: views(RecordKind::Procedure),
        visits: views(RecordKind::Visit),
        exit_measures: views(RecordKind::HouseholdExitMeasures).into_iter().next(),
        gps: newest_first(
            of(RecordKind::GpsFix)
                .into_iter()
                .filter_map(|r| view::gps_view(r, &ob))
                .collect(),
        ),
        photos: of(RecordKind::Photo)
            .into_iter()
            .filter_map(|r| photo_view(replica, r, photos_done))
            .collect(),
        findings: b.findings,
        record_findings: b.record_findings,
        actions: household_actions_of(replica, id)?,
        natural_villages: replica
            .records_of_village(b.household.village_id, Some(RecordKind::NaturalVillage))?
            .into_iter()
            .map(|r| view::Choice {
                id: r.id,
                name: r.doc["basic"]["name"].as_str().unwrap_or("").to_owned(),
            })
            .collect(),
        helpers: helper_choices(replica, b.household.village_id)?,
        verify: replica.policy().is_ok_and(|p| {
            let year = b.household.doc["basic"]["identified_year"].as_i64();
            verified_at_door(year.and_then(|y| i32::try_from(y).ok()), &p)
        }),
    })
}

/// The village's 帮扶责任人 to pair a household with: name, and the sending unit (or post)
/// to tell two of the same name apart.
fn helper_choices(replica: &Replica, village_id: Uuid) -> CmdResult<Vec<view::Choice>> {
    let units: BTreeMap<String, String> = replica
        .records_of_kind(RecordKind::HelpUnit)?
        .into_iter()
        .map(|u| {
            let name = u.doc["name"].as_str().unwrap_or("").to_owned();
            (u.id.to_string(), name)
        })
        .collect();
    Ok(replica
        .records_of_village(village_id, Some(RecordKind::Helper))?
        .into_iter()
        .map(|r| {
            let name = r.doc["name"].as_str().unwrap_or("（未填姓名）");
            let unit = r.doc["help_unit_id"]
                .as_str()
                .and_then(|u| units.get(u))
                .filter(|u| !u.is_empty())
                .map(String::as_str)
                .or_else(|| r.doc["post"].as_str());
            view::Choice {
                id: r.id,
                name: match unit {
                    Some(u) => format!("{name}（{u}）"),
                    None => name.to_owned(),
                },
            }
        })
        .collect())
}

fn newest_first(mut v: Vec<GpsView>) -> Vec<GpsView> {
    v.sort_by(|a, b| b.taken_at.cmp(&a.taken_at));
    v
}

#[tauri::command(async)]
pub fn get_village(state: State<'_, AppState>, village_id: Uuid) -> CmdResult<VillageBundleView> {
    let replica = &state.replica;
    let ob = outbox(replica)?;
    let all = replica.records_of_village(village_id, None)?;
    let of = |k: RecordKind| all.iter().filter(move |r| r.kind == k);
    let village = of(RecordKind::Village).next();
    let village_record_id = village.map(|v| v.id).unwrap_or(village_id);
    Ok(VillageBundleView {
        village: village.map(|r| view::record_view(r, &ob)),
        natural_villages: of(RecordKind::NaturalVillage)
            .map(|r| view::record_view(r, &ob))
            .collect(),
        exit_measures: of(RecordKind::VillageExitMeasures)
            .map(|r| view::record_view(r, &ob))
            .next(),
        help_units: replica
            .records_of_kind(RecordKind::HelpUnit)?
            .iter()
            .map(|r| view::record_view(r, &ob))
            .collect(),
        helpers: of(RecordKind::Helper)
            .map(|r| view::record_view(r, &ob))
            .collect(),
        work_team_members: of(RecordKind::WorkTeamMember)
            .map(|r| view::record_view(r, &ob))
            .collect(),
        gps: newest_first(
            of(RecordKind::GpsFix)
                .filter(|r| r.doc["subject_id"] == json!(village_record_id.to_string()))
                .filter_map(|r| view::gps_view(r, &ob))
                .collect(),
        ),
    })
}

fn save(state: &AppState, req: SaveRequest) -> CmdResult<SaveResult> {
    let doc = view::doc_from_fields(&req.fields);
    let saved = state
        .replica
        .save_form(req.kind, req.id, req.village_id, &doc)?;
    state.nudge();
    let ob = outbox(&state.replica)?;
    Ok(SaveResult {
        record: view::record_view(&saved.record, &ob),
        findings: saved.findings,
    })
}

#[tauri::command(async)]
pub fn save_record(state: State<'_, AppState>, req: SaveRequest) -> CmdResult<SaveResult> {
    save(&state, req)
}

/// The domain's findings on answers as typed, nothing saved (the as-you-type check).
#[tauri::command(async)]
pub fn validate_record(
    state: State<'_, AppState>,
    kind: RecordKind,
    fields: BTreeMap<String, Value>,
    record_id: Option<Uuid>,
    village_id: Uuid,
) -> CmdResult<Vec<Finding>> {
    let id = record_id.unwrap_or_else(Uuid::nil);
    let doc = view::doc_from_fields(&fields);
    Ok(state.replica.check_draft(kind, id, village_id, &doc)?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberChangeRequest {
    household_id: Uuid,
    /// The 自然增加 / 自然减少 sheet as typed.
    change_fields: BTreeMap<String, Value>,
    /// Who joins or leaves.
    #[serde(flatten)]
    change: MemberChange,
}

/// 自然增加 / 自然减少 (W6): the domain's action, its records in one transaction, or every
/// reason it is refused (nothing saved).
#[tauri::command(async)]
pub fn member_change(
    state: State<'_, AppState>,
    req: MemberChangeRequest,
) -> CmdResult<ActionAnswer> {
    let form = view::doc_from_fields(&req.change_fields);
    let change = match req.change {
        MemberChange::Arrival { member } => MemberChange::Arrival {
            member: view::doc_from_value(&member),
        },
        departure => departure,
    };
    let acted = state
        .replica
        .member_change(req.household_id, form, change)?;
    answer(&state, acted)
}

/// An action's answer as the UI reads it; a done action nudges the sync.
fn answer(state: &AppState, acted: Acted) -> CmdResult<ActionAnswer> {
    if acted.is_done() {
        state.nudge();
    }
    let ob = outbox(&state.replica)?;
    Ok(ActionAnswer::new(acted, &ob))
}

fn household_actions_of(replica: &Replica, id: Uuid) -> CmdResult<Option<HouseholdActions>> {
    match replica.household_actions(id) {
        Ok(a) => Ok(Some(a)),
        // Before the county's policy arrives the page offers no action.
        Err(jiandang_replica::Error::NoPolicy) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What the household page offers on the way out of poverty, each with the domain's answer.
#[tauri::command(async)]
pub fn household_actions(
    state: State<'_, AppState>,
    household_id: Uuid,
) -> CmdResult<HouseholdActions> {
    Ok(state.replica.household_actions(household_id)?)
}

/// One of the actions the household page offers by name (申请预脱贫 C9, 标记脱贫 W1 W2 C9
/// Q2, 返贫纳入, 新识别录入): done, or refused with the domain's reasons.
#[tauri::command(async)]
pub fn household_action(
    state: State<'_, AppState>,
    household_id: Uuid,
    action: ActionName,
) -> CmdResult<ActionAnswer> {
    let acted = state.replica.act_named(household_id, action)?;
    answer(&state, acted)
}

/// One step of the exit procedure (W1, Q2).
#[tauri::command(async)]
pub fn record_exit_step(
    state: State<'_, AppState>,
    household_id: Uuid,
    step: ExitStepRecord,
) -> CmdResult<ActionAnswer> {
    let acted = state.replica.record_exit_step(household_id, step)?;
    answer(&state, acted)
}

/// 入户核实 (C1), for the door-visit mode (issue 17).
#[tauri::command(async)]
pub fn record_visit(
    state: State<'_, AppState>,
    household_id: Uuid,
    date: Date,
    visited_by: Option<String>,
    sections: Vec<SectionCheck>,
    note: Option<String>,
) -> CmdResult<ActionAnswer> {
    let acted = state
        .replica
        .record_visit(household_id, date, visited_by, sections, note)?;
    answer(&state, acted)
}

/// Desktop only in effect: the position the typed provider hands back next.
#[tauri::command(async)]
pub fn set_test_position(
    state: State<'_, AppState>,
    lon: f64,
    lat: f64,
    accuracy_m: f64,
) -> CmdResult<()> {
    if !state.position.is_manual() {
        return Err(CmdError::new(
            "not_manual",
            "本设备使用卫星定位，不能手工输入位置",
        ));
    }
    state.position.set(Reading {
        lon,
        lat,
        accuracy_m,
        source: GpsSource::Manual,
    });
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct GpsResult {
    fix: GpsView,
    warnings: Vec<Finding>,
}

/// Takes `samples` readings, averages them, warns on accuracy or distance from the village
/// centre (the village's latest fix), and stores the fix as a GpsFix record.
#[tauri::command(async)]
pub fn take_position(
    state: State<'_, AppState>,
    subject_id: Uuid,
    village_id: Uuid,
    samples: u32,
) -> CmdResult<GpsResult> {
    let n = samples.clamp(1, 20);
    let mut readings = Vec::new();
    for _ in 0..n {
        readings.push(
            state
                .position
                .read()
                .map_err(|m| CmdError::new("position", m))?,
        );
    }
    let avg =
        position::average(&readings).ok_or_else(|| CmdError::new("position", "没有取得位置"))?;
    let centre = village_centre(&state.replica, village_id, subject_id)?;
    let now = state.replica.now();
    let fix = GpsFix {
        id: Replica::new_id(),
        subject_id,
        point: Point::new(avg.lon, avg.lat),
        accuracy_m: avg.accuracy_m,
        taken_at: now,
        source: avg.source,
        samples: n,
    };
    let warnings = jiandang_domain::rules::gps::check_gps_fix(&fix, centre, now);
    if warnings.iter().any(Finding::is_error) {
        return Err(CmdError::new(
            "position",
            warnings
                .iter()
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        ));
    }
    let mut doc = serde_json::to_value(&fix)?;
    if let Some(subject) = state.replica.get_record(subject_id)?
        && subject.kind == RecordKind::Household
        && let Some(obj) = doc.as_object_mut()
    {
        obj.insert("household_id".into(), json!(subject_id.to_string()));
    }
    let saved = state
        .replica
        .save_record(RecordKind::GpsFix, fix.id, village_id, &doc)?;
    state.nudge();
    let ob = outbox(&state.replica)?;
    let fix = view::gps_view(&saved.record, &ob)
        .ok_or_else(|| CmdError::new("bad_data", "定位记录格式有误"))?;
    Ok(GpsResult { fix, warnings })
}

/// The village centre: the latest fix of the village record itself, when one was taken.
fn village_centre(
    replica: &Replica,
    village_id: Uuid,
    subject_id: Uuid,
) -> CmdResult<Option<Point<f64>>> {
    let village_record = replica
        .records_of_village(village_id, Some(RecordKind::Village))?
        .into_iter()
        .next()
        .map(|r| r.id)
        .unwrap_or(village_id);
    if village_record == subject_id {
        return Ok(None);
    }
    let latest = replica
        .records_of_village(village_id, Some(RecordKind::GpsFix))?
        .into_iter()
        .filter_map(|r| serde_json::from_value::<GpsFix>(r.doc).ok())
        .filter(|f| f.subject_id == village_record)
        .max_by_key(|f| f.taken_at);
    Ok(latest.map(|f| f.point))
}

#[tauri::command(async)]
pub fn add_photo(
    state: State<'_, AppState>,
    subject_id: Uuid,
    village_id: Uuid,
    kind: String,
    data: String,
) -> CmdResult<PhotoView> {
    let kind = PhotoKind::from_code(&kind).ok_or_else(|| CmdError::bad_input("请选择照片类型"))?;
    let bytes = BASE64
        .decode(data.as_bytes())
        .map_err(|_| CmdError::bad_input("照片数据有误"))?;
    let p = state
        .replica
        .import_photo(&bytes, subject_id, village_id, kind)?;
    state.nudge();
    let record = state
        .replica
        .get_record(p.id)?
        .ok_or_else(|| CmdError::new("not_found", "照片记录未保存"))?;
    let mut view = photo_view(&state.replica, &record, false)
        .ok_or_else(|| CmdError::new("photo", "照片缩略图无法读取"))?;
    // Reading the EXIF again costs microseconds; it tells a missing position from a damaged one.
    view.note = jiandang_replica::photo::read_exif(&bytes)
        .position_note()
        .map(str::to_owned);
    Ok(view)
}

/// Where the record a refusal or conflict is about can be opened: its kind (for the field's
/// label in the form definitions) and the household page it sits on, if any (else the
/// village page).
#[derive(Debug, Clone, Serialize)]
pub struct RecordPlace {
    kind: Option<RecordKind>,
    household_id: Option<Uuid>,
    /// 户编号 of that household, to say which one.
    household_number: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RefusedView {
    change_id: Uuid,
    record_id: Uuid,
    field: String,
    code: String,
    message: String,
    #[serde(flatten)]
    place: RecordPlace,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    record_id: Uuid,
    field: String,
    mine: Value,
    theirs: Value,
    #[serde(flatten)]
    place: RecordPlace,
}

/// The kind of `record_id` and the household it belongs to (itself, its `household_id`, or
/// the subject of a photo or fix).
fn place_of(replica: &Replica, record_id: Uuid) -> CmdResult<RecordPlace> {
    let Some(r) = replica.get_record(record_id)? else {
        return Ok(RecordPlace {
            kind: None,
            household_id: None,
            household_number: None,
        });
    };
    let id_at = |doc: &Value, key: &str| doc[key].as_str().and_then(|s| Uuid::parse_str(s).ok());
    let household = match r.kind {
        RecordKind::Household => Some(r.clone()),
        _ => {
            let direct = id_at(&r.doc, "household_id");
            let via_subject = match id_at(&r.doc, "subject_id") {
                Some(s) => replica
                    .get_record(s)?
                    .and_then(|subject| match subject.kind {
                        RecordKind::Household => Some(subject.id),
                        _ => id_at(&subject.doc, "household_id"),
                    }),
                None => None,
            };
            match direct.or(via_subject) {
                Some(h) => replica.get_record(h)?,
                None => None,
            }
        }
    };
    Ok(RecordPlace {
        kind: Some(r.kind),
        household_id: household.as_ref().map(|h| h.id),
        household_number: household
            .as_ref()
            .and_then(|h| h.doc["basic"]["household_number"].as_str())
            .map(str::to_owned),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct LastError {
    code: String,
    message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncStatusView {
    online: Option<bool>,
    running: bool,
    waiting_changes: u32,
    photos_total: u32,
    photos_uploaded: u32,
    last_success: Option<String>,
    last_error: Option<LastError>,
    refused: Vec<RefusedView>,
    conflicts: Vec<ConflictView>,
    /// The device's clock is off by more than the server tolerates: the sync screen says so.
    clock_wrong: bool,
    clock_skew_ms: Option<i64>,
}

fn sync_status_of(state: &AppState) -> CmdResult<SyncStatusView> {
    let s = state.replica.outbox_summary()?;
    let conflicts = state.replica.conflicts()?;
    let loop_status = state
        .sync
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|l| l.status());
    let (online, running, last_error) = match &loop_status {
        Some(LoopStatus::Syncing) => (None, true, None),
        Some(LoopStatus::Synced { .. }) => (Some(true), false, None),
        Some(LoopStatus::Failed { code, message, .. }) => (
            Some(code != "network"),
            false,
            Some(LastError {
                code: code.clone(),
                message: if code == "network" {
                    "无法连接县服务器：本机修改都已保存，联网后会自动重试。".to_owned()
                } else {
                    message.clone()
                },
            }),
        ),
        _ => (None, false, None),
    };
    Ok(SyncStatusView {
        online,
        running,
        waiting_changes: s.waiting,
        photos_total: s.photos.total,
        photos_uploaded: s.photos.uploaded,
        last_success: s.last_sync_at.map(view::beijing_minutes),
        last_error,
        refused: s
            .refused
            .into_iter()
            .map(|e| {
                Ok(RefusedView {
                    place: place_of(&state.replica, e.record_id)?,
                    change_id: e.change_id,
                    record_id: e.record_id,
                    field: e.field,
                    code: e.refusal_code.unwrap_or_default(),
                    message: e.refusal_message.unwrap_or_default(),
                })
            })
            .collect::<CmdResult<_>>()?,
        conflicts: conflicts
            .into_iter()
            .map(|c| {
                Ok(ConflictView {
                    place: place_of(&state.replica, c.record_id)?,
                    record_id: c.record_id,
                    field: c.field,
                    mine: c.ours,
                    theirs: c.current,
                })
            })
            .collect::<CmdResult<_>>()?,
        clock_wrong: s.clock_wrong,
        clock_skew_ms: s.clock_skew_ms,
    })
}

#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> CmdResult<SyncStatusView> {
    sync_status_of(&state)
}

/// One sync round now (the button on the sync screen): the background loop is nudged and
/// this waits for the round to finish, so two rounds never run at once. A failure is shown
/// in the status, not thrown: the screen says what happened either way.
#[tauri::command]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>) -> CmdResult<SyncStatusView> {
    state.start_sync_loop(&app);
    let watch = state
        .sync
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .map(|l| l.watch());
    let Some(mut watch) = watch else {
        return Err(CmdError::new(
            "not_enrolled",
            "本机尚未登记到服务器，请先联网登录",
        ));
    };
    watch.borrow_and_update();
    state.nudge();
    let finished = async {
        let mut started = false;
        while watch.changed().await.is_ok() {
            match &*watch.borrow_and_update() {
                LoopStatus::Syncing => started = true,
                LoopStatus::Synced { .. } | LoopStatus::Failed { .. } if started => break,
                _ => {}
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(600), finished).await;
    sync_status_of(&state)
}

#[derive(Debug, Clone, Serialize)]
pub struct ResendAnswer {
    #[serde(flatten)]
    retry: jiandang_replica::Retry,
    status: SyncStatusView,
}

/// Sends one refused change again (after the user fixed the cause), with the field's value
/// as it is now; the other refusals stay as they are.
#[tauri::command(async)]
pub fn resend(state: State<'_, AppState>, change_id: Uuid) -> CmdResult<ResendAnswer> {
    let retry = state.replica.retry_change(change_id)?;
    state.nudge();
    Ok(ResendAnswer {
        retry,
        status: sync_status_of(&state)?,
    })
}

/// A replica progress report as the UI's event.
pub fn progress_event(p: &jiandang_replica::Progress) -> ProgressEvent {
    let (message, done) = match p.phase {
        "snapshot" => (
            format!("正在下载本村数据：已收到 {} 项", p.records_down),
            p.records_down,
        ),
        "push" => (
            format!("正在上传修改：已上传 {} 项", p.records_up),
            p.records_up,
        ),
        "pull" => (
            format!("正在接收更新：已收到 {} 项", p.records_down),
            p.records_down,
        ),
        "photos" => ("正在上传照片".to_owned(), 0),
        "done" => ("同步完成".to_owned(), 1),
        other => (other.to_owned(), 0),
    };
    ProgressEvent {
        phase: if p.phase == "done" {
            "idle".into()
        } else {
            p.phase.into()
        },
        done,
        total: if p.phase == "done" { 1 } else { 0 },
        message,
    }
}

/// The background loop's status change as the UI's event.
pub fn loop_event(s: &LoopStatus) -> ProgressEvent {
    let (phase, message) = match s {
        LoopStatus::Idle => ("idle", "等待同步".to_owned()),
        LoopStatus::Syncing => ("push", "正在同步……".to_owned()),
        LoopStatus::Synced { .. } => ("idle", "同步完成".to_owned()),
        LoopStatus::Failed { code, .. } if code == "network" => {
            ("offline", "无法连接县服务器，稍后自动重试".to_owned())
        }
        LoopStatus::Failed { message, .. } => ("idle", message.clone()),
    };
    ProgressEvent {
        phase: phase.into(),
        done: 0,
        total: 0,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enrolled_server_wins_over_the_suggested_one() {
        let suggested = || Some(" http://127.0.0.1:8080 ".to_owned());
        assert_eq!(
            server_url_of(Some("http://county:8080"), suggested()).as_deref(),
            Some("http://county:8080")
        );
        assert_eq!(
            server_url_of(None, suggested()).as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(server_url_of(None, Some("  ".to_owned())), None);
        assert_eq!(server_url_of(None, None), None);
    }

    #[test]
    fn every_filter_the_ui_offers_maps_to_one_flag() {
        let policy = jiandang_domain::policy::YearPolicy::shangqiu_2018();
        for name in FILTERS {
            let f = filter_of(name, "", &policy);
            let flags = [
                f.registered,
                f.exited_this_year,
                f.new,
                f.returned,
                f.has_errors,
                f.not_visited_this_year,
                f.waiting_to_sync,
            ];
            let want = usize::from(name != "all");
            assert_eq!(flags.iter().filter(|b| **b).count(), want, "{name}");
            assert_eq!(f.year, 2018);
            assert_eq!(
                f.visits_from.map(|d| d.to_string()).as_deref(),
                Some("2018-10-01")
            );
        }
    }
}

// ---- The supervisor's phone (issue 13 part 2b; docs/spot-checks.md) ----

/// One drawn household on the worklist, with where its check stands on this device.
#[derive(Debug, Clone, Serialize)]
pub struct SpotHouseholdView {
    household_id: Uuid,
    village_id: Uuid,
    /// `spot_household_type`: the stratum it was drawn in.
    household_type: Value,
    household_number: String,
    head_name: String,
    village: String,
    town: String,
    /// The check record on this device, if started.
    check: Option<RecordView>,
    /// The observation is sealed.
    sealed: bool,
    /// The county's differences are in the record (after the seal).
    revealed: bool,
}

/// One village to screen, with its screening forms on this device.
#[derive(Debug, Clone, Serialize)]
pub struct SpotVillageView {
    village_id: Uuid,
    village: String,
    town: String,
    /// 村排查情况表 records.
    screenings: Vec<RecordView>,
    /// 非建档立卡户排查表 records.
    screened_households: Vec<RecordView>,
}

/// One assignment of the worklist.
#[derive(Debug, Clone, Serialize)]
pub struct SpotAssignmentView {
    id: Uuid,
    plan_id: Uuid,
    plan_title: String,
    year: i32,
    checkers: Vec<String>,
    households: Vec<SpotHouseholdView>,
    villages: Vec<SpotVillageView>,
}

/// The worklist as the phone shows it offline, and which sections of 入户核查表 come after
/// the seal (the domain's list: the UI decides nothing).
#[derive(Debug, Clone, Serialize)]
pub struct SpotWorklistView {
    /// `false` before the first sync brought a worklist.
    fetched: bool,
    assignments: Vec<SpotAssignmentView>,
    after_seal: Vec<&'static str>,
}

fn spot_check_view(ob: &OutboxIndex, r: &StoredRecord) -> (RecordView, bool, bool) {
    let sealed = r.doc.get("observed_at").is_some_and(|v| !v.is_null());
    let revealed = r
        .doc
        .get("differences")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty());
    (view::record_view(r, ob), sealed, revealed)
}

fn worklist_of(state: &AppState) -> CmdResult<SpotWorklistView> {
    let replica = &state.replica;
    let ob = outbox(replica)?;
    let list = replica.worklist()?;
    let fetched = list.is_some();
    let mut assignments = Vec::new();
    for a in list.map(|l| l.assignments).unwrap_or_default() {
        let place = |id: Uuid| {
            a.places
                .iter()
                .find(|p| p.id == id)
                .map(|p| (p.name.clone(), p.town.clone()))
                .unwrap_or_default()
        };
        let mut households = Vec::new();
        for h in &a.households {
            let (village, town) = place(h.village_id);
            let check = replica.spot_check_of(h.village_id, h.household_id)?;
            let (check, sealed, revealed) = match check {
                Some(r) => {
                    let (v, s, d) = spot_check_view(&ob, &r);
                    (Some(v), s, d)
                }
                None => (None, false, false),
            };
            households.push(SpotHouseholdView {
                household_id: h.household_id,
                village_id: h.village_id,
                household_type: serde_json::to_value(h.household_type).unwrap_or(Value::Null),
                household_number: h.household_number.clone().unwrap_or_default(),
                head_name: h.head_name.clone().unwrap_or_default(),
                village,
                town,
                check,
                sealed,
                revealed,
            });
        }
        let mut villages = Vec::new();
        for v in &a.screen_villages {
            let (village, town) = place(*v);
            let of_plan = |kind| -> CmdResult<Vec<RecordView>> {
                Ok(replica
                    .records_of_village(*v, Some(kind))?
                    .iter()
                    .filter(|r| r.doc["plan_id"] == json!(a.plan_id.to_string()))
                    .map(|r| view::record_view(r, &ob))
                    .collect())
            };
            villages.push(SpotVillageView {
                village_id: *v,
                village,
                town,
                screenings: of_plan(RecordKind::VillageScreening)?,
                screened_households: of_plan(RecordKind::ScreenedHousehold)?,
            });
        }
        assignments.push(SpotAssignmentView {
            id: a.id,
            plan_id: a.plan_id,
            plan_title: a.plan_title.clone(),
            year: a.year,
            checkers: a.checkers.iter().map(|c| c.display_name.clone()).collect(),
            households,
            villages,
        });
    }
    Ok(SpotWorklistView {
        fetched,
        assignments,
        after_seal: jiandang_domain::spotcheck::forms::AFTER_SEAL.to_vec(),
    })
}

/// The supervisor's worklist, from the device (offline).
#[tauri::command(async)]
pub fn spot_worklist(state: State<'_, AppState>) -> CmdResult<SpotWorklistView> {
    worklist_of(&state)
}

/// 封存: seals the check's observation as saved (the domain's seal, one transaction).
#[tauri::command(async)]
pub fn seal_spot_check(state: State<'_, AppState>, id: Uuid) -> CmdResult<ActionAnswer> {
    let acted = state.replica.seal_spot_check(id)?;
    answer(&state, acted)
}

/// 显示差异: the county's differences for the sealed check (online), kept in the record.
#[tauri::command]
pub async fn reveal_spot_check(state: State<'_, AppState>, id: Uuid) -> CmdResult<ActionAnswer> {
    let acted = state.replica.reveal_spot_check(id).await?;
    answer(&state, acted)
}
