//! ID numbers (FORMS.md §6.6, N2): GB 11643-1999 parsing, the 残疾人证 form, and the cross
//! checks against a member's 出生日期 and 性别.

use jiandang_domain::Date;
use jiandang_domain::codes::household::{IdType, Sex};
use jiandang_domain::id_number::{IdNumber, IdNumberError, check_char};
use jiandang_domain::member::Member;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules;
use proptest::prelude::*;

/// A valid number from its first 17 digits.
fn with_check(first17: &str) -> String {
    let mut s = first17.to_owned();
    s.push(char::from(check_char(first17.as_bytes())));
    s
}

fn check(input: &str, expected: Result<(&str, &str, Sex), IdNumberError>) {
    let got = IdNumber::parse(input).map(|id| {
        (
            id.as_str().to_owned(),
            id.birth_date().to_string(),
            id.sex(),
        )
    });
    let expected = expected.map(|(s, d, sex)| (s.to_owned(), d.to_owned(), sex));
    assert_eq!(got, expected, "{input}");
}

#[test]
fn citizen_numbers_n2() {
    // Reference number from GB 11643-1999's own example.
    check(
        "11010519491231002X",
        Ok(("11010519491231002X", "1949-12-31", Sex::Female)),
    );
    check(
        "11010519491231002x",
        Ok(("11010519491231002X", "1949-12-31", Sex::Female)),
    );
    check(
        " 411421196803151231 ",
        Ok(("411421196803151231", "1968-03-15", Sex::Male)),
    );
    check("411421196803151232", Err(IdNumberError::CheckDigit));
    check("41142119680315123", Err(IdNumberError::Length));
    check("4114211968031512311", Err(IdNumberError::Length));
    check("411421680315123", Err(IdNumberError::NeedsUpgrade));
    check("411421199999991234", Err(IdNumberError::Placeholder));
    check("", Err(IdNumberError::Empty));
    check("41142119680315123Y", Err(IdNumberError::Characters));
    check("4114211968031512X1", Err(IdNumberError::Characters));
    check("０11421196803151231", Err(IdNumberError::Length));
    check(&with_check("99142119680315123"), Err(IdNumberError::Region));
    check(&with_check("41000019680315123"), Err(IdNumberError::Region));
    check(
        &with_check("41142119680230123"),
        Err(IdNumberError::BirthDate),
    );
    check(
        &with_check("41142118000101123"),
        Err(IdNumberError::BirthDate),
    );
    check(
        &with_check("41142120000229124"),
        Ok((&with_check("41142120000229124"), "2000-02-29", Sex::Female)),
    );
}

#[test]
fn disability_certificate_numbers_are_twenty_characters_n2() {
    let base = "411421196803151231";
    let ok = IdNumber::parse_as(IdType::DisabilityCert, &format!("{base}42"));
    assert_eq!(ok.as_ref().map(|i| i.is_disability_cert()), Ok(true));
    assert_eq!(
        ok.map(|i| i.birth_date().to_string()),
        Ok("1968-03-15".into())
    );
    assert_eq!(
        IdNumber::parse_as(IdType::DisabilityCert, &format!("{base}82")),
        Err(IdNumberError::DisabilitySuffix)
    );
    assert_eq!(
        IdNumber::parse_as(IdType::DisabilityCert, &format!("{base}45")),
        Err(IdNumberError::DisabilitySuffix)
    );
    assert_eq!(
        IdNumber::parse_as(IdType::DisabilityCert, base),
        Err(IdNumberError::Length)
    );
    assert_eq!(
        IdNumber::parse_as(IdType::ResidentId, &format!("{base}42")),
        Err(IdNumberError::Length)
    );
}

#[test]
fn debug_never_prints_the_whole_number() {
    let id = IdNumber::parse("411421196803151231").unwrap();
    let shown = format!("{id:?}");
    assert!(!shown.contains("19680315"), "{shown}");
}

/// The member rule's findings for a member with this number, birth date and sex.
fn member_codes(id: &str, birth: &str, sex: Sex) -> Vec<String> {
    let m = Member {
        name: "张某某".into(),
        sex: Some(sex),
        id_type: Some(IdType::ResidentId),
        id_number: Some(id.into()),
        birth_date: Some(Date::parse(birth).unwrap()),
        ..Member::default()
    };
    let mut codes: Vec<String> = rules::member::check(&m, &YearPolicy::shangqiu_2018())
        .into_iter()
        .filter(|f| f.path == "id_number" || f.path == "birth_date" || f.path == "sex")
        .map(|f| f.code)
        .collect();
    codes.sort();
    codes
}

#[test]
fn member_cross_checks_n2() {
    let cases: [(&str, &str, Sex, &[&str]); 5] = [
        ("411421196803151231", "1968-03-15", Sex::Male, &[]),
        (
            "411421196803151231",
            "1968-03-16",
            Sex::Male,
            &["member.birth_date_mismatch"],
        ),
        (
            "411421196803151231",
            "1968-03-15",
            Sex::Female,
            &["member.sex_mismatch"],
        ),
        (
            "411421196803151232",
            "1968-03-15",
            Sex::Male,
            &["member.id_number.check_digit"],
        ),
        (
            "411421680315123",
            "1968-03-15",
            Sex::Male,
            &["member.id_number.needs_upgrade"],
        ),
    ];
    for (id, birth, sex, expected) in cases {
        assert_eq!(
            member_codes(id, birth, sex),
            expected,
            "{id} {birth} {sex:?}"
        );
    }
}

fn valid_first17() -> impl Strategy<Value = (String, Date)> {
    (11u32..=82, 1u32..=9999, 0i64..60_000, 0u32..=999).prop_map(|(p, county, days, seq)| {
        let birth = Date::parse("1900-01-01").unwrap().add_days(days);
        let s = format!(
            "{p:02}{county:04}{:04}{:02}{:02}{seq:03}",
            birth.year(),
            birth.month(),
            birth.day()
        );
        (s, birth)
    })
}

proptest! {
    #[test]
    fn any_valid_number_parses_and_round_trips((first17, birth) in valid_first17(), lower in any::<bool>()) {
        let full = with_check(&first17);
        prop_assume!(!full.contains("99999"));
        let typed = if lower { full.to_lowercase() } else { full.clone() };
        let id = IdNumber::parse(&typed).unwrap();
        prop_assert_eq!(id.as_str(), full.as_str());
        prop_assert_eq!(id.birth_date(), birth);
        let odd = (first17.as_bytes()[16] - b'0') % 2 == 1;
        prop_assert_eq!(id.sex(), if odd { Sex::Male } else { Sex::Female });
        let json = serde_json::to_string(&id).unwrap();
        let back: IdNumber = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, id);
    }

    #[test]
    fn changing_one_digit_breaks_the_check((first17, _b) in valid_first17(), pos in 0usize..18, delta in 1u8..10) {
        let full = with_check(&first17);
        let mut bytes = full.into_bytes();
        let c = bytes[pos];
        prop_assume!(c.is_ascii_digit());
        bytes[pos] = b'0' + (c - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(IdNumber::parse(&changed).is_err(), "{}", changed);
    }
}
