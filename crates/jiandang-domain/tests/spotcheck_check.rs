//! The supervisor's check records (EVALUATION.md §4, §5, §8.3, §9.2): their forms cover the
//! models and reuse the collection forms; the blind comparison lists differences only after
//! the observation is sealed, field by field with the form's labels; findings and classified
//! differences become problem-list seeds; the estimates count persons over the sample.

use std::collections::BTreeSet;

use jiandang_domain::codes::household::{ExitStatus, Health, Relationship};
use jiandang_domain::form::{FieldDef, FormDef, Widget, leaf_paths};
use jiandang_domain::household::Household;
use jiandang_domain::member::Member;
use jiandang_domain::record::RecordKind;
use jiandang_domain::spotcheck::check::{
    CheckError, CheckFinding, ChecklistRow, Recognition, RecordRef, ScreenedHousehold, SpotCheck,
    VillageScreening,
};
use jiandang_domain::spotcheck::codes::{
    CheckItem, CheckResult, DifferenceClass, FindingCode, FindingSeverity, HouseholdType,
    MissedScope, NoWorriesGap, RiskFlag, VillageType,
};
use jiandang_domain::spotcheck::diff::{DifferenceKind, RegisteredHousehold};
use jiandang_domain::spotcheck::draw::Seed;
use jiandang_domain::spotcheck::estimate::{
    HouseholdResult, Results, Scope, ScreenedVillage, estimate,
};
use jiandang_domain::spotcheck::forms as spotcheck;
use jiandang_domain::spotcheck::frame::{Frame, FrameHousehold, FrameVersion, FrameVillage};
use jiandang_domain::spotcheck::plan::{DraftPlan, PlanSpec};
use jiandang_domain::spotcheck::policy::EvaluationPolicy;
use jiandang_domain::spotcheck::stats::{IntervalMethod, Verdict, proportion_interval};
use jiandang_domain::{Date, Money, Timestamp};
use serde::Serialize;
use uuid::Uuid;

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// Every model leaf has a field and every field a model leaf; list fields' columns match the
/// leaves of one populated row (a checklist's row also has its `kind`). `ignore` are leaves
/// that are the record envelope's, not the form's.
fn covers<T: Serialize>(form: &FormDef, record: &T, ignore: &[&str]) {
    let json = serde_json::to_value(record).unwrap();
    let model: BTreeSet<String> = leaf_paths(&json)
        .into_iter()
        .filter(|p| p != "id" && !ignore.contains(&p.as_str()))
        .collect();
    let fields: Vec<&FieldDef> = form.fields().collect();
    let defined: BTreeSet<String> = fields.iter().map(|f| f.path.to_owned()).collect();
    assert_eq!(defined.len(), fields.len(), "{}: duplicate paths", form.id);
    let missing: Vec<_> = model.difference(&defined).collect();
    let extra: Vec<_> = defined.difference(&model).collect();
    assert!(
        missing.is_empty(),
        "{}: model fields without a definition: {missing:?}",
        form.id
    );
    assert!(
        extra.is_empty(),
        "{}: definitions without a model field: {extra:?}",
        form.id
    );
    for f in fields
        .iter()
        .filter(|f| matches!(f.widget, Widget::Rows | Widget::Checklist))
    {
        let row = json
            .pointer(&format!("/{}", f.path.replace('.', "/")))
            .and_then(|v| v.as_array())
            .and_then(|rows| rows.first())
            .unwrap_or_else(|| panic!("{}: populate {}", form.id, f.path));
        let mut cols: BTreeSet<String> = f.columns.iter().map(|c| c.path.to_owned()).collect();
        if f.widget == Widget::Checklist {
            cols.insert("kind".into());
        }
        assert_eq!(
            leaf_paths(row).into_iter().collect::<BTreeSet<_>>(),
            cols,
            "{}.{}",
            form.id,
            f.path
        );
    }
}

fn member(id: u128, household: Uuid, relationship: Relationship, health: Health) -> Member {
    Member {
        id: uuid(id),
        household_id: household,
        name: format!("成员{id}"),
        relationship: Some(relationship),
        health: vec![health],
        birth_date: Some(Date::parse("1970-01-01").unwrap()),
        ..Member::default()
    }
}

