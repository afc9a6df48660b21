//! The household's lifecycle as a state machine: 候选 (candidate, in the W5 procedure) →
//! 在册 (registered, poor) → 预脱贫 (proposed for exit; the province's pre-exit review, C9) →
//! 已脱贫 in year Y (after the exit procedure, `crate::exit_procedure`) → 返贫 in year Y′ →
//! 预脱贫 → 已脱贫 … and 销户 (closed) when every member has naturally decreased. Each
//! transition is a function that gives the new state or every reason it is refused;
//! [`check_transition`] is the gate every change of a household's state passes, whichever
//! way it comes (an action on the device, a push, a conflict's resolution).

use serde::{Deserialize, Serialize};

use crate::bundle::HouseholdBundle;
use crate::codes::household::ExitStatus;
use crate::exit::check_exit;
use crate::exit_procedure::{self, ExitProcedure};
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

    /// The state a household record shows in the policy year `year`: as [`HouseholdState::of`],
    /// except that a record marked 已脱贫 (or 返贫) without its year is taken as marked in
    /// `year`, so that leaving the year out never slips past the gate.
    pub fn at(h: &Household, year: i32) -> HouseholdState {
        let b = &h.basic;
        match b.status {
            Some(ExitStatus::Exited | ExitStatus::ExitedNoPolicy) => HouseholdState::Exited {
                year: b.exit_year.unwrap_or(year),
            },
            Some(ExitStatus::Returned) => HouseholdState::Returned {
                year: b.return_year.unwrap_or(year),
            },
            _ => HouseholdState::of(h),
        }
    }

    /// Whether the household counts as poor (未脱贫 or 返贫).
    pub fn is_poor(self) -> bool {
        matches!(
            self,
            HouseholdState::Registered | HouseholdState::Returned { .. }
        )
    }

    /// The state's name for the collector.
    pub fn zh(self) -> &'static str {
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

/// Marks the household 已脱贫 in the policy year (W1, W2, C9, Q2): refused unless it was
/// proposed (预脱贫), the exit gate still passes on today's data, and this year's exit
/// procedure is complete, the household's own recognition included.
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
    if let Err(reasons) = check_exit_procedure(bundle, policy) {
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

/// This year's exit procedure, complete (W1, Q2): paths in the household file form.
pub fn check_exit_procedure(b: &HouseholdBundle, policy: &YearPolicy) -> Result<(), Vec<Finding>> {
    let Some((i, p)) = open_exit_procedure(b, policy.year) else {
        return Err(vec![
            Finding::error(
                "exit_procedure.missing",
                "exit_procedures",
                format!(
                    "{}年退出程序尚未记录：须经民主评议、核实、户主签字认可、村内公示、乡镇审核公告",
                    policy.year
                ),
            )
            .requirement("W1"),
        ]);
    };
    exit_procedure::check_complete(p, &b.members, policy).map_err(|reasons| {
        reasons
            .into_iter()
            .map(|mut f| {
                f.path = if f.path.is_empty() {
                    format!("exit_procedures[{i}]")
                } else {
                    format!("exit_procedures[{i}].{}", f.path)
                };
                f
            })
            .collect()
    })
}

/// The exit procedure of `year` under way or complete: the latest (by id, which is time
/// ordered) without a failed step, with its index in the bundle.
pub fn open_exit_procedure(b: &HouseholdBundle, year: i32) -> Option<(usize, &ExitProcedure)> {
    b.exit_procedures
        .iter()
        .enumerate()
        .filter(|(_, p)| p.year == Some(year) && !p.has_failed())
        .max_by_key(|(_, p)| p.id)
}

/// The gate on a change of a household's state: whether the household may go from `before`
/// (`None`: its record is new) to the state its record shows in `after`, the bundle as it
/// would be with the change. Every state change goes through the transition of its action:
/// 预脱贫 through [`pre_exit`], 已脱贫 this year through [`exit`], 返贫 through
/// [`return_to_poverty`], 在册 from 候选 through [`register`]. Taking a proposal back
/// (预脱贫 → 未脱贫 or 返贫) is allowed. A new record may show any state except 预脱贫 or 已脱贫
/// this year, which need their transitions: households exited in earlier years, returned or
/// registered ones come from the register as they are.
pub fn check_transition(
    before: Option<HouseholdState>,
    after: &HouseholdBundle,
    policy: &YearPolicy,
) -> Result<(), Vec<Finding>> {
    use HouseholdState::*;
    let to = HouseholdState::at(&after.household, policy.year);
    if before == Some(to) {
        return Ok(());
    }
    let from = before.unwrap_or(Registered);
    let refused = |from: HouseholdState| {
        Err(vec![
            Finding::error(
                "lifecycle.not_allowed",
                "household.basic.status",
                format!("脱贫状态不能由“{}”改为“{}”", from.zh(), to.zh()),
            )
            .requirement("W1"),
        ])
    };
    let procedure = |kind: ProcedureKind| {
        after
            .procedure
            .clone()
            .filter(|p| p.kind == kind)
            .unwrap_or(Procedure {
                kind,
                ..Procedure::default()
            })
    };
    match (before, to) {
        (_, Exited { year }) if year == policy.year => exit(from, after, policy).map(|_| ()),
        (_, PreExit) => pre_exit(from, after, policy).map(|_| ()),
        (None, _) => Ok(()),
        (Some(PreExit), Registered | Returned { .. }) => Ok(()),
        (Some(Candidate), Registered) => {
            register(Candidate, &procedure(ProcedureKind::NewIdentification)).map(|_| ())
        }
        (Some(from @ Exited { .. }), Returned { year }) => {
            return_to_poverty(from, &procedure(ProcedureKind::Return), year).map(|_| ())
        }
        // Correcting the year of an earlier exit or return is data, not a transition.
        (Some(Exited { .. }), Exited { .. }) | (Some(Returned { .. }), Returned { .. }) => Ok(()),
        (Some(from), _) => refused(from),
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
