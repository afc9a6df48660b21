//! The actions through the household lifecycle, allowed and refused transitions as tables,
//! each case naming the requirement it holds (W1, W2, W5, W6, C1, C9, Q2): what comes out is
//! the complete set of edits, or every reason it is refused. Every allowed action's edits
//! pass the same gate a push passes.

use jiandang_domain::action::exit::{
    mark_exited, propose_exit, record_exit_step, register_identification, return_to_poverty,
};
use jiandang_domain::action::members::{Arrival, Departure, Sheet, add_member, remove_member};
use jiandang_domain::action::visit::{VisitReport, record_visit};
use jiandang_domain::action::{Edit, Outcome, apply, conflict::resolve_conflict, gate};
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::village::{ChangeDirection, MemberChangeReason};
use jiandang_domain::exit_procedure::{ExitStep, ExitStepRecord};
use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::judge::{Context, household_bundle};
use jiandang_domain::lifecycle::HouseholdState;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::steps::StepOutcome;
use jiandang_domain::visit::{SectionCheck, SectionOutcome, VisitSection};
use jiandang_domain::{Date, Finding, RecordKind, StoredRecord, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

const OK: &str = include_str!("../../../examples/household-ok.json");

fn policy() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

fn now() -> Timestamp {
    Timestamp::parse("2018-11-20T12:00:00+08:00").unwrap()
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0192f3a0_5b1c_7a00_8000_000000000000 | n)
}

/// The example household, after `edit`, as stored records. The example is 预脱贫 with this
/// year's exit procedure complete; members: 0 户主, 1 配偶, 2 and 3 children (the head is
/// `…0b`).
fn records(edit: impl FnOnce(&mut Value)) -> Vec<StoredRecord> {
    let mut v: Value = serde_json::from_str(OK).unwrap();
    v["requested_action"] = Value::Null;
    edit(&mut v);
    household_file_records(&v.to_string()).unwrap().records
}

fn household() -> Uuid {
    id(0x01)
}

const HEAD: u128 = 0x0b;
const SPOUSE: u128 = 0x0c;
const CHILD: u128 = 0x0d;

fn registered(v: &mut Value) {
    v["household"]["basic"]["status"] = json!("0");
    v["exit_procedures"] = json!([]);
}

fn housing_unresolved(v: &mut Value) {
    v["household"]["no_worries"]["housing"] = json!({"resolved": false, "reason": "危房"});
}

fn state_after(records: &[StoredRecord], edits: &[Edit]) -> HouseholdState {
    let after = apply(records, edits);
    let b = household_bundle(household(), &after).expect("the household reads");
    HouseholdState::at(&b.household, 2018)
}

/// Runs `action` on the example edited by `setup` and checks the answer: allowed, with a
/// check of the records after the edits, or refused with `codes` among its reasons and
/// `requirement` named by one of them.
struct Case {
    name: &'static str,
    requirement: &'static str,
    setup: fn(&mut Value),
    action: fn(&[StoredRecord], &Context<'_>) -> Outcome,
    want: Want,
}

enum Want {
    Allowed(fn(&[StoredRecord], &[Edit])),
    Refused(&'static [&'static str]),
}

fn run(cases: Vec<Case>) {
    let p = policy();
    let ctx = Context::new(&p, now());
    for case in cases {
        let rs = records(case.setup);
        let outcome = (case.action)(&rs, &ctx);
        match (&case.want, outcome) {
            (Want::Allowed(check), Ok(edits)) => {
                assert!(
                    gate(&rs, &apply(&rs, &edits), &ctx).is_ok(),
                    "{}: the edits pass the gate",
                    case.name
                );
                check(&rs, &edits);
            }
            (Want::Refused(codes), Err(reasons)) => {
                let got: Vec<&str> = reasons.iter().map(|f| f.code.as_str()).collect();
                for code in *codes {
                    assert!(
                        got.contains(code),
                        "{}: {code} among {reasons:#?}",
                        case.name
                    );
                }
                // A refusal that is no rule of the notice (a field the form lacks) names none.
                assert!(
                    case.requirement.is_empty()
                        || reasons
                            .iter()
                            .any(|f| f.requirement.as_deref() == Some(case.requirement)),
                    "{}: a reason names {}: {reasons:#?}",
                    case.name,
                    case.requirement
                );
                assert!(reasons.iter().all(Finding::is_error), "{}", case.name);
            }
            (Want::Allowed(_), Err(reasons)) => {
                panic!("{}: expected allowed, refused: {reasons:#?}", case.name)
            }
            (Want::Refused(_), Ok(edits)) => {
                panic!("{}: expected refused, allowed: {edits:#?}", case.name)
            }
        }
    }
}

