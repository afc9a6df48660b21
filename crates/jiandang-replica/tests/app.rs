//! The replica's application API on a real replica file: the exit procedure walked through
//! the domain's actions to 已脱贫 (C9, W1, Q2), 标记脱贫 refused before 预脱贫 and before the
//! head's recognition; a county's own line judged offline (W1); a member change applied all
//! or nothing when the process dies between its records (W6); natural villages linked to
//! their 贫困村 form (C3).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiandang_domain::exit_procedure::{ExitStep, ExitStepRecord};
use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::steps::StepOutcome;
use jiandang_domain::{Date, RecordKind, StoredRecord, Timestamp};
use jiandang_replica::{Acted, ActionName, MemberChange, Replica};
use serde_json::{Value, json};
use uuid::Uuid;

const OK: &str = include_str!("../../../examples/household-ok.json");

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0192f3a0_5b1c_7a00_8000_000000000000 | n)
}

const HOUSEHOLD: u128 = 0x01;
const HEAD: u128 = 0x0b;
const SPOUSE: u128 = 0x0c;

/// The example household (registered, no exit procedure) after `edit`, as stored records.
fn registered(edit: impl FnOnce(&mut Value)) -> Vec<StoredRecord> {
    let mut v: Value = serde_json::from_str(OK).expect("example");
    v["requested_action"] = Value::Null;
    v["household"]["basic"]["status"] = json!("0");
    v["exit_procedures"] = json!([]);
    edit(&mut v);
    household_file_records(&v.to_string())
        .expect("records")
        .records
}

/// A replica file holding `records`, its clock at 2018-11-20 noon in Beijing (the entry
/// phase), judging by `policy`.
fn replica_with(dir: &tempfile::TempDir, records: &[StoredRecord], policy: &YearPolicy) -> Replica {
    let now = Timestamp::parse("2018-11-20T12:00:00+08:00")
        .expect("now")
        .millis();
    let clock = Arc::new(AtomicI64::new(now));
    let r = Replica::open_with_clock(
        &dir.path().join("replica.sqlite"),
        Arc::new(move || clock.load(Ordering::SeqCst)),
    )
    .expect("open");
    r.set_policy(policy).expect("policy");
    for rec in records {
        r.save_record(rec.kind, rec.id, rec.village_id, &rec.doc)
            .expect("save");
    }
    r
}

fn shangqiu() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

fn step(step: ExitStep, date: &str) -> ExitStepRecord {
    ExitStepRecord {
        step,
        date: Some(Date::parse(date).expect("date")),
        outcome: Some(StepOutcome::Passed),
        ..ExitStepRecord::default()
    }
}

fn reasons(a: &Acted) -> Vec<String> {
    match a {
        Acted::Refused { reasons } => reasons.iter().map(|f| f.code.clone()).collect(),
        Acted::Done { .. } => Vec::new(),
    }
}

fn status(r: &Replica) -> Value {
    r.get_record(id(HOUSEHOLD))
        .expect("read")
        .expect("household")
        .doc["basic"]["status"]
        .clone()
}

