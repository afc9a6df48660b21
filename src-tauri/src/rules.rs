//! The domain's rules as the app asks them: checks while typing and the exit gate. Every
//! judgement is the domain crate's (`check_household_bundle`, `check_exit`, the village and
//! GPS rules); this module decodes the replica's records into the domain's types and maps
//! finding paths from the household file form (`household.basic.phone`, `members[1].name`)
//! to the paths of the one record being edited (`basic.phone`, `name`).

use jiandang_domain::bundle::{self, HouseholdBundle};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, RecordKind};
use jiandang_replica::StoredRecord;
use serde_json::Value;
use uuid::Uuid;

pub fn policy() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

/// The domain's household bundle from the replica's household and its attached records.
/// A record that does not decode becomes an error finding at its path.
pub fn household_bundle(
    household: &StoredRecord,
    attached: &[StoredRecord],
) -> Result<HouseholdBundle, Finding> {
    let of = |k: RecordKind| attached.iter().filter(move |r| r.kind == k);
    let docs = |k: RecordKind| of(k).map(|r| r.doc.clone()).collect::<Vec<_>>();
    let members = docs(RecordKind::Member)
        .iter()
        .enumerate()
        .map(|(i, v)| dec(&format!("members[{i}]"), v))
        .collect::<Result<Vec<_>, _>>()?;
    let member_changes = docs(RecordKind::MemberChange)
        .iter()
        .enumerate()
        .map(|(i, v)| dec(&format!("member_changes[{i}]"), v))
        .collect::<Result<Vec<_>, _>>()?;
    let gps_fixes = of(RecordKind::GpsFix)
        .filter_map(|r| serde_json::from_value(r.doc.clone()).ok())
        .collect();
    let photos = of(RecordKind::Photo)
        .filter_map(|r| serde_json::from_value(r.doc.clone()).ok())
        .collect();
    let procedure = of(RecordKind::Procedure)
        .next()
        .map(|r| dec("procedure", &r.doc))
        .transpose()?;
    let exit_measures = of(RecordKind::HouseholdExitMeasures)
        .next()
        .map(|r| dec("exit_measures", &r.doc))
        .transpose()?;
    Ok(HouseholdBundle {
        household: dec("household", &household.doc)?,
        members,
        member_changes,
        procedure,
        exit_measures,
        gps_fixes,
        photos,
    })
}

fn dec<T: serde::de::DeserializeOwned>(at: &str, v: &Value) -> Result<T, Finding> {
    bundle::decode(at, v).map_err(records_error)
}

fn records_error(e: bundle::RecordsError) -> Finding {
    Finding::error(e.code(), e.path().to_owned(), e.to_string())
}

/// Findings on one household-side record as it would be saved: the household's bundle with
/// `edited` put in place of its stored version, checked by the domain, then cut down to the
/// findings about `edited`, with paths relative to it.
pub fn check_in_household(
    household: &StoredRecord,
    attached: &[StoredRecord],
    edited: &StoredRecord,
) -> Vec<Finding> {
    let (hh, mut others): (StoredRecord, Vec<StoredRecord>) = if edited.id == household.id {
        (edited.clone(), attached.to_vec())
    } else {
        (household.clone(), attached.to_vec())
    };
    if edited.id != household.id {
        match others.iter_mut().find(|r| r.id == edited.id) {
            Some(r) => *r = edited.clone(),
            None => others.push(edited.clone()),
        }
    }
    let b = match household_bundle(&hh, &others) {
        Ok(b) => b,
        Err(f) => return vec![f],
    };
    let all = bundle::check_household_bundle(&b, &policy());
    let prefix = prefix_of(&b, edited);
    relative_to(all, prefix.as_deref())
}

/// Where `edited` sits in the household file form: `household`, `members[2]`, ….
fn prefix_of(b: &HouseholdBundle, edited: &StoredRecord) -> Option<String> {
    let idx = |ids: Vec<Uuid>| ids.iter().position(|id| *id == edited.id);
    match edited.kind {
        RecordKind::Household => Some("household".into()),
        RecordKind::Member => {
            idx(b.members.iter().map(|m| m.id).collect()).map(|i| format!("members[{i}]"))
        }
        RecordKind::MemberChange => idx(b.member_changes.iter().map(|m| m.id).collect())
            .map(|i| format!("member_changes[{i}]")),
        RecordKind::Procedure => Some("procedure".into()),
        RecordKind::HouseholdExitMeasures => Some("exit_measures".into()),
        _ => None,
    }
}

