//! The records, their current field values and the change log (the audit trail): the one
//! door of the server to those three tables. Every read and write of them goes through a
//! [`Store`] over the caller's connection (a request's transaction, a savepoint of a group
//! commit), in the terms of the domain and the wire: records as [`StoredRecord`]s, changes
//! as [`Change`]s, log entries as [`LoggedChange`]s and [`HistoryEntry`]s. No other module
//! names those tables, so their layout (ids, how a value and its history are kept: issue 16)
//! can change here without touching a handler; a second database would implement these
//! methods.
//!
//! What is kept, today: `records` one row per record with its JSON form (null leaves left
//! out) and its last seq; `fields` one row per non-null leaf with the change that set it;
//! `change_log` every change taken in, accepted or superseded, numbered by the county seq.

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::{RecordKind, StoredRecord};
use jiandang_protocol::{Change, HistoryEntry, Hlc, LoggedChange, Outcome, limits, unflatten};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::parse_uuid;
use crate::error::AppError;
use crate::merge::Current;

/// The three tables on one connection.
#[derive(Clone, Copy)]
pub struct Store<'c> {
    conn: &'c Connection,
}

/// Who made a change: the user and the device it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Author {
    pub user: Uuid,
    pub device: Uuid,
}

/// How a logged change fared against the field's current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// It became the field's value.
    Accepted,
    /// A concurrent later edit kept the field; the change is in the log only.
    Superseded,
}

impl Logged {
    fn as_str(self) -> &'static str {
        match self {
            Logged::Accepted => "accepted",
            Logged::Superseded => "superseded",
        }
    }
}

/// A record's kind and village, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHead {
    /// `None`: a kind this server does not know.
    pub kind: Option<RecordKind>,
    pub village_id: Uuid,
}

/// The field a record links to its bundle by (`jiandang_domain::judge::link_of`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkField {
    /// `household_id`: the records of a household.
    Household,
    /// `subject_id`: photos and GPS fixes of a record.
    Subject,
}

/// Whose changes and records a read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every village (the county admin).
    County,
    /// The villages assigned to this user, directly or through its towns (a town officer),
    /// without their check records (a survey worker, a work-team member: a sample stays secret
    /// from the villages it checks).
    VillagesOf(Uuid),
    /// A supervisor's: the check records of its spot-check assignments and the 自然村 forms of
    /// their villages, nothing else of the register (`docs/spot-checks.md`).
    Checker(Uuid),
}

