//! From records as stored to bundles: every record decoded as far as it goes (with its id and
//! village from the store's columns), then grouped by what it links to. Records keep their
//! index in the input; within a bundle they are ordered by id (ids are made in time order),
//! so the input's order never changes a finding.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::decode::{Salvaged, salvage};
use crate::exit_procedure::ExitProcedure;
use crate::finding::Finding;
use crate::geo::GpsFix;
use crate::help::{HelpUnit, Helper, WorkTeamMember};
use crate::household::Household;
use crate::measures::{HouseholdExitMeasures, VillageExitMeasures};
use crate::member::Member;
use crate::member_change::MemberChange;
use crate::photo::PhotoRef;
use crate::procedure::Procedure;
use crate::record::{RecordKind, StoredRecord};
use crate::village::{NaturalVillage, Village};
use crate::visit::Visit;

/// What a record links to, read from its JSON form: how a store finds the other records of
/// its bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "to", content = "id", rename_all = "snake_case")]
pub enum Link {
    /// The root of its own bundle: a household.
    Household,
    /// A record of the household with this id (`household_id`).
    OfHousehold(Uuid),
    /// A photo or GPS fix of the record with this id (`subject_id`): in that record's bundle.
    Subject(Uuid),
    /// A village-side record (the 贫困村 form, a natural village, a work-team member, the
    /// village exit measures): in the bundle of the village it is stored under.
    Village,
    /// A help unit or helper: in the county's help set.
    Help,
    /// Its link field is missing or not an id: it belongs to no bundle.
    Nothing,
    /// A spot-check record (a supervisor's check, a screened household, a village's
    /// screening) or a problem-list item: judged on its own, it is no part of the register's
    /// bundles (a problem's photos and fixes are its own).
    Own,
}

/// What `record` links to.
pub fn link_of(record: &StoredRecord) -> Link {
    let id_at = |key: &str| {
        record
            .doc
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    match record.kind {
        RecordKind::Household => Link::Household,
        RecordKind::Member
        | RecordKind::MemberChange
        | RecordKind::Procedure
        | RecordKind::HouseholdExitMeasures
        | RecordKind::ExitProcedure
        | RecordKind::Visit => id_at("household_id").map_or(Link::Nothing, Link::OfHousehold),
        RecordKind::GpsFix | RecordKind::Photo => {
            id_at("subject_id").map_or(Link::Nothing, Link::Subject)
        }
        RecordKind::Village
        | RecordKind::NaturalVillage
        | RecordKind::WorkTeamMember
        | RecordKind::VillageExitMeasures => Link::Village,
        RecordKind::HelpUnit | RecordKind::Helper => Link::Help,
        RecordKind::SpotCheck
        | RecordKind::ScreenedHousehold
        | RecordKind::VillageScreening
        | RecordKind::Problem => Link::Own,
    }
}

/// A photo or GPS fix as stored: the app also writes `household_id` on those of a household
/// (the household list finds them by it). It is known here, and checked, rather than reported
/// as an unknown field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Linked<T> {
    #[serde(flatten)]
    pub record: T,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household_id: Option<Uuid>,
}

/// A record in its domain type.
#[derive(Debug, Clone)]
pub(crate) enum Typed {
    // The two largest forms are boxed so a record of any kind is small to move.
    Household(Box<Household>),
    Member(Member),
    MemberChange(MemberChange),
    Procedure(Procedure),
    HouseholdExitMeasures(HouseholdExitMeasures),
    ExitProcedure(ExitProcedure),
    Visit(Visit),
    GpsFix(Linked<GpsFix>),
    Photo(Linked<PhotoRef>),
    Village(Box<Village>),
    NaturalVillage(NaturalVillage),
    HelpUnit(HelpUnit),
    Helper(Helper),
    WorkTeamMember(WorkTeamMember),
    VillageExitMeasures(VillageExitMeasures),
    SpotCheck(Box<crate::spotcheck::check::SpotCheck>),
    // Read to find what does not decode; nothing judges them beyond that yet.
    ScreenedHousehold,
    VillageScreening,
    Problem(Box<crate::problem::Problem>),
}

/// A record decoded as far as it goes.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub typed: Option<Typed>,
    /// Fields that do not fit, unknown fields; paths relative to the record.
    pub findings: Vec<Finding>,
}

