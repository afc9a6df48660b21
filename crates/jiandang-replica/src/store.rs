//! Storage: records as JSON documents, the server version of each field, the outbox, the
//! hybrid logical clock, and how pushed outcomes, pulled changes and snapshots land in them.
//! Each public write is one SQLite transaction.

use std::collections::BTreeMap;

use jiandang_domain::{Finding, RecordKind};
use jiandang_protocol::limits::MAX_CHANGES_PER_SET;
use jiandang_protocol::{
    CLOCK_TOLERANCE_MS, Change, ChangeSet, Hlc, LoggedChange, Outcome, PushResponse,
    RecordFindings, Snapshot, flatten, unflatten,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::plan::{self, Incoming};
use crate::{Error, Replica};

/// A record as the device holds it: the domain's stored record (kind, id and village from
/// the columns; the JSON form with cleared fields absent, never `null`), so the judgement
/// and the actions take what the store reads without a copy of the type.
pub use jiandang_domain::StoredRecord;

/// The answer to a save: what was stored, how many field edits went to the outbox, and what
/// the domain rules found on it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Saved {
    pub record: StoredRecord,
    pub changed_fields: Vec<String>,
    pub findings: Vec<Finding>,
}

/// A value of this device that lost to a later edit elsewhere (the county resolves it).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conflict {
    pub change_id: Uuid,
    pub record_id: Uuid,
    pub field: String,
    /// What this device entered.
    pub ours: Value,
    /// What the server holds.
    pub current: Value,
}

/// The leaves of a JSON form, with cleared (`null`) fields left out: absent and null mean the
/// same thing to the merge.
pub(crate) fn leaves(doc: &Value) -> BTreeMap<String, Value> {
    match doc {
        Value::Null => BTreeMap::new(),
        Value::Object(m) if m.is_empty() => BTreeMap::new(),
        other => flatten(other)
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
    }
}

pub(crate) fn doc_from_leaves(l: &BTreeMap<String, Value>) -> Value {
    if l.is_empty() {
        Value::Object(serde_json::Map::new())
    } else {
        unflatten(l)
    }
}

fn json_text(v: &Value) -> Option<String> {
    if v.is_null() {
        None
    } else {
        Some(v.to_string())
    }
}

fn json_value(s: Option<String>) -> Value {
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn parse_uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_kind(s: &str) -> rusqlite::Result<RecordKind> {
    RecordKind::parse(s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown record kind {s}").into(),
        )
    })
}

fn parse_hlc(s: &str) -> rusqlite::Result<Hlc> {
    Hlc::parse(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(crate) fn record_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRecord> {
    let id: String = row.get(0)?;
    let kind: String = row.get(1)?;
    let village: String = row.get(2)?;
    let doc: String = row.get(3)?;
    Ok(StoredRecord {
        id: parse_uuid(&id)?,
        kind: parse_kind(&kind)?,
        village_id: parse_uuid(&village)?,
        doc: serde_json::from_str(&doc).unwrap_or(Value::Null),
    })
}

fn load_record(conn: &Connection, id: Uuid) -> rusqlite::Result<Option<StoredRecord>> {
    conn.prepare_cached("SELECT id, kind, village_id, doc FROM records WHERE id = ?1")?
        .query_row([id.to_string()], record_from_row)
        .optional()
}

fn write_record(conn: &Connection, rec: &StoredRecord, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO records (id, kind, village_id, doc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
    )?
    .execute(params![
        rec.id.to_string(),
        rec.kind.as_str(),
        rec.village_id.to_string(),
        rec.doc.to_string(),
        now
    ])?;
    Ok(())
}

/// The server seq of a field's value on this device (0 = never synced).
fn field_seq(conn: &Connection, record: Uuid, path: &str) -> rusqlite::Result<u64> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT seq FROM field_versions WHERE record_id = ?1 AND path = ?2")?
        .query_row(params![record.to_string(), path], |r| r.get(0))
        .optional()?;
    Ok(seq.unwrap_or(0).max(0) as u64)
}

fn set_field_version(
    conn: &Connection,
    record: Uuid,
    path: &str,
    seq: u64,
    hlc: &Hlc,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO field_versions (record_id, path, seq, hlc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (record_id, path) DO UPDATE SET seq = excluded.seq, hlc = excluded.hlc",
    )?
    .execute(params![
        record.to_string(),
        path,
        seq as i64,
        hlc.to_string()
    ])?;
    Ok(())
}

/// Whether a local edit of this field is still waiting for the server (optionally other
/// than `except`).
fn has_waiting_edit(
    conn: &Connection,
    record: Uuid,
    path: &str,
    except: Option<Uuid>,
) -> rusqlite::Result<bool> {
    let except = except.map(|u| u.to_string()).unwrap_or_default();
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND field = ?2
           AND status IN ('pending', 'in_flight') AND change_id <> ?3)",
    )?
    .query_row(params![record.to_string(), path, except], |r| r.get(0))
}

