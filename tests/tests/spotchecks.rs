//! The supervisor's phone over the wire (issue 13 part 2b; docs/spot-checks.md): a real
//! county server on 127.0.0.1:0 over the demo county, real replicas. A supervisor's replica
//! keeps its worklist for offline use and holds only its pair's check records; it seals a
//! blind observation through the replica's API, takes the county's differences after the
//! seal (keeping a classification made between two reveals), and its 错退 finding reaches the
//! county's estimates. When the county gives the pair a new assignment after the device's
//! cursor, the partner's check of it, pushed before, reaches the device. A survey worker's
//! replica holds no check record and no worklist.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiandang_domain::spotcheck::check::SpotCheck;
use jiandang_domain::spotcheck::codes::{DifferenceClass, FindingCode};
use jiandang_domain::{Date, RecordKind, Timestamp};
use jiandang_e2e::{TestServer, small_batches};
use jiandang_protocol::PROTOCOL_HEADER;
use jiandang_replica::{Acted, Replica};
use jiandang_server::demo::{DemoScale, add_year_events, generate};
use jiandang_server::{Clock as _, SettableClock};
use serde_json::{Value, json};
use uuid::Uuid;

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("date")
}

struct Scene {
    dir: tempfile::TempDir,
    server: TestServer,
    clock: Arc<SettableClock>,
    started: std::time::Instant,
    passwords: BTreeMap<String, String>,
    http: reqwest::Client,
    admin: String,
}

impl Scene {
    /// The demo county (two towns, so two supervisors), its server standing on 2018-12-12
    /// 10:00 Beijing, after the entry window: check records do not depend on it.
    async fn new() -> Scene {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("county.db");
        let made = Timestamp::beijing_midnight(date(2018, 11, 20)).millis() + 10 * 3_600_000;
        let mut conn = jiandang_server::db::open(&path).expect("open");
        let scale = DemoScale {
            towns: 2,
            villages_per_town: 2,
            first_village_households: 30,
            village_households: 20,
        };
        let report = generate(&mut conn, 13, scale, date(2018, 11, 14), made).expect("demo");
        add_year_events(&mut conn, 13, made).expect("year events");
        drop(conn);
        let now = Timestamp::beijing_midnight(date(2018, 12, 12)).millis() + 10 * 3_600_000;
        let clock = Arc::new(SettableClock::new(now));
        let server = TestServer::start(&path, clock.clone());
        let passwords: BTreeMap<String, String> = report
            .users
            .into_iter()
            .map(|u| (u.username, u.password))
            .collect();
        let mut scene = Scene {
            dir,
            server,
            clock,
            started: std::time::Instant::now(),
            passwords,
            http: reqwest::Client::new(),
            admin: String::new(),
        };
        let enrolled = scene
            .api(
                "POST",
                "/api/v1/enroll",
                Some(json!({"protocol": 2, "username": "admin",
                    "password": scene.passwords["admin"], "device_name": "县扶贫办"})),
            )
            .await;
        scene.admin = enrolled["token"].as_str().expect("token").to_owned();
        scene
    }