/// A household and the records of its bundle (indices into the input, ordered by id).
#[derive(Debug, Clone, Default)]
pub(crate) struct HouseholdGroup {
    pub root: usize,
    pub members: Vec<usize>,
    pub member_changes: Vec<usize>,
    pub procedure: Option<usize>,
    pub exit_measures: Option<usize>,
    pub exit_procedures: Vec<usize>,
    pub visits: Vec<usize>,
    pub gps_fixes: Vec<usize>,
    pub photos: Vec<usize>,
}

impl HouseholdGroup {
    pub fn indices(&self) -> Vec<usize> {
        let mut v = vec![self.root];
        v.extend(&self.members);
        v.extend(&self.member_changes);
        v.extend(self.procedure);
        v.extend(self.exit_measures);
        v.extend(&self.exit_procedures);
        v.extend(&self.visits);
        v.extend(&self.gps_fixes);
        v.extend(&self.photos);
        v
    }
}

/// A village's records: its form (when entered) and the village-side records stored under it.
#[derive(Debug, Clone, Default)]
pub(crate) struct VillageGroup {
    /// The village id the records are stored under.
    pub village: Uuid,
    pub root: Option<usize>,
    pub natural_villages: Vec<usize>,
    pub work_team_members: Vec<usize>,
    pub exit_measures: Option<usize>,
    pub gps_fixes: Vec<usize>,
    pub photos: Vec<usize>,
}

impl VillageGroup {
    pub fn indices(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.root.into_iter().collect();
        v.extend(&self.natural_villages);
        v.extend(&self.work_team_members);
        v.extend(self.exit_measures);
        v.extend(&self.gps_fixes);
        v.extend(&self.photos);
        v
    }
}

/// The county's help records, judged together (C7).
#[derive(Debug, Clone, Default)]
pub(crate) struct HelpGroup {
    pub units: Vec<usize>,
    pub helpers: Vec<usize>,
    pub work_team_members: Vec<usize>,
    /// Photos and fixes of help units and helpers.
    pub gps_fixes: Vec<usize>,
    pub photos: Vec<usize>,
}

impl HelpGroup {
    pub fn indices(&self) -> Vec<usize> {
        let mut v = self.units.clone();
        v.extend(&self.helpers);
        v.extend(&self.work_team_members);
        v.extend(&self.gps_fixes);
        v.extend(&self.photos);
        v
    }
}

/// A record judged on its own, and why.
#[derive(Debug, Clone)]
pub(crate) struct Alone {
    pub index: usize,
    /// Why it is judged alone; `None` for the kinds that always are ([`Link::Own`]).
    pub why: Option<Finding>,
}

/// The records grouped into bundles.
#[derive(Debug, Clone)]
pub(crate) struct Assembly {
    pub decoded: Vec<Decoded>,
    pub households: Vec<HouseholdGroup>,
    pub villages: Vec<VillageGroup>,
    pub help: HelpGroup,
    pub alone: Vec<Alone>,
}

/// Where a record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Household(usize),
    Village(Uuid),
    Help,
    /// Its household, subject or village form is not among the records.
    Missing,
    /// Judged on its own by kind.
    Own,
}

