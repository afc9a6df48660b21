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
use std::collections::BTreeSet;

use axum::http::StatusCode;
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

/// Every non-null leaf of a record of village A as changes of the device `who`.
fn record_changes(county: &County, who: &Token, kind: &str, id: Uuid, form: &Value) -> Vec<Value> {
    changes_in(county, county.village_a, who, kind, id, form)
}

/// Every non-null leaf of a record of `village` as changes of the device `who`.
fn changes_in(
    county: &County,
    village: Uuid,
    who: &Token,
    kind: &str,
    id: Uuid,
    form: &Value,
) -> Vec<Value> {
    let at = At {
        record: id,
        kind,
        village,
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
    // A household the worker adds after the window: no problem covers it.
    let other_id = Uuid::new_v4();
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

/// The example household again in village B, under new ids (the same people: each of its
/// members is then in two households of the county, §7.1 人员重复), as changes.
fn copy_in_b(county: &County, who: &Token) -> Vec<Value> {
    copy_in_b_with_ids(county, who).0
}

/// [`copy_in_b`], with the copy's member ids in the example's order.
fn copy_in_b_with_ids(county: &County, who: &Token) -> (Vec<Value>, Vec<Uuid>) {
    let mut file = household(county);
    let mut ids = Vec::new();
    let h = Uuid::new_v4();
    file["household"]["id"] = json!(h);
    file["household"]["village_id"] = json!(county.village_b);
    let mut changes = changes_in(
        county,
        county.village_b,
        who,
        "household",
        h,
        &file["household"],
    );
    for m in file["members"].as_array().into_iter().flatten() {
        let mut m = m.clone();
        let id = Uuid::new_v4();
        ids.push(id);
        m["id"] = json!(id);
        m["household_id"] = json!(h);
        m["village_id"] = json!(county.village_b);
        changes.extend(changes_in(county, county.village_b, who, "member", id, &m));
    }
    (changes, ids)
}

async fn problems_of(county: &County, who: &Token, query: &str) -> (StatusCode, Value) {
    county
        .call(
            "GET",
            &format!("/api/v1/problems{query}"),
            Some(&who.token),
            None,
        )
        .await
}

/// The county runs the checks (§7.1 人员重复 across two villages here): the problems are
/// stored, a re-run raises none again, a survey worker lists only its village's, and the
/// county raises by hand, sends back only what was verified, and closes (EVALUATION §6).
#[tokio::test]
async fn the_county_runs_the_checks_and_works_the_list() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    let worker_b = county.enroll("worker_b").await;
    let file = household(&county);
    assert_accepted(
        &county
            .push(&worker, bundle_changes(&county, &worker, &file))
            .await,
        "A",
    );
    assert_accepted(
        &county.push(&worker_b, copy_in_b(&county, &worker_b)).await,
        "B",
    );

    let (status, run) = county
        .call("POST", "/api/v1/admin/checks/run", Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let in_two = run["faults"]["county.person_in_two_households"]
        .as_u64()
        .unwrap_or(0);
    assert_eq!(in_two, 8, "each of 4 people in each of 2 households: {run}");
    // One problem per fault (the pushes' own re-checks raised some of them already).
    let faults: u64 = run["faults"]
        .as_object()
        .expect("faults")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    let (status, all) = problems_of(&county, &admin, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        all["problems"].as_array().expect("list").len() as u64,
        faults
    );
    assert_eq!(all["by_state"]["pending"].as_u64(), Some(faults));

    // A second run raises nothing again.
    let (_, again) = county
        .call("POST", "/api/v1/admin/checks/run", Some(&admin.token), None)
        .await;
    assert_eq!(again["raised"], 0, "{again}");

    // The worker of A sees A's problems only, and cannot ask for B's.
    let (status, mine) =
        problems_of(&county, &worker, "?check=county.person_in_two_households").await;
    assert_eq!(status, StatusCode::OK);
    let mine = mine["problems"].as_array().expect("list");
    assert_eq!(mine.len(), 4, "A's four members");
    assert!(
        mine.iter()
            .all(|p| p["village_id"] == json!(county.village_a))
    );
    let (status, _) =
        problems_of(&county, &worker, &format!("?village={}", county.village_b)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The problems reach the worker's device by the normal pull.
    let (_, page) = county
        .call(
            "GET",
            "/api/v1/pull?after=0&limit=5000",
            Some(&worker.token),
            None,
        )
        .await;
    let pulled: BTreeSet<&str> = page["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["kind"] == "problem")
        .filter_map(|c| c["record_id"].as_str())
        .collect();
    assert!(
        mine.iter()
            .all(|p| pulled.contains(p["id"].as_str().expect("id")))
    );

    // Raise by hand, refused to send back while 待核实, closed as 县级撤销 with a note.
    let household_id = id_of(&file["household"]);
    let (status, raised) = county
        .call(
            "POST",
            "/api/v1/problems",
            Some(&admin.token),
            Some(json!({"protocol": 2, "record_id": household_id, "path": "basic.phone", "text": "联系电话与户主本人不符"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{raised}");
    assert_eq!(raised["problem"]["state"], "pending");
    assert_eq!(raised["problem"]["field_label"], "联系电话");
    let id = raised["problem"]["id"].as_str().expect("id").to_owned();
    let (status, answer) = county
        .call(
            "POST",
            &format!("/api/v1/problems/{id}/send-back"),
            Some(&admin.token),
            Some(json!({"protocol": 2, "reason": "再核实"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (status, closed) = county
        .call(
            "POST",
            &format!("/api/v1/problems/{id}/close"),
            Some(&admin.token),
            Some(json!({"protocol": 2, "kind": "withdrawn", "note": "误报"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["problem"]["state"], "closed");
    // Its history holds every step, the county admin's.
    let (_, history) = county
        .call(
            "GET",
            &format!("/api/v1/records/{id}/history"),
            Some(&admin.token),
            None,
        )
        .await;
    let fields: Vec<&str> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"state") && fields.contains(&"closing.kind"),
        "{fields:?}"
    );
}

/// The province's comparison file (W5): a row matching a member raises a problem on it, a
/// row matching no one is answered back with its line (never dropped).
#[tokio::test]
async fn the_province_file_raises_problems_and_answers_unmatched_rows() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    let file = household(&county);
    assert_accepted(
        &county
            .push(&worker, bundle_changes(&county, &worker, &file))
            .await,
        "A",
    );
    let number = file["members"][0]["id_number"].as_str().expect("number");
    let csv = format!(
        "证件号码,姓名,比对结果\n{number},张某某,财政供养人员\n110101199003077777,某人,车辆\n"
    );
    let (status, _, body) = county
        .send(
            "POST",
            "/api/v1/admin/province-file",
            Some(&admin.token),
            &[("Jiandang-Protocol", "2"), ("Content-Type", "text/csv")],
            Some(csv.into_bytes()),
            None,
        )
        .await;
    let answer: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["rows"], 2);
    assert_eq!(answer["matched_rows"], 1);
    assert_eq!(answer["raised"], 1);
    assert_eq!(answer["unmatched"][0]["line"], 3, "{answer}");
    let (_, list) = problems_of(&county, &worker, "?check=province.comparison").await;
    let list = list["problems"].as_array().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["record_id"], file["members"][0]["id"]);
}

/// A push that fixes a fault (the copy's member gets its own ID number, §7.1 人员重复) marks
/// the problems of that person on both sides 复核已消除 at once, touching no other; the county
/// then closes one as 整改销号 without a correction report (docs/problems.md, re-runs).
#[tokio::test]
async fn a_push_fixing_a_fault_marks_its_problems_and_the_county_closes_them() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    let worker_b = county.enroll("worker_b").await;
    let file = household(&county);
    assert_accepted(
        &county
            .push(&worker, bundle_changes(&county, &worker, &file))
            .await,
        "A",
    );
    let (changes, copies) = copy_in_b_with_ids(&county, &worker_b);
    assert_accepted(&county.push(&worker_b, changes).await, "B");
    let (status, run) = county
        .call("POST", "/api/v1/admin/checks/run", Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");

    county.clock.advance(1_000);
    let at = At {
        record: copies[0],
        kind: "member",
        village: county.village_b,
    };
    let fix = county.change(&worker_b, &at, "id_number", json!("41142119680315124X"), 0);
    assert_accepted(&county.push(&worker_b, vec![fix]).await, "the fix");

    let (_, list) = problems_of(&county, &admin, "?check=county.person_in_two_households").await;
    let list = list["problems"].as_array().expect("list");
    assert_eq!(list.len(), 8);
    let original = &file["members"][0]["id"];
    let gone: BTreeSet<&str> = list
        .iter()
        .filter(|p| p["recheck"]["fault_gone"] == true)
        .filter_map(|p| p["record_id"].as_str())
        .collect();
    let expected: BTreeSet<&str> = [original.as_str().expect("id"), &copies[0].to_string()]
        .into_iter()
        .map(|s| {
            list.iter()
                .find_map(|p| p["record_id"].as_str().filter(|r| *r == s))
                .expect("a problem on each side")
        })
        .collect();
    assert_eq!(
        gone, expected,
        "exactly the fixed person's two problems are 复核已消除"
    );
    assert!(
        list.iter().all(|p| p["state"] == "pending"),
        "the re-run closes nothing"
    );

    let id = list
        .iter()
        .find(|p| &p["record_id"] == original)
        .and_then(|p| p["id"].as_str())
        .expect("A's problem");
    let (status, closed) = county
        .call(
            "POST",
            &format!("/api/v1/problems/{id}/close"),
            Some(&admin.token),
            Some(json!({"protocol": 2, "kind": "resolved"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["problem"]["state"], "closed");
    // The worker's device pulls the closing like any change of its village.
    let (_, page) = county
        .call(
            "GET",
            "/api/v1/pull?after=0&limit=5000",
            Some(&worker.token),
            None,
        )
        .await;
    assert!(
        page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| {
                c["record_id"] == json!(id) && c["field"] == "state" && c["new"] == "closed"
            })
    );
}

/// The demo county shows a problem list (issue 18 item 5): the seeded faults are found by
/// their checks (§7.1 人员重复, C8), every problem lies in a village of the county (so a
/// survey worker's device pulls its village's items), and the same seed gives the same list.
#[test]
fn the_demo_county_has_a_problem_list() {
    let make = || {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = jiandang_server::db::open(&dir.path().join("demo.db")).expect("open");
        let scale = jiandang_server::demo::DemoScale {
            towns: 1,
            villages_per_town: 2,
            first_village_households: 20,
            village_households: 10,
        };
        let day = Date::new(2026, 3, 2).expect("date");
        jiandang_server::demo::generate(&mut conn, 7, scale, day, 0).expect("demo");
        jiandang_server::demo::add_year_events(&mut conn, 7, 0).expect("year events");
        let report =
            jiandang_server::demo_problems::seed_and_check(&mut conn, 7, 0).expect("problems");
        let mut stmt = conn
            .prepare(
                "SELECT r.doc FROM records r JOIN villages v ON v.id = r.village_id
                 WHERE r.kind = 'problem' ORDER BY r.id",
            )
            .expect("prepare");
        let docs: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        (report, docs)
    };
    let (report, docs) = make();
    let raised: usize = report.problems.values().sum();
    assert_eq!(
        docs.len(),
        raised,
        "every problem is in a village: {report:?}"
    );
    for (fault, check) in [
        (
            "person_in_two_households",
            "county.person_in_two_households",
        ),
        (
            "student_status_unverified",
            "county.student_status_unverified",
        ),
    ] {
        assert!(report.seeded[fault] >= 1, "{fault} seeded: {report:?}");
        assert!(
            report.problems.get(check).copied().unwrap_or(0) >= 1,
            "{check} found: {report:?}"
        );
    }
    let (_, again) = make();
    assert_eq!(docs, again, "the same seed gives the same problem list");
}