/// The records a supervisor's device holds, for user `?N`: the check records of its
/// assignments (a household check bound to an assigned plan and household; a screening bound
/// to an assigned plan and village to screen, in `spot_scope`) and the 自然村 forms of its
/// assignments' villages (what the screening forms name). A checker sees a household's
/// registered values only once its observation is sealed, through
/// `GET /api/v1/spotchecks/checks/{id}/register`.
macro_rules! checker_records {
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

/// A record as a snapshot sends it; `kind` or `doc` is `None` when it cannot be read.
#[derive(Debug, Clone)]
pub struct SnapshotRow {
    pub id: Uuid,
    pub kind: Option<RecordKind>,
    pub village_id: Uuid,
    pub doc: Option<Value>,
}

impl<'c> Store<'c> {
    pub fn new(conn: &'c Connection) -> Store<'c> {
        Store { conn }
    }

    /// The highest county sequence number so far.
    pub fn max_seq(&self) -> Result<u64, AppError> {
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM change_log")?
            .query_row([], |r| r.get(0))?)
    }

    /// The record's kind and village, if the server holds it.
    pub fn head(&self, id: Uuid) -> Result<Option<RecordHead>, AppError> {
        let row: Option<(String, String)> = self
            .conn
            .prepare_cached("SELECT kind, village_id FROM records WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(kind, village)| {
            Ok(RecordHead {
                kind: RecordKind::parse(&kind),
                village_id: parse_uuid(&village)?,
            })
        })
        .transpose()
    }

    /// The record as stored: its kind, village and JSON form. A form that cannot be read
    /// (written before the limits held, or damaged) is `null`, which the judgement reports
    /// as a record that does not read; a kind this server does not know is `None`.
    pub fn record(&self, id: Uuid) -> Result<Option<StoredRecord>, AppError> {
        let row: Option<(String, String, String)> = self
            .conn
            .prepare_cached("SELECT kind, village_id, doc FROM records WHERE id = ?1")?
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((kind, village, doc)) = row else {
            return Ok(None);
        };
        let Some(kind) = RecordKind::parse(&kind) else {
            return Ok(None);
        };
        Ok(Some(StoredRecord {
            kind,
            id,
            village_id: parse_uuid(&village)?,
            doc: read_form(&doc).unwrap_or(Value::Null),
        }))
    }

    /// The records of `village` whose `link` field names `target`, ordered by id.
    pub fn linking(
        &self,
        village: Uuid,
        link: LinkField,
        target: Uuid,
    ) -> Result<Vec<StoredRecord>, AppError> {
        // Not a join of fields and records: the partial index on the link is met by the
        // literal path, and the record's own row is one lookup by key.
        let sql = match link {
            LinkField::Household => {
                "SELECT r.id, r.kind, r.doc FROM records r WHERE r.id IN (
                     SELECT record_id FROM fields WHERE path = 'household_id' AND value = ?1)
                     AND r.village_id = ?2 ORDER BY r.id"
            }
            LinkField::Subject => {
                "SELECT r.id, r.kind, r.doc FROM records r WHERE r.id IN (
                     SELECT record_id FROM fields WHERE path = 'subject_id' AND value = ?1)
                     AND r.village_id = ?2 ORDER BY r.id"
            }
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(
            params![
                serde_json::to_string(&target.to_string())?,
                village.to_string()
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, doc) = row?;
            let Some(kind) = RecordKind::parse(&kind) else {
                continue;
            };
            out.push(StoredRecord {
                kind,
                id: parse_uuid(&id)?,
                village_id: village,
                doc: read_form(&doc).unwrap_or(Value::Null),
            });
        }
        Ok(out)
    }

    /// The records of `village` of the given kinds, ordered by id.
    pub fn records_of(
        &self,
        village: Uuid,
        kinds: &[RecordKind],
    ) -> Result<Vec<StoredRecord>, AppError> {
        // Kind by kind through the (village, kind) index: a village's few problems or fixes
        // are read without reading its thousand register documents.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, doc FROM records WHERE village_id = ?1 AND kind = ?2 ORDER BY id",
        )?;
        let mut out = Vec::new();
        let mut seen = Vec::with_capacity(kinds.len());
        for &kind in kinds {
            if seen.contains(&kind) {
                continue;
            }
            seen.push(kind);
            let rows = stmt.query_map([village.to_string(), kind.as_str().to_owned()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (id, doc) = row?;
                out.push(StoredRecord {
                    kind,
                    id: parse_uuid(&id)?,
                    village_id: village,
                    doc: serde_json::from_str(&doc)?,
                });
            }
        }
        if seen.len() > 1 {
            out.sort_by_key(|r| r.id);
        }
        Ok(out)
    }

    /// The village's version: its highest accepted change (0: none), so that what was made
    /// of its records can be kept until it moves (the dashboard's figures).
    pub fn village_version(&self, village: Uuid) -> Result<i64, AppError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COALESCE(MAX(seq), 0) FROM change_log
                 WHERE village_id = ?1 AND outcome = 'accepted'",
            )?
            .query_row([village.to_string()], |r| r.get(0))?)
    }

    /// The village's accepted changes counted per day of a clock `offset_ms` ahead of UTC
    /// (Beijing: 8 hours), days counted from the epoch.
    pub fn accepted_per_day(
        &self,
        village: Uuid,
        offset_ms: i64,
    ) -> Result<BTreeMap<i64, u64>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT (received_ms + ?2) / 86400000 AS day, COUNT(*) FROM change_log
             WHERE village_id = ?1 AND outcome = 'accepted' GROUP BY day",
        )?;
        let mut out = BTreeMap::new();
        for row in stmt.query_map(params![village.to_string(), offset_ms], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (day, n) = row?;
            out.insert(day, u64::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }

    /// The errors the judgement found on each household record of the village (its own and
    /// its bundle's).
    pub fn household_errors(&self, village: Uuid) -> Result<BTreeMap<Uuid, u64>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.record_id, f.errors FROM findings f JOIN records r ON r.id = f.record_id
             WHERE r.village_id = ?1 AND r.kind = 'household'",
        )?;
        let mut out = BTreeMap::new();
        for row in stmt.query_map([village.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })? {
            let (id, n) = row?;
            out.insert(parse_uuid(&id)?, u64::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }

    /// Every record of the county of the given kinds (the help set: units, helpers, work
    /// teams), ordered by id.
    pub fn records_of_kinds(&self, kinds: &[RecordKind]) -> Result<Vec<StoredRecord>, AppError> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, village_id, doc FROM records WHERE kind = ?1 ORDER BY id",
        )?;
        for kind in kinds {
            let rows = stmt.query_map([kind.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (id, village, doc) = row?;
                out.push(StoredRecord {
                    kind: *kind,
                    id: parse_uuid(&id)?,
                    village_id: parse_uuid(&village)?,
                    doc: read_form(&doc).unwrap_or(Value::Null),
                });
            }
        }
        Ok(out)
    }

    /// The villages of the photo records that name the blob `sha256` as their photo or
    /// thumbnail.
    pub fn villages_showing(&self, sha256: &str) -> Result<BTreeSet<Uuid>, AppError> {
        let name = serde_json::to_string(sha256)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT village_id FROM records WHERE kind = 'photo' AND id IN (
                 SELECT record_id FROM fields
                 WHERE path IN ('sha256', 'thumb_sha256') AND value = ?1)",
        )?;
        let mut rows = stmt.query([name])?;
        let mut out = BTreeSet::new();
        while let Some(row) = rows.next()? {
            if let Ok(village) = Uuid::parse_str(&row.get::<_, String>(0)?) {
                out.insert(village);
            }
        }
        Ok(out)
    }

    /// The field's current state and the user who set it.
    pub fn current(&self, record: Uuid, path: &str) -> Result<Option<(Current, Uuid)>, AppError> {
        let row: Option<(String, u64, String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT value, seq, hlc, device_id, user_id FROM fields
                 WHERE record_id = ?1 AND path = ?2",
            )?
            .query_row(params![record.to_string(), path], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        row.map(|(value, seq, hlc, device, user)| {
            Ok((
                Current {
                    value: serde_json::from_str(&value)?,
                    seq,
                    hlc: parse_hlc(&hlc)?,
                    device_id: parse_uuid(&device)?,
                },
                parse_uuid(&user)?,
            ))
        })
        .transpose()
    }

    /// The outcome of a change the log already holds (a change re-sent in another set):
    /// accepted with its seq, or superseded by the field's current value.
    pub fn logged_outcome(&self, change_id: Uuid) -> Result<Option<Outcome>, AppError> {
        let row: Option<(u64, String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT seq, outcome, record_id, field FROM change_log WHERE change_id = ?1",
            )?
            .query_row([change_id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let Some((seq, outcome, record, field)) = row else {
            return Ok(None);
        };
        if outcome == Logged::Accepted.as_str() {
            return Ok(Some(Outcome::Accepted { seq }));
        }
        let current = self.current(parse_uuid(&record)?, &field)?;
        let (seq, current) = current
            .map(|(c, _)| (c.seq, c.value))
            .unwrap_or((seq, Value::Null));
        Ok(Some(Outcome::Superseded { seq, current }))
    }

    /// Appends a change to the log; returns its county sequence number.
    pub fn log(
        &self,
        change: &Change,
        set_id: Uuid,
        by: Author,
        now_ms: i64,
        outcome: Logged,
    ) -> Result<u64, AppError> {
        self.conn
            .prepare_cached(
                "INSERT INTO change_log (change_id, change_set_id, record_id, kind, village_id,
                     field, old, new, base_seq, hlc, user_id, device_id, received_ms, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?
            .execute(params![
                change.change_id.to_string(),
                set_id.to_string(),
                change.record_id.to_string(),
                change.kind.as_str(),
                change.village_id.to_string(),
                change.field,
                serde_json::to_string(&change.old)?,
                serde_json::to_string(&change.new)?,
                change.base_seq,
                change.hlc.to_string(),
                by.user.to_string(),
                by.device.to_string(),
                now_ms,
                outcome.as_str(),
            ])?;
        u64::try_from(self.conn.last_insert_rowid()).map_err(|_| AppError::internal("negative seq"))
    }

    /// The record's row, made when the record is new; its last seq moves to `seq`. Once per
    /// record of a change set: its form follows in [`Store::update_form`].
    pub fn ensure_record(&self, change: &Change, seq: u64) -> Result<(), AppError> {
        self.conn
            .prepare_cached(
                "INSERT INTO records (id, kind, village_id, doc, updated_seq)
                 VALUES (?1, ?2, ?3, '{}', ?4)
                 ON CONFLICT (id) DO UPDATE SET updated_seq = excluded.updated_seq",
            )?
            .execute(params![
                change.record_id.to_string(),
                change.kind.as_str(),
                change.village_id.to_string(),
                seq
            ])?;
        Ok(())
    }

    /// Makes the change the field's current value: its value, seq and author.
    pub fn put_field(&self, change: &Change, seq: u64, by: Author) -> Result<(), AppError> {
        self.conn
            .prepare_cached(
                "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (record_id, path) DO UPDATE SET value = excluded.value,
                     seq = excluded.seq, hlc = excluded.hlc, user_id = excluded.user_id,
                     device_id = excluded.device_id",
            )?
            .execute(params![
                change.record_id.to_string(),
                change.field,
                serde_json::to_string(&change.new)?,
                seq,
                change.hlc.to_string(),
                by.user.to_string(),
                by.device.to_string()
            ])?;
        Ok(())
    }

    /// Brings a record's stored form up to date with a set's accepted edits of it (path, new
    /// value, seq; in order): the stored leaves with the edits laid over them give exactly
    /// what a rebuild from all the fields gives (`unflatten` resolves paths above and below
    /// each other the same way whichever leaves it is handed, and a leaf the form does not
    /// show is always overruled by one it shows), unless an edit clears a field: then a leaf
    /// it overruled may show again, and the form is rebuilt from the fields. A unit proptest
    /// holds the two equal.
    pub fn update_form(&self, record: Uuid, edits: &[(&str, &Value, u64)]) -> Result<(), AppError> {
        let doc: Option<String> = self
            .conn
            .prepare_cached("SELECT doc FROM records WHERE id = ?1")?
            .query_row([record.to_string()], |r| r.get(0))
            .optional()?;
        // A form that cannot be read (written before the limits held) is rebuilt from the
        // fields, so that the record can still be edited and the bad field cleared.
        let Some(doc) = doc.as_deref().and_then(read_form) else {
            return self.rebuild_form(record);
        };
        let mut leaves = form_leaves(&doc);
        let mut last = 0;
        for (path, value, seq) in edits {
            if value.is_null() {
                return self.rebuild_form(record);
            }
            leaves.insert((*path).to_owned(), (*value).clone());
            last = last.max(*seq);
        }
        self.conn
            .prepare_cached(
                "UPDATE records SET doc = ?2, updated_seq = MAX(updated_seq, ?3) WHERE id = ?1",
            )?
            .execute(params![
                record.to_string(),
                serde_json::to_string(&unflatten(&leaves))?,
                last
            ])?;
        Ok(())
    }

    /// Rewrites a record's JSON form from its fields (null leaves left out), and its last seq.
    pub fn rebuild_form(&self, record: Uuid) -> Result<(), AppError> {
        let leaves = self.leaves(record)?;
        self.conn
            .prepare_cached(
                "UPDATE records SET doc = ?2, updated_seq = MAX(updated_seq,
                     COALESCE((SELECT MAX(seq) FROM fields WHERE record_id = ?1), 0))
                 WHERE id = ?1",
            )?
            .execute(params![
                record.to_string(),
                serde_json::to_string(&unflatten(&leaves))?
            ])?;
        Ok(())
    }

    /// A record's non-null leaves, from its fields.
    fn leaves(&self, record: Uuid) -> Result<BTreeMap<String, Value>, AppError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path, value FROM fields WHERE record_id = ?1")?;
        let mut leaves = BTreeMap::new();
        for row in stmt.query_map([record.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (path, value) = row?;
            let value: Value = serde_json::from_str(&value)?;
            if !value.is_null() {
                leaves.insert(path, value);
            }
        }
        Ok(leaves)
    }

    /// Accepted changes after `after` in the villages of `scope`, in seq order, leaving out
    /// those sent by `except` (a device learns its own from its push answers); at most
    /// `limit`.
    pub fn accepted_after(
        &self,
        scope: Scope,
        after: u64,
        limit: u32,
        except: Uuid,
    ) -> Result<Vec<LoggedChange>, AppError> {
        const COLUMNS: &str = "SELECT seq, change_id, record_id, kind, village_id, field, old,
             new, base_seq, hlc, user_id, device_id FROM change_log";
        let (sql, user) = match scope {
            Scope::County => (
                format!(
                    "{COLUMNS} WHERE seq > ?1 AND outcome = 'accepted' AND ?2 IS NOT NULL
                         AND device_id <> ?3 ORDER BY seq LIMIT ?4"
                ),
                String::new(),
            ),
            Scope::VillagesOf(user) => (
                format!(
                    "{COLUMNS} WHERE seq > ?1 AND outcome = 'accepted'
                         AND village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?2
                     UNION SELECT v.id FROM user_towns ut JOIN villages v ON v.town_id = ut.town_id
                     WHERE ut.user_id = ?2)
                         AND kind NOT IN ('spot_check', 'screened_household', 'village_screening')
                         AND device_id <> ?3 ORDER BY seq LIMIT ?4"
                ),
                user.to_string(),
            ),
            Scope::Checker(user) => (
                format!(
                    "{COLUMNS} WHERE seq > ?1 AND outcome = 'accepted' AND device_id <> ?3
                         AND record_id IN ({}) ORDER BY seq LIMIT ?4",
                    checker_records!("?2")
                ),
                user.to_string(),
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![after, user, except.to_string(), limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(logged_change(row)?);
        }
        Ok(out)
    }

    /// Every record of the villages of `scope` (their forms as stored, `None` when they
    /// cannot be read), and the latest clock stamp among their fields.
    pub fn snapshot(&self, scope: Scope) -> Result<(Option<Hlc>, Vec<SnapshotRow>), AppError> {
        let (records_sql, hlc_sql, user) = match scope {
            Scope::County => (
                "SELECT id, kind, village_id, doc FROM records WHERE ?1 IS NOT NULL",
                "SELECT MAX(hlc) FROM fields WHERE ?1 IS NOT NULL",
                String::new(),
            ),
            Scope::VillagesOf(user) => (
                "SELECT id, kind, village_id, doc FROM records
                 WHERE village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?1
                     UNION SELECT v.id FROM user_towns ut JOIN villages v ON v.town_id = ut.town_id
                     WHERE ut.user_id = ?1)
                     AND kind NOT IN ('spot_check', 'screened_household', 'village_screening')",
                "SELECT MAX(f.hlc) FROM records r JOIN fields f ON f.record_id = r.id
                 WHERE r.village_id IN (SELECT village_id FROM user_villages WHERE user_id = ?1
                     UNION SELECT v.id FROM user_towns ut JOIN villages v ON v.town_id = ut.town_id
                     WHERE ut.user_id = ?1)
                     AND r.kind NOT IN ('spot_check', 'screened_household', 'village_screening')",
                user.to_string(),
            ),
            Scope::Checker(user) => (
                concat!(
                    "SELECT id, kind, village_id, doc FROM records WHERE id IN (",
                    checker_records!("?1"),
                    ")"
                ),
                concat!(
                    "SELECT MAX(hlc) FROM fields WHERE record_id IN (",
                    checker_records!("?1"),
                    ")"
                ),
                user.to_string(),
            ),
        };
        let hlc: Option<String> = self
            .conn
            .prepare_cached(hlc_sql)?
            .query_row([&user], |r| r.get(0))?;
        let hlc = hlc.as_deref().map(parse_hlc).transpose()?;
        let mut stmt = self.conn.prepare_cached(records_sql)?;
        let mut rows = stmt.query([&user])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(SnapshotRow {
                id: parse_uuid(&row.get::<_, String>(0)?)?,
                kind: RecordKind::parse(&row.get::<_, String>(1)?),
                village_id: parse_uuid(&row.get::<_, String>(2)?)?,
                doc: read_form(&row.get::<_, String>(3)?),
            });
        }
        Ok((hlc, out))
    }

    /// A record's history: the village of its first change, and every logged change of it
    /// in seq order with who made it. `None`: the log holds no change of the record.
    pub fn history(&self, record: Uuid) -> Result<Option<(Uuid, Vec<HistoryEntry>)>, AppError> {
        let village: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT village_id FROM change_log WHERE record_id = ?1 ORDER BY seq LIMIT 1",
            )?
            .query_row([record.to_string()], |r| r.get(0))
            .optional()?;
        let Some(village) = village else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.seq, l.change_id, l.field, l.old, l.new, l.outcome, l.hlc,
                    l.received_ms, l.user_id, COALESCE(u.username, ''), l.device_id,
                    COALESCE(d.name, CASE WHEN s.id IS NOT NULL THEN ?2 END, '')
             FROM change_log l
             LEFT JOIN users u ON u.id = l.user_id
             LEFT JOIN devices d ON d.id = l.device_id
             LEFT JOIN sessions s ON s.id = l.device_id
             WHERE l.record_id = ?1 ORDER BY l.seq",
        )?;
        // A change made on the county dashboard names its session as the device.
        let mut rows = stmt.query(rusqlite::params![
            record.to_string(),
            crate::session::DEVICE_NAME
        ])?;
        let mut entries = Vec::new();
        while let Some(r) = rows.next()? {
            entries.push(HistoryEntry {
                seq: r.get(0)?,
                change_id: parse_uuid(&r.get::<_, String>(1)?)?,
                field: r.get(2)?,
                old: serde_json::from_str(&r.get::<_, String>(3)?)?,
                new: serde_json::from_str(&r.get::<_, String>(4)?)?,
                outcome: r.get(5)?,
                hlc: parse_hlc(&r.get::<_, String>(6)?)?,
                received_ms: r.get(7)?,
                user_id: parse_uuid(&r.get::<_, String>(8)?)?,
                username: r.get(9)?,
                device_id: parse_uuid(&r.get::<_, String>(10)?)?,
                device_name: r.get(11)?,
            });
        }
        Ok(Some((parse_uuid(&village)?, entries)))
    }
}

