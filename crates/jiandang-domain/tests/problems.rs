//! The problem-list item (问题清单, EVALUATION.md §6, issue 18): a record with its form, judged
//! on its own; its state machine (待核实 → 已核实 → 已整改 → 已销号, or sent back) refusing wrong
//! moves and wrong sides, through the actions and through a push alike; nothing about a
//! problem ever emptied; a spot-check finding raising one through the same constructor; and
//! the phases that let a device write only the records an open problem is about.

use std::collections::BTreeSet;

use jiandang_domain::action::problem::{
    self as act, BY_HAND, HandRaise, VerifyReport, field_label,
};
use jiandang_domain::action::{Edit, apply};
use jiandang_domain::catalog;
use jiandang_domain::form::{FieldDef, leaf_paths};
use jiandang_domain::judge::{Context, judge};
use jiandang_domain::phase::{covered_by_open_problem, device_write};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::problem::{
    Actor, ClosingKind, Problem, ProblemRole, ProblemSeverity, ProblemSource, ProblemState, Raise,
    Verdict, check_transition,
};
use jiandang_domain::record::{RecordKind, StoredRecord};
use jiandang_domain::spotcheck::check::{ProblemSeed, RecordRef};
use jiandang_domain::{Date, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0192f3a0_5b1c_7a00_8000_000000000000 | n)
}

const VILLAGE: u128 = 0x64;
const HOUSEHOLD: u128 = 0x1;
const PROBLEM: u128 = 0x500;
const FIELD: Actor = Actor {
    user: Uuid::from_u128(0x77),
    role: ProblemRole::Field,
};
const COUNTY: Actor = Actor {
    user: Uuid::from_u128(0x88),
    role: ProblemRole::County,
};

fn policy() -> YearPolicy {
    YearPolicy::shangqiu_2018()
}

fn now() -> Timestamp {
    Timestamp::parse("2018-12-12T10:00:00+08:00").unwrap()
}

fn household() -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Household,
        id: uuid(HOUSEHOLD),
        village_id: uuid(VILLAGE),
        doc: json!({"basic": {"status": "0"}}),
    }
}

fn member() -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Member,
        id: uuid(0x11),
        village_id: uuid(VILLAGE),
        doc: json!({"household_id": uuid(HOUSEHOLD), "name": "张某", "status": "1"}),
    }
}

fn raised() -> Problem {
    Problem::raise(
        uuid(PROBLEM),
        Raise {
            source: ProblemSource::Check,
            check: "county.not_visited".into(),
            key: format!("county.not_visited|{}", uuid(HOUSEHOLD)),
            title: "未入户核实".into(),
            requirement: Some("C1".into()),
            severity: ProblemSeverity::Warning,
            village_id: uuid(VILLAGE),
            record_kind: Some(RecordKind::Household),
            record_id: Some(uuid(HOUSEHOLD)),
            household_id: Some(uuid(HOUSEHOLD)),
            path: "basic.visited_on".into(),
            field_label: Some("入户核实日期".into()),
            text: "本年度尚未入户核实".into(),
            verify: "到户核实并填写入户核实日期".into(),
            rank: None,
            raised_by: None,
            source_ref: None,
        },
        now(),
    )
}

fn stored(p: &Problem) -> StoredRecord {
    StoredRecord {
        kind: RecordKind::Problem,
        id: p.id,
        village_id: p.village_id,
        doc: serde_json::to_value(p).unwrap(),
    }
}

fn records_with(p: &Problem) -> Vec<StoredRecord> {
    vec![household(), member(), stored(p)]
}

fn ctx(policy: &YearPolicy) -> Context<'_> {
    Context::new(policy, now())
}

