//! The server judges and gates through the domain (issue 12): a household's state changes at
//! push only through its lifecycle transition (C9, W1, W2, Q2), a conflict's resolution
//! passes the same gate, the county's policy is stored, served and replaced, and a county
//! with its own line judges by it. Through the router, over a real SQLite file.

mod support;

use axum::http::StatusCode;
use jiandang_protocol::flatten;
use jiandang_server::Clock as _;
use serde_json::{Value, json};
use support::{At, County, Token, outcome};
use uuid::Uuid;

const EXAMPLE: &str = include_str!("../../../examples/household-ok.json");
const REFUSED_EXAMPLE: &str = include_str!("../../../examples/household-exit-refused.json");

/// A household file of `examples/` placed in village A, marked 未脱贫, its per-capita net
/// income `per_capita` yuan (4 people: the wage makes up the difference).
fn household(county: &County, text: &str, per_capita: Option<i64>) -> Value {
    let mut file: Value = serde_json::from_str(text).expect("example");
    file["household"]["village_id"] = json!(county.village_a);
    file["household"]["basic"]["status"] = json!("0");
    for key in ["exit_procedures", "visits", "member_changes"] {
        for r in file[key].as_array_mut().into_iter().flatten() {
            if r.get("village_id").is_some() {
                r["village_id"] = json!(county.village_a);
            }
        }
    }
    if let Some(per_capita) = per_capita {
        // The example's other income nets 6,500 a year.
        let wage = per_capita * 4 - 6_500;
        let income = &mut file["household"]["income"];
        income["wage"] = json!(format!("{wage}.00"));
        income["gross"] = json!(format!("{}.00", wage + 8_000));
        income["net"] = json!(format!("{}.00", wage + 6_500));
        income["net_per_capita"] = json!(format!("{per_capita}.00"));
    }
    file
}

fn id_of(form: &Value) -> Uuid {
    form["id"].as_str().expect("id").parse().expect("uuid")
}

/// Every non-null leaf of a record as changes of the device `who`.
fn record_changes(county: &County, who: &Token, kind: &str, form: &Value) -> Vec<Value> {
    let at = At {
        record: id_of(form),
        kind,
        village: county.village_a,
    };
    flatten(form)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, new)| county.change(who, &at, &field, new, 0))
        .collect()
}

/// The household's records but its exit procedures, as changes.
fn bundle_changes(county: &County, who: &Token, file: &Value) -> Vec<Value> {
    let mut changes = record_changes(county, who, "household", &file["household"]);
    for (key, kind) in [
        ("members", "member"),
        ("gps_fixes", "gps_fix"),
        ("photos", "photo"),
    ] {
        for r in file[key].as_array().into_iter().flatten() {
            changes.extend(record_changes(county, who, kind, r));
        }
    }
    changes
}

/// A change of the household's record, stamped a second after the last one (the device
/// edits its own edits again).
fn set(county: &County, who: &Token, household: Uuid, field: &str, new: Value) -> Value {
    county.clock.advance(1_000);
    let at = At {
        record: household,
        kind: "household",
        village: county.village_a,
    };
    county.change(who, &at, field, new, 0)
}

