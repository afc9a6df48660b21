//! The problem list over time (EVALUATION.md §6, issue 18): a run raises problems once; a
//! re-run finds a fixed fault gone and marks its problem for the county's closing, never
//! closes it; a problem closed as 不属实 is not raised again; and a push re-checks only what
//! it touched, through the ID index, finding what a full run finds for it.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::action::problem::{self as act, VerifyReport};
use jiandang_domain::action::{Edit, apply};
use jiandang_domain::county::{self, CountyFacts, IdIndex, Run, Scope, checks, persons};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::problem::{Actor, ClosingKind, Problem, ProblemRole, ProblemState, Verdict};
use jiandang_domain::record::{RecordKind, StoredRecord};
use serde_json::{Value, json};
use support::{County, ids, now, policy, uuid};
use uuid::Uuid;

const FIELD: Actor = Actor {
    user: Uuid::from_u128(0x77),
    role: ProblemRole::Field,
};
const COUNTY: Actor = Actor {
    user: Uuid::from_u128(0x88),
    role: ProblemRole::County,
};

fn full(records: &[StoredRecord], start: u128) -> Run {
    let policy = policy();
    let ctx = Context::new(&policy, now());
    county::check_all(records, &CountyFacts::default(), &ctx, &mut ids(start))
}

fn problems(records: &[StoredRecord]) -> Vec<Problem> {
    records.iter().filter_map(Problem::from_stored).collect()
}

fn problem_with(records: &[StoredRecord], check: &str) -> Problem {
    problems(records)
        .into_iter()
        .find(|p| p.check == check)
        .unwrap_or_else(|| panic!("a problem of {check}"))
}

fn creations(edits: &[Edit]) -> usize {
    edits
        .iter()
        .filter(|e| matches!(e, Edit::Create { .. }))
        .count()
}

/// The county of the loop: a person in two households, a household not visited.
fn county() -> (County, Uuid, Uuid, Uuid) {
    let mut c = County::new();
    let a = c.village("411421001001");
    let h1 = c.household(a, |_| {});
    let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
    let h2 = c.household(a, |f| f["members"][0]["id_number"] = number.clone());
    let unvisited = c.household(a, |f| {
        f["household"]["basic"]["visited_on"] = json!("2017-10-20");
        f["visits"][0]["date"] = json!("2017-10-20");
    });
    (c, h1, h2, unvisited)
}

/// The loop in domain terms: the checks raise the problems; the field fixes one (the
/// data) and answers another as 不属实 with a note; the re-run clears the fixed one without
/// closing it; the county closes both; nothing is open; a run after that raises nothing.
#[test]
fn the_loop_raise_fix_answer_recheck_close_evaluation_6() {
    let (c, _h1, h2, _unvisited) = county();
    let policy = policy();
    let ctx = Context::new(&policy, now());
    let first = full(&c.records, 0x9_0000);
    assert_eq!(first.faults.len(), 3, "{:#?}", first.faults);
    assert_eq!(creations(&first.edits), 3);
    let mut records = apply(&c.records, &first.edits);
    assert!(
        problems(&records)
            .iter()
            .all(|p| p.state == ProblemState::Pending)
    );

    // A second run over the same register raises nothing more and changes nothing.
    let again = full(&records, 0x9_1000);
    assert!(again.edits.is_empty(), "{:#?}", again.edits);

    // The field fixes the duplicate (the second household's member had a wrong number)…
    let member = records
        .iter()
        .position(|r| {
            r.kind == RecordKind::Member
                && r.doc["household_id"] == json!(h2)
                && r.doc["relationship"] == json!("01")
        })
        .unwrap();
    records[member].doc["id_number"] = json!(support::id_number("411421", "19680315", 777));
    // … and answers the visit problem as 不属实.
    let visit = problem_with(&records, checks::NOT_VISITED.code);
    let answer = VerifyReport {
        verdict: Verdict::NotTrue,
        note: Some("10月12日已入户，纸质对照表有签字".into()),
        photo_ids: vec![],
        gps_fix_id: None,
    };
    records = apply(
        &records,
        &act::verify(visit.id, &records, answer, FIELD, &ctx).unwrap(),
    );

    // The re-run clears both duplicate problems (the fault is gone) and leaves the answered
    // one as it is: the visit date is still last year's.
    let rerun = full(&records, 0x9_2000);
    assert_eq!(creations(&rerun.edits), 0);
    records = apply(&records, &rerun.edits);
    let dup: Vec<Problem> = problems(&records)
        .into_iter()
        .filter(|p| p.check == checks::PERSON_IN_TWO_HOUSEHOLDS.code)
        .collect();
    assert_eq!(dup.len(), 2);
    for p in &dup {
        assert_eq!(p.recheck.fault_gone, Some(true));
        assert_eq!(p.state, ProblemState::Pending, "the re-run never closes");
    }

    // The county closes all three.
    for p in &dup {
        records = apply(
            &records,
            &act::close(p.id, &records, ClosingKind::Resolved, None, COUNTY, &ctx).unwrap(),
        );
    }
    records = apply(
        &records,
        &act::close(
            visit.id,
            &records,
            ClosingKind::Dismissed,
            None,
            COUNTY,
            &ctx,
        )
        .unwrap(),
    );
    assert!(problems(&records).iter().all(|p| !p.is_open()));
    // The 不属实 one is not raised again though its fault is still there.
    let last = full(&records, 0x9_3000);
    assert_eq!(last.faults.len(), 1);
    assert!(last.edits.is_empty(), "{:#?}", last.edits);
}

