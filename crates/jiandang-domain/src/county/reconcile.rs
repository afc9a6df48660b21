//! A run's faults against the problems already raised (EVALUATION.md §6; issue 18: "the re-run
//! clears the fixed one; the county closes both"):
//!
//! - a fault with an open problem of its key: nothing new; the problem's text, rank and field
//!   label follow the fault, and a 复核已消除 mark is taken back (the fault is there again);
//! - a fault whose key's problem the county closed as 不属实 or withdrew: nothing (the county
//!   has accepted it is not a problem; a new problem would send the same item back);
//! - any other fault: a new problem, 待核实;
//! - an open problem a check raised, within what the run covers, whose fault the run no
//!   longer finds: marked 复核已消除 (`recheck.fault_gone`) for the county to close. The run
//!   never closes a problem itself.
//!
//! Every edit goes through the problem's gate as the county's.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::action::Edit;
use crate::action::problem::{change, create, field_label};
use crate::judge::Context;
use crate::problem::{ClosingKind, Problem, ProblemRole, ProblemSource, Raise};
use crate::record::{RecordKind, StoredRecord};

use super::checks;
use super::{Fault, Scope, scope_key};

/// The edits that bring `problems` in line with `faults` (see the module's docs). New
/// problems take their ids from `new_id`, in the order of the faults.
pub fn reconcile(
    faults: &[Fault],
    scope: &Scope,
    problems: &[Problem],
    ctx: &Context<'_>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Vec<Edit> {
    let mut by_key: BTreeMap<&str, Vec<&Problem>> = BTreeMap::new();
    for p in problems
        .iter()
        .filter(|p| p.source == Some(ProblemSource::Check))
    {
        by_key.entry(p.key.as_str()).or_default().push(p);
    }
    let mut out = Vec::new();
    let found: BTreeSet<&str> = faults.iter().map(|f| f.key.as_str()).collect();
    for f in faults {
        let raised = by_key.get(f.key.as_str()).map_or(&[][..], Vec::as_slice);
        if let Some(open) = raised.iter().find(|p| p.is_open()) {
            let mut after = (*open).clone();
            after.text.clone_from(&f.text);
            after.rank = f.rank;
            after.field_label = label(f).or(after.field_label);
            if after.recheck.fault_gone == Some(true) {
                after.recheck.fault_gone = Some(false);
                after.recheck.at = Some(ctx.now);
            }
            out.extend(set(open, &after));
            continue;
        }
        let accepted = raised.iter().any(|p| {
            matches!(
                p.closing.kind,
                Some(ClosingKind::Dismissed | ClosingKind::Withdrawn)
            )
        });
        if accepted {
            continue;
        }
        let def = f.def();
        let problem = Problem::raise(
            new_id(),
            Raise {
                source: ProblemSource::Check,
                check: f.check.to_owned(),
                key: f.key.clone(),
                title: def.title_zh.to_owned(),
                requirement: Some(f.requirement.to_owned()),
                severity: f.severity.into(),
                village_id: f.village_id,
                record_kind: f.record_kind,
                record_id: f.record_id,
                household_id: f.household_id,
                path: f.path.clone(),
                field_label: label(f),
                text: f.text.clone(),
                verify: def.verify_zh.to_owned(),
                rank: f.rank,
                raised_by: None,
                source_ref: None,
            },
            ctx.now,
        );
        // A problem built from a fault always passes the gate; one that did not would be a
        // bug in the catalogue, and is left out rather than stored half-made.
        if let Ok(edits) = create(problem, ProblemRole::County) {
            out.extend(edits);
        }
    }
    for p in problems.iter().filter(|p| {
        p.source == Some(ProblemSource::Check)
            && p.is_open()
            && p.recheck.fault_gone != Some(true)
            && !found.contains(p.key.as_str())
    }) {
        let Some(def) = checks::by_code(&p.check) else {
            continue;
        };
        let key = scope_key(
            def.level,
            p.village_id,
            p.record_kind,
            p.record_id,
            p.household_id,
        );
        if !scope.covers(key) {
            continue;
        }
        let mut after = p.clone();
        after.recheck.fault_gone = Some(true);
        after.recheck.at = Some(ctx.now);
        out.extend(set(p, &after));
    }
    out
}

/// The field's label on its record's form.
fn label(f: &Fault) -> Option<String> {
    let kind = f.record_kind?;
    if f.path.is_empty() {
        return None;
    }
    field_label(kind, &f.path)
}

/// The set that moves `before` to `after`, through the gate (nothing when they are alike).
fn set(before: &Problem, after: &Problem) -> Vec<Edit> {
    if before == after {
        return Vec::new();
    }
    let stored = StoredRecord {
        kind: RecordKind::Problem,
        id: before.id,
        village_id: before.village_id,
        doc: serde_json::Value::Null,
    };
    change(&stored, before, after, ProblemRole::County).unwrap_or_default()
}
