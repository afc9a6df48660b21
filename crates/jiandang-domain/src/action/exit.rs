//! The household's way out of poverty and back (W1, W2, W5, C2, C9, Q2): proposing it for
//! exit (预脱贫) starts this year's exit procedure; each step is recorded in order
//! (`crate::exit_procedure`); marking it 已脱贫 waits for every step; a step that fails takes
//! the proposal back. Returning to poverty and registering a new identification follow their
//! W5 procedure.

use uuid::Uuid;

use crate::codes::household::ExitStatus;
use crate::exit_procedure::{self, ExitProcedure, ExitStepRecord};
use crate::finding::Finding;
use crate::judge::Context;
use crate::lifecycle::{self, HouseholdState};
use crate::procedure::{Procedure, ProcedureKind};
use crate::record::{RecordKind, StoredRecord};
use crate::steps::StepOutcome;

use super::{Edit, Outcome, checked, fields, json, subject};

/// 列为预脱贫户: proposes a poor household for exit this year (C9). Refused unless it is poor
/// (未脱贫 or 返贫) and already meets the exit standard (W1, W2) with this year's basic
/// information updated (C9). Its status becomes 预脱贫 and this year's exit procedure starts
/// (a new record `procedure_id`, unless one is under way).
pub fn propose_exit(
    household: Uuid,
    records: &[StoredRecord],
    procedure_id: Uuid,
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    lifecycle::pre_exit(s.state(ctx), &s.bundle, ctx.policy)?;
    let mut edits = Vec::new();
    if lifecycle::open_exit_procedure(&s.bundle, ctx.policy.year).is_none() {
        let p = ExitProcedure {
            id: procedure_id,
            village_id: s.record.village_id,
            household_id: household,
            year: Some(ctx.policy.year),
            steps: Vec::new(),
        };
        edits.push(Edit::Create {
            kind: RecordKind::ExitProcedure,
            id: procedure_id,
            village_id: s.record.village_id,
            doc: json(&p),
        });
    }
    edits.push(s.set(fields([("basic.status", json(ExitStatus::PreExit))])));
    checked(records, edits, ctx)
}

/// Records a step of this year's exit procedure (W1, Q2): the next step, or the last one
/// again while it has no outcome. Refused unless the household is 预脱贫 with its procedure
/// under way, the step is dated (not after today), and the procedure stays in order with it
/// (dates, the notice's days, the head's signature). A failed step ends the procedure and
/// takes the proposal back (不予退出): the household is 未脱贫 again, or 返贫 if it was.
pub fn record_exit_step(
    household: Uuid,
    records: &[StoredRecord],
    step: ExitStepRecord,
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    let state = s.state(ctx);
    if state != HouseholdState::PreExit {
        return Err(vec![refusal(
            "lifecycle.not_allowed",
            "household.basic.status",
            format!(
                "当前状态为“{}”，须先列为预脱贫户才能记录退出程序",
                state.zh()
            ),
        )]);
    }
    let Some((k, current)) = lifecycle::open_exit_procedure(&s.bundle, ctx.policy.year) else {
        return Err(lifecycle::check_exit_procedure(&s.bundle, ctx.policy)
            .err()
            .unwrap_or_default());
    };
    let at = |path: &str| format!("exit_procedures[{k}].{path}");
    let mut out = Vec::new();
    let mut p = current.clone();
    let last = p.steps.last().cloned();
    match (last, p.next_step()) {
        (Some(last), _) if last.step == step.step && last.outcome.is_none() => {
            p.steps.pop();
        }
        (_, Some(next)) if next == step.step => {}
        (_, next) => out.push(refusal(
            "exit_procedure.step_order",
            &at("steps"),
            match next {
                Some(next) => format!(
                    "下一步应为“{}”，不能记录“{}”",
                    crate::codes::Coded::zh(next),
                    crate::codes::Coded::zh(step.step)
                ),
                None => "退出程序的各步骤均已完成".to_owned(),
            },
        )),
    }
    match step.date {
        None => out.push(refusal(
            "exit_procedure.step_date_missing",
            &at("steps"),
            "请填写该步骤的日期".to_owned(),
        )),
        Some(date) if date > ctx.today() => out.push(refusal(
            "exit_procedure.date_in_future",
            &at("steps"),
            format!("日期（{date}）晚于今天，不能记录尚未进行的步骤"),
        )),
        Some(_) => {}
    }
    let failed = step.outcome == Some(StepOutcome::Failed);
    p.steps.push(step);
    // What the procedure says of itself with the step: only what the step brings is its
    // refusal (an earlier problem was the earlier step's).
    let before: Vec<Finding> = exit_procedure::check(current, &s.bundle.members, ctx.policy);
    for f in exit_procedure::check(&p, &s.bundle.members, ctx.policy) {
        if f.is_error() && !before.contains(&f) {
            out.push(Finding {
                path: at(&f.path),
                ..f
            });
        }
    }
    if !out.is_empty() {
        return Err(out);
    }
    let mut edits = vec![Edit::Set {
        kind: RecordKind::ExitProcedure,
        id: p.id,
        fields: fields([("steps", json(&p.steps))]),
    }];
    if failed {
        let back = if s.bundle.household.basic.return_year.is_some() {
            ExitStatus::Returned
        } else {
            ExitStatus::NotExited
        };
        edits.push(s.set(fields([("basic.status", json(back))])));
    }
    checked(records, edits, ctx)
}

