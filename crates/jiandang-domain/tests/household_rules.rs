//! Household-level checks (FORMS.md §7.1–§7.3) and member checks (§2, §6.5, C8), as tables
//! of edits to the ready example household and the findings they must produce.

use jiandang_domain::Money;
use jiandang_domain::Severity::{self, Error, Warning};
use jiandang_domain::bundle::{HouseholdBundle, check_household_bundle};
use jiandang_domain::codes::household::{
    DropoutReason, Health, HouseholdAttribute, LabourSkill, MemberStatus, PovertyCause,
    Relationship, Sex, StudentStatus,
};
use jiandang_domain::household::{Assurance, Decimal2};
use jiandang_domain::policy::YearPolicy;

/// The ready example as the record stands before its exit: the exit-measure sheet belongs to
/// households that have exited this year, and the exit procedure to those proposed, so both
/// are left out here.
fn ready() -> HouseholdBundle {
    let mut b = serde_json::from_str::<HouseholdBundle>(include_str!(
        "../../../examples/household-ok.json"
    ))
    .expect("example reads");
    b.exit_measures = None;
    b.exit_procedures.clear();
    b
}

/// Applies `edit` and compares the findings (code, path, severity) with `expected`, ignoring
/// order.
fn check(edit: impl FnOnce(&mut HouseholdBundle), expected: &[(&str, &str, Severity)]) {
    let mut b = ready();
    let derived = |b: &HouseholdBundle| {
        let i = &b.household.income;
        (
            i.property_total,
            i.transfer_total,
            i.gross,
            i.net,
            i.net_per_capita,
        )
    };
    let before = derived(&b);
    edit(&mut b);
    // The app recomputes the totals on every edit; a test that did not touch them gets them
    // recomputed too.
    if derived(&b) == before {
        let present = b.members.iter().filter(|m| m.is_present()).count();
        b.household.income = b
            .household
            .income
            .derive(present, &YearPolicy::shangqiu_2018());
    }
    // Messages never carry names or ID numbers: they go to logs and the county's lists.
    let personal: Vec<String> = b
        .members
        .iter()
        .flat_map(|m| [m.name.clone(), m.id_number.clone().unwrap_or_default()])
        .filter(|s| !s.is_empty())
        .collect();
    let mut got: Vec<(String, String, Severity)> =
        check_household_bundle(&b, &YearPolicy::shangqiu_2018())
            .into_iter()
            .map(|f| {
                assert!(!f.message.is_empty());
                for p in &personal {
                    assert!(!f.message.contains(p.as_str()), "{}", f.message);
                }
                (f.code, f.path, f.severity)
            })
            .collect();
    got.sort();
    let mut want: Vec<(String, String, Severity)> = expected
        .iter()
        .map(|(c, p, s)| (c.to_string(), p.to_string(), *s))
        .collect();
    want.sort();
    assert_eq!(got, want);
}

fn yuan(n: i64) -> Option<Money> {
    Some(Money::from_yuan(n))
}

#[test]
fn the_example_is_clean_n1() {
    check(|_| {}, &[]);
}

#[test]
fn head_and_spouse_s7_1() {
    check(
        |b| b.members[0].relationship = Some(Relationship::Son),
        &[("household.head_missing", "members", Error)],
    );
    check(
        |b| b.members[1].relationship = Some(Relationship::Head),
        &[("household.head_multiple", "members[1].relationship", Error)],
    );
    check(
        |b| b.members[3].relationship = Some(Relationship::Spouse),
        &[(
            "household.spouse_multiple",
            "members[3].relationship",
            Error,
        )],
    );
    check(
        |b| b.members[1].relationship = Some(Relationship::Other),
        &[],
    );
    // Same-sex head and spouse: the spouse's 性别 also contradicts the ID number.
    check(
        |b| b.members[1].sex = Some(Sex::Male),
        &[
            ("household.head_spouse_same_sex", "members[1].sex", Warning),
            ("member.sex_mismatch", "members[1].sex", Error),
        ],
    );
    check(
        |b| b.members[2].relationship = Some(Relationship::Daughter),
        &[(
            "member.relationship_sex",
            "members[2].relationship",
            Warning,
        )],
    );
}

#[test]
fn household_size_counts_present_members_s1_2() {
    check(
        |b| b.household.basic.household_size = Some(5),
        &[(
            "household.size_mismatch",
            "household.basic.household_size",
            Error,
        )],
    );
    // A member who left no longer counts, and is no longer checked beyond identity.
    check(
        |b| {
            b.members[3].status = MemberStatus::Decreased;
            b.members[3].health.clear();
        },
        &[
            (
                "household.size_mismatch",
                "household.basic.household_size",
                Error,
            ),
            // The 73-year-old was the household's only person over 60.
            (
                "household.pension_without_elderly",
                "household.income.pension",
                Warning,
            ),
        ],
    );
    check(
        |b| {
            for m in &mut b.members {
                m.status = MemberStatus::Decreased;
            }
            b.household.basic.household_size = Some(0);
        },
        &[("household.no_members", "members", Error)],
    );
}

