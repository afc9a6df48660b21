//! End to end: the problem list's loop between the county and a device (issue 18 item 3,
//! EVALUATION.md §6, NOTICE.md "Timeline"), a real server on 127.0.0.1 and a real replica.
//! The county runs the checks; the worker's device pulls its village's problems and lists
//! them by state; the worker corrects one field and marks it 已整改, answers another 核实无误
//! (不属实) with a note, and syncs; the server's re-check marks the corrected one 复核已消除;
//! the county closes both; after the next sync the device shows them 已销号 and no open
//! problem. After the entry window only records with an open problem are writable, and the
//! device says so naming the phase.

use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::problem::ProblemState;
use jiandang_domain::{Date, RecordKind, StoredRecord};
use jiandang_e2e::*;
use jiandang_replica::{ProblemAnswer, ProblemRow};
use serde_json::{Value, json};
use uuid::Uuid;

/// The example household's head (the list names the household by it).
const HEAD: &str = "张某某";

const OK: &str = include_str!("../../examples/household-ok.json");

/// The example household in `village`, 未脱贫, its phone left blank (§7.1 重要指标为空).
fn household_without_phone(village: Uuid) -> Vec<StoredRecord> {
    let mut v: Value = serde_json::from_str(OK).expect("example");
    v["requested_action"] = Value::Null;
    v["household"]["basic"]["status"] = json!("0");
    v["household"]["basic"]["phone"] = Value::Null;
    v["exit_procedures"] = json!([]);
    household_file_records(&v.to_string())
        .expect("records")
        .records
        .into_iter()
        .map(|mut r| {
            r.village_id = village;
            if let Some(obj) = r.doc.as_object_mut()
                && obj.contains_key("village_id")
            {
                obj.insert("village_id".into(), json!(village.to_string()));
            }
            r
        })
        .collect()
}

