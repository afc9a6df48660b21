//! The county-wide checks (数据分析和问题梳理, EVALUATION.md §6–7, FORMS.md §7; issue 18): pure
//! functions over the whole register, read through the one judgement
//! ([`crate::judge::register`]: the same assembly and the same findings the device and the
//! server see), that find what a county office must send back to the villages, and turn it
//! into problem records (`crate::problem`).
//!
//! - [`checks`]: the catalogue (code, requirement, severity, level, title, what to verify),
//!   and which of the judgement's findings fall under which national 疑点 category.
//! - [`households`], [`villages`], [`persons`]: the checks by level. A household's checks
//!   read its bundle and its findings; a village's read its form and all its households (W3,
//!   W4, outliers, the 应退未退 ranking, positions); a person's read the county's ID index
//!   ([`persons::IdIndex`]), which a server keeps and updates per push.
//! - [`reconcile`]: faults against the problems already raised: new ones raised, open ones
//!   whose fault is gone marked for the county's closing (复核已消除), nothing else touched.
//! - [`province`]: the province's comparison file (比对结果) matched to members.
//!
//! A full run is [`check_all`]; after a push, [`Scope::after_push`] says what the touched
//! records can affect, [`Scope::wants`] which records the server loads for it, and
//! [`recheck`] re-runs only that. Both give the same problems for what they cover
//! (`tests/county_incremental.rs`).

pub mod checks;
pub mod households;
pub mod persons;
pub mod province;
pub mod reconcile;
pub mod villages;

use std::collections::BTreeSet;

use serde::Serialize;
use uuid::Uuid;

use crate::action::Edit;
use crate::finding::Severity;
use crate::geo::GpsFix;
use crate::judge::{Context, Judge, Link, Register, link_of, register};
use crate::record::{RecordKind, StoredRecord};

pub use checks::{CheckDef, Level};
pub use persons::{IdEntry, IdIndex};

/// One thing a check found: what a problem record is raised from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// The check's code ([`checks::ALL`]).
    pub check: &'static str,
    /// What makes it the same fault on the next run (the check, the record, the field, the
    /// finding's code).
    pub key: String,
    /// The village whose devices get the problem; nil for the county itself.
    pub village_id: Uuid,
    pub record_kind: Option<RecordKind>,
    pub record_id: Option<Uuid>,
    pub household_id: Option<Uuid>,
    /// The field, relative to the record; empty for the record as a whole.
    pub path: String,
    /// What is wrong, zh-CN. No name, no ID number.
    pub text: String,
    pub severity: Severity,
    pub requirement: &'static str,
    /// 应退未退: the household's place in its village, 1 meeting the exit standard best.
    pub rank: Option<u32>,
}

impl Fault {
    /// The catalogue entry of its check.
    pub fn def(&self) -> &'static CheckDef {
        checks::by_code(self.check).unwrap_or(&checks::RECORD_ERROR)
    }

    /// What a re-run must cover to find this fault again (or not).
    pub fn scope_key(&self) -> ScopeKey {
        scope_key(
            self.def().level,
            self.village_id,
            self.record_kind,
            self.record_id,
            self.household_id,
        )
    }
}

/// What a fault (or a problem raised from one) is tied to, for a re-run's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeKey {
    Household(Uuid),
    Village(Uuid),
    Person(Uuid),
    Help,
    County,
}

/// The scope key of a check's fault or problem, from what it is about.
pub fn scope_key(
    level: Level,
    village: Uuid,
    kind: Option<RecordKind>,
    record: Option<Uuid>,
    household: Option<Uuid>,
) -> ScopeKey {
    let help = matches!(
        kind,
        Some(RecordKind::HelpUnit | RecordKind::Helper | RecordKind::WorkTeamMember)
    );
    match level {
        Level::Household => household.map_or(ScopeKey::Village(village), ScopeKey::Household),
        Level::Village => ScopeKey::Village(village),
        Level::Person => record.map_or(ScopeKey::Village(village), ScopeKey::Person),
        Level::Help => ScopeKey::Help,
        Level::County => ScopeKey::County,
        Level::Record => match household {
            Some(h) => ScopeKey::Household(h),
            None if help && kind != Some(RecordKind::WorkTeamMember) => ScopeKey::Help,
            None => ScopeKey::Village(village),
        },
    }
}

/// What a run covers: every check (a full run), or after a push the households, villages,
/// persons (members and helpers by record id), the help set and the county that the touched
/// records can affect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub all: bool,
    pub households: BTreeSet<Uuid>,
    pub villages: BTreeSet<Uuid>,
    pub persons: BTreeSet<Uuid>,
    pub help: bool,
    pub county: bool,
}

impl Scope {
    /// Every check over everything.
    pub fn all() -> Scope {
        Scope {
            all: true,
            ..Scope::default()
        }
    }

    /// Whether the run covers faults tied to `key`.
    pub fn covers(&self, key: ScopeKey) -> bool {
        self.all
            || match key {
                ScopeKey::Household(h) => self.households.contains(&h),
                ScopeKey::Village(v) => self.villages.contains(&v),
                ScopeKey::Person(p) => self.persons.contains(&p),
                ScopeKey::Help => self.help,
                ScopeKey::County => self.county,
            }
    }