#[test]
fn causes_of_poverty_agree_with_members_s7_1() {
    check(
        |b| {
            for m in &mut b.members {
                m.health = vec![Health::Healthy];
            }
        },
        &[(
            "household.cause_illness_all_healthy",
            "household.basic.main_cause",
            Error,
        )],
    );
    check(
        |b| b.household.basic.main_cause = Some(PovertyCause::Disability),
        &[(
            "household.cause_disability_nobody_disabled",
            "household.basic.main_cause",
            Error,
        )],
    );
    check(
        |b| b.household.basic.main_cause = Some(PovertyCause::Schooling),
        &[(
            "household.cause_schooling_compulsory_only",
            "household.basic.main_cause",
            Warning,
        )],
    );
    check(
        |b| b.household.basic.other_causes = vec![PovertyCause::Illness],
        &[(
            "household.other_cause_repeats_main",
            "household.basic.other_causes",
            Error,
        )],
    );
    check(
        |b| {
            b.household.basic.other_causes = vec![
                PovertyCause::LackOfSkills,
                PovertyCause::LackOfCapital,
                PovertyCause::Disaster,
            ]
        },
        &[(
            "household.other_causes_too_many",
            "household.basic.other_causes",
            Error,
        )],
    );
    check(
        |b| b.household.basic.main_cause = None,
        &[(
            "household.required_missing",
            "household.basic.main_cause",
            Error,
        )],
    );
}

#[test]
fn minimum_allowance_and_support_agree_s7_1() {
    check(
        |b| b.household.basic.attribute = Some(HouseholdAttribute::Allowance),
        &[
            (
                "household.allowance_without_member",
                "household.basic.attribute",
                Error,
            ),
            (
                "household.allowance_income_zero",
                "household.income.minimum_allowance",
                Error,
            ),
        ],
    );
    check(
        |b| {
            b.household.basic.attribute = Some(HouseholdAttribute::Allowance);
            b.members[3].minimum_allowance = Some(true);
            b.household.income.minimum_allowance = yuan(1800);
        },
        &[],
    );
    check(
        |b| b.members[3].minimum_allowance = Some(true),
        &[(
            "household.general_with_allowance_member",
            "household.basic.attribute",
            Error,
        )],
    );
    check(
        |b| b.household.income.extreme_poverty_support = yuan(500),
        &[(
            "household.general_receives_allowance",
            "household.income.minimum_allowance",
            Error,
        )],
    );
    check(
        |b| {
            b.household.basic.attribute = Some(HouseholdAttribute::Support);
            b.household.income.extreme_poverty_support = yuan(2000);
        },
        &[
            (
                "household.support_with_labourer",
                "members[0].labour_skill",
                Error,
            ),
            (
                "household.support_with_labourer",
                "members[1].labour_skill",
                Error,
            ),
        ],
    );
    check(
        |b| b.household.basic.status = Some(jiandang_domain::codes::household::ExitStatus::Exited),
        &[
            (
                "household.attribute_status_mismatch",
                "household.basic.attribute",
                Error,
            ),
            (
                "household.exit_year_missing",
                "household.basic.exit_year",
                Error,
            ),
        ],
    );
    check(
        |b| {
            b.household.basic.status = Some(jiandang_domain::codes::household::ExitStatus::Returned)
        },
        &[
            (
                "household.return_reason_missing",
                "household.basic.return_reason",
                Error,
            ),
            (
                "household.return_year_missing",
                "household.basic.return_year",
                Error,
            ),
        ],
    );
}