fn row(rows: &[ProblemRow], id: Uuid) -> &ProblemRow {
    rows.iter()
        .find(|r| r.id == id)
        .expect("the problem is listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_answers_its_village_s_problems_and_sees_them_closed_evaluation_6() {
    let county = County::in_entry_window();
    let server = county.start_server();
    let admin = Admin::login(&server.url()).await;
    let d = county.device("a");
    d.enroll(&server.url(), WORKERS[0]).await;
    let records = household_without_phone(county.village);
    for r in &records {
        d.save(r.kind, r.id, r.village_id, &r.doc);
    }
    let household = records[0].id;
    d.sync().await.expect("first sync");

    let (status, run) = admin
        .post_json("/api/v1/admin/checks/run", &json!({}))
        .await;
    assert!(status.is_success(), "checks run: {status} {run}");
    d.sync().await.expect("pull the problems");

    let list = d.replica.problem_list(county.village).expect("list");
    assert_eq!(list.counts.open, list.rows.len() as u32, "{list:#?}");
    assert_eq!(list.counts.pending, list.counts.open, "all 待核实 at first");
    let phone = list
        .rows
        .iter()
        .find(|r| r.record_id == Some(household) && r.path == "basic.phone")
        .expect("the blank phone is a problem on the household's field (§7.1 重要指标为空)");
    assert_eq!(phone.field_label.as_deref(), Some("联系电话"));
    assert_eq!(phone.household_id, Some(household));
    assert_eq!(
        phone.head_name.as_deref(),
        Some(HEAD),
        "the household by its head"
    );
    let phone = phone.id;
    let other = list
        .rows
        .iter()
        .find(|r| r.id != phone && r.household_id == Some(household))
        .expect("a second problem on the household")
        .id;

    // The verification phase (12-11 – 12-20): writes only where an open problem is.
    county.clock.set(
        jiandang_domain::Timestamp::beijing_midnight(Date::new(2018, 12, 12).expect("date"))
            .millis()
            + 36_000_000,
    );
    let window = d.replica.write_window(household).expect("window");
    assert!(
        window.open,
        "an open problem covers the household: {window:?}"
    );
    assert_eq!(window.phase_zh.as_deref(), Some("问题核实"));
    let natural = Uuid::from_u128(0x5151);
    d.save(
        RecordKind::NaturalVillage,
        natural,
        county.village,
        &json!({"village_id": county.village.to_string(), "basic": {"name": "东组"}}),
    );
    let window = d.replica.write_window(natural).expect("window");
    let refusal = window
        .refusal
        .expect("no open problem covers a new natural village");
    assert!(!window.open);
    assert_eq!(refusal.code, "phase.no_open_problem");
    assert!(refusal.message.contains("问题核实"), "{}", refusal.message);

    // The worker corrects the phone and marks it, and answers the other 核实无误.
    let refused = d
        .replica
        .answer_problem(
            other,
            ProblemAnswer::NotTrue {
                note: String::new(),
            },
        )
        .expect("answer");
    let jiandang_replica::Acted::Refused { reasons } = &refused else {
        panic!("不属实 needs a note: {refused:?}");
    };
    assert!(
        reasons
            .iter()
            .any(|f| f.code == "problem.verify_note_missing"),
        "{reasons:?}"
    );
    d.set_field(household, "basic.phone", json!("13912345678"));
    let done = d
        .replica
        .answer_problem(
            phone,
            ProblemAnswer::Corrected {
                note: "补填户主联系电话".into(),
            },
        )
        .expect("answer");
    assert!(done.is_done(), "{done:?}");
    let done = d
        .replica
        .answer_problem(
            other,
            ProblemAnswer::NotTrue {
                note: "到户核实，登记无误".into(),
            },
        )
        .expect("answer");
    assert!(done.is_done(), "{done:?}");
    let list = d.replica.problem_list(county.village).expect("list");
    assert_eq!(row(&list.rows, phone).state, ProblemState::Corrected);
    assert_eq!(row(&list.rows, phone).verdict_zh.as_deref(), Some("属实"));
    assert_eq!(row(&list.rows, other).state, ProblemState::Verified);
    assert_eq!(row(&list.rows, other).verdict_zh.as_deref(), Some("不属实"));
    assert!(row(&list.rows, phone).waiting && row(&list.rows, other).waiting);
    assert_eq!(list.counts.corrected, 1);
    assert_eq!(list.counts.verified, 1);
    d.sync().await.expect("push the answers");

    // The server took them, and its re-check found the blank phone filled.
    let county_list = admin
        .get_json(&format!("/api/v1/problems?village={}", county.village))
        .await;
    let on_server = |id: Uuid| -> Value {
        county_list["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .find(|p| p["id"] == json!(id.to_string()))
            .cloned()
            .expect("on the server")
    };
    assert_eq!(on_server(phone)["state"], "corrected");
    assert_eq!(
        on_server(phone)["recheck"]["fault_gone"],
        true,
        "复核已消除"
    );
    assert_eq!(on_server(other)["state"], "verified");
    assert_eq!(
        on_server(other)["verification"]["note"],
        "到户核实，登记无误"
    );
    // The natural village no problem covers: refused by the server too, naming the phase,
    // and kept on the device.
    let outbox = d.replica.outbox().expect("outbox");
    let natural_rows: Vec<_> = outbox.iter().filter(|e| e.record_id == natural).collect();
    assert!(!natural_rows.is_empty());
    for e in natural_rows {
        assert_eq!(e.status, "refused", "{e:?}");
        assert!(
            e.refusal_message
                .as_deref()
                .is_some_and(|m| m.contains("问题核实")),
            "{e:?}"
        );
    }
    assert!(
        outbox
            .iter()
            .all(|e| e.record_id == natural || e.status != "refused"),
        "the problem's household and answers were taken: {outbox:#?}"
    );
    assert_eq!(d.field(natural, "basic.name"), json!("东组"));

    // The county closes both; the device shows them 已销号 after its next sync.
    for (id, kind) in [(phone, "resolved"), (other, "dismissed")] {
        let (status, answer) = admin
            .post_json(
                &format!("/api/v1/problems/{id}/close"),
                &json!({"protocol": 2, "kind": kind}),
            )
            .await;
        assert!(status.is_success(), "close {kind}: {status} {answer}");
    }
    let before = d.replica.problem_list(county.village).expect("list");
    assert_eq!(before.counts.closed, 0, "not before the sync");
    d.sync().await.expect("pull the closings");
    let list = d.replica.problem_list(county.village).expect("list");
    assert_eq!(list.counts.closed, 2);
    assert_eq!(list.counts.open, before.counts.open - 2);
    assert_eq!(
        row(&list.rows, phone).closing_zh.as_deref(),
        Some("整改销号")
    );
    assert_eq!(
        row(&list.rows, other).closing_zh.as_deref(),
        Some("核实不属实销号")
    );
    assert!(
        list.rows.iter().rev().take(2).all(|r| !r.open),
        "closed ones come last"
    );
    let closed = d
        .replica
        .answer_problem(
            phone,
            ProblemAnswer::NotTrue {
                note: "再改".into(),
            },
        )
        .expect("answer");
    let jiandang_replica::Acted::Refused { reasons } = &closed else {
        panic!("a closed problem is final: {closed:?}");
    };
    assert!(
        reasons.iter().any(|f| f.code == "problem.closed"),
        "{reasons:?}"
    );

    // The problem's history holds every step: raised, corrected, re-checked, closed.
    let history = admin
        .get_json(&format!("/api/v1/records/{phone}/history"))
        .await;
    let text = history.to_string();
    for step in ["\"pending\"", "\"corrected\"", "fault_gone", "\"closed\""] {
        assert!(text.contains(step), "history lacks {step}: {text}");
    }
    drop(server);
}
