//! W6: natural member changes. Each case names the NOTICE.md requirement it covers.

use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::{MemberStatus, Relationship};
use jiandang_domain::codes::village::{
    ChangeDirection, ChangeProof, MemberChangeReason, NationalChangeBucket,
};
use jiandang_domain::member::Member;
use jiandang_domain::member_change::MemberChange;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::rules::member_change::{check_member_change, check_member_changes};
use jiandang_domain::{Date, Finding, Severity};
use uuid::Uuid;

fn d(s: &str) -> Date {
    Date::parse(s).expect("test date")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn change(
    direction: ChangeDirection,
    member: u128,
    reason: MemberChangeReason,
    date: &str,
) -> MemberChange {
    MemberChange {
        id: Uuid::from_u128(1000 + member),
        village_id: id(1),
        household_id: id(2),
        direction,
        member_id: id(member),
        reason: Some(reason),
        date: Some(d(date)),
        proof: Some(ChangeProof::HouseholdRegister),
        proof_photo_ids: Vec::new(),
        new_head_id: None,
        note: None,
        reported_by: None,
        reported_on: None,
    }
}

fn inc(member: u128, reason: MemberChangeReason, date: &str) -> MemberChange {
    change(ChangeDirection::Increase, member, reason, date)
}

fn dec(member: u128, reason: MemberChangeReason, date: &str) -> MemberChange {
    change(ChangeDirection::Decrease, member, reason, date)
}

fn member(n: u128, relationship: Relationship, status: MemberStatus) -> Member {
    Member {
        id: id(n),
        household_id: id(2),
        relationship: Some(relationship),
        status,
        birth_date: Some(d("1980-01-01")),
        ..Member::default()
    }
}

/// The codes of the findings, with their severity, in a stable order.
fn codes(findings: &[Finding]) -> Vec<(String, Severity)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.code.clone(), f.severity))
        .collect();
    v.sort();
    v
}

fn check(requirement: &str, findings: Vec<Finding>, expected: &[(&str, Severity)]) {
    let mut want: Vec<(String, Severity)> = expected
        .iter()
        .map(|(c, s)| ((*c).to_owned(), *s))
        .collect();
    want.sort();
    assert_eq!(codes(&findings), want, "{requirement}: {findings:#?}");
    for f in &findings {
        assert_eq!(f.requirement.as_deref(), Some(requirement), "{f:?}");
        assert!(!f.message.is_empty());
    }
}

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// Expected findings: code and severity.
type Expected = &'static [(&'static str, Severity)];
const COLLECTED: &str = "2018-10-20";

#[test]
fn w6_single_change() {
    use MemberChangeReason::*;
    let p = YearPolicy::shangqiu_2018();
    let on = d(COLLECTED);
    let cases: Vec<(MemberChange, Expected)> = vec![
        (inc(10, Newborn, "2018-03-02"), &[]),
        (dec(10, Death, "2018-09-30"), &[]),
        // A reason of the other direction.
        (
            inc(10, Death, "2018-03-02"),
            &[("member_change.reason_wrong_direction", E)],
        ),
        (
            dec(10, MarriageIn, "2018-03-02"),
            &[("member_change.reason_wrong_direction", E)],
        ),
        // A newborn before the period is a 补录; other early changes are questioned.
        (
            inc(10, Newborn, "2017-09-30"),
            &[("member_change.newborn_before_period", W)],
        ),
        (inc(10, LateRegistration, "2012-05-01"), &[]),
        (
            dec(10, Death, "2017-06-01"),
            &[("member_change.date_before_period", W)],
        ),
        // After the period but before collection: next cycle; after collection: refused.
        (
            inc(10, Newborn, "2018-10-05"),
            &[("member_change.date_after_period", W)],
        ),
        (
            inc(10, Newborn, "2018-10-21"),
            &[("member_change.date_after_collection", E)],
        ),
        (
            dec(10, Death, "2019-01-01"),
            &[("member_change.date_after_collection", E)],
        ),
        (
            MemberChange {
                reason: None,
                date: None,
                ..dec(10, Death, "2018-01-01")
            },
            &[
                ("member_change.reason_missing", E),
                ("member_change.date_missing", E),
            ],
        ),
        (
            MemberChange {
                proof: None,
                ..inc(10, Adoption, "2018-01-01")
            },
            &[("member_change.proof_missing", W)],
        ),
        (
            MemberChange {
                new_head_id: Some(id(11)),
                ..inc(10, Adoption, "2018-01-01")
            },
            &[("member_change.new_head_on_increase", W)],
        ),
    ];
    for (c, expected) in cases {
        check("W6", check_member_change(&c, &p, on), expected);
    }
}

