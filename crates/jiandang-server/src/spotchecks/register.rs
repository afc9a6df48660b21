//! Every read the spot-checks make of the register's tables (`records`, `fields`,
//! `change_log`), in one place: the frame's records at one version, one household's bundle,
//! a plan's check records, a record's stored field, and the SQL that scopes a supervisor's
//! snapshot and pull. When those tables move behind the server's storage module, these
//! functions are what moves.

use jiandang_domain::{RecordKind, StoredRecord};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;

/// The record kinds a supervisor's check produces (入户核查表, 非建档立卡户排查表, 村排查情况表).
pub fn is_spot_kind(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::SpotCheck | RecordKind::ScreenedHousehold | RecordKind::VillageScreening
    )
}

/// The register as a frame reads it: every household, member and 贫困村 form, every village
/// of the county, and the register's version (the county's change sequence number), all
/// from one read transaction so that the version is the one the records are at.
pub fn frame_records(conn: &mut Connection) -> Result<FrameRead, AppError> {
    let tx = conn.transaction()?;
    let version: u64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM change_log")?
        .query_row([], |r| r.get(0))?;
    let mut villages = Vec::new();
    {
        let mut stmt = tx.prepare_cached("SELECT id FROM villages ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            villages.push(parse_uuid(&row.get::<_, String>(0)?)?);
        }
    }
    let mut records = Vec::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT id, kind, village_id, doc FROM records
             WHERE kind IN ('household', 'member', 'village')",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(record) = stored(row)? {
                records.push(record);
            }
        }
    }
    tx.finish()?;
    Ok(FrameRead {
        version,
        villages,
        records,
    })
}

/// What [`frame_records`] read.
pub struct FrameRead {
    pub version: u64,
    /// Every village of the county, whether or not its form is filled in.
    pub villages: Vec<Uuid>,
    pub records: Vec<StoredRecord>,
}

/// A household's record and its members' records, as stored (none when the household is not
/// in the register).
pub fn household_records(
    conn: &Connection,
    household: Uuid,
) -> Result<Vec<StoredRecord>, AppError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records
         WHERE (id = ?1 AND kind = 'household')
            OR (kind = 'member' AND id IN (
                 SELECT record_id FROM fields WHERE path = 'household_id' AND value = ?2))",
    )?;
    let mut rows = stmt.query(params![
        household.to_string(),
        serde_json::to_string(&household.to_string())?
    ])?;
    while let Some(row) = rows.next()? {
        if let Some(record) = stored(row)? {
            out.push(record);
        }
    }
    Ok(out)
}

/// The check records of a plan (the three spot-check kinds whose `plan_id` is the plan's) in
/// the given villages, and the ids of those whose stored form cannot be read.
pub fn plan_records(
    conn: &Connection,
    plan: Uuid,
    villages: &[Uuid],
) -> Result<(Vec<StoredRecord>, Vec<Uuid>), AppError> {
    let (mut out, mut unreadable) = (Vec::new(), Vec::new());
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, village_id, doc FROM records
         WHERE village_id = ?1
           AND kind IN ('spot_check', 'screened_household', 'village_screening')
           AND CASE WHEN json_valid(doc) THEN json_extract(doc, '$.plan_id') END = ?2
         ORDER BY id",
    )?;
    for village in villages {
        let mut rows = stmt.query(params![village.to_string(), plan.to_string()])?;
        while let Some(row) = rows.next()? {
            match stored(row)? {
                Some(record) => out.push(record),
                None => unreadable.push(parse_uuid(&row.get::<_, String>(0)?)?),
            }
        }
    }
    Ok((out, unreadable))
}

/// One record as stored, if the server holds it.
pub fn record(conn: &Connection, id: Uuid) -> Result<Option<StoredRecord>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, kind, village_id, doc FROM records WHERE id = ?1")?;
    let mut rows = stmt.query([id.to_string()])?;
    match rows.next()? {
        Some(row) => stored(row),
        None => Ok(None),
    }
}

/// The current value of a record's field (null when cleared; `None` when never set).
pub fn stored_field(
    conn: &Connection,
    record: Uuid,
    path: &str,
) -> Result<Option<Value>, AppError> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM fields WHERE record_id = ?1 AND path = ?2")?
        .query_row(params![record.to_string(), path], |r| r.get(0))
        .optional()?;
    value
        .map(|v| serde_json::from_str(&v).map_err(AppError::from))
        .transpose()
}

/// The records a supervisor's device holds, for user `?N`: the check records of its
/// assignments (a household check bound to an assigned plan and household; a screening bound
/// to an assigned plan and village to screen) and the 自然村 forms of its assignments'
/// villages (what the screening forms name). Nothing else of the register: a checker sees a
/// household's registered values only once its observation is sealed, through
/// `GET /api/v1/spotchecks/checks/{id}/register`.
macro_rules! supervisor_records {
    ($user:literal) => {
        concat!(
            "SELECT r.id FROM spot_scope s JOIN records r ON r.village_id = s.village_id
             WHERE s.user_id = ",
            $user,
            " AND (r.kind = 'natural_village'
                OR (r.kind IN ('spot_check', 'screened_household', 'village_screening')
                    AND CASE WHEN json_valid(r.doc) THEN json_extract(r.doc, '$.plan_id') END
                        = s.plan_id
                    AND CASE WHEN r.kind <> 'spot_check' THEN s.household_id = ''
                        WHEN json_valid(r.doc)
                        THEN s.household_id <> ''
                             AND json_extract(r.doc, '$.household_id') = s.household_id
                        END))"
        )
    };
}

/// A supervisor's pull page: `?1` after, `?2` user, `?3` the caller's device, `?4` limit;
/// the columns of every pull.
pub const SUPERVISOR_PULL_SQL: &str = concat!(
    "SELECT seq, change_id, record_id, kind, village_id, field, old, new, base_seq, hlc,
         user_id, device_id
     FROM change_log WHERE seq > ?1 AND outcome = 'accepted' AND device_id <> ?3
         AND record_id IN (",
    supervisor_records!("?2"),
    ") ORDER BY seq LIMIT ?4"
);

/// A supervisor's snapshot records, `?1` user.
pub const SUPERVISOR_SNAPSHOT_SQL: &str = concat!(
    "SELECT id, kind, village_id, doc FROM records WHERE id IN (",
    supervisor_records!("?1"),
    ")"
);

/// The latest stamp among a supervisor's snapshot records, `?1` user.
pub const SUPERVISOR_SNAPSHOT_HLC_SQL: &str = concat!(
    "SELECT MAX(hlc) FROM fields WHERE record_id IN (",
    supervisor_records!("?1"),
    ")"
);

fn stored(row: &rusqlite::Row<'_>) -> Result<Option<StoredRecord>, AppError> {
    let id = parse_uuid(&row.get::<_, String>(0)?)?;
    let kind: String = row.get(1)?;
    let Some(kind) = RecordKind::parse(&kind) else {
        return Ok(None);
    };
    let doc: Option<Value> = crate::sync::read_form(&row.get::<_, String>(3)?);
    let Some(doc) = doc else {
        tracing::warn!(record = %id, "spot-checks: a stored record cannot be read; left out");
        return Ok(None);
    };
    Ok(Some(StoredRecord {
        kind,
        id,
        village_id: parse_uuid(&row.get::<_, String>(2)?)?,
        doc,
    }))
}