/// The household's 脱贫状态 and 脱贫年度 on the server (from a snapshot).
async fn status_on_server(county: &County, who: &Token, household: Uuid) -> (Value, Value) {
    let (status, snapshot) = county
        .call("GET", "/api/v1/snapshot", Some(&who.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let snapshot: jiandang_protocol::Snapshot = serde_json::from_value(snapshot).expect("snapshot");
    let record = snapshot
        .records()
        .expect("records")
        .into_iter()
        .find(|r| r.id == household)
        .expect("the household is on the server");
    (
        record
            .leaves
            .get("basic.status")
            .cloned()
            .unwrap_or(Value::Null),
        record
            .leaves
            .get("basic.exit_year")
            .cloned()
            .unwrap_or(Value::Null),
    )
}

/// One step of a household's way through the gate: the changes of a set, what becomes of its
/// first change, and what its refusal says.
struct Step {
    requirement: &'static str,
    what: &'static str,
    changes: fn(&County, &Token, &Value) -> Vec<Value>,
    accepted: bool,
    says: &'static str,
    /// The 脱贫状态 the server holds afterwards.
    status: &'static str,
}

fn mark_exited(county: &County, who: &Token, file: &Value) -> Vec<Value> {
    let h = id_of(&file["household"]);
    vec![
        set(county, who, h, "basic.status", json!("1")),
        set(county, who, h, "basic.exit_year", json!(2018)),
        set(county, who, h, "basic.attribute", json!("05")),
    ]
}

/// The example's exit procedure with its first `steps` steps.
fn procedure_with(county: &County, who: &Token, file: &Value, steps: usize) -> Vec<Value> {
    let mut p = file["exit_procedures"][0].clone();
    let all = p["steps"].as_array().expect("steps").clone();
    p["steps"] = Value::Array(all[..steps].to_vec());
    record_changes(county, who, "exit_procedure", &p)
}

#[tokio::test]
async fn a_household_changes_state_at_push_only_through_its_transitions() {
    let steps: &[Step] = &[
        Step {
            requirement: "C9",
            what: "已脱贫 straight from 未脱贫",
            changes: mark_exited,
            accepted: false,
            says: "预脱贫",
            status: "0",
        },
        Step {
            requirement: "W1, W2, C9",
            what: "预脱贫: the exit gate passes",
            changes: |c, w, f| {
                vec![set(
                    c,
                    w,
                    id_of(&f["household"]),
                    "basic.status",
                    json!("2"),
                )]
            },
            accepted: true,
            says: "",
            status: "2",
        },
        Step {
            requirement: "W1",
            what: "已脱贫 with no exit procedure",
            changes: mark_exited,
            accepted: false,
            says: "退出程序",
            status: "2",
        },
        Step {
            requirement: "Q2",
            what: "已脱贫 in the set that records the procedure up to its verification, before the head's recognition",
            changes: |c, w, f| {
                let mut changes = mark_exited(c, w, f);
                changes.extend(procedure_with(c, w, f, 2));
                changes
            },
            accepted: false,
            says: "认可",
            status: "2",
        },
        Step {
            requirement: "W1, Q2",
            what: "已脱贫 with the procedure complete in the same set",
            changes: |c, w, f| {
                let mut changes = mark_exited(c, w, f);
                changes.extend(procedure_with(c, w, f, 5));
                changes
            },
            accepted: true,
            says: "",
            status: "1",
        },
    ];
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let file = household(&county, EXAMPLE, None);
    let household = id_of(&file["household"]);
    let saved = county
        .push(&worker, bundle_changes(&county, &worker, &file))
        .await;
    assert!(
        saved["results"]
            .as_array()
            .expect("results")
            .iter()
            .all(|r| r["outcome"]["status"] == "accepted"),
        "{saved}"
    );
    for step in steps {
        let changes = (step.changes)(&county, &worker, &file);
        let n = changes.len();
        let answer = county.push(&worker, changes).await;
        let first = outcome(&answer, 0);
        let name = format!("{} ({})", step.what, step.requirement);
        if step.accepted {
            assert_eq!(first["status"], "accepted", "{name}: {answer}");
        } else {
            assert_eq!(
                (first["status"].as_str(), first["code"].as_str()),
                (Some("refused"), Some("rule_refused")),
                "{name}: {answer}"
            );
            let message = first["message"].as_str().unwrap_or_default();
            assert!(message.contains(step.says), "{name}: {message}");
            // Every change of the household's record in the set (its first three) is
            // refused with it; the set's other changes stand.
            for i in 0..3 {
                assert_eq!(
                    outcome(&answer, i)["code"],
                    "rule_refused",
                    "{name}: change {i}: {answer}"
                );
            }
            for i in 3..n {
                assert_eq!(
                    outcome(&answer, i)["status"],
                    "accepted",
                    "{name}: {answer}"
                );
            }
        }
        assert_eq!(
            status_on_server(&county, &worker, household).await.0,
            json!(step.status),
            "{name}"
        );
    }
    // The household exited this year is judged with its procedure: no finding says it is
    // missing or incomplete.
    let answer = county
        .push(
            &worker,
            vec![set(
                &county,
                &worker,
                household,
                "basic.phone",
                json!("13900000002"),
            )],
        )
        .await;
    let findings = &answer["findings"];
    let text = findings.to_string();
    assert!(!text.contains("exit_procedure.missing"), "{findings}");
}

#[tokio::test]
async fn a_household_that_fails_the_exit_gate_cannot_be_proposed() {
    // W1, W2: the refused example's income and 两不愁三保障 fail the standard.
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let file = household(&county, REFUSED_EXAMPLE, None);
    let household = id_of(&file["household"]);
    county
        .push(&worker, bundle_changes(&county, &worker, &file))
        .await;
    let answer = county
        .push(
            &worker,
            vec![set(&county, &worker, household, "basic.status", json!("2"))],
        )
        .await;
    assert_eq!(outcome(&answer, 0)["code"], "rule_refused", "{answer}");
    assert_eq!(
        status_on_server(&county, &worker, household).await.0,
        json!("0")
    );
}

#[tokio::test]
async fn a_county_with_a_3600_line_refuses_an_exit_the_3400_county_accepts() {
    // W1: a household netting 3,500 yuan a head passes Shangqiu's 3,400 and not 3,600.
    for (line, accepted) in [(None, true), (Some("3600"), false)] {
        let county = County::new().await;
        let admin = county.enroll("admin").await;
        if let Some(line) = line {
            let (_, mut doc) = county
                .call("GET", "/api/v1/policy", Some(&admin.token), None)
                .await;
            doc["policy"]["poverty_line"] = json!(line);
            let (status, answer) = county
                .call("PUT", "/api/v1/admin/policy", Some(&admin.token), Some(doc))
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
        }
        let worker = county.enroll("worker_a").await;
        let file = household(&county, EXAMPLE, Some(3_500));
        let household = id_of(&file["household"]);
        county
            .push(&worker, bundle_changes(&county, &worker, &file))
            .await;
        let answer = county
            .push(
                &worker,
                vec![set(&county, &worker, household, "basic.status", json!("2"))],
            )
            .await;
        let got = outcome(&answer, 0);
        assert_eq!(
            got["status"] == "accepted",
            accepted,
            "line {line:?}: {answer}"
        );
        if !accepted {
            assert!(
                got["message"].as_str().is_some_and(|m| m.contains("3600")),
                "the refusal names the county's line: {got}"
            );
        }
    }
}

#[tokio::test]
async fn a_conflict_resolution_cannot_bypass_the_gate() {
    // C9: the county admin resolving a conflict on 脱贫状态 with 已脱贫 is refused as a push
    // would be; taking the proposal back is allowed.
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let one = county.enroll("worker_a").await;
    let two = county.enroll("worker_a").await;
    let file = household(&county, EXAMPLE, None);
    let household = id_of(&file["household"]);
    county
        .push(&one, bundle_changes(&county, &one, &file))
        .await;
    let seq = |answer: &Value| outcome(answer, 0)["seq"].as_u64().expect("seq");
    // Device one proposes the exit; device two, not having seen it, sets 未脱贫 again with an
    // earlier stamp: it loses, and a conflict is kept.
    let at = At {
        record: household,
        kind: "household",
        village: county.village_a,
    };
    let proposed = county
        .push(
            &one,
            vec![set(&county, &one, household, "basic.status", json!("2"))],
        )
        .await;
    assert_eq!(outcome(&proposed, 0)["status"], "accepted", "{proposed}");
    let mut late = county.change(&two, &at, "basic.status", json!("0"), 0);
    late["hlc"] = json!(
        jiandang_protocol::Hlc {
            wall_ms: county.clock.now_ms() - 60_000,
            counter: 0,
            node: two.device.to_string(),
        }
        .to_string()
    );
    let lost = county.push(&two, vec![late]).await;
    assert_eq!(outcome(&lost, 0)["status"], "superseded", "{lost}");
    let (_, list) = county
        .call("GET", "/api/v1/conflicts", Some(&admin.token), None)
        .await;
    let conflict = list["conflicts"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["field"] == "basic.status"))
        .cloned()
        .expect("a conflict on 脱贫状态");
    let uri = format!("/api/v1/conflicts/{}/resolve", conflict["id"]);
    let (status, answer) = county
        .call(
            "POST",
            &uri,
            Some(&admin.token),
            Some(json!({"protocol": 2, "value": "1"})),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rule_refused")),
        "{answer}"
    );
    assert_eq!(
        status_on_server(&county, &one, household).await.0,
        json!("2"),
        "the refused resolution changed nothing"
    );
    let (_, open) = county
        .call("GET", "/api/v1/conflicts", Some(&admin.token), None)
        .await;
    assert!(
        open.to_string().contains("basic.status"),
        "still open: {open}"
    );
    // The losing value (taking the proposal back) is allowed, and is a logged change.
    let (status, resolved) = county
        .call(
            "POST",
            &uri,
            Some(&admin.token),
            Some(json!({"protocol": 2, "value": "0"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert!(resolved["resolution"]["seq"].as_u64() > Some(seq(&proposed)));
    assert_eq!(
        status_on_server(&county, &one, household).await.0,
        json!("0")
    );
}

#[tokio::test]
async fn the_county_policy_is_served_stored_and_replaced_only_when_it_holds_together() {
    let county = County::new().await;
    let admin = county.enroll("admin").await;
    let worker = county.enroll("worker_a").await;
    // Every signed-in caller reads it: a new file holds Shangqiu 2018's document.
    let (status, doc) = county
        .call("GET", "/api/v1/policy", Some(&worker.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let served: jiandang_protocol::PolicyDoc =
        serde_json::from_value(doc.clone()).expect("a PolicyDoc");
    assert_eq!(
        served.policy,
        jiandang_domain::policy::YearPolicy::shangqiu_2018()
    );
    // An inconsistent document is refused with the domain's message; a survey worker may not
    // replace it at all.
    let mut bad = doc.clone();
    bad["policy"]["income_period_start"] = json!("2018-10-01");
    let (status, answer) = county
        .call("PUT", "/api/v1/admin/policy", Some(&admin.token), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        answer["message"],
        json!("政策参数不一致：收入计算期起始日期晚于截止日期")
    );
    let mut good = doc.clone();
    good["policy"]["poverty_line"] = json!("3600");
    let (status, _) = county
        .call(
            "PUT",
            "/api/v1/admin/policy",
            Some(&worker.token),
            Some(good.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = county
        .call(
            "PUT",
            "/api/v1/admin/policy",
            Some(&admin.token),
            Some(good),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Stored: a server opened on the same file serves it.
    let state =
        jiandang_server::AppState::open(&county.path, county.clock.clone()).expect("reopen");
    assert_eq!(state.rules.policy().poverty_line.to_string(), "3600.00");
    // The phases routes edit the policy's timeline, and the entry window follows it.
    let phases = json!({"protocol": 2, "phases": [
        {"name": "field_work", "starts": "2018-10-01", "ends": "2018-11-10", "writes_open": true},
        {"name": "entry", "starts": "2018-11-11", "ends": "2018-11-14", "writes_open": true}]});
    let (status, answer) = county
        .call(
            "PUT",
            "/api/v1/admin/phases",
            Some(&admin.token),
            Some(phases),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, doc) = county
        .call("GET", "/api/v1/policy", Some(&worker.token), None)
        .await;
    assert_eq!(doc["policy"]["phases"][1]["ends"], "2018-11-14");
    assert_eq!(
        doc["policy"]["poverty_line"], "3600.00",
        "the rest of it kept"
    );
    let at = At {
        record: Uuid::new_v4(),
        kind: "household",
        village: county.village_a,
    };
    let answer = county
        .push(
            &worker,
            vec![county.change(&worker, &at, "basic.phone", json!("13900000001"), 0)],
        )
        .await;
    assert_eq!(outcome(&answer, 0)["code"], "entry_closed", "{answer}");
    // A phase the timeline does not have is refused.
    let (status, answer) = county
        .call(
            "PUT",
            "/api/v1/admin/phases",
            Some(&admin.token),
            Some(json!({"protocol": 2, "phases": [
                {"name": "harvest", "starts": "2018-10-01", "ends": "2018-11-10", "writes_open": true}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
}

#[tokio::test]
async fn a_member_s_photo_is_judged_with_its_household() {
    // The device and the server used to take different photos into a household: a photo of
    // a member is the household's (docs/domain.md, bundles), judged and answered with it.
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let mut file = household(&county, EXAMPLE, None);
    let member = id_of(&file["members"][0]);
    let mut photo = file["photos"][0].clone();
    photo["id"] = json!(Uuid::new_v4());
    photo["subject_id"] = json!(member);
    if let Some(o) = photo.as_object_mut() {
        o.remove("household_id");
    }
    file["photos"] = json!([photo.clone()]);
    let answer = county
        .push(&worker, bundle_changes(&county, &worker, &file))
        .await;
    let entries: Vec<&str> = answer["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["record_id"].as_str())
        .collect();
    let photo_id = photo["id"].as_str().expect("photo id");
    assert!(
        entries.contains(&photo_id),
        "the member's photo is judged with the household: {entries:?}"
    );
    assert!(
        !answer["findings"]
            .to_string()
            .contains("bundle.owner_missing"),
        "{}",
        answer["findings"]
    );
    // A photo whose subject is no record of the village is judged on its own and says so.
    let mut stray = photo;
    stray["id"] = json!(Uuid::new_v4());
    stray["subject_id"] = json!(Uuid::new_v4());
    let answer = county
        .push(&worker, record_changes(&county, &worker, "photo", &stray))
        .await;
    assert!(
        answer["findings"]
            .to_string()
            .contains("bundle.owner_missing"),
        "{}",
        answer["findings"]
    );
}