#[test]
fn w6_every_reason_has_one_direction_and_a_national_bucket() {
    use MemberChangeReason::*;
    let increases = [
        Newborn,
        MarriageIn,
        RegistrationIn,
        ReleasedFromPrison,
        Adoption,
        MissingReturned,
        LateRegistration,
    ];
    for r in MemberChangeReason::ALL {
        let want = if increases.contains(r) {
            ChangeDirection::Increase
        } else {
            ChangeDirection::Decrease
        };
        assert_eq!(r.direction(), want, "{}", r.zh());
        let bucket = r.national_bucket();
        let bucket_is_increase = matches!(
            bucket,
            NationalChangeBucket::Newborn
                | NationalChangeBucket::MarriedIn
                | NationalChangeBucket::OtherIncrease
        );
        assert_eq!(
            bucket_is_increase,
            want == ChangeDirection::Increase,
            "{}",
            r.zh()
        );
    }
    assert_eq!(MarriageIn.national_bucket().zh(), "嫁入");
    assert_eq!(RuralToUrban.national_bucket().zh(), "其他原因减少");
    assert_eq!(LostContact.national_bucket().code(), "08");
    assert_eq!(MemberChangeReason::ALL.len(), 14);
}

#[test]
fn w6_history_of_a_household() {
    use MemberChangeReason::*;
    use MemberStatus::{Decreased, Present};
    use Relationship::{Head, Son, Spouse};
    let p = YearPolicy::shangqiu_2018();
    let on = d(COLLECTED);
    let head = member(10, Head, Decreased);
    let spouse = member(11, Spouse, Present);
    let son = member(12, Son, Present);
    let baby = Member {
        birth_date: Some(d("2018-03-02")),
        ..member(13, Son, Present)
    };
    let with_new_head = |mut c: MemberChange, h: u128| {
        c.new_head_id = Some(id(h));
        c
    };
    type Case = (
        Vec<Member>,
        Vec<MemberChange>,
        &'static [(&'static str, Severity)],
    );
    let cases: Vec<Case> = vec![
        // The head dies and the spouse becomes head; a baby is born.
        (
            vec![head.clone(), spouse.clone(), baby.clone()],
            vec![
                with_new_head(dec(10, Death, "2018-05-01"), 11),
                inc(13, Newborn, "2018-03-02"),
            ],
            &[],
        ),
        // The head leaves with no new head: 贫困户无户主.
        (
            vec![head.clone(), spouse.clone()],
            vec![dec(10, Death, "2018-05-01")],
            &[("member_change.head_left_without_new_head", E)],
        ),
        // The new head must still be in the household.
        (
            vec![head.clone(), member(11, Spouse, Decreased), son.clone()],
            vec![
                dec(11, Death, "2018-02-01"),
                with_new_head(dec(10, Death, "2018-05-01"), 11),
            ],
            &[("member_change.new_head_not_present", E)],
        ),
        // Two decreases of one member.
        (
            vec![spouse.clone(), member(12, Son, Decreased)],
            vec![
                dec(12, MarriageOut, "2018-02-01"),
                dec(12, RegistrationOut, "2018-04-01"),
            ],
            &[("member_change.duplicate_decrease", E)],
        ),
        // A member who died is added back later.
        (
            vec![spouse.clone(), member(12, Son, Decreased)],
            vec![
                dec(12, Death, "2018-02-01"),
                inc(12, MissingReturned, "2018-04-01"),
            ],
            &[("member_change.after_decrease", E)],
        ),
        // A member present all along is "added".
        (
            vec![spouse.clone(), son.clone()],
            vec![
                inc(12, RegistrationIn, "2018-02-01"),
                inc(12, Adoption, "2018-03-01"),
            ],
            &[("member_change.duplicate_increase", E)],
        ),
        // A decrease recorded but the member is still marked present.
        (
            vec![spouse.clone(), son.clone()],
            vec![dec(12, Imprisoned, "2018-02-01")],
            &[("member_change.decreased_member_present", E)],
        ),
        // A change naming a member the household does not have.
        (
            vec![spouse.clone()],
            vec![dec(99, Death, "2018-02-01")],
            &[("member_change.unknown_member", E)],
        ),
        // Everyone left: the household must be closed (no new head needed).
        (
            vec![head.clone(), member(11, Spouse, Decreased)],
            vec![dec(11, Death, "2018-02-01"), dec(10, Death, "2018-05-01")],
            &[("member_change.all_members_decreased", W)],
        ),
        // A newborn's increase date is its birth date.
        (
            vec![spouse.clone(), baby.clone()],
            vec![inc(13, Newborn, "2018-03-05")],
            &[("member_change.newborn_date_mismatch", W)],
        ),
    ];
    for (members, changes, expected) in cases {
        check(
            "W6",
            check_member_changes(&members, &changes, &p, on),
            expected,
        );
    }
}

