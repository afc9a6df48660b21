//! The province's comparison file (比对结果; W5 "一比对", Q1): rows matched to the members
//! holding their numbers, each match a problem on the member; a row that matches no one is
//! answered back with its line and why, never dropped; a second import of the same row
//! raises nothing while the first is open.

mod support;

use std::collections::BTreeSet;

use jiandang_domain::action::{Edit, apply};
use jiandang_domain::county::IdIndex;
use jiandang_domain::county::province::{ComparisonRow, Unmatched, match_rows, raise};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::problem::{Problem, ProblemSource, ProblemState};
use jiandang_domain::record::RecordKind;
use serde_json::json;
use support::{County, id_number, ids, now, policy, uuid};

fn row(line: u32, number: &str, name: Option<&str>, reason: &str) -> ComparisonRow {
    ComparisonRow {
        line,
        id_number: number.to_owned(),
        name: name.map(str::to_owned),
        reason: Some(reason.to_owned()),
        department: Some("市场监管局".to_owned()),
        detail: None,
    }
}

#[test]
fn rows_match_members_and_the_rest_is_answered_back_w5_q1() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let h1 = c.household(a, |_| {});
    let h2 = c.household(a, |f| f["members"][3]["status"] = json!("2"));
    let m1 = c.members(h1)[0];
    let left = c.members(h2)[3];
    let number = |id| c.record(id).doc["id_number"].as_str().unwrap().to_owned();
    let (n1, n_left) = (number(m1), number(left));
    let name = c.record(m1).doc["name"].as_str().unwrap().to_owned();
    let rows = vec![
        // Lower-case x and spaces are the same number; the name agrees.
        row(
            2,
            &format!(" {} ", n1.to_lowercase()),
            Some(&name),
            "有工商注册信息",
        ),
        row(3, &n_left, Some("别人"), "有车辆登记信息"),
        row(4, "", None, "有车辆登记信息"),
        row(5, "411421196803151230", None, "财政供养人员"),
        row(
            6,
            &id_number("411421", "19900101", 555),
            None,
            "财政供养人员",
        ),
    ];
    let policy = policy();
    let ctx = Context::new(&policy, now());
    let reg = register(&c.records, &ctx, Judge::Only(&BTreeSet::new()));
    let index = IdIndex::of_register(&reg);
    let m = match_rows(&rows, &reg, &index);
    let matched: Vec<(u32, uuid::Uuid, bool, Option<bool>)> = m
        .matched
        .iter()
        .map(|x| (x.line, x.member_id, x.present, x.name_agrees))
        .collect();
    assert_eq!(
        matched,
        [(2, m1, true, Some(true)), (3, left, false, Some(false))]
    );
    let unmatched: Vec<(u32, Unmatched)> = m.unmatched.iter().map(|u| (u.line, u.why)).collect();
    assert_eq!(
        unmatched,
        [
            (4, Unmatched::Empty),
            (5, Unmatched::BadNumber),
            (6, Unmatched::NoSuchPerson)
        ]
    );
    for u in &m.unmatched {
        assert!(!u.message.contains("4114"), "no number in {}", u.message);
    }

    let import = uuid(0x1_0000);
    let edits = raise(&rows, &m, &[], import, &ctx, &mut ids(0x8_0000));
    assert_eq!(edits.len(), 2);
    let records = apply(&c.records, &edits);
    let problems: Vec<Problem> = records.iter().filter_map(Problem::from_stored).collect();
    for p in &problems {
        assert_eq!(p.source, Some(ProblemSource::Province));
        assert_eq!(p.state, ProblemState::Pending);
        assert_eq!(p.record_kind, Some(RecordKind::Member));
        assert_eq!(p.source_ref, Some(import));
        assert!(
            !p.text.contains(&name) && !p.text.contains(&n1),
            "{}",
            p.text
        );
    }
    let on_left = problems.iter().find(|p| p.record_id == Some(left)).unwrap();
    assert_eq!(on_left.household_id, Some(h2));
    assert!(on_left.text.contains("有车辆登记信息"), "{}", on_left.text);
    assert!(
        on_left.text.contains("姓名与登记的姓名不一致"),
        "{}",
        on_left.text
    );
    assert!(on_left.text.contains("已自然减少"), "{}", on_left.text);
    // The same file again: nothing new while the problems are open.
    let again = raise(
        &rows,
        &m,
        &problems,
        uuid(0x1_0001),
        &ctx,
        &mut ids(0x8_1000),
    );
    assert!(again.is_empty(), "{again:?}");
    assert!(edits.iter().all(|e| matches!(e, Edit::Create { .. })));
}
