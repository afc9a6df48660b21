//! The demo county's problem list (issue 18 item 5): after [`crate::demo::generate`] and
//! [`crate::demo::add_year_events`], a few faults real registers have are seeded at a
//! steady rate (one person in two households, a returned household without a reason, a
//! student status left blank for last year; the demo's villages have no position of their
//! own, so a household far from its village cannot be judged and is not seeded),
//! each as a logged edit like a device's, then the county-wide checks run once
//! (`jiandang_domain::county::check_all`) and their problems are written as the county
//! admin's records, so a newcomer's first `jiandang demo` shows a problem list and a survey
//! worker's device pulls its village's items. Deterministic: the same county gives the same
//! faults and the same problems (problem ids from the seed).

use std::collections::BTreeMap;

use jiandang_domain::action::Edit;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::ExitStatus;
use jiandang_domain::county::{CountyFacts, check_all};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::{RecordKind, StoredRecord, Timestamp};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;
use crate::idindex::{self, county_records};
use crate::storage::{Author, Import};

/// One fault of each kind per this many households (at least one of each).
pub const FAULT_EVERY: usize = 600;

const PROBLEM_CHANGES: u64 = 1 << 41;

/// What the demo's problem list holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoProblems {
    /// Faults seeded, by kind.
    pub seeded: BTreeMap<&'static str, usize>,
    /// Problems raised, by check.
    pub problems: BTreeMap<String, usize>,
    pub changes: u64,
}

/// Seeds the faults and runs the checks over the demo county in `conn`.
pub fn seed_and_check(
    conn: &mut Connection,
    seed: u64,
    now_ms: i64,
) -> Result<DemoProblems, AppError> {
    let policy = crate::county_policy(conn, now_ms)?;
    let tx = conn.transaction()?;
    let (admin, device): (String, String) = tx.query_row(
        "SELECT u.id, d.id FROM users u JOIN devices d ON d.user_id = u.id
         WHERE u.username = 'admin' AND d.name = '示范数据导入'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let by = Author {
        user: parse_uuid(&admin)?,
        device: parse_uuid(&device)?,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x18);
    let mut uuid = move || uuid::Builder::from_random_bytes(rng.random()).into_uuid();
    let mut writer = Import::new(&tx, uuid(), by, "demo-problems", now_ms);
    // Change ids are the record's id and a running count: counted apart from the demo's
    // other imports (`add_year_events` counts from 2^40).
    writer.changes = PROBLEM_CHANGES;
    let mut out = DemoProblems::default();

    let mut records = county_records(&tx)?;
    records.sort_by_key(|r| r.id);
    let households = records
        .iter()
        .filter(|r| r.kind == RecordKind::Household)
        .count();
    let per_kind = (households / FAULT_EVERY).max(1);
    let mut edits: Vec<(StoredRecord, Value)> = Vec::new();

    // 人员重复 (§7.1): a member of another village's household takes a member's number.
    let members: Vec<&StoredRecord> = records
        .iter()
        .filter(|r| r.kind == RecordKind::Member && r.doc.get("id_number").is_some())
        .collect();
    let mut n = 0;
    for (i, a) in members.iter().enumerate().step_by(FAULT_EVERY.max(1)) {
        if n == per_kind {
            break;
        }
        if let Some(b) = members[i + 1..]
            .iter()
            .find(|b| b.village_id != a.village_id)
        {
            let mut doc = b.doc.clone();
            doc["id_number"] = a.doc["id_number"].clone();
            edits.push(((*b).clone(), doc));
            n += 1;
        }
    }
    out.seeded.insert("person_in_two_households", n);

    // 返贫 without a reason (C2).
    let returned = ExitStatus::Returned.code();
    let mut n = 0;
    for r in records.iter().filter(|r| {
        r.kind == RecordKind::Household
            && r.doc.pointer("/basic/status").and_then(Value::as_str) == Some(returned)
            && r.doc.pointer("/basic/return_reason").is_some()
    }) {
        if n == per_kind {
            break;
        }
        let mut doc = r.doc.clone();
        if let Some(basic) = doc.get_mut("basic").and_then(Value::as_object_mut) {
            basic.remove("return_reason");
        }
        edits.push((r.clone(), doc));
        n += 1;
    }
    out.seeded.insert("returned_without_reason", n);

    // A student whose status last year was left blank (C8).
    let mut n = 0;
    for r in records
        .iter()
        .filter(|r| r.kind == RecordKind::Member && r.doc.get("student_status_last_year").is_some())
        .step_by((FAULT_EVERY / 10).max(1))
    {
        if n == per_kind {
            break;
        }
        let mut doc = r.doc.clone();
        if let Some(m) = doc.as_object_mut() {
            m.remove("student_status_last_year");
        }
        edits.push((r.clone(), doc));
        n += 1;
    }
    out.seeded.insert("student_status_unverified", n);

    let mut changed: BTreeMap<Uuid, Value> = BTreeMap::new();
    for (r, doc) in edits {
        let before = changed.get(&r.id).cloned().unwrap_or(r.doc.clone());
        writer.update(r.kind, r.id, r.village_id, &before, &doc)?;
        changed.insert(r.id, doc);
    }
    for r in &mut records {
        if let Some(doc) = changed.remove(&r.id) {
            r.doc = doc;
        }
    }

    // The county runs the checks: every problem a new record of the admin's.
    let ctx = Context::new(&policy, Timestamp::from_millis(now_ms));
    let run = check_all(&records, &CountyFacts::default(), &ctx, &mut uuid);
    for edit in &run.edits {
        if let Edit::Create {
            kind,
            id,
            village_id,
            doc,
        } = edit
        {
            let check = doc.get("check").and_then(Value::as_str).unwrap_or_default();
            *out.problems.entry(check.to_owned()).or_default() += 1;
            writer.record(*kind, *id, *village_id, doc)?;
        }
    }
    out.changes = writer.changes - PROBLEM_CHANGES;
    let none = std::collections::BTreeSet::new();
    idindex::rebuild(&tx, &register(&records, &ctx, Judge::Only(&none)), now_ms)?;
    let raised: usize = out.problems.values().sum();
    tx.execute(
        "INSERT INTO check_runs (run_ms, user_id, faults, raised, updated)
         VALUES (?1, ?2, ?3, ?4, 0)",
        rusqlite::params![now_ms, admin, run.faults.len(), raised],
    )?;
    tx.commit()?;
    Ok(out)
}
