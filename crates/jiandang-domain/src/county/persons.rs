//! The checks across the county by ID number (FORMS.md §7.1 人员重复, 帮扶责任人问题): one
//! person in two households, in this county or across counties (a village's county is the
//! first six digits of its division code), and a helper who is also a poor person. They read
//! the county's ID index ([`IdIndex`]): one entry per member and helper holding a number,
//! which a server keeps beside its records (one row per entry, replaced for the records a
//! push touches) so a push re-checks only the numbers it touched.
//!
//! The index holds ID numbers, personal data: it is never logged, and no fault's text holds
//! a number or a name.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::codes::household::MemberStatus;
use crate::judge::Register;
use crate::record::{RecordKind, StoredRecord};
use crate::rules::help::check_helpers_not_poor;

use super::checks;
use super::{Fault, Scope, ScopeKey};

/// One holder of an ID number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IdEntry {
    /// The number as compared ([`normalise`]).
    pub key: String,
    pub record_id: Uuid,
    /// A member or a helper.
    pub kind: RecordKind,
    /// A member's household.
    pub household_id: Option<Uuid>,
    /// The village the record is stored under.
    pub village_id: Uuid,
    /// The first six digits of the village's division code (its county); empty when unknown.
    pub county: String,
    /// A member still in the household (not naturally decreased); a helper is.
    pub present: bool,
}

/// The county's ID index: the holders of each number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdIndex {
    by_key: BTreeMap<String, Vec<IdEntry>>,
    by_record: BTreeMap<Uuid, String>,
}

impl IdIndex {
    /// The index of these entries.
    pub fn from_entries(entries: impl IntoIterator<Item = IdEntry>) -> IdIndex {
        let mut index = IdIndex::default();
        for e in entries {
            index.insert(e);
        }
        index
    }

    /// The index of every member and helper of the register.
    pub fn of_register(register: &Register) -> IdIndex {
        IdIndex::from_entries(entries(register))
    }