pub(crate) fn assemble(records: &[StoredRecord]) -> Assembly {
    let decoded: Vec<Decoded> = records.iter().map(decode).collect();
    // Records sharing an id (a store cannot hold two): the first is the record, the others
    // are judged alone.
    let mut by_id: BTreeMap<Uuid, usize> = BTreeMap::new();
    let mut alone = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if by_id.contains_key(&r.id) && !r.id.is_nil() {
            alone.push(Alone {
                index: i,
                why: Some(Finding::error(
                    "records.duplicate_id",
                    "id",
                    "记录标识与另一条记录重复",
                )),
            });
        } else {
            by_id.entry(r.id).or_insert(i);
        }
    }
    let duplicate: BTreeSet<usize> = alone.iter().map(|a| a.index).collect();
    let household_of_id: BTreeMap<Uuid, usize> = by_id
        .iter()
        .filter(|(_, i)| records[**i].kind == RecordKind::Household)
        .map(|(id, i)| (*id, *i))
        .collect();

    let owner = |i: usize| -> Owner {
        let mut at = i;
        // A photo of a photo (of a photo …) belongs where the first non-photo does; the
        // bound stops a cycle of subjects.
        for _ in 0..8 {
            let r = &records[at];
            match link_of(r) {
                Link::Household => return Owner::Household(at),
                Link::OfHousehold(h) => {
                    return household_of_id
                        .get(&h)
                        .map_or(Owner::Missing, |h| Owner::Household(*h));
                }
                Link::Subject(s) => match by_id.get(&s) {
                    Some(j) if *j != at => at = *j,
                    _ => return Owner::Missing,
                },
                Link::Village => return Owner::Village(r.village_id),
                Link::Help => return Owner::Help,
                Link::Nothing => return Owner::Missing,
                Link::Own => return Owner::Own,
            }
        }
        Owner::Missing
    };

    let mut order: Vec<usize> = (0..records.len())
        .filter(|i| !duplicate.contains(i))
        .collect();
    order.sort_by_key(|i| (records[*i].id, *i));

    let mut households: BTreeMap<usize, HouseholdGroup> = BTreeMap::new();
    let mut villages: BTreeMap<Uuid, VillageGroup> = BTreeMap::new();
    let mut help = HelpGroup::default();
    let missing = |kind: RecordKind| {
        let what = match kind {
            RecordKind::GpsFix | RecordKind::Photo => "所属记录",
            RecordKind::NaturalVillage
            | RecordKind::VillageExitMeasures
            | RecordKind::WorkTeamMember => "本村的贫困村信息采集表",
            _ => "所属贫困户",
        };
        Finding::error(
            "bundle.owner_missing",
            link_of_kind(kind).unwrap_or_default(),
            format!("{what}尚未录入或不存在，无法与之核对"),
        )
    };
    let one_only = |what: &str| {
        Finding::error(
            "bundle.duplicate",
            "",
            format!("{what}只能有一条，本条未与其他记录一并核对"),
        )
    };
    for i in order.iter().copied() {
        let kind = records[i].kind;
        match (kind, owner(i)) {
            (RecordKind::Household, Owner::Household(h)) => {
                households.entry(h).or_default().root = h;
            }
            (RecordKind::Village, Owner::Village(v)) => {
                let g = villages.entry(v).or_default();
                g.village = v;
                if g.root.is_some() {
                    alone.push(Alone {
                        index: i,
                        why: Some(one_only("本村的贫困村信息采集表")),
                    });
                } else {
                    g.root = Some(i);
                }
            }
            (_, Owner::Own) => alone.push(Alone {
                index: i,
                why: None,
            }),
            (_, Owner::Missing) => alone.push(Alone {
                index: i,
                why: Some(missing(kind)),
            }),
            (_, Owner::Household(h)) => {
                let g = households.entry(h).or_default();
                g.root = h;
                match kind {
                    RecordKind::Member => g.members.push(i),
                    RecordKind::MemberChange => g.member_changes.push(i),
                    RecordKind::Procedure if g.procedure.is_none() => g.procedure = Some(i),
                    RecordKind::Procedure => alone.push(Alone {
                        index: i,
                        why: Some(one_only("识别程序记录")),
                    }),
                    RecordKind::HouseholdExitMeasures if g.exit_measures.is_none() => {
                        g.exit_measures = Some(i)
                    }
                    RecordKind::HouseholdExitMeasures => alone.push(Alone {
                        index: i,
                        why: Some(one_only("脱贫措施记录")),
                    }),
                    RecordKind::ExitProcedure => g.exit_procedures.push(i),
                    RecordKind::Visit => g.visits.push(i),
                    RecordKind::GpsFix => g.gps_fixes.push(i),
                    RecordKind::Photo => g.photos.push(i),
                    _ => alone.push(Alone {
                        index: i,
                        why: Some(missing(kind)),
                    }),
                }
            }
            (_, Owner::Village(v)) => {
                let g = villages.entry(v).or_default();
                g.village = v;
                match kind {
                    RecordKind::NaturalVillage => g.natural_villages.push(i),
                    RecordKind::WorkTeamMember => {
                        g.work_team_members.push(i);
                        help.work_team_members.push(i);
                    }
                    RecordKind::VillageExitMeasures if g.exit_measures.is_none() => {
                        g.exit_measures = Some(i)
                    }
                    RecordKind::VillageExitMeasures => alone.push(Alone {
                        index: i,
                        why: Some(one_only("本村的脱贫措施记录")),
                    }),
                    RecordKind::GpsFix => g.gps_fixes.push(i),
                    RecordKind::Photo => g.photos.push(i),
                    _ => alone.push(Alone {
                        index: i,
                        why: Some(missing(kind)),
                    }),
                }
            }
            (_, Owner::Help) => match kind {
                RecordKind::HelpUnit => help.units.push(i),
                RecordKind::Helper => help.helpers.push(i),
                RecordKind::GpsFix => help.gps_fixes.push(i),
                RecordKind::Photo => help.photos.push(i),
                _ => alone.push(Alone {
                    index: i,
                    why: Some(missing(kind)),
                }),
            },
        }
    }
    alone.sort_by_key(|a| a.index);
    Assembly {
        decoded,
        households: households.into_values().collect(),
        villages: villages.into_values().collect(),
        help,
        alone,
    }
}

