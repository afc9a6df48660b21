//! The new-identification and return procedure (W5, C2): steps in order with non-decreasing
//! dates, registration only when every step passed, a return names its reason.

use jiandang_domain::Date;
use jiandang_domain::codes::household::PovertyCause;
use jiandang_domain::procedure::{
    Procedure, ProcedureKind, ProcedureStep, StepOutcome, StepRecord, check, check_registration,
};

use ProcedureStep::*;

fn step(s: ProcedureStep, date: &str, outcome: Option<StepOutcome>) -> StepRecord {
    StepRecord {
        step: s,
        date: Some(Date::parse(date).unwrap()),
        outcome,
        ..StepRecord::default()
    }
}

fn passed(s: ProcedureStep, date: &str) -> StepRecord {
    step(s, date, Some(StepOutcome::Passed))
}

fn complete(kind: ProcedureKind) -> Procedure {
    Procedure {
        kind,
        return_reason: (kind == ProcedureKind::Return).then_some(PovertyCause::Illness),
        steps: vec![
            passed(Application, "2018-10-08"),
            passed(DemocraticAppraisal, "2018-10-12"),
            passed(FirstNotice, "2018-10-13"),
            passed(Comparison, "2018-10-20"),
            passed(SecondNotice, "2018-10-22"),
            passed(Announcement, "2018-10-29"),
        ],
        ..Procedure::default()
    }
}

/// The codes `check` gives for `p`, and whether registration is allowed.
fn run(p: &Procedure, codes: &[&str], registrable: bool) {
    let got: Vec<String> = check(p).into_iter().map(|f| f.code).collect();
    assert_eq!(got, codes, "{p:#?}");
    assert_eq!(check_registration(p).is_ok(), registrable, "{p:#?}");
}

#[test]
fn a_complete_procedure_registers_w5() {
    run(&complete(ProcedureKind::NewIdentification), &[], true);
    run(&complete(ProcedureKind::Return), &[], true);
}

#[test]
fn steps_in_order_with_non_decreasing_dates_w5() {
    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps.swap(2, 3);
    run(&p, &["procedure.step_order", "procedure.date_order"], false);

    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps[3].date = Some(Date::parse("2018-10-01").unwrap());
    run(&p, &["procedure.date_order"], false);

    // Same day is fine (appraisal and first notice often share a date).
    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps[2].date = p.steps[1].date;
    run(&p, &[], true);

    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps.insert(2, passed(DemocraticAppraisal, "2018-10-12"));
    run(&p, &["procedure.step_repeated"], false);
}

#[test]
fn no_skipping_and_no_step_after_a_failure_w5() {
    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps.remove(3);
    run(&p, &["procedure.step_skipped"], false);

    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps[1].outcome = Some(StepOutcome::Failed);
    run(&p, &["procedure.previous_not_passed"], false);

    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps[1].date = None;
    run(&p, &["procedure.step_date_missing"], false);
}

#[test]
fn registration_waits_for_every_step_w5() {
    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps.truncate(4);
    run(&p, &[], false);
    let reasons = check_registration(&p).unwrap_err();
    let msgs: Vec<&str> = reasons.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        msgs,
        ["“第二次公示”尚未完成，不能录入", "“公告”尚未完成，不能录入"]
    );

    let mut p = complete(ProcedureKind::NewIdentification);
    p.steps[5].outcome = None;
    run(&p, &[], false);
}

#[test]
fn a_return_needs_its_reason_c2() {
    let mut p = complete(ProcedureKind::Return);
    p.return_reason = None;
    run(&p, &["procedure.return_reason_missing"], false);
}
