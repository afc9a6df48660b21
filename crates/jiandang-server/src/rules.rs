//! The domain's judgement and gate, run server-side, by the county's stored policy
//! ([`Rules`]). After a push (or a conflict's resolution) the records it touched are looked
//! up in the store, the bundles they are in assembled there (only records of the record's own
//! village) and judged by `jiandang_domain::judge::judge`, the same function the device and
//! `jiandang check` call; the findings are stored per record and answered per record. A
//! change of a household's state goes through `jiandang_domain::action::gate`, the gate every
//! action on the device ends with (C9, W1, W2, Q2, W5).
//!
//! Which bundles are judged at push: a household's (the household, every record whose
//! `household_id` names it, their photos and fixes, as `judge::link_of` links them) and
//! records that belong to none (their household or subject is not in their village: judged
//! on their own, `bundle.owner_missing`). Village forms and the county's help records are
//! not judged at push: their bundles need the whole village or county.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock};

use jiandang_domain::judge::{Context, Link, household_bundle, judge, link_of};
use jiandang_domain::lifecycle::HouseholdState;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, RecordKind, StoredRecord};
use jiandang_protocol::RecordFindings;
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::error::AppError;
use crate::storage::{LinkField, Store};

/// How many photos of photos the assembly follows (as the domain's assembly does).
const SUBJECT_DEPTH: usize = 8;

/// The county's year policy the server judges by: the stored one, replaced as a whole when
/// the county admin (or `jiandang serve --policy`) sets another.
#[derive(Debug)]
pub struct Rules {
    policy: RwLock<Arc<YearPolicy>>,
}

impl Rules {
    pub fn new(policy: YearPolicy) -> Rules {
        Rules {
            policy: RwLock::new(Arc::new(policy)),
        }
    }

