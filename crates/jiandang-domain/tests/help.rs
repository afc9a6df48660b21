//! C7 (help unit before the people it sends) and the helper checks of FORMS.md §7.1.

use std::collections::BTreeSet;

use jiandang_domain::codes::household::Sex;
use jiandang_domain::codes::village::Affiliation;
use jiandang_domain::help::{HelpUnit, Helper, WorkTeamMember};
use jiandang_domain::household::{Household, Pairing};
use jiandang_domain::id_number::check_char;
use jiandang_domain::rules::help::{check_help, check_helpers_not_poor, check_household_helper};
use jiandang_domain::{Date, Finding, Severity};
use uuid::Uuid;

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
            .all(|f| f.requirement.is_some() && !f.message.is_empty())
    );
}

/// A valid ID number born on `birth` (YYYYMMDD) with sequence `seq` (odd = male).
fn id_number(birth: &str, seq: &str) -> String {
    let first17 = format!("411421{birth}{seq}");
    let check = check_char(first17.as_bytes()) as char;
    format!("{first17}{check}")
}

fn d(s: &str) -> Date {
    Date::parse(s).expect("date")
}

fn unit(n: u128) -> HelpUnit {
    HelpUnit {
        id: Uuid::from_u128(n),
        name: Some(format!("县直单位{n}")),
        affiliation: Some(Affiliation::County),
        address: None,
        phone: Some("0370-6123456".into()),
    }
}

fn helper(n: u128, unit: Option<u128>) -> Helper {
    Helper {
        id: Uuid::from_u128(n),
        help_unit_id: unit.map(Uuid::from_u128),
        name: Some("张三".into()),
        sex: Some(Sex::Male),
        id_number: Some(id_number("19800101", &format!("{:03}", n * 2 + 1))),
        birth_date: Some(d("1980-01-01")),
        phone: Some("13800000000".into()),
        ..Helper::default()
    }
}

fn team(n: u128, village: u128, unit: Option<u128>) -> WorkTeamMember {
    WorkTeamMember {
        id: Uuid::from_u128(n),
        village_id: Uuid::from_u128(village),
        help_unit_id: unit.map(Uuid::from_u128),
        name: Some("李四".into()),
        sex: Some(Sex::Female),
        id_number: Some(id_number("19850505", "022")),
        start: Some(d("2018-01-01")),
        ..WorkTeamMember::default()
    }
}

#[test]
fn c7_unit_before_the_people_it_sends() {
    let units = vec![unit(1), unit(2)];
    let cases: Vec<(Vec<Helper>, Vec<WorkTeamMember>, Expected)> = vec![
        (vec![helper(10, Some(1))], vec![team(20, 100, Some(2))], &[]),
        (
            vec![helper(10, Some(3))],
            vec![],
            &[("help.unit_not_entered", "helpers[0].help_unit_id", E)],
        ),
        (
            vec![helper(10, None)],
            vec![team(20, 100, Some(9))],
            &[
                ("help.unit_missing", "helpers[0].help_unit_id", E),
                (
                    "help.unit_not_entered",
                    "work_team_members[0].help_unit_id",
                    E,
                ),
            ],
        ),
    ];
    for (helpers, members, expected) in cases {
        let findings = check_help(&units, &helpers, &members);
        assert!(
            findings
                .iter()
                .all(|f| f.requirement.as_deref() == Some("C7"))
        );
        check(findings, expected);
    }
    // With no unit entered yet, nobody can be sent.
    check(
        check_help(&[], &[helper(10, Some(1))], &[]),
        &[("help.unit_not_entered", "helpers[0].help_unit_id", E)],
    );
}

