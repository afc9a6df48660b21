//! The household exit procedure (贫困户退出程序, W1, Q2), as Henan's 贫困退出实施办法 sets it
//! out (FORMS.md §6.1): 民主评议 → 村两委和驻村工作队核实 → 户主签字认可 → 村内公示 → 乡镇审核、
//! 公告, then the mark in the system. One record per household and exit year, with each step's
//! date, outcome, note and attachments; the household is marked 已脱贫 only when every step
//! has passed (see `crate::lifecycle`).
//!
//! Our readings, where the texts leave it open:
//! - The household is 预脱贫 (the province platform's pre-exit list, C9) from the moment it is
//!   proposed, before the appraisal, and stays there through the procedure; the notice's
//!   "proposed by the appraisal" is the appraisal step passing.
//! - 拟退出户认可: the national text asks that the household recognise its exit; Henan's
//!   forms carry the household head's signature, so the step names the member who signed and
//!   that member must be the head (Q2: no exit without the household's own recognition).
//! - 公示: "村内公示无异议" sets no length; we take seven days (Henan's practice), a policy
//!   parameter (`YearPolicy::exit_notice_min_days`), and the town may not announce before the
//!   notice is over.
//! - 乡镇审核、公告 is one step: the town reviews and announces the exit (some counties
//!   announce at county level; the step's date is the announcement's).
//! - A step that fails ends the procedure: the household is not exited this time (不予退出)
//!   and goes back to 未脱贫 (or 返贫); proposing it again starts a new procedure.
//!
//! JSON shape: `{"id", "village_id", "household_id", "year": 2018, "steps": [{"step":
//! "democratic_appraisal", "date": "2018-10-10", "outcome": "passed"|"failed"|null,
//! "notice_days": 7|null, "signed_by": uuid|null, "note", "attachment_photo_ids": [uuid…]},
//! …]}`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code_list;
use crate::codes::{CodeList, Coded};
use crate::finding::Finding;
use crate::member::Member;
use crate::policy::YearPolicy;
use crate::steps::{self, Naming, Recorded, StepOutcome};
use crate::time::Date;

code_list! {
    /// A step of the exit procedure, in the order it must happen.
    #[derive(Default)]
    pub enum ExitStep: "exit_step", "2018", "退出程序步骤" {
        #[default]
        DemocraticAppraisal = ("democratic_appraisal", "民主评议", "democratic appraisal proposes the exit"),
        Verification = ("verification", "村两委和驻村工作队核实", "verified by the village committee and the work team"),
        Recognition = ("recognition", "户主签字认可", "the household head signs the recognition"),
        VillageNotice = ("village_notice", "村内公示", "public notice in the village, no objection"),
        TownReview = ("town_review", "乡镇审核、公告", "town review and announcement"),
    }
}

/// One step as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExitStepRecord {
    pub step: ExitStep,
    /// When the step took place (for the notice, the day it was put up).
    pub date: Option<Date>,
    /// `None` while the step is under way.
    pub outcome: Option<StepOutcome>,
    /// 公示天数: for the village notice, how many days it stayed up.
    pub notice_days: Option<u32>,
    /// 签字人: for the recognition, the member who signed (the household head).
    pub signed_by: Option<Uuid>,
    pub note: Option<String>,
    /// Photos of the appraisal record, the signed recognition, the notice.
    pub attachment_photo_ids: Vec<Uuid>,
}

/// 贫困户退出程序: the exit procedure of one household for one exit year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ExitProcedure {
    pub id: Uuid,
    pub village_id: Uuid,
    pub household_id: Uuid,
    /// The year the household is to exit in (the policy year when it was proposed).
    pub year: Option<i32>,
    /// The steps recorded so far, in order.
    pub steps: Vec<ExitStepRecord>,
}

impl ExitProcedure {
    /// The record of `step`, if any.
    pub fn step(&self, step: ExitStep) -> Option<&ExitStepRecord> {
        self.steps.iter().find(|s| s.step == step)
    }

    /// Whether a step has failed: the procedure is over without an exit.
    pub fn has_failed(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.outcome == Some(StepOutcome::Failed))
    }

    /// The step to record next: the first not yet passed, or `None` when every step passed
    /// or one failed.
    pub fn next_step(&self) -> Option<ExitStep> {
        if self.has_failed() {
            return None;
        }
        ExitStep::ALL.iter().copied().find(|step| {
            self.step(*step)
                .is_none_or(|s| s.outcome != Some(StepOutcome::Passed))
        })
    }

    fn recorded(&self) -> Vec<Recorded<ExitStep>> {
        self.steps
            .iter()
            .map(|s| Recorded {
                step: s.step,
                date: s.date,
                outcome: s.outcome,
            })
            .collect()
    }
}

