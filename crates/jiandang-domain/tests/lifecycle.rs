//! The household state machine: candidate → registered → exited → returned → exited …, closed
//! when every member has left (W1, W5, W6). Every transition gives the new state or why not.

use jiandang_domain::Date;
use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::{ExitStatus, MemberStatus, PovertyCause};
use jiandang_domain::household::Household;
use jiandang_domain::lifecycle::{
    HouseholdState, close, exit, pre_exit, register, return_to_poverty,
};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::procedure::{
    Procedure, ProcedureKind, ProcedureStep, StepOutcome, StepRecord,
};

use HouseholdState::*;

fn procedure(kind: ProcedureKind) -> Procedure {
    Procedure {
        kind,
        return_reason: (kind == ProcedureKind::Return).then_some(PovertyCause::Disaster),
        steps: ProcedureStep::ALL
            .iter()
            .map(|s| StepRecord {
                step: *s,
                date: Some(Date::parse("2018-10-10").unwrap()),
                outcome: Some(StepOutcome::Passed),
                ..StepRecord::default()
            })
            .collect(),
        ..Procedure::default()
    }
}

fn ready() -> HouseholdBundle {
    serde_json::from_str::<HouseholdBundle>(include_str!("../../../examples/household-ok.json"))
        .expect("example reads")
}

fn codes<T: std::fmt::Debug>(r: Result<T, Vec<jiandang_domain::Finding>>) -> Vec<String> {
    match r {
        Ok(t) => panic!("expected a refusal, got {t:?}"),
        Err(f) => f.into_iter().map(|f| f.code).collect(),
    }
}

#[test]
fn registration_needs_a_candidate_and_a_complete_procedure_w5() {
    let new = procedure(ProcedureKind::NewIdentification);
    assert_eq!(register(Candidate, &new), Ok(Registered));
    assert_eq!(codes(register(Registered, &new)), ["lifecycle.not_allowed"]);
    assert_eq!(
        codes(register(Candidate, &procedure(ProcedureKind::Return))),
        ["lifecycle.wrong_procedure"]
    );
    let mut half = new.clone();
    half.steps.truncate(5);
    assert_eq!(
        codes(register(Candidate, &half)),
        ["procedure.step_missing"]
    );
}

#[test]
fn exit_goes_through_pre_exit_and_the_gate_w1_w2_c9() {
    let p = YearPolicy::shangqiu_2018();
    let b = ready();
    assert_eq!(pre_exit(Registered, &b, &p), Ok(PreExit));
    assert_eq!(pre_exit(Returned { year: 2018 }, &b, &p), Ok(PreExit));
    assert_eq!(exit(PreExit, &b, &p), Ok(Exited { year: 2018 }));
    assert_eq!(
        codes(exit(Registered, &b, &p)),
        ["lifecycle.pre_exit_required"]
    );
    assert_eq!(
        codes(exit(Exited { year: 2017 }, &b, &p)),
        ["lifecycle.not_allowed"]
    );
    assert_eq!(
        codes(pre_exit(Candidate, &b, &p)),
        ["lifecycle.not_allowed"]
    );
    let mut unsafe_house = b.clone();
    unsafe_house.household.living.dilapidated = Some(true);
    assert_eq!(
        codes(pre_exit(Registered, &unsafe_house, &p)),
        ["exit.no_worries_unresolved"]
    );
    // The gate runs again at the exit itself: data may have changed since the review.
    assert_eq!(
        codes(exit(PreExit, &unsafe_house, &p)),
        ["exit.no_worries_unresolved"]
    );
}

#[test]
fn return_needs_an_exit_and_a_return_procedure_w5_c2() {
    let ret = procedure(ProcedureKind::Return);
    assert_eq!(
        return_to_poverty(Exited { year: 2016 }, &ret, 2018),
        Ok(Returned { year: 2018 })
    );
    assert_eq!(
        codes(return_to_poverty(Exited { year: 2019 }, &ret, 2018)),
        ["lifecycle.year_order"]
    );
    assert_eq!(
        codes(return_to_poverty(Registered, &ret, 2018)),
        ["lifecycle.not_allowed"]
    );
    let mut no_reason = ret.clone();
    no_reason.return_reason = None;
    assert_eq!(
        codes(return_to_poverty(Exited { year: 2016 }, &no_reason, 2018)),
        ["procedure.return_reason_missing"]
    );
}

#[test]
fn close_when_every_member_left_w6() {
    let mut members = ready().members;
    assert_eq!(
        codes(close(Registered, &members)),
        ["lifecycle.members_remaining"]
    );
    for m in &mut members {
        m.status = MemberStatus::Decreased;
    }
    assert_eq!(close(Exited { year: 2017 }, &members), Ok(Closed));
    assert_eq!(codes(close(Closed, &members)), ["lifecycle.not_allowed"]);
}

#[test]
fn state_of_a_record_w1() {
    let check = |status: Option<ExitStatus>, exit_year: Option<i32>, return_year, expected| {
        let mut h = Household::default();
        h.basic.status = status;
        h.basic.exit_year = exit_year;
        h.basic.return_year = return_year;
        assert_eq!(HouseholdState::of(&h), expected, "{status:?}");
    };
    check(None, None, None, Candidate);
    check(Some(ExitStatus::NotExited), None, None, Registered);
    check(Some(ExitStatus::PreExit), None, None, PreExit);
    check(
        Some(ExitStatus::Exited),
        Some(2016),
        None,
        Exited { year: 2016 },
    );
    check(
        Some(ExitStatus::ExitedNoPolicy),
        Some(2015),
        None,
        Exited { year: 2015 },
    );
    check(
        Some(ExitStatus::Returned),
        Some(2016),
        Some(2018),
        Returned { year: 2018 },
    );
    let json = serde_json::to_string(&Exited { year: 2018 }).unwrap();
    assert_eq!(json, r#"{"state":"exited","year":2018}"#);
}
