//! The shapes the UI reads (mirrored in `ui/src/backend.ts`), made from the replica's
//! records: a record's JSON form flattened to dot paths, with where it stands in sync.

use std::collections::{BTreeMap, HashMap};

use jiandang_domain::{Finding, RecordKind};
use jiandang_replica::{Acted, HouseholdActions, OutboxEntry, StoredRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Where a record stands between the device and the county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Synced,
    Waiting,
    Refused,
    Conflict,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: Uuid,
    pub kind: RecordKind,
    pub village_id: Uuid,
    pub fields: BTreeMap<String, Value>,
    pub sync: SyncState,
    pub pending: Vec<String>,
}

/// The outbox grouped by record, so each view is one lookup.
#[derive(Default)]
pub struct OutboxIndex {
    by_record: HashMap<Uuid, Vec<OutboxEntry>>,
}

impl OutboxIndex {
    pub fn new(entries: Vec<OutboxEntry>) -> OutboxIndex {
        let mut by_record: HashMap<Uuid, Vec<OutboxEntry>> = HashMap::new();
        for e in entries {
            by_record.entry(e.record_id).or_default().push(e);
        }
        OutboxIndex { by_record }
    }

    pub fn state(&self, id: Uuid) -> (SyncState, Vec<String>) {
        let entries = self.by_record.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let pending: Vec<String> = entries
            .iter()
            .filter(|e| is_waiting(&e.status))
            .map(|e| e.field.clone())
            .collect();
        let state = if entries.iter().any(|e| e.status == "refused") {
            SyncState::Refused
        } else if !pending.is_empty() {
            SyncState::Waiting
        } else if entries.iter().any(|e| e.status == "superseded") {
            SyncState::Conflict
        } else {
            SyncState::Synced
        };
        (state, pending)
    }
}

pub fn is_waiting(status: &str) -> bool {
    matches!(status, "pending" | "in_flight")
}

pub fn record_view(r: &StoredRecord, outbox: &OutboxIndex) -> RecordView {
    let (sync, pending) = outbox.state(r.id);
    RecordView {
        id: r.id,
        kind: r.kind,
        village_id: r.village_id,
        fields: jiandang_protocol::flatten(&r.doc)
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect(),
        sync,
        pending,
    }
}

