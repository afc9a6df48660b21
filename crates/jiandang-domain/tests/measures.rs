//! C4: the 2018 exit-measure checklists of households and villages.

use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::HelpMeasureCategory;
use jiandang_domain::codes::village::{HouseholdMeasureKind, VillageMeasureKind};
use jiandang_domain::measures::{
    HouseholdExitMeasures, HouseholdMeasure, VillageExitMeasures, VillageMeasure,
};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules::measures::{
    check_exit_measures_against_help, check_exit_measures_present, check_household_exit_measures,
    check_village_exit_measures,
};
use jiandang_domain::{Date, Finding, Money, Severity};

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// Expected findings: code, path, severity.
type Expected = &'static [(&'static str, &'static str, Severity)];

fn check(findings: Vec<Finding>, expected: &[(&str, &str, Severity)]) {
    let mut got: Vec<(String, String, Severity)> = findings
        .iter()
        .map(|f| (f.code.clone(), f.path.clone(), f.severity))
        .collect();
    got.sort();
    let mut want: Vec<(String, String, Severity)> = expected
        .iter()
        .map(|(c, p, s)| ((*c).to_owned(), (*p).to_owned(), *s))
        .collect();
    want.sort();
    assert_eq!(got, want, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.requirement.as_deref() == Some("C4"))
    );
}

fn row(kind: HouseholdMeasureKind, first_year: Option<i32>) -> HouseholdMeasure {
    HouseholdMeasure {
        kind,
        first_year,
        amount: None,
        implementing_unit: None,
    }
}

fn vrow(kind: VillageMeasureKind, first_year: Option<i32>) -> VillageMeasure {
    VillageMeasure {
        kind,
        met: Some(true),
        project: None,
        first_year,
        investment: None,
        funding_source: None,
        implementing_unit: None,
        completed_on: None,
    }
}

#[test]
fn c4_household_checklist() {
    use HouseholdMeasureKind::*;
    let p = YearPolicy::shangqiu_2018();
    let sheet = |measures| HouseholdExitMeasures {
        measures,
        ..HouseholdExitMeasures::default()
    };
    type Case = (Vec<HouseholdMeasure>, Option<i32>, Expected);
    let cases: Vec<Case> = vec![
        (
            vec![
                row(Livestock, Some(2016)),
                row(MicroCredit, Some(2017)),
                row(HouseRenovation, None),
            ],
            Some(2018),
            &[],
        ),
        // Received twice, ticked twice.
        (
            vec![
                row(Livestock, Some(2016)),
                row(MicroCredit, None),
                row(Livestock, Some(2018)),
            ],
            Some(2018),
            &[("exit_measures.duplicate_kind", "measures[2].kind", E)],
        ),
        (
            vec![row(Livestock, Some(2019))],
            Some(2018),
            &[(
                "exit_measures.first_year_after_exit",
                "measures[0].first_year",
                E,
            )],
        ),
        (
            vec![row(Livestock, Some(2012))],
            Some(2018),
            &[(
                "exit_measures.first_year_before_register",
                "measures[0].first_year",
                W,
            )],
        ),
        // Only 2018 exits fill the sheet.
        (
            vec![row(Livestock, Some(2016))],
            Some(2017),
            &[("exit_measures.household_not_exited_this_year", "", E)],
        ),
        (
            vec![row(Livestock, Some(2016))],
            None,
            &[("exit_measures.household_not_exited_this_year", "", E)],
        ),
        (
            vec![],
            Some(2018),
            &[("exit_measures.empty", "measures", W)],
        ),
        (
            vec![HouseholdMeasure {
                amount: Some(Money::from_yuan(-5)),
                ..row(MicroCredit, None)
            }],
            Some(2018),
            &[("exit_measures.negative_amount", "measures[0].amount", E)],
        ),
    ];
    for (measures, exit_year, expected) in cases {
        check(
            check_household_exit_measures(&sheet(measures), exit_year, &p),
            expected,
        );
    }
}

