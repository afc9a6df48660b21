//! What the spot-checks read of the register: the check kinds, and the reads of the records,
//! fields and change log, which live in the storage module (`crate::storage::spot`, the one
//! module that names those tables) and are re-exported here.

use jiandang_domain::RecordKind;

pub use crate::storage::spot::{
    FrameRead, frame_records, household_records, plan_records, record, stored_field,
};

/// The record kinds a supervisor's check produces (入户核查表, 非建档立卡户排查表, 村排查情况表).
pub fn is_spot_kind(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::SpotCheck | RecordKind::ScreenedHousehold | RecordKind::VillageScreening
    )
}