/// A registered exited household of three and its drawn check, observed blind: four people
/// live there (one not registered), the head is seriously ill (registered healthy), the
/// house is dilapidated (registered safe), and a registered son was not found.
fn scene() -> (Household, Vec<Member>, SpotCheck) {
    let hid = uuid(1);
    let mut household = Household {
        id: hid,
        village_id: uuid(100),
        ..Household::default()
    };
    household.basic.status = Some(ExitStatus::Exited);
    household.basic.exit_year = Some(2018);
    household.basic.household_size = Some(3);
    household.living.dilapidated = Some(false);
    household.living.safe_drinking_water = Some(true);
    let registered = vec![
        member(11, hid, Relationship::Head, Health::Healthy),
        member(12, hid, Relationship::Spouse, Health::Healthy),
        member(13, hid, Relationship::Son, Health::Healthy),
    ];
    let mut observed = Household {
        id: hid,
        ..Household::default()
    };
    observed.basic.household_size = Some(4);
    observed.living.dilapidated = Some(true);
    observed.living.safe_drinking_water = Some(true);
    let mut head = registered[0].clone();
    head.health = vec![Health::SeriousIllness];
    let check = SpotCheck {
        id: uuid(500),
        village_id: uuid(100),
        plan_id: uuid(900),
        household_id: hid,
        checked_on: Some(Date::parse("2018-12-12").unwrap()),
        checkers: Some("甲、乙".into()),
        met_household: Some(true),
        observed,
        observed_members: vec![
            head,
            registered[1].clone(),
            member(14, hid, Relationship::Grandson, Health::Healthy),
        ],
        ..SpotCheck::default()
    };
    (household, registered, check)
}

/// §9.2: the register's values are compared only after the observation is sealed, field by
/// field, with the form's labels; fields not observed are not listed.
#[test]
fn blind_check_lists_differences_after_the_observation() {
    let (household, members, check) = scene();
    let register = RegisteredHousehold {
        household: &household,
        members: &members,
    };
    assert!(check.differences.is_empty() && check.observed_at.is_none());
    assert_eq!(
        check.require_observed().unwrap_err().code(),
        "spot.not_observed"
    );
    let at = Timestamp::from_millis(1_544_600_000_000);
    let revealed = check.clone().reveal(register, at).unwrap();
    assert_eq!(revealed.observed_at, Some(at));
    assert_eq!(revealed.require_observed(), Ok(at));
    let listed: Vec<(DifferenceKind, Option<RecordKind>, &str, &str)> = revealed
        .differences
        .iter()
        .map(|d| {
            (
                d.kind,
                d.record.map(|r| r.kind),
                d.field.as_str(),
                d.label_zh.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                DifferenceKind::Value,
                Some(RecordKind::Household),
                "basic.household_size",
                "家庭人口数"
            ),
            (
                DifferenceKind::Value,
                Some(RecordKind::Household),
                "living.dilapidated",
                "是否危房户"
            ),
            (
                DifferenceKind::Value,
                Some(RecordKind::Member),
                "health",
                "户主·健康状况"
            ),
            (
                DifferenceKind::PersonNotRegistered,
                None,
                "",
                "家庭成员（登记中没有）"
            ),
            (
                DifferenceKind::PersonNotFound,
                Some(RecordKind::Member),
                "",
                "家庭成员（核查时未见）"
            ),
        ]
    );
    let size = &revealed.differences[0];
    assert_eq!(
        (size.registered.clone(), size.observed.clone()),
        (serde_json::json!(3), serde_json::json!(4))
    );
    // A person on one side only is described without a name.
    let text = serde_json::to_string(&revealed.differences).unwrap();
    assert!(!text.contains("成员1"), "no names in differences: {text}");
    // Sealed once: the observation cannot be sealed (and so changed) again.
    assert_eq!(
        revealed.clone().reveal(register, at).unwrap_err(),
        CheckError::Sealed
    );
    // The register of another household is refused.
    let other = Household {
        id: uuid(2),
        ..household.clone()
    };
    let wrong = RegisteredHousehold {
        household: &other,
        members: &members,
    };
    assert_eq!(
        check.clone().reveal(wrong, at).unwrap_err().code(),
        "spot.wrong_household"
    );
    // A record that lists differences before its observation is sealed was not blind.
    let mut not_blind = check;
    not_blind.differences = revealed.differences.clone();
    let codes: Vec<String> = not_blind.check().into_iter().map(|f| f.code).collect();
    assert_eq!(codes, ["spot.not_blind"]);
    assert!(revealed.check().is_empty());
}