/// A fault found again after the re-run marked it gone takes the mark back; a fault fixed
/// and closed (整改销号) that comes back is a new problem.
#[test]
fn a_fault_that_comes_back_evaluation_6() {
    let (c, h1, _h2, _) = county();
    let policy = policy();
    let ctx = Context::new(&policy, now());
    let mut records = apply(&c.records, &full(&c.records, 0x9_0000).edits);
    let unvisited = problem_with(&records, checks::NOT_VISITED.code);
    let hid = unvisited.household_id.unwrap();
    let at = records.iter().position(|r| r.id == hid).unwrap();
    let stale = records[at].doc["basic"]["visited_on"].clone();
    records[at].doc["basic"]["visited_on"] = json!("2018-11-02");
    records = apply(&records, &full(&records, 0x9_1000).edits);
    assert_eq!(
        problem_with(&records, checks::NOT_VISITED.code)
            .recheck
            .fault_gone,
        Some(true)
    );
    records[at].doc["basic"]["visited_on"] = stale.clone();
    records = apply(&records, &full(&records, 0x9_2000).edits);
    assert_eq!(
        problem_with(&records, checks::NOT_VISITED.code)
            .recheck
            .fault_gone,
        Some(false)
    );
    // Fixed, closed, broken again: raised anew.
    records[at].doc["basic"]["visited_on"] = json!("2018-11-02");
    records = apply(&records, &full(&records, 0x9_3000).edits);
    records = apply(
        &records,
        &act::close(
            unvisited.id,
            &records,
            ClosingKind::Resolved,
            None,
            COUNTY,
            &ctx,
        )
        .unwrap(),
    );
    records[at].doc["basic"]["visited_on"] = stale;
    let run = full(&records, 0x9_4000);
    assert_eq!(creations(&run.edits), 1, "{:#?}", run.edits);
    let _ = h1;
}

/// What a push's re-check needs: the index as it is after the push, the scope of the touched
/// records, the records that scope wants.
fn recheck(
    before: &[StoredRecord],
    after: &[StoredRecord],
    touched: &BTreeSet<Uuid>,
    start: u128,
) -> (Run, Scope) {
    let policy = policy();
    let ctx = Context::new(&policy, now());
    // The server's index before the push, updated for the touched records.
    let mut index = IdIndex::of_register(&register(before, &ctx, Judge::Only(&BTreeSet::new())));
    let now_touched: Vec<StoredRecord> = after
        .iter()
        .filter(|r| touched.contains(&r.id))
        .cloned()
        .collect();
    let was_touched: Vec<StoredRecord> = before
        .iter()
        .filter(|r| touched.contains(&r.id))
        .cloned()
        .collect();
    let fresh: Vec<_> = now_touched
        .iter()
        .filter_map(|r| persons::entry_of(r, &county_of(after, r.village_id)))
        .collect();
    index.replace(touched, fresh);
    let scope = Scope::after_push(&was_touched, &now_touched, &index, &CountyFacts::default());
    let wanted: Vec<StoredRecord> = after.iter().filter(|r| scope.wants(r)).cloned().collect();
    let run = county::recheck(
        &wanted,
        touched,
        &index,
        &CountyFacts::default(),
        &scope,
        &ctx,
        &mut ids(start),
    );
    (run, scope)
}

/// The county code of a village: the first six digits of its form's division code.
fn county_of(records: &[StoredRecord], village: Uuid) -> String {
    records
        .iter()
        .find(|r| r.kind == RecordKind::Village && r.village_id == village)
        .and_then(|r| r.doc["basic"]["division_code"].as_str())
        .map(|s| s[..6].to_owned())
        .unwrap_or_default()
}

fn by_key(run: &Run) -> BTreeMap<String, (String, Option<u32>)> {
    run.faults
        .iter()
        .map(|f| (f.key.clone(), (f.text.clone(), f.rank)))
        .collect()
}

