//! The exit gate (W1, W2, C9): every reason a household may not be marked 已脱贫, each
//! named; the ready example passes.

use jiandang_domain::Money;
use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::codes::household::{Health, StudentStatus};
use jiandang_domain::exit::check_exit;
use jiandang_domain::household::Assurance;
use jiandang_domain::policy::YearPolicy;

fn ready() -> HouseholdBundle {
    let text = include_str!("../../../examples/household-ok.json");
    serde_json::from_str::<HouseholdBundle>(text).expect("example reads")
}

/// Applies `edit` to the ready household and compares the gate's (code, path, message start).
fn check(edit: impl FnOnce(&mut HouseholdBundle), expected: &[(&str, &str, &str)]) {
    let mut b = ready();
    edit(&mut b);
    let got: Vec<(String, String, String)> = match check_exit(&b, &YearPolicy::shangqiu_2018()) {
        Ok(()) => Vec::new(),
        Err(f) => f
            .into_iter()
            .map(|f| {
                assert!(f.is_error());
                (f.code, f.path, f.message)
            })
            .collect(),
    };
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((code, path, message), (ecode, epath, estart)) in got.iter().zip(expected) {
        assert_eq!(code, ecode, "{got:#?}");
        assert_eq!(path, epath, "{got:#?}");
        assert!(message.starts_with(estart), "{message} / {estart}");
    }
}

const UNRESOLVED: &str = "exit.no_worries_unresolved";

#[test]
fn the_ready_household_may_exit_w1() {
    check(|_| {}, &[]);
}

#[test]
fn each_unresolved_item_is_named_w2() {
    check(
        |b| b.household.no_worries.food = Assurance::no("口粮不足"),
        &[(
            UNRESOLVED,
            "household.no_worries.food",
            "不愁吃未解决：口粮不足",
        )],
    );
    check(
        |b| b.household.no_worries.clothing = Assurance::default(),
        &[(
            UNRESOLVED,
            "household.no_worries.clothing",
            "不愁穿未解决：尚未核实",
        )],
    );
    check(
        |b| {
            b.household.living.dilapidated = Some(true);
        },
        &[(
            UNRESOLVED,
            "household.living.dilapidated",
            "住房安全有保障未解决：住房为危房",
        )],
    );
    check(
        |b| b.household.living.safe_drinking_water = Some(false),
        &[(
            UNRESOLVED,
            "household.living.safe_drinking_water",
            "饮水安全有保障未解决：未解决安全饮用水",
        )],
    );
}

#[test]
fn derived_items_override_the_tick_w2() {
    // A healthy 14-year-old out of school: 义务教育 unresolved even though ticked resolved.
    check(
        |b| b.members[2].student_status = Some(StudentStatus::NotInSchool),
        &[(
            UNRESOLVED,
            "members[2].student_status",
            "义务教育有保障未解决：14岁适龄儿童失学辍学",
        )],
    );
    check(
        |b| b.members[2].student_status = None,
        &[(
            UNRESOLVED,
            "members[2].student_status",
            "义务教育有保障未解决：14岁适龄儿童未填写在校生状况",
        )],
    );
    // A seriously disabled child out of school is not a 辍学 case.
    check(
        |b| {
            b.members[2].student_status = Some(StudentStatus::NotInSchool);
            b.members[2].health = vec![Health::Disabled];
        },
        &[],
    );
    check(
        |b| b.members[3].basic_medical_insurance = Some(false),
        &[(
            UNRESOLVED,
            "members[3].basic_medical_insurance",
            "基本医疗有保障未解决：有家庭成员未参加城乡居民基本医疗保险",
        )],
    );
    check(
        |b| {
            b.members[3].health = vec![Health::SeriousIllness];
            b.members[3].critical_illness_insurance = Some(false);
        },
        &[(
            UNRESOLVED,
            "members[3].critical_illness_insurance",
            "基本医疗有保障未解决：患大病成员未参加大病保险",
        )],
    );
}

#[test]
fn income_must_exceed_the_line_w1() {
    // 4 members: 13600 net is exactly 3400 each, not above the line.
    check(
        |b| {
            b.household.income.wage = Some(Money::from_yuan(12000 - 4900));
        },
        &[(
            "exit.income_below_line",
            "household.income.net_per_capita",
            "人均纯收入3400.00元，未超过2018年脱贫标准3400.00元",
        )],
    );
    check(
        |b| b.household.income.wage = Some(Money::from_yuan(12000 - 4896)),
        &[],
    );
}

#[test]
fn basic_information_must_be_updated_first_c9() {
    check(
        |b| b.household.basic.basic_info_updated_year = Some(2017),
        &[(
            "exit.basic_info_not_updated",
            "household.basic.basic_info_updated_year",
            "2018年基础信息尚未更新",
        )],
    );
}

#[test]
fn every_reason_is_listed_at_once_w1_w2_c9() {
    let mut b = ready();
    b.household.no_worries = Default::default();
    b.household.living.dilapidated = Some(true);
    b.household.basic.basic_info_updated_year = None;
    b.household.income = Default::default();
    for m in &mut b.members {
        m.status = jiandang_domain::codes::household::MemberStatus::Decreased;
    }
    let f = check_exit(&b, &YearPolicy::shangqiu_2018()).unwrap_err();
    let items = f.iter().filter(|f| f.code == UNRESOLVED).count();
    assert_eq!(items, 6, "{f:#?}");
    for code in [
        "exit.income_unknown",
        "exit.income_not_collected",
        "exit.basic_info_not_updated",
    ] {
        assert!(f.iter().any(|f| f.code == code), "{code} {f:#?}");
    }
}
