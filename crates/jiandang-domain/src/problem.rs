//! The problem-list item (问题清单, EVALUATION.md §6; issue 18): a record like any other,
//! synced to the devices of its village, about one record and field of the register, with a
//! state the domain moves: 待核实 → 已核实 (属实 / 不属实, a note, photos, a GPS fix) →
//! 已整改 → 已销号, or sent back to 待核实 by the county with a reason. Who raised it is part of
//! it (a county-wide check's code, a person, the province's comparison file, a spot-check
//! finding), so is what to verify at the door.
//!
//! The transitions are actions (`crate::action::problem`); [`check_transition`] is the gate
//! every change of a problem passes, on the device and on the server, by the actor's side
//! ([`ProblemRole`]): the field verifies and corrects, the county raises, closes and sends
//! back. Nothing about a problem is ever deleted: a value once given is replaced by another
//! or kept, never emptied, and a closed problem is final; the change log holds every step
//! with who, when and from which device.
//!
//! JSON shape: `{"id", "village_id", "source": "check", "check": "county.not_visited",
//! "key": "…", "title": "…", "requirement": "C1", "severity": "warning", "record_kind":
//! "household", "record_id", "household_id", "path": "basic.visited_on", "field_label":
//! "入户核实日期", "text": "…", "verify": "…", "rank": null, "raised_by": null, "raised_at":
//! "2018-12-05T02:00:00.000Z", "source_ref": null, "state": "pending", "verification":
//! {"verdict": "not_true", "note": "…", "photo_ids": [], "gps_fix_id": null, "by": "…", "at":
//! "…"}, "correction": {…}, "sent_back": {…}, "closing": {…}, "recheck": {…}}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::code_list;
use crate::codes::{CodeList, Coded};
use crate::finding::{Finding, Severity};
use crate::record::{RecordKind, StoredRecord};
use crate::time::Timestamp;

code_list! {
    /// Where a problem is in its life (EVALUATION.md §6). A new problem is 待核实.
    #[derive(Default)]
    pub enum ProblemState: "problem_state", "2018", "问题状态" {
        #[default]
        Pending = ("pending", "待核实", "waiting for the field's verification"),
        Verified = ("verified", "已核实", "verified at the door: true or not true"),
        Corrected = ("corrected", "已整改", "true, and the register corrected"),
        Closed = ("closed", "已销号", "closed by the county; final"),
    }
}

code_list! {
    /// What the verification at the door found (属实 / 不属实).
    pub enum Verdict: "problem_verdict", "2018", "核实结论" {
        True = ("true", "属实", "the problem is real"),
        NotTrue = ("not_true", "不属实", "the problem is not real; the note says why"),
    }
}

code_list! {
    /// Who raised the problem.
    pub enum ProblemSource: "problem_source", "2018", "问题来源" {
        Check = ("check", "县级数据分析", "a county-wide check of the register"),
        County = ("county", "县扶贫办退回", "raised by hand by the county office"),
        Province = ("province", "省级比对", "the province's comparison results"),
        SpotCheck = ("spot_check", "抽查核查", "a finding of a spot-check"),
    }
}

code_list! {
    /// How a problem was closed (销号).
    pub enum ClosingKind: "problem_closing", "2018", "销号方式" {
        Resolved = ("resolved", "整改销号", "corrected, or the fault is gone from the register"),
        Dismissed = ("dismissed", "核实不属实销号", "verified not true and accepted by the county"),
        Withdrawn = ("withdrawn", "县级撤销", "withdrawn by the county, with a note"),
    }
}

code_list! {
    /// How much a problem weighs.
    pub enum ProblemSeverity: "problem_severity", "2018", "问题程度" {
        Error = ("error", "须整改", "the register is wrong: correct it"),
        Warning = ("warning", "须核实", "suspicious: verify, and correct or explain"),
    }
}

impl From<Severity> for ProblemSeverity {
    fn from(s: Severity) -> ProblemSeverity {
        match s {
            Severity::Error => ProblemSeverity::Error,
            Severity::Warning => ProblemSeverity::Warning,
        }
    }
}

/// The side an actor is on, for the problem's transitions: the field (survey workers,
/// work-team members, supervisors) verifies and corrects; the county office raises, closes
/// and sends back. The server maps its roles onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemRole {
    Field,
    County,
}

impl ProblemRole {
    fn zh(self) -> &'static str {
        match self {
            ProblemRole::Field => "村级核实人员",
            ProblemRole::County => "县扶贫办",
        }
    }
}

