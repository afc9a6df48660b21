//! The problem-list actions (问题清单, EVALUATION.md §6): the county raises a problem by hand
//! on any record ("send back with a comment": how it rejects an exit or an identification it
//! does not accept), the field verifies it at the door (属实 / 不属实, a note, photos, a GPS
//! fix) and corrects the register, the county sends it back to 待核实 with a reason or closes
//! it (销号). Each takes the records as stored, what the actor chose and who the actor is, and
//! answers with the edits or every reason refused; each ends in the problem's gate
//! ([`crate::problem::check_transition`]), the same gate a push of a problem passes
//! ([`gate`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::catalog;
use crate::codes::Coded;
use crate::finding::Finding;
use crate::form::leaf_paths;
use crate::judge::{Context, Link, link_of};
use crate::problem::{
    Actor, ClosingKind, Problem, ProblemRole, ProblemSeverity, ProblemSource, ProblemState, Raise,
    Verdict, check_transition,
};
use crate::record::{RecordKind, StoredRecord};

use super::{Edit, Outcome, json};

/// The check code of a problem the county raises by hand.
pub const BY_HAND: &str = "county.by_hand";

/// What the county writes when it raises a problem by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandRaise {
    /// The new problem record.
    pub problem_id: Uuid,
    /// The record it is about (a household, a member, a village form …).
    pub record_id: Uuid,
    /// The field, a path of the record's form; empty for the record as a whole.
    pub path: String,
    /// 问题描述.
    pub text: String,
    /// 核实要点; a general one when `None`.
    pub verify: Option<String>,
    pub severity: ProblemSeverity,
}

/// What the field records at the door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub verdict: Verdict,
    /// Required when 不属实.
    pub note: Option<String>,
    /// Photo records (of this problem) that show it.
    pub photo_ids: Vec<Uuid>,
    /// A GPS fix (of this problem) taken at the door.
    pub gps_fix_id: Option<Uuid>,
}

/// 退回 (the county raises the problem by hand on any record of the register). Refused when
/// the record is not among `records`, the path is not a field of its form, or the text is
/// empty; and when the actor is not the county.
pub fn raise_by_hand(
    report: HandRaise,
    records: &[StoredRecord],
    actor: Actor,
    ctx: &Context<'_>,
) -> Outcome {
    let Some(record) = records.iter().find(|r| r.id == report.record_id) else {
        return Err(vec![refusal(
            "problem.record_missing",
            "record_id",
            "没有找到问题所涉的记录",
        )]);
    };
    let path = report.path.trim().to_owned();
    let label = if path.is_empty() {
        None
    } else {
        match field_label(record.kind, &path) {
            Some(label) => Some(label),
            None => {
                return Err(vec![refusal(
                    "problem.unknown_field",
                    "path",
                    "所选字段不在该记录的表单中",
                )]);
            }
        }
    };
    let problem = Problem::raise(
        report.problem_id,
        Raise {
            source: ProblemSource::County,
            check: BY_HAND.to_owned(),
            key: format!("{BY_HAND}|{}", report.problem_id),
            title: "县扶贫办退回".to_owned(),
            requirement: Some("EVALUATION §6".to_owned()),
            severity: report.severity,
            village_id: record.village_id,
            record_kind: Some(record.kind),
            record_id: Some(record.id),
            household_id: household_of(record, records),
            path,
            field_label: label,
            text: report.text.trim().to_owned(),
            verify: report
                .verify
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "按县扶贫办意见到户核实，属实的更正登记信息".to_owned()),
            rank: None,
            raised_by: Some(actor.user),
            source_ref: None,
        },
        ctx.now,
    );
    create(problem, actor.role)
}

/// 核实 (the field, at the door): 属实 or 不属实 (with a note), photos and a GPS fix of this
/// problem as evidence. From 待核实, or amending a verification not yet corrected.
pub fn verify(
    problem: Uuid,
    records: &[StoredRecord],
    report: VerifyReport,
    actor: Actor,
    ctx: &Context<'_>,
) -> Outcome {
    let (stored, before) = find(problem, records)?;
    let mut evidence = Vec::new();
    for (i, id) in report.photo_ids.iter().enumerate() {
        if !is_evidence(*id, RecordKind::Photo, problem, records) {
            evidence.push(refusal(
                "problem.photo_unknown",
                &format!("verification.photo_ids[{i}]"),
                "佐证照片须是为本问题拍摄的照片",
            ));
        }
    }
    if let Some(id) = report.gps_fix_id
        && !is_evidence(id, RecordKind::GpsFix, problem, records)
    {
        evidence.push(refusal(
            "problem.gps_fix_unknown",
            "verification.gps_fix_id",
            "核实定位须是为本问题采集的定位点",
        ));
    }
    if !evidence.is_empty() {
        return Err(evidence);
    }
    let mut after = before.clone();
    after.verification.verdict = Some(report.verdict);
    after.verification.note = report
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or(after.verification.note);
    if !report.photo_ids.is_empty() {
        after.verification.photo_ids = report.photo_ids;
    }
    after.verification.gps_fix_id = report.gps_fix_id.or(after.verification.gps_fix_id);
    after.verification.by = Some(actor.user);
    after.verification.at = Some(ctx.now);
    if after.state == ProblemState::Pending {
        after.state = ProblemState::Verified;
    }
    change(stored, &before, &after, actor.role)
}

