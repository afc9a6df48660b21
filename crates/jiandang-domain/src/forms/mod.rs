//! The form definitions, one module per group of records, and the form bundle: every form in
//! record-kind order with every code list, the one JSON document the UI renders forms from.

pub mod exit_procedure;
pub mod gps;
pub mod help;
pub mod household;
pub mod measures;
pub mod member;
pub mod member_change;
pub mod procedure;
pub mod village;
pub mod visit;

use crate::codes::{CodeList, Coded};
use crate::form::{FORM_BUNDLE_VERSION, FormBundle, FormDef};

/// The form bundle the UI and the server read.
pub fn bundle() -> FormBundle {
    FormBundle {
        version: FORM_BUNDLE_VERSION,
        forms: all(),
        code_lists: code_lists(),
    }
}

/// Every form, one per record kind, in [`crate::record::RecordKind::ALL`] order.
pub fn all() -> Vec<FormDef> {
    vec![
        household::household(),
        member::member(),
        member_change::member_change(),
        village::village(),
        village::natural_village(),
        help::help_unit(),
        help::helper(),
        help::work_team_member(),
        measures::household_exit_measures(),
        measures::village_exit_measures(),
        procedure::procedure(),
        gps::gps_fix(),
        gps::photo(),
        exit_procedure::exit_procedure(),
        visit::visit(),
    ]
}

/// Every code list of the forms, in a stable order (the UI and the exports read this).
pub fn code_lists() -> Vec<&'static CodeList> {
    let mut lists = Vec::new();
    lists.extend(crate::codes::household::lists());
    lists.extend(crate::procedure::lists());
    lists.extend(crate::codes::village::lists());
    lists.extend([
        <crate::geo::GpsSource as Coded>::LIST,
        <crate::photo::PhotoKind as Coded>::LIST,
    ]);
    lists.extend(crate::exit_procedure::lists());
    lists.extend(crate::visit::lists());
    lists
}