/// 标记脱贫: marks the household 已脱贫 this year (W1, W2, C9, Q2). Refused unless it is 预脱贫,
/// still meets the exit standard on today's data, and this year's exit procedure is complete.
/// Its 脱贫年度 becomes this year and its 贫困户属性 the exited one (FORMS.md §1.3).
pub fn mark_exited(household: Uuid, records: &[StoredRecord], ctx: &Context<'_>) -> Outcome {
    let s = subject(household, records)?;
    lifecycle::exit(s.state(ctx), &s.bundle, ctx.policy)?;
    let mut set = fields([
        ("basic.status", json(ExitStatus::Exited)),
        ("basic.exit_year", json(ctx.policy.year)),
    ]);
    if let Some(attribute) = s.bundle.household.basic.attribute {
        set.insert("basic.attribute".into(), json(attribute.on_exit()));
    }
    checked(records, vec![s.set(set)], ctx)
}

/// 返贫纳入: takes an exited household back in as 返贫 this year (W5, C2). Refused unless it
/// has exited and its return procedure (识别程序 of kind 返贫纳入) is complete with a reason.
/// Its 返贫年度 becomes this year, its 返贫原因 the procedure's, its attribute the poor one.
pub fn return_to_poverty(household: Uuid, records: &[StoredRecord], ctx: &Context<'_>) -> Outcome {
    let s = subject(household, records)?;
    let procedure = procedure_of(&s.bundle.procedure, ProcedureKind::Return);
    lifecycle::return_to_poverty(s.state(ctx), &procedure, ctx.policy.year)?;
    let mut set = fields([
        ("basic.status", json(ExitStatus::Returned)),
        ("basic.return_year", json(ctx.policy.year)),
        ("basic.return_reason", json(procedure.return_reason)),
    ]);
    if let Some(attribute) = s.bundle.household.basic.attribute {
        set.insert("basic.attribute".into(), json(attribute.on_return()));
    }
    checked(records, vec![s.set(set)], ctx)
}

/// 新识别录入: registers a candidate household (W5). Refused unless it is a candidate (no
/// 脱贫状态 yet) and its new-identification procedure is complete, every step passed. It
/// becomes 未脱贫, identified this year.
pub fn register_identification(
    household: Uuid,
    records: &[StoredRecord],
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    let procedure = procedure_of(&s.bundle.procedure, ProcedureKind::NewIdentification);
    lifecycle::register(s.state(ctx), &procedure)?;
    let set = fields([
        ("basic.status", json(ExitStatus::NotExited)),
        ("basic.identified_year", json(ctx.policy.year)),
        ("basic.year", json(ctx.policy.year)),
    ]);
    checked(records, vec![s.set(set)], ctx)
}

/// The household's procedure, or an empty one of `kind` when it has none (the lifecycle then
/// lists every missing step).
fn procedure_of(p: &Option<Procedure>, kind: ProcedureKind) -> Procedure {
    p.clone().unwrap_or(Procedure {
        kind,
        ..Procedure::default()
    })
}

fn refusal(code: &str, path: &str, message: String) -> Finding {
    Finding::error(code, path, message).requirement("W1")
}
