//! What the app asks of the replica: households of a village with search, filters and
//! counts; a household with everything attached to it; the outbox as the user sees it
//! (waiting, refused with reasons, conflicts); photo upload progress; and the domain rules
//! run on save.

use jiandang_domain::bundle::{HouseholdBundle as DomainBundle, check_household_bundle};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules::village::check_village_bundle;
use jiandang_domain::village::VillageBundle;
use jiandang_domain::{Date, Timestamp};
use jiandang_domain::{Finding, RecordKind};
use rusqlite::{Connection, OptionalExtension};
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

/// The domain rules on a saved record, with its household around it: a record of a
/// household (the household, a member, a change, a procedure, exit measures, a photo or GPS
/// fix of either) is judged as the whole household bundle, the way the server judges it.
/// Records of no household (villages, help units, …) get no findings here.
pub(crate) fn rule_findings(
    conn: &Connection,
    record: &StoredRecord,
    now_ms: i64,
) -> Result<Vec<Finding>, Error> {
    let Some(household_id) = household_of(conn, record)? else {
        return village_findings(conn, record, now_ms);
    };
    let mut stmt = conn.prepare(
        "SELECT id, kind, village_id, doc FROM records r
         WHERE r.id = ?1 OR json_extract(r.doc, '$.household_id') = ?1
            OR json_extract(r.doc, '$.subject_id') = ?1
            OR json_extract(r.doc, '$.subject_id') IN
               (SELECT m.id FROM records m WHERE json_extract(m.doc, '$.household_id') = ?1)
         ORDER BY kind, id",
    )?;
    let records = stmt
        .query_map([household_id.to_string()], record_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if !records.iter().any(|r| r.kind == RecordKind::Household) {
        // The household itself has not reached this device yet.
        return Ok(Vec::new());
    }
    // The records' forms carry their ids and village in the columns; the domain types want
    // them in the JSON too.
    let docs: Vec<(RecordKind, Value)> = records
        .iter()
        .map(|r| {
            let mut doc = r.doc.clone();
            if let Some(obj) = doc.as_object_mut() {
                obj.entry("id")
                    .or_insert_with(|| Value::String(r.id.to_string()));
                if r.kind == RecordKind::Household {
                    obj.entry("village_id")
                        .or_insert_with(|| Value::String(r.village_id.to_string()));
                }
            }
            (r.kind, doc)
        })
        .collect();
    let bundle = DomainBundle::from_records(docs.iter().map(|(k, v)| (*k, v)));
    Ok(match bundle {
        Ok(bundle) => check_household_bundle(&bundle, &YearPolicy::shangqiu_2018()),
        Err(e) => vec![Finding::error(e.code(), "", e.to_string())],
    })
}

/// The village rules (`check_village_bundle`) on a record of a village: the village, its
/// natural villages, work team, exit measures, and GPS fixes and photos of the village;
/// help units are county-wide and all go in. Nothing for a village whose own record has not
/// reached this device.
fn village_findings(
    conn: &Connection,
    record: &StoredRecord,
    now_ms: i64,
) -> Result<Vec<Finding>, Error> {
    let Some(village_record) = village_of(conn, record)? else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare(
        "SELECT id, kind, village_id, doc FROM records r
         WHERE (r.village_id = ?1 AND r.kind IN
                 ('village', 'natural_village', 'work_team_member', 'village_exit_measures'))
            OR r.kind = 'help_unit'
            OR (r.kind IN ('gps_fix', 'photo') AND json_extract(r.doc, '$.subject_id') = ?2)
         ORDER BY kind, id",
    )?;
    let records = stmt
        .query_map(
            [record.village_id.to_string(), village_record.to_string()],
            record_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut bundle = serde_json::Map::new();
    let list = |kind: RecordKind| -> Value {
        Value::Array(
            records
                .iter()
                .filter(|r| r.kind == kind)
                .map(with_id)
                .collect(),
        )
    };
    let Some(village) = records.iter().find(|r| r.id == village_record) else {
        return Ok(Vec::new());
    };
    bundle.insert("village".into(), with_id(village));
    bundle.insert("natural_villages".into(), list(RecordKind::NaturalVillage));
    bundle.insert("help_units".into(), list(RecordKind::HelpUnit));
    bundle.insert("work_team_members".into(), list(RecordKind::WorkTeamMember));
    bundle.insert("gps_fixes".into(), list(RecordKind::GpsFix));
    bundle.insert("photos".into(), list(RecordKind::Photo));
    if let Some(m) = records
        .iter()
        .find(|r| r.kind == RecordKind::VillageExitMeasures)
    {
        bundle.insert("exit_measures".into(), with_id(m));
    }
    let now = Timestamp::from_millis(now_ms);
    Ok(
        match serde_json::from_value::<VillageBundle>(Value::Object(bundle)) {
            Ok(b) => check_village_bundle(&b, &YearPolicy::shangqiu_2018(), now),
            Err(e) => vec![Finding::error("records.invalid", "", e.to_string())],
        },
    )
}

/// The Village record of the village a record belongs to, if the record is of the village.
fn village_of(conn: &Connection, record: &StoredRecord) -> Result<Option<Uuid>, Error> {
    let village_record = || -> Result<Option<Uuid>, Error> {
        let id: Option<String> = conn
            .query_row(
                "SELECT id FROM records WHERE kind = 'village' AND village_id = ?1
                 ORDER BY id LIMIT 1",
                [record.village_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(id.and_then(|s| Uuid::parse_str(&s).ok()))
    };
    Ok(match record.kind {
        RecordKind::Village => Some(record.id),
        RecordKind::NaturalVillage
        | RecordKind::WorkTeamMember
        | RecordKind::VillageExitMeasures => village_record()?,
        RecordKind::GpsFix | RecordKind::Photo => {
            let subject = record.doc.get("subject_id").and_then(Value::as_str);
            let v = village_record()?;
            v.filter(|v| subject == Some(v.to_string().as_str()))
        }
        _ => None,
    })
}

/// The record's JSON form with its id (and village) from the columns.
fn with_id(r: &StoredRecord) -> Value {
    let mut doc = r.doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        obj.entry("id")
            .or_insert_with(|| Value::String(r.id.to_string()));
        if r.kind != RecordKind::HelpUnit {
            obj.entry("village_id")
                .or_insert_with(|| Value::String(r.village_id.to_string()));
        }
    }
    doc
}

/// The household a record belongs to, if any.
fn household_of(conn: &Connection, record: &StoredRecord) -> Result<Option<Uuid>, Error> {
    let field = |name: &str| {
        record
            .doc
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    Ok(match record.kind {
        RecordKind::Household => Some(record.id),
        RecordKind::Member
        | RecordKind::MemberChange
        | RecordKind::Procedure
        | RecordKind::HouseholdExitMeasures => field("household_id"),
        RecordKind::Photo | RecordKind::GpsFix => {
            let Some(subject) = field("subject_id") else {
                return Ok(None);
            };
            let row: Option<(String, String)> = conn
                .query_row(
                    "SELECT kind, COALESCE(json_extract(doc, '$.household_id'), '') FROM records
                     WHERE id = ?1",
                    [subject.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match row {
                Some((kind, _)) if kind == RecordKind::Household.as_str() => Some(subject),
                Some((_, household)) => Uuid::parse_str(&household).ok(),
                None => None,
            }
        }
        _ => None,
    })
}

impl Replica {
    /// Households of a village matching `filter`, by household number then id.
    pub fn households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdRow>, Error> {
        Ok(self.household_list(village_id, filter)?.rows)
    }

    /// How many households of a village match `filter`.
    pub fn count_households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<u32, Error> {
        Ok(self.household_list(village_id, filter)?.rows.len() as u32)
    }

    /// The household list in one pass: the rows matching `filter`, and how many households
    /// match its search with each filter alone (the counts on top of the list).
    pub fn household_list(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<crate::list::HouseholdList, Error> {
        crate::list::household_list(&self.conn(), village_id, filter)
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

/// The record whose findings a save of `record` updates: its household, if it has one.
pub(crate) fn findings_owner(
    conn: &Connection,
    record: &StoredRecord,
) -> Result<Option<Uuid>, Error> {
    match household_of(conn, record)? {
        Some(h) => Ok(Some(h)),
        None => village_of(conn, record),
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
