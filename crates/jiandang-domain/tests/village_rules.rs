//! Village and natural-village rules: plausibility (C3), village exit (W4), and the W3
//! review findings. Each case names the NOTICE.md requirement (or FORMS.md section) it covers.

use std::collections::BTreeMap;

use jiandang_domain::codes::village::VillageAttribute;
use jiandang_domain::household::Decimal2;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules::village::{
    check_exited_village_incidence, check_natural_village, check_natural_villages, check_village,
    check_village_exit, check_village_without_recent_exits,
};
use jiandang_domain::village::{NaturalVillage, Village, VillageExitItems, VillageStats};
use jiandang_domain::{Finding, Severity};
use uuid::Uuid;

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// Expected findings: code and severity.
type Expected = &'static [(&'static str, Severity)];

fn check(findings: Vec<Finding>, expected: &[(&str, Severity)]) {
    let mut got: Vec<(String, Severity)> = findings
        .iter()
        .map(|f| (f.code.clone(), f.severity))
        .collect();
    got.sort();
    let mut want: Vec<(String, Severity)> = expected
        .iter()
        .map(|(c, s)| ((*c).to_owned(), *s))
        .collect();
    want.sort();
    assert_eq!(got, want, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.requirement.is_some() && !f.message.is_empty())
    );
}

fn all_met() -> VillageExitItems {
    VillageExitItems {
        hardened_road: Some(true),
        safe_water: Some(true),
        electricity: Some(true),
        broadcast_tv: Some(true),
        cultural_centre: Some(true),
        standard_clinic: Some(true),
        qualified_doctor: Some(true),
        broadband: Some(true),
    }
}

fn village() -> Village {
    let mut v = Village {
        id: Uuid::from_u128(1),
        ..Village::default()
    };
    v.basic.name = Some("李庄村".into());
    v.basic.division_code = Some("411421100201".into());
    v.basic.attribute = Some(VillageAttribute::Poor);
    v.basic.longitude = Some(115.65);
    v.basic.latitude = Some(34.41);
    v.population.households = Some(400);
    v.population.population = Some(1600);
    v.population.agricultural_population = Some(1500);
    v.population.poor_households = Some(30);
    v.population.poor_population = Some(80);
    v.population.natural_villages = Some(2);
    v.population.labour_force = Some(900);
    v.population.migrant_workers = Some(500);
    v.land.arable_mu = Some(Decimal2::from_int(3000));
    v.land.irrigated_mu = Some(Decimal2::from_int(2500));
    v.exit_items = all_met();
    v
}

