//! The county dashboard's messages: signing in with a session, the places a user sees, the
//! progress of the year's work, the household search and a household's whole file, and the
//! GPS points of the map. The dashboard speaks the rest of `/api/v1` like a device.

use jiandang_domain::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Phase, UserInfo};

/// The name of the dashboard's session cookie.
pub const SESSION_COOKIE: &str = "jiandang_session";

/// The header every state-changing request of a session must carry (any value). A page of
/// another site cannot send it without the server's CORS consent, which it never gives.
pub const CSRF_HEADER: &str = "Jiandang-Dashboard";

/// `POST /api/v1/session`: signs in to the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub protocol: u32,
    pub username: String,
    pub password: String,
}

/// A town (乡镇).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TownInfo {
    pub id: Uuid,
    pub name: String,
}

/// A village (行政村) with its town and its centre (WGS-84), when known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillagePlace {
    pub id: Uuid,
    pub name: String,
    pub town_id: Uuid,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// What a signed-in user may see: its towns and villages (a county admin: all of them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub protocol: u32,
    pub user: UserInfo,
    /// The zh-CN name of the role.
    pub role_zh: String,
    pub towns: Vec<TownInfo>,
    pub villages: Vec<VillagePlace>,
    /// Whether the user may see ID numbers in full (else they come masked).
    pub sees_id_numbers: bool,
    /// Whether the user administers the county (users, devices, phases, conflicts): the
    /// dashboard shows those screens only then; the endpoints check the role themselves.
    pub administers: bool,
    /// When the session ends, UTC milliseconds (sooner if left idle).
    pub expires_ms: i64,
    /// The county's optional base-map tile URL (`{z}/{x}/{y}`) and whether its tiles are
    /// GCJ-02 (Chinese map providers) rather than WGS-84.
    pub base_map: Option<BaseMap>,
    /// The household states the search filters by, with their zh-CN names (the domain's
    /// lifecycle), and the roles with theirs: the screens show these, never their own.
    pub household_states: Vec<Label>,
    pub roles: Vec<Label>,
    /// Whether the user reads the register (progress, households, problems, map, summary).
    /// A supervisor does not: its spot-checks stay blind.
    #[serde(default)]
    pub sees_register: bool,
    /// Whether the user checks drawn households of spot-check plans (its worklist).
    #[serde(default)]
    pub checks_spots: bool,
    /// The names the problem list and the spot-check screens show, from the domain.
    #[serde(default)]
    pub labels: DashboardLabels,
}

/// The names the dashboard's problem list and spot-check screens show for the domain's codes
/// that are not code lists of the forms (those come with `GET /api/v1/forms`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DashboardLabels {
    /// Every county-wide check (and the province's file, and the county's own problems) with
    /// its 问题类别, in the catalogue's order: the problem list's filter.
    pub problem_checks: Vec<CheckLabel>,
    /// Spot-check plan states (草稿, 已抽样, 已发布).
    pub plan_states: Vec<Label>,
    /// The domain's default plan specs a plan is created from.
    pub plan_presets: Vec<Label>,
    /// 错退率, 漏评率, 群众认可度.
    pub indicators: Vec<Label>,
    /// An estimate's decision against its threshold.
    pub verdicts: Vec<Label>,
    /// The interval methods an estimate may use.
    pub interval_methods: Vec<Label>,
    /// Where a drawn household's check stands (the plan's results).
    #[serde(default)]
    pub check_states: Vec<Label>,
}

/// A county-wide check as the problem list names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLabel {
    pub code: String,
    /// 问题类别.
    pub title: String,
    /// The requirement or section it implements.
    pub requirement: String,
    /// `error` (须整改) or `warning` (须核实).
    pub severity: String,
}

/// A code and its zh-CN name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub code: String,
    pub zh: String,
}

/// A base map's tiles for the map screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseMap {
    pub url: String,
    pub gcj02: bool,
}

