//! The county's problem list on the server (issue 18, part 2): a pushed problem passes the
//! domain's problem gate (a field role verifies and corrects, never raises or closes), and
//! after the entry window a device writes only what an open problem covers, the refusal
//! naming the phase (NOTICE.md "Timeline"); the county API runs the checks, lists, raises,
//! sends back and closes; a push re-checks what it touched. Through the router, over a real
//! SQLite file.

mod support;

use jiandang_domain::action::Edit;
use jiandang_domain::action::problem::{HandRaise, raise_by_hand};
use jiandang_domain::judge::Context;
use jiandang_domain::problem::{Actor, ProblemRole, ProblemSeverity};
use jiandang_domain::{Date, RecordKind, StoredRecord, Timestamp};
use jiandang_protocol::flatten;
use jiandang_server::Clock as _;
use serde_json::{Value, json};
use support::{At, County, Token, outcome};
use uuid::Uuid;

const EXAMPLE: &str = include_str!("../../../examples/household-ok.json");

/// The example household placed in village A, 未脱贫.
fn household(county: &County) -> Value {
    let mut file: Value = serde_json::from_str(EXAMPLE).expect("example");
    file["household"]["village_id"] = json!(county.village_a);
    file["household"]["basic"]["status"] = json!("0");
    file
}

fn id_of(form: &Value) -> Uuid {
    form["id"].as_str().expect("id").parse().expect("uuid")
}

/// Every non-null leaf of a record as changes of the device `who`.
fn record_changes(county: &County, who: &Token, kind: &str, id: Uuid, form: &Value) -> Vec<Value> {
    let at = At {
        record: id,
        kind,
        village: county.village_a,
    };
    flatten(form)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, new)| county.change(who, &at, &field, new, 0))
        .collect()
}

/// The household and its members, as changes.
fn bundle_changes(county: &County, who: &Token, file: &Value) -> Vec<Value> {
    let h = &file["household"];
    let mut changes = record_changes(county, who, "household", id_of(h), h);
    for m in file["members"].as_array().into_iter().flatten() {
        let mut m = m.clone();
        m["village_id"] = json!(county.village_a);
        changes.extend(record_changes(county, who, "member", id_of(&m), &m));
    }
    changes
}

/// A problem the county raises by hand on the household's phone (the domain's action), as a
/// JSON form.
fn hand_problem(county: &County, household: &Value, by: Uuid) -> (Uuid, Value) {
    let policy = jiandang_server::demo::policy();
    let ctx = Context::new(&policy, Timestamp::from_millis(county.clock.now_ms()));
    let record = StoredRecord {
        kind: RecordKind::Household,
        id: id_of(household),
        village_id: county.village_a,
        doc: household.clone(),
    };
    let problem_id = Uuid::new_v4();
    let edits = raise_by_hand(
        HandRaise {
            problem_id,
            record_id: record.id,
            path: "basic.phone".to_owned(),
            text: "联系电话与户主本人不符".to_owned(),
            verify: None,
            severity: ProblemSeverity::Error,
        },
        &[record],
        Actor {
            user: by,
            role: ProblemRole::County,
        },
        &ctx,
    )
    .expect("the county may raise it");
    let [Edit::Create { doc, .. }] = edits.as_slice() else {
        panic!("one new problem: {edits:?}");
    };
    (problem_id, doc.clone())
}

/// 10:00 Beijing on a day of 2018.
fn at_day(month: u32, day: u32) -> i64 {
    Timestamp::beijing_midnight(Date::new(2018, month, day).expect("date")).millis() + 36_000_000
}

fn assert_accepted(answer: &Value, what: &str) {
    for (i, r) in answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .enumerate()
    {
        assert!(
            is_accepted(&r["outcome"]),
            "{what}: change {i} not accepted: {}",
            r["outcome"]
        );
    }
}

fn is_accepted(outcome: &Value) -> bool {
    outcome["status"] == "accepted"
}

/// The user's id.
fn user_id(county: &County, username: &str) -> Uuid {
    let id: String = county
        .db()
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .expect("user");
    id.parse().expect("uuid")
}

