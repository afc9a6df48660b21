//! Applying a change set: the one path by which records change on the server, for a device's
//! push and for the county admin's resolution of a conflict alike. Each change is checked
//! (limits, kind and village, the caller's villages, the entry window, references), merged
//! per field by its clock stamp (`crate::merge`) and logged; a household whose state the set
//! changes goes through the domain's gate (`jiandang_domain::action::gate`, as every action on
//! the device does); then the bundles the set touched are judged (`crate::rules`).
//!
//! **The gate at push.** The set is applied in a savepoint; every household whose record it
//! changed and whose state (`HouseholdState`: 未脱贫, 预脱贫, 已脱贫 in a year, …) now differs
//! from before is judged by `gate` on its records as they now stand. When the gate refuses
//! one, the savepoint is rolled back and the set applied again with every change of that
//! household's record refused (`rule_refused`, the gate's reasons in the message): the
//! household keeps its state and the rest of its record as they were, the set's other changes
//! stand. So 已脱贫 without 预脱贫, or without a complete exit procedure with the head's
//! recognition, is refused at push exactly as the device refuses 标记脱贫 (C9, W1, Q2).
//! Problem records (问题清单) pass the domain's problem gate the same way
//! (`jiandang_domain::action::problem::gate`): a field role verifies and corrects, only the
//! county raises, sends back and closes; a refused problem keeps its record as it was.
//!
//! **Phases.** After the entry window (and unless the county reopened the village), a
//! device's change passes `jiandang_domain::phase::device_write` on its record as the set
//! would leave it: in the verification and correction phases only what an open problem of
//! the village covers, the refusal naming the phase (`entry_closed`).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::action::{gate, problem};
use jiandang_domain::judge::Context;
use jiandang_domain::phase;
use jiandang_domain::problem::{Problem, ProblemRole};
use jiandang_domain::{Date, RecordKind, StoredRecord};
use jiandang_protocol::{
    Change, ChangeResult, ErrorCode, Hlc, Outcome, RecordFindings, Role, limits,
};
use rusqlite::Connection;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::AppError;
use crate::merge::{self, Decision, Incoming};
use crate::spotchecks::{self, PushScope};
use crate::storage::{Author, Logged, Store, form_leaves};
use crate::{references, rules, window};

/// A change set being applied by `caller`.
pub struct Push<'a> {
    pub caller: &'a Caller,
    pub set_id: Uuid,
    pub now_ms: i64,
    /// Today, Beijing: the entry window's day.
    pub today: Date,
    /// The county's policy and the present instant, for the gate and the judgement.
    pub ctx: &'a Context<'a>,
}

/// What applying a set gave: one result per change, in the set's order, and the findings on
/// every record of the bundles it touched.
pub struct Applied {
    pub results: Vec<ChangeResult>,
    pub findings: Vec<RecordFindings>,
    /// The records with an accepted change.
    pub touched: BTreeSet<Uuid>,
    /// The set's records as they were before it (those the server held), for the re-check
    /// of what the set can affect (`crate::recheck`).
    pub prior: Vec<StoredRecord>,
}

/// One pass over the set.
struct Attempt {
    results: Vec<ChangeResult>,
    /// Records with an accepted change.
    touched: BTreeSet<Uuid>,
    /// Records a changed link (`household_id`, `subject_id`) named before: their bundle lost
    /// a record and is judged again.
    left: BTreeSet<Uuid>,
}

/// Whether a village takes the caller's writes now.
#[derive(Clone)]
enum Writes {
    /// Refused whatever the record (unknown village, not the caller's, no writes in the
    /// phase without problems).
    Refused(Outcome),
    /// Open (the entry window, a reopened village, the county admin).
    Open,
    /// Only what an open problem covers (`phase::device_write`): the village's problems.
    Problems(Vec<Problem>),
}