/// The fields a `Set` edit of `record` makes.
fn set_of(edits: &[Edit], record: Uuid) -> serde_json::Map<String, Value> {
    edits
        .iter()
        .filter_map(|e| match e {
            Edit::Set { id, fields, .. } if *id == record => Some(fields.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn created(edits: &[Edit], kind: RecordKind) -> Vec<&Value> {
    edits
        .iter()
        .filter_map(|e| match e {
            Edit::Create { kind: k, doc, .. } if *k == kind => Some(doc),
            _ => None,
        })
        .collect()
}

#[test]
fn proposing_for_exit_w1_w2_c9() {
    run(vec![
        Case {
            name: "a registered household meeting the standard becomes 预脱贫",
            requirement: "C9",
            setup: registered,
            action: |rs, ctx| propose_exit(household(), rs, id(0x300), ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(state_after(rs, edits), HouseholdState::PreExit);
                let p = created(edits, RecordKind::ExitProcedure);
                assert_eq!(p.len(), 1, "this year's procedure starts");
                assert_eq!(p[0]["id"], json!(id(0x300)));
                assert_eq!(p[0]["year"], json!(2018));
            }),
        },
        Case {
            name: "a returned household may be proposed",
            requirement: "C9",
            setup: |v| {
                registered(v);
                v["household"]["basic"]["status"] = json!("3");
                v["household"]["basic"]["exit_year"] = json!(2016);
                v["household"]["basic"]["return_year"] = json!(2017);
                v["household"]["basic"]["return_reason"] = json!("1");
            },
            action: |rs, ctx| propose_exit(household(), rs, id(0x300), ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(state_after(rs, edits), HouseholdState::PreExit)
            }),
        },
        Case {
            name: "an unresolved 两不愁三保障 item refuses the proposal",
            requirement: "W2",
            setup: |v| {
                registered(v);
                housing_unresolved(v);
            },
            action: |rs, ctx| propose_exit(household(), rs, id(0x300), ctx),
            want: Want::Refused(&["exit.no_worries_unresolved"]),
        },
        Case {
            name: "basic information not updated this year refuses it",
            requirement: "C9",
            setup: |v| {
                registered(v);
                v["household"]["basic"]["basic_info_updated_year"] = json!(2017);
            },
            action: |rs, ctx| propose_exit(household(), rs, id(0x300), ctx),
            want: Want::Refused(&["exit.basic_info_not_updated"]),
        },
        Case {
            name: "an exited household cannot be proposed",
            requirement: "W1",
            setup: |v| {
                registered(v);
                v["household"]["basic"]["status"] = json!("1");
                v["household"]["basic"]["exit_year"] = json!(2016);
                v["household"]["basic"]["attribute"] = json!("05");
            },
            action: |rs, ctx| propose_exit(household(), rs, id(0x300), ctx),
            want: Want::Refused(&["lifecycle.not_allowed"]),
        },
    ]);
}

fn step(s: ExitStep, day: &str) -> ExitStepRecord {
    ExitStepRecord {
        step: s,
        date: Some(date(day)),
        outcome: Some(StepOutcome::Passed),
        ..ExitStepRecord::default()
    }
}

/// The example proposed with its procedure's first `n` steps recorded.
fn proposed_with(v: &mut Value, n: usize) {
    let steps = v["exit_procedures"][0]["steps"].as_array().unwrap()[..n].to_vec();
    v["exit_procedures"][0]["steps"] = Value::Array(steps);
}

#[test]
fn the_exit_procedure_step_by_step_w1_q2() {
    run(vec![
        Case {
            name: "民主评议 first",
            requirement: "W1",
            setup: |v| proposed_with(v, 0),
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::DemocraticAppraisal, "2018-10-16"),
                    ctx,
                )
            },
            want: Want::Allowed(|_, edits| {
                let steps = &set_of(edits, id(0x3c))["steps"];
                assert_eq!(steps[0]["step"], json!("democratic_appraisal"));
            }),
        },
        Case {
            name: "the recognition before the verification is out of order",
            requirement: "W1",
            setup: |v| proposed_with(v, 1),
            action: |rs, ctx| {
                let mut s = step(ExitStep::Recognition, "2018-10-19");
                s.signed_by = Some(id(HEAD));
                record_exit_step(household(), rs, s, ctx)
            },
            want: Want::Refused(&["exit_procedure.step_order"]),
        },
        Case {
            name: "the head signs the household's recognition",
            requirement: "Q2",
            setup: |v| proposed_with(v, 2),
            action: |rs, ctx| {
                let mut s = step(ExitStep::Recognition, "2018-10-19");
                s.signed_by = Some(id(HEAD));
                record_exit_step(household(), rs, s, ctx)
            },
            want: Want::Allowed(|_, _| {}),
        },
        Case {
            name: "the spouse's signature is not the household's recognition",
            requirement: "Q2",
            setup: |v| proposed_with(v, 2),
            action: |rs, ctx| {
                let mut s = step(ExitStep::Recognition, "2018-10-19");
                s.signed_by = Some(id(SPOUSE));
                record_exit_step(household(), rs, s, ctx)
            },
            want: Want::Refused(&["exit_procedure.recognition_not_head"]),
        },
        Case {
            name: "an unsigned recognition is none",
            requirement: "Q2",
            setup: |v| proposed_with(v, 2),
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::Recognition, "2018-10-19"),
                    ctx,
                )
            },
            want: Want::Refused(&["exit_procedure.recognition_unsigned"]),
        },
        Case {
            name: "a notice of five days is too short",
            requirement: "W1",
            setup: |v| proposed_with(v, 3),
            action: |rs, ctx| {
                let mut s = step(ExitStep::VillageNotice, "2018-10-20");
                s.notice_days = Some(5);
                record_exit_step(household(), rs, s, ctx)
            },
            want: Want::Refused(&["exit_procedure.notice_too_short"]),
        },
        Case {
            name: "the town announces only after the notice is over",
            requirement: "W1",
            setup: |v| proposed_with(v, 4),
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::TownReview, "2018-10-24"),
                    ctx,
                )
            },
            want: Want::Refused(&["exit_procedure.notice_not_over"]),
        },
        Case {
            name: "a step dated before the one before it",
            requirement: "W1",
            setup: |v| proposed_with(v, 1),
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::Verification, "2018-10-01"),
                    ctx,
                )
            },
            want: Want::Refused(&["exit_procedure.date_order"]),
        },
        Case {
            name: "a step not yet taken cannot be recorded",
            requirement: "W1",
            setup: |v| proposed_with(v, 1),
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::Verification, "2018-12-01"),
                    ctx,
                )
            },
            want: Want::Refused(&["exit_procedure.date_in_future"]),
        },
        Case {
            name: "no procedure for a household not proposed",
            requirement: "W1",
            setup: registered,
            action: |rs, ctx| {
                record_exit_step(
                    household(),
                    rs,
                    step(ExitStep::DemocraticAppraisal, "2018-10-16"),
                    ctx,
                )
            },
            want: Want::Refused(&["lifecycle.not_allowed"]),
        },
        Case {
            name: "an appraisal that fails takes the proposal back (不予退出)",
            requirement: "W1",
            setup: |v| proposed_with(v, 0),
            action: |rs, ctx| {
                let mut s = step(ExitStep::DemocraticAppraisal, "2018-10-16");
                s.outcome = Some(StepOutcome::Failed);
                record_exit_step(household(), rs, s, ctx)
            },
            want: Want::Allowed(|rs, edits| {
                assert_eq!(state_after(rs, edits), HouseholdState::Registered);
                // And the household cannot then be marked exited.
                let after = apply(rs, edits);
                let p = policy();
                let refused = mark_exited(household(), &after, &Context::new(&p, now()))
                    .expect_err("refused");
                assert!(
                    refused
                        .iter()
                        .any(|f| f.code == "lifecycle.pre_exit_required")
                );
            }),
        },
    ]);
}