    /// Replaces the entries of `records` (a push's touched members and helpers) with
    /// `entries` (theirs as they are now; none for a record that holds no number any more).
    pub fn replace(
        &mut self,
        records: &BTreeSet<Uuid>,
        entries: impl IntoIterator<Item = IdEntry>,
    ) {
        for r in records {
            if let Some(key) = self.by_record.remove(r)
                && let Some(holders) = self.by_key.get_mut(&key)
            {
                holders.retain(|e| e.record_id != *r);
                if holders.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
        for e in entries {
            self.insert(e);
        }
    }

    /// Who holds `key`.
    pub fn holders(&self, key: &str) -> &[IdEntry] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// The number a record holds, if it is in the index.
    pub fn key_of(&self, record: Uuid) -> Option<&str> {
        self.by_record.get(&record).map(String::as_str)
    }

    /// Every entry, by number.
    pub fn entries(&self) -> impl Iterator<Item = &IdEntry> {
        self.by_key.values().flatten()
    }

    fn insert(&mut self, e: IdEntry) {
        self.by_record.insert(e.record_id, e.key.clone());
        let holders = self.by_key.entry(e.key.clone()).or_default();
        holders.retain(|x| x.record_id != e.record_id);
        holders.push(e);
        holders.sort();
    }
}

/// The number as compared: trimmed, upper case (a lower-case x is the same check character),
/// inner spaces dropped, and a 20-character disability certificate number cut to the
/// holder's 18-character ID number. `None` when nothing is left.
pub fn normalise(raw: &str) -> Option<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    let s = if s.chars().count() == 20 && s.chars().take(17).all(|c| c.is_ascii_digit()) {
        s.chars().take(18).collect()
    } else {
        s
    };
    (!s.is_empty()).then_some(s)
}

/// The number a member's or helper's JSON form holds, as compared.
pub fn key_of_doc(doc: &Value) -> Option<String> {
    doc.get("id_number")
        .and_then(Value::as_str)
        .and_then(normalise)
}

/// The index entry of one stored member or helper, from its JSON form (no assembly): what a
/// server writes for a record a push touched. `county` is the first six digits of its
/// village's division code (empty when unknown). `None` for other kinds and for a record
/// without a number.
pub fn entry_of(record: &StoredRecord, county: &str) -> Option<IdEntry> {
    let key = key_of_doc(&record.doc)?;
    let (household_id, present) = match record.kind {
        RecordKind::Member => {
            let household = record
                .doc
                .get("household_id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            let status = record
                .doc
                .get("status")
                .and_then(|s| serde_json::from_value::<MemberStatus>(s.clone()).ok())
                .unwrap_or(MemberStatus::Present);
            (household, status == MemberStatus::Present)
        }
        RecordKind::Helper => (None, true),
        _ => return None,
    };
    Some(IdEntry {
        key,
        record_id: record.id,
        kind: record.kind,
        household_id,
        village_id: record.village_id,
        county: county.to_owned(),
        present,
    })
}

/// The index entries of every member and helper of the register.
pub fn entries(register: &Register) -> Vec<IdEntry> {
    let county_of: BTreeMap<Uuid, String> = register
        .villages
        .iter()
        .filter_map(|v| {
            let code = v.form.as_ref()?.basic.division_code.as_deref()?;
            Some((v.village_id, code.chars().take(6).collect()))
        })
        .collect();
    let mut out = Vec::new();
    for h in &register.households {
        for m in &h.bundle.members {
            if let Some(key) = m.id_number.as_deref().and_then(normalise) {
                out.push(IdEntry {
                    key,
                    record_id: m.id,
                    kind: RecordKind::Member,
                    household_id: Some(h.bundle.household.id),
                    village_id: h.village_id,
                    county: county_of.get(&h.village_id).cloned().unwrap_or_default(),
                    present: m.is_present(),
                });
            }
        }
    }
    for helper in &register.helpers {
        if let Some(key) = helper.id_number.as_deref().and_then(normalise) {
            let village = register
                .places
                .get(&helper.id)
                .map_or(Uuid::nil(), |p| p.village_id);
            out.push(IdEntry {
                key,
                record_id: helper.id,
                kind: RecordKind::Helper,
                household_id: None,
                village_id: village,
                county: county_of.get(&village).cloned().unwrap_or_default(),
                present: true,
            });
        }
    }
    out
}

pub(crate) fn check(register: &Register, index: &IdIndex, scope: &Scope) -> Vec<Fault> {
    let keys: BTreeSet<&str> = if scope.all {
        index.by_key.keys().map(String::as_str).collect()
    } else {
        scope
            .persons
            .iter()
            .filter_map(|p| index.key_of(*p))
            .collect()
    };
    let mut out = Vec::new();
    let mut poor_keys: BTreeSet<String> = BTreeSet::new();
    for key in keys {
        let holders = index.holders(key);
        let present: Vec<&IdEntry> = holders
            .iter()
            .filter(|e| e.kind == RecordKind::Member && e.present)
            .collect();
        if !present.is_empty() {
            poor_keys.insert(key.to_owned());
        }
        for m in &present {
            let others: Vec<&&IdEntry> = present
                .iter()
                .filter(|o| o.household_id != m.household_id)
                .collect();
            let same_county =
                |o: &&&IdEntry| o.county.is_empty() || m.county.is_empty() || o.county == m.county;
            let here: BTreeSet<Option<Uuid>> = others
                .iter()
                .filter(|o| same_county(o))
                .map(|o| o.household_id)
                .collect();
            let elsewhere: BTreeSet<&str> = others
                .iter()
                .filter(|o| !same_county(o))
                .map(|o| o.county.as_str())
                .collect();
            if !here.is_empty() {
                out.push(member_fault(
                    &checks::PERSON_IN_TWO_HOUSEHOLDS,
                    m,
                    format!("该成员的证件号码同时登记在本县另外{}个贫困户中", here.len()),
                ));
            }
            if !elsewhere.is_empty() {
                let codes: Vec<&str> = elsewhere.into_iter().collect();
                out.push(member_fault(
                    &checks::PERSON_IN_TWO_COUNTIES,
                    m,
                    format!(
                        "该成员的证件号码同时登记在其他县（区划代码{}）的贫困户中",
                        codes.join("、")
                    ),
                ));
            }
        }
    }
    // 帮扶责任人同时是贫困人口: the helpers in scope against the numbers poor members hold.
    let helpers: Vec<crate::help::Helper> = register
        .helpers
        .iter()
        .filter(|h| scope.covers(ScopeKey::Person(h.id)))
        .cloned()
        .collect();
    for f in check_helpers_not_poor(&helpers, &poor_keys) {
        let Some(h) = helper_at(&f.path, &helpers) else {
            continue;
        };
        let def = &checks::HELPER_IS_POOR;
        let village = register
            .places
            .get(&h.id)
            .map_or(Uuid::nil(), |p| p.village_id);
        out.push(Fault {
            check: def.code,
            key: format!("{}|{}", def.code, h.id),
            village_id: village,
            record_kind: Some(RecordKind::Helper),
            record_id: Some(h.id),
            household_id: None,
            path: "id_number".to_owned(),
            text: f.message,
            severity: def.severity,
            requirement: def.requirement,
            rank: None,
        });
    }
    out
}

fn member_fault(def: &checks::CheckDef, m: &IdEntry, text: String) -> Fault {
    Fault {
        check: def.code,
        key: format!("{}|{}", def.code, m.record_id),
        village_id: m.village_id,
        record_kind: Some(RecordKind::Member),
        record_id: Some(m.record_id),
        household_id: m.household_id,
        path: "id_number".to_owned(),
        text,
        severity: def.severity,
        requirement: def.requirement,
        rank: None,
    }
}

/// The helper a `helpers[i].…` path names.
fn helper_at<'h>(
    path: &str,
    helpers: &'h [crate::help::Helper],
) -> Option<&'h crate::help::Helper> {
    let i: usize = path
        .strip_prefix("helpers[")?
        .split_once(']')?
        .0
        .parse()
        .ok()?;
    helpers.get(i)
}
