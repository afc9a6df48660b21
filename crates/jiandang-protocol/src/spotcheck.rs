//! The spot-check API's messages (抽查, issue 13; `docs/spot-checks.md`): plans and their draw,
//! assignments to pairs of checkers, a checker's blind worklist, the register shown for a
//! sealed check, the county's results and estimates. The domain's own types travel as they
//! are (`PlanSpec`, `Draw`, `Assignment`, `ScopeEstimates`, `ProblemSeed`, `Difference`), so
//! the server, the dashboard and the supervisor's phone read one definition.

use jiandang_domain::household::Household;
use jiandang_domain::member::Member;
use jiandang_domain::spotcheck::check::ProblemSeed;
use jiandang_domain::spotcheck::codes::{HouseholdType, VillageType};
use jiandang_domain::spotcheck::diff::Difference;
use jiandang_domain::spotcheck::draw::{Draw, Seed};
use jiandang_domain::spotcheck::estimate::ScopeEstimates;
use jiandang_domain::spotcheck::plan::{Assignment, PlanSpec, PlanState};
use jiandang_domain::spotcheck::stats::IntervalMethod;
use jiandang_domain::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::VillageInfo;

/// One of the domain's default specs (`PlanSpec::mock_evaluation`, `PlanSpec::quick_check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanPreset {
    /// A county "mock evaluation": about 26 villages by PPS, about 1,500 households.
    MockEvaluation { year: i32 },
    /// A quick check: `villages` villages of each type, 15 households each.
    QuickCheck { year: i32, villages: u32 },
}

impl PlanPreset {
    pub fn spec(self) -> PlanSpec {
        match self {
            PlanPreset::MockEvaluation { year } => PlanSpec::mock_evaluation(year),
            PlanPreset::QuickCheck { year, villages } => PlanSpec::quick_check(year, villages),
        }
    }
}

/// `POST /api/v1/spotchecks/plans`: a new draft plan, from a spec or a preset (exactly one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatePlan {
    pub protocol: u32,
    /// 方案名称.
    pub title: String,
    #[serde(default)]
    pub spec: Option<PlanSpec>,
    #[serde(default)]
    pub preset: Option<PlanPreset>,
}

/// `PUT /api/v1/spotchecks/plans/{id}`: a new title and spec for a plan not yet published
/// (a drawn plan's draw is thrown away: it is a draft again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditPlan {
    pub protocol: u32,
    pub title: String,
    pub spec: PlanSpec,
}

/// `POST /api/v1/spotchecks/plans/{id}/draw`: draws (or draws again) from the register as it
/// stands. Without a seed the server draws one from the operating system's randomness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawPlan {
    pub protocol: u32,
    #[serde(default)]
    pub seed: Option<Seed>,
}

/// `POST /api/v1/spotchecks/plans/{id}/assignments`: drawn households, and drawn villages to
/// screen for non-registered households, given to a pair of supervisors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignPlan {
    pub protocol: u32,
    /// Two different users with the `supervisor` role.
    pub checkers: [Uuid; 2],
    #[serde(default)]
    pub households: Vec<Uuid>,
    #[serde(default)]
    pub villages: Vec<Uuid>,
}

/// Who chose a draw's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedSource {
    /// The county admin gave it.
    Given,
    /// The server drew it from the operating system's randomness.
    Server,
}

/// The size of one stratum of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumSizeView {
    pub village_type: VillageType,
    pub household_type: HouseholdType,
    pub households: u32,
    pub persons: u64,
}

/// The frame a draw was made from, in figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameSummary {
    /// The register's version: the county's change sequence number the frame was read at.
    pub version: u64,
    pub villages: u32,
    pub households: u32,
    /// Villages of the county left out: no 贫困村 form with 村属性 yet.
    pub left_out_villages: u32,
    /// Households left out: 脱贫状态 (or an exited household's 脱贫年度) not filled in, or in a
    /// village left out.
    pub left_out_households: u32,
    pub strata: Vec<StratumSizeView>,
}

/// A plan as the county admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub protocol: u32,
    pub id: Uuid,
    pub title: String,
    pub state: PlanState,
    pub spec: PlanSpec,
    /// The draw (drawn and published plans): seed, frame version, villages and households
    /// with their inclusion probabilities, and where a stratum fell short.
    #[serde(default)]
    pub draw: Option<Draw>,
    #[serde(default)]
    pub seed_source: Option<SeedSource>,
    #[serde(default)]
    pub frame: Option<FrameSummary>,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub published_ms: Option<i64>,
    pub assignments: Vec<Assignment>,
}

/// A plan in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: Uuid,
    pub title: String,
    pub state: PlanState,
    pub year: i32,
    pub villages_drawn: u32,
    pub households_drawn: u32,
    pub assignments: u32,
    pub created_ms: i64,
    #[serde(default)]
    pub published_ms: Option<i64>,
}

/// `GET /api/v1/spotchecks/plans`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanList {
    pub protocol: u32,
    pub plans: Vec<PlanSummary>,
}

/// A checker of a pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checker {
    pub id: Uuid,
    pub display_name: String,
}

