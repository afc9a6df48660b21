//! The problem list (问题清单, issue 18 item 3) on the device: the county's problems of a
//! village as the sync brought them, counted by state, each with its category, household and
//! field; the worker's two answers at the door — 核实无误 (the register is right: 不属实 with
//! a note) and 已整改 (the data corrected, then marked) — through the domain's actions
//! (`action::problem::{verify, correct}`), the problem's records written with their outbox
//! rows in one transaction like every action; and whether a record may still be written
//! today by the year's phases (`phase::device_write`), so the app says so before the server
//! refuses.

use std::collections::HashMap;

use jiandang_domain::action::problem::{VerifyReport, correct, verify};
use jiandang_domain::codes::Coded;
use jiandang_domain::judge::Context;
use jiandang_domain::problem::{Actor, Problem, ProblemRole, ProblemState, Verdict};
use jiandang_domain::{Finding, RecordKind};
use rusqlite::Connection;
use serde::Serialize;
use uuid::Uuid;

use crate::app::Acted;
use crate::query::HouseholdFilter;
use crate::store::{StoredRecord, record_from_row, stored};
use crate::{Error, Replica};

/// How many of a village's problems are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ProblemCounts {
    /// 待核实.
    pub pending: u32,
    /// 已核实.
    pub verified: u32,
    /// 已整改.
    pub corrected: u32,
    /// 已销号.
    pub closed: u32,
    /// Every state but 已销号: what the worker still has to answer or the county to close.
    pub open: u32,
}

/// One state's count with its label, in the order of the state machine (the app shows them
/// as they come).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateCount {
    pub state: ProblemState,
    pub label_zh: String,
    pub n: u32,
}

/// One problem as the list shows it: category first, then the household and the field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemRow {
    pub id: Uuid,
    /// 问题类别.
    pub title: String,
    /// The check that raised it (a stable code; shown small, never compared by the app).
    pub check: String,
    pub requirement: Option<String>,
    /// 问题程度 (须整改 / 须核实).
    pub severity_zh: String,
    pub state: ProblemState,
    /// 问题状态.
    pub state_zh: String,
    /// Not 已销号.
    pub open: bool,
    pub household_id: Option<Uuid>,
    pub household_number: Option<String>,
    pub head_name: Option<String>,
    pub record_kind: Option<RecordKind>,
    pub record_id: Option<Uuid>,
    /// The field, relative to the record; empty for the record as a whole.
    pub path: String,
    pub field_label: Option<String>,
    /// 问题描述.
    pub text: String,
    /// 核实要点.
    pub verify: String,
    /// 应退未退's rank in the village.
    pub rank: Option<u32>,
    /// 核实结论, once given.
    pub verdict_zh: Option<String>,
    pub verification_note: Option<String>,
    pub correction_note: Option<String>,
    /// The county's reason when it sent the problem back to 待核实.
    pub sent_back_reason: Option<String>,
    /// 复核已消除: the county's last re-run found the fault gone.
    pub fault_gone: bool,
    /// 销号方式, once closed.
    pub closing_zh: Option<String>,
    /// The worker's answers not yet sent to the county.
    pub waiting: bool,
}

/// A village's problem list: counts by state, and every problem (open ones first, then by
/// category, household number and field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemList {
    pub counts: ProblemCounts,
    pub states: Vec<StateCount>,
    pub rows: Vec<ProblemRow>,
}

/// The worker's answer to a problem.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum ProblemAnswer {
    /// 核实无误: the register is right, the problem not true; the note says why (required).
    NotTrue { note: String },
    /// 已整改: the problem is true and the data is corrected; the note says what changed.
    Corrected { note: String },
}

/// Whether a record may be written today by the year's phases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteWindow {
    /// Writes are open for it (the entry window, or an open problem covers it in the
    /// verification and correction phases).
    pub open: bool,
    /// 当前阶段 (zh-CN), when today falls in a phase.
    pub phase_zh: Option<String>,
    /// Why not (the domain's refusal, naming the phase); the county may still have reopened
    /// the village, which only the server knows.
    pub refusal: Option<Finding>,
}

