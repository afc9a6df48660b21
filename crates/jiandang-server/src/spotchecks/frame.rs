//! The sampling frame from the register as it stands (EVALUATION.md §3.3): every village whose
//! 贫困村 form says its type, every registered household of those villages whose stratum is
//! known, through the domain's own assembly of households and members. What had to be left
//! out is counted, so the county sees what the frame lacks.
//!
//! The register holds registered households only: the non-registered strata have nothing to
//! draw from (their shortfall is reported), and non-registered households are found by
//! screening the drawn villages (排查), whose records feed 漏评率.

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::decode::salvage;
use jiandang_domain::spotcheck::frame::{
    Frame, FrameError, FrameHousehold, FrameVersion, FrameVillage,
};
use jiandang_domain::village::Village;
use jiandang_domain::{RecordKind, StoredRecord, judge};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use super::register::FrameRead;

/// A frame and what it had to leave out.
pub struct BuiltFrame {
    pub frame: Frame,
    pub left_out_households: u32,
    pub left_out_villages: u32,
}

/// The frame of `year` from the register's records.
pub fn build(read: &FrameRead, year: i32) -> Result<BuiltFrame, FrameError> {
    // One 贫困村 form per village (the first by id: a second one is the judgement's finding).
    let mut forms: BTreeMap<Uuid, Village> = BTreeMap::new();
    let mut village_forms: Vec<&StoredRecord> = read
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Village)
        .collect();
    village_forms.sort_by_key(|r| r.id);
    for r in village_forms {
        if !forms.contains_key(&r.village_id)
            && let Some(village) = typed::<Village>(r)
        {
            forms.insert(r.village_id, village);
        }
    }
    // The village a household is stored under: the scope the register keeps it in.
    let stored_in: BTreeMap<Uuid, Uuid> = read
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Household)
        .map(|r| (r.id, r.village_id))
        .collect();
    let households = judge::household_bundles(&read.records);
    let mut frame_households = Vec::new();
    for (id, bundle) in &households {
        let Some(village) = stored_in.get(id).copied() else {
            continue;
        };
        if let Some(mut row) = FrameHousehold::registered(&bundle.household, &bundle.members, year)
        {
            row.village_id = village;
            frame_households.push(row);
        }
    }
    let mut villages = Vec::new();
    for id in &read.villages {
        let Some(form) = forms.get(id) else { continue };
        let Some(mut row) = FrameVillage::of(form) else {
            continue;
        };
        row.id = *id;
        // 总户数 not filled in: the registered households are the size the PPS draw can see.
        if form.population.households.is_none() {
            row.households = count(
                frame_households
                    .iter()
                    .filter(|h| h.village_id == *id)
                    .count(),
            );
        }
        villages.push(row);
    }
    let kept: BTreeSet<Uuid> = villages.iter().map(|v| v.id).collect();
    frame_households.retain(|h| kept.contains(&h.village_id));
    let left_out_households = count(stored_in.len().saturating_sub(frame_households.len()));
    let left_out_villages = count(read.villages.len().saturating_sub(villages.len()));
    let frame = Frame::new(FrameVersion(read.version), villages, frame_households)?;
    Ok(BuiltFrame {
        frame,
        left_out_households,
        left_out_villages,
    })
}

/// A stored record in its domain type, its id and village taken from the store's columns
/// when its form leaves them out; `None` when it does not read.
pub fn typed<T: DeserializeOwned + Serialize>(record: &StoredRecord) -> Option<T> {
    let mut doc = record.doc.clone();
    if let Value::Object(obj) = &mut doc {
        if obj.get("id").is_none_or(Value::is_null) {
            obj.insert("id".into(), Value::String(record.id.to_string()));
        }
        if obj.get("village_id").is_none_or(Value::is_null) {
            obj.insert(
                "village_id".into(),
                Value::String(record.village_id.to_string()),
            );
        }
    }
    salvage::<T>(&doc).record
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
