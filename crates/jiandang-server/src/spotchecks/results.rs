//! A plan's collected check records → where each drawn household and village stands, the
//! problems the findings raise (`ProblemSeed`s, what the county's problem list takes), and the
//! domain's `Results` the estimates are computed from. Pure: the records come in.
//!
//! What counts: a household check is counted once its observation is sealed and someone was
//! met at the door, one per drawn household (the first sealed record by id; the others are
//! shown as extra); a screened household and a village screening count in a drawn village.
//! A village screened in parts (several 村排查情况表, say one per 自然村) adds its parts up.
//! A record that does not read, or names a household or village the draw does not hold, is
//! set aside and listed, never counted.

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::spotcheck::check::{
    ProblemSeed, ScreenedHousehold, SpotCheck, VillageScreening,
};
use jiandang_domain::spotcheck::draw::Draw;
use jiandang_domain::spotcheck::estimate::{HouseholdResult, Results, ScreenedVillage};
use jiandang_domain::spotcheck::frame::Frame;
use jiandang_domain::spotcheck::plan::Assignment;
use jiandang_domain::{RecordKind, StoredRecord};
use jiandang_protocol::spotcheck::{CheckState, HouseholdProgress, VillageProgress};
use uuid::Uuid;

use super::frame::typed;

/// What a plan's records come to.
pub struct Collected {
    pub households: Vec<HouseholdProgress>,
    pub villages: Vec<VillageProgress>,
    pub problems: Vec<ProblemSeed>,
    pub set_aside: Vec<Uuid>,
    /// The estimates' input.
    pub results: Results,
    /// Household checks counted.
    pub checks: u32,
}

/// Collects the records of a plan (`records`: its check records, any order; `unreadable`:
/// ids of its records the store could not read).
pub fn collect(
    draw: &Draw,
    frame: &Frame,
    assignments: &[Assignment],
    records: &[StoredRecord],
    unreadable: &[Uuid],
) -> Collected {
    let mut set_aside: Vec<Uuid> = unreadable.to_vec();
    let mut checks: BTreeMap<Uuid, Vec<SpotCheck>> = BTreeMap::new();
    let mut screened: Vec<ScreenedHousehold> = Vec::new();
    let mut screenings: Vec<VillageScreening> = Vec::new();
    let drawn_villages: BTreeSet<Uuid> = draw.villages.iter().map(|v| v.village_id).collect();
    for r in records {
        // The village a record is stored under is its scope, whatever its form says.
        let kept = match r.kind {
            RecordKind::SpotCheck => match typed::<SpotCheck>(r) {
                Some(mut c)
                    if draw.households.iter().any(|d| {
                        d.household_id == c.household_id && d.village_id == r.village_id
                    }) =>
                {
                    c.village_id = r.village_id;
                    checks.entry(c.household_id).or_default().push(c);
                    true
                }
                _ => false,
            },
            RecordKind::ScreenedHousehold => match typed::<ScreenedHousehold>(r) {
                Some(mut s) if drawn_villages.contains(&r.village_id) => {
                    s.village_id = r.village_id;
                    screened.push(s);
                    true
                }
                _ => false,
            },
            RecordKind::VillageScreening => match typed::<VillageScreening>(r) {
                Some(mut s) if drawn_villages.contains(&r.village_id) => {
                    s.village_id = r.village_id;
                    screenings.push(s);
                    true
                }
                _ => false,
            },
            _ => false,
        };
        if !kept {
            set_aside.push(r.id);
        }
    }
    let assigned: BTreeMap<Uuid, Uuid> = assignments
        .iter()
        .flat_map(|a| a.households.iter().map(move |h| (*h, a.id)))
        .collect();
    let screen_assigned: BTreeSet<Uuid> = assignments
        .iter()
        .flat_map(|a| a.villages.iter().copied())
        .collect();

    let mut results = Results::default();
    let mut problems = Vec::new();
    let mut households = Vec::new();
    let mut counted = 0u32;
    for drawn in &draw.households {
        let mut of_household = checks.remove(&drawn.household_id).unwrap_or_default();
        of_household.sort_by_key(|c| c.id);
        let chosen = of_household
            .iter()
            .position(|c| c.observed_at.is_some())
            .unwrap_or(0);
        let extra_checks = u32::try_from(of_household.len().saturating_sub(1)).unwrap_or(0);
        let check = (!of_household.is_empty()).then(|| of_household.swap_remove(chosen));
        let state = match &check {
            None if assigned.contains_key(&drawn.household_id) => CheckState::Assigned,
            None => CheckState::Unassigned,
            Some(c) if c.observed_at.is_none() => CheckState::Observing,
            Some(c) if c.met_household == Some(false) => CheckState::NotMet,
            Some(_) => CheckState::Sealed,
        };
        let mut progress = HouseholdProgress {
            household_id: drawn.household_id,
            village_id: drawn.village_id,
            household_type: drawn.household_type,
            assignment_id: assigned.get(&drawn.household_id).copied(),
            check_id: check.as_ref().map(|c| c.id),
            state,
            extra_checks,
            wrong_exit_persons: 0,
            missed_persons: 0,
            recognises: None,
            findings: 0,
            differences: 0,
        };
        if let (Some(check), CheckState::Sealed) = (&check, state) {
            let registered = frame.household(drawn.household_id).map_or(0, |h| h.persons);
            let result = HouseholdResult::of_check(check, drawn, registered);
            progress.wrong_exit_persons = result.wrong_exit_persons;
            progress.missed_persons = result.missed_persons;
            progress.recognises = result.recognises;
            progress.findings = count(check.findings.len());
            progress.differences = count(check.differences.len());
            problems.extend(check.problems());
            results.households.push(result);
            counted += 1;
        }
        households.push(progress);
    }
    screened.sort_by_key(|s| s.id);
    for s in &screened {
        results.households.push(HouseholdResult::of_screened(s));
        problems.extend(s.problem());
    }
    let mut persons: BTreeMap<Uuid, u32> = BTreeMap::new();
    for s in &screenings {
        if let Some(v) = ScreenedVillage::of(s) {
            let total = persons.entry(v.village_id).or_default();
            *total = total.saturating_add(v.non_registered_persons);
        }
    }
    results.screened = persons
        .iter()
        .map(|(village_id, n)| ScreenedVillage {
            village_id: *village_id,
            non_registered_persons: *n,
        })
        .collect();
    let villages = draw
        .villages
        .iter()
        .map(|v| VillageProgress {
            village_id: v.village_id,
            village_type: v.village_type,
            screen_assigned: screen_assigned.contains(&v.village_id),
            screened_households: count(
                screened
                    .iter()
                    .filter(|s| s.village_id == v.village_id)
                    .count(),
            ),
            non_registered_persons: persons.get(&v.village_id).copied(),
            missed_persons: results
                .households
                .iter()
                .filter(|h| h.village_id == v.village_id)
                .map(|h| h.missed_persons)
                .sum(),
        })
        .collect();
    set_aside.sort();
    set_aside.dedup();
    Collected {
        households,
        villages,
        problems,
        set_aside,
        results,
        checks: counted,
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
