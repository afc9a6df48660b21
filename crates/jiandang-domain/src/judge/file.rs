//! The household and village file forms (docs/records.md) that `jiandang check` reads: a file
//! is turned into the records it holds, judged by the one pipeline ([`super::judge`]), and
//! the findings are put back at the file's paths (`members[1].id_number`). So a file and the
//! same records in a store are judged alike.
//!
//! A file that is not the documented shape (not JSON, not an object, an unknown top-level
//! key, no `household` / `village`, a list that is not a list) is refused with a
//! [`RecordsError`] naming the JSON path. A record inside it that does not fit is a finding,
//! like any stored record's. Within a file, a record under the household's keys belongs to
//! the household unless it names another (`household_id` may be left out), and every record
//! takes the household's (or the village's) village.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::decode::{RecordsError, decode};
use crate::finding::Finding;
use crate::record::{RecordKind, StoredRecord};
use crate::village::{VillageAction, VillageStats};

use super::{Context, Extras, judge_raw};

/// The records a file holds, each with its place in the file (`household`, `members[2]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRecords {
    pub records: Vec<StoredRecord>,
    pub places: Vec<String>,
    /// A household file asks to judge marking the household 已脱贫 now, or a village file
    /// the village's exit (`requested_action: "exit"`).
    pub exit_requested: bool,
    /// A village file's counts from its households (`stats`).
    pub stats: Option<VillageStats>,
}

/// Judges a household or village file: a file whose top-level object has `village` (and no
/// `household`) is a village file. Findings have the file's paths.
pub fn check_file(text: &str, ctx: &Context<'_>) -> Result<Vec<Finding>, RecordsError> {
    let records = if is_village_file(text) {
        village_file_records(text)?
    } else {
        household_file_records(text)?
    };
    Ok(check_records(&records, ctx))
}

/// Judges the records of a file, findings at the file's paths: each record's own findings
/// under its place, a bundle's findings at the path they have in the file.
pub fn check_records(file: &FileRecords, ctx: &Context<'_>) -> Vec<Finding> {
    let mut extras = Extras::default();
    if file.exit_requested && !file.records.is_empty() {
        match file.records[0].kind {
            RecordKind::Village => extras.exit_villages.push(0),
            _ => extras.exit_households.push(0),
        }
    }
    if let (Some(stats), Some(first)) = (&file.stats, file.records.first()) {
        extras.stats.insert(first.village_id, stats.clone());
    }
    let raw = judge_raw(&file.records, ctx, &extras, None);
    let mut out = Vec::new();
    for (i, place) in file.places.iter().enumerate() {
        for f in &raw.own[i] {
            let path = if f.path.is_empty() {
                place.clone()
            } else {
                format!("{place}.{}", f.path)
            };
            out.push(Finding { path, ..f.clone() });
        }
        out.extend(raw.bundle[i].iter().cloned());
    }
    out
}

/// Whether the file's top-level object holds a village rather than a household. A file that
/// is not a JSON object goes to the household reader, which explains the problem.
pub fn is_village_file(text: &str) -> bool {
    serde_json::from_str::<Map<String, Value>>(text)
        .is_ok_and(|root| root.contains_key("village") && !root.contains_key("household"))
}

/// The keys of a household file: record lists and single records, with their kinds.
const HOUSEHOLD_LISTS: [(&str, RecordKind); 6] = [
    ("members", RecordKind::Member),
    ("member_changes", RecordKind::MemberChange),
    ("exit_procedures", RecordKind::ExitProcedure),
    ("visits", RecordKind::Visit),
    ("gps_fixes", RecordKind::GpsFix),
    ("photos", RecordKind::Photo),
];
const HOUSEHOLD_SINGLES: [(&str, RecordKind); 2] = [
    ("procedure", RecordKind::Procedure),
    ("exit_measures", RecordKind::HouseholdExitMeasures),
];