#[test]
fn c4_village_checklist() {
    use VillageMeasureKind::*;
    let p = YearPolicy::shangqiu_2018();
    let sheet = |measures| VillageExitMeasures {
        measures,
        ..VillageExitMeasures::default()
    };
    type Case = (Vec<VillageMeasure>, Option<i32>, Expected);
    let cases: Vec<Case> = vec![
        (
            vec![
                vrow(RoadHardening, Some(2016)),
                vrow(StandardClinic, Some(2017)),
            ],
            Some(2018),
            &[],
        ),
        (
            vec![
                vrow(RoadHardening, Some(2016)),
                vrow(RoadHardening, Some(2017)),
            ],
            Some(2018),
            &[("exit_measures.duplicate_kind", "measures[1].kind", E)],
        ),
        (
            vec![vrow(Broadband, Some(2019))],
            Some(2018),
            &[(
                "exit_measures.first_year_after_exit",
                "measures[0].first_year",
                E,
            )],
        ),
        (
            vec![vrow(Broadband, None)],
            Some(2016),
            &[("exit_measures.village_not_exited_this_year", "", E)],
        ),
        (
            vec![VillageMeasure {
                completed_on: Some(Date::parse("2015-06-01").expect("date")),
                investment: Some(Money::from_yuan(-1)),
                ..vrow(SafeWater, Some(2016))
            }],
            Some(2018),
            &[
                (
                    "exit_measures.completed_before_first_year",
                    "measures[0].completed_on",
                    E,
                ),
                ("exit_measures.negative_amount", "measures[0].investment", E),
            ],
        ),
    ];
    for (measures, exit_year, expected) in cases {
        check(
            check_village_exit_measures(&sheet(measures), exit_year, &p),
            expected,
        );
    }
}

#[test]
fn c4_every_household_kind_sits_in_its_category() {
    for kind in HouseholdMeasureKind::ALL {
        assert_eq!(&kind.code()[..2], kind.category().code(), "{}", kind.zh());
    }
    assert_eq!(
        HouseholdMeasureKind::RainDew.category(),
        HelpMeasureCategory::Education
    );
    assert_eq!(
        HouseholdMeasureKind::Donation.category(),
        HelpMeasureCategory::SocialHelp
    );
}

#[test]
fn c4_exited_this_year_needs_its_sheet() {
    let p = YearPolicy::shangqiu_2018();
    let cases: Vec<(Option<i32>, bool, Expected)> = vec![
        (Some(2018), true, &[]),
        (Some(2018), false, &[("exit_measures.missing", "", W)]),
        (Some(2017), false, &[]),
        (None, false, &[]),
    ];
    for (exit_year, has_sheet, expected) in cases {
        check(
            check_exit_measures_present(exit_year, has_sheet, "该户", &p),
            expected,
        );
    }
}

#[test]
fn c4_measures_against_the_yearly_help_records() {
    use HouseholdMeasureKind::*;
    use jiandang_domain::household::{Household, YearHelpMeasures};
    let household = Household {
        help_measures: vec![
            YearHelpMeasures {
                year: 2016,
                categories: vec![HelpMeasureCategory::Industry],
                note: None,
            },
            YearHelpMeasures {
                year: 2017,
                categories: vec![HelpMeasureCategory::Industry, HelpMeasureCategory::Finance],
                note: None,
            },
        ],
        ..Household::default()
    };
    let sheet = |measures| HouseholdExitMeasures {
        measures,
        ..HouseholdExitMeasures::default()
    };
    let cases: Vec<(Vec<HouseholdMeasure>, Expected)> = vec![
        (
            vec![row(Livestock, Some(2016)), row(MicroCredit, Some(2017))],
            &[],
        ),
        (vec![row(MicroCredit, None)], &[]),
        (
            vec![row(HouseRenovation, Some(2017))],
            &[("exit_measures.not_in_help_records", "measures[0].kind", W)],
        ),
        (
            vec![row(MicroCredit, Some(2015))],
            &[(
                "exit_measures.earlier_than_help_records",
                "measures[0].first_year",
                W,
            )],
        ),
    ];
    for (measures, expected) in cases {
        check(
            check_exit_measures_against_help(&sheet(measures), &household),
            expected,
        );
    }
}