    /// What a push's touched records can affect: `before` are the touched records as they
    /// were (absent when new), `after` as they are now. Their households and villages (a
    /// household's change moves its village's counts, ranking and outliers); every holder of
    /// an ID number a touched member or helper had or has (from `index`, as it is after the
    /// push); the help set when a help record changed; the county when `facts` names a
    /// touched fix as the county's.
    pub fn after_push(
        before: &[StoredRecord],
        after: &[StoredRecord],
        index: &IdIndex,
        facts: &CountyFacts,
    ) -> Scope {
        let mut scope = Scope::default();
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for r in before.iter().chain(after) {
            scope.villages.insert(r.village_id);
            match link_of(r) {
                Link::Household => {
                    scope.households.insert(r.id);
                }
                Link::OfHousehold(h) => {
                    scope.households.insert(h);
                }
                Link::Subject(s) => {
                    // A photo or fix of a household's record carries the household's id.
                    let household = r
                        .doc
                        .get("household_id")
                        .and_then(serde_json::Value::as_str)
                        .and_then(|s| Uuid::parse_str(s).ok());
                    scope.households.extend(household);
                    scope.households.insert(s);
                    if facts.county_id == Some(s) {
                        scope.county = true;
                    }
                }
                Link::Help => scope.help = true,
                Link::Village | Link::Nothing | Link::Own => {}
            }
            if r.kind == RecordKind::WorkTeamMember {
                scope.help = true;
            }
            if matches!(r.kind, RecordKind::Member | RecordKind::Helper) {
                scope.persons.insert(r.id);
                keys.extend(persons::key_of_doc(&r.doc));
            }
        }
        for key in &keys {
            scope
                .persons
                .extend(index.holders(key).iter().map(|e| e.record_id));
        }
        scope
    }

    /// Whether a re-run of this scope needs `record`: the records of its households and
    /// villages, the help set, and the problems tied to what it covers (a server loads these;
    /// persons are read from the ID index, not from their records).
    pub fn wants(&self, record: &StoredRecord) -> bool {
        if self.all || self.villages.contains(&record.village_id) {
            return true;
        }
        match record.kind {
            RecordKind::HelpUnit | RecordKind::Helper | RecordKind::WorkTeamMember => true,
            RecordKind::Problem => crate::problem::Problem::from_stored(record).is_some_and(|p| {
                p.record_id.is_some_and(|r| self.persons.contains(&r))
                    || p.household_id.is_some_and(|h| self.households.contains(&h))
            }),
            _ => match link_of(record) {
                Link::Household => self.households.contains(&record.id),
                Link::OfHousehold(h) => self.households.contains(&h),
                _ => record
                    .doc
                    .get("household_id")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .is_some_and(|h| self.households.contains(&h)),
            },
        }
    }
}

/// What the checks know of the county itself (N5), kept by the server: whether its own
/// position is asked for, the id its fixes name as their subject, and its fixes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountyFacts {
    /// The county's id as the subject of its GPS fixes; `None` when the data holds no county
    /// of its own (the county check does not run).
    pub county_id: Option<Uuid>,
    pub fixes: Vec<GpsFix>,
}

/// A run's answer: what it found, and the problem edits that follow.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Run {
    pub faults: Vec<Fault>,
    /// New problems (creations) and open problems marked 复核已消除 or updated (sets).
    pub edits: Vec<Edit>,
}

/// Every check over the whole register of `records` (one judgement of everything). New
/// problems take their ids from `new_id`, in the order of the faults.
pub fn check_all(
    records: &[StoredRecord],
    facts: &CountyFacts,
    ctx: &Context<'_>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Run {
    let register = register(records, ctx, Judge::All);
    let index = IdIndex::of_register(&register);
    let faults = find(&register, &index, facts, &Scope::all(), ctx);
    let edits = reconcile::reconcile(&faults, &Scope::all(), &register.problems, ctx, new_id);
    Run { faults, edits }
}

/// The checks of `scope` only ([`Scope::after_push`]), over `records` (at least those
/// [`Scope::wants`]) and the county's ID index as it is after the push. Judges only the
/// touched bundles (`touched`: their record ids); the villages in scope are read, not judged
/// again, but for their forms.
pub fn recheck(
    records: &[StoredRecord],
    touched: &BTreeSet<Uuid>,
    index: &IdIndex,
    facts: &CountyFacts,
    scope: &Scope,
    ctx: &Context<'_>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Run {
    // The village forms of the villages in scope are judged too (W3, W4 and their fixes).
    let mut judged = touched.clone();
    judged.extend(
        records
            .iter()
            .filter(|r| r.kind == RecordKind::Village && scope.villages.contains(&r.village_id))
            .map(|r| r.id),
    );
    if scope.help {
        judged.extend(
            records
                .iter()
                .filter(|r| matches!(r.kind, RecordKind::HelpUnit | RecordKind::Helper))
                .map(|r| r.id),
        );
    }
    let register = register(records, ctx, Judge::Only(&judged));
    let faults = find(&register, index, facts, scope, ctx);
    let edits = reconcile::reconcile(&faults, scope, &register.problems, ctx, new_id);
    Run { faults, edits }
}

/// Every fault of `scope` in the register.
pub fn find(
    register: &Register,
    index: &IdIndex,
    facts: &CountyFacts,
    scope: &Scope,
    ctx: &Context<'_>,
) -> Vec<Fault> {
    let mut out = Vec::new();
    out.extend(households::check(register, scope, ctx));
    out.extend(villages::check(register, scope, ctx));
    out.extend(persons::check(register, index, scope));
    if facts.county_id.is_some() && scope.covers(ScopeKey::County) && facts.fixes.is_empty() {
        let def = &checks::COUNTY_NO_GPS;
        out.push(Fault {
            check: def.code,
            key: def.code.to_owned(),
            village_id: Uuid::nil(),
            record_kind: None,
            record_id: None,
            household_id: None,
            path: String::new(),
            text: "贫困县尚未采集GPS位置（县级位置用于贫困县退出评估）".to_owned(),
            severity: def.severity,
            requirement: def.requirement,
            rank: None,
        });
    }
    out.retain(|f| scope.covers(f.scope_key()));
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}