/// §5, issue 18: a finding that needs correcting, and a difference classified as wrong or
/// changed, each become a problem seed naming the record, the field and what to verify.
#[test]
fn findings_and_classified_differences_become_problem_seeds() {
    let (household, members, check) = scene();
    let register = RegisteredHousehold {
        household: &household,
        members: &members,
    };
    let mut c = check.reveal(register, Timestamp::from_millis(1)).unwrap();
    c.differences[1].classification = Some(DifferenceClass::RegisterWrong);
    c.differences[0].classification = Some(DifferenceClass::RegisterRight);
    c.findings = vec![
        CheckFinding {
            code: FindingCode::WrongExit,
            missed_scope: None,
            gap: None,
            severity: Some(FindingSeverity::Serious),
            record: None,
            path: String::new(),
            persons: 3,
            needs_correction: true,
            note: Some("住房为危房，户主患大病".into()),
        },
        CheckFinding {
            code: FindingCode::TwoThreeGap,
            missed_scope: None,
            gap: Some(NoWorriesGap::Housing),
            severity: None,
            record: Some(RecordRef {
                kind: RecordKind::Household,
                id: household.id,
            }),
            path: "living.dilapidated".into(),
            persons: 0,
            needs_correction: false,
            note: None,
        },
    ];
    assert!(c.check().is_empty(), "{:?}", c.check());
    assert_eq!(c.wrong_exit_persons(), 3);
    let seeds = c.problems();
    let summary: Vec<(&str, Option<RecordRef>, &str)> = seeds
        .iter()
        .map(|s| (s.code.as_str(), s.record, s.path.as_str()))
        .collect();
    let hh = Some(RecordRef {
        kind: RecordKind::Household,
        id: household.id,
    });
    assert_eq!(
        summary,
        [
            ("spot.wrong_exit", hh, ""),
            ("spot.data_mismatch", hh, "living.dilapidated")
        ]
    );
    assert!(
        seeds.iter().all(|s| s.plan_id == uuid(900)
            && s.check_id == uuid(500)
            && s.village_id == uuid(100))
    );
    assert!(
        seeds[0].verify_zh.contains("返贫"),
        "{}",
        seeds[0].verify_zh
    );
    assert_eq!(seeds[0].text_zh, "抽查发现错退：住房为危房，户主患大病");
    assert_eq!(seeds[1].verify_zh, "核实「是否危房户」并更正登记信息");
    // A 漏评 finding without its scope or persons is incomplete.
    c.findings.push(CheckFinding {
        code: FindingCode::Missed,
        missed_scope: None,
        gap: None,
        severity: None,
        record: None,
        path: String::new(),
        persons: 0,
        needs_correction: true,
        note: None,
    });
    let codes: Vec<String> = c.check().into_iter().map(|f| f.code).collect();
    assert_eq!(codes, ["spot.missed_scope", "spot.persons"]);
    // A screened household suspected 漏评 raises a problem without a register record.
    let screened = ScreenedHousehold {
        id: uuid(600),
        village_id: uuid(100),
        plan_id: uuid(900),
        persons: Some(4),
        suspected_missed: Some(true),
        ..ScreenedHousehold::default()
    };
    assert_eq!(screened.missed_persons(), 4);
    let seed = screened.problem().unwrap();
    assert_eq!(
        (seed.code.as_str(), seed.record, seed.check_kind),
        ("spot.missed", None, RecordKind::ScreenedHousehold)
    );
}