/// A survey worker cannot close (销号) or raise a county problem by pushing the record
/// (EVALUATION §6: the county closes; issue 18 "a domain state machine that refuses wrong
/// moves on the device and on the server").
#[tokio::test]
async fn a_field_push_cannot_close_or_raise_a_problem() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    let file = household(&county);
    let answer = county
        .push(&worker, bundle_changes(&county, &worker, &file))
        .await;
    assert_accepted(&answer, "the household");
    let admin_id = user_id(&county, "admin");
    let (problem, doc) = hand_problem(&county, &file["household"], admin_id);
    let answer = county
        .push(
            &admin,
            record_changes(&county, &admin, "problem", problem, &doc),
        )
        .await;
    assert_accepted(&answer, "the county raises a problem");

    // 已销号 pushed by the worker.
    county.clock.advance(1_000);
    let at = At {
        record: problem,
        kind: "problem",
        village: county.village_a,
    };
    let answer = county
        .push(
            &worker,
            vec![county.change(&worker, &at, "state", json!("closed"), 0)],
        )
        .await;
    let o = outcome(&answer, 0);
    assert!(!is_accepted(o), "a worker closed a problem: {o}");
    assert_eq!(o["code"], "rule_refused", "{o}");
    let stored: String = county
        .db()
        .query_row(
            "SELECT doc FROM records WHERE id = ?1",
            [problem.to_string()],
            |r| r.get(0),
        )
        .expect("problem");
    let stored: Value = serde_json::from_str(&stored).expect("json");
    assert_eq!(stored["state"], "pending", "the problem is still 待核实");

    // A new problem raised by the worker.
    let (other, doc) = hand_problem(&county, &file["household"], admin_id);
    let answer = county
        .push(
            &worker,
            record_changes(&county, &worker, "problem", other, &doc),
        )
        .await;
    assert!(
        !is_accepted(outcome(&answer, 0)),
        "a worker raised a problem: {answer}"
    );
    let held: i64 = county
        .db()
        .query_row(
            "SELECT COUNT(*) FROM records WHERE id = ?1",
            [other.to_string()],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(held, 0, "the worker's problem is not stored");
}

/// After the entry window, in the verification phase (12-11 – 12-20), a write to a record
/// without an open problem is refused with the phase named; the same write to a record with
/// one is accepted (issue 18 Done-when; NOTICE.md "Timeline").
#[tokio::test]
async fn after_the_entry_window_only_records_with_an_open_problem_take_writes() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    let file = household(&county);
    assert_accepted(
        &county
            .push(&worker, bundle_changes(&county, &worker, &file))
            .await,
        "the household",
    );
    // A second household of the village, without a problem.
    let mut other = household(&county);
    let other_id = Uuid::new_v4();
    other["household"]["id"] = json!(other_id);
    other["members"] = json!([]);
    assert_accepted(
        &county
            .push(&worker, bundle_changes(&county, &worker, &other))
            .await,
        "the second household",
    );
    let (_, doc) = hand_problem(&county, &file["household"], user_id(&county, "admin"));
    let problem = id_of(&doc);
    assert_accepted(
        &county
            .push(
                &admin,
                record_changes(&county, &admin, "problem", problem, &doc),
            )
            .await,
        "the problem",
    );

    county.clock.set(at_day(12, 15));
    let phone = |record: Uuid| {
        let at = At {
            record,
            kind: "household",
            village: county.village_a,
        };
        county.change(&worker, &at, "basic.phone", json!("13900000002"), 0)
    };
    let answer = county.push(&worker, vec![phone(other_id)]).await;
    let o = outcome(&answer, 0);
    assert_eq!(o["code"], "entry_closed", "{o}");
    let message = o["message"].as_str().expect("message");
    assert!(
        message.contains("问题核实"),
        "the phase is named: {message}"
    );

    let answer = county
        .push(&worker, vec![phone(id_of(&file["household"]))])
        .await;
    assert!(
        is_accepted(outcome(&answer, 0)),
        "the household with an open problem takes the write: {answer}"
    );
}
