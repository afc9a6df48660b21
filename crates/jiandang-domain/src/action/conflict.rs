//! Resolving a conflict (a field two devices changed at once, kept by the server for the
//! county): the chosen value is set like any edit, and a value that changes a household's
//! state, 已脱贫 above all, goes through the same gate as the action that would make it (a
//! resolution cannot mark a household exited that the exit gate refuses), and a problem's
//! through the problem's gate, as the county's change.

use serde_json::Value;
use uuid::Uuid;

use crate::catalog;
use crate::decode::salvage;
use crate::finding::Finding;
use crate::judge::Context;
use crate::record::{RecordKind, StoredRecord};

use super::{Edit, Outcome, checked, fields, set_path};

/// Resolves the conflict on `path` of the record `record` with `value`. Refused when the
/// record is not among `records`, `path` is not a field of its form, the value does not fit
/// the field, or the gate refuses the state change it makes (W1, W2, C9, Q2, W5).
pub fn resolve_conflict(
    record: Uuid,
    path: &str,
    value: Value,
    records: &[StoredRecord],
    ctx: &Context<'_>,
) -> Outcome {
    let Some(stored) = records.iter().find(|r| r.id == record) else {
        return Err(vec![Finding::error(
            "conflict.record_missing",
            "",
            "没有找到冲突所在的记录",
        )]);
    };
    let form = catalog::all().into_iter().find(|f| f.record == stored.kind);
    if form.is_none_or(|f| f.field(path).is_none()) {
        return Err(vec![Finding::error(
            "conflict.unknown_field",
            path,
            "该字段不在记录的表单中，不能以此解决冲突",
        )]);
    }
    let mut doc = stored.doc.clone();
    set_path(&mut doc, path, value.clone());
    if fits(stored.kind, &doc, path).is_err() {
        return Err(vec![Finding::error(
            "conflict.value_invalid",
            path,
            "所选的值不符合该字段的格式",
        )]);
    }
    if stored.kind == RecordKind::Problem {
        // The county resolves conflicts: a problem's value goes through its gate as the
        // county's change (no resolution moves a problem where its transitions do not).
        super::problem::gate_record(stored, &doc, crate::problem::ProblemRole::County)?;
    }
    let edits = vec![Edit::Set {
        kind: stored.kind,
        id: record,
        fields: fields([(path, value)]),
    }];
    // The state it makes is judged on the records as they would be.
    checked(records, edits, ctx)
}

/// Whether the record's form reads at `path` (its other fields are not this resolution's).
fn fits(kind: RecordKind, doc: &Value, path: &str) -> Result<(), ()> {
    use crate::record::RecordKind as K;
    let findings = match kind {
        K::Household => salvage::<crate::household::Household>(doc).findings,
        K::Member => salvage::<crate::member::Member>(doc).findings,
        K::MemberChange => salvage::<crate::member_change::MemberChange>(doc).findings,
        K::Procedure => salvage::<crate::procedure::Procedure>(doc).findings,
        K::HouseholdExitMeasures => salvage::<crate::measures::HouseholdExitMeasures>(doc).findings,
        K::ExitProcedure => salvage::<crate::exit_procedure::ExitProcedure>(doc).findings,
        K::Visit => salvage::<crate::visit::Visit>(doc).findings,
        K::GpsFix => salvage::<crate::geo::GpsFix>(doc).findings,
        K::Photo => salvage::<crate::photo::PhotoRef>(doc).findings,
        K::Village => salvage::<crate::village::Village>(doc).findings,
        K::NaturalVillage => salvage::<crate::village::NaturalVillage>(doc).findings,
        K::HelpUnit => salvage::<crate::help::HelpUnit>(doc).findings,
        K::Helper => salvage::<crate::help::Helper>(doc).findings,
        K::WorkTeamMember => salvage::<crate::help::WorkTeamMember>(doc).findings,
        K::VillageExitMeasures => salvage::<crate::measures::VillageExitMeasures>(doc).findings,
        K::SpotCheck => salvage::<crate::spotcheck::check::SpotCheck>(doc).findings,
        K::ScreenedHousehold => salvage::<crate::spotcheck::check::ScreenedHousehold>(doc).findings,
        K::VillageScreening => salvage::<crate::spotcheck::check::VillageScreening>(doc).findings,
        K::Problem => salvage::<crate::problem::Problem>(doc).findings,
    };
    let bad = findings.iter().any(|f| {
        f.code == "records.invalid"
            && (f.path == path
                || f.path.starts_with(&format!("{path}."))
                || f.path.starts_with(&format!("{path}[")))
    });
    if bad { Err(()) } else { Ok(()) }
}