/// 整改 (the field): the register is corrected (as its own edits) and the problem says how.
/// From 已核实 as 属实.
pub fn correct(
    problem: Uuid,
    records: &[StoredRecord],
    note: String,
    actor: Actor,
    ctx: &Context<'_>,
) -> Outcome {
    let (stored, before) = find(problem, records)?;
    let mut after = before.clone();
    after.correction.note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
    after.correction.by = Some(actor.user);
    after.correction.at = Some(ctx.now);
    after.state = ProblemState::Corrected;
    change(stored, &before, &after, actor.role)
}

/// 退回 (the county): back to 待核实 with a reason, from 已核实 or 已整改.
pub fn send_back(
    problem: Uuid,
    records: &[StoredRecord],
    reason: String,
    actor: Actor,
    ctx: &Context<'_>,
) -> Outcome {
    let (stored, before) = find(problem, records)?;
    let mut after = before.clone();
    after.sent_back.reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
    after.sent_back.by = Some(actor.user);
    after.sent_back.at = Some(ctx.now);
    after.sent_back.count = before.sent_back.count.saturating_add(1);
    after.state = ProblemState::Pending;
    change(stored, &before, &after, actor.role)
}

/// 销号 (the county): 整改销号 once corrected or the re-run found the fault gone, 核实不属实销号
/// once verified not true, 县级撤销 with a note.
pub fn close(
    problem: Uuid,
    records: &[StoredRecord],
    kind: ClosingKind,
    note: Option<String>,
    actor: Actor,
    ctx: &Context<'_>,
) -> Outcome {
    let (stored, before) = find(problem, records)?;
    let mut after = before.clone();
    after.closing.kind = Some(kind);
    after.closing.note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    after.closing.by = Some(actor.user);
    after.closing.at = Some(ctx.now);
    after.state = ProblemState::Closed;
    change(stored, &before, &after, actor.role)
}

/// What the county may do with a problem as it stands: the dashboard offers these and no
/// other (the server still decides each request through [`send_back`] and [`close`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CountyMoves {
    /// 退回 to 待核实, with a reason.
    pub send_back: bool,
    /// The ways it may be closed (销号) now; 县级撤销 with its note.
    pub close: Vec<ClosingKind>,
}

/// The county's moves on `problem` (a stored problem record): each action tried on it as the
/// county would make it (a reason, a note), so the answer is the actions' own gate.
pub fn county_moves(problem: &StoredRecord, ctx: &Context<'_>) -> CountyMoves {
    let records = std::slice::from_ref(problem);
    let actor = Actor {
        user: Uuid::nil(),
        role: ProblemRole::County,
    };
    // A reason and a note as the county gives them: what is tried is the move, not the text.
    let note = || Some("县扶贫办意见".to_owned());
    let send_back = send_back(problem.id, records, "县扶贫办意见".into(), actor, ctx).is_ok();
    let close = ClosingKind::ALL
        .iter()
        .copied()
        .filter(|&kind| close(problem.id, records, kind, note(), actor, ctx).is_ok())
        .collect();
    CountyMoves { send_back, close }
}

