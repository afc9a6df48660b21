//! The register an export is written from: stored records decoded through the domain's types
//! and grouped into household bundles and villages.
//!
//! [`assemble`] is the one place that decodes and groups. When the domain's judgement
//! pipeline (issue 12) assembles bundles from stored records, this function becomes one call
//! to it; nothing else in the crate reads raw JSON.

use std::collections::{BTreeMap, HashMap};

use jiandang_domain::RecordKind;
use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::help::{HelpUnit, Helper, WorkTeamMember};
use jiandang_domain::measures::VillageExitMeasures;
use jiandang_domain::member::Member;
use jiandang_domain::problem::Problem;
use jiandang_domain::village::{NaturalVillage, Village};
use serde_json::Value;
use uuid::Uuid;

use crate::{Place, Places, Scope, StoredRecord};

/// A record that could not be decoded: it is listed on the cover sheet, never dropped
/// silently. `message` names the field (a JSON path) and never holds a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub kind: RecordKind,
    pub id: Uuid,
    pub village_id: Uuid,
    pub message: String,
}

/// A household with its dependent records, and where it is.
#[derive(Debug, Clone)]
pub struct HouseholdEntry {
    pub town_name: String,
    pub village_name: String,
    pub bundle: HouseholdBundle,
}

impl HouseholdEntry {
    /// The 户主: the present member whose 与户主关系 is 户主.
    pub fn head(&self) -> Option<&Member> {
        self.bundle
            .members
            .iter()
            .find(|m| m.is_present() && m.is_head())
    }
}

/// A village of the scope, with its records (a village the collectors have not filled in
/// yet has no `record`).
#[derive(Debug, Clone)]
pub struct VillageEntry {
    pub place: Place,
    pub town_name: String,
    pub record: Option<Village>,
    pub natural_villages: Vec<NaturalVillage>,
    pub exit_measures: Option<VillageExitMeasures>,
    pub work_team: Vec<WorkTeamMember>,
}

/// Everything an export of one scope is written from.
#[derive(Debug, Clone)]
pub struct Register {
    pub scope: Scope,
    pub places: Places,
    /// In town, village, 户编号 order.
    pub households: Vec<HouseholdEntry>,
    /// Every village of the scope, in town and village name order.
    pub villages: Vec<VillageEntry>,
    pub help_units: BTreeMap<Uuid, HelpUnit>,
    pub helpers: BTreeMap<Uuid, Helper>,
    pub unreadable: Vec<Unreadable>,
    /// The problem list (问题清单) of the scope's villages, in village, 户编号 and raising
    /// order.
    pub problems: Vec<Problem>,
    /// Display names of referenced records (villages, natural villages, helpers, help units,
    /// members), for reference columns.
    pub names: HashMap<Uuid, String>,
}

impl Register {
    /// The town and village names of a village.
    pub fn place_names(&self, village: Uuid) -> (String, String) {
        match self.places.village(village) {
            Some(p) => (
                self.places
                    .town(p.town_id)
                    .map_or_else(String::new, |t| t.name.clone()),
                p.name.clone(),
            ),
            None => (String::new(), String::new()),
        }
    }

    /// How many people live in the households of the register (members present).
    pub fn people(&self) -> usize {
        self.households
            .iter()
            .map(|h| h.bundle.present_members().count())
            .sum()
    }
}

