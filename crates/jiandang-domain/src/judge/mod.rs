//! The one judgement of records (DESIGN.md, "One judge, one set of actions"): records as
//! stored (kind, id, village, JSON form) → the bundles they form → findings per record and
//! per field. The device, the server, `jiandang check` and the county's checks call [`judge`]
//! (or [`judge_bundle_of`], for the bundles one record belongs to) and nothing else, so a
//! record is judged the same wherever it is.
//!
//! **Bundles.** A household's bundle is the household, every record whose `household_id`
//! names it (members, member changes, the identification procedure, exit measures, exit
//! procedures, door visits), and every photo and GPS fix whose `subject_id` names one of
//! those (so the photos of a member or of a procedure step belong to the household, on the
//! device and on the server alike). A village's bundle is its 贫困村 form and the village-side
//! records of its village (natural villages, work team, village exit measures) with their
//! photos and fixes; its W3/W4 counts come from the households among the records (none given:
//! those rules wait for them). Help units, helpers and work-team members are also judged
//! together, county-wide (a work-team member is in its village's bundle and in that set).
//!
//! **Records that do not read.** A field that does not fit its record is an error
//! (`records.invalid`) at its path and is left out; the rest of the record is still judged. A
//! record that cannot be read at all (a required field missing, not an object) gets its error
//! and is left out of its bundle. A record whose household (or subject, or village form) is
//! not among the records is judged on its own and gets `bundle.owner_missing`. A second
//! identification procedure, exit-measure sheet or village form where one is allowed is
//! judged on its own with `bundle.duplicate`. Nothing is dropped silently.
//!
//! **The exit standard by state** (settled here once): a household proposed (预脱贫) or
//! exited this year is held to the exit gate (W1, W2, C9; errors), and an exit this year to
//! its exit procedure too (W1, Q2); a household that exited in an earlier year (历年脱贫户)
//! has its 两不愁三保障 items and income against this year's line reported as warnings (the
//! national problem list's "脱贫户未解决两不愁三保障": a risk to review, not a refused action).
//! A household exited this year owes its exit-measure sheet (C4).
//!
//! **Paths.** A record's findings have paths relative to the record (`basic.phone`,
//! `steps[2].date`); findings about a bundle as a whole sit on its root record as
//! `bundle_findings`, with the path they have in the bundle's file form (`members`: no member
//! present; `exit_procedures`: none recorded; empty: the household or village as a whole).

pub mod file;

mod assemble;
mod household;
mod village;

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::bundle::HouseholdBundle;
use crate::finding::Finding;
use crate::policy::YearPolicy;
use crate::record::{RecordKind, StoredRecord};
use crate::time::{Date, Timestamp};

pub use assemble::{Link, link_of};

/// What a judgement is made with: the year's policy and the present instant (fixes and photos
/// taken later are impossible; member changes and procedure steps are dated no later than
/// the Beijing date of `now`, nor after the data year).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub policy: &'a YearPolicy,
    pub now: Timestamp,
}

impl<'a> Context<'a> {
    pub fn new(policy: &'a YearPolicy, now: Timestamp) -> Context<'a> {
        Context { policy, now }
    }

    /// Today, Beijing time.
    pub fn today(&self) -> Date {
        self.now.beijing_date()
    }

    /// The day records of the data year are judged on: today, or the year's last day once
    /// the year is over.
    pub(crate) fn on(&self) -> Date {
        self.today().min(self.policy.year_end())
    }
}

/// The findings on one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judged {
    pub id: Uuid,
    pub kind: RecordKind,
    /// About the record, with paths relative to it.
    pub findings: Vec<Finding>,
    /// On a bundle's root (a household, a village form): about the bundle as a whole, with
    /// the path they have in the bundle's file form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bundle_findings: Vec<Finding>,
}

impl Judged {
    /// Every finding on the record, its own and its bundle's.
    pub fn all(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().chain(&self.bundle_findings)
    }
}

/// What [`judge`] found: one entry per record judged, in the order the records came.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Judgement {
    pub records: Vec<Judged>,
}