/// The walk a worker makes on the household page (C9, W1, Q2): 标记脱贫 refused while the
/// household is 未脱贫; 申请预脱贫; the steps in order; 标记脱贫 refused before the head's
/// recognition is recorded; the rest of the steps; 标记脱贫 done. Each refusal leaves the
/// file as it was, each action's records wait in the outbox.
#[test]
fn the_exit_procedure_walks_to_exited_through_the_domain_c9_w1_q2() {
    let dir = tempfile::tempdir().expect("dir");
    let r = replica_with(&dir, &registered(|_| {}), &shangqiu());
    let h = id(HOUSEHOLD);
    let waiting = |r: &Replica| r.pending_changes().expect("outbox").len();

    let offered = |r: &Replica| -> Vec<(ActionName, bool)> {
        r.household_actions(h)
            .expect("actions")
            .offers
            .iter()
            .map(|o| (o.action, o.reasons.is_empty()))
            .collect()
    };
    assert_eq!(
        offered(&r),
        vec![
            (ActionName::ProposeExit, true),
            (ActionName::MarkExited, false)
        ],
        "未脱贫: propose offered and allowed, 标记脱贫 offered and refused"
    );
    let before = waiting(&r);
    let early = r.mark_exited(h).expect("mark");
    assert!(!early.is_done(), "C9: 预脱贫 first");
    assert_eq!(waiting(&r), before, "a refusal writes nothing");
    assert_eq!(status(&r), json!("0"));

    assert!(r.propose_exit(h).expect("propose").is_done());
    assert_eq!(status(&r), json!("2"), "预脱贫");
    let actions = r.household_actions(h).expect("actions");
    assert_eq!(actions.state_zh, "预脱贫");
    assert!(
        actions
            .offers
            .iter()
            .any(|o| o.action == ActionName::RecordExitStep
                && o.step == Some(ExitStep::DemocraticAppraisal))
    );

    // A step out of order is refused with the domain's reason.
    let skipped = r
        .record_exit_step(h, step(ExitStep::Verification, "2018-10-18"))
        .expect("step");
    assert!(
        reasons(&skipped).contains(&"exit_procedure.step_order".to_owned()),
        "{skipped:?}"
    );

    for s in [
        step(ExitStep::DemocraticAppraisal, "2018-10-16"),
        step(ExitStep::Verification, "2018-10-18"),
    ] {
        let a = r.record_exit_step(h, s).expect("step");
        assert!(a.is_done(), "{a:?}");
    }
    let before = waiting(&r);
    let unrecognised = r.mark_exited(h).expect("mark");
    assert!(!unrecognised.is_done(), "Q2: the head's recognition first");
    assert_eq!(waiting(&r), before);

    let recognition = ExitStepRecord {
        signed_by: Some(id(HEAD)),
        ..step(ExitStep::Recognition, "2018-10-19")
    };
    let notice = ExitStepRecord {
        notice_days: Some(7),
        ..step(ExitStep::VillageNotice, "2018-10-20")
    };
    for s in [
        recognition,
        notice,
        step(ExitStep::TownReview, "2018-10-29"),
    ] {
        let a = r.record_exit_step(h, s).expect("step");
        assert!(a.is_done(), "{a:?}");
    }
    let done = r.mark_exited(h).expect("mark");
    assert!(done.is_done(), "{done:?}");
    assert_eq!(status(&r), json!("1"), "已脱贫");
    let stored = r.get_record(h).expect("read").expect("household");
    assert_eq!(stored.doc["basic"]["exit_year"], json!(2018));
    // Every step and the status are waiting to go to the county.
    let fields: Vec<String> = r
        .pending_changes()
        .expect("outbox")
        .into_iter()
        .map(|c| c.field)
        .collect();
    assert!(fields.contains(&"steps".to_owned()), "{fields:?}");
    assert!(fields.contains(&"basic.status".to_owned()), "{fields:?}");
    assert!(
        r.household_actions(h)
            .expect("actions")
            .offers
            .iter()
            .all(|o| o.action != ActionName::MarkExited),
        "an exited household is not offered 标记脱贫 again"
    );
}

/// The device judges by the county's own policy (W1): a household whose net income per head
/// is 3,500 may be proposed for exit where the line is 3,400 and is refused where it is 3,600,
/// by the same code on the same records.
#[test]
fn a_county_with_a_3600_line_refuses_the_exit_a_3400_county_allows_w1() {
    let modest = registered(|v| {
        let income = &mut v["household"]["income"];
        income["wage"] = json!("7500.00");
        income["gross"] = json!("15500.00");
        income["net"] = json!("14000.00");
        income["net_per_capita"] = json!("3500.00");
    });
    let mut doc = serde_json::to_value(shangqiu()).expect("policy");
    doc["poverty_line"] = json!("3600");
    let higher = YearPolicy::from_json(&doc.to_string()).expect("a 3,600 policy");

    let dir = tempfile::tempdir().expect("dir");
    let r = replica_with(&dir, &modest, &shangqiu());
    let allowed = r.propose_exit(id(HOUSEHOLD)).expect("propose");
    assert!(allowed.is_done(), "3,500 is over 3,400: {allowed:?}");

    let dir = tempfile::tempdir().expect("dir");
    let r = replica_with(&dir, &modest, &higher);
    let refused = r.propose_exit(id(HOUSEHOLD)).expect("propose");
    let Acted::Refused { reasons } = &refused else {
        panic!("3,500 is under 3,600: {refused:?}");
    };
    assert!(
        reasons
            .iter()
            .any(|f| f.requirement.as_deref() == Some("W1") && f.message.contains("3600")),
        "{reasons:#?}"
    );
    assert_eq!(status(&r), json!("0"), "nothing changed");
}