#[test]
fn marking_exited_w1_w2_c9_q2() {
    run(vec![
        Case {
            name: "预脱贫, the standard met, the procedure complete: 已脱贫 this year",
            requirement: "W1",
            setup: |_| {},
            action: |rs, ctx| mark_exited(household(), rs, ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(
                    state_after(rs, edits),
                    HouseholdState::Exited { year: 2018 }
                );
                let set = set_of(edits, household());
                assert_eq!(
                    set["basic.attribute"],
                    json!("05"),
                    "一般贫困户 → 一般脱贫户"
                );
            }),
        },
        Case {
            name: "not before 预脱贫",
            requirement: "C9",
            setup: registered,
            action: |rs, ctx| mark_exited(household(), rs, ctx),
            want: Want::Refused(&["lifecycle.pre_exit_required"]),
        },
        Case {
            name: "not before the household's recognition is recorded",
            requirement: "Q2",
            setup: |v| proposed_with(v, 2),
            action: |rs, ctx| mark_exited(household(), rs, ctx),
            want: Want::Refused(&["exit_procedure.step_missing"]),
        },
        Case {
            name: "not while an item is unresolved",
            requirement: "W2",
            setup: housing_unresolved,
            action: |rs, ctx| mark_exited(household(), rs, ctx),
            want: Want::Refused(&["exit.no_worries_unresolved"]),
        },
        Case {
            name: "not before this year's basic information is updated",
            requirement: "C9",
            setup: |v| v["household"]["basic"]["basic_info_updated_year"] = json!(2017),
            action: |rs, ctx| mark_exited(household(), rs, ctx),
            want: Want::Refused(&["exit.basic_info_not_updated"]),
        },
    ]);
}