/// The record's JSON form from the UI's flat answers; empty answers are left out (a cleared
/// field is an absent one).
pub fn doc_from_fields(fields: &BTreeMap<String, Value>) -> Value {
    let kept: BTreeMap<String, Value> = fields
        .iter()
        .filter(|(_, v)| !is_blank(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    jiandang_protocol::unflatten(&kept)
}

/// [`doc_from_fields`] of a JSON object of flat answers (the new member's form as typed).
pub fn doc_from_value(fields: &Value) -> Value {
    let map: BTreeMap<String, Value> = fields
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    doc_from_fields(&map)
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GpsView {
    pub id: Uuid,
    pub subject_id: Uuid,
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: f64,
    pub samples: u32,
    pub source: String,
    pub taken_at: String,
    pub sync: SyncState,
}

pub fn gps_view(r: &StoredRecord, outbox: &OutboxIndex) -> Option<GpsView> {
    let fix: jiandang_domain::geo::GpsFix = serde_json::from_value(r.doc.clone()).ok()?;
    Some(GpsView {
        id: r.id,
        subject_id: fix.subject_id,
        lon: fix.point.x(),
        lat: fix.point.y(),
        accuracy_m: fix.accuracy_m,
        samples: fix.samples,
        source: serde_json::to_value(fix.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        taken_at: beijing_minutes(fix.taken_at.millis()),
        sync: outbox.state(r.id).0,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct PhotoView {
    pub id: Uuid,
    pub subject_id: Uuid,
    pub kind: String,
    pub thumbnail: String,
    pub uploaded: bool,
    pub taken_at: String,
    /// Said once, when the photo is added: why it has no position (no GPS in the photo, or
    /// its EXIF damaged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `YYYY-MM-DD HH:MM` in Beijing time, for people.
pub fn beijing_minutes(ms: i64) -> String {
    let ts = jiandang_domain::Timestamp::from_millis(ms);
    let date = ts.beijing_date();
    let minute_of_day = (ms + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!("{date} {:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdBundleView {
    pub household: RecordView,
    pub members: Vec<RecordView>,
    pub member_changes: Vec<RecordView>,
    pub procedure: Vec<RecordView>,
    /// 入户核实 records.
    pub visits: Vec<RecordView>,
    pub exit_measures: Option<RecordView>,
    pub gps: Vec<GpsView>,
    pub photos: Vec<PhotoView>,
    /// The household's findings (its own, and its bundle's).
    pub findings: Vec<Finding>,
    /// Each attached record's own findings, by id.
    pub record_findings: BTreeMap<Uuid, Vec<Finding>>,
    /// What the page offers on the way out of poverty (none before the county's policy).
    pub actions: Option<HouseholdActions>,
    pub natural_villages: Vec<Choice>,
    /// The village's 帮扶责任人, to pick the household's pairing from.
    pub helpers: Vec<Choice>,
    /// Verified at the door section by section (an existing household), rather than
    /// collected whole (a new one): `jiandang_domain::household::verified_at_door` (C1).
    pub verify: bool,
}

/// A record to pick for a reference field.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VillageBundleView {
    pub village: Option<RecordView>,
    pub natural_villages: Vec<RecordView>,
    pub exit_measures: Option<RecordView>,
    pub gps: Vec<GpsView>,
    /// 帮扶单位 on the device (county-wide: any village's).
    pub help_units: Vec<RecordView>,
    /// The village's 帮扶责任人 and 驻村工作队员.
    pub helpers: Vec<RecordView>,
    pub work_team_members: Vec<RecordView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SaveResult {
    pub record: RecordView,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SaveRequest {
    pub id: Option<Uuid>,
    pub kind: RecordKind,
    pub village_id: Uuid,
    pub fields: BTreeMap<String, Value>,
}

/// An action's answer: done (the records it wrote, the household's findings after it) or
/// refused with the domain's reasons, nothing saved.
#[derive(Debug, Clone, Serialize)]
pub struct ActionAnswer {
    pub done: bool,
    pub records: Vec<RecordView>,
    /// Done: the household's findings; refused: every reason.
    pub findings: Vec<Finding>,
}

impl ActionAnswer {
    pub fn new(acted: Acted, outbox: &OutboxIndex) -> ActionAnswer {
        match acted {
            Acted::Done { records, findings } => ActionAnswer {
                done: true,
                records: records.iter().map(|r| record_view(r, outbox)).collect(),
                findings,
            },
            Acted::Refused { reasons } => ActionAnswer {
                done: false,
                records: Vec::new(),
                findings: reasons,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(record: Uuid, field: &str, status: &str) -> OutboxEntry {
        OutboxEntry {
            change_id: Uuid::nil(),
            record_id: record,
            kind: "household".into(),
            field: field.into(),
            new: Value::Null,
            status: status.into(),
            refusal_code: None,
            refusal_message: None,
        }
    }

    #[test]
    fn sync_state_table() {
        let id = Uuid::from_u128(1);
        let cases: &[(&[&str], SyncState)] = &[
            (&[], SyncState::Synced),
            (&["accepted"], SyncState::Synced),
            (&["accepted", "pending"], SyncState::Waiting),
            (&["in_flight"], SyncState::Waiting),
            (&["pending", "refused"], SyncState::Refused),
            (&["superseded"], SyncState::Conflict),
        ];
        for (statuses, want) in cases {
            let idx = OutboxIndex::new(
                statuses
                    .iter()
                    .map(|s| entry(id, "basic.phone", s))
                    .collect(),
            );
            assert_eq!(idx.state(id).0, *want, "{statuses:?}");
        }
    }

    #[test]
    fn blank_answers_are_left_out_of_the_doc() {
        let fields: BTreeMap<String, Value> = [
            ("basic.phone".to_owned(), json!("13800000000")),
            ("basic.household_size".to_owned(), json!(4)),
            ("basic.note".to_owned(), json!("")),
            ("income.wage".to_owned(), Value::Null),
            ("living.fuel".to_owned(), json!([])),
        ]
        .into();
        assert_eq!(
            doc_from_fields(&fields),
            json!({"basic": {"phone": "13800000000", "household_size": 4}})
        );
    }

    #[test]
    fn beijing_time_is_utc_plus_eight() {
        // 2018-10-12T08:30:00Z is 16:30 in Beijing.
        assert_eq!(beijing_minutes(1_539_333_000_000), "2018-10-12 16:30");
    }
}