/// The field that links a record of this kind to its bundle, if it has one.
fn link_of_kind(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Member
        | RecordKind::MemberChange
        | RecordKind::Procedure
        | RecordKind::HouseholdExitMeasures
        | RecordKind::ExitProcedure
        | RecordKind::Visit => Some("household_id"),
        RecordKind::GpsFix | RecordKind::Photo => Some("subject_id"),
        _ => None,
    }
}

/// Decodes a record, its id (and village, for the kinds that hold one) taken from the store's
/// columns when its form leaves them out.
pub(crate) fn decode(r: &StoredRecord) -> Decoded {
    let mut doc = r.doc.clone();
    if let Value::Object(obj) = &mut doc {
        if obj.get("id").is_none_or(Value::is_null) {
            obj.insert("id".into(), Value::String(r.id.to_string()));
        }
        if has_village_id(r.kind) && obj.get("village_id").is_none_or(Value::is_null) {
            obj.insert("village_id".into(), Value::String(r.village_id.to_string()));
        }
    }
    let mut d = match r.kind {
        RecordKind::Household => typed(&doc, |h| Typed::Household(Box::new(h))),
        RecordKind::Member => typed(&doc, Typed::Member),
        RecordKind::MemberChange => typed(&doc, Typed::MemberChange),
        RecordKind::Procedure => typed(&doc, Typed::Procedure),
        RecordKind::HouseholdExitMeasures => typed(&doc, Typed::HouseholdExitMeasures),
        RecordKind::ExitProcedure => typed(&doc, Typed::ExitProcedure),
        RecordKind::Visit => typed(&doc, Typed::Visit),
        RecordKind::GpsFix => typed(&doc, Typed::GpsFix),
        RecordKind::Photo => typed(&doc, Typed::Photo),
        RecordKind::Village => typed(&doc, |v| Typed::Village(Box::new(v))),
        RecordKind::NaturalVillage => typed(&doc, Typed::NaturalVillage),
        RecordKind::HelpUnit => typed(&doc, Typed::HelpUnit),
        RecordKind::Helper => typed(&doc, Typed::Helper),
        RecordKind::WorkTeamMember => typed(&doc, Typed::WorkTeamMember),
        RecordKind::VillageExitMeasures => typed(&doc, Typed::VillageExitMeasures),
        RecordKind::SpotCheck => typed(&doc, |c| Typed::SpotCheck(Box::new(c))),
        RecordKind::ScreenedHousehold => {
            typed(&doc, |_: crate::spotcheck::check::ScreenedHousehold| {
                Typed::ScreenedHousehold
            })
        }
        RecordKind::VillageScreening => {
            typed(&doc, |_: crate::spotcheck::check::VillageScreening| {
                Typed::VillageScreening
            })
        }
        RecordKind::Problem => typed(&doc, |p| Typed::Problem(Box::new(p))),
    };
    // The form's own id, when it has one, must be the record's.
    if let Some(doc_id) = r
        .doc
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        && doc_id != r.id
    {
        d.findings.push(Finding::error(
            "records.id_mismatch",
            "id",
            "记录内的标识与记录不一致",
        ));
    }
    d
}

fn typed<T: DeserializeOwned + Serialize>(doc: &Value, wrap: fn(T) -> Typed) -> Decoded {
    let Salvaged { record, findings } = salvage::<T>(doc);
    Decoded {
        typed: record.map(wrap),
        findings,
    }
}

/// Whether the kind's form holds its village (`village_id`).
fn has_village_id(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::Household
            | RecordKind::MemberChange
            | RecordKind::HouseholdExitMeasures
            | RecordKind::ExitProcedure
            | RecordKind::Visit
            | RecordKind::NaturalVillage
            | RecordKind::WorkTeamMember
            | RecordKind::VillageExitMeasures
            | RecordKind::Problem
    )
}