#[test]
fn w6_history_paths_name_the_change() {
    use MemberChangeReason::*;
    let p = YearPolicy::shangqiu_2018();
    let members = vec![
        member(10, Relationship::Head, MemberStatus::Decreased),
        member(11, Relationship::Spouse, MemberStatus::Present),
    ];
    let changes = vec![inc(11, Death, "2018-01-01"), dec(10, Death, "2018-05-01")];
    let findings = check_member_changes(&members, &changes, &p, d(COLLECTED));
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"member_changes[0].reason"), "{paths:?}");
    assert!(
        paths.contains(&"member_changes[1].new_head_id"),
        "{paths:?}"
    );
}

#[test]
fn member_change_json_round_trips_with_official_codes() {
    let c = inc(10, MemberChangeReason::Newborn, "2018-03-02");
    let json = serde_json::to_value(&c).expect("serialise");
    assert_eq!(json["direction"], "1");
    assert_eq!(json["reason"], "11");
    assert_eq!(json["proof"], "02");
    let back: MemberChange = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, c);
    assert_eq!(c.national_bucket(), Some(NationalChangeBucket::Newborn));
}

/// W6: the change sheet offers, for each direction, exactly the reasons the rules accept
/// for it: a reason the form offers never meets `reason_wrong_direction`, one it hides
/// always does.
#[test]
fn the_sheet_offers_only_the_reasons_of_its_direction() {
    let p = YearPolicy::shangqiu_2018();
    let form = jiandang_domain::forms::member_change::member_change();
    let reason = form
        .fields()
        .find(|f| f.path == "reason")
        .expect("变更原因 on the form");
    let by = reason
        .options_by
        .as_ref()
        .expect("变更原因 offered by 变更类型");
    assert_eq!(by.path, "direction");
    for direction in ChangeDirection::ALL {
        let offered = &by.options[direction.code()];
        for r in MemberChangeReason::ALL {
            let c = change(*direction, 5, *r, "2018-08-01");
            let wrong = check_member_change(&c, &p, d("2018-10-01"))
                .iter()
                .any(|f| f.code == "member_change.reason_wrong_direction");
            assert_eq!(
                offered.contains(&r.code()),
                !wrong,
                "{} for {}: offered {offered:?}",
                r.zh(),
                direction.zh()
            );
        }
    }
    let increase = &by.options[ChangeDirection::Increase.code()];
    assert!(increase.contains(&MemberChangeReason::Newborn.code()));
    assert!(!increase.contains(&MemberChangeReason::Death.code()));
}