impl Judgement {
    /// Every finding on the record `id` (its own and, on a root, its bundle's).
    pub fn of(&self, id: Uuid) -> Vec<Finding> {
        self.records
            .iter()
            .filter(|r| r.id == id)
            .flat_map(|r| r.all().cloned())
            .collect()
    }

    /// Every record's findings by id (records sharing an id, which a store cannot hold, are
    /// merged).
    pub fn by_record(&self) -> BTreeMap<Uuid, Vec<Finding>> {
        let mut out: BTreeMap<Uuid, Vec<Finding>> = BTreeMap::new();
        for r in &self.records {
            out.entry(r.id).or_default().extend(r.all().cloned());
        }
        out
    }

    /// Whether any finding blocks (an error).
    pub fn has_errors(&self) -> bool {
        self.records.iter().any(|r| r.all().any(Finding::is_error))
    }
}

/// Judges every record: each forms its bundles (households, villages, the help set) with the
/// others, and every record gets an entry, empty when nothing is wrong (so a caller can clear
/// what it stored before).
pub fn judge(records: &[StoredRecord], ctx: &Context<'_>) -> Judgement {
    run(records, ctx, &Extras::default(), None)
}

/// Judges the bundles `record` belongs to (its household's, its village's, the help set),
/// given at least the records of those bundles; other records only count where a bundle
/// needs them (a village's households for its W3/W4 counts). Only the records of those
/// bundles get entries. For a save or a push of `record`.
pub fn judge_bundle_of(record: Uuid, records: &[StoredRecord], ctx: &Context<'_>) -> Judgement {
    run(records, ctx, &Extras::default(), Some(record))
}

/// A household's bundle in its domain types, as the pipeline assembles it from `records`
/// (records that do not read left out): for the actions, and for a shell that derives a
/// household's totals. `None` when the household is not among the records or does not read.
pub fn household_bundle(household: Uuid, records: &[StoredRecord]) -> Option<HouseholdBundle> {
    let a = assemble::assemble(records);
    let g = a
        .households
        .iter()
        .find(|g| records[g.root].id == household)?;
    household::build(g, &a).map(|built| built.bundle)
}

/// Every household's bundle among `records`, by the household's id, assembled once (the
/// households that do not read are left out).
pub fn household_bundles(records: &[StoredRecord]) -> BTreeMap<Uuid, HouseholdBundle> {
    let a = assemble::assemble(records);
    a.households
        .iter()
        .filter_map(|g| household::build(g, &a).map(|built| (records[g.root].id, built.bundle)))
        .collect()
}

/// Where each record of a household's bundle sits in the household file form (`household`,
/// `members[2]`), by id.
pub(crate) fn places(household: Uuid, records: &[StoredRecord]) -> BTreeMap<Uuid, String> {
    let a = assemble::assemble(records);
    a.households
        .iter()
        .find(|g| records[g.root].id == household)
        .and_then(|g| household::build(g, &a))
        .map(|built| {
            built
                .layout
                .into_iter()
                .map(|(place, i)| (records[i].id, place))
                .collect()
        })
        .unwrap_or_default()
}

/// What a file adds to its records: counts for a village, an action to judge as well.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// The W3/W4 counts of a village (by its village id), as a village file gives them.
    pub stats: BTreeMap<Uuid, crate::village::VillageStats>,
    /// Households (by record index) to judge as if being marked 已脱贫 now.
    pub exit_households: Vec<usize>,
    /// Villages (by the index of their form) to judge as if exiting (出列) this year.
    pub exit_villages: Vec<usize>,
}

/// Findings per record index: own (record-relative) and, on roots, the bundle's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Raw {
    pub own: Vec<Vec<Finding>>,
    pub bundle: Vec<Vec<Finding>>,
    pub judged: Vec<bool>,
}

impl Raw {
    fn new(n: usize) -> Raw {
        Raw {
            own: vec![Vec::new(); n],
            bundle: vec![Vec::new(); n],
            judged: vec![false; n],
        }
    }