    /// The policy in force now (a request keeps the one it started with).
    pub fn policy(&self) -> Arc<YearPolicy> {
        match self.policy.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Puts another policy in force (already stored by the caller).
    pub fn replace(&self, policy: YearPolicy) {
        let policy = Arc::new(policy);
        match self.policy.write() {
            Ok(mut p) => *p = policy,
            Err(poisoned) => *poisoned.into_inner() = policy,
        }
    }
}

/// Judges the bundles the `touched` records are in, stores every judged record's findings and
/// returns them per record (a bundle's root first, then its records; an entry for every
/// judged record, empty when it is clean, so the device can clear what it showed before).
pub fn check_records(
    conn: &Connection,
    ctx: &Context<'_>,
    touched: &BTreeSet<Uuid>,
) -> Result<Vec<RecordFindings>, AppError> {
    let store = Store::new(conn);
    let mut roots: BTreeSet<Uuid> = BTreeSet::new();
    let mut alone: Vec<StoredRecord> = Vec::new();
    for id in touched {
        let Some(record) = store.record(*id)? else {
            continue;
        };
        match owner(&store, &record)? {
            Owner::Household(h) => {
                roots.insert(h);
            }
            Owner::Missing => alone.push(record),
            Owner::NotJudgedHere => {}
        }
    }
    let mut records: Vec<StoredRecord> = Vec::new();
    let mut seen: BTreeSet<Uuid> = BTreeSet::new();
    for h in roots {
        let Some(household) = store.record(h)? else {
            continue;
        };
        for r in household_records(&store, household)? {
            if seen.insert(r.id) {
                records.push(r);
            }
        }
    }
    for r in alone {
        if seen.insert(r.id) {
            records.push(r);
        }
    }
    let judged = judge(&records, ctx);
    let checked_seq = store.max_seq()?;
    let mut out = Vec::with_capacity(judged.records.len());
    for r in judged.records {
        store_findings(conn, r.id, &r.findings, &r.bundle_findings, checked_seq)?;
        let mut findings = r.findings;
        findings.extend(r.bundle_findings);
        out.push(RecordFindings {
            record_id: r.id,
            findings,
        });
    }
    Ok(out)
}

/// The records the domain needs to judge or gate `record`: its household's bundle when it is
/// in one, else the record alone.
pub fn bundle_of(conn: &Connection, record: StoredRecord) -> Result<Vec<StoredRecord>, AppError> {
    let store = Store::new(conn);
    match owner(&store, &record)? {
        Owner::Household(h) => match store.record(h)? {
            Some(household) => household_records(&store, household),
            None => Ok(vec![record]),
        },
        Owner::Missing | Owner::NotJudgedHere => Ok(vec![record]),
    }
}

/// The state a household record shows in the policy year, `None` when it does not read.
pub fn state_of(household: &StoredRecord, year: i32) -> Option<HouseholdState> {
    household_bundle(household.id, std::slice::from_ref(household))
        .map(|b| HouseholdState::at(&b.household, year))
}

/// Where a record's judgement happens.
enum Owner {
    /// In the bundle of this household (of the record's village).
    Household(Uuid),
    /// On its own: its household or subject is not a record of its village, or it links to
    /// nothing.
    Missing,
    /// In a village's or the county's bundle, or on its own by kind (spot-checks): not at
    /// push.
    NotJudgedHere,
}

/// Follows the record's links in the store as the domain's assembly follows them among the
/// records it is given.
fn owner(store: &Store<'_>, record: &StoredRecord) -> Result<Owner, AppError> {
    let village = record.village_id;
    let mut at = record.clone();
    for _ in 0..SUBJECT_DEPTH {
        match link_of(&at) {
            Link::Household => return Ok(Owner::Household(at.id)),
            Link::OfHousehold(h) => {
                let is_household = store.head(h)?.is_some_and(|head| {
                    head.kind == Some(RecordKind::Household) && head.village_id == village
                });
                return Ok(if is_household {
                    Owner::Household(h)
                } else {
                    Owner::Missing
                });
            }
            Link::Subject(s) => match store.record(s)? {
                Some(subject) if subject.village_id == village && subject.id != at.id => {
                    at = subject;
                }
                _ => return Ok(Owner::Missing),
            },
            Link::Nothing => return Ok(Owner::Missing),
            Link::Village | Link::Help | Link::Own => return Ok(Owner::NotJudgedHere),
        }
    }
    Ok(Owner::Missing)
}

/// A household's bundle as the store holds it: the household, the records of its village
/// whose `household_id` names it, and the photos and fixes of any of those (and of those, to
/// the domain's bound); only the records the domain's assembly would put in this household's
/// bundle (a photo carrying the household's id whose subject is elsewhere is not).
fn household_records(
    store: &Store<'_>,
    household: StoredRecord,
) -> Result<Vec<StoredRecord>, AppError> {
    let (h, village) = (household.id, household.village_id);
    let mut out = vec![household];
    let mut seen: BTreeSet<Uuid> = BTreeSet::from([h]);
    for r in store.linking(village, LinkField::Household, h)? {
        if seen.insert(r.id) {
            out.push(r);
        }
    }
    let mut frontier: Vec<Uuid> = out.iter().map(|r| r.id).collect();
    for _ in 0..SUBJECT_DEPTH {
        let mut next = Vec::new();
        for id in &frontier {
            for r in store.linking(village, LinkField::Subject, *id)? {
                if seen.insert(r.id) {
                    next.push(r.id);
                    out.push(r);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    let by_id: BTreeMap<Uuid, &StoredRecord> = out.iter().map(|r| (r.id, r)).collect();
    let belongs = |r: &StoredRecord| -> bool {
        let mut at = r;
        for _ in 0..SUBJECT_DEPTH {
            match link_of(at) {
                Link::Household => return at.id == h,
                Link::OfHousehold(of) => return of == h,
                Link::Subject(s) => match by_id.get(&s) {
                    Some(next) if next.id != at.id => at = next,
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    };
    let keep: Vec<bool> = out.iter().map(belongs).collect();
    Ok(out
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect())
}

/// Stores a record's findings as of the county's `checked_seq`: its own (paths relative to
/// it) and, on a bundle's root, the bundle's (paths in the bundle's file form).
fn store_findings(
    conn: &Connection,
    record: Uuid,
    own: &[Finding],
    bundle: &[Finding],
    checked_seq: u64,
) -> Result<(), AppError> {
    let errors = own.iter().chain(bundle).filter(|f| f.is_error()).count();
    conn.prepare_cached(
        "INSERT INTO findings (record_id, findings, bundle_findings, errors, checked_seq)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (record_id) DO UPDATE SET findings = excluded.findings,
             bundle_findings = excluded.bundle_findings, errors = excluded.errors,
             checked_seq = excluded.checked_seq",
    )?
    .execute(params![
        record.to_string(),
        serde_json::to_string(own)?,
        serde_json::to_string(bundle)?,
        errors,
        checked_seq
    ])?;
    Ok(())
}