fn stats(not_exited: u32, returned: u32, population: u32, exits: &[(i32, u32)]) -> VillageStats {
    VillageStats {
        not_exited_people: not_exited,
        returned_people: returned,
        agricultural_population: population,
        households_exited_by_year: exits.iter().copied().collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn c3_village_plausibility() {
    let p = YearPolicy::shangqiu_2018();
    type Edit = fn(&mut Village);
    let cases: Vec<(Edit, Expected)> = vec![
        (|_| {}, &[]),
        (
            |v| v.population.poor_households = Some(401),
            &[
                ("village.exceeds_households", E),
                ("village.fewer_people_than_households", W),
            ],
        ),
        (
            |v| v.population.poor_population = Some(1601),
            &[("village.exceeds_population", E)],
        ),
        (
            |v| v.population.poor_population = Some(20),
            &[("village.fewer_people_than_households", W)],
        ),
        (
            |v| v.population.migrant_workers = Some(901),
            &[("village.migrants_exceed_labour", W)],
        ),
        (
            |v| v.land.irrigated_mu = Some(Decimal2::from_hundredths(300_001)),
            &[("village.irrigated_exceeds_arable", E)],
        ),
        (
            |v| v.land.water_mu = Some(Decimal2::from_int(-1)),
            &[("village.negative_measure", E)],
        ),
        (
            |v| v.power.electrified_natural_villages = Some(3),
            &[("village.exceeds_natural_villages", E)],
        ),
        (
            |v| {
                v.roads.paved_to_township = Some(true);
                v.roads.unpaved_to_township_km = Some(Decimal2::from_hundredths(150));
            },
            &[("village.paved_road_with_unpaved_km", W)],
        ),
        (
            |v| v.basic.attribute = Some(VillageAttribute::Exited),
            &[("village.exit_year_missing", E)],
        ),
        (
            |v| v.basic.exit_year = Some(2017),
            &[("village.exit_year_attribute_mismatch", W)],
        ),
        (
            |v| v.basic.exit_year = Some(2019),
            &[("village.exit_year_out_of_range", E)],
        ),
        (
            |v| v.basic.division_code = Some("4114".into()),
            &[("village.division_code_shape", E)],
        ),
        (
            |v| v.basic.head_phone = Some("12345".into()),
            &[("village.phone_shape", W)],
        ),
        (|v| v.basic.head_phone = Some("0370-6123456".into()), &[]),
        // Longitude and latitude swapped.
        (
            |v| {
                v.basic.longitude = Some(34.41);
                v.basic.latitude = Some(115.65);
            },
            &[("village.coordinates_out_of_range", E)],
        ),
        (
            |v| v.basic.latitude = None,
            &[("village.coordinates_incomplete", W)],
        ),
    ];
    for (edit, expected) in cases {
        let mut v = village();
        edit(&mut v);
        check(check_village(&v, &p), expected);
    }
}

fn natural(n: u128, name: &str, households: u32) -> NaturalVillage {
    let mut nv = NaturalVillage {
        id: Uuid::from_u128(100 + n),
        village_id: Uuid::from_u128(1),
        ..NaturalVillage::default()
    };
    nv.basic.name = Some(name.into());
    nv.population.households = Some(households);
    nv.population.population = Some(households * 4);
    nv.population.over_20_households = Some(households >= 20);
    nv
}

#[test]
fn c3_natural_villages_against_their_village() {
    let v = village();
    let stranger = NaturalVillage {
        village_id: Uuid::from_u128(9),
        ..natural(3, "王庄", 50)
    };
    let cases: Vec<(Vec<NaturalVillage>, Expected)> = vec![
        (vec![natural(1, "前李", 200), natural(2, "后李", 200)], &[]),
        (
            vec![natural(1, "前李", 200)],
            &[("village.natural_village_count_mismatch", W)],
        ),
        (
            vec![natural(1, "前李", 300), natural(2, "后李", 200)],
            // Households 500 > 400 and people 2000 > 1600.
            &[
                ("village.natural_villages_exceed_village", W),
                ("village.natural_villages_exceed_village", W),
            ],
        ),
        (
            vec![natural(1, "前李", 100), natural(2, "前李", 100)],
            &[("natural_village.duplicate_name", W)],
        ),
        (
            vec![natural(1, "前李", 100), natural(2, "后李", 100), stranger],
            &[("natural_village.wrong_village", E)],
        ),
    ];
    for (naturals, expected) in cases {
        check(check_natural_villages(&v, &naturals), expected);
    }
}

#[test]
fn c3_natural_village_plausibility() {
    type Edit = fn(&mut NaturalVillage);
    let cases: Vec<(Edit, Expected)> = vec![
        (|_| {}, &[]),
        (
            |n| n.basic.name = None,
            &[("natural_village.name_missing", E)],
        ),
        (
            |n| n.population.poor_households = Some(31),
            &[("natural_village.exceeds_households", E)],
        ),
        (
            |n| n.population.poor_population = Some(121),
            &[("natural_village.exceeds_population", E)],
        ),
        (
            |n| n.population.population = Some(20),
            &[("natural_village.fewer_people_than_households", W)],
        ),
        (
            |n| n.population.over_20_households = Some(false),
            &[("natural_village.over_20_mismatch", W)],
        ),
        (
            |n| {
                n.infrastructure.hardened_road = Some(true);
                n.infrastructure.unpaved_km = Some(Decimal2::from_hundredths(50));
            },
            &[("natural_village.paved_road_with_unpaved_km", W)],
        ),
        (
            |n| n.infrastructure.tap_water_households = Some(31),
            &[("natural_village.exceeds_households", E)],
        ),
    ];
    for (edit, expected) in cases {
        let mut n = natural(1, "前李", 30);
        edit(&mut n);
        check(check_natural_village(&n), expected);
    }
}

#[test]
fn w4_village_exit() {
    let p = YearPolicy::shangqiu_2018();
    type Edit = fn(&mut Village);
    // 29 of 1500 = 1.93 % exits; 30 of 1500 = exactly 2 % does not.
    let cases: Vec<(Edit, VillageStats, Expected)> = vec![
        (|_| {}, stats(20, 9, 1500, &[]), &[]),
        (
            |_| {},
            stats(20, 10, 1500, &[]),
            &[("village_exit.incidence_too_high", E)],
        ),
        (
            |_| {},
            stats(0, 0, 0, &[]),
            &[("village_exit.no_population", E)],
        ),
        (
            |v| v.exit_items.hardened_road = Some(false),
            stats(0, 0, 1500, &[]),
            &[("village_exit.road_not_hardened", E)],
        ),
        (
            |v| v.exit_items = VillageExitItems::default(),
            stats(0, 0, 1500, &[]),
            &[
                ("village_exit.road_not_hardened", E),
                ("village_exit.water_unsafe", E),
                ("village_exit.no_electricity", E),
                ("village_exit.no_broadcast_tv", E),
                ("village_exit.no_cultural_centre", E),
                ("village_exit.no_standard_clinic", E),
                ("village_exit.no_qualified_doctor", E),
                ("village_exit.no_broadband", E),
            ],
        ),
        (
            |v| {
                v.exit_items.standard_clinic = Some(false);
                v.exit_items.qualified_doctor = None;
            },
            stats(40, 0, 1500, &[]),
            &[
                ("village_exit.incidence_too_high", E),
                ("village_exit.no_standard_clinic", E),
                ("village_exit.no_qualified_doctor", E),
            ],
        ),
        (
            |v| v.basic.exit_year = Some(2017),
            stats(0, 0, 1500, &[]),
            &[("village_exit.already_exited", E)],
        ),
        (
            |v| v.basic.attribute = Some(VillageAttribute::NotPoor),
            stats(0, 0, 1500, &[]),
            &[("village_exit.not_poor_village", E)],
        ),
    ];
    for (edit, s, expected) in cases {
        let mut v = village();
        edit(&mut v);
        let findings = check_village_exit(&v, &s, &p);
        assert!(
            findings
                .iter()
                .all(|f| f.requirement.as_deref() == Some("W4"))
        );
        check(findings, expected);
    }
}

#[test]
fn w4_incidence_message_names_the_rate() {
    let p = YearPolicy::shangqiu_2018();
    let f = check_village_exit(&village(), &stats(30, 5, 1500, &[]), &p);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("2.33%"), "{}", f[0].message);
    assert_eq!(f[0].path, "population.poor_population");
}

#[test]
fn w3_exited_village_above_the_line() {
    let p = YearPolicy::shangqiu_2018();
    let mut exited = village();
    exited.basic.attribute = Some(VillageAttribute::Exited);
    exited.basic.exit_year = Some(2017);
    let poor = village();
    let cases: Vec<(&Village, VillageStats, Expected)> = vec![
        (
            &exited,
            stats(31, 0, 1500, &[]),
            &[("village.exited_incidence_above_line", W)],
        ),
        // Exactly 2 % is not "above 2 %" (the notice's words).
        (&exited, stats(30, 0, 1500, &[]), &[]),
        (&exited, stats(10, 0, 1500, &[]), &[]),
        // A village that has not exited is W4's business, not W3's.
        (&poor, stats(100, 0, 1500, &[]), &[]),
    ];
    for (v, s, expected) in cases {
        let findings = check_exited_village_incidence(v, &s, &p);
        assert!(
            findings
                .iter()
                .all(|f| f.requirement.as_deref() == Some("W3"))
        );
        check(findings, expected);
    }
}

#[test]
fn w3_no_household_exit_in_2016_and_2017() {
    let p = YearPolicy::shangqiu_2018();
    let cases: Vec<(VillageStats, Expected)> = vec![
        (
            stats(50, 0, 1500, &[(2015, 4)]),
            &[("village.no_exits_two_years", W)],
        ),
        (
            stats(50, 0, 1500, &[(2016, 0), (2017, 0), (2018, 3)]),
            &[("village.no_exits_two_years", W)],
        ),
        (stats(50, 0, 1500, &[(2016, 2)]), &[]),
        (stats(50, 0, 1500, &[(2017, 1)]), &[]),
        // Nobody left to exit: nothing to review.
        (stats(0, 0, 1500, &[]), &[]),
    ];
    for (s, expected) in cases {
        let findings = check_village_without_recent_exits(&s, &p);
        assert!(
            findings
                .iter()
                .all(|f| f.requirement.as_deref() == Some("W3"))
        );
        check(findings, expected);
    }
}

#[test]
fn village_json_round_trips_and_tolerates_missing_sections() {
    let v = village();
    let json = serde_json::to_value(&v).expect("serialise");
    assert_eq!(json["basic"]["attribute"], "1");
    assert_eq!(json["land"]["arable_mu"], 3000);
    let back: Village = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, v);
    let sparse: Village = serde_json::from_str(
        r#"{"id":"00000000-0000-0000-0000-000000000001","basic":{"name":"李庄村"}}"#,
    )
    .expect("sparse");
    assert_eq!(sparse.population.households, None);
    assert!(serde_json::from_str::<Village>(r#"{"population":{"households":-1}}"#).is_err());
}

#[test]
fn w3_w4_stats_from_households() {
    use jiandang_domain::codes::household::ExitStatus;
    use jiandang_domain::household::Household;
    let household = |status: ExitStatus, exit_year: Option<i32>| {
        let mut h = Household::default();
        h.basic.status = Some(status);
        h.basic.exit_year = exit_year;
        h
    };
    let hs = [
        (household(ExitStatus::NotExited, None), 4),
        (household(ExitStatus::PreExit, None), 3),
        (household(ExitStatus::Returned, Some(2016)), 5),
        (household(ExitStatus::Exited, Some(2017)), 2),
        (household(ExitStatus::ExitedNoPolicy, Some(2017)), 6),
    ];
    let s = VillageStats::from_households(hs.iter().map(|(h, n)| (h, *n)), 1500);
    assert_eq!(s, stats(7, 5, 1500, &[(2016, 1), (2017, 2)]));
    let p = YearPolicy::shangqiu_2018();
    check(check_village_without_recent_exits(&s, &p), &[]);
    check(check_village_exit(&village(), &s, &p), &[]);
}

proptest::proptest! {
    /// W3/W4: the incidence is compared exactly; below, at and above the line are exclusive,
    /// and the shown percentage agrees with the comparison.
    #[test]
    fn w4_incidence_comparison_is_exact(poor in 0u32..200_000, population in 1u32..1_000_000) {
        let s = stats(poor, 0, population, &[]);
        let i = s.incidence().expect("population > 0");
        let below = i.is_below_percent(2);
        let above = i.is_above_percent(2);
        let exact = u64::from(poor) * 100 == 2 * u64::from(population);
        proptest::prop_assert_eq!(u8::from(below) + u8::from(above) + u8::from(exact), 1);
        let shown = i.display_percent();
        let basis_points: u64 = shown.trim_end_matches('%').replace('.', "").parse().expect("digits");
        if above {
            proptest::prop_assert!(basis_points >= 200, "{}", shown);
        }
        if below {
            proptest::prop_assert!(basis_points <= 200, "{}", shown);
        }
    }
}
