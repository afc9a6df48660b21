//! Scenario 2: push ingest on the server, changes per second for change sets of 1, 10, 100
//! and 1,000 changes, beside raw rusqlite batched inserts of the same rows (the change log
//! row and the field row of each change) into identical tables, same pragmas, same batches.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jiandang_domain::RecordKind;
use jiandang_protocol::{Change, ChangeSet, Hlc, Outcome, PROTOCOL_HEADER, PushResponse, flatten};
use rusqlite::{Connection, params};
use serde_json::Value;
use uuid::Uuid;

use crate::county::{self, County, RawDevice};
use crate::figure::{Check, Figure, Target};
use crate::snapshot::http;
use crate::{BenchError, Outcome as BenchOutcome};

/// How many changes to send at each set size, and the time allowed per size.
pub struct Plan {
    pub sizes: Vec<(usize, usize)>,
    pub budget: Duration,
}

/// Household forms to copy: the leaves of households of `village` that have not exited (a
/// copy marked exited would meet the exit gate, which is not what this measures). 脱贫状态 "0"
/// is 未脱贫.
pub async fn templates(
    county: &County,
    village: Uuid,
    n: usize,
) -> Result<Vec<BTreeMap<String, Value>>, BenchError> {
    let docs: Vec<String> = county
        .sql(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT doc FROM records WHERE village_id = ?1 AND kind = 'household'
                 AND json_extract(doc, '$.basic.status') = '0' ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![village.to_string(), n as i64], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await?;
    let mut out = Vec::new();
    for d in docs {
        let v: Value = serde_json::from_str(&d)?;
        out.push(
            flatten(&v)
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .collect(),
        );
    }
    if out.is_empty() {
        return Err(BenchError::Check(
            "no household to copy in the village".to_owned(),
        ));
    }
    Ok(out)
}

/// `n` changes that create new households in `village`, each a copy of a template.
pub fn new_household_changes(
    templates: &[BTreeMap<String, Value>],
    village: Uuid,
    node: &str,
    n: usize,
) -> Vec<Change> {
    let mut out = Vec::with_capacity(n);
    let mut hlc = Hlc::zero(node);
    let now = now_ms();
    let mut t = 0;
    while out.len() < n {
        let record = Uuid::new_v4();
        // The household's status first: a set boundary may fall inside a household, and a
        // household whose first set came without a status is a candidate (候选) to the gate,
        // which refuses the status arriving later as 候选 → 未脱贫 without its procedure.
        let template = &templates[t % templates.len()];
        let status = template.get_key_value("basic.status");
        let rest = template
            .iter()
            .filter(|(f, _)| f.as_str() != "basic.status");
        for (field, value) in status.into_iter().chain(rest) {
            if out.len() == n {
                break;
            }
            hlc = hlc.tick(now);
            let new = match field.as_str() {
                "id" => Value::String(record.to_string()),
                "village_id" => Value::String(village.to_string()),
                _ => value.clone(),
            };
            out.push(Change {
                change_id: Uuid::new_v4(),
                record_id: record,
                kind: RecordKind::Household,
                village_id: village,
                field: field.clone(),
                old: Value::Null,
                new,
                base_seq: 0,
                hlc: hlc.clone(),
            });
        }
        t += 1;
    }
    out
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub async fn run(
    county: &County,
    dir: &std::path::Path,
    village: Uuid,
    device: &RawDevice,
    plan: &Plan,
    out: &mut BenchOutcome,
) -> Result<usize, BenchError> {
    let templates = templates(county, village, 50).await?;
    let client = county::raw_client()?;
    let url = format!("{}/api/v1/push", county.base_url);
    let mut total_accepted = 0;
    let baseline_db = dir.join("baseline-ingest.db");
    let mut base =
        jiandang_server::db::open(&baseline_db).map_err(|e| BenchError::Server(e.to_string()))?;
    for &(size, count) in &plan.sizes {
        let changes =
            new_household_changes(&templates, village, &device.device_id.to_string(), count);
        let sets: Vec<Vec<Change>> = changes.chunks(size).map(<[Change]>::to_vec).collect();
        let mut bodies = Vec::with_capacity(sets.len());
        for set in &sets {
            let cs = ChangeSet::new(Uuid::new_v4(), device.device_id, set.clone());
            bodies.push(county::gzip(&serde_json::to_vec(&cs)?, 6)?);
        }
        let (mut sent, mut accepted, mut refused) = (0usize, 0usize, 0usize);
        let t = Instant::now();
        for (body, set) in bodies.into_iter().zip(&sets) {
            let resp = client
                .post(&url)
                .bearer_auth(&device.token)
                .header(PROTOCOL_HEADER, "2")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::CONTENT_ENCODING, "gzip")
                .body(body)
                .send()
                .await
                .map_err(http)?;
            let status = resp.status();
            let bytes = resp.bytes().await.map_err(http)?;
            if !status.is_success() {
                return Err(BenchError::Check(format!(
                    "push of {size}: HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes)
                )));
            }
            let answer: PushResponse = serde_json::from_slice(&bytes)?;
            for r in &answer.results {
                match r.outcome {
                    Outcome::Accepted { .. } => accepted += 1,
                    _ => refused += 1,
                }
            }
            sent += set.len();
            if t.elapsed() > plan.budget {
                break;
            }
        }
        let elapsed = t.elapsed();
        let server_rate = sent as f64 / elapsed.as_secs_f64();
        let raw_rate = raw_ingest(
            &mut base,
            &changes[..sent],
            size,
            device.user_id,
            device.device_id,
        )?;
        total_accepted += accepted;
        out.checks.push(Check::new(
            format!("ingest: every change of the {size}-change sets accepted"),
            accepted == sent && refused == 0,
            format!("{accepted} accepted, {refused} not, of {sent}"),
        ));
        let fig = Figure::new(
            "ingest",
            format!("push, sets of {size} ({sent} changes)"),
            server_rate,
            "changes/s",
            format!("raw rusqlite, transactions of {size}"),
            raw_rate,
        );
        out.targets.push(Target {
            name: format!("ingest, sets of {size}"),
            goal: "≥ 0.3 × raw SQLite rate".to_owned(),
            measured: format!("{:.3} ×", fig.ratio),
            met: fig.ratio >= 0.3,
        });
        out.figures.push(fig);
    }
    Ok(total_accepted)
}

/// The same rows written raw: per change one `change_log` row and one `fields` upsert, in
/// transactions of `size`, prepared statements, into a database with the server's schema and
/// pragmas. Returns changes per second.
pub(crate) fn raw_ingest(
    conn: &mut Connection,
    changes: &[Change],
    size: usize,
    user: Uuid,
    device: Uuid,
) -> Result<f64, BenchError> {
    let user = user.to_string();
    let dev = device.to_string();
    let t = Instant::now();
    for batch in changes.chunks(size.max(1)) {
        let set = Uuid::new_v4().to_string();
        let tx = conn.transaction()?;
        for c in batch {
            tx.prepare_cached(
                "INSERT INTO change_log (change_id, change_set_id, record_id, kind, village_id,
                     field, old, new, base_seq, hlc, user_id, device_id, received_ms, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'accepted')",
            )?
            .execute(params![
                c.change_id.to_string(),
                set,
                c.record_id.to_string(),
                c.kind.as_str(),
                c.village_id.to_string(),
                c.field,
                c.old.to_string(),
                c.new.to_string(),
                c.base_seq as i64,
                c.hlc.to_string(),
                user,
                dev,
                0,
            ])?;
            let seq = tx.last_insert_rowid();
            tx.prepare_cached(
                "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (record_id, path) DO UPDATE SET value = excluded.value,
                     seq = excluded.seq, hlc = excluded.hlc",
            )?
            .execute(params![
                c.record_id.to_string(),
                c.field,
                c.new.to_string(),
                seq,
                c.hlc.to_string(),
                user,
                dev
            ])?;
        }
        tx.commit()?;
    }
    Ok(changes.len() as f64 / t.elapsed().as_secs_f64())
}