#[test]
fn living_and_production_conditions_s7_2() {
    check(
        |b| b.household.living.dilapidated = Some(true),
        &[(
            "household.dilapidation_level_missing",
            "household.living.dilapidation_level",
            Error,
        )],
    );
    check(
        |b| b.household.production.irrigated_area = Some(Decimal2::from_int(7)),
        &[(
            "household.irrigated_exceeds_arable",
            "household.production.irrigated_area",
            Error,
        )],
    );
    check(
        |b| b.household.living.housing_area_m2 = Some(Decimal2::ZERO),
        &[(
            "household.housing_area_zero",
            "household.living.housing_area_m2",
            Error,
        )],
    );
    check(
        |b| b.household.living.road_distance_km = Some(Decimal2::parse("50.01").unwrap()),
        &[(
            "household.road_distance_far",
            "household.living.road_distance_km",
            Warning,
        )],
    );
    check(
        |b| b.household.production.arable_area = Some(Decimal2::from_int(201)),
        &[(
            "household.arable_per_capita_high",
            "household.production.arable_area",
            Warning,
        )],
    );
    check(
        |b| b.household.living.fuel = None,
        &[("household.required_missing", "household.living.fuel", Error)],
    );
    check(
        |b| b.household.relocation.relocated = Some(true),
        &[
            (
                "household.required_missing",
                "household.relocation.mode",
                Error,
            ),
            (
                "household.required_missing",
                "household.relocation.resettlement_mode",
                Error,
            ),
            (
                "household.required_missing",
                "household.relocation.resettlement_place",
                Error,
            ),
        ],
    );
    check(
        |b| {
            b.household.no_worries.food = Assurance {
                resolved: Some(false),
                reason: None,
            }
        },
        &[(
            "household.no_worries_reason_missing",
            "household.no_worries.food.reason",
            Error,
        )],
    );
}

#[test]
fn income_plausibility_s7_3() {
    check(
        |b| b.household.income.business_expense = yuan(0),
        &[(
            "household.business_expense_missing",
            "household.income.business_expense",
            Warning,
        )],
    );
    check(
        |b| b.household.income.other_transfer = None,
        &[(
            "household.income_item_blank",
            "household.income.other_transfer",
            Warning,
        )],
    );
    check(
        |b| b.household.income.wage = yuan(0),
        &[(
            "household.work_without_wage",
            "household.income.wage",
            Warning,
        )],
    );
    check(
        |b| b.household.income.wage = yuan(1_000_000),
        &[(
            "household.net_per_capita_implausible",
            "household.income.net_per_capita",
            Error,
        )],
    );
}

#[test]
fn small_amounts_and_help_measures_s7_2() {
    check(
        |b| b.household.income.pension = Some(Money::parse("60").unwrap()),
        &[(
            "household.income_item_small",
            "household.income.pension",
            Warning,
        )],
    );
    check(
        |b| b.household.income.wage = Some(Money::parse("1.2").unwrap()),
        &[(
            "household.income_item_small",
            "household.income.wage",
            Warning,
        )],
    );
    check(
        |b| b.household.help_measures[1].year = 2017,
        &[(
            "household.help_measures_year_repeated",
            "household.help_measures[1].year",
            Error,
        )],
    );
    check(
        |b| b.household.help_measures[0].categories.clear(),
        &[(
            "household.help_measures_empty",
            "household.help_measures[0].categories",
            Warning,
        )],
    );
}

#[test]
fn stored_totals_must_match_the_items_s1_7() {
    check(
        |b| b.household.income.net_per_capita = Some(Money::from_yuan(5000)),
        &[(
            "household.income_derived_stale",
            "household.income.net_per_capita",
            Warning,
        )],
    );
    check(|b| b.household.income.gross = None, &[]);
}

#[test]
fn basic_information_s1_2() {
    check(
        |b| b.household.basic.year = Some(2017),
        &[("household.year_mismatch", "household.basic.year", Warning)],
    );
    check(
        |b| {
            b.household.basic.household_size = None;
            b.household.basic.identification_standard = None;
        },
        &[
            (
                "household.required_missing",
                "household.basic.household_size",
                Error,
            ),
            (
                "household.required_missing",
                "household.basic.identification_standard",
                Error,
            ),
        ],
    );
    check(
        |b| b.household.no_worries.clothing = Assurance::default(),
        &[(
            "household.no_worries_unassessed",
            "household.no_worries.clothing.resolved",
            Warning,
        )],
    );
}

#[test]
fn contact_and_pairing_s7_3() {
    check(
        |b| b.household.basic.phone = Some("0370-1234567".into()),
        &[("household.phone_shape", "household.basic.phone", Warning)],
    );
    check(
        |b| b.members[0].phone = Some("1380000000".into()),
        &[("member.phone_shape", "members[0].phone", Warning)],
    );
    check(
        |b| b.household.pairings.clear(),
        &[("household.helper_missing", "household.pairings", Error)],
    );
}

