//! What the app asks of the replica: households of a village with search, filters and
//! counts; a household with everything attached to it; the outbox as the user sees it
//! (waiting, refused with reasons, conflicts); photo upload progress; and the domain rules
//! run on save.

use jiandang_domain::{Finding, RecordKind};
use rusqlite::Connection;
use serde_json::Value;
use uuid::Uuid;

use crate::store::{StoredRecord, record_from_row};
use crate::{Error, Replica};

/// Where the household list looks inside the records' JSON forms (the domain's field names).
pub mod paths {
    /// 户编号 (aac001).
    pub const HOUSEHOLD_NUMBER: &str = "$.household_number";
    /// 户主姓名 (aac029).
    pub const HEAD_NAME: &str = "$.head_name";
    /// 户主证件号码 (aac031).
    pub const HEAD_ID_NUMBER: &str = "$.head_id_number";
    /// 脱贫状态 (aar010): `not_exited`, `exited`, `pre_exit`, `returned`, `exited_no_policy`.
    pub const STATUS: &str = "$.status";
    /// 脱贫年度.
    pub const EXIT_YEAR: &str = "$.exit_year";
    /// 识别年度 (aar041).
    pub const IDENTIFIED_YEAR: &str = "$.identified_year";
    /// The date of the last household visit, `YYYY-MM-DD`.
    pub const VISITED_ON: &str = "$.visited_on";
    /// On a member, change, photo or GPS record: the household it belongs to.
    pub const HOUSEHOLD_ID: &str = "$.household_id";
    /// On a photo or GPS fix: the record it belongs to.
    pub const SUBJECT_ID: &str = "$.subject_id";
    /// On a member: 证件号码.
    pub const MEMBER_ID_NUMBER: &str = "$.id_number";
    /// On a member: 姓名.
    pub const MEMBER_NAME: &str = "$.name";
}

/// The filters of the household list (any combination; all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct HouseholdFilter {
    /// Name (household head or any member), household number, or the last digits of an ID
    /// number.
    pub search: Option<String>,
    /// 在册: not exited, or fallen back.
    pub registered: bool,
    /// Exited in `year`.
    pub exited_this_year: bool,
    /// Identified (新识别) in `year`.
    pub new: bool,
    /// Fell back into poverty (返贫).
    pub returned: bool,
    /// A rule found an error on the household or its members.
    pub has_errors: bool,
    /// No visit recorded in `year`.
    pub not_visited_this_year: bool,
    /// Has local edits not yet accepted by the server.
    pub waiting_to_sync: bool,
    /// The year "this year" means (the policy year, e.g. 2018).
    pub year: i32,
}

/// One line of the household list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdRow {
    pub id: Uuid,
    pub household_number: Option<String>,
    pub head_name: Option<String>,
    pub status: Option<String>,
    pub members: u32,
    pub has_errors: bool,
    pub waiting: u32,
}

/// A household with everything attached to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdBundle {
    pub household: StoredRecord,
    /// Members, member changes, exit measures, procedures, GPS fixes and photos of the
    /// household (and photos and fixes of its members).
    pub attached: Vec<StoredRecord>,
    pub findings: Vec<Finding>,
}

/// One outbox row as the user sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxEntry {
    pub change_id: Uuid,
    pub record_id: Uuid,
    pub kind: String,
    pub field: String,
    pub new: Value,
    pub status: String,
    pub refusal_code: Option<String>,
    pub refusal_message: Option<String>,
}

/// The sync state as the app shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxSummary {
    /// Field edits not yet answered by the server.
    pub waiting: u32,
    pub accepted: u32,
    /// Refused edits, kept with the server's reason.
    pub refused: Vec<OutboxEntry>,
    /// Edits that lost to a later edit elsewhere.
    pub conflicts: Vec<OutboxEntry>,
    pub photos: PhotoProgress,
    /// When the last sync round finished (UTC ms).
    pub last_sync_at: Option<i64>,
}

/// Photos N of M uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PhotoProgress {
    pub uploaded: u32,
    pub total: u32,
    pub bytes_uploaded: u64,
    pub bytes_total: u64,
}

/// The domain rules on a saved record, with its household around it.
pub(crate) fn rule_findings(
    _conn: &Connection,
    _record: &StoredRecord,
) -> Result<Vec<Finding>, Error> {
    // The domain crate's household-bundle rules plug in here as they land; until then a save
    // reports no findings rather than guessing rules of its own.
    Ok(Vec::new())
}

