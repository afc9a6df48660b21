//! The authorization matrix, generated from the router's own route list
//! (`jiandang_server::routes()`): every route × every kind of caller (anonymous, a revoked
//! device, a user of every role assigned village A, the county admin) × a resource of the
//! caller's own village (A) and of another (B), with the status each must get.
//!
//! A route without its row in [`ROWS`] fails the test, and so does a row for a route that
//! no longer exists. To add a route: add one row, saying how to make its request for a
//! village (`request`) and who gets what (`expect`, from the helpers below). A role added to
//! `Role` will not compile here until [`scope`] says what it may see.

mod support;

use axum::http::{Method, StatusCode};
use jiandang_protocol::Role;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::{At, County, Token, outcome};
use uuid::Uuid;

/// Whose resource a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Village A, assigned to every caller with a role but the county admin (who has all).
    Own,
    /// Village B, assigned to none of them.
    Other,
}

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A device of a survey worker of A, revoked by the county admin.
    Revoked,
    Role(Role),
}

/// What a role may see.
enum Scope {
    /// Its assigned villages.
    Assigned,
    /// The whole county.
    County,
}

fn scope(role: Role) -> Scope {
    match role {
        Role::SurveyWorker | Role::WorkTeamMember | Role::Supervisor => Scope::Assigned,
        Role::CountyAdmin => Scope::County,
    }
}

// Who gets what, the shapes the rows use.

/// Anyone, signed in or not.
fn public(_: Who, _: Target) -> u16 {
    200
}

/// Any signed-in caller, whatever the village.
fn signed_in(who: Who, _: Target) -> u16 {
    match who {
        Who::Anonymous | Who::Revoked => 401,
        Who::Role(_) => 200,
    }
}

/// A resource of a village: the callers who may see it; `refusal` for the others.
fn village(who: Who, target: Target, refusal: u16) -> u16 {
    match who {
        Who::Anonymous | Who::Revoked => 401,
        Who::Role(role) => match (scope(role), target) {
            (Scope::County, _) | (Scope::Assigned, Target::Own) => 200,
            (Scope::Assigned, Target::Other) => refusal,
        },
    }
}

/// Other villages' records answer as if they did not exist.
fn village_404(who: Who, target: Target) -> u16 {
    village(who, target, 404)
}

/// Other villages' records are refused by name.
fn village_403(who: Who, target: Target) -> u16 {
    village(who, target, 403)
}

/// The county admin only.
fn admin(who: Who, _: Target) -> u16 {
    match who {
        Who::Anonymous | Who::Revoked => 401,
        Who::Role(role) => match scope(role) {
            Scope::County => 200,
            Scope::Assigned => 403,
        },
    }
}

/// The county admin only, for a request that starts work in the background (202).
fn admin_accepted(who: Who, target: Target) -> u16 {
    match admin(who, target) {
        200 => 202,
        other => other,
    }
}

/// What the county admin made for itself (an export job): another user's answers as if it
/// did not exist.
fn owner_only(who: Who, target: Target) -> u16 {
    match admin(who, target) {
        403 => 404,
        other => other,
    }
}

/// A request body.
enum Body {
    None,
    Json(Value),
    Octets(Vec<u8>),
}

/// A row: how to make the route's request about a village's resource, and who gets what.
struct Row {
    method: Method,
    path: &'static str,
    request: fn(&World, Option<&Token>, Target) -> (String, Body),
    expect: fn(Who, Target) -> u16,
}