/// Keeps the findings under `prefix` with the prefix cut off (the domain's
/// `record_findings`), so they land beside the fields of the record's own form; findings on
/// the bundle as a whole (empty path) go with the household. Without a prefix only the
/// whole-bundle ones are kept.
pub fn relative_to(findings: Vec<Finding>, prefix: Option<&str>) -> Vec<Finding> {
    let whole = findings.iter().filter(|f| f.path.is_empty()).cloned();
    match prefix {
        None => whole.collect(),
        Some("household") => {
            let mut out = bundle::record_findings(&findings, "household");
            out.extend(whole);
            out
        }
        Some(p) => bundle::record_findings(&findings, p),
    }
}

/// The household's derived answers (income totals, 人均纯收入) filled in by the domain from
/// its answers and present members, as they are saved.
pub fn derive_household(household: &StoredRecord, attached: &[StoredRecord]) -> Option<Value> {
    let mut b = household_bundle(household, attached).ok()?;
    b.derive(&policy());
    serde_json::to_value(&b.household.income).ok()
}

/// Findings on a village-side record (贫困村, 自然村).
pub fn check_village_side(edited: &StoredRecord) -> Vec<Finding> {
    use jiandang_domain::rules::village::{check_natural_village, check_village};
    match edited.kind {
        RecordKind::Village => match bundle::decode(".", &edited.doc) {
            Ok(v) => check_village(&v, &policy()),
            Err(e) => vec![records_error(e)],
        },
        RecordKind::NaturalVillage => match bundle::decode(".", &edited.doc) {
            Ok(n) => check_natural_village(&n),
            Err(e) => vec![records_error(e)],
        },
        _ => Vec::new(),
    }
}

/// Every reason the household may not be marked 脱贫 (W1, W2, C9), from the domain's gate;
/// empty when it may. Paths are in the household file form.
pub fn exit_refusals(household: &StoredRecord, attached: &[StoredRecord]) -> Vec<Finding> {
    match household_bundle(household, attached) {
        Ok(b) => match jiandang_domain::exit::check_exit(&b, &policy()) {
            Ok(()) => Vec::new(),
            Err(findings) => findings,
        },
        Err(f) => vec![f],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(kind: RecordKind, id: u128, doc: Value) -> StoredRecord {
        StoredRecord {
            id: Uuid::from_u128(id),
            kind,
            village_id: Uuid::from_u128(100),
            doc,
        }
    }

    fn household(no_worries: Value) -> StoredRecord {
        rec(
            RecordKind::Household,
            1,
            json!({"id": Uuid::from_u128(1), "village_id": Uuid::from_u128(100),
                   "no_worries": no_worries}),
        )
    }

    #[test]
    fn the_exit_refusal_names_an_unresolved_item_w2() {
        let yes = json!({"resolved": true});
        let nw = json!({"food": yes, "clothing": yes, "compulsory_education": yes,
            "basic_medical": yes, "housing": {"resolved": false, "reason": "危房"},
            "drinking_water": yes});
        let refusals = exit_refusals(&household(nw), &[]);
        assert!(
            refusals
                .iter()
                .any(|f| f.message.contains("住房安全有保障")),
            "{refusals:?}"
        );
        assert!(refusals.iter().all(Finding::is_error));
    }

    #[test]
    fn paths_are_cut_to_the_edited_record() {
        let f = |p: &str| Finding::error("x", p, "m");
        let all = vec![
            f("household.basic.phone"),
            f("members[1].id_number"),
            f("members[10].name"),
            f(""),
        ];
        let paths = |v: Vec<Finding>| v.into_iter().map(|f| f.path).collect::<Vec<_>>();
        assert_eq!(
            paths(relative_to(all.clone(), Some("household"))),
            ["basic.phone", ""]
        );
        assert_eq!(
            paths(relative_to(all.clone(), Some("members[1]"))),
            ["id_number"]
        );
        assert_eq!(paths(relative_to(all, None)), [""]);
    }
}
