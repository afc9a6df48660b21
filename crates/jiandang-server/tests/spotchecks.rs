//! Spot-checks through the router (issue 13; EVALUATION.md §3, §8, §9): the demo county in a
//! real SQLite file, its supervisors' devices as tokens. The county draws, publishes and
//! assigns a plan; a supervisor's device holds only its check records, checks a household
//! blind (the register comes only after the observation is sealed), finds a 错退 household and
//! pushes it; the county's estimates show it with its interval and decision, computed here
//! again with the domain's own functions from what was pushed. A survey worker gets 403 on
//! every spot-check endpoint and never receives a check record. A published draw survives
//! every endpoint (a property test).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use calamine::{Data, Reader, Xlsx};
use http_body_util::BodyExt;
use jiandang_domain::codes::Coded;
use jiandang_domain::household::Household;
use jiandang_domain::member::Member;
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::spotcheck::check::{
    CheckFinding, ScreenedHousehold, SpotCheck, VillageScreening,
};
use jiandang_domain::spotcheck::codes::{
    DifferenceClass, FindingCode, HouseholdDrawMethod, HouseholdType, Indicator, RiskFlag,
    VillageDrawMethod, VillageType,
};
use jiandang_domain::spotcheck::draw::{Draw, DrawnHousehold};
use jiandang_domain::spotcheck::estimate::{
    HouseholdResult, Results, Scope, ScopeEstimates, ScreenedVillage, estimate,
};
use jiandang_domain::spotcheck::frame::Frame;
use jiandang_domain::spotcheck::plan::{PlanSpec, Quota, StratumQuota, Take, VillageQuota};
use jiandang_domain::spotcheck::stats::{IntervalMethod, Verdict, proportion_interval};
use jiandang_domain::{Date, Timestamp};
use jiandang_protocol::{Hlc, flatten};
use jiandang_server::demo::{DemoScale, add_year_events, generate};
use jiandang_server::spotchecks::DEFAULT_RHO;
use jiandang_server::{AppState, Clock, SettableClock, db, router};
use proptest::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

/// The demo county, in the verification phase (2018-12-12, 10:00 Beijing): the entry window
/// is closed, so a check record's acceptance shows it does not depend on it.
struct Demo {
    _dir: TempDir,
    path: std::path::PathBuf,
    app: Router,
    clock: Arc<SettableClock>,
    passwords: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct Token {
    token: String,
    device: Uuid,
    villages: Vec<Uuid>,
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("date")
}

impl Demo {
    async fn new() -> Demo {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("county.db");
        let made = Timestamp::beijing_midnight(date(2018, 11, 20)).millis() + 10 * 3_600_000;
        let mut conn = db::open(&path).expect("open");
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
        let app = router(AppState::open(&path, clock.clone()).expect("state"));
        Demo {
            _dir: dir,
            path,
            app,
            clock,
            passwords: report
                .users
                .into_iter()
                .map(|u| (u.username, u.password))
                .collect(),
        }
    }