/// A complete W5 procedure of `kind` for the example.
fn procedure(v: &mut Value, kind: &str) {
    let steps: Vec<Value> = [
        "application",
        "democratic_appraisal",
        "first_notice",
        "comparison",
        "second_notice",
        "announcement",
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| json!({"step": s, "date": format!("2018-10-{:02}", 10 + i), "outcome": "passed"}))
    .collect();
    v["procedure"] = json!({"id": id(0x50), "household_id": household(), "kind": kind,
                            "return_reason": if kind == "return" { json!("3") } else { Value::Null },
                            "steps": steps});
}

fn exited_2016(v: &mut Value) {
    registered(v);
    v["household"]["basic"]["status"] = json!("1");
    v["household"]["basic"]["exit_year"] = json!(2016);
    v["household"]["basic"]["attribute"] = json!("05");
}

#[test]
fn returning_and_new_identification_w5() {
    run(vec![
        Case {
            name: "an exited household with its return procedure is 返贫",
            requirement: "W5",
            setup: |v| {
                exited_2016(v);
                procedure(v, "return");
            },
            action: |rs, ctx| return_to_poverty(household(), rs, ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(
                    state_after(rs, edits),
                    HouseholdState::Returned { year: 2018 }
                );
                let set = set_of(edits, household());
                assert_eq!(set["basic.return_reason"], json!("3"));
                assert_eq!(set["basic.attribute"], json!("01"));
            }),
        },
        Case {
            name: "no return without the procedure",
            requirement: "W5",
            setup: exited_2016,
            action: |rs, ctx| return_to_poverty(household(), rs, ctx),
            want: Want::Refused(&["procedure.step_missing"]),
        },
        Case {
            name: "no return without its reason",
            requirement: "C2",
            setup: |v| {
                exited_2016(v);
                procedure(v, "return");
                v["procedure"]["return_reason"] = Value::Null;
            },
            action: |rs, ctx| return_to_poverty(household(), rs, ctx),
            want: Want::Refused(&["procedure.return_reason_missing"]),
        },
        Case {
            name: "a household that never exited does not return",
            requirement: "W1",
            setup: |v| {
                registered(v);
                procedure(v, "return");
            },
            action: |rs, ctx| return_to_poverty(household(), rs, ctx),
            want: Want::Refused(&["lifecycle.not_allowed"]),
        },
        Case {
            name: "a candidate with its procedure complete is registered",
            requirement: "W5",
            setup: |v| {
                registered(v);
                v["household"]["basic"]["status"] = Value::Null;
                procedure(v, "new_identification");
            },
            action: |rs, ctx| register_identification(household(), rs, ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(state_after(rs, edits), HouseholdState::Registered);
                assert_eq!(
                    set_of(edits, household())["basic.identified_year"],
                    json!(2018)
                );
            }),
        },
        Case {
            name: "no registration before the procedure's last step",
            requirement: "W5",
            setup: |v| {
                registered(v);
                v["household"]["basic"]["status"] = Value::Null;
                procedure(v, "new_identification");
                v["procedure"]["steps"][5]["outcome"] = Value::Null;
            },
            action: |rs, ctx| register_identification(household(), rs, ctx),
            want: Want::Refused(&["procedure.step_not_passed"]),
        },
        Case {
            name: "a registered household is not registered again",
            requirement: "W1",
            setup: |v| {
                registered(v);
                procedure(v, "new_identification");
            },
            action: |rs, ctx| register_identification(household(), rs, ctx),
            want: Want::Refused(&["lifecycle.not_allowed"]),
        },
    ]);
}