/// Records written whole, outside sync (the demo county; a register import): each non-null
/// leaf logged as an accepted change of one set by one author, as a device's would be, with
/// stamps from one clock and change ids from the record's id and a running count, so the same
/// input makes the same database.
pub struct Import<'c> {
    store: Store<'c>,
    set_id: Uuid,
    by: Author,
    hlc: Hlc,
    now_ms: i64,
    /// Changes logged so far (and the low half of the next change id).
    pub changes: u64,
}

impl<'c> Import<'c> {
    /// An import as one change set, stamped by a clock of `node` at `now_ms`.
    pub fn new(conn: &'c Connection, set_id: Uuid, by: Author, node: &str, now_ms: i64) -> Self {
        Import {
            store: Store::new(conn),
            set_id,
            by,
            hlc: Hlc::zero(node),
            now_ms,
            changes: 0,
        }
    }

    /// Writes a new record whole: a logged change per non-null leaf, the fields, the form.
    pub fn record<T: Serialize>(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        village: Uuid,
        form: &T,
    ) -> Result<(), AppError> {
        let leaves = non_null_leaves(&serde_json::to_value(form)?);
        let mut seq = 0;
        for (path, value) in &leaves {
            let change = self.change(kind, id, village, path, Value::Null, value.clone());
            seq = self.write(&change, true)?;
        }
        self.conn()
            .prepare_cached(
                "INSERT INTO records (id, kind, village_id, doc, updated_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                id.to_string(),
                kind.as_str(),
                village.to_string(),
                serde_json::to_string(&unflatten(&leaves))?,
                seq
            ])?;
        Ok(())
    }

    /// Writes the fields where `after` differs from `before` as logged changes of an existing
    /// record, as a device's edit would be: the old and new value in the log, the field's
    /// current value, the record's form.
    pub fn update<T: Serialize>(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        village: Uuid,
        before: &T,
        after: &T,
    ) -> Result<(), AppError> {
        let old = non_null_leaves(&serde_json::to_value(before)?);
        let new = non_null_leaves(&serde_json::to_value(after)?);
        let mut paths: BTreeSet<&String> = old.keys().collect();
        paths.extend(new.keys());
        let mut last = None;
        for path in paths {
            let (o, n) = (old.get(path), new.get(path));
            if o == n {
                continue;
            }
            let change = self.change(
                kind,
                id,
                village,
                path,
                o.cloned().unwrap_or(Value::Null),
                n.cloned().unwrap_or(Value::Null),
            );
            last = Some(self.write(&change, n.is_some())?);
        }
        if let Some(seq) = last {
            self.conn()
                .prepare_cached("UPDATE records SET doc = ?2, updated_seq = ?3 WHERE id = ?1")?
                .execute(params![
                    id.to_string(),
                    serde_json::to_string(&unflatten(&new))?,
                    seq
                ])?;
        }
        Ok(())
    }

    fn conn(&self) -> &'c Connection {
        self.store.conn
    }

    fn change(
        &mut self,
        kind: RecordKind,
        id: Uuid,
        village: Uuid,
        path: &str,
        old: Value,
        new: Value,
    ) -> Change {
        self.hlc = self.hlc.tick(self.now_ms);
        Change {
            change_id: Uuid::from_u128(u128::from(self.changes) | (id.as_u128() << 64)),
            record_id: id,
            kind,
            village_id: village,
            field: path.to_owned(),
            old,
            new,
            base_seq: 0,
            hlc: self.hlc.clone(),
        }
    }

    /// Logs the change and sets (or, `keep` false, removes) the field.
    fn write(&mut self, change: &Change, keep: bool) -> Result<u64, AppError> {
        let seq = self
            .store
            .log(change, self.set_id, self.by, self.now_ms, Logged::Accepted)?;
        if keep {
            self.store.put_field(change, seq, self.by)?;
        } else {
            self.conn()
                .prepare_cached("DELETE FROM fields WHERE record_id = ?1 AND path = ?2")?
                .execute(params![change.record_id.to_string(), change.field])?;
        }
        self.changes += 1;
        Ok(seq)
    }
}

