//! Scenario 1: the snapshot of the largest village — bytes on the wire (gzip, as sent), time
//! to build it on the server and to land it on a device — beside plain JSON, the raw rows
//! compressed at flate2's best level, a raw SELECT of the same rows and a raw insert of them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiandang_protocol::{PROTOCOL_HEADER, PROTOCOL_VERSION, Snapshot, unflatten};
use jiandang_replica::{Progress, Replica, SyncOptions};
use rusqlite::{Connection, params};
use uuid::Uuid;

use crate::county::{self, County, RawDevice};
use crate::figure::{Check, Figure};
use crate::{BenchError, Outcome};

/// What later scenarios reuse: the device that took the snapshot.
pub struct SnapshotDone {
    pub replica: Replica,
    pub village: Uuid,
    pub households: usize,
}

pub async fn run(
    county: &County,
    dir: &std::path::Path,
    (village, households): (Uuid, usize),
    user: (Uuid, String),
    raw: &RawDevice,
    repeats: usize,
    out: &mut Outcome,
) -> Result<SnapshotDone, BenchError> {
    let client = county::raw_client()?;
    let url = format!("{}/api/v1/snapshot", county.base_url);
    let mut times = Vec::new();
    let mut wire = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let resp = client
            .get(&url)
            .bearer_auth(&raw.token)
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .map_err(http)?;
        let gzipped = resp
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_some();
        let status = resp.status();
        wire = resp.bytes().await.map_err(http)?.to_vec();
        times.push(t.elapsed());
        if !status.is_success() {
            return Err(BenchError::Check(format!("snapshot: HTTP {status}")));
        }
        if !gzipped {
            return Err(BenchError::Check("snapshot answer was not gzip".to_owned()));
        }
    }
    let build = median(&mut times);
    let json = county::gunzip(&wire)?;
    let snap: Snapshot = serde_json::from_slice(&json)?;
    let records = snap
        .records()
        .map_err(|e| BenchError::Check(format!("snapshot rows: {e}")))?;
    let fields = snap.field_count();

    // Baselines: the same rows read raw, written as tab-separated text, compressed at best.
    let (rows, select_time) = raw_rows(&county.db_path, village)?;
    let mut tsv = String::new();
    for r in &rows {
        tsv.push_str(&r.join("\t"));
        tsv.push('\n');
    }
    let raw_best = county::gzip(tsv.as_bytes(), 9)?;
    let raw_kb = raw_best.len() as f64 / 1024.0;

    let set_rows = rows.iter().filter(|r| r[4] != "null").count();
    let exact = {
        let mut db: Vec<(String, String, String)> = rows
            .iter()
            .filter(|r| r[4] != "null")
            .map(|r| (r[0].clone(), r[3].clone(), r[4].clone()))
            .collect();
        let mut sent: Vec<(String, String, String)> = records
            .iter()
            .flat_map(|r| {
                r.leaves
                    .iter()
                    .map(move |(p, v)| (r.id.to_string(), p.clone(), v.to_string()))
            })
            .collect();
        db.sort();
        sent.sort();
        db == sent
    };
    out.checks.push(Check::new(
        "snapshot: every field of the village is in the snapshot, with its value",
        set_rows == fields && exact,
        format!(
            "{set_rows} set fields in the database, {fields} in the snapshot, values equal: {exact}"
        ),
    ));

    let kb = wire.len() as f64 / 1024.0;
    let name = format!(
        "{households}-household village ({} records, {fields} fields)",
        records.len()
    );
    out.figures.push(Figure::new(
        "snapshot",
        format!("{name}: bytes on the wire (gzip)"),
        kb,
        "KiB",
        "same snapshot as plain JSON",
        json.len() as f64 / 1024.0,
    ));
    out.figures.push(Figure::new(
        "snapshot",
        "bytes on the wire (gzip)",
        kb,
        "KiB",
        "raw rows (TSV) at flate2 best level (stand-in for zstd)",
        raw_kb,
    ));
    // The shape protocol 1 sent (every field with its value, seq and HLC), for the ratio.
    let v1 = county::gzip(&protocol_1_shape(&rows, snap.cursor)?, 6)?;
    out.figures.push(Figure::new(
        "snapshot",
        "bytes on the wire (gzip)",
        kb,
        "KiB",
        "protocol 1 shape: {path: {value, seq, hlc}} per record (gzip)",
        v1.len() as f64 / 1024.0,
    ));
    out.figures.push(Figure::new(
        "snapshot",
        "server: build + gzip + send on loopback (median)",
        ms(build),
        "ms",
        "raw SELECT of the same rows",
        ms(select_time),
    ));

    // A device lands it: enrol, then the first sync round's snapshot phase.
    let path = dir.join("device-snapshot.db");
    let replica = Replica::open(&path)?;
    replica
        .enroll(
            &county.base_url,
            &user.1,
            county::BENCH_PASSWORD,
            "压测设备",
        )
        .await?;
    let marks: Arc<Mutex<Vec<(&'static str, Instant)>>> = Arc::default();
    let m2 = marks.clone();
    let progress: jiandang_replica::sync::ProgressFn = Arc::new(move |p: &Progress| {
        if let Ok(mut m) = m2.lock()
            && m.last().is_none_or(|(phase, _)| *phase != p.phase)
        {
            m.push((p.phase, Instant::now()));
        }
    });
    let report = replica
        .sync_once(&SyncOptions::default(), Some(&progress))
        .await?;
    let phase_time = {
        let m = marks
            .lock()
            .map_err(|_| BenchError::Check("progress lock".to_owned()))?;
        let start = m.iter().find(|(p, _)| *p == "snapshot").map(|(_, t)| *t);
        let end = m.iter().find(|(p, _)| *p == "push").map(|(_, t)| *t);
        match (start, end) {
            (Some(s), Some(e)) => e - s,
            _ => return Err(BenchError::Check("no snapshot phase seen".to_owned())),
        }
    };
    let held = replica.all_records()?.len();
    out.checks.push(Check::new(
        "snapshot: the device holds every record of the snapshot",
        held == records.len() && report.snapshot_records > 0,
        format!(
            "{held} records on the device, {} in the snapshot",
            records.len()
        ),
    ));
    let insert_time = raw_insert(&dir.join("baseline-snapshot.db"), &snap)?;
    out.figures.push(Figure::new(
        "snapshot",
        "device: fetch + apply (first sync round's snapshot phase)",
        ms(phase_time),
        "ms",
        "raw insert of the same records and field versions, one transaction",
        ms(insert_time),
    ));
    out.snapshot_kib = Some(kb);
    Ok(SnapshotDone {
        replica,
        village,
        households,
    })
}