impl Replica {
    /// The village's problem list.
    pub fn problem_list(&self, village: Uuid) -> Result<ProblemList, Error> {
        let households: HashMap<Uuid, (Option<String>, Option<String>)> = self
            .household_list(village, &HouseholdFilter::default())?
            .rows
            .into_iter()
            .map(|r| (r.id, (r.household_number, r.head_name)))
            .collect();
        let conn = self.conn();
        let waiting = waiting_problems(&conn, village)?;
        let mut counts = ProblemCounts::default();
        let mut rows = Vec::new();
        for p in village_problems(&conn, village)? {
            match p.state {
                ProblemState::Pending => counts.pending += 1,
                ProblemState::Verified => counts.verified += 1,
                ProblemState::Corrected => counts.corrected += 1,
                ProblemState::Closed => counts.closed += 1,
            }
            let (number, head) = p
                .household_id
                .and_then(|h| households.get(&h).cloned())
                .unwrap_or_default();
            rows.push(ProblemRow {
                id: p.id,
                title: p.title.clone(),
                check: p.check.clone(),
                requirement: p.requirement.clone(),
                severity_zh: p.severity.map(|s| s.zh().to_owned()).unwrap_or_default(),
                state: p.state,
                state_zh: p.state.zh().to_owned(),
                open: p.is_open(),
                household_id: p.household_id,
                household_number: number,
                head_name: head,
                record_kind: p.record_kind,
                record_id: p.record_id,
                path: p.path.clone(),
                field_label: p.field_label.clone(),
                text: p.text.clone(),
                verify: p.verify.clone(),
                rank: p.rank,
                verdict_zh: p.verification.verdict.map(|v| v.zh().to_owned()),
                verification_note: p.verification.note.clone(),
                correction_note: p.correction.note.clone(),
                sent_back_reason: p.sent_back.reason.clone(),
                fault_gone: p.recheck.fault_gone == Some(true),
                closing_zh: p.closing.kind.map(|k| k.zh().to_owned()),
                waiting: waiting.contains_key(&p.id),
            });
        }
        counts.open = counts.pending + counts.verified + counts.corrected;
        rows.sort_by(|a, b| {
            (!a.open, &a.title, &a.household_number, &a.field_label, a.id).cmp(&(
                !b.open,
                &b.title,
                &b.household_number,
                &b.field_label,
                b.id,
            ))
        });
        let states = ProblemState::ALL
            .iter()
            .map(|s| StateCount {
                state: *s,
                label_zh: s.zh().to_owned(),
                n: match s {
                    ProblemState::Pending => counts.pending,
                    ProblemState::Verified => counts.verified,
                    ProblemState::Corrected => counts.corrected,
                    ProblemState::Closed => counts.closed,
                },
            })
            .collect();
        Ok(ProblemList {
            counts,
            states,
            rows,
        })
    }

    /// The worker's answer to a problem, through the domain's actions as the enrolled user
    /// on the field's side: 核实无误 is `verify` as 不属实 with the note; 已整改 is `verify` as
    /// 属实 (unless already so) then `correct` with the note. The problem's changes and their
    /// outbox rows in one transaction, or every reason refused and nothing written.
    pub fn answer_problem(&self, problem: Uuid, answer: ProblemAnswer) -> Result<Acted, Error> {
        let user = self.enrollment()?.ok_or(Error::NotEnrolled)?.user.id;
        let actor = Actor {
            user,
            role: ProblemRole::Field,
        };
        self.act_on(
            problem,
            |tx| problem_records(tx, problem),
            |records, ctx| match answer {
                ProblemAnswer::NotTrue { note } => verify(
                    problem,
                    records,
                    VerifyReport {
                        verdict: Verdict::NotTrue,
                        note: Some(note),
                        photo_ids: Vec::new(),
                        gps_fix_id: None,
                    },
                    actor,
                    ctx,
                ),
                ProblemAnswer::Corrected { note } => corrected(problem, records, note, actor, ctx),
            },
        )
    }

