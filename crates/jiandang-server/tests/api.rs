//! The server through its router: `tower::ServiceExt::oneshot` against a real SQLite file in
//! a temp dir, a settable clock standing in 2018's entry phase.

use std::io::Write;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use jiandang_domain::Date;
use jiandang_domain::household::Household;
use jiandang_protocol::{Hlc, Role, flatten};
use jiandang_server::admin::{insert_user, set_villages};
use jiandang_server::auth::hash_password;
use jiandang_server::{AppState, SettableClock, db, router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

struct Fixture {
    _dir: TempDir,
    path: std::path::PathBuf,
    app: Router,
    clock: Arc<SettableClock>,
    village_a: Uuid,
    village_b: Uuid,
    admin: String,
    admin_device: Uuid,
    /// Survey worker of village A, two devices.
    worker: String,
    worker2: String,
    worker_device: Uuid,
    worker2_device: Uuid,
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("date")
}

/// 10:00 Beijing on the given date, in the 2018 entry phase by default.
fn beijing(y: i32, m: u32, d: u32, hour: i64) -> i64 {
    jiandang_domain::Timestamp::beijing_midnight(date(y, m, d)).millis() + hour * 3_600_000
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    let clock = Arc::new(SettableClock::new(beijing(2018, 11, 15, 10)));
    let state = AppState::open(&path, clock.clone()).expect("open");
    let village_a = Uuid::from_u128(0xa);
    let village_b = Uuid::from_u128(0xb);
    let hash = hash_password(PASSWORD).expect("hash");
    state
        .db
        .call(move |conn| {
            conn.execute("INSERT INTO towns (id, name) VALUES ('00000000-0000-0000-0000-0000000000f1', '城关镇')", [])?;
            for (id, name) in [(village_a, "甲村"), (village_b, "乙村")] {
                conn.execute(
                    "INSERT INTO villages (id, town_id, name) VALUES (?1, '00000000-0000-0000-0000-0000000000f1', ?2)",
                    [id.to_string(), name.to_owned()],
                )?;
            }
            let users = [
                ("admin", Role::CountyAdmin, vec![]),
                ("worker", Role::SurveyWorker, vec![village_a]),
                ("other", Role::SurveyWorker, vec![village_b]),
            ];
            for (name, role, villages) in users {
                let id = Uuid::new_v4();
                insert_user(conn, id, name, name, role, &hash, 0)?;
                set_villages(conn, id, &villages)?;
            }
            Ok(())
        })
        .await
        .expect("seed");
    let app = router(state);
    let (admin, admin_device) = enroll(&app, "admin").await;
    let (worker, worker_device) = enroll(&app, "worker").await;
    let (worker2, worker2_device) = enroll(&app, "worker").await;
    Fixture {
        _dir: dir,
        path,
        app,
        clock,
        village_a,
        village_b,
        admin,
        admin_device,
        worker,
        worker2,
        worker_device,
        worker2_device,
    }
}

async fn enroll(app: &Router, username: &str) -> (String, Uuid) {
    let (status, body) = call(
        app,
        "POST",
        "/api/v1/enroll",
        None,
        Some(json!({"protocol": 2, "username": username, "password": PASSWORD, "device_name": "测试机"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["token"].as_str().expect("token").to_owned(),
        body["device_id"]
            .as_str()
            .expect("device")
            .parse()
            .expect("uuid"),
    )
}

/// One request with the protocol header; the answer's status and JSON body (null if none).
async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let bytes = body.map(|b| serde_json::to_vec(&b).expect("json"));
    send(
        app,
        method,
        uri,
        token,
        &[("Jiandang-Protocol", "2")],
        bytes,
    )
    .await
}

/// The records of a snapshot answer, decoded as a device would.
fn snapshot_records(answer: &Value) -> Vec<jiandang_protocol::SnapshotRecord> {
    let snap: jiandang_protocol::Snapshot =
        serde_json::from_value(answer.clone()).expect("snapshot shape");
    snap.records().expect("snapshot rows")
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let (status, _, bytes) = send_raw(app, method, uri, token, headers, body).await;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(format!("{} bytes", bytes.len())))
    };
    (status, value)
}

async fn send_raw(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        req = req.header("Authorization", format!("Bearer {token}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let typed = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let req = match body {
        Some(b) if typed => req.body(Body::from(b)),
        Some(b) => req
            .header("Content-Type", "application/json")
            .body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let response = app.clone().oneshot(req).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, bytes)
}

/// A change as a device would make it.
struct Edit<'a> {
    record: Uuid,
    kind: &'a str,
    village: Uuid,
    field: &'a str,
    new: Value,
    base_seq: u64,
    wall_ms: i64,
    device: Uuid,
}

fn change(edit: &Edit<'_>) -> Value {
    json!({
        "change_id": Uuid::new_v4(),
        "record_id": edit.record,
        "kind": edit.kind,
        "village_id": edit.village,
        "field": edit.field,
        "old": null,
        "new": edit.new,
        "base_seq": edit.base_seq,
        "hlc": Hlc { wall_ms: edit.wall_ms, counter: 0, node: edit.device.to_string() }.to_string(),
    })
}

fn change_set(device: Uuid, changes: Vec<Value>) -> Value {
    json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": device, "changes": changes})
}

async fn push(app: &Router, token: &str, set: &Value) -> Value {
    let (status, body) = call(app, "POST", "/api/v1/push", Some(token), Some(set.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Counts rows with a fresh connection (the server's own is behind its mutex).
fn count(path: &std::path::Path, table: &str) -> i64 {
    let conn = db::open(path).expect("open");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

fn outcome(response: &Value, i: usize) -> &Value {
    &response["results"][i]["outcome"]
}

#[test]
fn migrations_apply_to_a_fresh_file_and_are_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fresh.db");
    let mut conn = db::open(&path).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, db::MIGRATIONS.len() as i64);
    db::migrate(&mut conn).expect("second run is a no-op");
    drop(conn);
    let conn = db::open(&path).expect("reopen");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    for table in [
        "users",
        "devices",
        "records",
        "fields",
        "change_log",
        "conflicts",
        "blobs",
        "county_policy",
    ] {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
}

#[tokio::test]
async fn health_needs_no_token_and_the_rest_answers_401() {
    let f = fixture().await;
    let (status, body) = call(&f.app, "GET", "/api/v1/health", None, None).await;
    assert_eq!(
        (status, body["status"].clone()),
        (StatusCode::OK, json!("ok"))
    );
    let sha = "0".repeat(64);
    for (method, uri) in [
        ("POST", "/api/v1/push".to_owned()),
        ("GET", "/api/v1/pull?after=0".to_owned()),
        ("GET", "/api/v1/snapshot".to_owned()),
        ("GET", format!("/api/v1/records/{}/history", Uuid::nil())),
        ("GET", "/api/v1/conflicts".to_owned()),
        ("GET", "/api/v1/admin/users".to_owned()),
        ("PUT", format!("/api/v1/blobs/{sha}?offset=0&total=1")),
        ("GET", format!("/api/v1/blobs/{sha}")),
    ] {
        let body = (method != "GET").then(|| json!({"protocol": 2}));
        let (status, answer) = call(&f.app, method, &uri, None, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(answer["code"], "unauthorized", "{method} {uri}");
        assert_eq!(answer["protocol"], jiandang_protocol::PROTOCOL_VERSION);
        let (status, _) = call(&f.app, method, &uri, Some("jdt_not_a_token"), body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a bad token"
        );
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let f = fixture().await;
    let mut answers = Vec::new();
    for (user, password) in [("worker", "wrong password"), ("nobody", PASSWORD)] {
        answers.push(
            call(
                &f.app,
                "POST",
                "/api/v1/enroll",
                None,
                Some(json!({"protocol": 2, "username": user, "password": password, "device_name": "x"})),
            )
            .await,
        );
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, StatusCode::UNAUTHORIZED);
    assert_eq!(answers[0].1["message"], "用户名或密码错误");
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let f = fixture().await;
    let (status, _) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker), None).await;
    assert_eq!(status, StatusCode::OK);
    let uri = format!("/api/v1/admin/devices/{}/revoke", f.worker_device);
    let (status, body) = call(&f.app, "POST", &uri, Some(&f.admin), None).await;
    assert_eq!(
        (status, body["revoked"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, body) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker), None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("unauthorized"))
    );
    // The user's other device still works; a worker may not use admin endpoints.
    let (status, _) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker2), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(&f.app, "POST", &uri, Some(&f.worker2), None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
}

/// A lost device (not revoked: issue 15) is told so at every contact, reports once what it
/// had not sent (the first report kept), and the county's device list shows both.
#[tokio::test]
async fn a_device_marked_lost_is_told_so_at_every_contact_and_its_first_loss_report_is_kept() {
    let f = fixture().await;
    let report = |unsent: u64| {
        json!({"protocol": 2, "unsent_changes": unsent, "refused_changes": 0,
            "unsent_photos": 1, "record_ids": [Uuid::from_u128(7)], "reported_ms": 5})
    };
    // Not lost: nothing to report.
    let (status, body) = call(
        &f.app,
        "POST",
        "/api/v1/device/loss-report",
        Some(&f.worker),
        Some(report(3)),
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );

    let uri = format!("/api/v1/admin/devices/{}/lost", f.worker_device);
    let (status, body) = call(&f.app, "POST", &uri, Some(&f.worker2), None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
    let (status, body) = call(&f.app, "POST", &uri, Some(&f.admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["lost_ms"].is_i64(), "{body}");
    assert_eq!(body["revoked"], json!(false));

    for path in [
        "/api/v1/snapshot",
        "/api/v1/pull?after=0&limit=10",
        "/api/v1/policy",
    ] {
        let (status, body) = call(&f.app, "GET", path, Some(&f.worker), None).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::GONE, json!("device_lost")),
            "{path}"
        );
    }
    // The user's other device is not lost.
    let (status, _) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker2), None).await;
    assert_eq!(status, StatusCode::OK);

    for unsent in [3, 9] {
        let (status, _) = call(
            &f.app,
            "POST",
            "/api/v1/device/loss-report",
            Some(&f.worker),
            Some(report(unsent)),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, body) = call(&f.app, "GET", "/api/v1/admin/devices", Some(&f.admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let device = body["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["id"] == json!(f.worker_device.to_string()))
        .expect("the lost device")
        .clone();
    assert_eq!(
        device["loss_report"]["unsent_changes"],
        json!(3),
        "the first kept"
    );
    assert_eq!(
        device["loss_report"]["record_ids"],
        json!([Uuid::from_u128(7).to_string()])
    );
}

/// (what, headers, body, expected status, expected code)
type RefusalCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a str)>,
    Vec<u8>,
    StatusCode,
    &'a str,
);

#[tokio::test]
async fn malformed_oversized_and_wrong_version_requests_change_nothing() {
    let f = fixture().await;
    let good = change_set(
        f.worker_device,
        vec![change(&Edit {
            record: Uuid::new_v4(),
            kind: "household",
            village: f.village_a,
            field: "basic.year",
            new: json!(2018),
            base_seq: 0,
            wall_ms: 1,
            device: f.worker_device,
        })],
    );
    let mut wrong_version = good.clone();
    wrong_version["protocol"] = json!(1);
    let mut missing = good.clone();
    missing["changes"][0]
        .as_object_mut()
        .expect("object")
        .remove("hlc");
    let huge = {
        let mut set = good.clone();
        set["padding"] = json!("x".repeat(9 * 1024 * 1024));
        serde_json::to_vec(&set).expect("json")
    };
    let gzip_bomb = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&huge).expect("gzip");
        enc.finish().expect("gzip")
    };
    let json = |v: &Value| serde_json::to_vec(v).expect("json");
    let v = ("Jiandang-Protocol", "2");
    let cases: Vec<RefusalCase<'_>> = vec![
        (
            "not JSON",
            vec![v],
            b"{\"protocol\":2,".to_vec(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "missing field",
            vec![v],
            json(&missing),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "body version 1 (an older app)",
            vec![v],
            json(&wrong_version),
            StatusCode::UPGRADE_REQUIRED,
            "protocol_version",
        ),
        (
            "header version 1 (an older app)",
            vec![("Jiandang-Protocol", "1")],
            json(&good),
            StatusCode::UPGRADE_REQUIRED,
            "protocol_version",
        ),
        (
            "over 8 MiB",
            vec![v],
            huge.clone(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "gzip over 8 MiB unpacked",
            vec![v, ("Content-Encoding", "gzip")],
            gzip_bomb,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (name, headers, body, status, code) in cases {
        let (got, answer) = send(
            &f.app,
            "POST",
            "/api/v1/push",
            Some(&f.worker),
            &headers,
            Some(body),
        )
        .await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{name}: {answer}"
        );
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
    }
    assert_eq!(count(&f.path, "change_log"), 0);
    assert_eq!(count(&f.path, "change_sets"), 0);
    assert_eq!(count(&f.path, "records"), 0);
    // The same set, well-formed and gzip-compressed, goes through.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&json(&good)).expect("gzip");
    let (status, answer) = send(
        &f.app,
        "POST",
        "/api/v1/push",
        Some(&f.worker),
        &[v, ("Content-Encoding", "gzip")],
        Some(enc.finish().expect("gzip")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(outcome(&answer, 0)["status"], "accepted");
}

#[tokio::test]
async fn a_replayed_set_gets_its_first_answer_and_a_repeated_change_is_not_applied_twice() {
    let f = fixture().await;
    let record = Uuid::new_v4();
    let edit = |field: &'static str, new: Value| Edit {
        record,
        kind: "household",
        village: f.village_a,
        field,
        new,
        base_seq: 0,
        wall_ms: 1_000,
        device: f.worker_device,
    };
    let c1 = change(&edit("basic.year", json!(2018)));
    let c2 = change(&edit("income.wage", json!("1200.00")));
    let set = change_set(f.worker_device, vec![c1.clone(), c2]);
    let first = push(&f.app, &f.worker, &set).await;
    assert_eq!(outcome(&first, 0), &json!({"status": "accepted", "seq": 1}));
    assert_eq!(outcome(&first, 1), &json!({"status": "accepted", "seq": 2}));
    let again = push(&f.app, &f.worker, &set).await;
    assert_eq!(again, first);
    // The first change re-batched into a new set: same outcome, not logged again.
    let rebatched = change_set(f.worker_device, vec![c1]);
    let third = push(&f.app, &f.worker, &rebatched).await;
    assert_eq!(outcome(&third, 0), &json!({"status": "accepted", "seq": 1}));
    assert_eq!(count(&f.path, "change_log"), 2);
    // Another device may not claim the set's id (even with stamps of its own).
    let mut stolen = set.clone();
    stolen["device_id"] = json!(f.worker2_device);
    for c in stolen["changes"].as_array_mut().expect("changes") {
        let hlc: Hlc = serde_json::from_value(c["hlc"].clone()).expect("hlc");
        c["hlc"] = json!(Hlc {
            node: f.worker2_device.to_string(),
            ..hlc
        });
    }
    let (status, body) = call(
        &f.app,
        "POST",
        "/api/v1/push",
        Some(&f.worker2),
        Some(stolen),
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sets_pushed_at_once_are_each_applied_exactly_once() {
    let f = fixture().await;
    let sets_per_device: i64 = 20;
    let mut sets = Vec::new();
    for (token, device) in [(&f.worker, f.worker_device), (&f.worker2, f.worker2_device)] {
        for i in 0..sets_per_device {
            let record = Uuid::new_v4();
            let changes = ["basic.year", "income.wage", "basic.phone"]
                .iter()
                .map(|field| {
                    change(&Edit {
                        record,
                        kind: "household",
                        village: f.village_a,
                        field,
                        new: json!(i),
                        base_seq: 0,
                        wall_ms: 1_000 + i,
                        device,
                    })
                })
                .collect();
            sets.push((token.clone(), change_set(device, changes)));
        }
    }
    // One set sent twice at the same moment, as after a cut the device did not notice.
    sets.push(sets[0].clone());
    let barrier = Arc::new(tokio::sync::Barrier::new(sets.len()));
    let mut tasks = Vec::new();
    for (token, set) in sets.clone() {
        let (app, barrier) = (f.app.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            push(&app, &token, &set).await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    for answer in &answers {
        let results = answer["results"].as_array().expect("results");
        assert!(
            results.iter().all(|r| r["outcome"]["status"] == "accepted"),
            "{answer}"
        );
    }
    assert_eq!(
        answers[0],
        answers[answers.len() - 1],
        "the repeat gets the first answer"
    );
    let total = 2 * sets_per_device * 3;
    assert_eq!(count(&f.path, "change_log"), total);
    assert_eq!(count(&f.path, "change_sets"), 2 * sets_per_device);
    let mut seqs: Vec<u64> = answers[..answers.len() - 1]
        .iter()
        .flat_map(|a| a["results"].as_array().cloned().unwrap_or_default())
        .map(|r| r["outcome"]["seq"].as_u64().expect("seq"))
        .collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=total as u64).collect::<Vec<_>>(),
        "one seq per change, no gap"
    );
}

/// Two devices edit one household; the table says what the second edit gets.
struct MergeCase {
    name: &'static str,
    second_field: &'static str,
    /// Whether device B saw device A's value before editing.
    saw_first: bool,
    second_wall: i64,
    second_value: Value,
    expect_status: &'static str,
    expect_value: Value,
    expect_conflicts: usize,
}

async fn check_merge(case: MergeCase) {
    let f = fixture().await;
    let record = Uuid::new_v4();
    let first = push(
        &f.app,
        &f.worker,
        &change_set(
            f.worker_device,
            vec![change(&Edit {
                record,
                kind: "household",
                village: f.village_a,
                field: "income.wage",
                new: json!("1000.00"),
                base_seq: 0,
                wall_ms: 5_000,
                device: f.worker_device,
            })],
        ),
    )
    .await;
    let first_seq = outcome(&first, 0)["seq"].as_u64().expect("seq");
    let second = push(
        &f.app,
        &f.worker2,
        &change_set(
            f.worker2_device,
            vec![change(&Edit {
                record,
                kind: "household",
                village: f.village_a,
                field: case.second_field,
                new: case.second_value.clone(),
                base_seq: if case.saw_first { first_seq } else { 0 },
                wall_ms: case.second_wall,
                device: f.worker2_device,
            })],
        ),
    )
    .await;
    assert_eq!(
        outcome(&second, 0)["status"],
        case.expect_status,
        "{}: {second}",
        case.name
    );
    let (_, snapshot) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker), None).await;
    assert_eq!(
        snapshot_records(&snapshot)[0]
            .leaves
            .get("income.wage")
            .cloned(),
        Some(case.expect_value.clone()),
        "{}",
        case.name
    );
    let (_, conflicts) = call(&f.app, "GET", "/api/v1/conflicts", Some(&f.admin), None).await;
    assert_eq!(
        conflicts["conflicts"].as_array().map(Vec::len),
        Some(case.expect_conflicts),
        "{}: {conflicts}",
        case.name
    );
}

#[tokio::test]
async fn per_field_merge() {
    let cases = [
        MergeCase {
            name: "different fields both kept",
            second_field: "income.pension",
            saw_first: false,
            second_wall: 1_000,
            second_value: json!("900.00"),
            expect_status: "accepted",
            expect_value: json!("1000.00"),
            expect_conflicts: 0,
        },
        MergeCase {
            name: "edit based on the current value",
            second_field: "income.wage",
            saw_first: true,
            second_wall: 1_000,
            second_value: json!("2000.00"),
            expect_status: "accepted",
            expect_value: json!("2000.00"),
            expect_conflicts: 0,
        },
        MergeCase {
            name: "concurrent, later stamp wins, loser kept",
            second_field: "income.wage",
            saw_first: false,
            second_wall: 9_000,
            second_value: json!("3000.00"),
            expect_status: "accepted",
            expect_value: json!("3000.00"),
            expect_conflicts: 1,
        },
        MergeCase {
            name: "concurrent, earlier stamp superseded, kept as conflict",
            second_field: "income.wage",
            saw_first: false,
            second_wall: 1_000,
            second_value: json!("3000.00"),
            expect_status: "superseded",
            expect_value: json!("1000.00"),
            expect_conflicts: 1,
        },
        MergeCase {
            name: "concurrent, same value: no conflict",
            second_field: "income.wage",
            saw_first: false,
            second_wall: 1_000,
            second_value: json!("1000.00"),
            expect_status: "superseded",
            expect_value: json!("1000.00"),
            expect_conflicts: 0,
        },
    ];
    for case in cases {
        check_merge(case).await;
    }
}

#[tokio::test]
async fn entry_closes_at_11_30_24_00_and_a_reopened_village_takes_writes() {
    let f = fixture().await;
    let record = Uuid::new_v4();
    let make = |field: &'static str| {
        change_set(
            f.worker_device,
            vec![change(&Edit {
                record,
                kind: "household",
                village: f.village_a,
                field,
                new: json!(1),
                base_seq: 0,
                wall_ms: 1,
                device: f.worker_device,
            })],
        )
    };
    f.clock.set(beijing(2018, 11, 30, 24) - 1);
    let last_minute = push(&f.app, &f.worker, &make("basic.household_size")).await;
    assert_eq!(outcome(&last_minute, 0)["status"], "accepted");
    f.clock.set(beijing(2018, 12, 1, 0));
    let closed_set = make("basic.year");
    let closed = push(&f.app, &f.worker, &closed_set).await;
    assert_eq!(outcome(&closed, 0)["status"], "refused");
    assert_eq!(outcome(&closed, 0)["code"], "entry_closed");
    assert_eq!(count(&f.path, "change_log"), 1);
    let uri = format!("/api/v1/admin/villages/{}/reopen", f.village_a);
    let (status, window) = call(
        &f.app,
        "POST",
        &uri,
        Some(&f.admin),
        Some(json!({"protocol": 2, "until": "2018-12-10"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert_eq!(window["writes_open"], true);
    // The refused change, re-sent in a new set, now goes through.
    let mut resent = closed_set.clone();
    resent["change_set_id"] = json!(Uuid::new_v4());
    let reopened = push(&f.app, &f.worker, &resent).await;
    assert_eq!(outcome(&reopened, 0)["status"], "accepted");
    f.clock.set(beijing(2018, 12, 11, 0));
    let late = push(&f.app, &f.worker, &make("basic.phone")).await;
    assert_eq!(outcome(&late, 0)["code"], "entry_closed");
}

#[tokio::test]
async fn a_village_not_assigned_can_be_neither_pushed_nor_pulled() {
    let f = fixture().await;
    let in_b = Uuid::new_v4();
    let by_admin = push(
        &f.app,
        &f.admin,
        &json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": f.admin_device,
                "changes": [change(&Edit { record: in_b, kind: "household", village: f.village_b,
                    field: "basic.year", new: json!(2018), base_seq: 0, wall_ms: 1, device: f.admin_device })]}),
    )
    .await;
    assert_eq!(outcome(&by_admin, 0)["status"], "accepted");
    let refused = push(
        &f.app,
        &f.worker,
        &change_set(
            f.worker_device,
            vec![change(&Edit {
                record: in_b,
                kind: "household",
                village: f.village_b,
                field: "basic.year",
                new: json!(2019),
                base_seq: 1,
                wall_ms: 2,
                device: f.worker_device,
            })],
        ),
    )
    .await;
    assert_eq!(outcome(&refused, 0)["code"], "forbidden_village");
    // Claiming the record is in village A does not help.
    let moved = push(
        &f.app,
        &f.worker,
        &change_set(
            f.worker_device,
            vec![change(&Edit {
                record: in_b,
                kind: "household",
                village: f.village_a,
                field: "basic.year",
                new: json!(2019),
                base_seq: 1,
                wall_ms: 2,
                device: f.worker_device,
            })],
        ),
    )
    .await;
    assert_eq!(outcome(&moved, 0)["code"], "bad_request");
    let (_, page) = call(&f.app, "GET", "/api/v1/pull?after=0", Some(&f.worker), None).await;
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["next_after"], 1);
    let (_, snapshot) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker), None).await;
    assert_eq!(snapshot_records(&snapshot), vec![]);
    let uri = format!("/api/v1/records/{in_b}/history");
    let (status, _) = call(&f.app, "GET", &uri, Some(&f.worker), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pull_pages_by_cursor() {
    let f = fixture().await;
    let record = Uuid::new_v4();
    let changes: Vec<Value> = [
        "basic.year",
        "basic.household_size",
        "basic.phone",
        "income.wage",
        "income.pension",
    ]
    .iter()
    .map(|field| {
        change(&Edit {
            record,
            kind: "household",
            village: f.village_a,
            field,
            new: json!(1),
            base_seq: 0,
            wall_ms: 1,
            device: f.worker_device,
        })
    })
    .collect();
    push(&f.app, &f.worker, &change_set(f.worker_device, changes)).await;
    let mut after = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let uri = format!("/api/v1/pull?after={after}&limit=2");
        let (status, page) = call(&f.app, "GET", &uri, Some(&f.worker2), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        for c in page["changes"].as_array().expect("changes") {
            seen.push(c["seq"].as_u64().expect("seq"));
            assert_eq!(c["device_id"], json!(f.worker_device));
        }
        after = page["next_after"].as_u64().expect("cursor");
        if page["more"] == false {
            break;
        }
    }
    assert_eq!((seen, pages), (vec![1, 2, 3, 4, 5], 3));
    // The device that made them learnt their fate from its push: its pull skips them.
    let (_, own) = call(&f.app, "GET", "/api/v1/pull?after=0", Some(&f.worker), None).await;
    assert_eq!(
        (own["changes"].clone(), own["next_after"].clone()),
        (json!([]), json!(5))
    );
    let (status, body) = call(
        &f.app,
        "GET",
        "/api/v1/pull?after=-1",
        Some(&f.worker),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_request"))
    );
}

#[tokio::test]
async fn blobs_upload_in_chunks_resume_and_verify() {
    let f = fixture().await;
    let bytes: Vec<u8> = (0..1_500_000u32).map(|i| (i % 251) as u8).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    let total = bytes.len();
    let wrong = "ab".repeat(32);
    // A blob is its photo records' (the device pushes the record first): one names `sha`,
    // another `wrong`.
    for name in [&sha, &wrong] {
        let photo = change(&Edit {
            record: Uuid::new_v4(),
            kind: "photo",
            village: f.village_a,
            field: "sha256",
            new: json!(name),
            base_seq: 0,
            wall_ms: 1,
            device: f.worker_device,
        });
        let answer = push(&f.app, &f.worker, &change_set(f.worker_device, vec![photo])).await;
        assert_eq!(outcome(&answer, 0)["status"], "accepted");
    }
    let octets = [("Content-Type", "application/octet-stream")];
    let uri = |offset: usize| format!("/api/v1/blobs/{sha}?offset={offset}&total={total}");
    let head = |app: Router, token: String| {
        let sha = sha.clone();
        async move {
            send_raw(
                &app,
                "HEAD",
                &format!("/api/v1/blobs/{sha}"),
                Some(&token),
                &[],
                None,
            )
            .await
        }
    };
    let t = f.worker.clone();
    assert_eq!(
        head(f.app.clone(), t.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let put = |offset: usize, chunk: &[u8]| {
        let (app, uri, token, chunk) =
            (f.app.clone(), uri(offset), f.worker.clone(), chunk.to_vec());
        async move { send_raw(&app, "PUT", &uri, Some(&token), &octets, Some(chunk)).await }
    };
    let (status, headers, _) = put(0, &bytes[..700_000]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["Upload-Offset"], "700000");
    let (status, headers, _) = head(f.app.clone(), t.clone()).await;
    assert_eq!(
        (status, headers["Upload-Offset"].to_str().ok()),
        (StatusCode::OK, Some("700000"))
    );
    assert_eq!(headers["Upload-Complete"], "?0");
    // A chunk at the wrong offset: 409 with the held offset.
    let (status, headers, _) = put(100, &bytes[100..200]).await;
    assert_eq!(
        (status, headers["Upload-Offset"].to_str().ok()),
        (StatusCode::CONFLICT, Some("700000"))
    );
    let (status, _, body) = put(700_000, &bytes[700_000..]).await;
    assert_eq!(status, StatusCode::OK);
    let status_json: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status_json["complete"], true);
    let (_, headers, _) = head(f.app.clone(), t.clone()).await;
    assert_eq!(headers["Upload-Complete"], "?1");
    let (status, _, got) = send_raw(
        &f.app,
        "GET",
        &format!("/api/v1/blobs/{sha}"),
        Some(&f.worker2),
        &[],
        None,
    )
    .await;
    assert_eq!((status, got.len()), (StatusCode::OK, total));
    assert!(got == bytes);

    // Bytes that do not hash to the name: 422, and the partial is dropped.
    let (status, _, body) = send_raw(
        &f.app,
        "PUT",
        &format!("/api/v1/blobs/{wrong}?offset=0&total=3"),
        Some(&f.worker),
        &octets,
        Some(b"abc".to_vec()),
    )
    .await;
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("blob_mismatch"))
    );
    let (status, _, _) = send_raw(
        &f.app,
        "HEAD",
        &format!("/api/v1/blobs/{wrong}"),
        Some(&f.worker),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Limits: a blob over 8 MiB, a chunk over 1 MiB.
    let cases: Vec<(String, Vec<u8>, StatusCode, &str)> = vec![
        (
            format!("/api/v1/blobs/{wrong}?offset=0&total={}", 9 * 1024 * 1024),
            vec![0; 10],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            format!("/api/v1/blobs/{wrong}?offset=0&total={}", 2 * 1024 * 1024),
            vec![0; 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "/api/v1/blobs/nothex?offset=0&total=1".to_owned(),
            vec![0],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
    ];
    for (uri, chunk, status, code) in cases {
        let (got, _, body) =
            send_raw(&f.app, "PUT", &uri, Some(&f.worker), &octets, Some(chunk)).await;
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{uri}");
    }
}

#[tokio::test]
async fn history_and_conflict_resolution() {
    let f = fixture().await;
    let record = Uuid::new_v4();
    let edit = |device: Uuid, value: &str, wall_ms: i64| Edit {
        record,
        kind: "household",
        village: f.village_a,
        field: "income.wage",
        new: json!(value),
        base_seq: 0,
        wall_ms,
        device,
    };
    push(
        &f.app,
        &f.worker,
        &change_set(
            f.worker_device,
            vec![change(&edit(f.worker_device, "1000.00", 9_000))],
        ),
    )
    .await;
    let lost = push(
        &f.app,
        &f.worker2,
        &change_set(
            f.worker2_device,
            vec![change(&edit(f.worker2_device, "2000.00", 1_000))],
        ),
    )
    .await;
    assert_eq!(
        outcome(&lost, 0),
        &json!({"status": "superseded", "seq": 1, "current": "1000.00"})
    );

    let (_, list) = call(&f.app, "GET", "/api/v1/conflicts", Some(&f.admin), None).await;
    let conflict = &list["conflicts"][0];
    assert_eq!(conflict["losing"]["value"], "2000.00");
    assert_eq!(conflict["winning"]["value"], "1000.00");
    let (status, body) = call(&f.app, "GET", "/api/v1/conflicts", Some(&f.worker), None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );

    let uri = format!("/api/v1/conflicts/{}/resolve", conflict["id"]);
    let (status, resolved) = call(
        &f.app,
        "POST",
        &uri,
        Some(&f.admin),
        Some(json!({"protocol": 2, "value": "2000.00"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["resolution"]["value"], "2000.00");
    let (status, again) = call(
        &f.app,
        "POST",
        &uri,
        Some(&f.admin),
        Some(json!({"protocol": 2, "value": "1.00"})),
    )
    .await;
    assert_eq!(
        (status, again["code"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );
    let (_, open) = call(&f.app, "GET", "/api/v1/conflicts", Some(&f.admin), None).await;
    assert_eq!(open["conflicts"], json!([]));

    // The resolution is a logged change every device pulls.
    let (_, page) = call(&f.app, "GET", "/api/v1/pull?after=2", Some(&f.worker), None).await;
    assert_eq!(page["changes"][0]["new"], "2000.00");
    assert_eq!(page["changes"][0]["old"], "1000.00");

    let (status, history) = call(
        &f.app,
        "GET",
        &format!("/api/v1/records/{record}/history"),
        Some(&f.worker),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let entries: Vec<(String, String, String)> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["username"].as_str().unwrap_or_default().to_owned(),
                e["new"].as_str().unwrap_or_default().to_owned(),
                e["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("worker", "1000.00", "accepted"),
        ("worker", "2000.00", "superseded"),
        ("admin", "2000.00", "accepted"),
    ];
    assert_eq!(
        entries,
        expected
            .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
            .to_vec()
    );
    assert_eq!(history["entries"][0]["device_name"], "测试机");
}

#[tokio::test]
async fn the_demo_county_is_valid_domain_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    let mut conn = db::open(&path).expect("open");
    let scale = jiandang_server::demo::DemoScale {
        towns: 1,
        villages_per_town: 2,
        first_village_households: 20,
        village_households: 10,
    };
    let report =
        jiandang_server::demo::generate(&mut conn, 7, scale, date(2026, 3, 2), 0).expect("demo");
    assert_eq!(
        (report.towns, report.villages, report.households),
        (1, 2, 30)
    );
    let year = jiandang_server::demo::add_year_events(&mut conn, 7, 0).expect("year events");
    assert_eq!((year.villages, year.natural_villages > 0), (2, true));
    // The county admin, a supervisor and a town officer for the town, a survey worker and a
    // work-team member per village.
    assert_eq!(report.users.len(), 1 + 1 + 1 + 2 * 2);
    assert_eq!(report.entry_opens, Some(date(2026, 2, 27)));
    let mut stmt = conn
        .prepare("SELECT kind, doc FROM records")
        .expect("prepare");
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut members = 0;
    for (kind, doc) in rows {
        match kind.as_str() {
            "household" => {
                serde_json::from_str::<Household>(&doc).expect("household form");
            }
            "member" => {
                let m: jiandang_domain::member::Member =
                    serde_json::from_str(&doc).expect("member form");
                let id = m.id_number.expect("id number");
                jiandang_domain::id_number::IdNumber::parse(&id).expect("valid check character");
                assert!(id.starts_with("4114"));
                members += 1;
            }
            "gps_fix" => {
                serde_json::from_str::<jiandang_domain::geo::GpsFix>(&doc).expect("gps form");
            }
            "helper" => {
                serde_json::from_str::<jiandang_domain::help::Helper>(&doc).expect("helper form");
            }
            "village" => {
                serde_json::from_str::<jiandang_domain::village::Village>(&doc)
                    .expect("village form");
            }
            "natural_village" => {
                serde_json::from_str::<jiandang_domain::village::NaturalVillage>(&doc)
                    .expect("natural village form");
            }
            "member_change" => {
                serde_json::from_str::<jiandang_domain::member_change::MemberChange>(&doc)
                    .expect("member change form");
            }
            "procedure" => {
                serde_json::from_str::<jiandang_domain::procedure::Procedure>(&doc)
                    .expect("procedure form");
            }
            "household_exit_measures" => {
                serde_json::from_str::<jiandang_domain::measures::HouseholdExitMeasures>(&doc)
                    .expect("exit measures form");
            }
            "village_exit_measures" => {
                serde_json::from_str::<jiandang_domain::measures::VillageExitMeasures>(&doc)
                    .expect("village exit measures form");
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    assert_eq!(
        members,
        report.members + year.increases + 2 * year.new_households,
        "every member of the baseline, the newborns and the new households' members"
    );
    // Every field value is the record's: the edits kept `fields` and `records` in step.
    let fields: i64 = conn
        .query_row("SELECT count(*) FROM fields", [], |r| r.get(0))
        .expect("fields");
    let leaves: usize = {
        let mut s = conn.prepare("SELECT doc FROM records").expect("prepare");
        s.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .map(|d| {
                let v: Value = serde_json::from_str(&d.expect("doc")).expect("json");
                flatten(&v).values().filter(|v| !v.is_null()).count()
            })
            .sum()
    };
    assert_eq!(fields as usize, leaves);
    // The same seed makes the same county.
    let dir2 = tempfile::tempdir().expect("tempdir");
    let mut conn2 = db::open(&dir2.path().join("demo.db")).expect("open");
    let again =
        jiandang_server::demo::generate(&mut conn2, 7, scale, date(2026, 3, 2), 0).expect("demo");
    jiandang_server::demo::add_year_events(&mut conn2, 7, 0).expect("year events");
    assert_eq!(
        (again.members, again.changes),
        (report.members, report.changes)
    );
    let docs = |c: &rusqlite::Connection| -> Vec<String> {
        let mut s = c
            .prepare("SELECT doc FROM records ORDER BY id")
            .expect("prepare");
        s.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(docs(&conn), docs(&conn2));
}

#[tokio::test]
async fn the_county_admin_manages_users_villages_and_phases() {
    let f = fixture().await;
    let create = |username: &str, password: &str| {
        json!({"protocol": 2, "username": username, "display_name": "新调查员",
               "password": password, "role": "survey_worker", "villages": [f.village_b]})
    };
    let (status, user) = call(
        &f.app,
        "POST",
        "/api/v1/admin/users",
        Some(&f.admin),
        Some(create("new1", PASSWORD)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["villages"], json!([f.village_b]));
    for (body, token, status, code) in [
        (
            create("new1", PASSWORD),
            &f.admin,
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            create("new2", "short"),
            &f.admin,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            create("new3", PASSWORD),
            &f.worker,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
    ] {
        let (got, answer) = call(
            &f.app,
            "POST",
            "/api/v1/admin/users",
            Some(token),
            Some(body),
        )
        .await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
    }
    let (token, _) = enroll(&f.app, "new1").await;
    let (_, enrolled) = call(&f.app, "GET", "/api/v1/snapshot", Some(&token), None).await;
    assert_eq!(snapshot_records(&enrolled), vec![]);
    // Move the user to village A: the next request sees the new scope.
    let uri = format!("/api/v1/admin/users/{}", user["id"].as_str().expect("id"));
    let (status, moved) = call(
        &f.app,
        "PUT",
        &uri,
        Some(&f.admin),
        Some(json!({"protocol": 2, "villages": [f.village_a], "role": "work_team_member"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (moved["villages"].clone(), moved["role"].clone()),
        (json!([f.village_a]), json!("work_team_member"))
    );
    let record = Uuid::new_v4();
    let (_, devices) = call(&f.app, "GET", "/api/v1/admin/devices", Some(&f.admin), None).await;
    let device = devices["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["user_id"] == user["id"])
        .and_then(|d| d["id"].as_str())
        .expect("device")
        .parse::<Uuid>()
        .expect("uuid");
    let edit = change(&Edit {
        record,
        kind: "household",
        village: f.village_a,
        field: "basic.year",
        new: json!(2018),
        base_seq: 0,
        wall_ms: 1,
        device,
    });
    let answer = push(&f.app, &token, &change_set(device, vec![edit])).await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted");

    // Phases: replace the timeline, then read it back; a phase ending before it starts is refused.
    let phases = json!({"protocol": 2, "phases": [
        {"name": "entry", "starts": "2018-11-11", "ends": "2018-11-14", "writes_open": true,
         "problem_writes_open": false},
        {"name": "verification", "starts": "2018-12-11", "ends": "2018-12-20",
         "writes_open": false, "problem_writes_open": true}]});
    let (status, _) = call(
        &f.app,
        "PUT",
        "/api/v1/admin/phases",
        Some(&f.admin),
        Some(phases.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, read) = call(&f.app, "GET", "/api/v1/admin/phases", Some(&f.admin), None).await;
    assert_eq!(read, phases);
    let bad = json!({"protocol": 2, "phases": [
        {"name": "entry", "starts": "2018-11-30", "ends": "2018-11-11", "writes_open": true}]});
    let (status, answer) = call(
        &f.app,
        "PUT",
        "/api/v1/admin/phases",
        Some(&f.admin),
        Some(bad),
    )
    .await;
    assert_eq!(
        (status, answer["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_request"))
    );
    // 2018-11-15 is now outside every phase: writes are closed.
    let closed = push(
        &f.app,
        &token,
        &change_set(
            device,
            vec![change(&Edit {
                record,
                kind: "household",
                village: f.village_a,
                field: "basic.phone",
                new: json!("x"),
                base_seq: 0,
                wall_ms: 2,
                device,
            })],
        ),
    )
    .await;
    assert_eq!(outcome(&closed, 0)["code"], "entry_closed");
    let (_, window) = call(
        &f.app,
        "GET",
        &format!("/api/v1/admin/villages/{}/window", f.village_a),
        Some(&f.admin),
        None,
    )
    .await;
    assert_eq!(window["writes_open"], false);
}

/// Spot-check records (issue 13) are the supervisors' and the county's, and the server does not
/// scope them to supervisors' assignments yet: until it does, nobody may push them, so no survey
/// worker can write one or receive one through a pull or a snapshot (evaluators keep samples
/// secret).
#[tokio::test]
async fn spot_check_records_are_refused_until_supervisors_are_scoped() {
    let f = fixture().await;
    for kind in ["spot_check", "screened_household", "village_screening"] {
        for (token, device) in [(&f.worker, f.worker_device), (&f.admin, f.admin_device)] {
            let answer = push(
                &f.app,
                token,
                &change_set(
                    device,
                    vec![change(&Edit {
                        record: Uuid::new_v4(),
                        kind,
                        village: f.village_a,
                        field: "village_id",
                        new: json!(f.village_a),
                        base_seq: 0,
                        wall_ms: 1,
                        device,
                    })],
                ),
            )
            .await;
            assert_eq!(outcome(&answer, 0)["code"], "forbidden", "{kind}: {answer}");
        }
    }
    let (_, snapshot) = call(&f.app, "GET", "/api/v1/snapshot", Some(&f.worker), None).await;
    assert_eq!(snapshot_records(&snapshot), vec![]);
}
