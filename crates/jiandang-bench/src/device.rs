//! Scenario 4: the device itself — the household list and a search over a village of about
//! 1,000 households, and a durable form save — p50/p99, beside raw SQL on the same file and a
//! raw one-row durable transaction.

use std::time::{Duration, Instant};

use jiandang_domain::RecordKind;
use jiandang_replica::{HouseholdFilter, Replica, SyncOptions};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::county::{self, County};
use crate::figure::{Check, Figure};
use crate::stats::Samples;
use crate::{BenchError, Outcome};

pub struct Plan {
    pub repeats: usize,
    pub saves: usize,
    pub budget: Duration,
}

pub async fn run(
    county: &County,
    dir: &std::path::Path,
    village: Uuid,
    households: usize,
    user: &(Uuid, String),
    plan: &Plan,
    out: &mut Outcome,
) -> Result<(), BenchError> {
    let path = dir.join("device-list.db");
    let replica = Replica::open(&path)?;
    replica
        .enroll(
            &county.base_url,
            &user.1,
            county::BENCH_PASSWORD,
            "压测设备",
        )
        .await?;
    replica.sync_once(&SyncOptions::default(), None).await?;
    let raw = Connection::open(&path)?;

    // The list.
    let filter = HouseholdFilter {
        year: 2018,
        ..HouseholdFilter::default()
    };
    let (list, rows) = timed(plan, || Ok(replica.households(village, &filter)?.len()))?;
    let (raw_list, _) = timed(plan, || {
        let mut stmt = raw.prepare_cached(
            "SELECT id, doc FROM records WHERE village_id = ?1 AND kind = 'household' ORDER BY id",
        )?;
        let n = stmt
            .query_map([village.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .count();
        Ok(n)
    })?;
    out.checks.push(Check::new(
        "device: the household list shows every household of the village",
        rows == households,
        format!("{rows} rows, {households} households"),
    ));
    push_pair(
        out,
        &format!("household list, {households} households"),
        &list,
        "raw SELECT of the village's household rows",
        &raw_list,
    );

    // A search by a member's name (what a worker types).
    let name = replica
        .records_of_village(village, Some(RecordKind::Member))?
        .iter()
        .find_map(|m| {
            m.doc
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "王".to_owned());
    let search = HouseholdFilter {
        search: Some(name.clone()),
        ..filter.clone()
    };
    let (found, hits) = timed(plan, || Ok(replica.households(village, &search)?.len()))?;
    let (raw_found, _) = timed(plan, || {
        let mut stmt = raw.prepare_cached(
            "SELECT id FROM records WHERE village_id = ?1 AND kind = 'member' AND instr(doc, ?2) > 0",
        )?;
        Ok(stmt
            .query_map(params![village.to_string(), name], |r| {
                r.get::<_, String>(0)
            })?
            .count())
    })?;
    out.checks.push(Check::new(
        "device: a search by a member's name finds their household",
        hits >= 1,
        format!("{hits} households found"),
    ));
    push_pair(
        out,
        &format!("search by name, {households} households"),
        &found,
        "raw instr() scan of member rows",
        &raw_found,
    );

    // A durable save: one household form with one field changed.
    let target = replica
        .records_of_village(village, Some(RecordKind::Household))?
        .into_iter()
        .next()
        .ok_or_else(|| BenchError::Check("no household on the device".to_owned()))?;
    let mut save = Samples::default();
    let mut doc = target.doc.clone();
    for i in 0..plan.saves {
        if let Some(income) = doc.get_mut("income").and_then(|b| b.as_object_mut()) {
            income.insert("wage".to_owned(), format!("{}.00", 3000 + i).into());
        }
        let t = Instant::now();
        replica.save_record(RecordKind::Household, target.id, village, &doc)?;
        save.push(t.elapsed());
    }
    let base = raw_save(&dir.join("baseline-save.db"), &doc, plan.saves)?;
    push_pair(
        out,
        "durable form save (one household)",
        &save,
        "raw one-row transaction, WAL, synchronous=FULL",
        &base,
    );
    Ok(())
}

fn push_pair(out: &mut Outcome, name: &str, s: &Samples, base_name: &str, base: &Samples) {
    for (p, label) in [(50.0, "p50"), (99.0, "p99")] {
        out.figures.push(Figure::new(
            "device",
            format!("{name}: {label}"),
            s.percentile(p),
            "ms",
            base_name,
            base.percentile(p),
        ));
    }
}

/// Runs `f` up to `repeats` times (at least once, stopping once `budget` is spent).
fn timed(
    plan: &Plan,
    mut f: impl FnMut() -> Result<usize, BenchError>,
) -> Result<(Samples, usize), BenchError> {
    let mut s = Samples::default();
    let mut last = 0;
    let start = Instant::now();
    for _ in 0..plan.repeats.max(1) {
        let t = Instant::now();
        last = f()?;
        s.push(t.elapsed());
        if start.elapsed() > plan.budget {
            break;
        }
    }
    Ok((s, last))
}

fn raw_save(
    path: &std::path::Path,
    doc: &serde_json::Value,
    n: usize,
) -> Result<Samples, BenchError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    jiandang_replica::migrations::apply(&mut conn)?;
    let text = doc.to_string();
    let mut s = Samples::default();
    for _ in 0..n {
        let t = Instant::now();
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO records (id, kind, village_id, doc, created_at, updated_at)
             VALUES ('h', 'household', 'v', ?1, 0, 0)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
        )?
        .execute([&text])?;
        tx.commit()?;
        s.push(t.elapsed());
    }
    Ok(s)
}
