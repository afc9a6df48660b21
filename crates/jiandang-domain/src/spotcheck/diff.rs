//! The comparison of a blind observation with the register (EVALUATION.md §9.2): field by
//! field, driven by the household and member forms, so every difference carries the form's
//! label and the record and field a correction would touch. It runs once the checkers have
//! sealed what they saw ([`super::check::SpotCheck::reveal`]); the checkers then classify each
//! difference ([`super::codes::DifferenceClass`]).
//!
//! A field the checkers left empty was not observed and is not compared: an empty list, an
//! empty text, or a value the field cannot be without (a member's 人员状态 defaulting to 正常)
//! says nothing. Lists (帮扶结对, 帮扶措施, 健康状况) compare whole, as they sync.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::check::RecordRef;
use super::codes::DifferenceClass;
use crate::form::FormDef;
use crate::forms;
use crate::household::Household;
use crate::member::Member;
use crate::record::RecordKind;

/// The register's side of a check: the household and its members as stored.
#[derive(Debug, Clone, Copy)]
pub struct RegisteredHousehold<'a> {
    pub household: &'a Household,
    pub members: &'a [Member],
}

/// What kind of difference it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// A field's observed value differs from the registered one.
    Value,
    /// A person lives in the household whom the register does not have (a possible 漏评
    /// member, or a natural increase not recorded).
    PersonNotRegistered,
    /// A registered member was not found in the household (moved out, died, never there).
    PersonNotFound,
}

/// One difference between the register and the door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// The register record the difference is in (the household or a member); `None` for a
    /// person the register does not have.
    pub record: Option<RecordRef>,
    /// Dot path of the field in that record (`living.dilapidated`); empty for a whole person.
    pub field: String,
    /// The field's label on the form (for a member: the form's label after the member's
    /// relationship, never the name).
    pub label_zh: String,
    pub registered: Value,
    pub observed: Value,
    /// The checkers' classification, once made.
    #[serde(default)]
    pub classification: Option<DifferenceClass>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The differences between the register and an observation: the household's fields in form
/// order, then each observed member's (matched by id), then persons only on one side.
pub fn diff(
    register: RegisteredHousehold<'_>,
    observed: &Household,
    observed_members: &[Member],
) -> Vec<Difference> {
    let household_form = forms::household::household();
    let member_form = forms::member::member();
    let mut out = Vec::new();

    let registered = to_json(register.household);
    let seen = to_json(observed);
    let household_ref = RecordRef {
        kind: RecordKind::Household,
        id: register.household.id,
    };
    let none = Value::Null;
    for (path, label, reg, obs) in compare(&household_form, &registered, &seen, &none) {
        out.push(Difference {
            kind: DifferenceKind::Value,
            record: Some(household_ref),
            field: path,
            label_zh: label,
            registered: reg,
            observed: obs,
            classification: None,
            note: None,
        });
    }

    let present: Vec<&Member> = register
        .members
        .iter()
        .filter(|m| m.household_id == register.household.id && m.is_present())
        .collect();
    let by_id: BTreeMap<Uuid, &Member> = present.iter().map(|m| (m.id, *m)).collect();
    let member_default = to_json(&Member::default());
    for m in observed_members {
        let Some(reg) = by_id.get(&m.id) else {
            out.push(Difference {
                kind: DifferenceKind::PersonNotRegistered,
                record: None,
                field: String::new(),
                label_zh: "家庭成员（登记中没有）".to_owned(),
                registered: Value::Null,
                observed: person_summary(m),
                classification: None,
                note: None,
            });
            continue;
        };
        let member_ref = RecordRef {
            kind: RecordKind::Member,
            id: m.id,
        };
        let who = reg.relationship.map_or("家庭成员", crate::codes::Coded::zh);
        for (path, label, r, o) in
            compare(&member_form, &to_json(*reg), &to_json(m), &member_default)
        {
            out.push(Difference {
                kind: DifferenceKind::Value,
                record: Some(member_ref),
                field: path,
                label_zh: format!("{who}·{label}"),
                registered: r,
                observed: o,
                classification: None,
                note: None,
            });
        }
    }
    if !observed_members.is_empty() {
        let observed_ids: Vec<Uuid> = observed_members.iter().map(|m| m.id).collect();
        for reg in present {
            if !observed_ids.contains(&reg.id) {
                out.push(Difference {
                    kind: DifferenceKind::PersonNotFound,
                    record: Some(RecordRef {
                        kind: RecordKind::Member,
                        id: reg.id,
                    }),
                    field: String::new(),
                    label_zh: "家庭成员（核查时未见）".to_owned(),
                    registered: person_summary(reg),
                    observed: Value::Null,
                    classification: None,
                    note: None,
                });
            }
        }
    }
    out
}

/// (path, label, registered, observed) for every field of `form` observed in `seen` whose
/// value differs from `registered`. A value equal to `defaults`' at that path counts as not
/// observed.
fn compare(
    form: &FormDef,
    registered: &Value,
    seen: &Value,
    defaults: &Value,
) -> Vec<(String, String, Value, Value)> {
    let mut out = Vec::new();
    for field in form.fields() {
        if field.derived || matches!(field.path, "household_id" | "village_id" | "id") {
            continue;
        }
        let obs = at(seen, field.path);
        if !observed(&obs) || obs == at(defaults, field.path) {
            continue;
        }
        let reg = at(registered, field.path);
        if reg != obs {
            out.push((field.path.to_owned(), field.label_zh.to_owned(), reg, obs));
        }
    }
    out
}

fn observed(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

fn at(v: &Value, path: &str) -> Value {
    v.pointer(&format!("/{}", path.replace('.', "/")))
        .cloned()
        .unwrap_or(Value::Null)
}

fn to_json<T: Serialize>(t: &T) -> Value {
    // The models serialise to plain JSON objects; a failure would be a bug in a Serialize
    // impl, and an empty object then compares as "nothing observed".
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// Who a person is, for a person found on one side only: relationship, sex and birth date.
/// The name stays in the member row, not in the difference.
fn person_summary(m: &Member) -> Value {
    serde_json::json!({
        "relationship": m.relationship,
        "sex": m.sex,
        "birth_date": m.birth_date,
    })
}