fn last_hlc(conn: &Connection) -> rusqlite::Result<Hlc> {
    let (stored, node): (Option<String>, String) = conn.query_row(
        "SELECT hlc, COALESCE(device_id, node) FROM sync_state WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut hlc = stored
        .and_then(|s| Hlc::parse(&s).ok())
        .unwrap_or_else(|| Hlc::zero(node.clone()));
    hlc.node = node;
    Ok(hlc)
}

fn store_hlc(conn: &Connection, hlc: &Hlc) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync_state SET hlc = ?1 WHERE id = 1",
        [hlc.to_string()],
    )?;
    Ok(())
}

/// A new stamp for a local event, persisted so that it survives a restart.
pub(crate) fn tick(conn: &Connection, now_ms: i64) -> rusqlite::Result<Hlc> {
    let next = last_hlc(conn)?.tick(stamp_time(conn, now_ms)?);
    store_hlc(conn, &next)?;
    Ok(next)
}

/// Moves the clock past a stamp received from the server.
fn observe(conn: &Connection, remote: &Hlc, now_ms: i64) -> rusqlite::Result<()> {
    let next = last_hlc(conn)?.observe(remote, stamp_time(conn, now_ms)?);
    store_hlc(conn, &next)
}

/// How far the server's clock was from this device's on its last answer (server minus
/// device, ms); `None` before any answer.
pub(crate) fn clock_skew(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT clock_skew_ms FROM sync_state WHERE id = 1",
        [],
        |r| r.get(0),
    )
}

/// The wall time to stamp by: the device's clock, or, while it is known to be off by more
/// than the server tolerates, the server's time as last measured. (Should the user set the
/// clock right while offline, stamps run behind until the next answer: behind is safe, the
/// counter keeps the device's own order, while ahead would be refused.)
fn stamp_time(conn: &Connection, now_ms: i64) -> rusqlite::Result<i64> {
    Ok(match clock_skew(conn)? {
        Some(skew) if skew.abs() > CLOCK_TOLERANCE_MS => now_ms.saturating_add(skew),
        _ => now_ms,
    })
}

pub(crate) fn store_findings(
    conn: &Connection,
    record: Uuid,
    source: &str,
    findings: &[Finding],
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO findings (record_id, source, findings, has_errors) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (record_id, source) DO UPDATE
           SET findings = excluded.findings, has_errors = excluded.has_errors",
        params![
            record.to_string(),
            source,
            serde_json::to_string(findings)?,
            jiandang_domain::finding::has_errors(findings)
        ],
    )?;
    Ok(())
}

/// Sets (or clears, for `null`) one leaf of a record, creating the record if needed.
fn apply_field(
    conn: &Connection,
    record_id: Uuid,
    kind: RecordKind,
    village_id: Uuid,
    path: &str,
    value: &Value,
    now: i64,
) -> rusqlite::Result<()> {
    let mut rec = load_record(conn, record_id)?.unwrap_or(StoredRecord {
        id: record_id,
        kind,
        village_id,
        doc: Value::Null,
    });
    let mut l = leaves(&rec.doc);
    set_leaf(&mut l, path, value);
    rec.doc = doc_from_leaves(&l);
    write_record(conn, &rec, now)
}

/// A record being rebuilt from pulled changes.
struct StoredLeaves {
    kind: RecordKind,
    village_id: Uuid,
    leaves: BTreeMap<String, Value>,
}