    /// Files bundle-form findings under the records of `layout` (prefix, record index), paths
    /// made relative; a finding under no record of it goes to `root` as the bundle's.
    pub(crate) fn split(
        &mut self,
        findings: Vec<Finding>,
        layout: &[(String, usize)],
        root: usize,
    ) {
        for f in findings {
            let owner = layout.iter().find_map(|(prefix, i)| {
                let rest = f.path.strip_prefix(prefix.as_str())?;
                if rest.is_empty() {
                    Some((*i, String::new()))
                } else {
                    rest.strip_prefix('.').map(|r| (*i, r.to_owned()))
                }
            });
            match owner {
                Some((i, path)) => self.own[i].push(Finding { path, ..f }),
                None => self.bundle[root].push(f),
            }
        }
    }
}

pub(crate) fn run(
    records: &[StoredRecord],
    ctx: &Context<'_>,
    extras: &Extras,
    only: Option<Uuid>,
) -> Judgement {
    judgement_of(records, judge_raw(records, ctx, extras, only))
}

fn judgement_of(records: &[StoredRecord], raw: Raw) -> Judgement {
    Judgement {
        records: records
            .iter()
            .zip(raw.own)
            .zip(raw.bundle)
            .zip(raw.judged)
            .filter(|(_, judged)| *judged)
            .map(|(((r, findings), bundle_findings), _)| Judged {
                id: r.id,
                kind: r.kind,
                findings,
                bundle_findings,
            })
            .collect(),
    }
}

/// The register as the county-wide checks read it (`crate::county`): the records grouped once
/// into the judgement's bundles, in their domain types, with the findings of the bundles
/// [`Judge`] names. Not a second assembly: the same one [`judge`] makes.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The findings of the records judged.
    pub judgement: Judgement,
    /// Every household that reads, with its bundle, in the order the records came.
    pub households: Vec<HouseholdEntry>,
    /// Every village with records, by the village it is stored under, ordered by that id.
    pub villages: Vec<VillageEntry>,
    /// The county's help units and helpers (C7), and every village's work team.
    pub help_units: Vec<crate::help::HelpUnit>,
    pub helpers: Vec<crate::help::Helper>,
    pub work_team: Vec<crate::help::WorkTeamMember>,
    /// The problem-list items among the records that read.
    pub problems: Vec<crate::problem::Problem>,
    /// Where every record sits: its village and, for a household's records, its household.
    pub places: BTreeMap<Uuid, Place>,
}

/// Where a record of the register sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub kind: RecordKind,
    /// The village it is stored under.
    pub village_id: Uuid,
    /// The household whose bundle it is in, if any.
    pub household_id: Option<Uuid>,
}

/// A household of the register.
#[derive(Debug, Clone)]
pub struct HouseholdEntry {
    /// The village whose devices hold it.
    pub village_id: Uuid,
    pub bundle: HouseholdBundle,
}

/// A village of the register: its form (when entered and it reads), its position fixes and
/// its W3/W4 counts as the judgement makes them from its households among the records.
#[derive(Debug, Clone)]
pub struct VillageEntry {
    /// The village its records are stored under.
    pub village_id: Uuid,
    /// The 贫困村 form's record id.
    pub form_id: Option<Uuid>,
    pub form: Option<crate::village::Village>,
    pub gps_fixes: Vec<crate::geo::GpsFix>,
    pub stats: Option<crate::village::VillageStats>,
}

/// Which bundles [`register`] judges.
#[derive(Debug, Clone, Copy)]
pub enum Judge<'a> {
    /// Every record.
    All,
    /// The bundles any of these records is in (a household's bundle by any of its records, a
    /// village's by its form or a village-side record, the help set by a unit or helper).
    Only(&'a std::collections::BTreeSet<Uuid>),
}