fn sheet(reason: MemberChangeReason, day: &str) -> Sheet {
    Sheet {
        reason: Some(reason),
        date: Some(date(day)),
        ..Sheet::default()
    }
}

fn newborn(relationship: &str) -> Arrival {
    Arrival {
        member_id: id(0x600),
        change_id: id(0x601),
        member: json!({"name": "张小宝", "sex": "1", "birth_date": "2018-11-01",
                       "relationship": relationship, "ethnicity": "01"}),
        sheet: sheet(MemberChangeReason::Newborn, "2018-11-01"),
    }
}

fn departure(member: u128, reason: MemberChangeReason, new_head: Option<u128>) -> Departure {
    Departure {
        member_id: id(member),
        change_id: id(0x602),
        new_head_id: new_head.map(id),
        sheet: sheet(reason, "2018-11-02"),
    }
}

#[test]
fn members_join_and_leave_in_one_set_of_edits_w6() {
    run(vec![
        Case {
            name: "a newborn: the member, the change, the household's size and income",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| add_member(household(), rs, newborn("03"), ctx),
            want: Want::Allowed(|_, edits| {
                assert_eq!(created(edits, RecordKind::Member).len(), 1);
                let change = created(edits, RecordKind::MemberChange);
                assert_eq!(
                    change[0]["direction"],
                    json!(ChangeDirection::Increase.code())
                );
                assert_eq!(change[0]["member_id"], json!(id(0x600)));
                let set = set_of(edits, household());
                assert_eq!(set["basic.household_size"], json!(5));
                assert!(set.contains_key("income.net_per_capita"), "{set:?}");
            }),
        },
        Case {
            name: "a reason of the other sheet",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| {
                let mut a = newborn("03");
                a.sheet.reason = Some(MemberChangeReason::Death);
                add_member(household(), rs, a, ctx)
            },
            want: Want::Refused(&["member_change.reason_wrong_direction"]),
        },
        Case {
            name: "a change that has not happened yet",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| {
                let mut a = newborn("03");
                a.sheet.date = Some(date("2018-12-01"));
                add_member(household(), rs, a, ctx)
            },
            want: Want::Refused(&["member_change.date_after_collection"]),
        },
        Case {
            name: "a second 户主",
            requirement: "§7.2",
            setup: |_| {},
            action: |rs, ctx| add_member(household(), rs, newborn("01"), ctx),
            want: Want::Refused(&["household.head_multiple"]),
        },
        Case {
            name: "a child dies: the change, the member decreased, the size",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| {
                remove_member(
                    household(),
                    rs,
                    departure(CHILD, MemberChangeReason::Death, None),
                    ctx,
                )
            },
            want: Want::Allowed(|_, edits| {
                assert_eq!(set_of(edits, id(CHILD))["status"], json!("2"));
                assert_eq!(set_of(edits, household())["basic.household_size"], json!(3));
                assert_eq!(created(edits, RecordKind::MemberChange).len(), 1);
            }),
        },
        Case {
            name: "the head leaves and the spouse becomes head",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| {
                remove_member(
                    household(),
                    rs,
                    departure(HEAD, MemberChangeReason::Death, Some(SPOUSE)),
                    ctx,
                )
            },
            want: Want::Allowed(|_, edits| {
                assert_eq!(set_of(edits, id(SPOUSE))["relationship"], json!("01"));
                let change = created(edits, RecordKind::MemberChange);
                assert_eq!(change[0]["new_head_id"], json!(id(SPOUSE)));
            }),
        },
        Case {
            name: "the head cannot leave without a new head",
            requirement: "W6",
            setup: |_| {},
            action: |rs, ctx| {
                remove_member(
                    household(),
                    rs,
                    departure(HEAD, MemberChangeReason::Death, None),
                    ctx,
                )
            },
            want: Want::Refused(&["member_change.head_left_without_new_head"]),
        },
        Case {
            name: "a member who already left cannot leave again",
            requirement: "W6",
            setup: |v| v["members"][2]["status"] = json!("2"),
            action: |rs, ctx| {
                remove_member(
                    household(),
                    rs,
                    departure(CHILD, MemberChangeReason::Death, None),
                    ctx,
                )
            },
            want: Want::Refused(&["member_change.member_not_present"]),
        },
    ]);
}