/// The environment variable that makes this test binary the child of the crash test.
const CHILD_DIR: &str = "JIANDANG_TEST_CRASH_CHILD_DIR";

/// The crash test's child: opens the replica its parent made and applies 自然增加 with a hook
/// that kills the process after the first record is written (before the transaction
/// commits). Does nothing when run as an ordinary test.
#[test]
fn crash_child_applies_a_member_change_and_dies_after_its_first_record() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let r = Replica::open(&std::path::Path::new(&dir).join("replica.sqlite")).expect("open");
    r.set_edit_hook(Some(Arc::new(|written| {
        if written == 1 {
            // SIGKILL-like: no unwinding, no destructor, no rollback by this process.
            std::process::abort();
        }
    })));
    let form = json!({"reason": "11", "date": "2018-09-20", "proof": "01"});
    let _ = r.member_change(
        id(HOUSEHOLD),
        form,
        MemberChange::Arrival {
            member: json!({"name": "新生儿", "relationship": "05", "sex": "1",
                "birth_date": "2018-09-20"}),
        },
    );
    panic!("the hook should have killed the process");
}

/// A process killed between the records of a member change (W6) leaves none of it: on
/// restart the household has its members as before, no change record, no outbox row, and
/// the same change then applies whole.
#[test]
fn a_member_change_killed_between_its_records_leaves_all_or_nothing_w6() {
    let dir = tempfile::tempdir().expect("dir");
    let records = registered(|_| {});
    let members = |r: &Replica, kind: RecordKind| r.records_of_kind(kind).expect("records").len();
    let outbox_rows;
    {
        let r = replica_with(&dir, &records, &shangqiu());
        outbox_rows = r.outbox().expect("outbox").len();
    }
    let before_members = {
        let r = Replica::open(&dir.path().join("replica.sqlite")).expect("open");
        members(&r, RecordKind::Member)
    };
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash_child_applies_a_member_change_and_dies_after_its_first_record",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()
        .expect("run the child");
    // Killed by its hook (SIGABRT), not failed some other way before writing anything.
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(6),
        "the child died in the action: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Replica::open(&dir.path().join("replica.sqlite")).expect("reopen");
    assert_eq!(members(&r, RecordKind::Member), before_members, "no member");
    assert_eq!(members(&r, RecordKind::MemberChange), 0, "no change record");
    assert_eq!(
        r.outbox().expect("outbox").len(),
        outbox_rows,
        "no outbox row"
    );
    assert_eq!(
        r.get_record(id(HOUSEHOLD))
            .expect("read")
            .expect("household")
            .doc["basic"]["household_size"],
        json!(4),
        "the household's size as it was"
    );
    // The same change, without the crash, applies whole.
    let a = r
        .member_change(
            id(HOUSEHOLD),
            json!({"reason": "11", "date": "2018-09-20", "proof": "01"}),
            MemberChange::Arrival {
                member: json!({"name": "新生儿", "relationship": "05", "sex": "1",
                    "birth_date": "2018-09-20"}),
            },
        )
        .expect("change");
    assert!(a.is_done(), "{a:?}");
    assert_eq!(members(&r, RecordKind::Member), before_members + 1);
    assert_eq!(members(&r, RecordKind::MemberChange), 1);
    assert_eq!(
        r.get_record(id(HOUSEHOLD))
            .expect("read")
            .expect("household")
            .doc["basic"]["household_size"],
        json!(5)
    );
}

