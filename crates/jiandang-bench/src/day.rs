//! A survey worker's day (一天的入户工作): 20 households visited, and at each the usual edits —
//! this year's wage income corrected (and the derived totals with it: 年收入, 纯收入,
//! 人均纯收入) and a GPS fix of the visit taken (a new record).

use geo_types::Point;
use jiandang_domain::geo::{GpsFix, GpsSource};
use jiandang_domain::household::Household;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Money, RecordKind, Timestamp};
use jiandang_replica::Replica;
use uuid::Uuid;

use crate::BenchError;

/// Households visited in a day.
pub const HOUSEHOLDS_PER_DAY: usize = 20;

/// What a day produced on the device.
#[derive(Debug, Default, Clone)]
pub struct Day {
    /// Field edits that went to the outbox.
    pub changes: usize,
    /// The JSON forms of the records saved, as whole records (the record-level baseline).
    pub records_json: Vec<u8>,
}

/// Does the day's work on `replica` in `village`, on its first `households` households
/// (`skip` of them passed over first, so that two devices of one village can take turns).
pub fn work(
    replica: &Replica,
    village: Uuid,
    skip: usize,
    households: usize,
) -> Result<Day, BenchError> {
    let policy = YearPolicy::shangqiu_2018();
    let mut day = Day::default();
    let mut whole = Vec::new();
    let list = replica.records_of_village(village, Some(RecordKind::Household))?;
    for (n, rec) in list.iter().skip(skip).take(households).enumerate() {
        let mut h: Household = serde_json::from_value(rec.doc.clone())?;
        let size = h.basic.household_size.unwrap_or(1).max(1) as usize;
        let wage = h.income.wage.unwrap_or(Money::from_yuan(0));
        h.income.wage = wage.checked_add(Money::from_yuan(600 + n as i64));
        h.income = h.income.derive(size, &policy);
        let doc = serde_json::to_value(&h)?;
        let saved = replica.save_record(RecordKind::Household, rec.id, village, &doc)?;
        day.changes += saved.changed_fields.len();
        whole.push(doc);

        let fix = GpsFix {
            id: Replica::new_id(),
            subject_id: rec.id,
            point: Point::new(115.65 + n as f64 * 1e-4, 34.41 + n as f64 * 1e-4),
            accuracy_m: 4.5,
            taken_at: Timestamp::from_millis(crate::ingest::now_ms()),
            source: GpsSource::Gps,
            samples: 3,
        };
        let doc = serde_json::to_value(&fix)?;
        let saved = replica.save_record(RecordKind::GpsFix, fix.id, village, &doc)?;
        day.changes += saved.changed_fields.len();
        whole.push(doc);
    }
    day.records_json = serde_json::to_vec(&whole)?;
    Ok(day)
}