/// The village's rows as protocol 1 sent them: each record with every field's value, seq
/// and HLC.
fn protocol_1_shape(rows: &[Vec<String>], cursor: u64) -> Result<Vec<u8>, BenchError> {
    let mut records: Vec<serde_json::Value> = Vec::new();
    let mut last: Option<String> = None;
    for r in rows {
        if last.as_deref() != Some(r[0].as_str()) {
            records.push(
                serde_json::json!({"id": r[0], "kind": r[1], "village_id": r[2], "fields": {}}),
            );
            last = Some(r[0].clone());
        }
        let value: serde_json::Value = serde_json::from_str(&r[4])?;
        let seq: u64 = r[5].parse().unwrap_or(0);
        if let Some(fields) = records
            .last_mut()
            .and_then(|rec| rec.get_mut("fields"))
            .and_then(|f| f.as_object_mut())
        {
            fields.insert(
                r[3].clone(),
                serde_json::json!({"value": value, "seq": seq, "hlc": r[6]}),
            );
        }
    }
    Ok(serde_json::to_vec(
        &serde_json::json!({"protocol": 1, "cursor": cursor, "records": records}),
    )?)
}

/// The server's snapshot rows for one village, read raw on a connection of our own.
fn raw_rows(
    db: &std::path::Path,
    village: Uuid,
) -> Result<(Vec<Vec<String>>, Duration), BenchError> {
    let conn = Connection::open(db)?;
    let t = Instant::now();
    let mut stmt = conn.prepare(
        "SELECT r.id, r.kind, r.village_id, f.path, f.value, f.seq, f.hlc
         FROM records r JOIN fields f ON f.record_id = r.id
         WHERE r.village_id = ?1 ORDER BY r.id, f.path",
    )?;
    let rows = stmt
        .query_map([village.to_string()], |r| {
            Ok(vec![
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?.to_string(),
                r.get::<_, String>(6)?,
            ])
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rows, t.elapsed()))
}

/// The snapshot's records and field versions inserted raw into a fresh device schema.
fn raw_insert(path: &std::path::Path, snap: &Snapshot) -> Result<Duration, BenchError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    jiandang_replica::migrations::apply(&mut conn)?;
    let t = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut rec = tx.prepare(
            "INSERT INTO records (id, kind, village_id, doc, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, 0, 0)",
        )?;
        let mut ver = tx.prepare(
            "INSERT INTO field_versions (record_id, path, seq, hlc) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let records = snap
            .records()
            .map_err(|e| BenchError::Check(format!("snapshot rows: {e}")))?;
        let hlc = snap.hlc.as_ref().map(|h| h.to_string()).unwrap_or_default();
        for r in &records {
            let id = r.id.to_string();
            rec.execute(params![
                id,
                r.kind.as_str(),
                r.village_id.to_string(),
                unflatten(&r.leaves).to_string()
            ])?;
            for p in r.leaves.keys() {
                ver.execute(params![id, p, snap.cursor as i64, hlc])?;
            }
        }
    }
    tx.commit()?;
    Ok(t.elapsed())
}

pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn http(e: reqwest::Error) -> BenchError {
    BenchError::Http(e.to_string())
}