    /// The county admin's call; panics on anything but success.
    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.server.url());
        let mut req = match method {
            "POST" => self.http.post(url),
            _ => self.http.get(url),
        }
        .header(PROTOCOL_HEADER, "2");
        if !self.admin.is_empty() {
            req = req.bearer_auth(&self.admin);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// A phone of `user`, enrolled, its clock in the county's time.
    async fn phone(&self, user: &str) -> Replica {
        let folder = self.dir.path().join(format!("phone-{user}"));
        std::fs::create_dir_all(&folder).expect("dir");
        let (clock, started) = (self.clock.clone(), self.started);
        let replica = Replica::open_with_clock(
            &folder.join("replica.sqlite"),
            Arc::new(move || clock.now_ms() + started.elapsed().as_millis() as i64),
        )
        .expect("replica");
        replica
            .enroll(&self.server.url(), user, &self.passwords[user], user)
            .await
            .expect("enroll");
        replica
    }

    async fn user_id(&self, name: &str) -> Uuid {
        let users = self.api("GET", "/api/v1/admin/users", None).await;
        users["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == name)
            .and_then(|u| u["id"].as_str())
            .and_then(|s| s.parse().ok())
            .expect("user")
    }
}

fn uuid(v: &Value) -> Uuid {
    v.as_str().and_then(|s| s.parse().ok()).expect("uuid")
}

fn checks(replica: &Replica) -> Vec<SpotCheck> {
    replica
        .all_records()
        .expect("records")
        .into_iter()
        .filter(|r| r.kind == RecordKind::SpotCheck)
        .map(|r| serde_json::from_value(r.doc).expect("a check record"))
        .collect()
}

fn done(acted: Acted) -> Vec<jiandang_replica::StoredRecord> {
    match acted {
        Acted::Done { records, .. } => records,
        Acted::Refused { reasons } => panic!("refused: {reasons:?}"),
    }
}

/// Issue 13 part 2b, EVALUATION.md §9.2, §8.3: the phone's blind check to the county's
/// estimate, and a new assignment after the device's cursor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisors_phone_checks_blind_and_takes_a_new_assignment() {
    let scene = Scene::new().await;
    let plan = scene
        .api(
            "POST",
            "/api/v1/spotchecks/plans",
            Some(json!({"protocol": 2, "title": "2018年退出评估模拟抽查",
                "preset": {"kind": "quick_check", "year": 2018, "villages": 4}})),
        )
        .await;
    let plan = uuid(&plan["id"]);
    let at = |tail: &str| format!("/api/v1/spotchecks/plans/{plan}{tail}");
    scene
        .api(
            "POST",
            &at("/draw"),
            Some(json!({"protocol": 2, "seed": "00000000000007e2"})),
        )
        .await;
    let published = scene.api("POST", &at("/publish"), None).await;
    let drawn: Vec<(Uuid, Uuid, bool)> = published["draw"]["households"]
        .as_array()
        .expect("households")
        .iter()
        .map(|h| {
            let exited: jiandang_domain::spotcheck::codes::HouseholdType =
                serde_json::from_value(h["household_type"].clone()).expect("type");
            (
                uuid(&h["household_id"]),
                uuid(&h["village_id"]),
                exited.is_exited(),
            )
        })
        .collect();
    assert!(drawn.len() >= 3, "drawn: {drawn:?}");
    // The first exited household is checked now; another later, after a new assignment; a
    // third is never assigned to this pair.
    let first = *drawn.iter().find(|h| h.2).expect("an exited household");
    // The later one in another village: its village's 自然村 forms were logged long before
    // any device's cursor, so only a new snapshot brings them.
    let later = *drawn
        .iter()
        .find(|h| h.1 != first.1)
        .expect("a household of another village");
    let never = *drawn
        .iter()
        .find(|h| h.0 != first.0 && h.0 != later.0)
        .expect("a third household");
    let (shy01, shy02) = (scene.user_id("shy01").await, scene.user_id("shy02").await);
    scene
        .api(
            "POST",
            &at("/assignments"),
            Some(json!({"protocol": 2, "checkers": [shy01, shy02], "households": [first.0]})),
        )
        .await;

    // Both phones sync: each keeps the worklist, holds no register record.
    let checker = scene.phone("shy01").await;
    let partner = scene.phone("shy02").await;
    for phone in [&checker, &partner] {
        assert!(phone.is_checker().expect("role"));
        phone.sync_once(&small_batches(), None).await.expect("sync");
        let list = phone.worklist().expect("worklist").expect("fetched");
        let households: Vec<Uuid> = list
            .assignments
            .iter()
            .flat_map(|a| a.households.iter().map(|h| h.household_id))
            .collect();
        assert_eq!(households, [first.0]);
        let kinds: Vec<RecordKind> = phone
            .all_records()
            .expect("records")
            .into_iter()
            .map(|r| r.kind)
            .filter(|k| *k != RecordKind::NaturalVillage)
            .collect();
        assert!(kinds.is_empty(), "nothing of the register: {kinds:?}");
    }

    // The blind observation: one more person than the register holds.
    let registered_size: i64 = rusqlite::Connection::open(scene.dir.path().join("county.db"))
        .expect("db")
        .query_row(
            "SELECT json_extract(doc, '$.basic.household_size') FROM records WHERE id = ?1",
            [first.0.to_string()],
            |r| r.get(0),
        )
        .expect("size");
    let doc = json!({"village_id": first.1, "plan_id": plan, "household_id": first.0,
        "checked_on": "2018-12-12", "checkers": "督导甲、督导乙", "met_household": true,
        "observed": {"basic": {"household_size": registered_size + 1}},
        "recognition": {"recognises": true}});
    let saved = checker
        .save_form(RecordKind::SpotCheck, None, first.1, &doc)
        .expect("save");
    let id = saved.record.id;
    assert_eq!(
        checker
            .spot_check_of(first.1, first.0)
            .expect("of")
            .map(|r| r.id),
        Some(id)
    );
    // Before the seal the county shows no register.
    match checker.reveal_spot_check(id).await {
        Err(jiandang_replica::Error::Server { status: 409, .. }) => {}
        other => panic!("a reveal before the seal: {other:?}"),
    }
    done(checker.seal_spot_check(id).expect("seal"));
    match checker.seal_spot_check(id).expect("seal again") {
        Acted::Refused { reasons } => assert_eq!(reasons[0].code, "spot.observation_sealed"),
        other => panic!("sealed twice: {other:?}"),
    }
    let revealed = done(checker.reveal_spot_check(id).await.expect("reveal"));
    let check: SpotCheck = serde_json::from_value(revealed[0].doc.clone()).expect("check");
    let fields: Vec<(&str, Value, Value)> = check
        .differences
        .iter()
        .map(|d| (d.field.as_str(), d.registered.clone(), d.observed.clone()))
        .collect();
    assert_eq!(
        fields,
        [(
            "basic.household_size",
            json!(registered_size),
            json!(registered_size + 1)
        )]
    );
    // Classified, a 错退 found; taken again after that, the classification stays.
    let mut record = checker.get_record(id).expect("get").expect("record");
    record.doc["differences"][0]["classification"] =
        serde_json::to_value(DifferenceClass::RegisterWrong).expect("code");
    record.doc["findings"] = json!([{"code": serde_json::to_value(FindingCode::WrongExit).expect("code"),
        "persons": 1, "needs_correction": true, "note": "务工收入不稳定"}]);
    checker
        .save_form(RecordKind::SpotCheck, Some(id), first.1, &record.doc)
        .expect("save the findings");
    let again = done(checker.reveal_spot_check(id).await.expect("reveal again"));
    assert_eq!(
        again[0].doc["differences"][0]["classification"],
        serde_json::to_value(DifferenceClass::RegisterWrong).expect("code")
    );
    checker
        .sync_once(&small_batches(), None)
        .await
        .expect("sync");
    let estimates = scene.api("GET", &at("/estimates"), None).await;
    let wrong_exit = &estimates["county"]["wrong_exit"];
    assert_eq!(wrong_exit["found"], json!(1), "{wrong_exit}");
    // No member rows were observed: the household counts its registered persons (§8.3).
    assert_eq!(wrong_exit["base"], json!(registered_size));
    assert!(wrong_exit["decision"]["verdict"].is_string());

    // A new assignment after the partner's cursor: the checker starts its check and pushes
    // it; the partner's next round brings it (its worklist shows the new assignment, the
    // device takes a new snapshot), and the household never assigned stays away.
    scene
        .api(
            "POST",
            &at("/assignments"),
            Some(json!({"protocol": 2, "checkers": [shy01, shy02], "households": [later.0]})),
        )
        .await;
    checker
        .sync_once(&small_batches(), None)
        .await
        .expect("sync");
    let doc = json!({"village_id": later.1, "plan_id": plan, "household_id": later.0,
        "checked_on": "2018-12-12", "checkers": "督导甲、督导乙", "met_household": true});
    let started = checker
        .save_form(RecordKind::SpotCheck, None, later.1, &doc)
        .expect("save")
        .record
        .id;
    checker
        .sync_once(&small_batches(), None)
        .await
        .expect("sync");
    partner
        .sync_once(&small_batches(), None)
        .await
        .expect("sync");
    let held: Vec<Uuid> = checks(&partner).iter().map(|c| c.id).collect();
    assert!(held.contains(&id), "the first check: {held:?}");
    assert!(
        held.contains(&started),
        "the check of the new assignment: {held:?}"
    );
    let natural_villages: Vec<String> =
        rusqlite::Connection::open(scene.dir.path().join("county.db"))
            .expect("db")
            .prepare("SELECT id FROM records WHERE kind = 'natural_village' AND village_id = ?1")
            .expect("prepare")
            .query_map([later.1.to_string()], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
    assert!(!natural_villages.is_empty(), "the demo village has 自然村");
    for nv in &natural_villages {
        let id: Uuid = nv.parse().expect("uuid");
        assert!(
            partner.get_record(id).expect("get").is_some(),
            "the new village's 自然村 {id}"
        );
    }
    assert!(
        checks(&partner).iter().all(|c| c.household_id != never.0),
        "no check of a household not assigned"
    );

    // A survey worker's phone: no worklist, no check record.
    let worker = scene.phone("dcy01").await;
    assert!(!worker.is_checker().expect("role"));
    worker
        .sync_once(&small_batches(), None)
        .await
        .expect("sync");
    assert!(worker.worklist().expect("worklist").is_none());
    assert!(checks(&worker).is_empty());
}