/// Decodes the records of `scope` (records of other villages are ignored) and groups them:
/// households with their members, member changes, procedure and exit measures; villages with
/// their natural villages, exit measures and work team; help units and helpers. GPS fixes
/// and photos are not part of any official sheet and are left out. A record that does not
/// decode is listed in [`Register::unreadable`].
pub fn assemble(places: &Places, scope: Scope, records: Vec<StoredRecord>) -> Register {
    let in_scope: Vec<Place> = places.villages_in(scope).into_iter().cloned().collect();
    let mut register = Register {
        scope,
        places: places.clone(),
        households: Vec::new(),
        villages: Vec::new(),
        help_units: BTreeMap::new(),
        helpers: BTreeMap::new(),
        unreadable: Vec::new(),
        problems: Vec::new(),
        names: HashMap::new(),
    };
    let wanted: std::collections::HashSet<Uuid> = in_scope.iter().map(|p| p.id).collect();
    // Household id → (the household record, its dependants).
    let mut groups: BTreeMap<Uuid, Vec<StoredRecord>> = BTreeMap::new();
    let mut village_records: Vec<StoredRecord> = Vec::new();
    for r in records
        .into_iter()
        .filter(|r| wanted.contains(&r.village_id))
    {
        match r.kind {
            RecordKind::Household => groups.entry(r.id).or_default().insert(0, r),
            RecordKind::Member
            | RecordKind::MemberChange
            | RecordKind::Procedure
            | RecordKind::HouseholdExitMeasures => {
                match r.doc.get("household_id").and_then(Value::as_str) {
                    Some(h) if let Ok(h) = Uuid::parse_str(h) => {
                        groups.entry(h).or_default().push(r)
                    }
                    _ => register.unreadable.push(Unreadable {
                        kind: r.kind,
                        id: r.id,
                        village_id: r.village_id,
                        message: "household_id：缺少所属贫困户".to_owned(),
                    }),
                }
            }
            RecordKind::GpsFix | RecordKind::Photo => {}
            RecordKind::Problem => match problem(&r) {
                Some(p) => register.problems.push(p),
                None => register.unreadable.push(Unreadable {
                    kind: r.kind,
                    id: r.id,
                    village_id: r.village_id,
                    message: "问题清单记录无法读取".to_owned(),
                }),
            },
            _ => village_records.push(r),
        }
    }
    for (_, group) in groups {
        if let Some(entry) = household(group, &mut register.unreadable) {
            register.households.push(entry);
        }
    }
    let mut villages: BTreeMap<Uuid, VillageEntry> = in_scope
        .iter()
        .map(|p| {
            let town_name = places
                .town(p.town_id)
                .map_or_else(String::new, |t| t.name.clone());
            (
                p.id,
                VillageEntry {
                    place: p.clone(),
                    town_name,
                    record: None,
                    natural_villages: Vec::new(),
                    exit_measures: None,
                    work_team: Vec::new(),
                },
            )
        })
        .collect();
    for r in village_records {
        let fail = |e: jiandang_domain::bundle::RecordsError| Unreadable {
            kind: r.kind,
            id: r.id,
            village_id: r.village_id,
            message: e.to_string(),
        };
        let at = "";
        let Some(entry) = villages.get_mut(&r.village_id) else {
            continue;
        };
        let decoded = match r.kind {
            RecordKind::Village => {
                jiandang_domain::bundle::decode::<Village>(at, &r.doc).map(|mut v| {
                    v.id = r.id;
                    entry.record = Some(v);
                })
            }
            RecordKind::NaturalVillage => {
                jiandang_domain::bundle::decode::<NaturalVillage>(at, &r.doc)
                    .map(|n| entry.natural_villages.push(n))
            }
            RecordKind::VillageExitMeasures => {
                jiandang_domain::bundle::decode::<VillageExitMeasures>(at, &r.doc)
                    .map(|m| entry.exit_measures = Some(m))
            }
            RecordKind::WorkTeamMember => {
                jiandang_domain::bundle::decode::<WorkTeamMember>(at, &r.doc)
                    .map(|m| entry.work_team.push(m))
            }
            RecordKind::HelpUnit => {
                jiandang_domain::bundle::decode::<HelpUnit>(at, &r.doc).map(|u| {
                    register.help_units.insert(r.id, u);
                })
            }
            RecordKind::Helper => jiandang_domain::bundle::decode::<Helper>(at, &r.doc).map(|h| {
                register.helpers.insert(r.id, h);
            }),
            _ => Ok(()),
        };
        if let Err(e) = decoded {
            register.unreadable.push(fail(e));
        }
    }
    register.villages = in_scope
        .iter()
        .filter_map(|p| villages.remove(&p.id))
        .map(|mut v| {
            v.natural_villages.sort_by(|a, b| {
                (&a.basic.code, &a.basic.name).cmp(&(&b.basic.code, &b.basic.name))
            });
            v
        })
        .collect();
    let order: HashMap<Uuid, usize> = in_scope
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    for h in &mut register.households {
        let (town, village) = register_place_names(places, h.bundle.household.village_id);
        h.town_name = town;
        h.village_name = village;
        h.bundle.members.sort_by_key(|m| {
            (
                !m.is_present(),
                m.relationship.map(jiandang_domain::codes::Coded::code),
                m.birth_date,
            )
        });
    }
    register.households.sort_by(|a, b| {
        let key = |h: &HouseholdEntry| {
            (
                order.get(&h.bundle.household.village_id).copied(),
                // New households (no number assigned yet) after the registered ones.
                h.bundle.household.basic.household_number.is_none(),
                h.bundle.household.basic.household_number.clone(),
                h.bundle.household.id,
            )
        };
        key(a).cmp(&key(b))
    });
    let position: HashMap<Uuid, usize> = register
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.bundle.household.id, i))
        .collect();
    // A household's problems where the household is in the list; a village's own after its
    // households; then by when they were raised.
    register.problems.sort_by(|a, b| {
        let key = |p: &Problem| {
            (
                order.get(&p.village_id).copied(),
                p.household_id
                    .and_then(|h| position.get(&h))
                    .map_or(usize::MAX, |i| *i),
                p.raised_at.map(|t| t.millis()),
                p.key.clone(),
                p.id,
            )
        };
        key(a).cmp(&key(b))
    });
    register.names = names(&register);
    register
}