/// A drawn household as a checker sees it before observing (the blind view): where it is and
/// whom to ask for, nothing the register says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindHousehold {
    pub household_id: Uuid,
    pub village_id: Uuid,
    /// The stratum it was drawn in (an exited household is checked for 错退).
    pub household_type: HouseholdType,
    /// 户编号.
    #[serde(default)]
    pub household_number: Option<String>,
    /// 户主姓名: whom to ask for at the door.
    #[serde(default)]
    pub head_name: Option<String>,
    /// 自然村（村民小组）: the natural village's record comes with the checker's sync.
    #[serde(default)]
    pub natural_village_id: Option<Uuid>,
}

/// One assignment of a checker: the households to check and the villages to screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkAssignment {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan_title: String,
    /// The year evaluated.
    pub year: i32,
    pub checkers: Vec<Checker>,
    pub households: Vec<BlindHousehold>,
    /// Villages to screen for non-registered households (排查).
    pub screen_villages: Vec<Uuid>,
    /// Every village named above, with its town.
    pub places: Vec<VillageInfo>,
}

/// `GET /api/v1/spotchecks/assignments`: a supervisor's own assignments of published plans
/// (the county admin: every assignment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worklist {
    pub protocol: u32,
    pub assignments: Vec<WorkAssignment>,
}

/// `GET /api/v1/spotchecks/checks/{id}/register`: the register's household and members for a
/// check whose observation the server holds sealed, with the differences field by field
/// (computed by the domain from the observation the server holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRegister {
    pub protocol: u32,
    pub check_id: Uuid,
    pub household_id: Uuid,
    /// When the observation was sealed.
    pub observed_at: Timestamp,
    pub household: Household,
    pub members: Vec<Member>,
    pub differences: Vec<Difference>,
}

/// Where the check of a drawn household stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    /// Not given to any pair yet.
    Unassigned,
    /// Given to a pair; no check record has reached the server.
    Assigned,
    /// A check record is there; its observation is not sealed yet.
    Observing,
    /// The observation is sealed: the check counts in the estimates.
    Sealed,
    /// Sealed, but nobody was met at the door (是否见到户主或家庭成员 = 否): not counted.
    NotMet,
}

impl CheckState {
    /// The state as the county office reads it, zh-CN.
    pub fn zh(self) -> &'static str {
        match self {
            CheckState::Unassigned => "未分配",
            CheckState::Assigned => "已分配，未上报",
            CheckState::Observing => "核查中",
            CheckState::Sealed => "已完成",
            CheckState::NotMet => "未见到户",
        }
    }
}

/// A drawn household's check in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdProgress {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub household_type: HouseholdType,
    #[serde(default)]
    pub assignment_id: Option<Uuid>,
    /// The check record counted (the first sealed one, by id, when there are several).
    #[serde(default)]
    pub check_id: Option<Uuid>,
    pub state: CheckState,
    /// Check records of this household beyond the one counted.
    pub extra_checks: u32,
    pub wrong_exit_persons: u32,
    pub missed_persons: u32,
    #[serde(default)]
    pub recognises: Option<bool>,
    pub findings: u32,
    pub differences: u32,
}

/// A drawn village's screening in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageProgress {
    pub village_id: Uuid,
    pub village_type: VillageType,
    /// Given to a pair to screen.
    pub screen_assigned: bool,
    /// 非建档立卡户排查表 records of the village.
    pub screened_households: u32,
    /// The screened non-registered population (村排查情况表, summed over its records); `None`
    /// until one records it.
    #[serde(default)]
    pub non_registered_persons: Option<u32>,
    /// 漏评 persons found in the village (screened households and members missing from
    /// checked households).
    pub missed_persons: u32,
}

/// `GET /api/v1/spotchecks/plans/{id}/results`: the checks collected so far and the problems
/// they raise, for the county's problem list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanResults {
    pub protocol: u32,
    pub plan_id: Uuid,
    pub households: Vec<HouseholdProgress>,
    pub villages: Vec<VillageProgress>,
    /// Every finding marked 需整改 and every difference classified 登记有误 or 情况已变化 of
    /// the sealed checks, and every suspected 漏评 household screened.
    pub problems: Vec<ProblemSeed>,
    /// Check records of the plan that could not be read, or name a household or village the
    /// draw does not hold: listed, never counted.
    pub set_aside: Vec<Uuid>,
}

/// `GET /api/v1/spotchecks/plans/{id}/estimates`: 错退率, 漏评率 and 群众认可度 with their
/// intervals and decisions for the county, each town and each drawn village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanEstimates {
    pub protocol: u32,
    pub plan_id: Uuid,
    /// The evaluation standard's id (`henan-2018`).
    pub policy: String,
    pub method: IntervalMethod,
    /// The intra-village correlation assumed where the sample cannot show its design effect.
    pub assumed_rho: f64,
    /// Sealed checks counted.
    pub checks: u32,
    pub county: ScopeEstimates,
    pub towns: Vec<ScopeEstimates>,
    pub villages: Vec<ScopeEstimates>,
}
