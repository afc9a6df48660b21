//! References between records stay inside one village. A member's `household_id`, a member
//! change's `member_id`, a GPS fix's or photo's `subject_id`, and every reference field the
//! domain's form definitions declare (`Widget::Reference` and `Widget::References`, also as
//! columns of rows: a pairing's `helper_id`, a step's `attachment_photo_ids`) must name a
//! record of the change's own village, or the village itself (a household's `village_id`).
//!
//! Why: a member created in the caller's village with the `household_id` of another
//! village's household was accepted, and the push's answer judged the foreign household and
//! returned its findings (its size, its income figures, a duplicate-ID finding confirming a
//! guessed ID number). An id the server does not know yet is let through (a device may
//! name a record whose own creation is still on its way); the rules only ever assemble a
//! household from records of its own village, so such a link never reaches across either.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiandang_domain::RecordKind;
use jiandang_domain::form::{FieldDef, Widget};
use jiandang_protocol::{Change, ErrorCode, Outcome};
use rusqlite::Connection;
use serde_json::Value;
use uuid::Uuid;

use crate::error::AppError;
use crate::storage::Store;

/// The links every record kind may carry, whether its form declares them or not (the
/// device adds `household_id` to a household's photos).
const LINKS: [&str; 3] = ["household_id", "member_id", "subject_id"];

/// A reference field of a record kind.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RefField {
    /// The field's dot path in the record's form.
    path: String,
    /// For a column of rows: the column's path inside each row (the field is the list).
    column: Option<String>,
    /// A list of ids rather than one.
    many: bool,
}

/// The reference fields of each record kind, from the domain's form definitions.
fn fields_of(kind: RecordKind) -> &'static [RefField] {
    static TABLE: OnceLock<BTreeMap<RecordKind, Vec<RefField>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table: BTreeMap<RecordKind, Vec<RefField>> = BTreeMap::new();
        for form in jiandang_domain::catalog::all() {
            let refs = table.entry(form.record).or_default();
            for field in form.sections.iter().flat_map(|s| &s.fields) {
                collect(field, refs);
            }
        }
        for kind in RecordKind::ALL {
            let refs = table.entry(kind).or_default();
            for link in LINKS {
                if !refs.iter().any(|r| r.path == link && r.column.is_none()) {
                    refs.push(RefField {
                        path: link.to_owned(),
                        column: None,
                        many: false,
                    });
                }
            }
        }
        table
    });
    table.get(&kind).map_or(&[], Vec::as_slice)
}

fn collect(field: &FieldDef, out: &mut Vec<RefField>) {
    match field.widget {
        Widget::Reference | Widget::References => out.push(RefField {
            path: field.path.to_owned(),
            column: None,
            many: field.widget == Widget::References,
        }),
        _ => {
            for column in &field.columns {
                if matches!(column.widget, Widget::Reference | Widget::References) {
                    out.push(RefField {
                        path: field.path.to_owned(),
                        column: Some(column.path.to_owned()),
                        many: column.widget == Widget::References,
                    });
                }
            }
        }
    }
}

/// Checks the references a change sets: `Some(refusal)` when one is malformed
/// (`bad_request`) or names a record or village outside the change's village
/// (`forbidden_village`).
pub fn check(tx: &Connection, change: &Change) -> Result<Option<Outcome>, AppError> {
    for r in fields_of(change.kind) {
        if change.field != r.path {
            if change
                .field
                .strip_prefix(r.path.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
            {
                // A path under a reference would turn the id into an object.
                return Ok(Some(refused(
                    ErrorCode::BadRequest,
                    format!("引用字段 {} 只能整体填写记录编号", r.path),
                )));
            }
            continue;
        }
        let ids = match ids_of(&change.new, r) {
            Ok(ids) => ids,
            Err(()) => {
                return Ok(Some(refused(
                    ErrorCode::BadRequest,
                    format!("引用字段 {} 应为记录编号", r.path),
                )));
            }
        };
        for id in ids {
            if !in_village(tx, id, change.village_id)? {
                return Ok(Some(refused(
                    ErrorCode::ForbiddenVillage,
                    format!("引用字段 {} 指向的记录不属于本村", r.path),
                )));
            }
        }
    }
    Ok(None)
}

/// The ids a value of the reference field holds; `Err` when it is not the shape the field
/// takes. Null (a cleared field) holds none.
fn ids_of(value: &Value, r: &RefField) -> Result<Vec<Uuid>, ()> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    let Some(column) = &r.column else {
        return ids_in(value, r.many);
    };
    let rows = value.as_array().ok_or(())?;
    let mut out = Vec::new();
    for row in rows {
        // A row that is not an object holds no reference (the domain judges its shape).
        let Some(mut cell) = row.as_object().map(|_| row) else {
            continue;
        };
        for key in column.split('.') {
            match cell.get(key) {
                Some(next) => cell = next,
                None => {
                    cell = &Value::Null;
                    break;
                }
            }
        }
        if !cell.is_null() {
            out.extend(ids_in(cell, r.many)?);
        }
    }
    Ok(out)
}

