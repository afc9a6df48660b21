//! The household's lifecycle as a state machine: 候选 (candidate, in the W5 procedure) →
//! 在册 (registered, poor) → 预脱贫 (province pre-exit review, C9) → 已脱贫 in year Y → 返贫 in
//! year Y′ → 预脱贫 → 已脱贫 … and 销户 (closed) when every member has naturally decreased. Each transition is a function that gives the
//! new state or every reason it is refused.

use serde::{Deserialize, Serialize};

use crate::bundle::HouseholdBundle;
use crate::codes::household::ExitStatus;
use crate::exit::check_exit;
use crate::finding::Finding;
use crate::household::Household;
use crate::member::Member;
use crate::policy::YearPolicy;
use crate::procedure::{Procedure, ProcedureKind, check_registration};

/// Where a household is in its life.
/// JSON: `{"state": "candidate"}`, `{"state": "exited", "year": 2018}`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HouseholdState {
    /// Applied for identification (新识别); the procedure is under way.
    Candidate,
    /// 在册贫困户, not exited.
    Registered,
    /// 预脱贫: proposed for exit this cycle, under the province platform's review (C9).
    PreExit,
    /// 已脱贫 in `year`.
    Exited { year: i32 },
    /// 返贫 in `year`: poor again after an exit.
    Returned { year: i32 },
    /// 销户: no member left (all naturally decreased). Final.
    Closed,
}

impl HouseholdState {
    /// The state a household record shows: from its 脱贫状态 and years. A record without a
    /// status is a candidate.
    pub fn of(h: &Household) -> HouseholdState {
        let b = &h.basic;
        match b.status {
            None => HouseholdState::Candidate,
            Some(ExitStatus::NotExited) => HouseholdState::Registered,
            Some(ExitStatus::PreExit) => HouseholdState::PreExit,
            Some(ExitStatus::Exited | ExitStatus::ExitedNoPolicy) => match b.exit_year {
                Some(year) => HouseholdState::Exited { year },
                None => HouseholdState::Registered,
            },
            Some(ExitStatus::Returned) => match b.return_year {
                Some(year) => HouseholdState::Returned { year },
                None => HouseholdState::Registered,
            },
        }
    }

    /// Whether the household counts as poor (未脱贫 or 返贫).
    pub fn is_poor(self) -> bool {
        matches!(
            self,
            HouseholdState::Registered | HouseholdState::Returned { .. }
        )
    }

    fn zh(self) -> &'static str {
        match self {
            HouseholdState::Candidate => "待识别",
            HouseholdState::Registered => "未脱贫",
            HouseholdState::PreExit => "预脱贫",
            HouseholdState::Exited { .. } => "已脱贫",
            HouseholdState::Returned { .. } => "返贫",
            HouseholdState::Closed => "已销户",
        }
    }
}

/// Registers a candidate after its 新识别 procedure (W5): refused unless the state is
/// 候选 and every step of a new-identification procedure is done and passed.
pub fn register(
    state: HouseholdState,
    procedure: &Procedure,
) -> Result<HouseholdState, Vec<Finding>> {
    let mut out = Vec::new();
    if state != HouseholdState::Candidate {
        out.push(not_from(state, "录入为贫困户"));
    }
    if procedure.kind != ProcedureKind::NewIdentification {
        out.push(
            Finding::error(
                "lifecycle.wrong_procedure",
                "procedure.kind",
                "新识别录入须使用新识别程序",
            )
            .requirement("W5"),
        );
    }
    if let Err(reasons) = check_registration(procedure) {
        out.extend(reasons);
    }
    if out.is_empty() {
        Ok(HouseholdState::Registered)
    } else {
        Err(out)
    }
}

/// Proposes a poor household for exit (预脱贫, C9): refused unless it is poor now and the
/// exit gate passes, so the province review only sees households that meet the standard.
pub fn pre_exit(
    state: HouseholdState,
    bundle: &HouseholdBundle,
    policy: &YearPolicy,
) -> Result<HouseholdState, Vec<Finding>> {
    let mut out = Vec::new();
    if !state.is_poor() {
        out.push(not_from(state, "列为预脱贫户"));
    }
    if let Err(reasons) = check_exit(bundle, policy) {
        out.extend(reasons);
    }
    if out.is_empty() {
        Ok(HouseholdState::PreExit)
    } else {
        Err(out)
    }
}

/// Marks the household 已脱贫 in the policy year (W1, W2, C9): refused unless it passed the
/// pre-exit review (预脱贫) and the exit gate still passes on today's data.
pub fn exit(
    state: HouseholdState,
    bundle: &HouseholdBundle,
    policy: &YearPolicy,
) -> Result<HouseholdState, Vec<Finding>> {
    let mut out = Vec::new();
    match state {
        HouseholdState::PreExit => {}
        HouseholdState::Registered | HouseholdState::Returned { .. } => out.push(
            Finding::error(
                "lifecycle.pre_exit_required",
                "household.basic.status",
                "须先经省级平台预脱贫户审核（列为预脱贫户），再标记脱贫",
            )
            .requirement("C9"),
        ),
        other => out.push(not_from(other, "标记脱贫")),
    }
    if let Err(reasons) = check_exit(bundle, policy) {
        out.extend(reasons);
    }
    if out.is_empty() {
        Ok(HouseholdState::Exited { year: policy.year })
    } else {
        Err(out)
    }
}

/// Takes an exited household back in as 返贫 in `year` (W5, C2): refused unless it has exited
/// before `year` (or in it) and its return procedure is complete with a reason.
pub fn return_to_poverty(
    state: HouseholdState,
    procedure: &Procedure,
    year: i32,
) -> Result<HouseholdState, Vec<Finding>> {
    let mut out = Vec::new();
    match state {
        HouseholdState::Exited { year: exited } if exited <= year => {}
        HouseholdState::Exited { .. } => out.push(
            Finding::error(
                "lifecycle.year_order",
                "household.basic.return_year",
                "返贫年度不能早于脱贫年度",
            )
            .requirement("W5"),
        ),
        other => out.push(not_from(other, "返贫纳入")),
    }
    if procedure.kind != ProcedureKind::Return {
        out.push(
            Finding::error(
                "lifecycle.wrong_procedure",
                "procedure.kind",
                "返贫纳入须使用返贫程序",
            )
            .requirement("W5"),
        );
    }
    if let Err(reasons) = check_registration(procedure) {
        out.extend(reasons);
    }
    if out.is_empty() {
        Ok(HouseholdState::Returned { year })
    } else {
        Err(out)
    }
}

/// Closes (销户) a household whose members have all naturally decreased (W6).
pub fn close(state: HouseholdState, members: &[Member]) -> Result<HouseholdState, Vec<Finding>> {
    let mut out = Vec::new();
    if state == HouseholdState::Closed {
        out.push(not_from(state, "销户"));
    }
    let present = members.iter().filter(|m| m.is_present()).count();
    if present > 0 {
        out.push(
            Finding::error(
                "lifecycle.members_remaining",
                "members",
                format!("户内仍有{present}名在册成员，不能销户"),
            )
            .requirement("W6"),
        );
    }
    if out.is_empty() {
        Ok(HouseholdState::Closed)
    } else {
        Err(out)
    }
}

fn not_from(state: HouseholdState, action: &str) -> Finding {
    Finding::error(
        "lifecycle.not_allowed",
        "household.basic.status",
        format!("当前状态为“{}”，不能{action}", state.zh()),
    )
    .requirement("W1")
}