/// The records of a household file.
pub fn household_file_records(text: &str) -> Result<FileRecords, RecordsError> {
    let obj = object(text, "文件应为一个JSON对象，含 household 等字段")?;
    let keys: Vec<&str> = std::iter::once("household")
        .chain(HOUSEHOLD_LISTS.iter().map(|(k, _)| *k))
        .chain(HOUSEHOLD_SINGLES.iter().map(|(k, _)| *k))
        .chain(["requested_action"])
        .collect();
    known_keys(&obj, &keys)?;
    let household = match obj.get("household") {
        None | Some(Value::Null) => {
            return Err(RecordsError::invalid("household", "缺少贫困户记录"));
        }
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(RecordsError::invalid("household", "应为对象")),
    };
    let household_id = id_in(&household, "id");
    let village = id_in(&household, "village_id");
    let mut file = FileRecords {
        records: vec![StoredRecord {
            kind: RecordKind::Household,
            id: household_id,
            village_id: village,
            doc: household,
        }],
        places: vec!["household".to_owned()],
        exit_requested: false,
        stats: None,
    };
    let mut push = |kind: RecordKind, place: String, mut doc: Value| {
        if kind != RecordKind::GpsFix
            && kind != RecordKind::Photo
            && let Value::Object(o) = &mut doc
            && o.get("household_id").is_none_or(Value::is_null)
        {
            o.insert(
                "household_id".into(),
                Value::String(household_id.to_string()),
            );
        }
        file.records.push(StoredRecord {
            kind,
            id: id_in(&doc, "id"),
            village_id: village,
            doc,
        });
        file.places.push(place);
    };
    for (key, kind) in HOUSEHOLD_LISTS {
        for (i, doc) in list(&obj, key)?.into_iter().enumerate() {
            push(kind, format!("{key}[{i}]"), doc);
        }
    }
    for (key, kind) in HOUSEHOLD_SINGLES {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(v @ Value::Object(_)) => push(kind, key.to_owned(), v.clone()),
            Some(_) => return Err(RecordsError::invalid(key, "应为对象或 null")),
        }
    }
    file.exit_requested = match obj.get("requested_action") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s == "exit" => true,
        Some(_) => {
            return Err(RecordsError::invalid(
                "requested_action",
                "requested_action 只能为 \"exit\" 或 null",
            ));
        }
    };
    Ok(file)
}

const VILLAGE_LISTS: [(&str, RecordKind); 5] = [
    ("natural_villages", RecordKind::NaturalVillage),
    ("help_units", RecordKind::HelpUnit),
    ("work_team_members", RecordKind::WorkTeamMember),
    ("gps_fixes", RecordKind::GpsFix),
    ("photos", RecordKind::Photo),
];

/// The records of a village file.
pub fn village_file_records(text: &str) -> Result<FileRecords, RecordsError> {
    let obj = object(text, "文件应为一个JSON对象，含 village 等字段")?;
    let keys: Vec<&str> = std::iter::once("village")
        .chain(VILLAGE_LISTS.iter().map(|(k, _)| *k))
        .chain(["exit_measures", "stats", "requested_action"])
        .collect();
    known_keys(&obj, &keys)?;
    let village_doc = match obj.get("village") {
        None | Some(Value::Null) => {
            return Err(RecordsError::invalid("village", "缺少贫困村记录"));
        }
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(RecordsError::invalid("village", "应为对象")),
    };
    let village = id_in(&village_doc, "id");
    let mut file = FileRecords {
        records: vec![StoredRecord {
            kind: RecordKind::Village,
            id: village,
            village_id: village,
            doc: village_doc,
        }],
        places: vec!["village".to_owned()],
        exit_requested: false,
        stats: None,
    };
    let mut push = |kind: RecordKind, place: String, doc: Value| {
        file.records.push(StoredRecord {
            kind,
            id: id_in(&doc, "id"),
            village_id: village,
            doc,
        });
        file.places.push(place);
    };
    for (key, kind) in VILLAGE_LISTS {
        for (i, doc) in list(&obj, key)?.into_iter().enumerate() {
            push(kind, format!("{key}[{i}]"), doc);
        }
    }
    match obj.get("exit_measures") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => push(
            RecordKind::VillageExitMeasures,
            "exit_measures".to_owned(),
            v.clone(),
        ),
        Some(_) => return Err(RecordsError::invalid("exit_measures", "应为对象或 null")),
    }
    file.stats = match obj.get("stats") {
        None | Some(Value::Null) => None,
        Some(v) => Some(decode::<VillageStats>("stats", v)?),
    };
    file.exit_requested = match obj.get("requested_action") {
        None | Some(Value::Null) => false,
        Some(v) => decode::<VillageAction>("requested_action", v)? == VillageAction::Exit,
    };
    Ok(file)
}

fn object(text: &str, what: &str) -> Result<Map<String, Value>, RecordsError> {
    let root: Value = serde_json::from_str(text).map_err(|e| RecordsError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match root {
        Value::Object(obj) => Ok(obj),
        _ => Err(RecordsError::invalid("", what)),
    }
}

fn known_keys(obj: &Map<String, Value>, keys: &[&str]) -> Result<(), RecordsError> {
    match obj.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(RecordsError::invalid(
            k.as_str(),
            format!("未知字段；文件只能含 {}", keys.join("、")),
        )),
        None => Ok(()),
    }
}

fn list(obj: &Map<String, Value>, key: &str) -> Result<Vec<Value>, RecordsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err(RecordsError::invalid(key, "应为数组")),
    }
}

/// The id at `key` of a record's form, or the nil id when it has none (the record then gets
/// `records.id_missing` or a finding at the key).
fn id_in(doc: &Value, key: &str) -> Uuid {
    doc.get(key)
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_default()
}
