//! The actions a user takes that are more than editing a field (DESIGN.md, "One judge, one
//! set of actions"): propose a household for exit, record a step of its exit procedure, mark
//! it exited, take it back in as 返贫, register a new identification, add or remove a member,
//! record a door visit, resolve a conflict; and the problem list's steps (raise by hand,
//! verify, correct, send back, close: `problem`, through the problem's own gate). Each is a function through the household's
//! lifecycle (`crate::lifecycle`): the records as stored and what the user chose in, and out
//! either the complete set of record edits (creations and field sets, with the ids the caller
//! supplied) or every reason it is refused, as findings naming their requirement.
//!
//! Refusals name their paths in the household file form (`household.basic.status`,
//! `exit_procedures[0].steps[2].date`), as a judgement's bundle findings do.
//!
//! The device applies an action's edits, and their outbox entries, in one transaction; the
//! server gates a push with [`gate`], the same check every action passes before it answers,
//! so a household's state changes the same way whichever door it comes through.

pub mod conflict;
pub mod exit;
pub mod members;
pub mod problem;
pub mod visit;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::bundle::HouseholdBundle;
use crate::finding::Finding;
use crate::judge::{Context, household_bundle, household_bundles};
use crate::lifecycle::{self, HouseholdState};
use crate::record::{RecordKind, StoredRecord};

/// One change an action makes to the records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// A new record, whole.
    Create {
        kind: RecordKind,
        id: Uuid,
        village_id: Uuid,
        doc: Value,
    },
    /// Fields of an existing record set to new values: dot paths of leaves, as sync moves
    /// them (a list is one leaf).
    Set {
        kind: RecordKind,
        id: Uuid,
        fields: BTreeMap<String, Value>,
    },
}

/// An action's answer: its edits, or every reason it is refused.
pub type Outcome = Result<Vec<Edit>, Vec<Finding>>;

/// The records with `edits` applied (a new record added, fields set), as the store would hold
/// them afterwards.
pub fn apply(records: &[StoredRecord], edits: &[Edit]) -> Vec<StoredRecord> {
    let mut out = records.to_vec();
    for edit in edits {
        match edit {
            Edit::Create {
                kind,
                id,
                village_id,
                doc,
            } => out.push(StoredRecord {
                kind: *kind,
                id: *id,
                village_id: *village_id,
                doc: doc.clone(),
            }),
            Edit::Set { id, fields, .. } => {
                if let Some(r) = out.iter_mut().find(|r| r.id == *id) {
                    for (path, value) in fields {
                        set_path(&mut r.doc, path, value.clone());
                    }
                }
            }
        }
    }
    out
}

/// The gate on a set of changes (a push, an action, a conflict's resolution): every household
/// whose state differs between `before` and `after` (the same records with the changes) must
/// make that change through its lifecycle transition, judged on the household as it is in
/// `after` ([`lifecycle::check_transition`]). Returns every reason it may not.
pub fn gate(
    before: &[StoredRecord],
    after: &[StoredRecord],
    ctx: &Context<'_>,
) -> Result<(), Vec<Finding>> {
    let year = ctx.policy.year;
    let was: BTreeMap<Uuid, HouseholdState> = household_bundles(before)
        .into_iter()
        .map(|(id, b)| (id, HouseholdState::at(&b.household, year)))
        .collect();
    let mut out = Vec::new();
    for (id, bundle) in household_bundles(after) {
        let before = was.get(&id).copied();
        if before == Some(HouseholdState::at(&bundle.household, year)) {
            continue;
        }
        if let Err(reasons) = lifecycle::check_transition(before, &bundle, ctx.policy) {
            out.extend(reasons);
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// The household an action is about, in its domain types, and its stored record.
pub(crate) struct Subject<'r> {
    pub record: &'r StoredRecord,
    pub bundle: HouseholdBundle,
}

impl Subject<'_> {
    pub fn state(&self, ctx: &Context<'_>) -> HouseholdState {
        HouseholdState::at(&self.bundle.household, ctx.policy.year)
    }

    /// A field set on the household record.
    pub fn set(&self, fields: BTreeMap<String, Value>) -> Edit {
        Edit::Set {
            kind: RecordKind::Household,
            id: self.record.id,
            fields,
        }
    }
}

/// The household `id` among `records`, or the refusal saying it is not there.
pub(crate) fn subject(id: Uuid, records: &[StoredRecord]) -> Result<Subject<'_>, Vec<Finding>> {
    let missing = || {
        vec![Finding::error(
            "action.household_missing",
            "",
            "没有找到该贫困户的记录，或记录无法读取",
        )]
    };
    let record = records
        .iter()
        .find(|r| r.id == id && r.kind == RecordKind::Household)
        .ok_or_else(missing)?;
    let bundle = household_bundle(id, records).ok_or_else(missing)?;
    Ok(Subject { record, bundle })
}

/// Ends every action: the edits pass the gate on the records they change (an action cannot
/// do what a push could not), or the gate's reasons are the refusal.
pub(crate) fn checked(records: &[StoredRecord], edits: Vec<Edit>, ctx: &Context<'_>) -> Outcome {
    gate(records, &apply(records, &edits), ctx)?;
    Ok(edits)
}

/// The fields of a set, from (path, value) pairs.
pub(crate) fn fields<const N: usize>(pairs: [(&str, Value); N]) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A serialisable value as JSON (domain values always serialise).
pub(crate) fn json<T: Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Sets the leaf at a dot path (`basic.status`), making the objects on the way.
pub(crate) fn set_path(doc: &mut Value, path: &str, value: Value) {
    let mut node = doc;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Value::Object(obj) = node else {
            return;
        };
        if parts.peek().is_none() {
            obj.insert(part.to_owned(), value);
            return;
        }
        node = obj.entry(part.to_owned()).or_insert(Value::Null);
    }
}