/// The register of `records`, judging the bundles `which` names.
pub fn register(records: &[StoredRecord], ctx: &Context<'_>, which: Judge<'_>) -> Register {
    use assemble::Typed;
    let a = assemble::assemble(records);
    let wanted = |indices: &[usize]| match which {
        Judge::All => true,
        Judge::Only(ids) => indices.iter().any(|i| ids.contains(&records[*i].id)),
    };
    let raw = judge_assembled(records, &a, ctx, &Extras::default(), &wanted);
    let households = a
        .households
        .iter()
        .filter_map(|g| {
            household::build(g, &a).map(|built| HouseholdEntry {
                village_id: records[g.root].village_id,
                bundle: built.bundle,
            })
        })
        .collect();
    let villages = a
        .villages
        .iter()
        .map(|g| {
            let form = g.root.and_then(|r| match &a.decoded[r].typed {
                Some(Typed::Village(v)) => Some((records[r].id, v.as_ref().clone())),
                _ => None,
            });
            VillageEntry {
                village_id: g.village,
                form_id: form.as_ref().map(|(id, _)| *id),
                form: form.map(|(_, v)| v),
                gps_fixes: g
                    .gps_fixes
                    .iter()
                    .filter_map(|i| match &a.decoded[*i].typed {
                        Some(Typed::GpsFix(fix)) => Some(fix.record.clone()),
                        _ => None,
                    })
                    .collect(),
                stats: village::stats(g, &a, records),
            }
        })
        .collect();
    let typed = |indices: &[usize]| -> Vec<&Typed> {
        indices
            .iter()
            .filter_map(|i| a.decoded[*i].typed.as_ref())
            .collect()
    };
    let help_units = typed(&a.help.units)
        .into_iter()
        .filter_map(|t| match t {
            Typed::HelpUnit(u) => Some(u.clone()),
            _ => None,
        })
        .collect();
    let helpers = typed(&a.help.helpers)
        .into_iter()
        .filter_map(|t| match t {
            Typed::Helper(h) => Some(h.clone()),
            _ => None,
        })
        .collect();
    let work_team = typed(&a.help.work_team_members)
        .into_iter()
        .filter_map(|t| match t {
            Typed::WorkTeamMember(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    let alone: Vec<usize> = a.alone.iter().map(|x| x.index).collect();
    let problems = typed(&alone)
        .into_iter()
        .filter_map(|t| match t {
            Typed::Problem(p) => Some(p.as_ref().clone()),
            _ => None,
        })
        .collect();
    let mut places: BTreeMap<Uuid, Place> = records
        .iter()
        .map(|r| {
            (
                r.id,
                Place {
                    kind: r.kind,
                    village_id: r.village_id,
                    household_id: None,
                },
            )
        })
        .collect();
    for g in &a.households {
        let household = records[g.root].id;
        for i in g.indices() {
            if let Some(place) = places.get_mut(&records[i].id) {
                place.household_id = Some(household);
            }
        }
    }
    Register {
        judgement: judgement_of(records, raw),
        places,
        households,
        villages,
        help_units,
        helpers,
        work_team,
        problems,
    }
}

/// The findings per record index, for [`run`] and the file readers (which place them in the
/// file's form).
pub(crate) fn judge_raw(
    records: &[StoredRecord],
    ctx: &Context<'_>,
    extras: &Extras,
    only: Option<Uuid>,
) -> Raw {
    let a = assemble::assemble(records);
    let wanted = |indices: &[usize]| match only {
        None => true,
        Some(id) => indices.iter().any(|i| records[*i].id == id),
    };
    judge_assembled(records, &a, ctx, extras, &wanted)
}

/// [`judge_raw`] over records already assembled, judging the bundles `wanted` says (by the
/// record indices of each bundle).
fn judge_assembled(
    records: &[StoredRecord],
    a: &assemble::Assembly,
    ctx: &Context<'_>,
    extras: &Extras,
    wanted: &dyn Fn(&[usize]) -> bool,
) -> Raw {
    let mut raw = Raw::new(records.len());
    for group in &a.households {
        if wanted(&group.indices()) {
            household::judge(group, a, records, ctx, extras, &mut raw);
        }
    }
    for group in &a.villages {
        if wanted(&group.indices()) {
            village::judge(group, a, records, ctx, extras, &mut raw);
        }
    }
    if wanted(&a.help.indices()) {
        village::judge_help(&a.help, a, ctx, &mut raw);
    }
    for alone in &a.alone {
        if wanted(&[alone.index]) {
            household::judge_alone(alone, a, ctx, &mut raw);
        }
    }
    // A record's own reading comes first, whatever bundle it is in.
    for (i, decoded) in a.decoded.iter().enumerate() {
        if raw.judged[i] {
            let mut own = decoded.findings.clone();
            own.append(&mut raw.own[i]);
            raw.own[i] = own;
        }
    }
    raw
}