fn every_section(changed: &[VisitSection]) -> Vec<SectionCheck> {
    VisitSection::ALL
        .iter()
        .map(|s| SectionCheck {
            kind: *s,
            outcome: Some(if changed.contains(s) {
                SectionOutcome::Changed
            } else {
                SectionOutcome::Unchanged
            }),
            note: None,
        })
        .collect()
}

fn visit(day: &str, sections: Vec<SectionCheck>) -> VisitReport {
    VisitReport {
        visit_id: id(0x700),
        date: date(day),
        visited_by: Some("李娜".into()),
        sections,
        note: None,
    }
}

#[test]
fn a_door_visit_goes_through_every_section_c1_c9() {
    run(vec![
        Case {
            name: "income changed, the rest confirmed: the visit, the date, this year's check",
            requirement: "C1",
            setup: |v| v["household"]["basic"]["basic_info_updated_year"] = json!(2017),
            action: |rs, ctx| {
                record_visit(
                    household(),
                    rs,
                    visit("2018-10-20", every_section(&[VisitSection::Income])),
                    ctx,
                )
            },
            want: Want::Allowed(|_, edits| {
                let v = created(edits, RecordKind::Visit);
                assert_eq!(v.len(), 1);
                let changed: Vec<&Value> = v[0]["sections"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|s| s["outcome"] == json!("changed"))
                    .map(|s| &s["kind"])
                    .collect();
                assert_eq!(changed, [&json!(VisitSection::Income.code())]);
                let set = set_of(edits, household());
                assert_eq!(set["basic.visited_on"], json!("2018-10-20"));
                assert_eq!(set["basic.basic_info_updated_year"], json!(2018), "C9");
            }),
        },
        Case {
            name: "a section not gone through",
            requirement: "C1",
            setup: |_| {},
            action: |rs, ctx| {
                let mut sections = every_section(&[]);
                sections.pop();
                record_visit(household(), rs, visit("2018-10-20", sections), ctx)
            },
            want: Want::Refused(&["visit.sections_unchecked"]),
        },
        Case {
            name: "a visit that has not happened yet",
            requirement: "C1",
            setup: |_| {},
            action: |rs, ctx| {
                record_visit(
                    household(),
                    rs,
                    visit("2018-12-01", every_section(&[])),
                    ctx,
                )
            },
            want: Want::Refused(&["visit.date_in_future"]),
        },
    ]);
}

