//! What the app asks of the replica: households of a village with search, filters and
//! counts; a household with everything attached to it; the outbox as the user sees it
//! (waiting, refused with reasons, conflicts); photo upload progress.

use std::collections::BTreeMap;

use jiandang_domain::Date;
use jiandang_domain::{Finding, RecordKind};
use serde_json::Value;
use uuid::Uuid;

use crate::store::{StoredRecord, record_from_row};
use crate::{Error, Replica};

/// Where the household list looks inside the records' JSON forms: the field names of
/// `jiandang_domain::household::Household` and `member::Member`.
pub mod paths {
    /// 户编号 (aac001).
    pub const HOUSEHOLD_NUMBER: &str = "$.basic.household_number";
    /// 脱贫状态 (aar010), codes: 0 未脱贫, 1 已脱贫, 2 预脱贫, 3 返贫, 4 已脱贫(不再享受政策).
    pub const STATUS: &str = "$.basic.status";
    /// 脱贫年度.
    pub const EXIT_YEAR: &str = "$.basic.exit_year";
    /// 识别年度 (aar041).
    pub const IDENTIFIED_YEAR: &str = "$.basic.identified_year";
    /// 入户核实日期 (`YYYY-MM-DD`): the household list's "visited this year", as
    /// `jiandang_domain::household::visited_in` decides it.
    pub const VISITED_ON: &str = "$.basic.visited_on";
    /// On a member, change, procedure or exit-measure record: the household it belongs to.
    pub const HOUSEHOLD_ID: &str = "$.household_id";
    /// On a photo or GPS fix: the record it belongs to.
    pub const SUBJECT_ID: &str = "$.subject_id";
    /// On a member: 证件号码.
    pub const MEMBER_ID_NUMBER: &str = "$.id_number";
    /// On a member: 姓名.
    pub const MEMBER_NAME: &str = "$.name";
    /// On a member: 与户主关系; `01` is 户主.
    pub const MEMBER_RELATIONSHIP: &str = "$.relationship";
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
    /// Not visited (入户核实) this year: no 入户核实日期 on or after `visits_from`
    /// (`jiandang_domain::household::visited_in`).
    pub not_visited_this_year: bool,
    /// Has local edits not yet accepted by the server.
    pub waiting_to_sync: bool,
    /// The year "this year" means (the policy year, e.g. 2018).
    pub year: i32,
    /// The first day a visit counts for this year (`YearPolicy::visits_from`); `None`: any
    /// recorded visit counts.
    pub visits_from: Option<Date>,
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
    /// 入户核实日期, when recorded (and a valid date).
    pub visited_on: Option<Date>,
}

/// A household with everything attached to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdBundle {
    pub household: StoredRecord,
    /// Members, member changes, exit measures, procedures, exit procedures, visits, GPS
    /// fixes and photos of the household (and photos and fixes of its members).
    pub attached: Vec<StoredRecord>,
    /// The household's findings: its own (paths relative to it) and its bundle's (paths in
    /// the household file form: `members`, `exit_procedures`).
    pub findings: Vec<Finding>,
    /// Each attached record's own findings, paths relative to it.
    pub record_findings: BTreeMap<Uuid, Vec<Finding>>,
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
    /// Refused edits, kept with the server's reason (those not edited again since).
    pub refused: Vec<OutboxEntry>,
    /// Edits that lost to a later edit elsewhere (those not edited again since).
    pub conflicts: Vec<OutboxEntry>,
    pub photos: PhotoProgress,
    /// When the last sync round finished (UTC ms).
    pub last_sync_at: Option<i64>,
    /// How far the server's clock was from this device's on its last answer (server minus
    /// device, ms; positive: the device is slow); `None` before any answer.
    pub clock_skew_ms: Option<i64>,
    /// Whether the device's clock is off by more than the server tolerates
    /// (`jiandang_protocol::CLOCK_TOLERANCE_MS`): the app asks the user to set it right.
    pub clock_wrong: bool,
}

/// Photos N of M uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PhotoProgress {
    pub uploaded: u32,
    pub total: u32,
    pub bytes_uploaded: u64,
    pub bytes_total: u64,
}

impl Replica {
    /// A household and every record attached to it (its bundle), with their findings.
    pub fn household_bundle(&self, id: Uuid) -> Result<HouseholdBundle, Error> {
        let mut records = crate::judging::household_records(&self.conn(), id)?;
        let at = records
            .iter()
            .position(|r| r.id == id && r.kind == RecordKind::Household)
            .ok_or(Error::NotFound)?;
        let household = records.remove(at);
        let findings = self.findings(id)?;
        let mut record_findings = BTreeMap::new();
        for r in &records {
            let f = self.findings(r.id)?;
            if !f.is_empty() {
                record_findings.insert(r.id, f);
            }
        }
        Ok(HouseholdBundle {
            household,
            attached: records,
            findings,
            record_findings,
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
                // A refusal or a lost value the user has since edited again is history, not
                // something to act on: the rows stay in the outbox, the summary leaves them out.
                "SELECT change_id, record_id, kind, field, new, status, refusal_code,
                   refusal_message FROM outbox o WHERE status = ?1
                   AND NOT EXISTS (SELECT 1 FROM outbox later WHERE later.record_id = o.record_id
                       AND later.field = o.field AND later.hlc > o.hlc
                       AND later.status <> 'refused')
                 ORDER BY hlc",
            )?;
            let rows = stmt.query_map([status], outbox_entry)?;
            rows.collect()
        };
        let last_sync_at: Option<i64> = conn.query_row(
            "SELECT last_sync_at FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        let clock_skew_ms = crate::store::clock_skew(&conn)?;
        Ok(OutboxSummary {
            waiting,
            accepted,
            refused: entries("refused")?,
            conflicts: entries("superseded")?,
            photos,
            last_sync_at,
            clock_skew_ms,
            clock_wrong: clock_skew_ms
                .is_some_and(|s| s.abs() > jiandang_protocol::CLOCK_TOLERANCE_MS),
        })
    }

    /// Every outbox row, oldest first (for the sync screen and tests).
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>, Error> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT change_id, record_id, kind, field, new, status, refusal_code, refusal_message
             FROM outbox ORDER BY hlc, change_id",
        )?;
        let rows = stmt.query_map([], outbox_entry)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every record of one kind on the device, by id. Help units serve the whole county: a
    /// unit entered in one village is picked in another.
    pub fn records_of_kind(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, Error> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, kind, village_id, doc FROM records WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([kind.as_str()], record_from_row)?;
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

/// An outbox row selected as `change_id, record_id, kind, field, new, status, refusal_code,
/// refusal_message`, in that order.
fn outbox_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
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
}