/// Who acts on a problem: the user (recorded in the problem as `by`) and its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: Uuid,
    pub role: ProblemRole,
}

/// 问题清单 item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Problem {
    pub id: Uuid,
    /// The village whose devices hold it (the village of the record it is about). A
    /// county-level problem (the county's own GPS position) has the nil id: the county
    /// office's, on no device.
    pub village_id: Uuid,
    /// 问题来源.
    pub source: Option<ProblemSource>,
    /// The code of what raised it: a county-wide check (`county.not_visited`), a spot-check
    /// finding (`spot.wrong_exit`), the province's file (`province.comparison`), the county
    /// by hand (`county.by_hand`). Stable.
    pub check: String,
    /// What makes it the same problem when it is found again (the check, the record, the
    /// field, the finding): a re-run does not raise a second one while this one is open.
    pub key: String,
    /// 问题类别, zh-CN.
    pub title: String,
    /// The NOTICE.md requirement or FORMS.md / EVALUATION.md section.
    pub requirement: Option<String>,
    /// 问题程度.
    pub severity: Option<ProblemSeverity>,
    /// The kind of the record it is about.
    pub record_kind: Option<RecordKind>,
    /// The record it is about (a household, a member, a village form …); `None` for the
    /// county itself or a household the register does not have (a 漏评 household).
    pub record_id: Option<Uuid>,
    /// The household the record belongs to, when it is a household's.
    pub household_id: Option<Uuid>,
    /// The field, a dot path relative to the record (`basic.visited_on`); empty for the record
    /// as a whole.
    pub path: String,
    /// The field's label on its form, zh-CN.
    pub field_label: Option<String>,
    /// 问题描述: what is wrong, zh-CN. Never a name or an ID number.
    pub text: String,
    /// 核实要点: what to verify at the door, zh-CN.
    pub verify: String,
    /// Where the item stands in its list, when the check ranks (应退未退: 1 meets the exit
    /// standard best in its village).
    pub rank: Option<u32>,
    /// The user who raised it by hand; `None` for a check, the province or a spot-check.
    pub raised_by: Option<Uuid>,
    /// When it was raised.
    pub raised_at: Option<Timestamp>,
    /// The record it came from: the spot-check record, the province file's import.
    pub source_ref: Option<Uuid>,
    /// 问题状态.
    pub state: ProblemState,
    /// 核实: what the field found at the door.
    pub verification: Verification,
    /// 整改: how the register was corrected.
    pub correction: Correction,
    /// 退回: the county's last sending back to 待核实, and how many times.
    pub sent_back: SentBack,
    /// 销号.
    pub closing: Closing,
    /// 复核: what the last re-run of its check found.
    pub recheck: Recheck,
}

/// 核实 (at the door).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Verification {
    /// 核实结论.
    pub verdict: Option<Verdict>,
    /// 核实说明: required when 不属实 (why not: the evidence).
    pub note: Option<String>,
    /// 佐证照片: photo records whose subject is the problem.
    pub photo_ids: Vec<Uuid>,
    /// 核实定位: a GPS fix taken at the door, whose subject is the problem.
    pub gps_fix_id: Option<Uuid>,
    pub by: Option<Uuid>,
    pub at: Option<Timestamp>,
}

/// 整改.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Correction {
    /// 整改说明: what was corrected (the records themselves are corrected as edits).
    pub note: Option<String>,
    pub by: Option<Uuid>,
    pub at: Option<Timestamp>,
}

/// 退回 (by the county, to 待核实).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SentBack {
    /// 退回原因.
    pub reason: Option<String>,
    pub by: Option<Uuid>,
    pub at: Option<Timestamp>,
    /// How many times it was sent back.
    pub count: u32,
}

/// 销号.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Closing {
    pub kind: Option<ClosingKind>,
    /// 销号说明: required to withdraw.
    pub note: Option<String>,
    pub by: Option<Uuid>,
    pub at: Option<Timestamp>,
}

/// 复核: a re-run of the problem's check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Recheck {
    /// The re-run no longer finds the fault (the county may close it as 整改销号).
    pub fault_gone: Option<bool>,
    /// When the re-run last said so.
    pub at: Option<Timestamp>,
}