impl Push<'_> {
    fn author(&self) -> Author {
        Author {
            user: self.caller.user_id,
            device: self.caller.device_id,
        }
    }

    /// Applies the changes inside the caller's transaction (a savepoint of a group commit, or
    /// a request's own transaction).
    pub fn apply(&self, conn: &Connection, changes: &[Change]) -> Result<Applied, AppError> {
        let store = Store::new(conn);
        let max_seq = store.max_seq()?;
        // The households whose record the set changes, as they were: the gate's `before`. Only
        // their record: a household's state is its record's, and the gate judges a
        // transition on the records as they are after.
        let mut before: BTreeMap<Uuid, Option<StoredRecord>> = BTreeMap::new();
        for change in changes
            .iter()
            .filter(|c| matches!(c.kind, RecordKind::Household | RecordKind::Problem))
        {
            if let std::collections::btree_map::Entry::Vacant(e) = before.entry(change.record_id) {
                e.insert(store.record(change.record_id)?);
            }
        }
        let mut prior: Vec<StoredRecord> = Vec::new();
        let mut ids: BTreeSet<Uuid> = BTreeSet::new();
        for change in changes {
            if ids.insert(change.record_id) {
                prior.extend(store.record(change.record_id)?);
            }
        }
        let mut refuse: BTreeMap<Uuid, String> = BTreeMap::new();
        loop {
            conn.execute_batch("SAVEPOINT apply_set")?;
            let attempt = self.attempt(conn, changes, max_seq, &refuse)?;
            let mut refusals = self.gate(conn, &before, &attempt.touched)?;
            refusals.extend(self.gate_problems(conn, &before, &attempt.touched)?);
            if refusals.is_empty() {
                conn.execute_batch("RELEASE apply_set")?;
                let mut judged = attempt.touched.clone();
                judged.extend(attempt.left);
                let findings = rules::check_records(conn, self.ctx, &judged)?;
                prior.retain(|r| attempt.touched.contains(&r.id));
                return Ok(Applied {
                    results: attempt.results,
                    findings,
                    touched: attempt.touched,
                    prior,
                });
            }
            conn.execute_batch("ROLLBACK TO apply_set; RELEASE apply_set")?;
            // A household refused keeps its record as it was in the next pass, so it cannot be
            // refused twice; the guard keeps a mistake from looping.
            if refusals.keys().all(|h| refuse.contains_key(h)) {
                return Err(AppError::internal("the gate refused a household twice"));
            }
            refuse.extend(refusals);
        }
    }

    /// Every household of `before` whose state the set changed and that the gate refuses,
    /// with the refusal's message.
    fn gate(
        &self,
        conn: &Connection,
        before: &BTreeMap<Uuid, Option<StoredRecord>>,
        touched: &BTreeSet<Uuid>,
    ) -> Result<BTreeMap<Uuid, String>, AppError> {
        let store = Store::new(conn);
        let year = self.ctx.policy.year;
        let mut out = BTreeMap::new();
        for (household, was) in before {
            if !touched.contains(household) {
                continue;
            }
            let Some(now) = store.record(*household)? else {
                continue;
            };
            // `gate` judges only the households whose state differs (and that read after):
            // the same question answered from the household's record alone, so an edit that
            // leaves the state as it was costs no bundle.
            let state = rules::state_of(&now, year);
            if state.is_none() || state == was.as_ref().and_then(|r| rules::state_of(r, year)) {
                continue;
            }
            let after = rules::bundle_of(conn, now)?;
            let was: Vec<StoredRecord> = was.iter().cloned().collect();
            if let Err(reasons) = gate(&was, &after, self.ctx) {
                let mut messages: Vec<String> = Vec::new();
                for r in reasons {
                    if !messages.contains(&r.message) {
                        messages.push(r.message);
                    }
                }
                out.insert(
                    *household,
                    format!("不能改变脱贫状态：{}", messages.join("；")),
                );
            }
        }
        Ok(out)
    }

    /// The caller's side in the problem list: the county office, or the field.
    pub fn problem_role(&self) -> ProblemRole {
        if self.caller.role == Role::CountyAdmin {
            ProblemRole::County
        } else {
            ProblemRole::Field
        }
    }

    /// Every problem record of `before` the set changed that the problem gate refuses for the
    /// caller's side, with the refusal's message.
    fn gate_problems(
        &self,
        conn: &Connection,
        before: &BTreeMap<Uuid, Option<StoredRecord>>,
        touched: &BTreeSet<Uuid>,
    ) -> Result<BTreeMap<Uuid, String>, AppError> {
        let store = Store::new(conn);
        let mut out = BTreeMap::new();
        for (id, was) in before {
            if !touched.contains(id) {
                continue;
            }
            let Some(now) = store.record(*id)? else {
                continue;
            };
            if now.kind != RecordKind::Problem {
                continue;
            }
            let was: Vec<StoredRecord> = was.iter().cloned().collect();
            if let Err(reasons) = problem::gate(&was, &[now], self.problem_role()) {
                let mut messages: Vec<String> = Vec::new();
                for r in reasons {
                    if !messages.contains(&r.message) {
                        messages.push(r.message);
                    }
                }
                out.insert(*id, format!("不能修改问题：{}", messages.join("；")));
            }
        }
        Ok(out)
    }

    /// Applies every change once, refusing those of the households in `refuse`.
    fn attempt(
        &self,
        conn: &Connection,
        changes: &[Change],
        max_seq: u64,
        refuse: &BTreeMap<Uuid, String>,
    ) -> Result<Attempt, AppError> {
        let store = Store::new(conn);
        let mut attempt = Attempt {
            results: Vec::with_capacity(changes.len()),
            touched: BTreeSet::new(),
            left: BTreeSet::new(),
        };
        let mut villages = BTreeMap::new();
        let mut phases = BTreeMap::new();
        for change in changes {
            let outcome = self.apply_change(
                conn,
                change,
                changes,
                max_seq,
                refuse,
                &mut attempt,
                (&mut villages, &mut phases),
            )?;
            attempt.results.push(ChangeResult {
                change_id: change.change_id,
                outcome,
            });
        }
        // The set's accepted edits, record by record, in the order they were applied.
        let mut edits: BTreeMap<Uuid, Vec<(&str, &Value, u64)>> = BTreeMap::new();
        for (change, result) in changes.iter().zip(&attempt.results) {
            if let Outcome::Accepted { seq } = result.outcome
                && attempt.touched.contains(&change.record_id)
            {
                edits
                    .entry(change.record_id)
                    .or_default()
                    .push((&change.field, &change.new, seq));
            }
        }
        for record in &attempt.touched {
            store.update_form(*record, edits.get(record).map_or(&[], Vec::as_slice))?;
        }
        Ok(attempt)
    }

    /// Whether the caller may write records of the village now. The same for every change
    /// of the set, so asked once per village.
    fn village_verdict(&self, conn: &Connection, village: Uuid) -> Result<Writes, AppError> {
        let known: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM villages WHERE id = ?1)")?
            .query_row([village.to_string()], |r| r.get(0))?;
        if !known {
            return Ok(Writes::Refused(refused(
                ErrorCode::BadRequest,
                "记录所属的村在服务器上不存在",
            )));
        }
        if !self.caller.may_access(village) {
            return Ok(Writes::Refused(refused(
                ErrorCode::ForbiddenVillage,
                "该村未分配给当前用户，不能修改其中的记录",
            )));
        }
        // A town officer reads and reviews its towns' villages; it does not edit records.
        if self.caller.role == Role::TownOfficer {
            return Ok(Writes::Refused(refused(
                ErrorCode::Forbidden,
                "乡镇账号只能查看和审核，不能修改记录",
            )));
        }
        if self.caller.role == Role::CountyAdmin
            || window::writes_open(conn, self.ctx.policy, village, self.today)?
        {
            return Ok(Writes::Open);
        }
        let policy = self.ctx.policy;
        match policy.phase_on(self.today) {
            Some(p) if p.problem_writes_open => {
                let problems = Store::new(conn)
                    .records_of(village, &[RecordKind::Problem])?
                    .iter()
                    .filter_map(Problem::from_stored)
                    .collect();
                Ok(Writes::Problems(problems))
            }
            // No device writes in this phase: the domain's refusal names it.
            _ => {
                let nothing = StoredRecord {
                    kind: RecordKind::Household,
                    id: Uuid::nil(),
                    village_id: village,
                    doc: Value::Null,
                };
                let message = match phase::device_write(policy, self.today, &nothing, &[]) {
                    Err(f) if f.code == "phase.closed" => f.message,
                    _ => window::CLOSED_MESSAGE.to_owned(),
                };
                Ok(Writes::Refused(refused(ErrorCode::EntryClosed, message)))
            }
        }
    }

    /// The phase's verdict on a change's record as the set would leave it (its stored form
    /// with every change of the set to it laid over), among the village's `problems`.
    fn phase_verdict(
        &self,
        conn: &Connection,
        change: &Change,
        changes: &[Change],
        problems: &[Problem],
    ) -> Result<Option<Outcome>, AppError> {
        let stored = Store::new(conn).record(change.record_id)?;
        let mut leaves = stored
            .as_ref()
            .map(|r| form_leaves(&r.doc))
            .unwrap_or_default();
        for c in changes.iter().filter(|c| c.record_id == change.record_id) {
            if c.new.is_null() {
                leaves.remove(&c.field);
            } else {
                leaves.insert(c.field.clone(), c.new.clone());
            }
        }
        let record = StoredRecord {
            kind: change.kind,
            id: change.record_id,
            village_id: change.village_id,
            doc: jiandang_protocol::unflatten(&leaves),
        };
        Ok(
            phase::device_write(self.ctx.policy, self.today, &record, problems)
                .err()
                .map(|f| refused(ErrorCode::EntryClosed, f.message)),
        )
    }

    /// The outcome of one change: refused, or logged and merged (accepted or superseded).
    #[allow(clippy::too_many_arguments)]
    fn apply_change(
        &self,
        conn: &Connection,
        change: &Change,
        changes: &[Change],
        max_seq: u64,
        refuse: &BTreeMap<Uuid, String>,
        attempt: &mut Attempt,
        (villages, phases): (
            &mut BTreeMap<Uuid, Writes>,
            &mut BTreeMap<Uuid, Option<Outcome>>,
        ),
    ) -> Result<Outcome, AppError> {
        let store = Store::new(conn);
        if let Some(outcome) = store.logged_outcome(change.change_id)? {
            return Ok(outcome);
        }
        if change.base_seq > max_seq {
            return Ok(refused(
                ErrorCode::BadRequest,
                "修改所依据的序号大于服务器当前序号",
            ));
        }
        if let Err(e) = limits::check_field(&change.field, &change.new) {
            // Clearing a field the server holds is always allowed, so that a value stored
            // before the limits held can still be removed.
            let clears_held = change.new.is_null()
                && !change.field.is_empty()
                && store.current(change.record_id, &change.field)?.is_some();
            if !clears_held {
                return Ok(refused(ErrorCode::BadRequest, e.to_string()));
            }
        }
        if let Some(head) = store.head(change.record_id)?
            && (head.kind != Some(change.kind) || head.village_id != change.village_id)
        {
            return Ok(refused(
                ErrorCode::BadRequest,
                "记录的类型或所属村与服务器上的不一致",
            ));
        }
        // Check records are scoped by the caller's spot-check assignments, not by its
        // villages and the entry window; a supervisor writes nothing else.
        let spot = match spotchecks::push_scope(conn, self.caller, change)? {
            PushScope::Refused(outcome) => return Ok(outcome),
            PushScope::SpotCheck => true,
            PushScope::Register => false,
        };
        if !spot {
            if let Entry::Vacant(e) = villages.entry(change.village_id) {
                e.insert(self.village_verdict(conn, change.village_id)?);
            }
            match &villages[&change.village_id] {
                Writes::Refused(refusal) => return Ok(refusal.clone()),
                Writes::Problems(problems) => {
                    if let Entry::Vacant(e) = phases.entry(change.record_id) {
                        e.insert(self.phase_verdict(conn, change, changes, problems)?);
                    }
                    if let Some(refusal) = &phases[&change.record_id] {
                        return Ok(refusal.clone());
                    }
                }
                Writes::Open => {}
            }
        }
        if let Some(refusal) = references::check(conn, change)? {
            return Ok(refusal);
        }
        if let Some(message) = refuse.get(&change.record_id) {
            return Ok(refused(ErrorCode::RuleRefused, message.clone()));
        }
        let current = store.current(change.record_id, &change.field)?;
        let decision = merge::decide(
            current.as_ref().map(|(c, _)| c),
            Incoming {
                new: &change.new,
                base_seq: change.base_seq,
                hlc: &change.hlc,
                device_id: self.caller.device_id,
            },
        );
        let logged = match decision {
            Decision::Accept { .. } => Logged::Accepted,
            Decision::Supersede { .. } => Logged::Superseded,
        };
        let seq = store.log(change, self.set_id, self.author(), self.now_ms, logged)?;
        let mine = Side {
            value: &change.new,
            hlc: &change.hlc,
            user: self.caller.user_id,
            device: self.caller.device_id,
        };
        match (decision, &current) {
            (Decision::Accept { conflict }, _) => {
                if let Some((cur, user)) = &current {
                    if conflict {
                        let theirs = Side {
                            value: &cur.value,
                            hlc: &cur.hlc,
                            user: *user,
                            device: cur.device_id,
                        };
                        insert_conflict(conn, change, &theirs, &mine, seq)?;
                    }
                    if LINKS.contains(&change.field.as_str())
                        && let Some(old) = cur.value.as_str().and_then(|s| Uuid::parse_str(s).ok())
                    {
                        attempt.left.insert(old);
                    }
                }
                // The record's row once per set; its form and last seq follow in `attempt`.
                if attempt.touched.insert(change.record_id) {
                    store.ensure_record(change, seq)?;
                }
                store.put_field(change, seq, self.author())?;
                Ok(Outcome::Accepted { seq })
            }
            (Decision::Supersede { conflict }, Some((cur, user))) => {
                if conflict {
                    let theirs = Side {
                        value: &cur.value,
                        hlc: &cur.hlc,
                        user: *user,
                        device: cur.device_id,
                    };
                    insert_conflict(conn, change, &mine, &theirs, seq)?;
                }
                Ok(Outcome::Superseded {
                    seq: cur.seq,
                    current: cur.value.clone(),
                })
            }
            (Decision::Supersede { .. }, None) => Err(AppError::internal(
                "merge superseded a change without a current value",
            )),
        }
    }
}