#[test]
fn c7_units_helpers_and_team_members_on_their_own() {
    let units = vec![unit(1)];
    type Case = (Vec<HelpUnit>, Vec<Helper>, Vec<WorkTeamMember>, Expected);
    let bad_id = Helper {
        id_number: Some("411421198001010010".into()),
        ..helper(10, Some(1))
    };
    let wrong_sex = Helper {
        sex: Some(Sex::Female),
        ..helper(10, Some(1))
    };
    let wrong_birth = Helper {
        birth_date: Some(d("1980-01-02")),
        ..helper(10, Some(1))
    };
    let leader = |n| WorkTeamMember {
        is_team_leader: Some(true),
        ..team(n, 100, Some(1))
    };
    let cases: Vec<Case> = vec![
        (
            vec![
                unit(1),
                HelpUnit {
                    name: Some(" 县直单位1 ".into()),
                    ..unit(2)
                },
            ],
            vec![],
            vec![],
            &[("help_unit.duplicate_name", "help_units[1].name", W)],
        ),
        (
            vec![HelpUnit {
                name: None,
                affiliation: None,
                phone: Some("123".into()),
                ..unit(1)
            }],
            vec![],
            vec![],
            &[
                ("help_unit.name_missing", "help_units[0].name", E),
                (
                    "help_unit.affiliation_missing",
                    "help_units[0].affiliation",
                    W,
                ),
                ("help_unit.phone_shape", "help_units[0].phone", W),
            ],
        ),
        (
            units.clone(),
            vec![bad_id],
            vec![],
            &[("helper.id_number_check_digit", "helpers[0].id_number", E)],
        ),
        (
            units.clone(),
            vec![wrong_sex],
            vec![],
            &[("helper.sex_mismatch", "helpers[0].sex", E)],
        ),
        (
            units.clone(),
            vec![wrong_birth],
            vec![],
            &[("helper.birth_date_mismatch", "helpers[0].birth_date", E)],
        ),
        (
            units.clone(),
            vec![helper(10, Some(1)), helper(10, Some(1))],
            vec![],
            &[("helper.duplicate", "helpers[1].id_number", E)],
        ),
        (
            units.clone(),
            vec![Helper {
                name: None,
                id_number: None,
                ..helper(10, Some(1))
            }],
            vec![],
            &[
                ("helper.name_missing", "helpers[0].name", E),
                ("helper.id_number_missing", "helpers[0].id_number", E),
            ],
        ),
        (
            units.clone(),
            vec![],
            vec![WorkTeamMember {
                end: Some(d("2017-12-31")),
                ..team(20, 100, Some(1))
            }],
            &[("work_team.end_before_start", "work_team_members[0].end", E)],
        ),
        (
            units.clone(),
            vec![],
            vec![
                leader(20),
                leader(21),
                WorkTeamMember {
                    is_team_leader: Some(true),
                    ..team(22, 101, Some(1))
                },
            ],
            &[("work_team.several_leaders", "work_team_members[1]", W)],
        ),
    ];
    for (units, helpers, members, expected) in cases {
        check(check_help(&units, &helpers, &members), expected);
    }
}

#[test]
fn section_7_1_helper_who_is_a_poor_household_member() {
    let helpers = vec![helper(10, Some(1)), helper(11, Some(1))];
    let poor: BTreeSet<String> = [helpers[1]
        .id_number
        .clone()
        .unwrap_or_default()
        .to_lowercase()]
    .into_iter()
    .collect();
    check(
        check_helpers_not_poor(&helpers, &poor),
        &[("helper.is_poor_member", "helpers[1].id_number", E)],
    );
    check(check_helpers_not_poor(&helpers, &BTreeSet::new()), &[]);
}

/// C7: a pairing names a helper the county has entered (the county-wide checks run this over
/// the county's helpers; a pairing in force and its dates are the household's own rules).
#[test]
fn c7_a_pairing_names_an_entered_helper() {
    let helpers = vec![helper(10, Some(1))];
    let pairing = |h: u128| Pairing {
        helper_id: Uuid::from_u128(h),
        start: Some(d("2016-03-01")),
        end: None,
    };
    let cases: Vec<(Vec<Pairing>, Expected)> = vec![
        (vec![pairing(10)], &[]),
        (vec![], &[]),
        (
            vec![pairing(10), pairing(11)],
            &[(
                "household.pairing_unknown_helper",
                "pairings[1].helper_id",
                E,
            )],
        ),
    ];
    for (pairings, expected) in cases {
        let household = Household {
            pairings,
            ..Household::default()
        };
        check(check_household_helper(&household, &helpers), expected);
    }
}
