//! Who may push which spot-check change (issue 13): a supervisor writes the check records of
//! its assignments and nothing of the register; nobody else writes check records at all. And
//! the blind rule held on the server: once a check's observation is sealed its observed
//! values do not change, the seal is not lifted, and no difference is listed before it.
//!
//! A change is one field of one record, so a record's binding to an assignment (its
//! `plan_id` and, for a household check, `household_id`) is judged from the value the change
//! sets or, for the other fields, from the value the server holds; a record whose binding
//! has not arrived yet may only be written in a village of the checker's assignments, and
//! counts for nothing until it is bound (the results read bound records only).

use jiandang_domain::RecordKind;
use jiandang_domain::spotcheck::check::CheckError;
use jiandang_protocol::{Change, ErrorCode, Outcome, Role};
use rusqlite::Connection;
use serde_json::Value;
use uuid::Uuid;

use super::plans;
use super::register::{is_spot_kind, stored_field};
use crate::auth::Caller;
use crate::error::AppError;

/// How a change is scoped.
#[derive(Debug, Clone, PartialEq)]
pub enum PushScope {
    /// A change of the register: villages, the entry window and the rules decide.
    Register,
    /// A check record of the caller's assignments: accepted without the village and entry
    /// window checks (supervisors check after the entry window, in villages not theirs).
    SpotCheck,
    /// Refused as it stands.
    Refused(Outcome),
}

/// The fields that bind a check record to an assignment.
const PLAN: &str = "plan_id";
const HOUSEHOLD: &str = "household_id";
/// The sealed observation and what may only follow it.
const OBSERVED: [&str; 2] = ["observed", "observed_members"];
const OBSERVED_AT: &str = "observed_at";
const DIFFERENCES: &str = "differences";

/// How `change`, pushed by `caller`, is scoped.
pub fn push_scope(
    tx: &Connection,
    caller: &Caller,
    change: &Change,
) -> Result<PushScope, AppError> {
    if !is_spot_kind(change.kind) {
        if caller.role == Role::Supervisor {
            return Ok(refused(
                ErrorCode::Forbidden,
                "督导核查人员只能提交抽查核查记录，不能修改登记信息",
            ));
        }
        return Ok(PushScope::Register);
    }
    if caller.role != Role::Supervisor {
        return Ok(refused(
            ErrorCode::Forbidden,
            "只有分配了抽查任务的督导核查人员可以提交抽查核查记录",
        ));
    }
    let scope = plans::scope_in(tx, caller.user_id, change.village_id)?;
    if scope.is_empty() {
        return Ok(refused(
            ErrorCode::ForbiddenVillage,
            "该村没有分配给您的抽查任务",
        ));
    }
    let top = change.field.split('.').next().unwrap_or_default();
    if change.field.is_empty() {
        return Ok(bad("核查记录须逐项提交"));
    }
    // The binding: what the change sets, else what the server holds.
    let bound = |path: &str| -> Result<Result<Option<Uuid>, PushScope>, AppError> {
        if top == path {
            if change.field != path {
                return Ok(Err(bad("核查记录的方案、户编号须为记录编号")));
            }
            return Ok(canonical(&change.new)
                .map(Some)
                .ok_or_else(|| bad("核查记录的方案、户编号须为记录编号，且不能清除")));
        }
        Ok(Ok(stored_field(tx, change.record_id, path)?
            .as_ref()
            .and_then(canonical)))
    };
    let plan = match bound(PLAN)? {
        Ok(plan) => plan,
        Err(refusal) => return Ok(refusal),
    };
    let household = if change.kind == RecordKind::SpotCheck {
        match bound(HOUSEHOLD)? {
            Ok(household) => household,
            Err(refusal) => return Ok(refusal),
        }
    } else {
        None
    };
    let assigned = scope.iter().any(|(p, h)| {
        plan.is_none_or(|plan| plan == *p)
            && match change.kind {
                RecordKind::SpotCheck => h.is_some() && household.is_none_or(|x| Some(x) == *h),
                _ => h.is_none(),
            }
    });
    if !assigned {
        return Ok(refused(
            ErrorCode::Forbidden,
            match change.kind {
                RecordKind::SpotCheck => "该户不在分配给您的抽查任务中",
                _ => "该村不在分配给您的排查任务中",
            },
        ));
    }
    if change.kind == RecordKind::SpotCheck
        && let Some(refusal) = blind(tx, change, top)?
    {
        return Ok(refusal);
    }
    Ok(PushScope::SpotCheck)
}

/// The blind rule of a household check (EVALUATION.md §9.2) on one change: `None` when it
/// keeps it.
fn blind(tx: &Connection, change: &Change, top: &str) -> Result<Option<PushScope>, AppError> {
    let sealed = stored_field(tx, change.record_id, OBSERVED_AT)?.filter(|v| !v.is_null());
    if OBSERVED.contains(&top) && sealed.is_some() {
        return Ok(Some(rule(CheckError::Sealed.to_string())));
    }
    if change.field == OBSERVED_AT
        && let Some(at) = &sealed
        && *at != change.new
    {
        return Ok(Some(rule(CheckError::Sealed.to_string())));
    }
    let lists_differences =
        !(change.new.is_null() || change.new.as_array().is_some_and(Vec::is_empty));
    if top == DIFFERENCES && sealed.is_none() && lists_differences {
        return Ok(Some(rule(
            "观察记录完成前不能列出与登记信息的差异：请先完成观察记录",
        )));
    }
    Ok(None)
}

/// An id as the server stores and compares it: a UUID in its canonical (hyphenated, lower
/// case) text, which the spot-check scope matches as text.
fn canonical(value: &Value) -> Option<Uuid> {
    let text = value.as_str()?;
    let id = Uuid::parse_str(text).ok()?;
    (id.to_string() == text).then_some(id)
}

fn refused(code: ErrorCode, message: &str) -> PushScope {
    PushScope::Refused(Outcome::Refused {
        code,
        message: message.to_owned(),
    })
}

fn bad(message: &str) -> PushScope {
    refused(ErrorCode::BadRequest, message)
}

fn rule(message: impl Into<String>) -> PushScope {
    PushScope::Refused(Outcome::Refused {
        code: ErrorCode::RuleRefused,
        message: message.into(),
    })
}
