//! The catalog of record kinds: every form in [`crate::record::RecordKind::ALL`] order with
//! every code list, the one JSON document (the form bundle) the UI, the server and the exports
//! read. It sits above `forms` and `spotcheck` so that neither needs the other's registry.

use crate::codes::{CodeList, Coded};
use crate::form::{FORM_BUNDLE_VERSION, FormBundle, FormDef, UiFacts};
use crate::forms::{
    exit_procedure, gps, help, household, measures, member, member_change, problem, procedure,
    village, visit,
};
use crate::spotcheck;

/// The form bundle the UI and the server read.
pub fn bundle() -> FormBundle {
    FormBundle {
        version: FORM_BUNDLE_VERSION,
        forms: all(),
        code_lists: code_lists(),
        facts: facts(),
    }
}

/// The code values the app's screens act on (see [`UiFacts`]).
pub fn facts() -> UiFacts {
    use crate::codes::household::{MemberStatus, Relationship};
    use crate::codes::village::ChangeDirection;
    use crate::visit::{SectionOutcome, VisitSection};
    UiFacts {
        head_relationship: Relationship::Head.code(),
        member_decreased: MemberStatus::Decreased.code(),
        change_increase: ChangeDirection::Increase.code(),
        change_decrease: ChangeDirection::Decrease.code(),
        visit_members: VisitSection::Members.code(),
        section_unchanged: SectionOutcome::Unchanged.code(),
        section_changed: SectionOutcome::Changed.code(),
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
        spotcheck::forms::spot_check(),
        spotcheck::forms::screened_household(),
        spotcheck::forms::village_screening(),
        problem::problem(),
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
        // The year's phases by name (the county dashboard shows the timeline).
        <crate::policy::PhaseName as Coded>::LIST,
    ]);
    lists.extend(crate::exit_procedure::lists());
    lists.extend(crate::visit::lists());
    lists.extend(crate::spotcheck::codes::lists());
    lists.extend(crate::problem::lists());
    lists
}
