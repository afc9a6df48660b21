//! Steps of a procedure recorded one by one: the identification and return procedure (识别
//!程序, W5) and the exit procedure (退出程序, W1). Both are a fixed sequence of steps, each
//! with its date and outcome; they share the checks here (each step at most once, in the
//! official order, none skipped, a later step only after the one before it passed, dates not
//! going back) and name their own codes and requirement.

use crate::code_list;
use crate::codes::Coded;
use crate::finding::Finding;
use crate::time::Date;

code_list! {
    /// How a step ended.
    pub enum StepOutcome: "step_outcome", "2018", "步骤结果" {
        Passed = ("passed", "通过", "passed, no objection"),
        Failed = ("failed", "未通过", "failed, objection or comparison mismatch"),
    }
}

/// What the checks need of one recorded step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded<S> {
    pub step: S,
    pub date: Option<Date>,
    pub outcome: Option<StepOutcome>,
}

/// How a procedure names its findings: `{code}.step_order` … and the requirement they cite.
#[derive(Debug, Clone, Copy)]
pub struct Naming {
    pub code: &'static str,
    pub requirement: &'static str,
}

impl Naming {
    fn error(&self, code: &str, path: impl Into<String>, message: String) -> Finding {
        Finding::error(&format!("{}.{code}", self.code), path, message)
            .requirement(self.requirement)
    }
}

/// The steps as recorded so far: order, repetition, dates, the previous step passed, a date
/// wherever there is an outcome, nothing skipped. Paths are `steps[i].…` and `steps`.
pub fn check_order<S: Coded + Ord>(steps: &[Recorded<S>], naming: Naming) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut last: Option<(S, Option<Date>)> = None;
    for (i, rec) in steps.iter().enumerate() {
        let path = format!("steps[{i}]");
        if let Some((prev, prev_date)) = last {
            if rec.step == prev {
                out.push(naming.error(
                    "step_repeated",
                    format!("{path}.step"),
                    format!("步骤“{}”重复记录", rec.step.zh()),
                ));
            } else if rec.step < prev {
                out.push(naming.error(
                    "step_order",
                    format!("{path}.step"),
                    format!(
                        "程序步骤顺序错误：“{}”应在“{}”之前",
                        rec.step.zh(),
                        prev.zh()
                    ),
                ));
            }
            if let (Some(d), Some(pd)) = (rec.date, prev_date)
                && d < pd
            {
                out.push(naming.error(
                    "date_order",
                    format!("{path}.date"),
                    format!(
                        "“{}”的日期早于上一步“{}”的日期，请核对",
                        rec.step.zh(),
                        prev.zh()
                    ),
                ));
            }
        }
        if i > 0 {
            let prev = &steps[i - 1];
            if prev.outcome != Some(StepOutcome::Passed) && rec.step > prev.step {
                out.push(naming.error(
                    "previous_not_passed",
                    format!("{path}.step"),
                    format!(
                        "上一步“{}”尚未通过，不能进行“{}”",
                        prev.step.zh(),
                        rec.step.zh()
                    ),
                ));
            }
        }
        if rec.outcome.is_some() && rec.date.is_none() {
            out.push(naming.error(
                "step_date_missing",
                format!("{path}.date"),
                format!("“{}”已有结果，请填写日期", rec.step.zh()),
            ));
        }
        last = Some((rec.step, rec.date));
    }
    // A step skipped in the middle: every step up to the last recorded one must be there.
    if let Some(max) = steps.iter().map(|s| s.step).max() {
        for step in S::ALL.iter().copied().filter(|s| *s < max) {
            if !steps.iter().any(|s| s.step == step) {
                out.push(naming.error(
                    "step_skipped",
                    "steps",
                    format!("缺少步骤“{}”，程序不能跳步", step.zh()),
                ));
            }
        }
    }
    out
}

/// Whether every step is recorded and passed; `action` names what waits for it (`录入`,
/// `标记脱贫`). Returns the reasons it is not, with path `steps`.
pub fn check_complete<S: Coded + Ord>(
    steps: &[Recorded<S>],
    naming: Naming,
    action: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for step in S::ALL.iter().copied() {
        match steps.iter().find(|s| s.step == step) {
            None => out.push(naming.error(
                "step_missing",
                "steps",
                format!("“{}”尚未完成，不能{action}", step.zh()),
            )),
            Some(rec) if rec.outcome != Some(StepOutcome::Passed) => out.push(naming.error(
                "step_not_passed",
                "steps",
                format!(
                    "“{}”{}，不能{action}",
                    step.zh(),
                    if rec.outcome == Some(StepOutcome::Failed) {
                        "未通过"
                    } else {
                        "尚无结果"
                    }
                ),
            )),
            Some(_) => {}
        }
    }
    out
}
