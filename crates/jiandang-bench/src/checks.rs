//! The problem list's checks (issue 18): the county-wide run (`county::check_all`) over the
//! export scenario's county (the demo's full size in the full run) beside reading the same
//! records in one read transaction; then the re-check after one push (a member's ID number
//! corrected: the index updated, `Scope::after_push`, the records the scope wants,
//! `county::recheck`, as `jiandang-server`'s `recheck.rs` does at push) beside the full run
//! it saves. The domain's functions as the server calls them, storage aside.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use jiandang_domain::county::{self, CountyFacts, IdIndex, Scope, persons};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::{RecordKind, StoredRecord, Timestamp};
use jiandang_export::Scope as ExportScope;
use jiandang_server::{Clock, SystemClock, db, exports};
use serde_json::json;
use uuid::Uuid;

use crate::{BenchError, Check, Figure, Outcome};

/// Runs the scenario on the county database at `path` (made by the export scenario).
pub fn run(path: &Path, out: &mut Outcome) -> Result<(), BenchError> {
    let mut conn = db::open(path).map_err(|e| BenchError::Server(e.to_string()))?;
    let t = Instant::now();
    let (_, rows, _) =
        exports::load(&mut conn, ExportScope::County).map_err(crate::county::server_err)?;
    let read_ms = ms(t);
    // The export's rows are the domain's records field for field.
    let records: Vec<StoredRecord> = rows
        .into_iter()
        .map(|r| StoredRecord {
            kind: r.kind,
            id: r.id,
            village_id: r.village_id,
            doc: r.doc,
        })
        .collect();
    let households = records
        .iter()
        .filter(|r| r.kind == RecordKind::Household)
        .count();
    let policy = jiandang_server::demo::policy();
    let ctx = Context::new(&policy, Timestamp::from_millis(SystemClock.now_ms()));
    let facts = CountyFacts::default();

    let t = Instant::now();
    let full = county::check_all(&records, &facts, &ctx, &mut Uuid::new_v4);
    let full_ms = ms(t);
    out.figures.push(Figure::new(
        "checks",
        format!(
            "full check run over the county ({households} households, {} records): {} faults",
            records.len(),
            full.faults.len()
        ),
        full_ms,
        "ms",
        "reading the same records (one read transaction)",
        read_ms,
    ));
    let after_full = jiandang_domain::action::apply(&records, &full.edits);

    // One push: the first present member with an ID number gets another (a typo corrected).
    let Some(member) = after_full
        .iter()
        .find(|r| r.kind == RecordKind::Member && r.doc["id_number"].is_string())
        .cloned()
    else {
        return Err(BenchError::Check("no member with an ID number".to_owned()));
    };
    let mut fixed = member.clone();
    fixed.doc["id_number"] = json!("41142119680315124X");
    let after: Vec<StoredRecord> = after_full
        .iter()
        .map(|r| {
            if r.id == member.id {
                fixed.clone()
            } else {
                r.clone()
            }
        })
        .collect();
    let touched: BTreeSet<Uuid> = [member.id].into();
    let prefix = county_prefix(&after, member.village_id);
    // The server keeps the index as a table; it is built here before the clock starts.
    let mut index =
        IdIndex::of_register(&register(&after_full, &ctx, Judge::Only(&BTreeSet::new())));

    let t = Instant::now();
    index.replace(&touched, persons::entry_of(&fixed, &prefix));
    let scope = Scope::after_push(
        std::slice::from_ref(&member),
        std::slice::from_ref(&fixed),
        &index,
        &facts,
    );
    let wanted: Vec<StoredRecord> = after.iter().filter(|r| scope.wants(r)).cloned().collect();
    let run = county::recheck(
        &wanted,
        &touched,
        &index,
        &facts,
        &scope,
        &ctx,
        &mut Uuid::new_v4,
    );
    let incremental_ms = ms(t);
    let t = Instant::now();
    let again = county::check_all(&after, &facts, &ctx, &mut Uuid::new_v4);
    let again_ms = ms(t);
    out.figures.push(Figure::new(
        "checks",
        format!(
            "re-check after a push of one member's ID number ({} of {} records in scope)",
            wanted.len(),
            after.len()
        ),
        incremental_ms,
        "ms",
        "a full run over the same records",
        again_ms,
    ));
    out.checks.push(Check::new(
        "checks: the full run finds faults and a re-run of the same register raises nothing new",
        !full.faults.is_empty()
            && !county::check_all(&after_full, &facts, &ctx, &mut Uuid::new_v4)
                .edits
                .iter()
                .any(|e| matches!(e, jiandang_domain::action::Edit::Create { .. })),
        format!("{} faults", full.faults.len()),
    ));
    out.checks.push(Check::new(
        "checks: a push re-checks its village, not the county",
        wanted.len() < after.len() && run.faults.len() <= again.faults.len(),
        format!(
            "{} records re-checked, {} faults in scope, {} county-wide",
            wanted.len(),
            run.faults.len(),
            again.faults.len()
        ),
    ));
    Ok(())
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The county code of a village: the first six digits of its form's division code (as the
/// server reads it for the index).
fn county_prefix(records: &[StoredRecord], village: Uuid) -> String {
    records
        .iter()
        .find(|r| r.kind == RecordKind::Village && r.village_id == village)
        .and_then(|r| r.doc["basic"]["division_code"].as_str())
        .and_then(|s| s.get(..6))
        .unwrap_or_default()
        .to_owned()
}
