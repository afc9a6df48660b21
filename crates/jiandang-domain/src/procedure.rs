//! The new-identification and return-to-poverty procedure (新识别 / 返贫纳入, W5): 农户申请,
//! 民主评议, 第一次公示, 比对, 第二次公示, 公告, then registration (录入).
//!
//! JSON shape: `{"id", "household_id", "kind": "new_identification"|"return",
//! "return_reason": "1"…"13"|null, "steps": [{"step": "application", "date": "2018-10-08",
//! "outcome": "passed"|"failed"|null, "note", "attachment_photo_ids": [uuid…]}, …]}`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code_list;
use crate::codes::household::PovertyCause;
use crate::codes::{CodeList, Coded};
use crate::finding::Finding;
pub use crate::steps::StepOutcome;
use crate::steps::{self, Naming, Recorded};
use crate::time::Date;

code_list! {
    /// Which procedure: a household identified for the first time, or one returning to
    /// poverty.
    #[derive(Default)]
    pub enum ProcedureKind: "procedure_kind", "2018", "识别类型" {
        #[default]
        NewIdentification = ("new_identification", "新识别", "new identification"),
        Return = ("return", "返贫纳入", "return to poverty"),
    }
}

code_list! {
    /// A step of the procedure, in the order it must happen.
    #[derive(Default)]
    pub enum ProcedureStep: "procedure_step", "2018", "识别程序步骤" {
        #[default]
        Application = ("application", "农户申请", "household application"),
        DemocraticAppraisal = ("democratic_appraisal", "民主评议", "democratic appraisal"),
        FirstNotice = ("first_notice", "第一次公示", "first public notice"),
        Comparison = ("comparison", "比对", "county data comparison"),
        SecondNotice = ("second_notice", "第二次公示", "second public notice"),
        Announcement = ("announcement", "公告", "announcement"),
    }
}

/// One step as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StepRecord {
    pub step: ProcedureStep,
    /// When the step took place (for a notice, the day it was put up).
    pub date: Option<Date>,
    /// `None` while the step is under way.
    pub outcome: Option<StepOutcome>,
    pub note: Option<String>,
    /// Photos of the application, appraisal record, notices.
    pub attachment_photo_ids: Vec<Uuid>,
}

/// A 新识别 or 返贫 procedure of one household.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Procedure {
    pub id: Uuid,
    pub household_id: Uuid,
    pub kind: ProcedureKind,
    /// 返贫原因 (C2): required for a return.
    pub return_reason: Option<PovertyCause>,
    /// The steps recorded so far, in order.
    pub steps: Vec<StepRecord>,
}

impl Procedure {
    /// The record of `step`, if any.
    pub fn step(&self, step: ProcedureStep) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.step == step)
    }
}

/// Checks the procedure as recorded so far (W5): steps in the official order, each once,
/// dates not going back; a later step only after the earlier one passed; a return names its
/// reason. Errors block saving the step; see [`check_registration`] for registration.
pub fn check(p: &Procedure) -> Vec<Finding> {
    let mut out = steps::check_order(&p.recorded(), NAMING);
    if p.kind == ProcedureKind::Return && p.return_reason.is_none() {
        out.push(
            Finding::error(
                "procedure.return_reason_missing",
                "return_reason",
                "返贫纳入须填写返贫原因",
            )
            .requirement("C2"),
        );
    }
    out
}

/// Whether the household may be registered (录入) now: every step done and passed, in order,
/// and [`check`] clean. Returns every reason it may not.
pub fn check_registration(p: &Procedure) -> Result<(), Vec<Finding>> {
    let mut out: Vec<Finding> = check(p).into_iter().filter(Finding::is_error).collect();
    out.extend(steps::check_complete(&p.recorded(), NAMING, "录入"));
    crate::finding::dedup(&mut out);
    if out.is_empty() { Ok(()) } else { Err(out) }
}

const NAMING: Naming = Naming {
    code: "procedure",
    requirement: "W5",
};

impl Procedure {
    fn recorded(&self) -> Vec<Recorded<ProcedureStep>> {
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

/// The code lists of this module, for `crate::forms::code_lists`.
pub fn lists() -> Vec<&'static CodeList> {
    vec![ProcedureKind::LIST, ProcedureStep::LIST, StepOutcome::LIST]
}