fn codes(findings: &[jiandang_domain::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

/// The problem after the edits an action gave.
fn after(records: &[StoredRecord], edits: &[Edit]) -> Problem {
    let out = apply(records, edits);
    let r = out
        .iter()
        .find(|r| r.kind == RecordKind::Problem)
        .expect("a problem");
    Problem::from_stored(r).expect("it reads")
}

fn verify_true() -> VerifyReport {
    VerifyReport {
        verdict: Verdict::True,
        note: None,
        photo_ids: vec![],
        gps_fix_id: None,
    }
}

fn verify_not_true(note: &str) -> VerifyReport {
    VerifyReport {
        verdict: Verdict::NotTrue,
        note: Some(note.into()),
        photo_ids: vec![],
        gps_fix_id: None,
    }
}

#[test]
fn the_problem_form_covers_the_model_and_is_in_the_catalog() {
    let mut p = raised();
    p.rank = Some(1);
    p.raised_by = Some(uuid(0x88));
    p.source_ref = Some(uuid(0x99));
    p.state = ProblemState::Closed;
    p.verification.verdict = Some(Verdict::True);
    p.verification.note = Some("n".into());
    p.verification.photo_ids = vec![uuid(0x600)];
    p.verification.gps_fix_id = Some(uuid(0x601));
    p.verification.by = Some(uuid(0x77));
    p.verification.at = Some(now());
    p.correction.note = Some("n".into());
    p.correction.by = Some(uuid(0x77));
    p.correction.at = Some(now());
    p.sent_back.reason = Some("r".into());
    p.sent_back.by = Some(uuid(0x88));
    p.sent_back.at = Some(now());
    p.sent_back.count = 1;
    p.closing.kind = Some(ClosingKind::Resolved);
    p.closing.note = Some("n".into());
    p.closing.by = Some(uuid(0x88));
    p.closing.at = Some(now());
    p.recheck.fault_gone = Some(true);
    p.recheck.at = Some(now());
    let json = serde_json::to_value(&p).unwrap();
    let model: BTreeSet<String> = leaf_paths(&json)
        .into_iter()
        .filter(|l| l != "id")
        .collect();
    let form = catalog::all()
        .into_iter()
        .find(|f| f.record == RecordKind::Problem)
        .expect("the problem's form is in the catalog");
    let fields: Vec<&FieldDef> = form.fields().collect();
    let defined: BTreeSet<String> = fields.iter().map(|f| f.path.to_owned()).collect();
    assert_eq!(defined, model);
    assert_eq!(defined.len(), fields.len(), "no duplicate paths");
    // The phone types only the verification and the correction; the rest is shown.
    let typed: Vec<&str> = fields
        .iter()
        .filter(|f| !f.derived)
        .map(|f| f.path)
        .collect();
    assert_eq!(
        typed,
        [
            "verification.verdict",
            "verification.note",
            "verification.photo_ids",
            "verification.gps_fix_id",
            "correction.note"
        ]
    );
    let lists: BTreeSet<&str> = catalog::code_lists().iter().map(|l| l.id).collect();
    for list in [
        "problem_state",
        "problem_verdict",
        "problem_source",
        "problem_closing",
        "problem_severity",
    ] {
        assert!(lists.contains(list), "{list}");
    }
}

/// A problem record is judged on its own (it is no part of a household's bundle); what its
/// state needs is its own judgement; a photo whose subject is the problem belongs to it.
#[test]
fn a_problem_record_is_judged_on_its_own_evaluation_6() {
    let policy = policy();
    let ok = raised();
    let mut unverified = raised();
    unverified.id = uuid(0x501);
    unverified.state = ProblemState::Verified;
    let photo = StoredRecord {
        kind: RecordKind::Photo,
        id: uuid(0x600),
        village_id: uuid(VILLAGE),
        doc: json!({"subject_id": uuid(PROBLEM), "kind": "document",
            "sha256": "3f".repeat(32), "thumb_sha256": "a1".repeat(32), "bytes": 10,
            "width": 10, "height": 10, "taken_at": "2018-12-12T01:00:00Z"}),
    };
    let mut rs = records_with(&ok);
    rs.push(stored(&unverified));
    rs.push(photo);
    let j = judge(&rs, &ctx(&policy));
    assert!(j.of(uuid(PROBLEM)).is_empty(), "{:?}", j.of(uuid(PROBLEM)));
    assert_eq!(codes(&j.of(uuid(0x501))), ["problem.verdict_missing"]);
    assert!(j.of(uuid(0x600)).is_empty(), "{:?}", j.of(uuid(0x600)));
}

/// The whole loop through the actions: raised, verified 属实 with evidence, corrected,
/// closed; every step records who and when, and the edits only set what changed.
#[test]
fn the_field_verifies_and_corrects_the_county_closes_evaluation_6() {
    let policy = policy();
    let ctx = ctx(&policy);
    let p = raised();
    let photo = StoredRecord {
        kind: RecordKind::Photo,
        id: uuid(0x600),
        village_id: uuid(VILLAGE),
        doc: json!({"subject_id": uuid(PROBLEM)}),
    };
    let mut rs = records_with(&p);
    rs.push(photo);
    let report = VerifyReport {
        photo_ids: vec![uuid(0x600)],
        note: Some("户主在家，核实属实".into()),
        ..verify_true()
    };
    let edits = act::verify(uuid(PROBLEM), &rs, report, FIELD, &ctx).unwrap();
    let Edit::Set { fields, .. } = &edits[0] else {
        panic!("a set: {edits:?}")
    };
    let set: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(
        set,
        [
            "state",
            "verification.at",
            "verification.by",
            "verification.note",
            "verification.photo_ids",
            "verification.verdict"
        ]
    );
    let rs = apply(&rs, &edits);
    let v = after(&rs, &[]);
    assert_eq!(v.state, ProblemState::Verified);
    assert_eq!(v.verification.by, Some(FIELD.user));
    assert_eq!(v.verification.at, Some(now()));

    let edits = act::correct(uuid(PROBLEM), &rs, "已补填入户核实日期".into(), FIELD, &ctx).unwrap();
    let rs = apply(&rs, &edits);
    assert_eq!(after(&rs, &[]).state, ProblemState::Corrected);

    let edits = act::close(
        uuid(PROBLEM),
        &rs,
        ClosingKind::Resolved,
        None,
        COUNTY,
        &ctx,
    )
    .unwrap();
    let rs = apply(&rs, &edits);
    let closed = after(&rs, &[]);
    assert_eq!(closed.state, ProblemState::Closed);
    assert_eq!(closed.closing.by, Some(COUNTY.user));
    // Nothing of the steps before is gone.
    assert_eq!(
        closed.verification.note.as_deref(),
        Some("户主在家，核实属实")
    );
    assert_eq!(
        closed.correction.note.as_deref(),
        Some("已补填入户核实日期")
    );
    // Closed is final.
    let again = act::send_back(uuid(PROBLEM), &rs, "再查".into(), COUNTY, &ctx).unwrap_err();
    assert_eq!(codes(&again), ["problem.closed"]);
}

/// The dashboard offers the county the moves its actions take on a problem as it stands, and
/// no other: 退回 once the field has answered, 整改销号 once corrected or the fault is gone,
/// 核实不属实销号 once verified not true, 县级撤销 (with its note) while open; nothing once closed.
#[test]
fn the_county_is_offered_the_moves_its_actions_take_evaluation_6() {
    use jiandang_domain::action::problem::{CountyMoves, county_moves};
    let policy = policy();
    let ctx = ctx(&policy);
    let moves = |p: &Problem| county_moves(&stored(p), &ctx);
    let pending = raised();
    assert_eq!(
        moves(&pending),
        CountyMoves {
            send_back: false,
            close: vec![ClosingKind::Withdrawn]
        }
    );
    let rs = records_with(&pending);
    let not_true = after(
        &rs,
        &act::verify(
            uuid(PROBLEM),
            &rs,
            verify_not_true("该户已入户"),
            FIELD,
            &ctx,
        )
        .unwrap(),
    );
    assert_eq!(
        moves(&not_true),
        CountyMoves {
            send_back: true,
            close: vec![ClosingKind::Dismissed, ClosingKind::Withdrawn]
        }
    );
    let is_true = after(
        &rs,
        &act::verify(uuid(PROBLEM), &rs, verify_true(), FIELD, &ctx).unwrap(),
    );
    assert_eq!(
        moves(&is_true),
        CountyMoves {
            send_back: true,
            close: vec![ClosingKind::Withdrawn]
        }
    );
    let rs_true = records_with(&is_true);
    let corrected = after(
        &rs_true,
        &act::correct(uuid(PROBLEM), &rs_true, "已补填".into(), FIELD, &ctx).unwrap(),
    );
    assert_eq!(
        moves(&corrected),
        CountyMoves {
            send_back: true,
            close: vec![ClosingKind::Resolved, ClosingKind::Withdrawn]
        }
    );
    // The re-run found the fault gone: 整改销号 from 待核实 too.
    let mut gone = raised();
    gone.recheck.fault_gone = Some(true);
    assert_eq!(
        moves(&gone).close,
        [ClosingKind::Resolved, ClosingKind::Withdrawn]
    );
    let rs_corrected = records_with(&corrected);
    let closed = after(
        &rs_corrected,
        &act::close(
            uuid(PROBLEM),
            &rs_corrected,
            ClosingKind::Resolved,
            None,
            COUNTY,
            &ctx,
        )
        .unwrap(),
    );
    assert_eq!(moves(&closed), CountyMoves::default());
}

/// Each move by its side and with what it needs; every refusal names why.
#[test]
fn wrong_moves_and_wrong_sides_are_refused_evaluation_6() {
    let policy = policy();
    let ctx = ctx(&policy);
    let pending = raised();
    let rs = records_with(&pending);
    let verified_not_true = after(
        &rs,
        &act::verify(
            uuid(PROBLEM),
            &rs,
            verify_not_true("该户10月8日已入户"),
            FIELD,
            &ctx,
        )
        .unwrap(),
    );
    let rs_not_true = records_with(&verified_not_true);
    let verified_true = after(
        &rs,
        &act::verify(uuid(PROBLEM), &rs, verify_true(), FIELD, &ctx).unwrap(),
    );
    let rs_true = records_with(&verified_true);

    type Step<'a> =
        Box<dyn Fn(&[StoredRecord]) -> Result<Vec<Edit>, Vec<jiandang_domain::Finding>> + 'a>;
    let cases: Vec<(&str, &[StoredRecord], Step, &[&str])> = vec![
        (
            "the county does not verify",
            &rs,
            Box::new(|r| act::verify(uuid(PROBLEM), r, verify_true(), COUNTY, &ctx)),
            &["problem.role_not_allowed"],
        ),
        (
            "不属实 needs a note",
            &rs,
            Box::new(|r| act::verify(uuid(PROBLEM), r, verify_not_true("  "), FIELD, &ctx)),
            &["problem.verify_note_missing"],
        ),
        (
            "a pending problem is not corrected before it is verified 属实",
            &rs,
            Box::new(|r| act::correct(uuid(PROBLEM), r, "改了".into(), FIELD, &ctx)),
            &["problem.verdict_missing", "problem.not_verified_true"],
        ),
        (
            "a problem verified 不属实 is not corrected",
            &rs_not_true,
            Box::new(|r| act::correct(uuid(PROBLEM), r, "改了".into(), FIELD, &ctx)),
            &["problem.corrected_not_true"],
        ),
        (
            "a correction needs its note",
            &rs_true,
            Box::new(|r| act::correct(uuid(PROBLEM), r, " ".into(), FIELD, &ctx)),
            &["problem.correction_note_missing"],
        ),
        (
            "the field does not close",
            &rs_not_true,
            Box::new(|r| act::close(uuid(PROBLEM), r, ClosingKind::Dismissed, None, FIELD, &ctx)),
            &["problem.role_not_allowed"],
        ),
        (
            "整改销号 needs the correction or the re-run's word",
            &rs_true,
            Box::new(|r| act::close(uuid(PROBLEM), r, ClosingKind::Resolved, None, COUNTY, &ctx)),
            &["problem.close_unjustified"],
        ),
        (
            "不属实销号 needs the verification as 不属实",
            &rs_true,
            Box::new(|r| act::close(uuid(PROBLEM), r, ClosingKind::Dismissed, None, COUNTY, &ctx)),
            &["problem.close_unjustified"],
        ),
        (
            "withdrawing needs a note",
            &rs,
            Box::new(|r| act::close(uuid(PROBLEM), r, ClosingKind::Withdrawn, None, COUNTY, &ctx)),
            &["problem.closing_note_missing", "problem.close_unjustified"],
        ),
        (
            "a pending problem is not sent back",
            &rs,
            Box::new(|r| act::send_back(uuid(PROBLEM), r, "再查".into(), COUNTY, &ctx)),
            &["problem.not_sendable"],
        ),
        (
            "sending back needs a reason",
            &rs_not_true,
            Box::new(|r| act::send_back(uuid(PROBLEM), r, "".into(), COUNTY, &ctx)),
            &["problem.send_back_reason_missing"],
        ),
        (
            "the field does not send back",
            &rs_not_true,
            Box::new(|r| act::send_back(uuid(PROBLEM), r, "再查".into(), FIELD, &ctx)),
            &["problem.role_not_allowed"],
        ),
        (
            "a problem that is not there",
            &[],
            Box::new(|r| act::verify(uuid(PROBLEM), r, verify_true(), FIELD, &ctx)),
            &["problem.missing"],
        ),
    ];
    for (name, records, step, expected) in cases {
        let got = match step(records) {
            Ok(edits) if edits.is_empty() => Vec::new(),
            Ok(edits) => panic!("{name}: allowed: {edits:?}"),
            Err(reasons) => reasons.into_iter().map(|f| f.code).collect(),
        };
        // Every changed field gives its reason; the kinds of reason are what matter here.
        let got: BTreeSet<&str> = got.iter().map(String::as_str).collect();
        let want: BTreeSet<&str> = expected.iter().copied().collect();
        assert_eq!(got, want, "{name}");
    }
    // And the moves that are allowed from those states.
    assert!(
        act::close(
            uuid(PROBLEM),
            &rs_not_true,
            ClosingKind::Dismissed,
            None,
            COUNTY,
            &ctx
        )
        .is_ok()
    );
    assert!(
        act::close(
            uuid(PROBLEM),
            &rs,
            ClosingKind::Withdrawn,
            Some("重复问题".into()),
            COUNTY,
            &ctx
        )
        .is_ok()
    );
    let back = act::send_back(
        uuid(PROBLEM),
        &rs_not_true,
        "依据不足，请补充照片".into(),
        COUNTY,
        &ctx,
    )
    .unwrap();
    let back = after(&rs_not_true, &back);
    assert_eq!(back.state, ProblemState::Pending);
    assert_eq!(back.sent_back.count, 1);
    // The verdict sent back stays on the record for the next visit to read.
    assert_eq!(back.verification.verdict, Some(Verdict::NotTrue));
    // The re-run's word lets the county close a problem nobody touched (the data was fixed).
    let mut gone = raised();
    gone.recheck.fault_gone = Some(true);
    assert!(
        act::close(
            uuid(PROBLEM),
            &records_with(&gone),
            ClosingKind::Resolved,
            None,
            COUNTY,
            &ctx
        )
        .is_ok()
    );
}

/// The same gate holds for a push, which can change any field: nothing about a problem is
/// emptied, what it is about never changes, each side changes only its own part.
#[test]
fn a_push_passes_the_same_gate_and_empties_nothing_evaluation_6() {
    let pending = raised();
    let mut verified = pending.clone();
    verified.state = ProblemState::Verified;
    verified.verification.verdict = Some(Verdict::NotTrue);
    verified.verification.note = Some("已入户".into());
    let check = |before: Option<&Problem>, edit: &dyn Fn(&mut Problem), role, expected: &[&str]| {
        let mut after = before.cloned().unwrap_or_else(raised);
        edit(&mut after);
        let got = match check_transition(before, &after, role) {
            Ok(()) => Vec::new(),
            Err(reasons) => reasons.into_iter().map(|f| f.code).collect(),
        };
        assert_eq!(got, expected, "{role:?}");
    };
    check(
        Some(&verified),
        &|p| p.verification.note = None,
        ProblemRole::Field,
        &["problem.value_removed", "problem.verify_note_missing"],
    );
    check(
        Some(&pending),
        &|p| p.record_id = Some(uuid(0x2)),
        ProblemRole::County,
        &["problem.identity_changed"],
    );
    check(
        Some(&pending),
        &|p| p.text = "改写".into(),
        ProblemRole::Field,
        &["problem.role_not_allowed"],
    );
    check(
        Some(&pending),
        &|p| p.text = "复核后的描述".into(),
        ProblemRole::County,
        &[],
    );
    check(
        Some(&pending),
        &|p| p.recheck.fault_gone = Some(true),
        ProblemRole::Field,
        &["problem.role_not_allowed"],
    );
    check(
        Some(&verified),
        &|p| p.state = ProblemState::Corrected,
        ProblemRole::Field,
        &[
            "problem.corrected_not_true",
            "problem.correction_note_missing",
        ],
    );
    check(
        None,
        &|_| {},
        ProblemRole::Field,
        &["problem.role_not_allowed"],
    );
    check(
        None,
        &|p| p.state = ProblemState::Verified,
        ProblemRole::County,
        &["problem.new_not_pending", "problem.verdict_missing"],
    );
    check(
        None,
        &|p| p.text = String::new(),
        ProblemRole::County,
        &["problem.text_missing"],
    );
    // In one push: verified 属实 and corrected.
    check(
        Some(&pending),
        &|p| {
            p.state = ProblemState::Corrected;
            p.verification.verdict = Some(Verdict::True);
            p.correction.note = Some("已更正".into());
        },
        ProblemRole::Field,
        &[],
    );
    // Through stored records, as the server sees a push.
    let before = vec![stored(&pending)];
    let mut bad = verified.clone();
    bad.key = "other".into();
    assert!(act::gate(&before, &[stored(&verified)], ProblemRole::Field).is_ok());
    let refused = act::gate(&before, &[stored(&bad)], ProblemRole::Field).unwrap_err();
    assert_eq!(codes(&refused), ["problem.identity_changed"]);
    let unread = StoredRecord {
        doc: json!({"state": "nonsense"}),
        ..stored(&pending)
    };
    assert_eq!(
        codes(&act::gate(&before, &[unread], ProblemRole::County).unwrap_err()),
        ["problem.unreadable"]
    );
}

/// "Send back with a comment": the county raises a problem by hand on any record and field
/// of the register; the field label comes from the record's form.
#[test]
fn the_county_raises_a_problem_by_hand_on_any_record_evaluation_6() {
    let policy = policy();
    let ctx = ctx(&policy);
    let rs = vec![household(), member()];
    let report = |record: Uuid, path: &str| HandRaise {
        problem_id: uuid(0x700),
        record_id: record,
        path: path.into(),
        text: "该户脱贫依据不足，县里不予认可".into(),
        verify: None,
        severity: ProblemSeverity::Error,
    };
    let edits = act::raise_by_hand(report(uuid(0x11), "id_number"), &rs, COUNTY, &ctx).unwrap();
    let [
        Edit::Create {
            kind,
            id,
            village_id,
            doc,
        },
    ] = edits.as_slice()
    else {
        panic!("{edits:?}")
    };
    assert_eq!(
        (*kind, *id, *village_id),
        (RecordKind::Problem, uuid(0x700), uuid(VILLAGE))
    );
    let p: Problem = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(p.source, Some(ProblemSource::County));
    assert_eq!(p.check, BY_HAND);
    assert_eq!(p.household_id, Some(uuid(HOUSEHOLD)));
    assert_eq!(p.field_label.as_deref(), Some("证件号码"));
    assert_eq!(p.raised_by, Some(COUNTY.user));
    assert_eq!(p.state, ProblemState::Pending);
    assert!(!p.verify.is_empty());
    let refused = |r: HandRaise, actor| {
        codes(&act::raise_by_hand(r, &rs, actor, &ctx).unwrap_err())
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        refused(report(uuid(0x11), "nonsense"), COUNTY),
        ["problem.unknown_field"]
    );
    assert_eq!(
        refused(report(uuid(0x999), ""), COUNTY),
        ["problem.record_missing"]
    );
    assert_eq!(
        refused(report(uuid(0x11), ""), FIELD),
        ["problem.role_not_allowed"]
    );
    assert_eq!(
        field_label(RecordKind::ExitProcedure, "steps[2].date").as_deref(),
        Some("程序步骤：日期")
    );
}

/// Spot-check findings become problems through the one constructor, keeping what the seed
/// says, from which check, about which record; a 漏评 household the register lacks has no
/// record but its village.
#[test]
fn spot_check_seeds_raise_problems_through_the_same_constructor_evaluation_6() {
    let seed = ProblemSeed {
        plan_id: uuid(0x900),
        check_id: uuid(0x901),
        check_kind: RecordKind::SpotCheck,
        village_id: uuid(VILLAGE),
        record: Some(RecordRef {
            kind: RecordKind::Member,
            id: uuid(0x11),
        }),
        path: "health".into(),
        code: "spot.data_mismatch".into(),
        verify_zh: "核实「健康状况」并更正登记信息".into(),
        text_zh: "抽查发现「健康状况」与登记不一致".into(),
    };
    let p = seed.raise(uuid(0x800), Some(uuid(HOUSEHOLD)), now());
    assert_eq!(p.source, Some(ProblemSource::SpotCheck));
    assert_eq!(p.check, "spot.data_mismatch");
    assert_eq!(
        (p.record_kind, p.record_id),
        (Some(RecordKind::Member), Some(uuid(0x11)))
    );
    assert_eq!(p.household_id, Some(uuid(HOUSEHOLD)));
    assert_eq!(p.source_ref, Some(uuid(0x901)));
    assert_eq!(p.text, seed.text_zh);
    assert_eq!(p.verify, seed.verify_zh);
    assert_eq!(p.state, ProblemState::Pending);
    // It passes the gate as a new problem the county's server raises.
    assert!(check_transition(None, &p, ProblemRole::County).is_ok());
    let missed = ProblemSeed {
        record: None,
        path: String::new(),
        code: "spot.missed".into(),
        ..seed
    };
    let p = missed.raise(uuid(0x801), None, now());
    assert_eq!((p.record_id, p.household_id), (None, None));
    assert_eq!(p.village_id, uuid(VILLAGE));
    assert!(check_transition(None, &p, ProblemRole::County).is_ok());
}

/// Issue 18 item 4: after the entry window, in the verification and correction phases, a
/// device writes only what an open problem is about, and the refusal names the phase.
#[test]
fn after_the_entry_window_only_records_with_an_open_problem_are_written_timeline() {
    let policy = policy();
    let open = raised();
    let mut closed = raised();
    closed.id = uuid(0x502);
    closed.record_id = Some(uuid(0x2));
    closed.household_id = Some(uuid(0x2));
    closed.state = ProblemState::Closed;
    let problems = vec![open.clone(), closed];
    let other_household = StoredRecord {
        id: uuid(0x2),
        ..household()
    };
    let photo_of_problem = StoredRecord {
        kind: RecordKind::Photo,
        id: uuid(0x600),
        village_id: uuid(VILLAGE),
        doc: json!({"subject_id": uuid(PROBLEM)}),
    };
    let day = |s: &str| Date::parse(s).unwrap();
    let write = |on: &str, r: &StoredRecord| -> Result<(), (String, String)> {
        device_write(&policy, day(on), r, &problems).map_err(|f| (f.code, f.message))
    };
    // (day, record, refusal code and the phase its message names)
    type Case<'a> = (&'a str, StoredRecord, Option<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        ("2018-11-20", other_household.clone(), None),
        (
            "2018-12-05",
            household(),
            Some(("phase.closed", "数据分析")),
        ),
        ("2018-12-12", household(), None),
        ("2018-12-12", member(), None),
        ("2018-12-12", photo_of_problem.clone(), None),
        ("2018-12-12", stored(&open), None),
        (
            "2018-12-12",
            other_household.clone(),
            Some(("phase.no_open_problem", "问题核实")),
        ),
        ("2018-12-25", member(), None),
        (
            "2018-12-25",
            other_household.clone(),
            Some(("phase.no_open_problem", "数据整改")),
        ),
        (
            "2019-01-03",
            household(),
            Some(("phase.closed", "总结上报")),
        ),
        ("2019-03-01", household(), Some(("phase.closed", "不在"))),
    ];
    for (on, record, expected) in cases {
        match (write(on, &record), expected) {
            (Ok(()), None) => {}
            (Err((code, message)), Some((want, phase))) => {
                assert_eq!(code, want, "{on} {:?}", record.kind);
                assert!(message.contains(phase), "{on}: {message}");
            }
            (got, want) => panic!(
                "{on} {:?} {}: {got:?}, want {want:?}",
                record.kind, record.id
            ),
        }
    }
    assert!(covered_by_open_problem(&member(), &problems));
    assert!(!covered_by_open_problem(&other_household, &problems));
    // A closed problem covers nothing: its household is not written in the correction phase.
    let value: Value = serde_json::to_value(&problems[1]).unwrap();
    assert_eq!(value["state"], "closed");
}