/// A record's stored JSON form, if it can be read and is no deeper than fields within the
/// limits make it (`None`: a form written before the limits held, or damaged).
pub fn read_form(text: &str) -> Option<Value> {
    serde_json::from_str(text)
        .ok()
        .filter(limits::form_within_limits)
}

/// A stored JSON form's non-null leaves (an empty form has none).
pub fn form_leaves(doc: &Value) -> BTreeMap<String, Value> {
    match doc {
        Value::Null => BTreeMap::new(),
        Value::Object(m) if m.is_empty() => BTreeMap::new(),
        other => non_null_leaves(other),
    }
}

fn non_null_leaves(doc: &Value) -> BTreeMap<String, Value> {
    jiandang_protocol::flatten(doc)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect()
}

pub fn parse_hlc(s: &str) -> Result<Hlc, AppError> {
    Hlc::parse(s).map_err(|_| AppError::internal(format!("bad hlc in db: {s}")))
}

fn logged_change(row: &Row<'_>) -> Result<LoggedChange, AppError> {
    let text = |i: usize| row.get::<_, String>(i);
    let kind = text(3)?;
    Ok(LoggedChange {
        seq: row.get(0)?,
        change: Change {
            change_id: parse_uuid(&text(1)?)?,
            record_id: parse_uuid(&text(2)?)?,
            kind: RecordKind::parse(&kind)
                .ok_or_else(|| AppError::internal(format!("bad kind in db: {kind}")))?,
            village_id: parse_uuid(&text(4)?)?,
            field: text(5)?,
            old: serde_json::from_str(&text(6)?)?,
            new: serde_json::from_str(&text(7)?)?,
            base_seq: row.get(8)?,
            hlc: parse_hlc(&text(9)?)?,
        },
        user_id: parse_uuid(&text(10)?)?,
        device_id: parse_uuid(&text(11)?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiandang_protocol::Hlc;
    use proptest::prelude::*;
    use serde_json::json;

    /// Paths that lie above and below each other, so that patches meet every case.
    const PATHS: [&str; 6] = ["a", "a.b", "a.c", "a.b.d", "b", "c.x"];

    fn edit() -> impl Strategy<Value = (usize, Option<i64>)> {
        (0..PATHS.len(), prop::option::weighted(0.8, 0i64..5))
    }

    proptest! {
        /// Patching the stored form gives what rebuilding it from the fields gives, after
        /// any sequence of sets of edits.
        #[test]
        fn a_patched_form_equals_the_rebuilt_one(sets in prop::collection::vec(prop::collection::vec(edit(), 1..5), 1..6)) {
            let mut conn = Connection::open_in_memory().unwrap();
            crate::db::migrate(&mut conn).unwrap();
            conn.execute("INSERT INTO towns (id, name) VALUES ('t', 't')", []).unwrap();
            conn.execute("INSERT INTO villages (id, town_id, name) VALUES (?1, 't', 'v')", [Uuid::nil().to_string()]).unwrap();
            let store = Store::new(&conn);
            let by = Author { user: Uuid::nil(), device: Uuid::nil() };
            let record = Uuid::from_u128(7);
            let mut seq = 0;
            for set in sets {
                let mut edits = Vec::new();
                let changes: Vec<Change> = set.iter().map(|(p, v)| Change {
                    change_id: Uuid::new_v4(),
                    record_id: record,
                    kind: RecordKind::Household,
                    village_id: Uuid::nil(),
                    field: PATHS[*p].to_owned(),
                    old: Value::Null,
                    new: v.map_or(Value::Null, |v| json!(v)),
                    base_seq: 0,
                    hlc: Hlc::zero("t"),
                }).collect();
                for c in &changes {
                    seq += 1;
                    store.ensure_record(c, seq).unwrap();
                    store.put_field(c, seq, by).unwrap();
                    edits.push((c.field.as_str(), &c.new, seq));
                }
                store.update_form(record, &edits).unwrap();
                let patched: String = conn.query_row("SELECT doc FROM records", [], |r| r.get(0)).unwrap();
                store.rebuild_form(record).unwrap();
                let rebuilt: String = conn.query_row("SELECT doc FROM records", [], |r| r.get(0)).unwrap();
                prop_assert_eq!(patched, rebuilt);
            }
        }
    }
}

/// The spot-checks' reads of these tables (`crate::spotchecks::register` re-exports them): the
/// frame's records at one version, one household's bundle, a plan's check records, a record's
/// stored field. A supervisor's sync scope is [`Scope::Checker`].
pub mod spot {
    use jiandang_domain::{RecordKind, StoredRecord};
    use rusqlite::{Connection, OptionalExtension, params};
    use serde_json::Value;
    use uuid::Uuid;

    use crate::auth::parse_uuid;
    use crate::error::AppError;

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

    fn stored(row: &rusqlite::Row<'_>) -> Result<Option<StoredRecord>, AppError> {
        let id = parse_uuid(&row.get::<_, String>(0)?)?;
        let kind: String = row.get(1)?;
        let Some(kind) = RecordKind::parse(&kind) else {
            return Ok(None);
        };
        let doc: Option<Value> = super::read_form(&row.get::<_, String>(3)?);
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
}