#[test]
fn members_required_fields_and_ids_s7_1() {
    check(
        |b| b.members[1].ethnicity = None,
        &[("member.ethnicity_missing", "members[1].ethnicity", Error)],
    );
    check(
        |b| b.members[0].id_number = Some("411421199999991231".into()),
        &[(
            "member.id_number.placeholder",
            "members[0].id_number",
            Error,
        )],
    );
    check(
        |b| b.members[1].id_number = b.members[0].id_number.clone(),
        &[
            (
                "household.duplicate_id_number",
                "members[1].id_number",
                Error,
            ),
            ("member.birth_date_mismatch", "members[1].birth_date", Error),
            ("member.sex_mismatch", "members[1].sex", Error),
        ],
    );
    check(
        |b| b.members[3].health = vec![Health::Healthy, Health::ChronicIllness],
        &[("member.health_exclusive", "members[3].health", Error)],
    );
    check(
        |b| b.members[3].health = vec![Health::Disabled],
        &[(
            "member.disabled_without_certificate",
            "members[3].id_type",
            Warning,
        )],
    );
}

#[test]
fn student_status_both_years_c8() {
    check(
        |b| b.members[2].student_status_last_year = None,
        &[(
            "member.student_status_last_year_missing",
            "members[2].student_status_last_year",
            Error,
        )],
    );
    check(
        |b| b.members[2].student_status = None,
        &[(
            "member.student_status_missing",
            "members[2].student_status",
            Error,
        )],
    );
    check(
        |b| b.members[2].student_status = Some(StudentStatus::Grade7),
        &[],
    );
    check(
        |b| b.members[2].student_status = Some(StudentStatus::Grade9),
        &[(
            "member.student_status_sequence",
            "members[2].student_status",
            Warning,
        )],
    );
    check(
        |b| b.members[2].student_status = Some(StudentStatus::High1),
        &[
            (
                "member.student_status_sequence",
                "members[2].student_status",
                Warning,
            ),
            (
                "member.student_too_young",
                "members[2].student_status",
                Warning,
            ),
        ],
    );
}

#[test]
fn compulsory_age_child_out_of_school_w2() {
    check(
        |b| b.members[2].student_status = Some(StudentStatus::NotInSchool),
        &[
            (
                "member.compulsory_age_not_in_school",
                "members[2].student_status",
                Warning,
            ),
            (
                "member.dropout_reason_missing",
                "members[2].dropout_reason",
                Error,
            ),
            ("member.education_missing", "members[2].education", Error),
        ],
    );
    check(
        |b| {
            let m = &mut b.members[2];
            m.student_status = Some(StudentStatus::NotInSchool);
            m.dropout_reason = Some(DropoutReason::Illness);
            m.education = Some(jiandang_domain::codes::household::Education::Primary);
        },
        &[
            (
                "member.compulsory_age_not_in_school",
                "members[2].student_status",
                Warning,
            ),
            (
                "member.dropout_reason_health",
                "members[2].dropout_reason",
                Warning,
            ),
        ],
    );
}

#[test]
fn education_against_age_s2_2() {
    check(
        |b| b.members[3].education = Some(jiandang_domain::codes::household::Education::Preschool),
        &[("member.education_age", "members[3].education", Warning)],
    );
    check(
        |b| {
            let m = &mut b.members[2];
            m.student_status = Some(StudentStatus::NotInSchool);
            m.dropout_reason = Some(DropoutReason::Work);
            m.education = Some(jiandang_domain::codes::household::Education::College);
        },
        &[
            (
                "member.compulsory_age_not_in_school",
                "members[2].student_status",
                Warning,
            ),
            ("member.education_age", "members[2].education", Warning),
        ],
    );
}

#[test]
fn records_need_their_ids_n1() {
    check(
        |b| b.members[1].id = uuid::Uuid::nil(),
        &[("records.id_missing", "members[1].id", Error)],
    );
}

#[test]
fn labour_and_work_s7_1() {
    check(
        |b| b.members[0].work_months = Some(13),
        &[("member.work_months_range", "members[0].work_months", Error)],
    );
    check(
        |b| b.members[0].work_place = None,
        &[("member.work_place_missing", "members[0].work_place", Error)],
    );
    check(
        |b| b.members[1].work_place = Some("410100000000".into()),
        &[(
            "member.work_place_without_months",
            "members[1].work_months",
            Error,
        )],
    );
    check(
        |b| b.members[0].labour_skill = Some(LabourSkill::LostCapacity),
        &[
            (
                "member.labour_healthy_lost",
                "members[0].labour_skill",
                Warning,
            ),
            (
                "member.work_without_capacity",
                "members[0].work_months",
                Warning,
            ),
        ],
    );
    check(
        |b| b.members[2].labour_skill = Some(LabourSkill::Ordinary),
        &[("member.labour_child", "members[2].labour_skill", Warning)],
    );
    check(
        |b| b.members[0].labour_skill = None,
        &[(
            "member.labour_skill_missing",
            "members[0].labour_skill",
            Error,
        )],
    );
}