#[test]
fn a_conflict_s_resolution_goes_through_the_gate_w1_w2() {
    run(vec![
        Case {
            name: "a phone number",
            requirement: "W1",
            setup: |_| {},
            action: |rs, ctx| {
                resolve_conflict(household(), "basic.phone", json!("13800000009"), rs, ctx)
            },
            want: Want::Allowed(|_, edits| {
                assert_eq!(
                    set_of(edits, household())["basic.phone"],
                    json!("13800000009")
                )
            }),
        },
        Case {
            name: "已脱贫 chosen while an item is unresolved",
            requirement: "W2",
            setup: housing_unresolved,
            action: |rs, ctx| resolve_conflict(household(), "basic.status", json!("1"), rs, ctx),
            want: Want::Refused(&["exit.no_worries_unresolved"]),
        },
        Case {
            name: "已脱贫 chosen for a household never proposed",
            requirement: "C9",
            setup: registered,
            action: |rs, ctx| resolve_conflict(household(), "basic.status", json!("1"), rs, ctx),
            want: Want::Refused(&["lifecycle.pre_exit_required"]),
        },
        Case {
            name: "已脱贫 chosen for a household whose exit is complete",
            requirement: "W1",
            setup: |_| {},
            action: |rs, ctx| resolve_conflict(household(), "basic.status", json!("1"), rs, ctx),
            want: Want::Allowed(|rs, edits| {
                assert_eq!(
                    state_after(rs, edits),
                    HouseholdState::Exited { year: 2018 }
                )
            }),
        },
        Case {
            name: "a field the form does not have",
            requirement: "",
            setup: |_| {},
            action: |rs, ctx| resolve_conflict(household(), "basic.colour", json!("红"), rs, ctx),
            want: Want::Refused(&["conflict.unknown_field"]),
        },
        Case {
            name: "a value the field cannot hold",
            requirement: "",
            setup: |_| {},
            action: |rs, ctx| resolve_conflict(household(), "basic.status", json!("9"), rs, ctx),
            want: Want::Refused(&["conflict.value_invalid"]),
        },
    ]);
}

/// The server's gate on a push: a household cannot be pushed into 已脱贫 this year around the
/// lifecycle, not even as a new record; one that exited in an earlier year comes from the
/// register as it is (C9, W1).
#[test]
fn a_push_cannot_go_around_the_lifecycle_c9() {
    let p = policy();
    let ctx = Context::new(&p, now());
    let before = records(registered);
    let mut after = before.clone();
    after[0].doc["basic"]["status"] = json!("1");
    after[0].doc["basic"]["exit_year"] = json!(2018);
    let refused = gate(&before, &after, &ctx).expect_err("refused");
    assert!(
        refused
            .iter()
            .any(|f| f.code == "lifecycle.pre_exit_required")
    );

    // As a new household: the same.
    assert!(gate(&[], &after, &ctx).is_err());
    after[0].doc["basic"]["exit_year"] = json!(2016);
    after[0].doc["basic"]["attribute"] = json!("05");
    assert_eq!(gate(&[], &after, &ctx), Ok(()));
}