/// Checks the procedure as recorded so far (W1, Q2): the steps in order (as for W5), the
/// notice up for at least the policy's days and over before the town announces, the
/// recognition signed by the household head among `members`. Paths are relative to the
/// procedure (`steps[3].notice_days`).
pub fn check(p: &ExitProcedure, members: &[Member], policy: &YearPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    if p.year.is_none() {
        out.push(
            Finding::error("exit_procedure.year_missing", "year", "请填写拟退出年度")
                .requirement("W1"),
        );
    }
    out.extend(steps::check_order(&p.recorded(), NAMING));
    let notice = p
        .steps
        .iter()
        .position(|s| s.step == ExitStep::VillageNotice);
    for (i, s) in p.steps.iter().enumerate() {
        match s.step {
            ExitStep::VillageNotice if s.outcome.is_some() => match s.notice_days {
                None => out.push(
                    Finding::error(
                        "exit_procedure.notice_days_missing",
                        format!("steps[{i}].notice_days"),
                        "请填写村内公示天数",
                    )
                    .requirement("W1"),
                ),
                Some(days) if days < policy.exit_notice_min_days => out.push(
                    Finding::error(
                        "exit_procedure.notice_too_short",
                        format!("steps[{i}].notice_days"),
                        format!(
                            "村内公示{days}天，少于{}天的公示期",
                            policy.exit_notice_min_days
                        ),
                    )
                    .requirement("W1"),
                ),
                Some(_) => {}
            },
            ExitStep::TownReview => {
                let over = notice
                    .map(|n| &p.steps[n])
                    .and_then(|n| Some(n.date?.add_days(i64::from(n.notice_days?))));
                if let (Some(date), Some(over)) = (s.date, over)
                    && date < over
                {
                    out.push(
                        Finding::error(
                            "exit_procedure.notice_not_over",
                            format!("steps[{i}].date"),
                            format!("公示期至{}结束，乡镇审核、公告不能早于此日", over),
                        )
                        .requirement("W1"),
                    );
                }
            }
            ExitStep::Recognition if s.outcome == Some(StepOutcome::Passed) => {
                out.extend(check_signature(s, i, members));
            }
            _ => {}
        }
    }
    out
}

/// Whether the household may be marked 已脱贫 by its procedure: every step passed, and
/// [`check`] without errors. Returns every reason it may not.
pub fn check_complete(
    p: &ExitProcedure,
    members: &[Member],
    policy: &YearPolicy,
) -> Result<(), Vec<Finding>> {
    let mut out: Vec<Finding> = check(p, members, policy)
        .into_iter()
        .filter(Finding::is_error)
        .collect();
    let mut missing = steps::check_complete(&p.recorded(), NAMING, "标记脱贫");
    // The household's own recognition is Q2's, whatever step is missing with it.
    for f in &mut missing {
        if f.message.contains(ExitStep::Recognition.zh()) {
            f.requirement = Some("Q2".to_owned());
        }
    }
    out.extend(missing);
    crate::finding::dedup(&mut out);
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The code lists of this module, for `crate::forms::code_lists`.
pub fn lists() -> Vec<&'static CodeList> {
    vec![ExitStep::LIST]
}

const NAMING: Naming = Naming {
    code: "exit_procedure",
    requirement: "W1",
};

/// Q2: the recognition is signed, by a member of the household who is its head.
fn check_signature(s: &ExitStepRecord, i: usize, members: &[Member]) -> Vec<Finding> {
    let path = format!("steps[{i}].signed_by");
    let refusal = |code: &str, message: &str| {
        vec![Finding::error(code, path.clone(), message).requirement("Q2")]
    };
    let Some(id) = s.signed_by else {
        return refusal(
            "exit_procedure.recognition_unsigned",
            "请选择签字认可的户主",
        );
    };
    match members.iter().find(|m| m.id == id) {
        Some(m) if m.is_present() && m.is_head() => Vec::new(),
        Some(m) if m.is_present() => refusal(
            "exit_procedure.recognition_not_head",
            "脱贫认可须由户主签字",
        ),
        _ => refusal(
            "exit_procedure.recognition_not_member",
            "签字人不是本户在册家庭成员",
        ),
    }
}
