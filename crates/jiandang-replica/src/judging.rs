//! The device's leg of the one judgement: the records a record's bundles need, fetched from
//! the store by what the record links to (`jiandang_domain::judge::link_of`), judged by
//! `judge_bundle_of` and nothing else, and every judged record's findings stored (its own,
//! and on a bundle's root the bundle's). A save judges once, inside its transaction.

use jiandang_domain::judge::{Context, Judgement, Link, judge_bundle_of, link_of};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, Timestamp};
use rusqlite::Connection;
use uuid::Uuid;

use crate::Error;
use crate::store::{StoredRecord, record_from_row, store_findings, stored};

/// The records of a household's bundle: the household, the records naming it
/// (`household_id`), and the photos and fixes of any of those (`subject_id`).
pub(crate) fn household_records(
    conn: &Connection,
    household: Uuid,
) -> Result<Vec<StoredRecord>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records r
         WHERE r.id = ?1 OR json_extract(r.doc, '$.household_id') = ?1
            OR json_extract(r.doc, '$.subject_id') = ?1
            OR json_extract(r.doc, '$.subject_id') IN
               (SELECT m.id FROM records m WHERE json_extract(m.doc, '$.household_id') = ?1)
         ORDER BY kind, id",
    )?;
    let rows = stmt.query_map([household.to_string()], record_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The records of a village's bundle: its village-side records with their photos and fixes,
/// and its households and members (the W3/W4 counts), plus the county's help set (a
/// work-team member is in both).
fn village_records(conn: &Connection, village: Uuid) -> Result<Vec<StoredRecord>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records r
         WHERE r.village_id = ?1 AND (r.kind IN
                 ('village', 'natural_village', 'village_exit_measures', 'household', 'member')
               OR (r.kind IN ('gps_fix', 'photo') AND json_extract(r.doc, '$.subject_id') IN
                   (SELECT v.id FROM records v WHERE v.village_id = ?1 AND v.kind IN
                     ('village', 'natural_village', 'work_team_member',
                      'village_exit_measures'))))
         ORDER BY kind, id",
    )?;
    let rows = stmt.query_map([village.to_string()], record_from_row)?;
    let mut out = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    out.extend(help_records(conn)?);
    Ok(out)
}

/// The county's help set as the device holds it: every help unit, helper and work-team
/// member (C7 is judged over all of them).
fn help_records(conn: &Connection) -> Result<Vec<StoredRecord>, Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records
         WHERE kind IN ('help_unit', 'helper', 'work_team_member') ORDER BY kind, id",
    )?;
    let rows = stmt.query_map([], record_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every record the judgement of `record`'s bundles needs, `record` as given (a draft not
/// saved, or the record just written) in place of its stored version.
pub(crate) fn bundle_records(
    conn: &Connection,
    record: &StoredRecord,
) -> Result<Vec<StoredRecord>, Error> {
    let mut out = match link_of(record) {
        Link::Household => household_records(conn, record.id)?,
        Link::OfHousehold(h) => household_records(conn, h)?,
        Link::Subject(s) => match stored(conn, s)? {
            Some(subject) => match link_of(&subject) {
                Link::Household => household_records(conn, subject.id)?,
                Link::OfHousehold(h) => household_records(conn, h)?,
                Link::Village => village_records(conn, subject.village_id)?,
                _ => vec![subject],
            },
            None => Vec::new(),
        },
        Link::Village => village_records(conn, record.village_id)?,
        Link::Help => help_records(conn)?,
        Link::Nothing | Link::Own => Vec::new(),
    };
    match out.iter_mut().find(|r| r.id == record.id) {
        Some(r) => *r = record.clone(),
        None => out.push(record.clone()),
    }
    Ok(out)
}

/// Judges the bundles `record` is in (with `record` as given), nothing stored.
pub(crate) fn judge(
    conn: &Connection,
    record: &StoredRecord,
    policy: &YearPolicy,
    now_ms: i64,
) -> Result<Judgement, Error> {
    let records = bundle_records(conn, record)?;
    let ctx = Context::new(policy, Timestamp::from_millis(now_ms));
    Ok(judge_bundle_of(record.id, &records, &ctx))
}

/// Judges the bundles of the record just written and stores every judged record's findings
/// (the device's source); answers the findings on `record`. Without a policy yet (before the
/// first answer of the county) nothing is judged: the save itself never waits for one.
pub(crate) fn judge_and_store(
    conn: &Connection,
    record: &StoredRecord,
    policy: Option<&YearPolicy>,
    now_ms: i64,
) -> Result<Vec<Finding>, Error> {
    let Some(policy) = policy else {
        return Ok(Vec::new());
    };
    let judgement = judge(conn, record, policy, now_ms)?;
    store_judgement(conn, &judgement)?;
    Ok(judgement.of(record.id))
}

/// Stores each judged record's findings, its own and its bundle's.
pub(crate) fn store_judgement(conn: &Connection, judgement: &Judgement) -> Result<(), Error> {
    for r in &judgement.records {
        let all: Vec<Finding> = r.all().cloned().collect();
        store_findings(conn, r.id, "device", &all)?;
    }
    Ok(())
}