/// A push re-checks only what it touched and finds, for that, what a full run finds: the
/// faults in its scope are the full run's in that scope, and its edits leave the problems
/// as the full run's would (new ones by key, 复核已消除 marks).
#[test]
fn a_push_rechecks_what_it_touched_as_a_full_run_would() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let b = c.village("411421002001");
    let other = c.village("411425103201");
    let h1 = c.household(a, |_| {});
    let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
    let h2 = c.household(b, |f| f["members"][0]["id_number"] = number.clone());
    let h3 = c.household(b, support::above_line);
    let far = c.household(other, |_| {});
    for _ in 0..2 {
        c.household(a, |_| {});
        c.household(other, |_| {});
    }
    let before = apply(&c.records, &full(&c.records, 0x9_0000).edits);

    // The touches of three pushes: the duplicate fixed in village b (clears both holders,
    // one of them in village a); a household in the other county given the number (a new
    // cross-county duplicate); a household brought over the line (应退未退 ranks move).
    let m2 = c.members(h2)[0];
    let m_far = c.members(far)[0];
    // (changes, name, problems created, problems set)
    type Push<'a> = (Vec<(Uuid, &'a str, Value)>, &'a str, usize, usize);
    let pushes: Vec<Push> = vec![
        (
            vec![(
                m2,
                "id_number",
                json!(support::id_number("411421", "19680315", 555)),
            )],
            "fix",
            0,
            2,
        ),
        (
            vec![(m_far, "id_number", number.clone())],
            "duplicate across counties",
            3,
            0,
        ),
        (
            // Under the line now: no longer 应退未退 (its problem marked gone), and the
            // stored totals (年收入, 纯收入, 人均纯收入) are stale (three new problems).
            vec![(h3, "income.wage", json!("6000.00"))],
            "income",
            3,
            1,
        ),
    ];
    for (changes, name, created, set) in pushes {
        let touched: BTreeSet<Uuid> = changes.iter().map(|(id, _, _)| *id).collect();
        let mut after = before.clone();
        for (id, path, value) in &changes {
            let r = after.iter_mut().find(|r| r.id == *id).unwrap();
            let mut node = &mut r.doc;
            for key in path.split('.') {
                node = &mut node[key];
            }
            *node = value.clone();
        }
        let (partial, scope) = recheck(&before, &after, &touched, 0xA_0000);
        let whole = full(&after, 0xB_0000);
        let in_scope = Run {
            faults: whole
                .faults
                .iter()
                .filter(|f| scope.covers(f.scope_key()))
                .cloned()
                .collect(),
            edits: vec![],
        };
        assert_eq!(by_key(&partial), by_key(&in_scope), "{name}");
        assert_eq!(
            (
                creations(&partial.edits),
                partial.edits.len() - creations(&partial.edits)
            ),
            (created, set),
            "{name}: {:#?}",
            partial.edits
        );
        // The problems after either run agree, key by key, on what they say and their state.
        let summary =
            |records: &[StoredRecord]| -> BTreeMap<String, (ProblemState, Option<bool>, String)> {
                problems(records)
                    .into_iter()
                    .map(|p| {
                        (
                            p.key.clone(),
                            (p.state, p.recheck.fault_gone, p.text.clone()),
                        )
                    })
                    .collect()
            };
        assert_eq!(
            summary(&apply(&after, &partial.edits)),
            summary(&apply(&after, &whole.edits)),
            "{name}"
        );
        // It looked at less than the whole county.
        let wanted = after.iter().filter(|r| scope.wants(r)).count();
        assert!(wanted < after.len(), "{name}: {wanted} of {}", after.len());
    }
}

/// The scope of a touched record: its household, its village, the holders of the numbers it
/// had and has; the county's records are wanted accordingly.
#[test]
fn the_scope_of_a_push() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let b = c.village("411421002001");
    let h1 = c.household(a, |_| {});
    let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
    let h2 = c.household(b, |f| f["members"][0]["id_number"] = number.clone());
    let policy = policy();
    let ctx = Context::new(&policy, now());
    let index = IdIndex::of_register(&register(&c.records, &ctx, Judge::Only(&BTreeSet::new())));
    let m2 = c.record(c.members(h2)[0]).clone();
    let scope = Scope::after_push(
        std::slice::from_ref(&m2),
        std::slice::from_ref(&m2),
        &index,
        &CountyFacts::default(),
    );
    assert_eq!(scope.households, [h2].into_iter().collect());
    assert_eq!(scope.villages, [b].into_iter().collect());
    assert!(
        scope.persons.contains(&c.members(h1)[0]),
        "the other holder"
    );
    assert!(scope.persons.contains(&m2.id));
    assert!(!scope.help && !scope.county && !scope.all);
    // Village b's records, the help set, and the problems about the other holder.
    assert!(
        c.records
            .iter()
            .filter(|r| r.village_id == b)
            .all(|r| scope.wants(r))
    );
    assert!(!scope.wants(c.record(h1)));
    assert!(scope.wants(c.record(uuid(support::HELPER))));
    // A server's entry for one touched record is the register's entry for it.
    for e in index.entries() {
        let r = c.record(e.record_id);
        assert_eq!(persons::entry_of(r, &e.county).as_ref(), Some(e));
    }
}