/// The progress figures of one village.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VillageProgress {
    pub village_id: Uuid,
    /// Households in the register (not candidates still in their 新识别 procedure).
    pub households: u64,
    /// Households with a door visit (入户核实) dated this policy year.
    pub visited: u64,
    /// Households proposed for exit: 预脱贫, or an exit procedure under way.
    pub exits_proposed: u64,
    /// Households exited this year (已脱贫, 脱贫年度 = the year).
    pub exits_done: u64,
    /// Newly identified this year (a 新识别 procedure or 识别年度 = the year).
    pub new_identified: u64,
    /// Returned to poverty this year.
    pub returned: u64,
    /// Member changes recorded: 自然增加 and 自然减少.
    pub member_increases: u64,
    pub member_decreases: u64,
    /// Records that could not be read (named on the household screen).
    pub unreadable: u64,
    /// Devices of the village's users, and when the last of them was seen.
    pub devices: u64,
    pub last_seen_ms: Option<i64>,
}

/// Accepted changes on one day (Beijing), for the progress chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayActivity {
    pub date: Date,
    /// Accepted field changes received that day (the collectors' work reaching the county).
    pub changes: u64,
    /// Households whose 入户核实日期 is that day (visits before the first day count on it).
    pub visits: u64,
}

/// `GET /api/v1/dashboard/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub protocol: u32,
    /// The policy year.
    pub year: i32,
    /// Today, Beijing.
    pub today: Date,
    /// The phase today falls in, and the days left in it (today included).
    pub phase: Option<Phase>,
    pub days_left: Option<i64>,
    pub phases: Vec<Phase>,
    pub villages: Vec<VillageProgress>,
    /// From the first day of the first phase that takes writes to today.
    pub days: Vec<DayActivity>,
}

/// `GET /api/v1/dashboard/households?q=&village=&state=&offset=&limit=`: one found
/// household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdRow {
    pub id: Uuid,
    pub village_id: Uuid,
    /// 户编号.
    pub number: Option<String>,
    /// 户主姓名.
    pub head_name: Option<String>,
    /// 户主证件号码, masked unless the caller sees ID numbers.
    pub head_id_number: Option<String>,
    /// The lifecycle state (`registered`, `exited`, …) and its zh-CN name.
    pub state: String,
    pub state_zh: String,
    pub members: u64,
    pub errors: u64,
}

/// The answer to the household search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdPage {
    pub protocol: u32,
    pub total: u64,
    pub rows: Vec<HouseholdRow>,
}

/// A record of a household's file, as stored (ID numbers masked unless the caller sees
/// them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub id: Uuid,
    pub kind: String,
    /// The record's fields by dot path, as the forms name them.
    pub fields: serde_json::Map<String, Value>,
    /// The judgement's findings on it.
    pub findings: Value,
}

/// `GET /api/v1/dashboard/households/{id}`: the household and every record of its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdFile {
    pub protocol: u32,
    pub id: Uuid,
    pub village_id: Uuid,
    /// 户主姓名, from the household's members.
    pub head_name: Option<String>,
    pub state: String,
    pub state_zh: String,
    pub records: Vec<FileRecord>,
}

/// One household's GPS point on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoint {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: Option<f64>,
    /// Metres from the village's centre.
    pub distance_m: Option<f64>,
    /// Whether it lies further from the village's centre than [`MapPoints::far_m`].
    pub far: bool,
    pub head_name: Option<String>,
}

/// `GET /api/v1/dashboard/map?village=|town=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPoints {
    pub protocol: u32,
    /// The distance from the village centre past which a point stands out.
    pub far_m: f64,
    pub points: Vec<MapPoint>,
}

/// `PUT /api/v1/admin/settings`: the county's settings. `base_map` absent: the map draws
/// points on a plain background.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub protocol: u32,
    #[serde(default)]
    pub base_map: Option<BaseMap>,
}