/// The node name of stamps the server makes itself.
pub const SERVER_NODE: &str = "server";

/// The server's own change of a field: stamped after the field's current stamp, based on its
/// current seq, so it wins the merge as a fast-forward.
pub fn server_change(
    store: &Store<'_>,
    record: Uuid,
    kind: RecordKind,
    village: Uuid,
    field: String,
    new: serde_json::Value,
    now_ms: i64,
) -> Result<Change, AppError> {
    let (old, base_seq, hlc) = match store.current(record, &field)? {
        Some((c, _)) => (
            c.value,
            c.seq,
            Hlc::zero(SERVER_NODE).observe(&c.hlc, now_ms),
        ),
        None => (
            serde_json::Value::Null,
            0,
            Hlc::zero(SERVER_NODE).tick(now_ms),
        ),
    };
    Ok(Change {
        change_id: Uuid::new_v4(),
        record_id: record,
        kind,
        village_id: village,
        field,
        old,
        new,
        base_seq,
        hlc,
    })
}

/// The fields that link a record to its bundle: changing one moves the record out of the
/// bundle it was in.
const LINKS: [&str; 2] = ["household_id", "subject_id"];

/// One side of a conflict.
pub struct Side<'a> {
    pub value: &'a Value,
    pub hlc: &'a Hlc,
    pub user: Uuid,
    pub device: Uuid,
}

fn refused(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Outcome::Refused {
        code,
        message: message.into(),
    }
}

/// Records a conflict: `loser`'s value lost to `winner`'s on this field.
fn insert_conflict(
    conn: &Connection,
    change: &Change,
    loser: &Side<'_>,
    winner: &Side<'_>,
    seq: u64,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO conflicts (record_id, village_id, field, losing_value, losing_hlc,
             losing_user, losing_device, winning_value, winning_hlc, winning_user,
             winning_device, created_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(rusqlite::params![
        change.record_id.to_string(),
        change.village_id.to_string(),
        change.field,
        serde_json::to_string(loser.value)?,
        loser.hlc.to_string(),
        loser.user.to_string(),
        loser.device.to_string(),
        serde_json::to_string(winner.value)?,
        winner.hlc.to_string(),
        winner.user.to_string(),
        winner.device.to_string(),
        seq
    ])?;
    Ok(())
}