/// The gate on a set of changes (a push) for the problems among them: every problem record
/// of `after` that is new or differs from `before` passes [`check_transition`] for `role`.
/// Refusals' paths are relative to the problem record.
pub fn gate(
    before: &[StoredRecord],
    after: &[StoredRecord],
    role: ProblemRole,
) -> Result<(), Vec<Finding>> {
    let was: BTreeMap<Uuid, &StoredRecord> = before
        .iter()
        .filter(|r| r.kind == RecordKind::Problem)
        .map(|r| (r.id, r))
        .collect();
    let mut out = Vec::new();
    for r in after.iter().filter(|r| r.kind == RecordKind::Problem) {
        let old = was.get(&r.id);
        if old.is_some_and(|o| o.doc == r.doc) {
            continue;
        }
        let result = match old {
            Some(old) => gate_record(old, &r.doc, role),
            None => match Problem::from_stored(r) {
                Some(p) => check_transition(None, &p, role),
                None => Err(vec![unreadable()]),
            },
        };
        if let Err(reasons) = result {
            out.extend(reasons);
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The gate on one stored problem becoming `doc`.
pub(crate) fn gate_record(
    stored: &StoredRecord,
    doc: &Value,
    role: ProblemRole,
) -> Result<(), Vec<Finding>> {
    let before = Problem::from_stored(stored).ok_or_else(|| vec![unreadable()])?;
    let after = Problem::from_stored(&StoredRecord {
        doc: doc.clone(),
        ..stored.clone()
    })
    .ok_or_else(|| vec![unreadable()])?;
    check_transition(Some(&before), &after, role)
}

/// A new problem's record, through the gate.
pub(crate) fn create(problem: Problem, role: ProblemRole) -> Outcome {
    check_transition(None, &problem, role)?;
    Ok(vec![Edit::Create {
        kind: RecordKind::Problem,
        id: problem.id,
        village_id: problem.village_id,
        doc: json(&problem),
    }])
}

/// The leaves that differ between two states of a problem, as one set, through the gate.
pub(crate) fn change(
    stored: &StoredRecord,
    before: &Problem,
    after: &Problem,
    role: ProblemRole,
) -> Outcome {
    check_transition(Some(before), after, role)?;
    let fields = changed_leaves(&json(before), &json(after));
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![Edit::Set {
        kind: RecordKind::Problem,
        id: stored.id,
        fields,
    }])
}

/// Dot paths of the leaves of `after` that differ from `before` (lists are one leaf), with
/// their new values.
pub(crate) fn changed_leaves(before: &Value, after: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for path in leaf_paths(after) {
        let new = at(after, &path).cloned().unwrap_or(Value::Null);
        if at(before, &path) != Some(&new) {
            out.insert(path, new);
        }
    }
    out
}

/// The problem `id` among `records`, or why not.
fn find(id: Uuid, records: &[StoredRecord]) -> Result<(&StoredRecord, Problem), Vec<Finding>> {
    let stored = records
        .iter()
        .find(|r| r.id == id && r.kind == RecordKind::Problem)
        .ok_or_else(|| vec![refusal("problem.missing", "", "没有找到该问题")])?;
    let problem = Problem::from_stored(stored).ok_or_else(|| vec![unreadable()])?;
    Ok((stored, problem))
}

/// Whether `id` is a record of `kind` whose subject is the problem.
fn is_evidence(id: Uuid, kind: RecordKind, problem: Uuid, records: &[StoredRecord]) -> bool {
    records.iter().any(|r| {
        r.id == id && r.kind == kind && matches!(link_of(r), Link::Subject(s) if s == problem)
    })
}

/// The household a record belongs to, when it is a household's (through a photo's or a
/// fix's subject, once).
pub(crate) fn household_of(record: &StoredRecord, records: &[StoredRecord]) -> Option<Uuid> {
    match link_of(record) {
        Link::Household => Some(record.id),
        Link::OfHousehold(h) => Some(h),
        Link::Subject(s) => records
            .iter()
            .find(|r| r.id == s)
            .and_then(|r| match link_of(r) {
                Link::Household => Some(r.id),
                Link::OfHousehold(h) => Some(h),
                _ => None,
            }),
        _ => None,
    }
}

/// The label of a field of a record kind's form at a record-relative path (`basic.phone`,
/// `steps[2].date` → the `steps` list's `date` column).
pub fn field_label(kind: RecordKind, path: &str) -> Option<String> {
    let form = catalog::all().into_iter().find(|f| f.record == kind)?;
    if let Some(field) = form.field(path) {
        return Some(field.label_zh.to_owned());
    }
    // A row of a list field: `list[i].column`.
    let (list, rest) = path.split_once('[')?;
    let (_, column) = rest.split_once("].")?;
    let field = form.field(list)?;
    let col = field.columns.iter().find(|c| c.path == column)?;
    Some(format!("{}：{}", field.label_zh, col.label_zh))
}

fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |node, key| node.get(key))
}

fn refusal(code: &str, path: &str, message: &str) -> Finding {
    Finding::error(code, path, message).requirement("EVALUATION §6")
}

fn unreadable() -> Finding {
    refusal("problem.unreadable", "", "问题记录无法读取")
}