/// The forms cover their models, and the check form's observation is the household form's
/// fields under `observed.` and the member form's as rows (§9.2 "verify mode").
#[test]
fn check_forms_cover_their_models_and_reuse_the_collection_forms() {
    let (household, members, check) = scene();
    let register = RegisteredHousehold {
        household: &household,
        members: &members,
    };
    let mut c = check.reveal(register, Timestamp::from_millis(1)).unwrap();
    c.differences.truncate(1);
    c.differences[0].classification = Some(DifferenceClass::Changed);
    c.differences[0].note = Some("新增一人".into());
    c.checklist = vec![ChecklistRow {
        kind: CheckItem::Composition,
        result: Some(CheckResult::Inconsistent),
        evidence: Some("户口本".into()),
        photo_ids: vec![uuid(700)],
    }];
    c.findings = vec![CheckFinding {
        code: FindingCode::Missed,
        missed_scope: Some(MissedScope::Member),
        gap: Some(NoWorriesGap::Food),
        severity: Some(FindingSeverity::Minor),
        record: Some(RecordRef {
            kind: RecordKind::Member,
            id: uuid(14),
        }),
        path: "name".into(),
        persons: 1,
        needs_correction: true,
        note: Some("孙子未纳入".into()),
    }];
    c.recognition = Recognition {
        recognises: Some(false),
        policies: Some(true),
        measures: Some(true),
        exit_result: Some(false),
        cadre_help: Some(true),
        reason: Some("认为不该脱贫".into()),
    };
    c.note = Some("备注".into());
    // The observed household's own id and the member rows' are the record's, set by the app.
    let full = full_observed(c);
    covers(&spotcheck::spot_check(), &full, &["observed.id"]);

    let household_form = jiandang_domain::forms::household::household();
    let form = spotcheck::spot_check();
    for f in household_form.fields() {
        let observed = form
            .field(&format!("observed.{}", f.path))
            .unwrap_or_else(|| panic!("observed.{}", f.path));
        assert_eq!(
            (observed.label_zh, observed.widget, observed.code_list),
            (f.label_zh, f.widget, f.code_list)
        );
        assert!(!observed.required, "a blind observation requires nothing");
    }

    let screened = ScreenedHousehold {
        id: uuid(600),
        village_id: uuid(100),
        plan_id: uuid(900),
        frame_household_id: Some(uuid(601)),
        natural_village_id: Some(uuid(101)),
        checked_on: Some(Date::parse("2018-12-13").unwrap()),
        checkers: Some("甲、乙".into()),
        head_name: Some("某某".into()),
        persons: Some(2),
        members: vec![full_member(member(
            21,
            uuid(600),
            Relationship::Head,
            Health::Disabled,
        ))],
        no_worries: jiandang_domain::household::NoWorries::all_resolved(),
        income_per_capita: Some(Money::from_yuan(2800)),
        risk: vec![RiskFlag::Disabled],
        suspected_missed: Some(true),
        recognition: Recognition {
            recognises: Some(true),
            policies: Some(true),
            measures: Some(true),
            exit_result: Some(true),
            cadre_help: Some(true),
            reason: Some("—".into()),
        },
        note: Some("备注".into()),
    };
    covers(&spotcheck::screened_household(), &screened, &[]);
    let screening = VillageScreening {
        id: uuid(800),
        village_id: uuid(100),
        plan_id: uuid(900),
        natural_village_ids: vec![uuid(101)],
        started_on: Some(Date::parse("2018-12-10").unwrap()),
        finished_on: Some(Date::parse("2018-12-14").unwrap()),
        checkers: Some("甲、乙".into()),
        non_registered_households: Some(150),
        non_registered_persons: Some(520),
        archive_complete: Some(true),
        note: Some("备注".into()),
    };
    covers(&spotcheck::village_screening(), &screening, &[]);
}

/// The scene's check with every observed household and member answer given, so the coverage
/// test sees every leaf.
fn full_observed(mut c: SpotCheck) -> SpotCheck {
    let ok = example_ok();
    let mut h = ok.household;
    h.basic.return_reason = Some(jiandang_domain::codes::household::PovertyCause::Disaster);
    h.basic.return_year = Some(2018);
    h.basic.household_number = Some("1".into());
    h.basic.visited_on = Some(Date::parse("2018-10-15").unwrap());
    h.living.dilapidation_level = Some(jiandang_domain::codes::household::DilapidationLevel::C);
    h.relocation = jiandang_domain::household::Relocation {
        relocated: Some(true),
        mode: Some(jiandang_domain::codes::household::RelocationMode::Individual),
        resettlement_mode: Some(jiandang_domain::codes::household::ResettlementMode::Concentrated),
        resettlement_place: Some(jiandang_domain::codes::household::ResettlementPlace::Township),
        difficulties: Some("无".into()),
        moved_in: Some(true),
        moved_in_date: Some(Date::parse("2018-06-01").unwrap()),
    };
    c.observed = h;
    c.observed_members = c.observed_members.into_iter().map(full_member).collect();
    c
}

fn full_member(m: Member) -> Member {
    let ok = example_ok();
    let mut full = ok.members.into_iter().next().unwrap();
    full.id = m.id;
    full.household_id = m.household_id;
    full.person_number = Some("1".into());
    full.student_status_last_year =
        Some(jiandang_domain::codes::household::StudentStatus::NotInSchool);
    full.dropout_reason = Some(jiandang_domain::codes::household::DropoutReason::Other);
    full.work_status = Some(jiandang_domain::codes::household::WorkStatus::InCounty);
    full.work_place = Some("411421".into());
    full.employer = Some("某厂".into());
    full.work_months = Some(6);
    full.phone = Some("13800000000".into());
    full
}