fn ids_in(value: &Value, many: bool) -> Result<Vec<Uuid>, ()> {
    let one = |v: &Value| v.as_str().and_then(|s| Uuid::parse_str(s).ok()).ok_or(());
    if many {
        value.as_array().ok_or(())?.iter().map(one).collect()
    } else {
        Ok(vec![one(value)?])
    }
}

/// Whether `id` may be named from a record of `village`: the village itself, a record of
/// it, or an id the server does not know. Another village, or a record of one, may not.
fn in_village(tx: &Connection, id: Uuid, village: Uuid) -> Result<bool, AppError> {
    if id == village {
        return Ok(true);
    }
    if let Some(head) = Store::new(tx).head(id)? {
        return Ok(head.village_id == village);
    }
    let other_village: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM villages WHERE id = ?1)")?
        .query_row([id.to_string()], |r| r.get(0))?;
    Ok(!other_village)
}

fn refused(code: ErrorCode, message: String) -> Outcome {
    Outcome::Refused { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(kind: RecordKind, path: &str, column: Option<&str>, many: bool) -> bool {
        fields_of(kind).contains(&RefField {
            path: path.to_owned(),
            column: column.map(str::to_owned),
            many,
        })
    }

    #[test]
    fn the_reference_fields_come_from_the_form_definitions() {
        assert!(has(RecordKind::Member, "household_id", None, false));
        assert!(has(RecordKind::MemberChange, "member_id", None, false));
        assert!(has(RecordKind::MemberChange, "proof_photo_ids", None, true));
        assert!(has(RecordKind::Household, "village_id", None, false));
        assert!(has(
            RecordKind::Household,
            "pairings",
            Some("helper_id"),
            false
        ));
        assert!(has(
            RecordKind::Procedure,
            "steps",
            Some("attachment_photo_ids"),
            true
        ));
        assert!(has(RecordKind::Village, "help.help_unit_ids", None, true));
        assert!(has(RecordKind::Photo, "subject_id", None, false));
        // Photos carry their household's id beside their subject's, undeclared.
        assert!(has(RecordKind::Photo, "household_id", None, false));
    }

    #[test]
    fn values_of_the_wrong_shape_are_not_ids() {
        let id = Uuid::from_u128(7);
        let one = RefField {
            path: "household_id".to_owned(),
            column: None,
            many: false,
        };
        let rows = RefField {
            path: "pairings".to_owned(),
            column: Some("helper_id".to_owned()),
            many: false,
        };
        let s = id.to_string();
        assert_eq!(ids_of(&Value::Null, &one), Ok(vec![]));
        assert_eq!(ids_of(&serde_json::json!(s), &one), Ok(vec![id]));
        assert_eq!(ids_of(&serde_json::json!("x"), &one), Err(()));
        assert_eq!(ids_of(&serde_json::json!(7), &one), Err(()));
        assert_eq!(
            ids_of(
                &serde_json::json!([{"helper_id": s}, {"start": "2018-01-01"}, 3]),
                &rows
            ),
            Ok(vec![id])
        );
        assert_eq!(ids_of(&serde_json::json!({}), &rows), Err(()));
    }
}
