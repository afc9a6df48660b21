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
        // The exit procedure and door visits come with the domain's pipeline (issue 12 part 2).
        ..HouseholdBundle::default()
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

/// Findings on a 帮扶单位, 帮扶责任人 or 驻村工作队员 record as it would be saved: the domain's
/// `check_help` over the units, helpers and team members on the device with `edited` put in
/// place, cut down to the findings about `edited` (paths relative to it). The unit a helper
/// or team member names must be one of `units` (C7). Another record that does not decode is
/// left out; `edited` not decoding is its own finding.
pub fn check_help_side(
    edited: &StoredRecord,
    units: &[StoredRecord],
    helpers: &[StoredRecord],
    team: &[StoredRecord],
) -> Vec<Finding> {
    use jiandang_domain::rules::help::check_help;
    let key = match edited.kind {
        RecordKind::HelpUnit => "help_units",
        RecordKind::Helper => "helpers",
        RecordKind::WorkTeamMember => "work_team_members",
        _ => return Vec::new(),
    };
    let own = match edited.kind {
        RecordKind::HelpUnit => decode_help::<jiandang_domain::help::HelpUnit>(edited).map(|_| ()),
        RecordKind::Helper => decode_help::<jiandang_domain::help::Helper>(edited).map(|_| ()),
        _ => decode_help::<jiandang_domain::help::WorkTeamMember>(edited).map(|_| ()),
    };
    if let Err(f) = own {
        return vec![f];
    }
    // The edited record goes last, so its index is the length of the others.
    let others = |list: &[StoredRecord]| -> Vec<StoredRecord> {
        list.iter().filter(|r| r.id != edited.id).cloned().collect()
    };
    let of = |kind: RecordKind, list: &[StoredRecord]| -> Vec<StoredRecord> {
        let mut v = others(list);
        if kind == edited.kind {
            v.push(edited.clone());
        }
        v
    };
    let u: Vec<jiandang_domain::help::HelpUnit> = decoded(&of(RecordKind::HelpUnit, units));
    let h: Vec<jiandang_domain::help::Helper> = decoded(&of(RecordKind::Helper, helpers));
    let t: Vec<jiandang_domain::help::WorkTeamMember> =
        decoded(&of(RecordKind::WorkTeamMember, team));
    let at = match edited.kind {
        RecordKind::HelpUnit => u.len(),
        RecordKind::Helper => h.len(),
        _ => t.len(),
    } - 1;
    bundle::record_findings(&check_help(&u, &h, &t), &format!("{key}[{at}]"))
}

/// A help-side record's domain form, with its id (and village) from the columns.
fn decode_help<T: serde::de::DeserializeOwned>(r: &StoredRecord) -> Result<T, Finding> {
    let mut doc = r.doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("id".into(), Value::String(r.id.to_string()));
        if r.kind == RecordKind::WorkTeamMember {
            obj.entry("village_id")
                .or_insert_with(|| Value::String(r.village_id.to_string()));
        }
    }
    bundle::decode(".", &doc).map_err(records_error)
}

/// The records that decode, in order.
fn decoded<T: serde::de::DeserializeOwned>(rs: &[StoredRecord]) -> Vec<T> {
    rs.iter().filter_map(|r| decode_help(r).ok()).collect()
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
    fn a_helper_s_unit_must_be_one_entered_c7() {
        let unit = rec(
            RecordKind::HelpUnit,
            10,
            json!({"name": "县扶贫办", "affiliation": "04"}),
        );
        let helper = |doc: Value| rec(RecordKind::Helper, 20, doc);
        let codes = |f: Vec<Finding>| f.into_iter().map(|f| (f.code, f.path)).collect::<Vec<_>>();
        let id = "411421198001011236";
        let cases: &[(Value, &[(&str, &str)])] = &[
            (
                json!({"name": "李四", "sex": "1", "id_number": id}),
                &[("help.unit_missing", "help_unit_id")],
            ),
            (
                json!({"name": "李四", "sex": "1", "id_number": id,
                       "help_unit_id": Uuid::from_u128(99)}),
                &[("help.unit_not_entered", "help_unit_id")],
            ),
            (
                json!({"name": "李四", "sex": "1", "id_number": id,
                       "help_unit_id": Uuid::from_u128(10)}),
                &[],
            ),
        ];
        for (doc, want) in cases {
            let got = codes(check_help_side(
                &helper(doc.clone()),
                std::slice::from_ref(&unit),
                &[],
                &[],
            ));
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(c, p)| ((*c).to_owned(), (*p).to_owned()))
                .collect();
            assert_eq!(got, want, "{doc}");
        }
    }

    #[test]
    fn a_helper_with_the_id_number_of_another_is_found_on_the_one_edited() {
        let id = "411421198001011236";
        let doc = json!({"name": "李四", "sex": "1", "id_number": id,
                         "help_unit_id": Uuid::from_u128(10)});
        let unit = rec(
            RecordKind::HelpUnit,
            10,
            json!({"name": "县扶贫办", "affiliation": "04"}),
        );
        let first = rec(RecordKind::Helper, 20, doc.clone());
        let second = rec(RecordKind::Helper, 21, doc);
        let found = check_help_side(
            &second,
            std::slice::from_ref(&unit),
            std::slice::from_ref(&first),
            &[],
        );
        assert!(
            found
                .iter()
                .any(|f| f.code == "helper.duplicate" && f.path == "id_number"),
            "{found:?}"
        );
        // Whichever of the two is being edited is told, so the person typing sees it.
        let found = check_help_side(&first, &[unit], &[first.clone(), second], &[]);
        assert!(
            found.iter().any(|f| f.code == "helper.duplicate"),
            "{found:?}"
        );
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