/// What a problem is about and what it says, as its raiser gives it: the parts of a
/// [`Problem`] that never change after it is raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Raise {
    pub source: ProblemSource,
    pub check: String,
    pub key: String,
    pub title: String,
    pub requirement: Option<String>,
    pub severity: ProblemSeverity,
    pub village_id: Uuid,
    pub record_kind: Option<RecordKind>,
    pub record_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    pub path: String,
    pub field_label: Option<String>,
    pub text: String,
    pub verify: String,
    pub rank: Option<u32>,
    pub raised_by: Option<Uuid>,
    pub source_ref: Option<Uuid>,
}

impl Problem {
    /// The one constructor of a problem, whoever raises it: 待核实, raised at `at`.
    pub fn raise(id: Uuid, r: Raise, at: Timestamp) -> Problem {
        Problem {
            id,
            village_id: r.village_id,
            source: Some(r.source),
            check: r.check,
            key: r.key,
            title: r.title,
            requirement: r.requirement,
            severity: Some(r.severity),
            record_kind: r.record_kind,
            record_id: r.record_id,
            household_id: r.household_id,
            path: r.path,
            field_label: r.field_label,
            text: r.text,
            verify: r.verify,
            rank: r.rank,
            raised_by: r.raised_by,
            raised_at: Some(at),
            source_ref: r.source_ref,
            state: ProblemState::Pending,
            ..Problem::default()
        }
    }

    /// The problem a stored record holds (its id and village from the store's columns when
    /// its form leaves them out); `None` when it is not a problem or does not read.
    pub fn from_stored(r: &StoredRecord) -> Option<Problem> {
        if r.kind != RecordKind::Problem {
            return None;
        }
        let mut doc = r.doc.clone();
        if let Value::Object(obj) = &mut doc {
            for (key, id) in [("id", r.id), ("village_id", r.village_id)] {
                if obj.get(key).is_none_or(Value::is_null) {
                    obj.insert(key.into(), Value::String(id.to_string()));
                }
            }
        }
        serde_json::from_value(doc).ok()
    }

    /// Whether the problem is still open (not 已销号).
    pub fn is_open(&self) -> bool {
        self.state != ProblemState::Closed
    }

    /// Whether the county may close it as 整改销号 or 核实不属实销号 now, without a note.
    fn closable(&self, kind: ClosingKind) -> bool {
        match kind {
            ClosingKind::Resolved => {
                self.state == ProblemState::Corrected || self.recheck.fault_gone == Some(true)
            }
            ClosingKind::Dismissed => {
                self.state == ProblemState::Verified
                    && self.verification.verdict == Some(Verdict::NotTrue)
            }
            ClosingKind::Withdrawn => has_text(&self.closing.note),
        }
    }
}

/// What a problem record must hold in its state (its own judgement, paths relative to it):
/// what it says and is about, and the step that put it in its state.
pub fn check(p: &Problem) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut need = |ok: bool, code: &str, path: &str, message: &str| {
        if !ok {
            out.push(Finding::error(code, path, message).requirement("EVALUATION §6"));
        }
    };
    need(
        p.source.is_some(),
        "problem.source_missing",
        "source",
        "问题须注明来源",
    );
    need(
        !p.check.trim().is_empty(),
        "problem.check_missing",
        "check",
        "问题须注明类别代码",
    );
    need(
        !p.text.trim().is_empty(),
        "problem.text_missing",
        "text",
        "请填写问题描述",
    );
    need(
        !p.verify.trim().is_empty(),
        "problem.verify_missing",
        "verify",
        "请填写核实要点",
    );
    for f in state_needs(p) {
        out.push(f);
    }
    out
}

/// What the state asks of the record: each step that led to it complete.
fn state_needs(p: &Problem) -> Vec<Finding> {
    let mut out = Vec::new();
    let verified = matches!(p.state, ProblemState::Verified | ProblemState::Corrected);
    if verified {
        out.extend(verification_needs(&p.verification));
    }
    if p.state == ProblemState::Corrected {
        if p.verification.verdict == Some(Verdict::NotTrue) {
            out.push(refusal(
                "problem.corrected_not_true",
                "verification.verdict",
                "核实为不属实的问题不能标记为已整改",
            ));
        }
        if !has_text(&p.correction.note) {
            out.push(refusal(
                "problem.correction_note_missing",
                "correction.note",
                "请填写整改说明",
            ));
        }
    }
    if p.state == ProblemState::Closed && p.closing.kind.is_none() {
        out.push(refusal(
            "problem.closing_kind_missing",
            "closing.kind",
            "请选择销号方式",
        ));
    }
    if p.closing.kind == Some(ClosingKind::Withdrawn) && !has_text(&p.closing.note) {
        out.push(refusal(
            "problem.closing_note_missing",
            "closing.note",
            "撤销问题须填写说明",
        ));
    }
    out
}