const ROWS: &[Row] = &[
    Row {
        method: Method::GET,
        path: "/api/v1/health",
        request: |_, _, _| ("/api/v1/health".into(), Body::None),
        expect: public,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/enroll",
        request: |_, _, _| {
            let body = json!({"protocol": 2, "username": "worker_a", "password": support::PASSWORD, "device_name": "矩阵"});
            ("/api/v1/enroll".into(), Body::Json(body))
        },
        expect: public,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/push",
        request: |w, token, t| {
            // A change stamped by the caller's own device, to a household of the village.
            let device = token.map_or(Uuid::nil(), |t| t.device);
            let who = Token {
                token: String::new(),
                device,
            };
            let at = At {
                record: w.household(t),
                kind: "household",
                village: w.village(t),
            };
            let change = w
                .county
                .change(&who, &at, "basic.phone", json!("13700000000"), 0);
            let set = json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": device, "changes": [change]});
            ("/api/v1/push".into(), Body::Json(set))
        },
        expect: village_403,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/pull",
        request: |_, _, _| ("/api/v1/pull?after=0".into(), Body::None),
        expect: signed_in,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/snapshot",
        request: |_, _, _| ("/api/v1/snapshot".into(), Body::None),
        expect: signed_in,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/policy",
        request: |_, _, _| ("/api/v1/policy".into(), Body::None),
        expect: signed_in,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/records/{id}/history",
        request: |w, _, t| {
            (
                format!("/api/v1/records/{}/history", w.household(t)),
                Body::None,
            )
        },
        expect: village_404,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/conflicts",
        request: |_, _, _| ("/api/v1/conflicts".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/conflicts/{id}/resolve",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.conflicts.0
            } else {
                w.conflicts.1
            };
            (
                format!("/api/v1/conflicts/{id}/resolve"),
                Body::Json(json!({"protocol": 2, "value": "800.00"})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/admin/users",
        request: |_, _, _| ("/api/v1/admin/users".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/admin/users",
        request: |w, _, t| {
            let body = json!({"protocol": 2, "username": format!("u{}", Uuid::new_v4().simple()),
                "display_name": "新用户", "password": "long enough password", "role": "survey_worker",
                "villages": [w.village(t)]});
            ("/api/v1/admin/users".into(), Body::Json(body))
        },
        expect: admin,
    },
    Row {
        method: Method::PUT,
        path: "/api/v1/admin/users/{id}",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.users.0
            } else {
                w.users.1
            };
            (
                format!("/api/v1/admin/users/{id}"),
                Body::Json(json!({"protocol": 2, "display_name": "改名"})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/admin/devices",
        request: |_, _, _| ("/api/v1/admin/devices".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/admin/devices/{id}/revoke",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.spare_devices.0
            } else {
                w.spare_devices.1
            };
            (
                format!("/api/v1/admin/devices/{id}/revoke"),
                Body::Json(json!({"protocol": 2})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/admin/phases",
        request: |_, _, _| ("/api/v1/admin/phases".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::PUT,
        path: "/api/v1/admin/phases",
        request: |w, _, _| ("/api/v1/admin/phases".into(), Body::Json(w.phases.clone())),
        expect: admin,
    },
    Row {
        method: Method::PUT,
        path: "/api/v1/admin/policy",
        request: |w, _, _| ("/api/v1/admin/policy".into(), Body::Json(w.policy.clone())),
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/admin/villages/{id}/window",
        request: |w, _, t| {
            (
                format!("/api/v1/admin/villages/{}/window", w.village(t)),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/admin/villages/{id}/reopen",
        request: |w, _, t| {
            (
                format!("/api/v1/admin/villages/{}/reopen", w.village(t)),
                Body::Json(json!({"protocol": 2, "until": "2018-12-05"})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/admin/exports",
        request: |_, _, _| ("/api/v1/admin/exports".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/exports/{file}",
        request: |w, _, t| {
            (
                format!("/api/v1/exports/households.csv?village={}", w.village(t)),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/exports/jobs",
        request: |w, _, t| {
            let body = json!({"protocol": 2, "export": "households", "format": "csv",
                "village": w.village(t)});
            ("/api/v1/exports/jobs".into(), Body::Json(body))
        },
        expect: admin_accepted,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/exports/jobs/{id}",
        request: |w, _, _| (format!("/api/v1/exports/jobs/{}", w.export_job), Body::None),
        expect: owner_only,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/exports/jobs/{id}/file",
        request: |w, _, _| {
            (
                format!("/api/v1/exports/jobs/{}/file", w.export_job),
                Body::None,
            )
        },
        expect: owner_only,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/blobs/{sha256}",
        request: |w, _, t| (format!("/api/v1/blobs/{}", w.blob(t).1), Body::None),
        expect: village_404,
    },
    Row {
        method: Method::HEAD,
        path: "/api/v1/blobs/{sha256}",
        request: |w, _, t| (format!("/api/v1/blobs/{}", w.blob(t).1), Body::None),
        expect: village_404,
    },
    Row {
        method: Method::PUT,
        path: "/api/v1/blobs/{sha256}",
        request: |w, _, t| {
            // The blob is complete: its owner villages' callers hear so again.
            let (bytes, sha) = w.blob(t);
            (
                format!("/api/v1/blobs/{sha}?offset=0&total={}", bytes.len()),
                Body::Octets(bytes[..3].to_vec()),
            )
        },
        expect: village_403,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/admin/checks/run",
        request: |_, _, _| ("/api/v1/admin/checks/run".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/admin/province-file",
        request: |_, _, _| {
            let csv = "证件号码,比对结果\n110101199003077777,车辆\n";
            (
                "/api/v1/admin/province-file".into(),
                Body::Octets(csv.as_bytes().to_vec()),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/problems",
        request: |w, _, t| {
            (
                format!("/api/v1/problems?village={}", w.village(t)),
                Body::None,
            )
        },
        expect: village_403,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/problems",
        request: |w, _, t| {
            let body = json!({"protocol": 2, "record_id": w.household(t), "text": "请核实"});
            ("/api/v1/problems".into(), Body::Json(body))
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/problems/{id}/send-back",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.verified.0
            } else {
                w.verified.1
            };
            let body = json!({"protocol": 2, "reason": "核实结论依据不足"});
            (format!("/api/v1/problems/{id}/send-back"), Body::Json(body))
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/problems/{id}/close",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.pending.0
            } else {
                w.pending.1
            };
            let body = json!({"protocol": 2, "kind": "withdrawn", "note": "误报"});
            (format!("/api/v1/problems/{id}/close"), Body::Json(body))
        },
        expect: admin,
    },
];

/// The county the matrix runs in: a household, a complete photo and a conflict in each
/// village, a user and a spare device of each, the phases and the policy as they stand.
struct World {
    county: County,
    households: (Uuid, Uuid),
    blobs: ((Vec<u8>, String), (Vec<u8>, String)),
    conflicts: (u64, u64),
    users: (Uuid, Uuid),
    spare_devices: (Uuid, Uuid),
    phases: Value,
    /// The county's policy as `GET /api/v1/policy` answers it (the body of a replacement).
    policy: Value,
    /// A finished export job of the county admin.
    export_job: Uuid,
    /// A problem of each village's household verified by its worker (to send back).
    verified: (Uuid, Uuid),
    /// A problem of each village's household still 待核实 (to close).
    pending: (Uuid, Uuid),
}

impl World {
    fn village(&self, t: Target) -> Uuid {
        match t {
            Target::Own => self.county.village_a,
            Target::Other => self.county.village_b,
        }
    }

    fn household(&self, t: Target) -> Uuid {
        match t {
            Target::Own => self.households.0,
            Target::Other => self.households.1,
        }
    }

    fn blob(&self, t: Target) -> &(Vec<u8>, String) {
        match t {
            Target::Own => &self.blobs.0,
            Target::Other => &self.blobs.1,
        }
    }

    async fn new() -> World {
        let county = County::new().await;
        let admin = county.enroll("admin").await;
        let mut households = Vec::new();
        let mut blobs = Vec::new();
        for (user, village, seed) in [
            ("worker_a", county.village_a, 1u8),
            ("worker_b", county.village_b, 2u8),
        ] {
            let (one, two) = (county.enroll(user).await, county.enroll(user).await);
            let household = Uuid::new_v4();
            let h = At {
                record: household,
                kind: "household",
                village,
            };
            county
                .push(
                    &one,
                    vec![county.change(&one, &h, "basic.year", json!(2018), 0)],
                )
                .await;
            // Two devices set the same field concurrently: a conflict for the county.
            county
                .push(
                    &one,
                    vec![county.change(&one, &h, "income.wage", json!("100.00"), 0)],
                )
                .await;
            county
                .push(
                    &two,
                    vec![county.change(&two, &h, "income.wage", json!("200.00"), 0)],
                )
                .await;
            let bytes: Vec<u8> = (0..5_000u32).map(|i| (i % 251) as u8 ^ seed).collect();
            let sha = hex::encode(Sha256::digest(&bytes));
            let p = At {
                record: Uuid::new_v4(),
                kind: "photo",
                village,
            };
            let answer = county
                .push(&one, vec![county.change(&one, &p, "sha256", json!(sha), 0)])
                .await;
            assert_eq!(outcome(&answer, 0)["status"], "accepted");
            let (status, _, _) = county
                .send(
                    "PUT",
                    &format!("/api/v1/blobs/{sha}?offset=0&total={}", bytes.len()),
                    Some(&one.token),
                    &[("Content-Type", "application/octet-stream")],
                    Some(bytes.clone()),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            households.push(household);
            blobs.push((bytes, sha));
        }
        let (_, list) = county
            .call("GET", "/api/v1/conflicts", Some(&admin.token), None)
            .await;
        let conflict_of = |v: Uuid| {
            list["conflicts"]
                .as_array()
                .expect("conflicts")
                .iter()
                .find(|c| c["village_id"] == json!(v))
                .and_then(|c| c["id"].as_u64())
                .expect("a conflict in the village")
        };
        let conflicts = (conflict_of(county.village_a), conflict_of(county.village_b));
        let (_, users) = county
            .call("GET", "/api/v1/admin/users", Some(&admin.token), None)
            .await;
        let user_id = |name: &str| -> Uuid {
            users["users"]
                .as_array()
                .expect("users")
                .iter()
                .find(|u| u["username"] == name)
                .and_then(|u| u["id"].as_str())
                .and_then(|s| s.parse().ok())
                .expect("user")
        };
        let users = (user_id("worker_a"), user_id("worker_b"));
        let spare_devices = (
            county.enroll("worker_a").await.device,
            county.enroll("worker_b").await.device,
        );
        let (_, phases) = county
            .call("GET", "/api/v1/admin/phases", Some(&admin.token), None)
            .await;
        let (_, policy) = county
            .call("GET", "/api/v1/policy", Some(&admin.token), None)
            .await;
        let (status, job) = county
            .call(
                "POST",
                "/api/v1/exports/jobs",
                Some(&admin.token),
                Some(json!({"protocol": 2, "export": "households", "format": "csv"})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{job}");
        let export_job: Uuid = job["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("job id");
        county.export_finished(&admin, export_job).await;
        let mut verified = Vec::new();
        let mut pending = Vec::new();
        for (user, household) in [("worker_a", households[0]), ("worker_b", households[1])] {
            let worker = county.enroll(user).await;
            let raise = || async {
                let (status, answer) = county
                    .call(
                        "POST",
                        "/api/v1/problems",
                        Some(&admin.token),
                        Some(json!({"protocol": 2, "record_id": household, "text": "请核实"})),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                answer["problem"].clone()
            };
            let problem = raise().await;
            verified.push(verify(&county, &worker, &problem).await);
            pending.push(problem_id(&raise().await));
        }
        World {
            verified: (verified[0], verified[1]),
            pending: (pending[0], pending[1]),
            export_job,
            county,
            households: (households[0], households[1]),
            blobs: (blobs.remove(0), blobs.remove(0)),
            conflicts,
            users,
            spare_devices,
            phases,
            policy,
        }
    }

    /// The status a caller gets; for a push, a change refused for its village counts as
    /// the 403 it is.
    async fn status(&self, row: &Row, token: Option<&Token>, target: Target) -> u16 {
        let (uri, body) = (row.request)(self, token, target);
        let mut headers = vec![("Jiandang-Protocol", "2")];
        let bytes = match body {
            Body::None => None,
            Body::Json(v) => {
                headers.push(("Content-Type", "application/json"));
                Some(serde_json::to_vec(&v).expect("json"))
            }
            Body::Octets(b) => {
                headers.push(("Content-Type", "application/octet-stream"));
                Some(b)
            }
        };
        let (status, _, answer) = self
            .county
            .send(
                row.method.as_str(),
                &uri,
                token.map(|t| t.token.as_str()),
                &headers,
                bytes,
                None,
            )
            .await;
        // One export job runs per user at a time: let the admin's finish before the next row.
        if row.path == "/api/v1/exports/jobs" && status == StatusCode::ACCEPTED {
            let answer: Value = serde_json::from_slice(&answer).expect("job answer");
            let id = answer["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("job id");
            let token = token.expect("a job has an owner");
            self.county.export_finished(token, id).await;
        }
        if row.path == "/api/v1/push" && status == StatusCode::OK {
            let answer: Value = serde_json::from_slice(&answer).expect("push answer");
            if outcome(&answer, 0)["code"] == "forbidden_village" {
                return 403;
            }
        }
        status.as_u16()
    }
}

fn problem_id(problem: &Value) -> Uuid {
    problem["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("problem id")
}

/// The worker verifies the problem as 属实 (the domain's action, pushed from its device).
async fn verify(county: &County, worker: &Token, problem: &Value) -> Uuid {
    use jiandang_domain::action::{
        Edit,
        problem::{VerifyReport, verify},
    };
    use jiandang_domain::problem::{Actor, ProblemRole, Verdict};
    let id = problem_id(problem);
    let village: Uuid = problem["village_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("village");
    let stored = jiandang_domain::StoredRecord {
        kind: jiandang_domain::RecordKind::Problem,
        id,
        village_id: village,
        doc: problem.clone(),
    };
    let policy = jiandang_server::demo::policy();
    let ctx = jiandang_domain::judge::Context::new(
        &policy,
        jiandang_domain::Timestamp::from_millis(support::entry_phase_ms()),
    );
    let report = VerifyReport {
        verdict: Verdict::True,
        note: None,
        photo_ids: Vec::new(),
        gps_fix_id: None,
    };
    let actor = Actor {
        user: Uuid::new_v4(),
        role: ProblemRole::Field,
    };
    let edits = verify(id, &[stored], report, actor, &ctx).expect("the field may verify");
    let at = At {
        record: id,
        kind: "problem",
        village,
    };
    // The device pulled the problem: its changes are based on the county's latest seq.
    let pulled: u64 = county
        .db()
        .query_row("SELECT MAX(seq) FROM change_log", [], |r| r.get(0))
        .expect("seq");
    let mut changes = Vec::new();
    for edit in edits {
        let Edit::Set { fields, .. } = edit else {
            panic!("a verification sets fields")
        };
        for (field, new) in fields {
            changes.push(county.change(worker, &at, &field, new, pulled));
        }
    }
    let answer = county.push(worker, changes).await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
    id
}

#[tokio::test]
async fn every_route_answers_every_caller_as_its_row_says() {
    let routes = jiandang_server::routes();
    let missing: Vec<String> = routes
        .iter()
        .filter(|r| {
            !ROWS
                .iter()
                .any(|row| row.method == r.method && row.path == r.path)
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the authorization matrix: {missing:?}"
    );
    let stale: Vec<String> = ROWS
        .iter()
        .filter(|row| {
            !routes
                .iter()
                .any(|r| row.method == r.method && row.path == r.path)
        })
        .map(|row| format!("{} {}", row.method, row.path))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes the router does not serve: {stale:?}"
    );

    let world = World::new().await;
    let c = &world.county;
    let admin = c.enroll("admin").await;
    let revoked = c.enroll("worker_a").await;
    let (status, _) = c
        .call(
            "POST",
            &format!("/api/v1/admin/devices/{}/revoke", revoked.device),
            Some(&admin.token),
            Some(json!({"protocol": 2})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut callers: Vec<(Who, Option<Token>)> =
        vec![(Who::Anonymous, None), (Who::Revoked, Some(revoked))];
    for role in Role::ALL {
        let (user, _, _) = support::USERS
            .iter()
            .find(|(_, r, v)| *r == role && (role == Role::CountyAdmin || v.contains('a')))
            .unwrap_or_else(|| panic!("the test county has no {role:?} of village A"));
        callers.push((Who::Role(role), Some(c.enroll(user).await)));
    }

    let mut wrong = Vec::new();
    let mut checked = 0;
    for row in ROWS {
        for (who, token) in &callers {
            for target in [Target::Own, Target::Other] {
                let expected = (row.expect)(*who, target);
                let got = world.status(row, token.as_ref(), target).await;
                checked += 1;
                if got != expected {
                    wrong.push(format!(
                        "{} {} as {who:?} on {target:?}: {got}, expected {expected}",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