/// Sets (or clears, for `null`) one leaf. A leaf replaces anything that was nested under its
/// path, and the reverse.
pub(crate) fn set_leaf(l: &mut BTreeMap<String, Value>, path: &str, value: &Value) {
    if value.is_null() {
        l.remove(path);
    } else {
        let prefix = format!("{path}.");
        l.retain(|k, _| !k.starts_with(&prefix) && !path.starts_with(&format!("{k}.")));
        l.insert(path.to_owned(), value.clone());
    }
}

/// The outbox rows of one frozen change set, in the order they are sent.
pub(crate) fn changes_of_set(conn: &Connection, set: Uuid) -> Result<Vec<Change>, Error> {
    let mut stmt = conn.prepare(
        "SELECT change_id, record_id, kind, village_id, field, old, new, base_seq, hlc
         FROM outbox WHERE change_set_id = ?1 AND status = 'in_flight'
         ORDER BY hlc, change_id",
    )?;
    let rows = stmt.query_map([set.to_string()], |r| {
        Ok(Change {
            change_id: parse_uuid(&r.get::<_, String>(0)?)?,
            record_id: parse_uuid(&r.get::<_, String>(1)?)?,
            kind: parse_kind(&r.get::<_, String>(2)?)?,
            village_id: parse_uuid(&r.get::<_, String>(3)?)?,
            field: r.get(4)?,
            old: json_value(r.get(5)?),
            new: json_value(r.get(6)?),
            base_seq: r.get::<_, i64>(7)?.max(0) as u64,
            hlc: parse_hlc(&r.get::<_, String>(8)?)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Writes a record's new JSON form (as leaves): diffs it leaf by leaf against what is
/// stored, and adds one outbox row per changed field (a field edited again before it was
/// sent updates its waiting row). A changed field over the server's limits refuses the whole
/// write (`field_limit`); the caller's transaction then rolls back. Returns the record as
/// stored and the changed paths.
pub(crate) fn write_doc(
    tx: &Connection,
    kind: RecordKind,
    id: Uuid,
    village_id: Uuid,
    new: BTreeMap<String, Value>,
    now: i64,
) -> Result<(StoredRecord, Vec<String>), Error> {
    let existing = load_record(tx, id)?;
    if let Some(e) = &existing
        && (e.kind != kind || e.village_id != village_id)
    {
        return Err(Error::RecordMismatch);
    }
    let old = existing
        .as_ref()
        .map(|e| leaves(&e.doc))
        .unwrap_or_default();
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut changed = Vec::new();
    for path in paths {
        let (o, n) = (
            old.get(path).cloned().unwrap_or(Value::Null),
            new.get(path).cloned().unwrap_or(Value::Null),
        );
        if o == n {
            continue;
        }
        // What the server would refuse is not saved (a clear always is: it may remove a
        // value stored before the limits held).
        if !n.is_null()
            && let Err(error) = jiandang_protocol::limits::check_field(path, &n)
        {
            return Err(Error::FieldLimit {
                path: path.clone(),
                error,
            });
        }
        let hlc = tick(tx, now)?;
        let waiting: Option<String> = tx
            .prepare_cached(
                "SELECT change_id FROM outbox WHERE record_id = ?1 AND field = ?2
                   AND status = 'pending' AND resent = 0",
            )?
            .query_row(params![id.to_string(), path], |r| r.get(0))
            .optional()?;
        match waiting {
            Some(change_id) => {
                tx.prepare_cached("UPDATE outbox SET new = ?1, hlc = ?2 WHERE change_id = ?3")?
                    .execute(params![json_text(&n), hlc.to_string(), change_id])?;
            }
            None => {
                let base = field_seq(tx, id, path)?;
                tx.prepare_cached(
                    "INSERT INTO outbox (change_id, record_id, kind, village_id, field, old,
                       new, base_seq, hlc, status, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
                )?
                .execute(params![
                    Uuid::now_v7().to_string(),
                    id.to_string(),
                    kind.as_str(),
                    village_id.to_string(),
                    path,
                    json_text(&o),
                    json_text(&n),
                    base as i64,
                    hlc.to_string(),
                    now
                ])?;
            }
        }
        changed.push(path.clone());
    }
    let record = StoredRecord {
        id,
        kind,
        village_id,
        doc: doc_from_leaves(&new),
    };
    write_record(tx, &record, now)?;
    Ok((record, changed))
}

/// The record as stored now, if any (inside a write's transaction).
pub(crate) fn stored(conn: &Connection, id: Uuid) -> Result<Option<StoredRecord>, Error> {
    Ok(load_record(conn, id)?)
}

impl Replica {
    /// A new record id (UUID v7: time-ordered, made offline).
    pub fn new_id() -> Uuid {
        Uuid::now_v7()
    }

    /// A record by id.
    pub fn get_record(&self, id: Uuid) -> Result<Option<StoredRecord>, Error> {
        Ok(load_record(&self.conn(), id)?)
    }

    /// Every record the device holds, by id.
    pub fn all_records(&self) -> Result<Vec<StoredRecord>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, kind, village_id, doc FROM records ORDER BY id")?;
        let rows = stmt.query_map([], record_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records of one village, optionally of one kind.
    pub fn records_of_village(
        &self,
        village_id: Uuid,
        kind: Option<RecordKind>,
    ) -> Result<Vec<StoredRecord>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, kind, village_id, doc FROM records
             WHERE village_id = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id",
        )?;
        let rows = stmt.query_map(
            params![village_id.to_string(), kind.map(|k| k.as_str())],
            record_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The server seq of a field's value here (0 = never synced).
    pub fn field_seq(&self, record: Uuid, path: &str) -> Result<u64, Error> {
        Ok(field_seq(&self.conn(), record, path)?)
    }

    /// The last stamp this device issued or observed.
    pub fn clock(&self) -> Result<Hlc, Error> {
        Ok(last_hlc(&self.conn())?)
    }

    /// Notes the server's clock (`server_ms`, from an answer's `Jiandang-Server-Time`) as
    /// read when the answer arrived: how far this device's clock is off.
    pub(crate) fn note_server_time(&self, server_ms: i64) -> Result<(), Error> {
        let skew = server_ms.saturating_sub(self.now_ms());
        self.conn().execute(
            "UPDATE sync_state SET clock_skew_ms = ?1 WHERE id = 1",
            [skew],
        )?;
        Ok(())
    }

    /// Stamps every change still waiting for the server again, by the server's time (as
    /// last measured): the server refused them (`clock_skew`) because this device's clock ran
    /// ahead when they were made. Each keeps its place in the device's order; its new wall
    /// time is the old one moved by the measured difference (the best guess of when it was
    /// really made), never later than the server's now. The device's clock is set back to
    /// match. Returns how many changes were stamped again.
    pub(crate) fn restamp_waiting(&self) -> Result<usize, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let Some(skew) = clock_skew(&tx)? else {
            return Ok(0);
        };
        let server_ms = self.now_ms().saturating_add(skew);
        let node = last_hlc(&tx)?.node;
        let rows: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT change_id, hlc FROM outbox WHERE status IN ('pending', 'in_flight')
                 ORDER BY hlc, change_id",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut stamp = Hlc::zero(node.clone());
        for (change_id, hlc) in &rows {
            let old = parse_hlc(hlc)?;
            let wall = old.wall_ms.saturating_add(skew).clamp(0, server_ms.max(0));
            stamp = stamp.tick(wall);
            tx.execute(
                "UPDATE outbox SET hlc = ?1 WHERE change_id = ?2",
                params![stamp.to_string(), change_id],
            )?;
        }
        let floor = Hlc {
            wall_ms: server_ms.max(0),
            counter: 0,
            node,
        };
        store_hlc(&tx, &stamp.max(floor))?;
        tx.commit()?;
        Ok(rows.len())
    }

    /// The findings stored for a record: the device's own (on save) and the server's (after
    /// a push), device first.
    pub fn findings(&self, record: Uuid) -> Result<Vec<Finding>, Error> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT findings FROM findings WHERE record_id = ?1 ORDER BY source")?;
        let rows = stmt.query_map([record.to_string()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for json in rows {
            let list: Vec<Finding> = serde_json::from_str(&json?)?;
            for f in list {
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        Ok(out)
    }

    /// Values this device entered that lost to a later edit elsewhere.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT change_id, record_id, field, new, current FROM outbox
             WHERE status = 'superseded' ORDER BY hlc",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Conflict {
                change_id: parse_uuid(&r.get::<_, String>(0)?)?,
                record_id: parse_uuid(&r.get::<_, String>(1)?)?,
                field: r.get(2)?,
                ours: json_value(r.get(3)?),
                current: json_value(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Puts refused changes back in the queue (with a new change id, so the server judges them
    /// afresh), unless a newer edit of the same field is already waiting. Returns how many.
    /// The sync loop calls this for `entry_closed` refusals on every round, so that work
    /// entered while the window was closed goes up once the county reopens it.
    pub fn retry_refused(&self, code: Option<&str>) -> Result<usize, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let rows: Vec<(String, String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT change_id, record_id, field FROM outbox
                 WHERE status = 'refused' AND (?1 IS NULL OR refusal_code = ?1) ORDER BY hlc",
            )?;
            stmt.query_map([code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut n = 0;
        for (change_id, record, field) in rows {
            let waiting: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1 AND field = ?2
                   AND status IN ('pending', 'in_flight'))",
                params![record, field],
                |r| r.get(0),
            )?;
            if waiting {
                continue;
            }
            tx.execute(
                "UPDATE outbox SET change_id = ?1, status = 'pending', change_set_id = NULL,
                   refusal_code = NULL, refusal_message = NULL, resolved_at = NULL
                 WHERE change_id = ?2",
                params![Uuid::now_v7().to_string(), change_id],
            )?;
            n += 1;
        }
        tx.commit()?;
        Ok(n)
    }

    /// What the next push would send, without freezing anything: the pending changes in
    /// clock order, each with the base seq it would carry now.
    pub fn pending_changes(&self) -> Result<Vec<Change>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT change_id, record_id, kind, village_id, field, old, new, base_seq, hlc
             FROM outbox WHERE status = 'pending' ORDER BY hlc, change_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Change {
                change_id: parse_uuid(&r.get::<_, String>(0)?)?,
                record_id: parse_uuid(&r.get::<_, String>(1)?)?,
                kind: parse_kind(&r.get::<_, String>(2)?)?,
                village_id: parse_uuid(&r.get::<_, String>(3)?)?,
                field: r.get(4)?,
                old: json_value(r.get(5)?),
                new: json_value(r.get(6)?),
                base_seq: r.get::<_, i64>(7)?.max(0) as u64,
                hlc: parse_hlc(&r.get::<_, String>(8)?)?,
            })
        })?;
        let mut changes = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for c in &mut changes {
            c.base_seq = field_seq(&conn, c.record_id, &c.field)?;
        }
        Ok(changes)
    }

    /// The change set waiting for an answer, if any: it was frozen and may have been sent.
    pub(crate) fn in_flight_set(&self) -> Result<Option<ChangeSet>, Error> {
        let conn = self.conn();
        let set: Option<String> = conn
            .query_row(
                "SELECT change_set_id FROM outbox WHERE status = 'in_flight'
                 ORDER BY hlc LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(set) = set else { return Ok(None) };
        let set = Uuid::parse_str(&set).map_err(|e| Error::BadResponse(e.to_string()))?;
        let device = device_id(&conn)?.ok_or(Error::NotEnrolled)?;
        let changes = changes_of_set(&conn, set)?;
        Ok(Some(ChangeSet::new(set, device, changes)))
    }

    /// Freezes about `limit` pending outbox rows into a new change set and stores its id
    /// BEFORE anything is sent, so that a cut resends the same id. The base seq of each change
    /// is taken now, from what the device last heard from the server.
    ///
    /// With `whole_records`, every pending change of a record picked goes in the same set,
    /// even past `limit` (up to the protocol's cap): the server gates a household's state on
    /// the records as each set leaves them, and a new household split over two sets would
    /// arrive first without its 脱贫状态 (待识别) and then be refused the change to 未脱贫.
    /// Without it (after the server found a set too large) sets are cut at `limit` exactly.
    pub(crate) fn freeze_next_set(
        &self,
        limit: usize,
        whole_records: bool,
    ) -> Result<Option<ChangeSet>, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let device = device_id(&tx)?.ok_or(Error::NotEnrolled)?;
        let limit = limit.clamp(1, MAX_CHANGES_PER_SET);
        let read = |sql: &str, params: &[&dyn rusqlite::ToSql]| {
            let mut stmt = tx.prepare(sql)?;
            stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<(String, String, String)>>>()
        };
        let rows = if whole_records {
            read(
                "WITH picked AS (SELECT DISTINCT record_id FROM
                     (SELECT record_id FROM outbox WHERE status = 'pending'
                      ORDER BY hlc, change_id LIMIT ?1))
                 SELECT change_id, record_id, field FROM outbox
                 WHERE status = 'pending' AND record_id IN (SELECT record_id FROM picked)
                 ORDER BY hlc, change_id LIMIT ?2",
                params![limit as i64, MAX_CHANGES_PER_SET as i64],
            )?
        } else {
            read(
                "SELECT change_id, record_id, field FROM outbox WHERE status = 'pending'
                 ORDER BY hlc, change_id LIMIT ?1",
                params![limit as i64],
            )?
        };
        if rows.is_empty() {
            return Ok(None);
        }
        let set = Uuid::now_v7();
        for (change_id, record, field) in &rows {
            let record = Uuid::parse_str(record).map_err(|e| Error::BadResponse(e.to_string()))?;
            let base = field_seq(&tx, record, field)?;
            tx.execute(
                "UPDATE outbox SET status = 'in_flight', change_set_id = ?1, base_seq = ?2
                 WHERE change_id = ?3",
                params![set.to_string(), base as i64, change_id],
            )?;
        }
        let changes = changes_of_set(&tx, set)?;
        tx.commit()?;
        Ok(Some(ChangeSet::new(set, device, changes)))
    }

    /// Lands the server's answer to a change set: accepted → the field's seq; superseded →
    /// the current value (unless a newer local edit waits); refused → kept, with the reason.
    pub(crate) fn apply_push_response(
        &self,
        set: &ChangeSet,
        resp: &PushResponse,
    ) -> Result<PushTally, Error> {
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut tally = PushTally::default();
        for result in &resp.results {
            let Some(change) = set.changes.iter().find(|c| c.change_id == result.change_id) else {
                continue;
            };
            let id = change.change_id.to_string();
            match &result.outcome {
                Outcome::Accepted { seq } => {
                    tx.execute(
                        "UPDATE outbox SET status = 'accepted', result_seq = ?1, resolved_at = ?2
                         WHERE change_id = ?3",
                        params![*seq as i64, now, id],
                    )?;
                    if *seq > field_seq(&tx, change.record_id, &change.field)? {
                        set_field_version(&tx, change.record_id, &change.field, *seq, &change.hlc)?;
                    }
                    tally.accepted += 1;
                }
                Outcome::Superseded { seq, current } => {
                    tx.execute(
                        "UPDATE outbox SET status = 'superseded', result_seq = ?1, current = ?2,
                           resolved_at = ?3 WHERE change_id = ?4",
                        params![*seq as i64, json_text(current), now, id],
                    )?;
                    // A newer local edit of the field keeps its value and its old base, so the
                    // server still sees it as concurrent with the winner and keeps both.
                    let newer = has_waiting_edit(
                        &tx,
                        change.record_id,
                        &change.field,
                        Some(change.change_id),
                    )?;
                    let local = field_seq(&tx, change.record_id, &change.field)?;
                    if plan::incoming(local, newer, *seq) == Incoming::Apply {
                        apply_field(
                            &tx,
                            change.record_id,
                            change.kind,
                            change.village_id,
                            &change.field,
                            current,
                            now,
                        )?;
                        set_field_version(&tx, change.record_id, &change.field, *seq, &change.hlc)?;
                    }
                    tally.superseded += 1;
                }
                Outcome::Refused { code, message } => {
                    tx.execute(
                        "UPDATE outbox SET status = 'refused', refusal_code = ?1,
                           refusal_message = ?2, resolved_at = ?3 WHERE change_id = ?4",
                        params![code.as_str(), message, now, id],
                    )?;
                    tally.refused += 1;
                }
            }
        }
        // A change the server did not answer goes back to the queue rather than vanish.
        tx.execute(
            "UPDATE outbox SET status = 'pending', change_set_id = NULL
             WHERE change_set_id = ?1 AND status = 'in_flight'",
            [set.change_set_id.to_string()],
        )?;
        for RecordFindings {
            record_id,
            findings,
        } in &resp.findings
        {
            store_findings(&tx, *record_id, "server", findings)?;
        }
        tx.commit()?;
        Ok(tally)
    }

    /// Marks a whole change set refused (the server rejected the request as such, e.g. as
    /// malformed): kept on the device, visible, never dropped.
    pub(crate) fn refuse_set(&self, set: Uuid, code: &str, message: &str) -> Result<(), Error> {
        let now = self.now_ms();
        self.conn().execute(
            "UPDATE outbox SET status = 'refused', refusal_code = ?1, refusal_message = ?2,
               resolved_at = ?3 WHERE change_set_id = ?4 AND status = 'in_flight'",
            params![code, message, now, set.to_string()],
        )?;
        Ok(())
    }

    /// Lands one pulled page and moves the cursor in the same transaction. Returns how many
    /// field values changed here. Each record the page touches is read and written once,
    /// and the clock moves once, past the page's latest stamp. (Public for the fuzz targets,
    /// which feed it pages no server would send.)
    pub fn apply_pull_page(
        &self,
        changes: &[LoggedChange],
        next_after: u64,
    ) -> Result<usize, Error> {
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut applied = 0;
        let me = device_id(&tx)?;
        if let Some(latest) = changes.iter().map(|lc| &lc.change.hlc).max() {
            observe(&tx, latest, now)?;
        }
        // The records this page changes, as leaves, written back once at the end.
        let mut touched: BTreeMap<Uuid, StoredLeaves> = BTreeMap::new();
        for lc in changes {
            let c = &lc.change;
            if Some(lc.device_id) != me {
                mark_overtaken(&tx, lc, now)?;
            }
            let local = field_seq(&tx, c.record_id, &c.field)?;
            let waiting = has_waiting_edit(&tx, c.record_id, &c.field, None)?;
            if plan::incoming(local, waiting, lc.seq) != Incoming::Apply {
                continue;
            }
            let rec = match touched.entry(c.record_id) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let stored = load_record(&tx, c.record_id)?;
                    e.insert(StoredLeaves {
                        kind: stored.as_ref().map_or(c.kind, |r| r.kind),
                        village_id: stored.as_ref().map_or(c.village_id, |r| r.village_id),
                        leaves: stored.map(|r| leaves(&r.doc)).unwrap_or_default(),
                    })
                }
            };
            set_leaf(&mut rec.leaves, &c.field, &c.new);
            set_field_version(&tx, c.record_id, &c.field, lc.seq, &c.hlc)?;
            applied += 1;
        }
        for (id, rec) in touched {
            let record = StoredRecord {
                id,
                kind: rec.kind,
                village_id: rec.village_id,
                doc: doc_from_leaves(&rec.leaves),
            };
            write_record(&tx, &record, now)?;
        }
        tx.execute(
            "UPDATE sync_state SET cursor = MAX(cursor, ?1) WHERE id = 1",
            [next_after as i64],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// Lands a snapshot and sets the cursor to it, in one transaction. Every field it holds
    /// takes the snapshot's cursor as its seq: each later change of the county has a higher
    /// one, so that is exactly the base a local edit needs. A record the device already holds
    /// (or has edits waiting for) goes field by field, keeping what waits; the others are
    /// written whole. (Public for the fuzz targets.)
    pub fn apply_snapshot(&self, snap: &Snapshot) -> Result<usize, Error> {
        let records = snap
            .records()
            .map_err(|e| Error::BadResponse(e.to_string()))?;
        let now = self.now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let stamp = snap.hlc.clone().unwrap_or_else(|| Hlc::zero("server"));
        if let Some(hlc) = &snap.hlc {
            observe(&tx, hlc, now)?;
        }
        let stamp_text = stamp.to_string();
        let seq = snap.cursor;
        let mut applied = 0;
        for rec in &records {
            let known = load_record(&tx, rec.id)?.is_some() || has_waiting_record(&tx, rec.id)?;
            if known {
                for (path, value) in &rec.leaves {
                    if apply_remote(
                        &tx,
                        rec.id,
                        rec.kind,
                        rec.village_id,
                        path,
                        value,
                        seq,
                        &stamp,
                        now,
                    )? {
                        applied += 1;
                    }
                }
                if load_record(&tx, rec.id)?.is_some() {
                    continue;
                }
            }
            write_record(
                &tx,
                &StoredRecord {
                    id: rec.id,
                    kind: rec.kind,
                    village_id: rec.village_id,
                    doc: doc_from_leaves(&rec.leaves),
                },
                now,
            )?;
            if !known {
                let id = rec.id.to_string();
                let mut version = tx.prepare_cached(
                    "INSERT INTO field_versions (record_id, path, seq, hlc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (record_id, path) DO UPDATE
                       SET seq = excluded.seq, hlc = excluded.hlc",
                )?;
                for path in rec.leaves.keys() {
                    version.execute(params![id, path, seq as i64, stamp_text])?;
                }
                applied += rec.leaves.len();
            }
        }
        tx.execute(
            "UPDATE sync_state SET cursor = MAX(cursor, ?1), snapshot_done = 1 WHERE id = 1",
            [snap.cursor as i64],
        )?;
        tx.commit()?;
        Ok(applied)
    }
}

/// Whether any local edit of the record is still waiting for the server.
fn has_waiting_record(conn: &Connection, record: Uuid) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE record_id = ?1
           AND status IN ('pending', 'in_flight'))",
    )?
    .query_row([record.to_string()], |r| r.get(0))
}

/// Counts of a push's outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PushTally {
    pub accepted: usize,
    pub superseded: usize,
    pub refused: usize,
}