fn verification_needs(v: &Verification) -> Vec<Finding> {
    let mut out = Vec::new();
    match v.verdict {
        None => out.push(refusal(
            "problem.verdict_missing",
            "verification.verdict",
            "请选择核实结论（属实或不属实）",
        )),
        Some(Verdict::NotTrue) if !has_text(&v.note) => out.push(refusal(
            "problem.verify_note_missing",
            "verification.note",
            "核实为不属实的，须写明核实情况和依据",
        )),
        Some(_) => {}
    }
    out
}

/// The gate on a change of a problem (a push, an action): `before` is the record as stored
/// (`None`: it is new), `after` as it would be, `role` the side of whoever changes it.
/// Returns every reason the change is refused. The rules:
///
/// | change | who | needs |
/// | --- | --- | --- |
/// | new (待核实) | county | what it is about and what it says |
/// | 待核实 → 已核实 | field | 核实结论; a note when 不属实 |
/// | 已核实 (属实) → 已整改, or 待核实 → 已整改 in one step | field | 属实, 整改说明 |
/// | 已核实 / 已整改 → 待核实 (退回) | county | 退回原因, a new one each time |
/// | any open → 已销号 | county | 整改销号: 已整改 or the re-run found the fault gone; 核实不属实销号: 已核实 as 不属实; 县级撤销: a note |
/// | 已销号 → anything | nobody | final |
///
/// Within a state the field may amend its verification (待核实, 已核实) and its correction
/// (已整改); the county may update what a re-run says (text, rank, field label, 复核).
/// Nobody changes what the problem is about, and no value once given is emptied.
pub fn check_transition(
    before: Option<&Problem>,
    after: &Problem,
    role: ProblemRole,
) -> Result<(), Vec<Finding>> {
    let mut out = Vec::new();
    let Some(before) = before else {
        if role != ProblemRole::County {
            out.push(not_allowed(role, "提出问题"));
        }
        if after.state != ProblemState::Pending {
            out.push(refusal(
                "problem.new_not_pending",
                "state",
                "新提出的问题应为待核实",
            ));
        }
        out.extend(check(after));
        return if out.is_empty() { Ok(()) } else { Err(out) };
    };
    if before.state == ProblemState::Closed {
        if before != after {
            out.push(refusal("problem.closed", "state", "问题已销号，不能再修改"));
        }
        return if out.is_empty() { Ok(()) } else { Err(out) };
    }
    let (b, a) = (serde_json::to_value(before), serde_json::to_value(after));
    let (Ok(b), Ok(a)) = (b, a) else {
        return Err(vec![refusal("problem.unreadable", "", "问题记录无法读取")]);
    };
    // Every leaf that differs, with whether the new value empties the old.
    let mut changed: Vec<String> = Vec::new();
    for path in crate::form::leaf_paths(&b)
        .into_iter()
        .chain(crate::form::leaf_paths(&a))
    {
        if changed.contains(&path) {
            continue;
        }
        let (old, new) = (at_path(&b, &path), at_path(&a, &path));
        if old == new {
            continue;
        }
        if !is_empty(old) && is_empty(new) {
            out.push(refusal(
                "problem.value_removed",
                &path,
                "问题的内容只能补充或更正，不能删除",
            ));
        }
        changed.push(path);
    }
    let sending_back = matches!(
        before.state,
        ProblemState::Verified | ProblemState::Corrected
    ) && after.state == ProblemState::Pending;
    let closing = after.state == ProblemState::Closed;
    for path in &changed {
        let section = path.split('.').next().unwrap_or_default();
        if role == ProblemRole::County && section == "sent_back" && !sending_back {
            out.push(refusal(
                "problem.not_sendable",
                path,
                "只有已核实或已整改的问题可以退回重新核实",
            ));
            continue;
        }
        if role == ProblemRole::County && section == "closing" && !closing {
            out.push(refusal(
                "problem.closing_without_close",
                path,
                "销号信息只在销号时填写",
            ));
            continue;
        }
        let allowed = match section {
            "verification" => {
                role == ProblemRole::Field
                    && matches!(before.state, ProblemState::Pending | ProblemState::Verified)
            }
            // From 待核实 only together with a verification as 属实 (the state rules say).
            "correction" => role == ProblemRole::Field,
            "sent_back" | "closing" | "recheck" | "text" | "rank" | "field_label" => {
                role == ProblemRole::County
            }
            "state" => true,
            _ => false,
        };
        if !allowed {
            out.push(if IDENTITY.contains(&section) {
                refusal(
                    "problem.identity_changed",
                    path,
                    "问题的来源、类别和所涉记录提出后不能更改",
                )
            } else {
                not_allowed_at(role, path, before.state)
            });
        }
    }
    out.extend(state_change(before, after, role, &changed));
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The fields that say what a problem is and is about: set when it is raised, never changed.
const IDENTITY: [&str; 14] = [
    "id",
    "village_id",
    "source",
    "check",
    "key",
    "title",
    "requirement",
    "severity",
    "record_kind",
    "record_id",
    "household_id",
    "path",
    "raised_by",
    "raised_at",
];

fn state_change(
    before: &Problem,
    after: &Problem,
    role: ProblemRole,
    changed: &[String],
) -> Vec<Finding> {
    use ProblemState::{Closed, Corrected, Pending, Verified};
    let mut out = Vec::new();
    let from_to = (before.state, after.state);
    let (who, what) = match from_to {
        (x, y) if x == y => {
            // Amending within a state: the record must still hold what the state needs.
            return state_needs(after);
        }
        (Pending, Verified) => (ProblemRole::Field, "核实问题"),
        (Verified, Corrected) | (Pending, Corrected) => (ProblemRole::Field, "标记已整改"),
        (Verified | Corrected, Pending) => (ProblemRole::County, "退回重新核实"),
        (_, Closed) => (ProblemRole::County, "销号"),
        _ => {
            out.push(refusal(
                "problem.transition_not_allowed",
                "state",
                &format!(
                    "问题不能从“{}”改为“{}”",
                    before.state.zh(),
                    after.state.zh()
                ),
            ));
            return out;
        }
    };
    if role != who {
        out.push(not_allowed(role, what));
    }
    out.extend(state_needs(after));
    match from_to {
        (Verified | Corrected, Pending) => {
            let renewed = changed.iter().any(|p| p == "sent_back.reason");
            if !has_text(&after.sent_back.reason) || !renewed {
                out.push(refusal(
                    "problem.send_back_reason_missing",
                    "sent_back.reason",
                    "退回须写明原因",
                ));
            }
        }
        (_, Closed) => {
            let kind = after.closing.kind;
            let justified = kind.is_some_and(|k| {
                // Judged on the problem as it stood, with the closing's own note.
                let mut as_was = before.clone();
                as_was.closing.note = after.closing.note.clone();
                as_was.closable(k)
            });
            if kind.is_some() && !justified {
                out.push(refusal(
                    "problem.close_unjustified",
                    "closing.kind",
                    match kind {
                        Some(ClosingKind::Resolved) => "整改销号须先标记已整改，或经复核问题已消除",
                        Some(ClosingKind::Dismissed) => "不属实销号须先核实为不属实",
                        _ => "撤销问题须填写说明",
                    },
                ));
            }
        }
        (Pending, Corrected) if after.verification.verdict != Some(Verdict::True) => {
            out.push(refusal(
                "problem.not_verified_true",
                "verification.verdict",
                "须先核实为属实，才能标记已整改",
            ));
        }
        _ => {}
    }
    out
}

/// The code lists of this module, for the catalog.
pub fn lists() -> Vec<&'static CodeList> {
    vec![
        ProblemState::LIST,
        Verdict::LIST,
        ProblemSource::LIST,
        ClosingKind::LIST,
        ProblemSeverity::LIST,
    ]
}

fn refusal(code: &str, path: &str, message: &str) -> Finding {
    Finding::error(code, path, message).requirement("EVALUATION §6")
}

fn not_allowed(role: ProblemRole, what: &str) -> Finding {
    refusal(
        "problem.role_not_allowed",
        "state",
        &format!("{}不能{what}", role.zh()),
    )
}

fn not_allowed_at(role: ProblemRole, path: &str, state: ProblemState) -> Finding {
    refusal(
        "problem.role_not_allowed",
        path,
        &format!("问题为“{}”时，{}不能修改此项", state.zh(), role.zh()),
    )
}

fn has_text(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|t| !t.trim().is_empty())
}

fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// The value at a dot path of leaves (as `form::leaf_paths` names them).
fn at_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |node, key| node.get(key))
}