/// §2, §8.3, §8.5 and the end to end in miniature: a plan on a small county, checks
/// that find one 错退 person among the exited persons sampled, one 漏评 household in a screened
/// village, one household that does not recognise; the county's estimates count them with
/// intervals and decisions.
#[test]
fn county_estimates_count_persons_over_the_sample() {
    let mut villages = Vec::new();
    let mut households = Vec::new();
    for v in 0..4u128 {
        let vid = uuid(10_000 + v);
        villages.push(FrameVillage {
            id: vid,
            town: Some(format!("41142110{}", v % 2)),
            village_type: VillageType::PoorExited,
            households: 200,
        });
        for h in 0..20u128 {
            households.push(FrameHousehold {
                id: uuid(v << 16 | h),
                village_id: vid,
                household_type: if h < 12 {
                    HouseholdType::ExitedThisYear
                } else {
                    HouseholdType::NotExited
                },
                persons: 3,
                roster_key: format!("{h:03}"),
                risk: Vec::new(),
            });
        }
    }
    let frame = Frame::new(FrameVersion(7), villages, households).unwrap();
    let plan = DraftPlan::new(uuid(1), "演练".into(), PlanSpec::quick_check(2018, 4))
        .draw(&frame, Seed(2018))
        .unwrap();
    let draw = plan.draw();
    let exited: Vec<_> = draw
        .households
        .iter()
        .filter(|h| h.household_type.is_exited())
        .collect();
    assert_eq!(
        exited.len(),
        20,
        "5 exited households in each of 4 villages"
    );
    let mut results = Results::default();
    for (i, d) in draw.households.iter().enumerate() {
        let mut check = SpotCheck {
            household_id: d.household_id,
            village_id: d.village_id,
            ..SpotCheck::default()
        };
        if d.household_id == exited[0].household_id {
            check.findings.push(CheckFinding {
                code: FindingCode::WrongExit,
                missed_scope: None,
                gap: None,
                severity: None,
                record: None,
                path: String::new(),
                persons: 1,
                needs_correction: true,
                note: None,
            });
        }
        check.recognition.recognises = Some(i != 3);
        results
            .households
            .push(HouseholdResult::of_check(&check, d, 3));
    }
    let first_village = draw.villages[0].village_id;
    results
        .households
        .push(HouseholdResult::of_screened(&ScreenedHousehold {
            village_id: first_village,
            persons: Some(4),
            suspected_missed: Some(true),
            risk: vec![RiskFlag::SeriousIllness],
            recognition: Recognition {
                recognises: Some(true),
                ..Recognition::default()
            },
            ..ScreenedHousehold::default()
        }));
    results.screened.push(ScreenedVillage {
        village_id: first_village,
        non_registered_persons: 500,
    });
    let policy = EvaluationPolicy::henan_2018();
    let county = estimate(&Scope::County, &frame, &results, &policy, None, 0.05).unwrap();

    let err = county.wrong_exit.as_ref().unwrap();
    assert_eq!((err.found, err.base, err.households), (1, 60, 20));
    assert!((err.interval.estimate - 1.0 / 60.0).abs() < 1e-12);
    assert!(err.interval.lower < 1.0 / 60.0 && err.interval.upper > 0.02);
    // At least as wide as a simple random sample of 60 persons.
    let srs = proportion_interval(1.0, 60.0, 0.95, IntervalMethod::Wilson).unwrap();
    assert!(
        err.interval.upper >= srs.upper - 1e-12,
        "{:?} vs {srs:?}",
        err.interval
    );
    assert_eq!(err.decision.verdict, Verdict::Uncertain);
    assert!(err.decision.more_households.is_some_and(|n| n > 0));
    assert_eq!(
        err.internal.unwrap().threshold,
        policy.internal_target.unwrap()
    );

    // 漏评: 4 persons over the 500 screened, one village: the plain Wilson interval.
    let missed = county.missed.as_ref().unwrap();
    assert_eq!((missed.found, missed.base), (4, 500));
    let plain = proportion_interval(4.0, 500.0, 0.95, IntervalMethod::Wilson).unwrap();
    assert!(
        (missed.interval.upper - plain.upper).abs() < 1e-9,
        "{:?} vs {plain:?}",
        missed.interval
    );

    // 认可度: 40 drawn households and the screened one asked, one does not recognise.
    let rec = county.recognition.as_ref().unwrap();
    assert_eq!(
        (rec.found, rec.base),
        (
            draw.households.len() as u32,
            draw.households.len() as u32 + 1
        )
    );
    assert!(rec.interval.estimate > 0.97);

    // Per village: the village with the 错退 household shows it; another shows none.
    let with = estimate(
        &Scope::Village(exited[0].village_id),
        &frame,
        &results,
        &policy,
        None,
        0.05,
    )
    .unwrap();
    assert_eq!(with.wrong_exit.unwrap().found, 1);
    let other = draw
        .villages
        .iter()
        .map(|v| v.village_id)
        .find(|v| *v != exited[0].village_id)
        .unwrap();
    let without = estimate(
        &Scope::Village(other),
        &frame,
        &results,
        &policy,
        Some(IntervalMethod::ClopperPearson),
        0.05,
    )
    .unwrap();
    let w = without.wrong_exit.unwrap();
    assert_eq!((w.found, w.base, w.interval.lower), (0, 15, 0.0));
    assert_eq!(w.method, IntervalMethod::ClopperPearson);
    // Per town: only its villages.
    let town = estimate(
        &Scope::Town("411421100".into()),
        &frame,
        &results,
        &policy,
        None,
        0.05,
    )
    .unwrap();
    assert_eq!(town.wrong_exit.unwrap().households, 10);
}