/// A stored problem: its id and village from the store when its form leaves them out (as
/// `Problem::from_stored` reads it).
fn problem(r: &StoredRecord) -> Option<Problem> {
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

fn register_place_names(places: &Places, village: Uuid) -> (String, String) {
    match places.village(village) {
        Some(p) => (
            places
                .town(p.town_id)
                .map_or_else(String::new, |t| t.name.clone()),
            p.name.clone(),
        ),
        None => (String::new(), String::new()),
    }
}

/// One household from its group of records; records that do not decode are set aside one by
/// one (the error names the record) and the rest kept.
fn household(
    mut group: Vec<StoredRecord>,
    unreadable: &mut Vec<Unreadable>,
) -> Option<HouseholdEntry> {
    if group.first().map(|r| r.kind) != Some(RecordKind::Household) {
        // Dependants of a household outside the scope or never received.
        for r in group {
            unreadable.push(Unreadable {
                kind: r.kind,
                id: r.id,
                village_id: r.village_id,
                message: "household_id：所属贫困户不在导出范围内或不存在".to_owned(),
            });
        }
        return None;
    }
    loop {
        let result = HouseholdBundle::from_records(group.iter().map(|r| (r.kind, &r.doc)));
        match result {
            Ok(mut bundle) => {
                bundle.household.id = group[0].id;
                return Some(HouseholdEntry {
                    town_name: String::new(),
                    village_name: String::new(),
                    bundle,
                });
            }
            Err(e) => {
                let index = e
                    .path()
                    .strip_prefix("records[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok());
                let index = index.filter(|i| *i < group.len())?;
                let r = group.remove(index);
                let message = match &e {
                    jiandang_domain::bundle::RecordsError::Invalid { path, message } => {
                        let rel = path
                            .split_once(']')
                            .map_or("", |(_, rest)| rest.trim_start_matches('.'));
                        format!("{rel}：{message}")
                    }
                    other => other.to_string(),
                };
                unreadable.push(Unreadable {
                    kind: r.kind,
                    id: r.id,
                    village_id: r.village_id,
                    message,
                });
                if index == 0 {
                    // The household itself: its dependants have nothing to hang on.
                    for r in group {
                        unreadable.push(Unreadable {
                            kind: r.kind,
                            id: r.id,
                            village_id: r.village_id,
                            message: "所属贫困户记录无法读取".to_owned(),
                        });
                    }
                    return None;
                }
            }
        }
    }
}

fn names(register: &Register) -> HashMap<Uuid, String> {
    let mut names = HashMap::new();
    for p in &register.places.villages {
        names.insert(p.id, p.name.clone());
    }
    for v in &register.villages {
        for n in &v.natural_villages {
            if let Some(name) = &n.basic.name {
                names.insert(n.id, name.clone());
            }
        }
        for m in &v.work_team {
            if let Some(name) = &m.name {
                names.insert(m.id, name.clone());
            }
        }
    }
    for (id, u) in &register.help_units {
        if let Some(name) = &u.name {
            names.insert(*id, name.clone());
        }
    }
    for (id, h) in &register.helpers {
        if let Some(name) = &h.name {
            names.insert(*id, name.clone());
        }
    }
    for h in &register.households {
        for m in &h.bundle.members {
            names.insert(m.id, m.name.clone());
        }
    }
    names
}