    async fn enroll(&self, username: &str) -> Token {
        let body = json!({"protocol": 2, "username": username,
            "password": self.passwords[username], "device_name": "测试机"});
        let (status, answer) = self.call("POST", "/api/v1/enroll", None, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        Token {
            token: answer["token"].as_str().expect("token").to_owned(),
            device: uuid(&answer["device_id"]),
            villages: answer["villages"]
                .as_array()
                .expect("villages")
                .iter()
                .map(|v| uuid(&v["id"]))
                .collect(),
        }
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&Token>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("Jiandang-Protocol", "2");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {}", t.token));
        }
        let body = match body {
            Some(b) => {
                req = req.header("Content-Type", "application/json");
                Body::from(serde_json::to_vec(&b).expect("json"))
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(req.body(body).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, value)
    }

    /// A GET's status and raw answer (a workbook).
    async fn bytes(&self, uri: &str, token: &Token) -> (StatusCode, Vec<u8>) {
        let req = Request::builder()
            .method("GET")
            .uri(uri)
            .header("Jiandang-Protocol", "2")
            .header("Authorization", format!("Bearer {}", token.token))
            .body(Body::empty())
            .expect("request");
        let response = self.app.clone().oneshot(req).await.expect("response");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, bytes.to_vec())
    }

    async fn ok(&self, method: &str, uri: &str, token: &Token, body: Option<Value>) -> Value {
        let (status, answer) = self.call(method, uri, Some(token), body).await;
        assert_eq!(status, StatusCode::OK, "{method} {uri}: {answer}");
        answer
    }

    /// Pushes `(record, kind, village, field, value)` changes as `who`'s device; the
    /// outcomes' statuses (accepted, refused …) and codes.
    async fn push(
        &self,
        who: &Token,
        changes: &[(Uuid, &str, Uuid, String, Value)],
    ) -> Vec<(String, String)> {
        let changes: Vec<Value> = changes
            .iter()
            .map(|(record, kind, village, field, new)| {
                json!({
                    "change_id": Uuid::new_v4(), "record_id": record, "kind": kind,
                    "village_id": village, "field": field, "old": null, "new": new,
                    "base_seq": 0,
                    "hlc": Hlc { wall_ms: self.clock.now_ms(), counter: 0, node: who.device.to_string() },
                })
            })
            .collect();
        let set = json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": who.device, "changes": changes});
        let answer = self.ok("POST", "/api/v1/push", who, Some(set)).await;
        answer["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["outcome"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    r["outcome"]["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open")
    }

    /// The register's household and its present members, as stored.
    fn register_of(&self, household: Uuid) -> (Household, Vec<Member>) {
        let conn = self.db();
        let doc: String = conn
            .query_row(
                "SELECT doc FROM records WHERE id = ?1",
                [household.to_string()],
                |r| r.get(0),
            )
            .expect("household");
        let household_record: Household = serde_json::from_str(&doc).expect("household form");
        let mut stmt = conn
            .prepare("SELECT doc FROM records WHERE kind = 'member'")
            .expect("prepare");
        let members = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("members")
            .map(|d| serde_json::from_str::<Member>(&d.expect("row")).expect("member form"))
            .filter(|m| m.household_id == household && m.is_present())
            .collect();
        (household_record, members)
    }
}

fn uuid(v: &Value) -> Uuid {
    v.as_str().and_then(|s| s.parse().ok()).expect("a uuid")
}

/// A record's leaves as a device pushes them: what it set, nothing left empty. `first`
/// leaves go before the others, `last` after them (the seal after the observation).
fn leaves(record: &impl serde::Serialize, last: &[&str]) -> Vec<(String, Value)> {
    let nil = Value::String(Uuid::nil().to_string());
    let mut out: Vec<(String, Value)> = flatten(&serde_json::to_value(record).expect("json"))
        .into_iter()
        .filter(|(_, v)| {
            !(v.is_null()
                || *v == nil
                || v.as_array().is_some_and(Vec::is_empty)
                || v.as_object().is_some_and(|o| o.is_empty()))
        })
        .collect();
    out.sort_by_key(|(path, _)| {
        last.iter()
            .any(|l| path == l || path.starts_with(&format!("{l}.")))
    });
    out
}

fn changes(
    record: Uuid,
    kind: &'static str,
    village: Uuid,
    leaves: Vec<(String, Value)>,
) -> Vec<(Uuid, &'static str, Uuid, String, Value)> {
    leaves
        .into_iter()
        .map(|(field, value)| (record, kind, village, field, value))
        .collect()
}

fn all_accepted(outcomes: &[(String, String)]) {
    assert!(
        outcomes.iter().all(|(s, _)| s == "accepted"),
        "every change accepted: {outcomes:?}"
    );
}

/// 2 exited households of each exited type and 1 not exited, in every village, by simple
/// random sampling.
fn spec() -> PlanSpec {
    let mut strata = Vec::new();
    let mut villages = Vec::new();
    for vt in VillageType::ALL.iter().copied() {
        villages.push(VillageQuota {
            village_type: vt,
            take: Take::All,
        });
        for (ht, n) in [
            (HouseholdType::ExitedThisYear, 2),
            (HouseholdType::ExitedEarlier, 2),
            (HouseholdType::NotExited, 1),
        ] {
            strata.push(StratumQuota {
                village_type: vt,
                household_type: ht,
                size: Quota::PerVillage(n),
            });
        }
    }
    PlanSpec {
        year: 2018,
        village_method: VillageDrawMethod::Simple,
        household_method: HouseholdDrawMethod::Simple,
        villages,
        strata,
    }
}

async fn create_plan(demo: &Demo, admin: &Token) -> Uuid {
    let plan = demo
        .ok(
            "POST",
            "/api/v1/spotchecks/plans",
            admin,
            Some(json!({"protocol": 2, "title": "2018年退出评估模拟抽查", "spec": spec()})),
        )
        .await;
    assert_eq!(plan["state"], "draft");
    uuid(&plan["id"])
}

fn draw_of(view: &Value) -> Draw {
    serde_json::from_value(view["draw"].clone()).expect("a draw")
}

/// EVALUATION.md §3.3, §9.1–9.2, §8.3–8.5; issue 13's end-to-end case through the router.
#[tokio::test]
async fn a_blind_check_finds_a_wrong_exit_and_the_county_estimates_it() {
    let demo = Demo::new().await;
    let admin = demo.enroll("admin").await;
    let plan = create_plan(&demo, &admin).await;
    let at = |tail: &str| format!("/api/v1/spotchecks/plans/{plan}{tail}");

    // The draw: reproducible from its seed through the API, the frame at the county's
    // current version; a server-drawn seed is recorded as such.
    let seed = json!({"protocol": 2, "seed": "00000000000007e2"});
    let first = demo
        .ok("POST", &at("/draw"), &admin, Some(seed.clone()))
        .await;
    let again = demo
        .ok("POST", &at("/draw"), &admin, Some(seed.clone()))
        .await;
    assert_eq!(first["draw"], again["draw"]);
    assert_eq!(first["seed_source"], "given");
    let version: u64 = demo
        .db()
        .query_row("SELECT MAX(seq) FROM change_log", [], |r| r.get(0))
        .expect("seq");
    assert_eq!(first["frame"]["version"], json!(version));
    assert!(first["frame"]["households"].as_u64() > Some(0));
    let other = demo
        .ok("POST", &at("/draw"), &admin, Some(json!({"protocol": 2})))
        .await;
    assert_eq!(other["seed_source"], "server");
    demo.ok("POST", &at("/draw"), &admin, Some(seed.clone()))
        .await;

    let published = demo.ok("POST", &at("/publish"), &admin, None).await;
    assert_eq!(published["state"], "published");
    assert_eq!(published["draw"], first["draw"]);
    let draw = draw_of(&published);
    // Locked: no new draw, no edit, no second publication.
    for (method, tail, body) in [
        ("POST", "/draw", Some(seed.clone())),
        (
            "PUT",
            "",
            Some(json!({"protocol": 2, "title": "改", "spec": spec()})),
        ),
        ("POST", "/publish", None),
    ] {
        let (status, answer) = demo.call(method, &at(tail), Some(&admin), body).await;
        assert_eq!(
            (status, answer["code"].clone()),
            (StatusCode::CONFLICT, json!("conflict")),
            "{method} {tail}: {answer}"
        );
    }

    // Assigned to the two supervisors, all households but the last; the first village to
    // screen.
    let users = demo.ok("GET", "/api/v1/admin/users", &admin, None).await;
    let user = |name: &str| {
        users["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == name)
            .map(|u| uuid(&u["id"]))
            .expect("user")
    };
    let (shy01, shy02, dcy01) = (user("shy01"), user("shy02"), user("dcy01"));
    let exited: Vec<&DrawnHousehold> = draw
        .households
        .iter()
        .filter(|h| h.household_type.is_exited())
        .collect();
    assert!(
        exited.len() >= 4,
        "exited households drawn: {}",
        exited.len()
    );
    let unassigned = draw.households.last().expect("households").clone();
    let assigned: Vec<Uuid> = draw
        .households
        .iter()
        .map(|h| h.household_id)
        .filter(|h| *h != unassigned.household_id)
        .collect();
    let screen = draw.villages[0].village_id;
    let body = json!({"protocol": 2, "checkers": [shy01, shy02], "households": assigned, "villages": [screen]});
    let view = demo
        .ok("POST", &at("/assignments"), &admin, Some(body.clone()))
        .await;
    assert_eq!(view["assignments"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["draw"], published["draw"], "assigning leaves the draw");
    // A household goes to one pair only; a checker must be a supervisor.
    let (status, _) = demo
        .call("POST", &at("/assignments"), Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let body =
        json!({"protocol": 2, "checkers": [shy01, dcy01], "households": [unassigned.household_id]});
    let (status, _) = demo
        .call("POST", &at("/assignments"), Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The supervisor's device: its assignments' villages; in its snapshot nothing of the
    // register but the natural villages the screening forms name.
    let checker = demo.enroll("shy01").await;
    let partner = demo.enroll("shy02").await;
    let drawn_villages: BTreeSet<Uuid> = assigned
        .iter()
        .filter_map(|h| draw.households.iter().find(|d| d.household_id == *h))
        .map(|d| d.village_id)
        .chain([screen])
        .collect();
    assert_eq!(
        checker.villages.iter().copied().collect::<BTreeSet<_>>(),
        drawn_villages
    );
    let snapshot = demo.ok("GET", "/api/v1/snapshot", &checker, None).await;
    assert_eq!(
        snapshot_kinds(&snapshot),
        BTreeSet::from(["natural_village".to_owned()])
    );
    // The blind worklist: 户编号, head, natural village; nothing the register says about
    // the household.
    let worklist = demo
        .ok("GET", "/api/v1/spotchecks/assignments", &checker, None)
        .await;
    let work = &worklist["assignments"][0];
    assert_eq!(
        work["households"].as_array().map(Vec::len),
        Some(assigned.len())
    );
    let blind = &work["households"][0];
    assert!(blind["head_name"].is_string() && blind["household_number"].is_string());
    let blind_keys: BTreeSet<&str> = blind
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        blind_keys,
        BTreeSet::from([
            "household_id",
            "village_id",
            "household_type",
            "household_number",
            "head_name",
            "natural_village_id"
        ])
    );

    // The blind check of an exited household in the survey worker's village (if it drew
    // one): the checkers observe one more person than the register holds.
    let worker = demo.enroll("dcy01").await;
    let target = exited
        .iter()
        .find(|h| worker.villages.contains(&h.village_id) && assigned.contains(&h.household_id))
        .or_else(|| exited.iter().find(|h| assigned.contains(&h.household_id)))
        .copied()
        .expect("an assigned exited household")
        .clone();
    let (registered, members) = demo.register_of(target.household_id);
    let size = registered.basic.household_size.expect("household size");
    let sealed_at = Timestamp::from_millis(demo.clock.now_ms());
    let mut check = SpotCheck {
        id: Uuid::new_v4(),
        village_id: target.village_id,
        plan_id: plan,
        household_id: target.household_id,
        checked_on: Some(date(2018, 12, 12)),
        checkers: Some("督导甲、督导乙".into()),
        met_household: Some(true),
        observed_members: members.clone(),
        ..SpotCheck::default()
    };
    check.observed.basic.household_size = Some(size + 1);
    let v = target.village_id;
    let outcomes = demo
        .push(
            &checker,
            &changes(check.id, "spot_check", v, leaves(&check, &[])),
        )
        .await;
    all_accepted(&outcomes);
    let register = format!("/api/v1/spotchecks/checks/{}/register", check.id);
    let (status, _) = demo.call("GET", &register, Some(&checker), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "no register before the seal");
    let early = json!([{"kind": "value", "record": null, "field": "basic.household_size",
        "label_zh": "家庭人口数", "registered": size, "observed": size + 1}]);
    let outcomes = demo
        .push(
            &checker,
            &[(check.id, "spot_check", v, "differences".into(), early)],
        )
        .await;
    assert_eq!(outcomes, vec![("refused".into(), "rule_refused".into())]);

    // Sealed: now the register and the differences, field by field.
    let outcomes = demo
        .push(
            &checker,
            &[(
                check.id,
                "spot_check",
                v,
                "observed_at".into(),
                json!(sealed_at),
            )],
        )
        .await;
    all_accepted(&outcomes);
    let revealed = demo.ok("GET", &register, &checker, None).await;
    assert_eq!(uuid(&revealed["household_id"]), target.household_id);
    assert_eq!(
        revealed["household"]["basic"]["household_size"],
        json!(size)
    );
    let differences = revealed["differences"].as_array().expect("differences");
    let size_diff = differences
        .iter()
        .find(|d| d["field"] == "basic.household_size")
        .expect("the household size differs");
    assert_eq!(
        (
            size_diff["registered"].clone(),
            size_diff["observed"].clone()
        ),
        (json!(size), json!(size + 1))
    );
    assert_eq!(differences.len(), 1, "one field disagrees: {differences:?}");
    // The observation stays as sealed.
    let outcomes = demo
        .push(
            &checker,
            &[
                (
                    check.id,
                    "spot_check",
                    v,
                    "observed.basic.household_size".into(),
                    json!(size),
                ),
                (check.id, "spot_check", v, "observed_at".into(), Value::Null),
            ],
        )
        .await;
    assert_eq!(
        outcomes,
        vec![("refused".into(), "rule_refused".into()); 2],
        "a sealed observation is kept"
    );
    // Classified, and the 错退 finding: one person.
    check.observed_at = Some(sealed_at);
    check.differences = serde_json::from_value(revealed["differences"].clone()).expect("diffs");
    check.differences[0].classification = Some(DifferenceClass::RegisterWrong);
    check.findings.push(CheckFinding {
        code: FindingCode::WrongExit,
        missed_scope: None,
        gap: None,
        severity: None,
        record: None,
        path: String::new(),
        persons: 1,
        needs_correction: true,
        note: Some("务工收入不稳定，人均纯收入低于标准".into()),
    });
    check.recognition.recognises = Some(false);
    let outcomes = demo
        .push(
            &checker,
            &[
                (
                    check.id,
                    "spot_check",
                    v,
                    "differences".into(),
                    serde_json::to_value(&check.differences).expect("json"),
                ),
                (
                    check.id,
                    "spot_check",
                    v,
                    "findings".into(),
                    serde_json::to_value(&check.findings).expect("json"),
                ),
                (
                    check.id,
                    "spot_check",
                    v,
                    "recognition.recognises".into(),
                    json!(false),
                ),
            ],
        )
        .await;
    all_accepted(&outcomes);

    // Every other assigned household checked clean by the partner's device, sealed.
    let mut checks = vec![check.clone()];
    for h in draw
        .households
        .iter()
        .filter(|h| h.household_id != target.household_id && assigned.contains(&h.household_id))
    {
        let mut c = SpotCheck {
            id: Uuid::new_v4(),
            village_id: h.village_id,
            plan_id: plan,
            household_id: h.household_id,
            checked_on: Some(date(2018, 12, 12)),
            met_household: Some(true),
            observed_at: Some(sealed_at),
            ..SpotCheck::default()
        };
        c.recognition.recognises = Some(true);
        let outcomes = demo
            .push(
                &partner,
                &changes(
                    c.id,
                    "spot_check",
                    h.village_id,
                    leaves(&c, &["observed_at"]),
                ),
            )
            .await;
        all_accepted(&outcomes);
        checks.push(c);
    }
    // The screening of the first village: 400 non-registered persons, one household of 3
    // suspected 漏评.
    let screening = VillageScreening {
        id: Uuid::new_v4(),
        village_id: screen,
        plan_id: plan,
        non_registered_households: Some(120),
        non_registered_persons: Some(400),
        ..VillageScreening::default()
    };
    let screened = ScreenedHousehold {
        id: Uuid::new_v4(),
        village_id: screen,
        plan_id: plan,
        head_name: Some("王某".into()),
        persons: Some(3),
        risk: vec![RiskFlag::SeriousIllness],
        suspected_missed: Some(true),
        ..ScreenedHousehold::default()
    };
    all_accepted(
        &demo
            .push(
                &checker,
                &changes(
                    screening.id,
                    "village_screening",
                    screen,
                    leaves(&screening, &[]),
                ),
            )
            .await,
    );
    all_accepted(
        &demo
            .push(
                &checker,
                &changes(
                    screened.id,
                    "screened_household",
                    screen,
                    leaves(&screened, &[]),
                ),
            )
            .await,
    );

    // What is refused: a household not assigned, a village not to screen, the register
    // itself, and check records from anyone but a supervisor of the assignment.
    let stray = SpotCheck {
        id: Uuid::new_v4(),
        village_id: unassigned.village_id,
        plan_id: plan,
        household_id: unassigned.household_id,
        ..SpotCheck::default()
    };
    let refused = demo
        .push(
            &checker,
            &[(
                stray.id,
                "spot_check",
                stray.village_id,
                "household_id".into(),
                json!(stray.household_id),
            )],
        )
        .await;
    assert_eq!(refused[0].0, "refused");
    if let Some(other) = draw
        .villages
        .iter()
        .map(|d| d.village_id)
        .find(|x| *x != screen)
    {
        let refused = demo
            .push(
                &checker,
                &[(
                    Uuid::new_v4(),
                    "village_screening",
                    other,
                    "plan_id".into(),
                    json!(plan),
                )],
            )
            .await;
        assert_eq!(refused[0].0, "refused", "a village not given to screen");
    }
    let refused = demo
        .push(
            &checker,
            &[(
                target.household_id,
                "household",
                v,
                "basic.phone".into(),
                json!("13700000000"),
            )],
        )
        .await;
    assert_eq!(refused, vec![("refused".into(), "forbidden".into())]);
    for who in [&admin, &worker] {
        let refused = demo
            .push(
                who,
                &[(
                    Uuid::new_v4(),
                    "spot_check",
                    worker.villages[0],
                    "plan_id".into(),
                    json!(plan),
                )],
            )
            .await;
        assert_eq!(refused, vec![("refused".into(), "forbidden".into())]);
    }

    // The pair's devices: each receives the other's records, and nothing of the register.
    let pulled = pull_all(&demo, &partner).await;
    assert!(pulled.iter().any(|c| uuid(&c["record_id"]) == check.id));
    assert!(pulled.iter().all(|c| {
        [
            "spot_check",
            "screened_household",
            "village_screening",
            "natural_village",
        ]
        .contains(&c["kind"].as_str().unwrap_or_default())
    }));
    let snapshot = demo.ok("GET", "/api/v1/snapshot", &checker, None).await;
    assert_eq!(
        snapshot_kinds(&snapshot),
        BTreeSet::from(
            [
                "natural_village",
                "spot_check",
                "screened_household",
                "village_screening"
            ]
            .map(str::to_owned)
        )
    );

    // The county's results: the unassigned household waits, the checked ones are sealed, and
    // the findings are problem seeds for the problem list.
    let results = demo.ok("GET", &at("/results"), &admin, None).await;
    let progress = |h: Uuid| {
        results["households"]
            .as_array()
            .expect("households")
            .iter()
            .find(|p| uuid(&p["household_id"]) == h)
            .cloned()
            .expect("progress")
    };
    assert_eq!(progress(unassigned.household_id)["state"], "unassigned");
    let mine = progress(target.household_id);
    assert_eq!(
        (mine["state"].clone(), mine["wrong_exit_persons"].clone()),
        (json!("sealed"), json!(1))
    );
    let codes: BTreeSet<(String, String)> = results["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["code"].as_str().unwrap_or_default().to_owned(),
                p["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            ("spot.wrong_exit".to_owned(), String::new()),
            (
                "spot.data_mismatch".to_owned(),
                "basic.household_size".to_owned()
            ),
            ("spot.missed".to_owned(), String::new()),
        ])
    );

    // The estimates: one 错退 person over the sampled exited persons, with the domain's
    // interval and decision from the same frame and the same checks.
    let estimates = demo.ok("GET", &at("/estimates"), &admin, None).await;
    let county: ScopeEstimates =
        serde_json::from_value(estimates["county"].clone()).expect("estimates");
    let frame: Frame = serde_json::from_str(
        &demo
            .db()
            .query_row(
                "SELECT frame FROM spot_plans WHERE id = ?1",
                [plan.to_string()],
                |r| r.get::<_, String>(0),
            )
            .expect("frame"),
    )
    .expect("frame reads");
    let mut results_in = Results::default();
    for c in &checks {
        let drawn = draw
            .households
            .iter()
            .find(|d| d.household_id == c.household_id)
            .expect("drawn");
        let persons = frame.household(c.household_id).expect("in frame").persons;
        results_in
            .households
            .push(HouseholdResult::of_check(c, drawn, persons));
    }
    results_in
        .households
        .push(HouseholdResult::of_screened(&screened));
    results_in.screened.push(ScreenedVillage {
        village_id: screen,
        non_registered_persons: 400,
    });
    let policy = YearPolicy::shangqiu_2018().evaluation;
    let expected = estimate(
        &Scope::County,
        &frame,
        &results_in,
        &policy,
        None,
        DEFAULT_RHO,
    )
    .expect("domain estimate");
    let got = county.wrong_exit.as_ref().expect("错退率");
    let want = expected.wrong_exit.as_ref().expect("错退率");
    let exited_checked: Vec<&SpotCheck> = checks
        .iter()
        .filter(|c| exited.iter().any(|e| e.household_id == c.household_id))
        .collect();
    let exited_persons: u32 = exited_checked
        .iter()
        .map(|c| frame.household(c.household_id).expect("in frame").persons)
        .sum();
    assert_eq!(
        (got.found, got.base, got.households),
        (1, exited_persons, exited_checked.len() as u32)
    );
    assert!((got.interval.lower - want.interval.lower).abs() < 1e-9);
    assert!((got.interval.upper - want.interval.upper).abs() < 1e-9);
    // Strata weighted back by their persons in the frame (§8.4): not the raw 1 / persons.
    assert!((got.interval.estimate - want.interval.estimate).abs() < 1e-12);
    assert!(got.interval.estimate > 0.0 && got.interval.lower < got.interval.estimate);
    assert_eq!(got.decision.verdict, want.decision.verdict);
    assert_eq!(got.decision.more_households, want.decision.more_households);
    let threshold = policy.wrong_exit_max.fraction();
    let verdict = if got.interval.upper < threshold {
        Verdict::LikelyPass
    } else if got.interval.lower > threshold {
        Verdict::LikelyFail
    } else {
        Verdict::Uncertain
    };
    assert_eq!(got.decision.verdict, verdict, "{got:?}");
    // 漏评: 3 persons over the 400 screened in one village: the plain Wilson interval.
    let missed = county.missed.as_ref().expect("漏评率");
    let plain = proportion_interval(3.0, 400.0, 0.95, IntervalMethod::Wilson).expect("wilson");
    assert_eq!((missed.found, missed.base), (3, 400));
    assert!((missed.interval.upper - plain.upper).abs() < 1e-9);
    // 认可度: every household asked but the one of the 错退 finding.
    let recognition = county.recognition.as_ref().expect("认可度");
    assert_eq!(
        (recognition.found, recognition.base),
        (checks.len() as u32 - 1, checks.len() as u32)
    );
    assert_eq!(
        estimates["villages"].as_array().map(Vec::len),
        Some(draw.villages.len())
    );
    // Each town's drawn villages, so that the dashboard names a town estimate: every town
    // estimated, every drawn village under one town.
    let town_villages = estimates["town_villages"]
        .as_object()
        .expect("town_villages");
    let towns: Vec<&Value> = estimates["towns"]
        .as_array()
        .expect("towns")
        .iter()
        .collect();
    assert_eq!(town_villages.len(), towns.len());
    for t in &towns {
        assert!(town_villages.contains_key(t["scope"]["id"].as_str().expect("town code")));
    }
    let under_towns: usize = town_villages
        .values()
        .filter_map(Value::as_array)
        .map(Vec::len)
        .sum();
    assert_eq!(under_towns, draw.villages.len());

    // The results as a workbook (抽查结果, issue 14), read back with calamine: the county's
    // 错退率 row shows the estimates' figures and decision, every drawn household has its row
    // with where its check stands, and the export is in the audit trail.
    let (status, bytes) = demo.bytes(&at("/results.xlsx"), &admin).await;
    assert_eq!(status, StatusCode::OK);
    // Kept for looking at in a spreadsheet program when asked (docs/exports.md).
    if let Some(dir) = std::env::var_os("JIANDANG_EXPORT_SAMPLES") {
        std::fs::write(
            std::path::Path::new(&dir).join("spot-check-results.xlsx"),
            &bytes,
        )
        .expect("sample written");
    }
    let mut wb = Xlsx::new(Cursor::new(bytes)).expect("an xlsx calamine reads");
    let text = |sheet: &calamine::Range<Data>, r: u32, c: u32| match sheet.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        _ => String::new(),
    };
    let number = |sheet: &calamine::Range<Data>, r: u32, c: u32| match sheet.get_value((r, c)) {
        Some(Data::Float(f)) => *f,
        other => panic!("({r}, {c}) is a number: {other:?}"),
    };
    let sheet = wb.worksheet_range("抽查指标").expect("抽查指标");
    let height = sheet.end().map_or(0, |(r, _)| r + 1);
    // The first 错退率 row is the county's (全县 first, then towns, then villages).
    let r = (0..height)
        .find(|r| text(&sheet, *r, 2) == Indicator::WrongExit.zh())
        .expect("a 错退率 row");
    assert_eq!(
        (
            number(&sheet, r, 3),
            number(&sheet, r, 4),
            number(&sheet, r, 5)
        ),
        (
            f64::from(got.found),
            f64::from(got.base),
            f64::from(got.households)
        )
    );
    let pct = |x: f64| (x * 10_000.0).round() / 100.0;
    assert_eq!(number(&sheet, r, 6), pct(got.interval.estimate));
    assert_eq!(number(&sheet, r, 7), pct(got.interval.lower));
    assert_eq!(number(&sheet, r, 8), pct(got.interval.upper));
    assert_eq!(number(&sheet, r, 10), 2.0, "the 2 % standard");
    assert_eq!(text(&sheet, r, 11), got.decision.verdict.zh());
    let village_rows = (0..height)
        .filter(|r| {
            text(&sheet, *r, 2) == Indicator::Recognition.zh() && !text(&sheet, *r, 1).is_empty()
        })
        .count();
    assert_eq!(
        village_rows,
        draw.villages.len(),
        "a 认可度 row per drawn village"
    );
    let sheet = wb.worksheet_range("入户核查").expect("入户核查");
    let height = sheet.end().map_or(0, |(r, _)| r + 1);
    let header = (0..height)
        .find(|r| text(&sheet, *r, 5) == "核查状态")
        .expect("header row");
    let rows: Vec<u32> = (header + 1..height)
        .filter(|r| !text(&sheet, *r, 5).is_empty())
        .collect();
    assert_eq!(rows.len(), draw.households.len(), "every drawn household");
    let wrong = rows
        .iter()
        .filter(|r| number(&sheet, **r, 6) > 0.0)
        .collect::<Vec<_>>();
    assert_eq!(wrong.len(), 1, "the one 错退 household");
    assert_eq!(text(&sheet, *wrong[0], 5), "已完成核查");
    let unassigned = rows
        .iter()
        .filter(|r| text(&sheet, **r, 5) == "未分配")
        .count();
    assert_eq!(
        unassigned,
        results["households"]
            .as_array()
            .expect("households")
            .iter()
            .filter(|p| p["state"] == "unassigned")
            .count()
    );
    let logged: String = demo
        .db()
        .query_row(
            "SELECT export FROM export_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("logged");
    assert_eq!(logged, "spot_check_results");

    // A survey worker: 403 on every spot-check endpoint; no check record in its snapshot,
    // its pulls or a record's history, though the checked households are its village's.
    for route in jiandang_server::routes() {
        if !route.path.starts_with("/api/v1/spotchecks") {
            continue;
        }
        let uri = route.path.replace(
            "{id}",
            &if route.path.contains("/checks/") {
                check.id
            } else {
                plan
            }
            .to_string(),
        );
        let body = (route.method != Method::GET).then(|| json!({"protocol": 2}));
        let (status, answer) = demo
            .call(route.method.as_str(), &uri, Some(&worker), body)
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{} {uri}: {answer}",
            route.method
        );
    }
    let snapshot = demo.ok("GET", "/api/v1/snapshot", &worker, None).await;
    let kinds = snapshot_kinds(&snapshot);
    assert!(kinds.contains("household") && kinds.contains("member"));
    assert!(
        kinds
            .iter()
            .all(|k| !k.contains("spot") && !k.contains("screen")),
        "{kinds:?}"
    );
    let pulled = pull_all(&demo, &worker).await;
    assert!(!pulled.is_empty());
    assert!(pulled.iter().all(|c| {
        !["spot_check", "screened_household", "village_screening"]
            .contains(&c["kind"].as_str().unwrap_or_default())
    }));
    if worker.villages.contains(&v) {
        let (status, _) = demo
            .call(
                "GET",
                &format!("/api/v1/records/{}/history", check.id),
                Some(&worker),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// The kinds of record a snapshot holds.
fn snapshot_kinds(snapshot: &Value) -> BTreeSet<String> {
    let kinds: Vec<String> = snapshot["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .map(|k| k["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut held = BTreeSet::new();
    for village in snapshot["villages"].as_array().expect("villages") {
        for row in village["rows"].as_array().expect("rows") {
            let i = row[0].as_u64().expect("kind index") as usize;
            held.insert(kinds[i].clone());
        }
    }
    held
}

/// Every change a device pulls from the start.
async fn pull_all(demo: &Demo, who: &Token) -> Vec<Value> {
    let mut after = 0;
    let mut out = Vec::new();
    loop {
        let page = demo
            .ok(
                "GET",
                &format!("/api/v1/pull?after={after}&limit=5000"),
                who,
                None,
            )
            .await;
        out.extend(page["changes"].as_array().expect("changes").iter().cloned());
        after = page["next_after"].as_u64().expect("cursor");
        if page["more"] != json!(true) {
            return out;
        }
    }
}

/// A request body the locked-draw test sends, made concrete against the county's ids.
#[derive(Debug, Clone)]
enum Probe {
    Empty,
    Bare,
    Seed(u64),
    Edit(String),
    Preset(u32),
    Assign {
        households: usize,
        villages: usize,
    },
    /// The county admin's change to a drawn household's 脱贫状态: the register moves on.
    Push {
        household: usize,
        status: u8,
    },
}

fn probe() -> impl Strategy<Value = Probe> {
    prop_oneof![
        Just(Probe::Empty),
        Just(Probe::Bare),
        any::<u64>().prop_map(Probe::Seed),
        "[甲乙丙a-z]{1,8}".prop_map(Probe::Edit),
        (1u32..4).prop_map(Probe::Preset),
        (0usize..40, 0usize..4).prop_map(|(households, villages)| Probe::Assign {
            households,
            villages
        }),
        (0usize..40, 1u8..5).prop_map(|(household, status)| Probe::Push { household, status }),
    ]
}

/// What the locked-draw test aims at: the published plan and everything around it.
struct Locked {
    demo: Demo,
    /// The county admin, supervisor shy01 (a checker of the plan) and survey worker dcy01.
    callers: [Token; 3],
    plan: Uuid,
    /// A plan never published, which the same calls may draw, edit and publish.
    spare: Uuid,
    check: Uuid,
    checkers: [Uuid; 2],
    draw: Draw,
}

impl Locked {
    async fn new() -> Locked {
        let demo = Demo::new().await;
        let admin = demo.enroll("admin").await;
        let plan = create_plan(&demo, &admin).await;
        let spare = create_plan(&demo, &admin).await;
        let seed = json!({"protocol": 2, "seed": "0000000000000bad"});
        let at = format!("/api/v1/spotchecks/plans/{plan}");
        demo.ok("POST", &format!("{at}/draw"), &admin, Some(seed))
            .await;
        let published = demo
            .ok("POST", &format!("{at}/publish"), &admin, None)
            .await;
        let draw = draw_of(&published);
        let users = demo.ok("GET", "/api/v1/admin/users", &admin, None).await;
        let user = |name: &str| {
            users["users"]
                .as_array()
                .expect("users")
                .iter()
                .find(|u| u["username"] == name)
                .map(|u| uuid(&u["id"]))
                .expect("user")
        };
        let checkers = [user("shy01"), user("shy02")];
        let first = draw.households[0].clone();
        let body = json!({"protocol": 2, "checkers": checkers, "households": [first.household_id]});
        demo.ok("POST", &format!("{at}/assignments"), &admin, Some(body))
            .await;
        let checker = demo.enroll("shy01").await;
        let check = Uuid::new_v4();
        let sealed = Timestamp::from_millis(demo.clock.now_ms());
        let kind = "spot_check";
        let v = first.village_id;
        all_accepted(
            &demo
                .push(
                    &checker,
                    &[
                        (check, kind, v, "plan_id".into(), json!(plan)),
                        (
                            check,
                            kind,
                            v,
                            "household_id".into(),
                            json!(first.household_id),
                        ),
                        (check, kind, v, "met_household".into(), json!(true)),
                        (check, kind, v, "observed_at".into(), json!(sealed)),
                    ],
                )
                .await,
        );
        let worker = demo.enroll("dcy01").await;
        Locked {
            demo,
            callers: [admin, checker, worker],
            plan,
            spare,
            check,
            checkers,
            draw,
        }
    }

    /// The published plan's row as stored, every column by name.
    fn row(&self) -> Vec<(&'static str, rusqlite::types::Value)> {
        const COLUMNS: [&str; 10] = [
            "title",
            "state",
            "plan",
            "frame",
            "seed_source",
            "left_out_households",
            "left_out_villages",
            "created_ms",
            "updated_ms",
            "published_ms",
        ];
        let sql = format!(
            "SELECT {} FROM spot_plans WHERE id = ?1",
            COLUMNS.join(", ")
        );
        self.demo
            .db()
            .query_row(&sql, [self.plan.to_string()], |r| {
                COLUMNS
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Ok((*c, r.get(i)?)))
                    .collect()
            })
            .expect("the published plan's row")
    }

    /// Panics naming the columns of the published plan's row that differ from `before`.
    fn assert_unchanged(&self, before: &[(&'static str, rusqlite::types::Value)], after: &str) {
        let now = self.row();
        let changed: Vec<&str> = before
            .iter()
            .zip(&now)
            .filter(|(b, n)| b != n)
            .map(|(b, _)| b.0)
            .collect();
        assert!(changed.is_empty(), "after {after}: changed {changed:?}");
    }

    /// `route` as `who` calls it, aimed at `target` (0: the published plan, 1: the spare
    /// plan, 2: a drawn household, 3: the check), with `probe`'s body.
    async fn call(
        &self,
        route: &jiandang_server::RouteSpec,
        who: usize,
        target: usize,
        probe: &Probe,
    ) -> StatusCode {
        let caller = &self.callers[who];
        let households = &self.draw.households;
        let id = match target % 4 {
            0 => self.plan,
            1 => self.spare,
            2 => households[0].household_id,
            _ => self.check,
        };
        let uri = route
            .path
            .replace("{id}", &id.to_string())
            .replace("{file}", "households.xlsx")
            .replace("{sha256}", &"0".repeat(64));
        let body = match probe {
            Probe::Empty => None,
            Probe::Bare => Some(json!({"protocol": 2})),
            Probe::Seed(seed) => Some(json!({"protocol": 2, "seed": format!("{seed:016x}")})),
            Probe::Edit(title) => Some(json!({"protocol": 2, "title": title, "spec": spec()})),
            Probe::Preset(villages) => Some(json!({"protocol": 2, "title": "快查",
                "preset": {"kind": "quick_check", "year": 2018, "villages": villages}})),
            Probe::Assign {
                households: n,
                villages,
            } => {
                let hs: Vec<Uuid> = households.iter().take(*n).map(|h| h.household_id).collect();
                let vs: Vec<Uuid> = self
                    .draw
                    .villages
                    .iter()
                    .take(*villages)
                    .map(|v| v.village_id)
                    .collect();
                Some(
                    json!({"protocol": 2, "checkers": self.checkers, "households": hs, "villages": vs}),
                )
            }
            Probe::Push { household, status } => {
                let h = &households[household % households.len()];
                let change = json!({
                    "change_id": Uuid::new_v4(), "record_id": h.household_id, "kind": "household",
                    "village_id": h.village_id, "field": "basic.status", "old": null,
                    "new": status.to_string(), "base_seq": 0,
                    "hlc": Hlc { wall_ms: self.demo.clock.now_ms(), counter: 0, node: caller.device.to_string() },
                });
                Some(json!({"protocol": 2, "change_set_id": Uuid::new_v4(),
                    "device_id": caller.device, "changes": [change]}))
            }
        };
        let (status, _) = self
            .demo
            .call(route.method.as_str(), &uri, Some(caller), body)
            .await;
        status
    }
}

/// Issue 13: "a published draw cannot be changed through any endpoint" (EVALUATION.md §9:
/// locked once published to the checkers). Every route, called by
/// the county admin, a checker of the plan and a survey worker, aimed at the published plan
/// and around it with every kind of body, leaves the published plan's row — title, spec,
/// seed, draw, frame, dates — exactly as publication left it; a random sequence of such
/// calls (a property test) too, the register moving under it. The row itself refuses an
/// update or a deletion.
#[test]
fn a_published_draw_survives_every_route() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let locked = rt.block_on(Locked::new());
    let before = locked.row();
    let routes = jiandang_server::routes();
    // Every route, as the county admin, at the published plan, with every body.
    let probes = [
        Probe::Empty,
        Probe::Bare,
        Probe::Seed(7),
        Probe::Edit("改过的方案".into()),
        Probe::Preset(2),
        Probe::Assign {
            households: 40,
            villages: 4,
        },
        Probe::Push {
            household: 1,
            status: 4,
        },
    ];
    let mut succeeded = BTreeSet::new();
    for route in &routes {
        for probe in &probes {
            let status = rt.block_on(locked.call(route, 0, 0, probe));
            if route.path.starts_with("/api/v1/spotchecks/plans/{id}")
                && route.method != Method::GET
                && status.is_success()
            {
                succeeded.insert(format!(
                    "{} {} {probe:?} → {status}",
                    route.method, route.path
                ));
            }
            locked.assert_unchanged(
                &before,
                &format!("{} {} {probe:?}", route.method, route.path),
            );
        }
    }
    // Only a new assignment may succeed on a published plan (the first assigns what is
    // left; the rest find it taken).
    assert!(
        succeeded
            .iter()
            .all(|r| r.starts_with("POST /api/v1/spotchecks/plans/{id}/assignments")),
        "{succeeded:?}"
    );

    let config = ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(steps in prop::collection::vec(
        (0..routes.len(), 0usize..3, 0usize..4, probe()), 1..8))| {
        for (route, who, target, probe) in &steps {
            rt.block_on(locked.call(&routes[*route], *who, *target, probe));
        }
        let changed = locked.row() != before;
        prop_assert!(!changed, "the published plan changed after {:?}", steps);
    });

    // The row itself: the migration's triggers refuse any statement that would change it.
    let conn = locked.demo.db();
    let id = locked.plan.to_string();
    for sql in [
        "UPDATE spot_plans SET title = 'x' WHERE id = ?1",
        "UPDATE spot_plans SET state = 'drawn' WHERE id = ?1",
        "DELETE FROM spot_plans WHERE id = ?1",
    ] {
        let refused = conn.execute(sql, [&id]).expect_err(sql);
        assert!(refused.to_string().contains("locked"), "{sql}: {refused}");
    }
    locked.assert_unchanged(&before, "the refused statements");
}