const WAITING_SQL: &str = "(SELECT COUNT(*) FROM outbox o WHERE o.status IN ('pending', 'in_flight')
      AND (o.record_id = h.id OR o.record_id IN
           (SELECT m.id FROM records m WHERE json_extract(m.doc, '$.household_id') = h.id)))";

const ERRORS_SQL: &str = "EXISTS (SELECT 1 FROM findings f WHERE f.has_errors = 1
      AND (f.record_id = h.id OR f.record_id IN
           (SELECT m.id FROM records m WHERE json_extract(m.doc, '$.household_id') = h.id)))";

impl Replica {
    /// Households of a village matching `filter`, by household number then id.
    pub fn households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdRow>, Error> {
        let (sql, args) = household_query(village_id, filter, false);
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
            let id: String = r.get(0)?;
            Ok(HouseholdRow {
                id: Uuid::parse_str(&id).unwrap_or_default(),
                household_number: r.get(1)?,
                head_name: r.get(2)?,
                status: r.get(3)?,
                members: r.get(4)?,
                has_errors: r.get(5)?,
                waiting: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// How many households of a village match `filter`.
    pub fn count_households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<u32, Error> {
        let (sql, args) = household_query(village_id, filter, true);
        let conn = self.conn();
        Ok(conn.query_row(&sql, rusqlite::params_from_iter(args.iter()), |r| r.get(0))?)
    }

    /// A household and every record attached to it, with the findings on all of them.
    pub fn household_bundle(&self, id: Uuid) -> Result<HouseholdBundle, Error> {
        let household = self.get_record(id)?.ok_or(Error::NotFound)?;
        let attached = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT id, kind, village_id, doc FROM records r
                 WHERE r.id <> ?1 AND (json_extract(r.doc, '$.household_id') = ?1
                    OR json_extract(r.doc, '$.subject_id') = ?1
                    OR json_extract(r.doc, '$.subject_id') IN
                       (SELECT m.id FROM records m WHERE json_extract(m.doc, '$.household_id') = ?1))
                 ORDER BY kind, id",
            )?;
            let rows = stmt.query_map([id.to_string()], record_from_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut findings = self.findings(id)?;
        for r in &attached {
            findings.extend(self.findings(r.id)?);
        }
        Ok(HouseholdBundle {
            household,
            attached,
            findings,
        })
    }

    /// The outbox as the user sees it.
    pub fn outbox_summary(&self) -> Result<OutboxSummary, Error> {
        let photos = self.photo_progress()?;
        let conn = self.conn();
        let count = |status: &str| -> rusqlite::Result<u32> {
            conn.query_row(
                "SELECT COUNT(*) FROM outbox WHERE status = ?1",
                [status],
                |r| r.get(0),
            )
        };
        let waiting = count("pending")? + count("in_flight")?;
        let accepted = count("accepted")?;
        let entries = |status: &str| -> rusqlite::Result<Vec<OutboxEntry>> {
            let mut stmt = conn.prepare(
                "SELECT change_id, record_id, kind, field, new, status, refusal_code,
                   refusal_message FROM outbox WHERE status = ?1 ORDER BY hlc",
            )?;
            let rows = stmt.query_map([status], |r| {
                let change: String = r.get(0)?;
                let record: String = r.get(1)?;
                let new: Option<String> = r.get(4)?;
                Ok(OutboxEntry {
                    change_id: Uuid::parse_str(&change).unwrap_or_default(),
                    record_id: Uuid::parse_str(&record).unwrap_or_default(),
                    kind: r.get(2)?,
                    field: r.get(3)?,
                    new: new
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or(Value::Null),
                    status: r.get(5)?,
                    refusal_code: r.get(6)?,
                    refusal_message: r.get(7)?,
                })
            })?;
            rows.collect()
        };
        let last_sync_at: Option<i64> =
            conn.query_row("SELECT last_sync_at FROM sync_state WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        Ok(OutboxSummary {
            waiting,
            accepted,
            refused: entries("refused")?,
            conflicts: entries("superseded")?,
            photos,
            last_sync_at,
        })
    }

    /// Every outbox row, oldest first (for the sync screen and tests).
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT change_id, record_id, kind, field, new, status, refusal_code, refusal_message
             FROM outbox ORDER BY hlc, change_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let change: String = r.get(0)?;
            let record: String = r.get(1)?;
            let new: Option<String> = r.get(4)?;
            Ok(OutboxEntry {
                change_id: Uuid::parse_str(&change).unwrap_or_default(),
                record_id: Uuid::parse_str(&record).unwrap_or_default(),
                kind: r.get(2)?,
                field: r.get(3)?,
                new: new
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or(Value::Null),
                status: r.get(5)?,
                refusal_code: r.get(6)?,
                refusal_message: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Photos (not thumbnails) N of M uploaded, with bytes.
    pub fn photo_progress(&self) -> Result<PhotoProgress, Error> {
        let conn = self.conn();
        Ok(conn.query_row(
            "SELECT COALESCE(SUM(complete), 0), COUNT(*), COALESCE(SUM(uploaded), 0),
               COALESCE(SUM(bytes), 0) FROM photos WHERE role = 'photo'",
            [],
            |r| {
                Ok(PhotoProgress {
                    uploaded: r.get(0)?,
                    total: r.get(1)?,
                    bytes_uploaded: r.get::<_, i64>(2)?.max(0) as u64,
                    bytes_total: r.get::<_, i64>(3)?.max(0) as u64,
                })
            },
        )?)
    }
}

/// Builds the household list query: one SQL text, arguments bound, never spliced.
fn household_query(
    village_id: Uuid,
    f: &HouseholdFilter,
    count_only: bool,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value as V;
    let mut args: Vec<V> = vec![
        V::Text(village_id.to_string()),
        V::Text(RecordKind::Household.as_str().to_owned()),
    ];
    let mut conds = vec!["h.village_id = ?1".to_owned(), "h.kind = ?2".to_owned()];
    let year = i64::from(f.year);
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        args.push(V::Text(s.to_owned()));
        let n = args.len();
        conds.push(format!(
            "(instr(COALESCE(json_extract(h.doc, '{name}'), ''), ?{n}) > 0
              OR instr(COALESCE(json_extract(h.doc, '{number}'), ''), ?{n}) > 0
              OR COALESCE(json_extract(h.doc, '{id}'), '') LIKE '%' || ?{n}
              OR EXISTS (SELECT 1 FROM records m WHERE json_extract(m.doc, '$.household_id') = h.id
                   AND (instr(COALESCE(json_extract(m.doc, '{mname}'), ''), ?{n}) > 0
                        OR COALESCE(json_extract(m.doc, '{mid}'), '') LIKE '%' || ?{n})))",
            name = paths::HEAD_NAME,
            number = paths::HOUSEHOLD_NUMBER,
            id = paths::HEAD_ID_NUMBER,
            mname = paths::MEMBER_NAME,
            mid = paths::MEMBER_ID_NUMBER,
        ));
    }
    let status = format!("json_extract(h.doc, '{}')", paths::STATUS);
    if f.registered {
        conds.push(format!(
            "COALESCE({status}, 'not_exited') IN ('not_exited', 'pre_exit', 'returned')"
        ));
    }
    if f.exited_this_year {
        conds.push(format!(
            "CAST(json_extract(h.doc, '{}') AS INTEGER) = {year}",
            paths::EXIT_YEAR
        ));
    }
    if f.new {
        conds.push(format!(
            "CAST(json_extract(h.doc, '{}') AS INTEGER) = {year}",
            paths::IDENTIFIED_YEAR
        ));
    }
    if f.returned {
        conds.push(format!("{status} = 'returned'"));
    }
    if f.has_errors {
        conds.push(ERRORS_SQL.to_owned());
    }
    if f.not_visited_this_year {
        conds.push(format!(
            "COALESCE(substr(json_extract(h.doc, '{}'), 1, 4), '') <> '{year:04}'",
            paths::VISITED_ON
        ));
    }
    if f.waiting_to_sync {
        conds.push(format!("{WAITING_SQL} > 0"));
    }
    let filter = conds.join(" AND ");
    let sql = if count_only {
        format!("SELECT COUNT(*) FROM records h WHERE {filter}")
    } else {
        format!(
            "SELECT h.id, json_extract(h.doc, '{number}'), json_extract(h.doc, '{name}'), {status},
               (SELECT COUNT(*) FROM records m WHERE m.kind = 'member'
                  AND json_extract(m.doc, '$.household_id') = h.id),
               {ERRORS_SQL}, {WAITING_SQL}
             FROM records h WHERE {filter}
             ORDER BY json_extract(h.doc, '{number}'), h.id",
            number = paths::HOUSEHOLD_NUMBER,
            name = paths::HEAD_NAME,
        )
    };
    (sql, args)
}
