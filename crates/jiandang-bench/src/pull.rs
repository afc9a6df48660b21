//! Scenario 3: pull — changes per second landed on a device, beside raw inserts of the same
//! rows into the device's tables; and a day's work as bytes pushed, beside the same records
//! sent whole.

use std::time::{Duration, Instant};

use jiandang_protocol::{PROTOCOL_HEADER, PullPage};
use jiandang_replica::{Replica, SyncOptions};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::county::{self, County, RawDevice};
use crate::figure::{Check, Figure, Target};
use crate::snapshot::http;
use crate::{BenchError, Outcome, day};

pub async fn run(
    county: &County,
    dir: &std::path::Path,
    replica: &Replica,
    village: Uuid,
    raw: &RawDevice,
    expected: usize,
    out: &mut Outcome,
) -> Result<(), BenchError> {
    let opts = SyncOptions::default();
    let after = replica.cursor()?;
    let t = Instant::now();
    let applied = replica.pull(&opts).await?;
    let elapsed = t.elapsed();
    out.checks.push(Check::new(
        "pull: the device landed every change pushed by the other device",
        applied == expected,
        format!("{applied} applied, {expected} pushed"),
    ));
    let (raw_time, raw_n) = raw_pull(
        county,
        &dir.join("baseline-pull.db"),
        raw,
        after,
        opts.pull_page,
    )
    .await?;
    out.figures.push(Figure::new(
        "pull",
        format!("device pull and apply ({applied} changes)"),
        applied as f64 / elapsed.as_secs_f64(),
        "changes/s",
        "raw insert of the same rows (record + field version), pages of 500",
        raw_n as f64 / raw_time.as_secs_f64().max(1e-9),
    ));

    // A day's work, pushed.
    let day = day::work(replica, village, 0, day::HOUSEHOLDS_PER_DAY)?;
    let report = replica.push(&opts).await?;
    let bytes = report.progress.bytes_up as f64;
    out.checks.push(Check::new(
        "pull: a day's work pushed and accepted, change by change",
        report.accepted == day.changes && report.refused == 0 && report.superseded == 0,
        format!(
            "{} edits; {} accepted, {} superseded, {} refused",
            day.changes, report.accepted, report.superseded, report.refused
        ),
    ));
    let whole = county::gzip(&day.records_json, 6)?;
    out.figures.push(Figure::new(
        "pull",
        format!(
            "a day's work pushed: {} households, {} field edits (gzip)",
            day::HOUSEHOLDS_PER_DAY,
            day.changes
        ),
        bytes / 1024.0,
        "KiB",
        "the same records sent whole (JSON, gzip)",
        whole.len() as f64 / 1024.0,
    ));
    if let Some(enrolled) = replica.enrollment()? {
        let (now, leaner) = wire_variants(county, enrolled.device_id).await?;
        out.figures.push(Figure::new(
            "pull",
            "a day's change sets re-encoded as sent (gzip)",
            now as f64 / 1024.0,
            "KiB",
            "same changes grouped by record, without `old`, HLC node implied (gzip)",
            leaner as f64 / 1024.0,
        ));
    }
    out.targets.push(Target {
        name: "a day's records on the wire".to_owned(),
        goal: "≤ 8 KB".to_owned(),
        measured: format!(
            "{:.1} KB ({} bytes)",
            bytes / 1000.0,
            report.progress.bytes_up
        ),
        met: bytes <= 8000.0,
    });
    Ok(())
}

/// The same pages fetched raw and landed as plain upserts of a record row and a field-version
/// row per change, one transaction per page. Returns the time spent landing them and how many.
async fn raw_pull(
    county: &County,
    path: &std::path::Path,
    raw: &RawDevice,
    mut after: u64,
    page: usize,
) -> Result<(Duration, usize), BenchError> {
    let client = county::raw_client()?;
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    jiandang_replica::migrations::apply(&mut conn)?;
    let mut spent = Duration::ZERO;
    let mut n = 0;
    for _ in 0..100_000 {
        let resp = client
            .get(format!("{}/api/v1/pull", county.base_url))
            .query(&[("after", after), ("limit", page as u64)])
            .bearer_auth(&raw.token)
            .header(PROTOCOL_HEADER, "2")
            .send()
            .await
            .map_err(http)?;
        let page: PullPage = serde_json::from_slice(&resp.bytes().await.map_err(http)?)?;
        let t = Instant::now();
        let tx = conn.transaction()?;
        for lc in &page.changes {
            let c = &lc.change;
            tx.prepare_cached(
                "INSERT INTO records (id, kind, village_id, doc, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 0, 0)
                 ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
            )?
            .execute(params![
                c.record_id.to_string(),
                c.kind.as_str(),
                c.village_id.to_string(),
                c.new.to_string()
            ])?;
            tx.prepare_cached(
                "INSERT INTO field_versions (record_id, path, seq, hlc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (record_id, path) DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc",
            )?
            .execute(params![c.record_id.to_string(), c.field, lc.seq as i64, c.hlc.to_string()])?;
        }
        tx.commit()?;
        spent += t.elapsed();
        n += page.changes.len();
        if !page.more || page.next_after <= after {
            break;
        }
        after = page.next_after;
    }
    Ok((spent, n))
}

/// A `change_log` row: change, record, kind, village, field, old, new, base seq, HLC.
type LogRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
);

/// The changes the server logged from `device`, gzip-encoded as the protocol sends them and in
/// a leaner shape (evidence for a wire format change, not a format of ours): each record once
/// with its kind and village, each change as `[change_id, field, new, base_seq, "wall-counter"]`.
async fn wire_variants(county: &County, device: Uuid) -> Result<(usize, usize), BenchError> {
    let rows: Vec<LogRow> = county
        .sql(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT change_id, record_id, kind, village_id, field, old, new, base_seq, hlc
                 FROM change_log WHERE device_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([device.to_string()], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await?;
    let mut changes = Vec::new();
    let mut grouped: Vec<(String, String, String, Vec<serde_json::Value>)> = Vec::new();
    for (id, record, kind, village, field, old, new, base, hlc) in rows {
        let old: serde_json::Value = serde_json::from_str(&old)?;
        let new: serde_json::Value = serde_json::from_str(&new)?;
        let clock = hlc.get(..21).unwrap_or(&hlc).to_owned();
        changes.push(serde_json::json!({
            "change_id": id, "record_id": record, "kind": kind, "village_id": village,
            "field": field, "old": old, "new": new, "base_seq": base, "hlc": hlc,
        }));
        let entry = serde_json::json!([id, field, new, base, clock]);
        match grouped.last_mut() {
            Some(g) if g.0 == record => g.3.push(entry),
            _ => grouped.push((record, kind, village, vec![entry])),
        }
    }
    let set = serde_json::json!({
        "protocol": 2, "change_set_id": Uuid::nil(), "device_id": device, "changes": changes,
    });
    let lean: Vec<serde_json::Value> = grouped
        .into_iter()
        .map(|(r, k, v, c)| serde_json::json!({"record_id": r, "kind": k, "village_id": v, "changes": c}))
        .collect();
    let lean = serde_json::json!({
        "protocol": 2, "change_set_id": Uuid::nil(), "device_id": device, "records": lean,
    });
    Ok((
        county::gzip(&serde_json::to_vec(&set)?, 6)?.len(),
        county::gzip(&serde_json::to_vec(&lean)?, 6)?.len(),
    ))
}
