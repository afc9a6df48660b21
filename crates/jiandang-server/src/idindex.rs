//! The county's ID index in the server database (`id_index`, issue 18): one row per member
//! or helper holding an ID number, as `jiandang_domain::county::persons::entry_of` gives it,
//! so that a push re-checks "one person in two households" against the whole county without
//! reading it ([`crate::recheck`]). It holds ID numbers: nothing here logs a key.
//!
//! Built whole from every stored record the first time it is needed (a file older than it,
//! or records written outside sync, as the demo writes them) and at every full run of the
//! checks ([`crate::problems`]); kept per push by [`crate::recheck`].

use std::collections::BTreeSet;

use jiandang_domain::county::IdEntry;
use jiandang_domain::county::persons::entries;
use jiandang_domain::judge::{Context, Judge, Register, register};
use jiandang_domain::{RecordKind, StoredRecord};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;
use crate::storage::{Scope, Store};

/// Every record of the county, as stored (a record that does not read is left out).
pub fn county_records(conn: &Connection) -> Result<Vec<StoredRecord>, AppError> {
    let (_, rows) = Store::new(conn).snapshot(Scope::County)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(StoredRecord {
                kind: r.kind?,
                id: r.id,
                village_id: r.village_id,
                doc: r.doc?,
            })
        })
        .collect())
}

/// Rebuilds the whole index from a register (a full run of the checks has one at hand).
pub fn rebuild(conn: &Connection, register: &Register, now_ms: i64) -> Result<(), AppError> {
    conn.execute("DELETE FROM id_index", [])?;
    for e in entries(register) {
        insert_entry(conn, &e)?;
    }
    conn.execute("DELETE FROM id_index_built", [])?;
    conn.execute(
        "INSERT INTO id_index_built (built_ms) VALUES (?1)",
        [now_ms],
    )?;
    Ok(())
}

/// Builds the index from every stored record when it has not been yet.
pub fn ensure_built(conn: &Connection, ctx: &Context<'_>, now_ms: i64) -> Result<(), AppError> {
    let built: Option<i64> = conn
        .prepare_cached("SELECT built_ms FROM id_index_built LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    if built.is_some() {
        return Ok(());
    }
    let records = county_records(conn)?;
    let none = BTreeSet::new();
    let register = register(&records, ctx, Judge::Only(&none));
    rebuild(conn, &register, now_ms)
}

/// The first six digits of the village's division code (its county), from its village
/// form; empty when it has none.
pub fn county_prefix(store: &Store<'_>, village: Uuid) -> Result<String, AppError> {
    Ok(store
        .records_of(village, &[RecordKind::Village])?
        .iter()
        .find_map(|r| {
            r.doc
                .pointer("/basic/division_code")
                .and_then(serde_json::Value::as_str)
                .map(|c| c.chars().take(6).collect())
        })
        .unwrap_or_default())
}

pub fn delete_entry(conn: &Connection, record: Uuid) -> Result<(), AppError> {
    conn.prepare_cached("DELETE FROM id_index WHERE record_id = ?1")?
        .execute([record.to_string()])?;
    Ok(())
}

pub fn insert_entry(conn: &Connection, e: &IdEntry) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO id_index (record_id, key, kind, household_id, village_id,
             county, present) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.record_id.to_string(),
        e.key,
        e.kind.as_str(),
        e.household_id.map(|h| h.to_string()),
        e.village_id.to_string(),
        e.county,
        e.present
    ])?;
    Ok(())
}

/// The index entries of every holder of `keys`.
pub fn entries_of_keys(
    conn: &Connection,
    keys: &BTreeSet<String>,
) -> Result<Vec<IdEntry>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT record_id, key, kind, household_id, village_id, county, present
         FROM id_index WHERE key = ?1",
    )?;
    let mut out = Vec::new();
    for key in keys {
        let mut rows = stmt.query([key])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(2)?;
            let Some(kind) = RecordKind::parse(&kind) else {
                continue;
            };
            let household: Option<String> = r.get(3)?;
            out.push(IdEntry {
                record_id: parse_uuid(&r.get::<_, String>(0)?)?,
                key: r.get(1)?,
                kind,
                household_id: household.as_deref().map(parse_uuid).transpose()?,
                village_id: parse_uuid(&r.get::<_, String>(4)?)?,
                county: r.get(5)?,
                present: r.get(6)?,
            });
        }
    }
    Ok(out)
}