/// A refused member change (W6: no reason given) writes nothing; the head leaving names a
/// new head, who becomes 户主.
#[test]
fn member_changes_are_the_domains_actions_w6() {
    let dir = tempfile::tempdir().expect("dir");
    let r = replica_with(&dir, &registered(|_| {}), &shangqiu());
    let rows = r.outbox().expect("outbox").len();
    let refused = r
        .member_change(
            id(HOUSEHOLD),
            json!({"date": "2018-09-20"}),
            MemberChange::Arrival {
                member: json!({"name": "新生儿", "relationship": "05"}),
            },
        )
        .expect("change");
    let Acted::Refused { reasons } = &refused else {
        panic!("an increase without a reason: {refused:?}");
    };
    assert!(
        reasons.iter().any(|f| f.path == "reason"),
        "the sheet's 增加原因 is named as the sheet knows it: {reasons:#?}"
    );
    assert_eq!(r.outbox().expect("outbox").len(), rows, "nothing written");
    // The head dies; the spouse becomes 户主: the change, the head marked 已自然减少, the new
    // head's relationship and the household's size, in one action.
    let left = r
        .member_change(
            id(HOUSEHOLD),
            json!({"reason": "21", "date": "2018-09-01", "proof": "04",
                   "new_head_id": id(SPOUSE).to_string()}),
            MemberChange::Departure {
                member_id: id(HEAD),
            },
        )
        .expect("change");
    assert!(left.is_done(), "{left:?}");
    let doc = |n: u128| r.get_record(id(n)).expect("read").expect("record").doc;
    assert_eq!(doc(HEAD)["status"], json!("2"), "已自然减少");
    assert_eq!(doc(SPOUSE)["relationship"], json!("01"), "户主");
    assert_eq!(doc(HOUSEHOLD)["basic"]["household_size"], json!(3));
    assert_eq!(
        r.records_of_kind(RecordKind::MemberChange)
            .expect("changes")
            .len(),
        1
    );
}

/// The scope id of a village (what enrolment names and the app's screens link records to).
const SCOPE: Uuid = Uuid::from_u128(0x5c09e);

fn codes_on(r: &Replica, record: Uuid) -> Vec<String> {
    r.findings(record)
        .expect("findings")
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// A natural village names its 贫困村 form by `village_id` (C3), while the app links it to the
/// village's scope id: entered before the form or after one came from the county, it belongs
/// to the form, and the village's judgement does not call it another village's.
#[test]
fn natural_villages_belong_to_their_village_form_however_entered_c3() {
    let nv_form = |name: &str| json!({"village_id": SCOPE.to_string(), "basic": {"name": name}});
    // Before the 贫困村 form: the natural village first, then the form made by the app.
    let dir = tempfile::tempdir().expect("dir");
    let r = replica_with(&dir, &[], &shangqiu());
    let east = r
        .save_form(RecordKind::NaturalVillage, None, SCOPE, &nv_form("东组"))
        .expect("natural village")
        .record
        .id;
    let v = r
        .save_form(RecordKind::Village, None, SCOPE, &json!({"basic": {}}))
        .expect("village form")
        .record
        .id;
    let mut codes = codes_on(&r, v);
    codes.extend(codes_on(&r, east));
    assert!(
        !codes.contains(&"natural_village.wrong_village".to_owned()),
        "{codes:?}"
    );
    // A 贫困村 form that came from the county under its own id.
    let dir = tempfile::tempdir().expect("dir");
    let county_form = StoredRecord {
        kind: RecordKind::Village,
        id: id(0x77),
        village_id: SCOPE,
        doc: json!({"basic": {}}),
    };
    let r = replica_with(&dir, &[county_form], &shangqiu());
    let n = r
        .save_form(RecordKind::NaturalVillage, None, SCOPE, &nv_form("西组"))
        .expect("natural village")
        .record;
    assert_eq!(n.doc["village_id"], json!(id(0x77).to_string()));
    let mut codes = codes_on(&r, id(0x77));
    codes.extend(codes_on(&r, n.id));
    assert!(
        !codes.contains(&"natural_village.wrong_village".to_owned()),
        "{codes:?}"
    );
}