/// The household file `examples/household-ok.json` as a bundle.
fn example_ok() -> jiandang_domain::bundle::HouseholdBundle {
    serde_json::from_str(include_str!("../../../examples/household-ok.json"))
        .expect("example reads")
}

/// §9.2 on the phone: the device seals without the register (it holds none before the seal
/// reaches the server) and then takes the differences the server's reveal lists, keeping a
/// classification already made; before the seal it takes none, and a sealed record is not
/// sealed again.
#[test]
fn phone_seals_then_takes_the_servers_differences() {
    let (household, members, check) = scene();
    let at = Timestamp::from_millis(1_544_600_000_000);
    let listed = check
        .clone()
        .reveal(
            RegisteredHousehold {
                household: &household,
                members: &members,
            },
            at,
        )
        .unwrap()
        .differences;
    assert_eq!(
        check.clone().take_differences(listed.clone()).unwrap_err(),
        CheckError::NotObserved
    );
    let sealed = check.clone().seal(at).unwrap();
    assert_eq!(sealed.observed_at, Some(at));
    assert!(sealed.differences.is_empty());
    assert_eq!(sealed.clone().seal(at).unwrap_err(), CheckError::Sealed);
    // A record listing differences was not sealed blind: it is not sealed now either.
    let mut listed_first = check.clone();
    listed_first.differences = listed.clone();
    assert_eq!(listed_first.seal(at).unwrap_err(), CheckError::Sealed);

    let mut taken = sealed.take_differences(listed.clone()).unwrap();
    assert_eq!(taken.differences.len(), listed.len());
    assert!(taken.check().is_empty());
    taken.differences[0].classification = Some(DifferenceClass::RegisterWrong);
    taken.differences[0].note = Some("户口本上四人".into());
    // Taken again after a later sync: the classification made in between stays.
    let again = taken.take_differences(listed.clone()).unwrap();
    assert_eq!(
        again.differences[0].classification,
        Some(DifferenceClass::RegisterWrong)
    );
    assert_eq!(again.differences[0].note.as_deref(), Some("户口本上四人"));
    assert_eq!(again.differences[1].classification, None);
}

/// The sections the phone shows after the seal are the form's own, and the differences are
/// among them: nothing of the register is on the blind part of the form.
#[test]
fn the_form_names_what_comes_after_the_seal() {
    let form = spotcheck::spot_check();
    let ids: Vec<&str> = form.sections.iter().map(|s| s.id).collect();
    for id in spotcheck::AFTER_SEAL {
        assert!(ids.contains(id), "{id} is a section of 入户核查表");
    }
    let blind: Vec<&str> = form
        .sections
        .iter()
        .filter(|s| !spotcheck::AFTER_SEAL.contains(&s.id))
        .flat_map(|s| s.fields.iter().map(|f| f.path))
        .collect();
    assert!(!blind.contains(&"differences") && !blind.contains(&"findings"));
    assert!(blind.contains(&"recognition.recognises") && blind.contains(&"checklist"));
}