pub(crate) fn device_id(conn: &Connection) -> rusqlite::Result<Option<Uuid>> {
    let s: Option<String> =
        conn.query_row("SELECT device_id FROM sync_state WHERE id = 1", [], |r| {
            r.get(0)
        })?;
    Ok(s.and_then(|s| Uuid::parse_str(&s).ok()))
}

/// Applies a value the server holds, unless this device already has a newer one or its own
/// edit of the field is waiting. Returns whether it applied.
#[allow(clippy::too_many_arguments)]
fn apply_remote(
    conn: &Connection,
    record: Uuid,
    kind: RecordKind,
    village: Uuid,
    path: &str,
    value: &Value,
    seq: u64,
    hlc: &Hlc,
    now: i64,
) -> rusqlite::Result<bool> {
    let local = field_seq(conn, record, path)?;
    let waiting = has_waiting_edit(conn, record, path, None)?;
    match plan::incoming(local, waiting, seq) {
        Incoming::Stale | Incoming::KeepLocal => Ok(false),
        Incoming::Apply => {
            apply_field(conn, record, kind, village, path, value, now)?;
            set_field_version(conn, record, path, seq, hlc)?;
            Ok(true)
        }
    }
}

/// A value of ours the server accepted can still lose afterwards, to a concurrent edit from
/// elsewhere with a later stamp (the other edit did not see ours: its base is older than our
/// seq). The server keeps ours as a conflict; the device lists it among its conflicts too.
/// Our value is taken to be the one in place just before the pulled change: our accepted
/// edit of the field with the highest seq below it. (If a third device overwrote ours in
/// between, in sequence, the device lists ours although the county's conflict names the
/// third value: a rare over-report, never a miss.)
fn mark_overtaken(conn: &Connection, lc: &LoggedChange, now: i64) -> rusqlite::Result<()> {
    let c = &lc.change;
    let ours: Option<(String, i64, Option<String>)> = conn
        .query_row(
            "SELECT change_id, result_seq, new FROM outbox
             WHERE record_id = ?1 AND field = ?2 AND status = 'accepted' AND result_seq < ?3
             ORDER BY result_seq DESC LIMIT 1",
            params![c.record_id.to_string(), c.field, lc.seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((change_id, seq, new)) = ours else {
        return Ok(());
    };
    if plan::overtook(
        seq.max(0) as u64,
        &json_value(new),
        c.base_seq,
        lc.seq,
        &c.new,
    ) {
        conn.execute(
            "UPDATE outbox SET status = 'superseded', current = ?1, resolved_at = ?2
             WHERE change_id = ?3",
            params![json_text(&c.new), now, change_id],
        )?;
    }
    Ok(())
}