    /// Whether `record` (a household, a member, a village form …) may be written today by the
    /// year's phases and its village's problems (`phase::device_write`). The app shows the
    /// refusal on the record's screen; the save itself is not stopped here, as the county may
    /// have reopened the village (the server knows, and keeps a refused change on the device).
    pub fn write_window(&self, record: Uuid) -> Result<WriteWindow, Error> {
        let policy = self.policy()?;
        let today = self.now().beijing_date();
        let conn = self.conn();
        let record = stored(&conn, record)?.ok_or(Error::NotFound)?;
        let problems = village_problems(&conn, record.village_id)?;
        let phase_zh = policy.phase_on(today).map(|p| p.name.zh().to_owned());
        let verdict = jiandang_domain::phase::device_write(&policy, today, &record, &problems);
        Ok(WriteWindow {
            open: verdict.is_ok(),
            phase_zh,
            refusal: verdict.err(),
        })
    }
}

/// 已整改 in one answer: the problem verified as 属实 first (unless it is), then corrected;
/// both sets on the one problem record (the gate takes 待核实 → 已整改 with 属实 in one step).
fn corrected(
    problem: Uuid,
    records: &[StoredRecord],
    note: String,
    actor: Actor,
    ctx: &Context<'_>,
) -> jiandang_domain::action::Outcome {
    let current = records
        .iter()
        .find(|r| r.id == problem)
        .and_then(Problem::from_stored);
    let mut edits = Vec::new();
    let mut records = records.to_vec();
    if current.is_some_and(|p| p.verification.verdict != Some(Verdict::True)) {
        let first = verify(
            problem,
            &records,
            VerifyReport {
                verdict: Verdict::True,
                note: None,
                photo_ids: Vec::new(),
                gps_fix_id: None,
            },
            actor,
            ctx,
        )?;
        for e in &first {
            apply(&mut records, e);
        }
        edits.extend(first);
    }
    edits.extend(correct(problem, &records, note, actor, ctx)?);
    Ok(edits)
}

/// An action's set laid over the records in memory (what the next action of the answer
/// reads).
fn apply(records: &mut [StoredRecord], edit: &jiandang_domain::action::Edit) {
    if let jiandang_domain::action::Edit::Set { id, fields, .. } = edit
        && let Some(r) = records.iter_mut().find(|r| r.id == *id)
    {
        let mut l = crate::store::leaves(&r.doc);
        for (path, value) in fields {
            crate::store::set_leaf(&mut l, path, value);
        }
        r.doc = crate::store::doc_from_leaves(&l);
    }
}

/// The village's problems as stored (an unreadable one is left out).
fn village_problems(conn: &Connection, village: Uuid) -> Result<Vec<Problem>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records WHERE village_id = ?1 AND kind = ?2
         ORDER BY id",
    )?;
    let rows = stmt.query_map(
        [village.to_string(), RecordKind::Problem.as_str().to_owned()],
        record_from_row,
    )?;
    let records = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(records.iter().filter_map(Problem::from_stored).collect())
}

/// The problem and the photos and fixes taken as its evidence (what its actions read).
fn problem_records(conn: &Connection, problem: Uuid) -> Result<Vec<StoredRecord>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records
         WHERE id = ?1 OR (kind IN ('photo', 'gps_fix')
                           AND json_extract(doc, '$.subject_id') = ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([problem.to_string()], record_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The village's problems with changes waiting in the outbox, and how many.
fn waiting_problems(conn: &Connection, village: Uuid) -> Result<HashMap<Uuid, u32>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.record_id, COUNT(*) FROM outbox o JOIN records r ON r.id = o.record_id
         WHERE r.village_id = ?1 AND r.kind = ?2 AND o.status IN ('pending', 'in_flight')
         GROUP BY o.record_id",
    )?;
    let rows = stmt.query_map(
        [village.to_string(), RecordKind::Problem.as_str().to_owned()],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)),
    )?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, n) = row?;
        if let Ok(id) = Uuid::parse_str(&id) {
            out.insert(id, n);
        }
    }
    Ok(out)
}
