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

code_list! {
    /// How a step ended.
    pub enum StepOutcome: "step_outcome", "2018", "步骤结果" {
        Passed = ("passed", "通过", "passed, no objection"),
        Failed = ("failed", "未通过", "failed, objection or comparison mismatch"),
    }
}

impl ProcedureStep {
    pub const ALL: [ProcedureStep; 6] = [
        ProcedureStep::Application,
        ProcedureStep::DemocraticAppraisal,
        ProcedureStep::FirstNotice,
        ProcedureStep::Comparison,
        ProcedureStep::SecondNotice,
        ProcedureStep::Announcement,
    ];
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
    let mut out = Vec::new();
    let mut last: Option<(ProcedureStep, Option<Date>)> = None;
    for (i, rec) in p.steps.iter().enumerate() {
        let path = format!("steps[{i}]");
        if let Some((prev, prev_date)) = last {
            if rec.step == prev {
                out.push(
                    Finding::error(
                        "procedure.step_repeated",
                        format!("{path}.step"),
                        format!("步骤“{}”重复记录", rec.step.zh()),
                    )
                    .requirement("W5"),
                );
            } else if rec.step < prev {
                out.push(
                    Finding::error(
                        "procedure.step_order",
                        format!("{path}.step"),
                        format!(
                            "程序步骤顺序错误：“{}”应在“{}”之前",
                            rec.step.zh(),
                            prev.zh()
                        ),
                    )
                    .requirement("W5"),
                );
            }
            if let (Some(d), Some(pd)) = (rec.date, prev_date)
                && d < pd
            {
                out.push(
                    Finding::error(
                        "procedure.date_order",
                        format!("{path}.date"),
                        format!(
                            "“{}”的日期早于上一步“{}”的日期，请核对",
                            rec.step.zh(),
                            prev.zh()
                        ),
                    )
                    .requirement("W5"),
                );
            }
        }
        if i > 0 {
            let prev = &p.steps[i - 1];
            if prev.outcome != Some(StepOutcome::Passed) && rec.step > prev.step {
                out.push(
                    Finding::error(
                        "procedure.previous_not_passed",
                        format!("{path}.step"),
                        format!(
                            "上一步“{}”尚未通过，不能进行“{}”",
                            prev.step.zh(),
                            rec.step.zh()
                        ),
                    )
                    .requirement("W5"),
                );
            }
        }
        if rec.outcome.is_some() && rec.date.is_none() {
            out.push(
                Finding::error(
                    "procedure.step_date_missing",
                    format!("{path}.date"),
                    format!("“{}”已有结果，请填写日期", rec.step.zh()),
                )
                .requirement("W5"),
            );
        }
        last = Some((rec.step, rec.date));
    }
    // A step skipped in the middle: every step up to the last recorded one must be there.
    if let Some(max) = p.steps.iter().map(|s| s.step).max() {
        for step in ProcedureStep::ALL.into_iter().filter(|s| *s < max) {
            if p.step(step).is_none() {
                out.push(
                    Finding::error(
                        "procedure.step_skipped",
                        "steps",
                        format!("缺少步骤“{}”，程序不能跳步", step.zh()),
                    )
                    .requirement("W5"),
                );
            }
        }
    }
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
    for step in ProcedureStep::ALL {
        match p.step(step) {
            None => out.push(
                Finding::error(
                    "procedure.step_missing",
                    "steps",
                    format!("“{}”尚未完成，不能录入", step.zh()),
                )
                .requirement("W5"),
            ),
            Some(rec) if rec.outcome != Some(StepOutcome::Passed) => out.push(
                Finding::error(
                    "procedure.step_not_passed",
                    "steps",
                    format!(
                        "“{}”{}，不能录入",
                        step.zh(),
                        if rec.outcome == Some(StepOutcome::Failed) {
                            "未通过"
                        } else {
                            "尚无结果"
                        }
                    ),
                )
                .requirement("W5"),
            ),
            Some(_) => {}
        }
    }
    dedup(&mut out);
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The code lists of this module, for [`crate::codes::all`].
pub fn lists() -> Vec<&'static CodeList> {
    vec![ProcedureKind::LIST, ProcedureStep::LIST, StepOutcome::LIST]
}

/// The return reason's label, for messages.
pub fn return_reason_zh(p: &Procedure) -> Option<&'static str> {
    p.return_reason.map(Coded::zh)
}

fn dedup(findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code.clone(), f.path.clone(), f.message.clone())));
}
