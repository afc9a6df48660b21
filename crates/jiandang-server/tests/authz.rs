//! The authorization matrix, generated from the router's own route list
//! (`jiandang_server::routes()`): every route × every kind of caller (anonymous, a revoked
//! device, a device of a user of every role assigned village A (a town officer: A's town),
//! the county admin's device, and a dashboard session of every role that uses the dashboard)
//! × a resource of the caller's own village (A) and of another (B, in another town), with the
//! status each must get.
//!
//! A route without its row in [`ROWS`] fails the test, and so does a row for a route that
//! no longer exists. To add a route: add one row, saying how to make its request for a
//! village (`request`) and who gets what (`expect`, from the helpers below). A role added to
//! `Role` will not compile here until [`scope`] says what it may see.

mod support;

use axum::http::{Method, StatusCode};
use jiandang_domain::RecordKind;
use jiandang_domain::codes::household::ExitStatus;
use jiandang_domain::codes::village::VillageAttribute;
use jiandang_domain::spotcheck::codes::{
    HouseholdDrawMethod, HouseholdType, VillageDrawMethod, VillageType,
};
use jiandang_domain::spotcheck::plan::{PlanSpec, Quota, StratumQuota, Take, VillageQuota};
use jiandang_protocol::Role;
use jiandang_server::Clock;
use jiandang_server::storage::{Author, Import};
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
    /// A device's bearer token.
    Role(Role),
    /// A dashboard session (cookie), of a role that uses the dashboard.
    Session(Role),
}

impl Who {
    fn role(self) -> Option<Role> {
        match self {
            Who::Anonymous | Who::Revoked => None,
            Who::Role(r) | Who::Session(r) => Some(r),
        }
    }
}

/// What a role may see.
enum Scope {
    /// Its assigned villages.
    Assigned,
    /// No village's register: the check records of its spot-check assignments, whatever
    /// villages it was given (a supervisor; a check stays blind).
    Assignments,
    /// Every village of its towns (here: A's town, which B is not in).
    Towns,
    /// The whole county.
    County,
}

fn scope(role: Role) -> Scope {
    match role {
        Role::SurveyWorker | Role::WorkTeamMember => Scope::Assigned,
        Role::Supervisor => Scope::Assignments,
        Role::TownOfficer => Scope::Towns,
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
    match who.role() {
        None => 401,
        Some(_) => 200,
    }
}

/// A resource of a village: the callers who may see it; `refusal` for the others.
fn village(who: Who, target: Target, refusal: u16) -> u16 {
    match who.role() {
        None => 401,
        Some(role) => match (scope(role), target) {
            (Scope::County, _) | (Scope::Assigned | Scope::Towns, Target::Own) => 200,
            (Scope::Assigned | Scope::Towns, Target::Other) | (Scope::Assignments, _) => refusal,
        },
    }
}

/// The dashboard's own endpoints: a session as `inner` says; a device's token, even the
/// county admin's, 403.
fn dashboard(who: Who, target: Target, inner: fn(Who, Target) -> u16) -> u16 {
    match who {
        Who::Role(_) => 403,
        _ => inner(who, target),
    }
}

/// Pushes: a device of a village's editors; a town officer reads and reviews only, and a
/// browser session never pushes (403).
fn push(who: Who, target: Target) -> u16 {
    match who {
        Who::Session(_) | Who::Role(Role::TownOfficer) => 403,
        _ => village_403(who, target),
    }
}

/// Exports: the county admin any scope; a town officer its towns' villages; nobody else.
fn exporter(who: Who, target: Target) -> u16 {
    match who.role() {
        None => 401,
        Some(Role::CountyAdmin) => 200,
        Some(Role::TownOfficer) if target == Target::Own => 200,
        Some(_) => 403,
    }
}

/// [`exporter`], for a request that starts work in the background (202).
fn exporter_accepted(who: Who, target: Target) -> u16 {
    match exporter(who, target) {
        200 => 202,
        other => other,
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
    match who.role() {
        None => 401,
        Some(role) => match scope(role) {
            Scope::County => 200,
            Scope::Assigned | Scope::Towns | Scope::Assignments => 403,
        },
    }
}

/// Only a device the county marked lost reports its loss: any other device is told it is not
/// lost (409); no token (a dashboard session has none) or a revoked one is 401.
fn lost_device_only(who: Who, _: Target) -> u16 {
    match who {
        Who::Anonymous | Who::Revoked | Who::Session(_) => 401,
        Who::Role(_) => 409,
    }
}

/// The county admin and supervisors (each its own assignments); 403 for the roles of the
/// villages, whose households a sample checks.
fn spot_reader(who: Who, target: Target) -> u16 {
    match (who.role(), target) {
        (Some(Role::Supervisor), _) => 200,
        _ => admin(who, target),
    }
}

/// A check's register: the county admin, and the pair the household was assigned to (its
/// own check, `Own`); another pair's check answers as if it did not exist.
fn spot_pair(who: Who, target: Target) -> u16 {
    match (who.role(), target) {
        (Some(Role::Supervisor), Target::Own) => 200,
        (Some(Role::Supervisor), Target::Other) => 404,
        _ => admin(who, target),
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
        path: "/api/v1/session",
        request: |_, _, _| {
            let body = json!({"protocol": 2, "username": "super_a", "password": support::PASSWORD});
            ("/api/v1/session".into(), Body::Json(body))
        },
        expect: public,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/session",
        request: |_, _, _| ("/api/v1/session".into(), Body::None),
        expect: |w, t| dashboard(w, t, signed_in),
    },
    Row {
        method: Method::DELETE,
        path: "/api/v1/session",
        // A session signs out a session of its own made for this row (World::status), so
        // the others' stay.
        request: |_, _, _| ("/api/v1/session".into(), Body::None),
        expect: |w, t| match dashboard(w, t, signed_in) {
            200 => 204,
            other => other,
        },
    },
    Row {
        method: Method::GET,
        path: "/api/v1/forms",
        request: |_, _, _| ("/api/v1/forms".into(), Body::None),
        expect: signed_in,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/dashboard/progress",
        request: |_, _, _| ("/api/v1/dashboard/progress".into(), Body::None),
        expect: |w, t| dashboard(w, t, signed_in),
    },
    Row {
        method: Method::GET,
        path: "/api/v1/dashboard/households",
        request: |w, _, t| {
            (
                format!("/api/v1/dashboard/households?village={}", w.village(t)),
                Body::None,
            )
        },
        expect: |w, t| dashboard(w, t, village_403),
    },
    Row {
        method: Method::GET,
        path: "/api/v1/dashboard/households/{id}",
        request: |w, _, t| {
            (
                format!("/api/v1/dashboard/households/{}", w.household(t)),
                Body::None,
            )
        },
        expect: |w, t| dashboard(w, t, village_404),
    },
    Row {
        method: Method::GET,
        path: "/api/v1/dashboard/map",
        request: |w, _, t| {
            (
                format!("/api/v1/dashboard/map?village={}", w.village(t)),
                Body::None,
            )
        },
        expect: |w, t| dashboard(w, t, village_403),
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
        expect: push,
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
        path: "/api/v1/identity",
        request: |_, _, _| ("/api/v1/identity".into(), Body::None),
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
        method: Method::POST,
        path: "/api/v1/admin/devices/{id}/lost",
        request: |w, _, t| {
            let id = if t == Target::Own {
                w.lost_devices.0
            } else {
                w.lost_devices.1
            };
            (
                format!("/api/v1/admin/devices/{id}/lost"),
                Body::Json(json!({"protocol": 2})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/device/loss-report",
        request: |_, _, _| {
            let body = json!({"protocol": 2, "unsent_changes": 1, "refused_changes": 0,
                "unsent_photos": 0, "record_ids": [], "reported_ms": 0});
            ("/api/v1/device/loss-report".into(), Body::Json(body))
        },
        expect: lost_device_only,
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
        method: Method::PUT,
        path: "/api/v1/admin/settings",
        request: |_, _, _| {
            let body = json!({"protocol": 2, "base_map": {"url": "https://tiles.example/{z}/{x}/{y}.png", "gcj02": true}});
            ("/api/v1/admin/settings".into(), Body::Json(body))
        },
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
        expect: exporter,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/exports/jobs",
        request: |w, _, t| {
            let body = json!({"protocol": 2, "export": "households", "format": "csv",
                "village": w.village(t)});
            ("/api/v1/exports/jobs".into(), Body::Json(body))
        },
        expect: exporter_accepted,
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
        path: "/api/v1/spotchecks/plans",
        request: |_, _, _| ("/api/v1/spotchecks/plans".into(), Body::None),
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/spotchecks/plans",
        request: |_, _, _| {
            let body = json!({"protocol": 2, "title": "矩阵", "spec": spot_spec()});
            ("/api/v1/spotchecks/plans".into(), Body::Json(body))
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/plans/{id}",
        request: |w, _, _| {
            (
                format!("/api/v1/spotchecks/plans/{}", w.spot.plan),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::PUT,
        path: "/api/v1/spotchecks/plans/{id}",
        request: |w, _, _| {
            let body = json!({"protocol": 2, "title": "矩阵改", "spec": spot_spec()});
            (
                format!("/api/v1/spotchecks/plans/{}", w.spot.spare),
                Body::Json(body),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/spotchecks/plans/{id}/draw",
        request: |w, _, _| {
            (
                format!("/api/v1/spotchecks/plans/{}/draw", w.spot.spare),
                Body::Json(json!({"protocol": 2})),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/spotchecks/plans/{id}/publish",
        request: |w, token, t| {
            // Publishing is once a plan: one drawn plan for each call that succeeds (the
            // county admin's device and its dashboard session, whose token names no device).
            let by = usize::from(token.is_some_and(|t| t.device.is_nil()));
            let plan = match t {
                Target::Own => w.spot.to_publish[by].0,
                Target::Other => w.spot.to_publish[by].1,
            };
            (
                format!("/api/v1/spotchecks/plans/{plan}/publish"),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::POST,
        path: "/api/v1/spotchecks/plans/{id}/assignments",
        request: |w, _, t| {
            // A village to screen may go to a pair more than once.
            let (pair, village) = match t {
                Target::Own => (w.spot.pairs.0, w.county.village_a),
                Target::Other => (w.spot.pairs.1, w.county.village_b),
            };
            let body = json!({"protocol": 2, "checkers": [pair.0, pair.1], "villages": [village]});
            (
                format!("/api/v1/spotchecks/plans/{}/assignments", w.spot.plan),
                Body::Json(body),
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/plans/{id}/results",
        request: |w, _, _| {
            (
                format!("/api/v1/spotchecks/plans/{}/results", w.spot.plan),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/plans/{id}/results.xlsx",
        request: |w, _, _| {
            (
                format!("/api/v1/spotchecks/plans/{}/results.xlsx", w.spot.plan),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/plans/{id}/estimates",
        request: |w, _, _| {
            (
                format!("/api/v1/spotchecks/plans/{}/estimates", w.spot.plan),
                Body::None,
            )
        },
        expect: admin,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/assignments",
        request: |_, _, _| ("/api/v1/spotchecks/assignments".into(), Body::None),
        expect: spot_reader,
    },
    Row {
        method: Method::GET,
        path: "/api/v1/spotchecks/checks/{id}/register",
        request: |w, _, t| {
            let check = match t {
                Target::Own => w.spot.checks.0,
                Target::Other => w.spot.checks.1,
            };
            (
                format!("/api/v1/spotchecks/checks/{check}/register"),
                Body::None,
            )
        },
        expect: spot_pair,
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
        request: |w, token, t| {
            // Sending back is once a verification: one for each admin caller (its device and
            // its dashboard session, whose token names no device).
            let by = usize::from(token.is_some_and(|t| t.device.is_nil()));
            let id = if t == Target::Own {
                w.verified[by].0
            } else {
                w.verified[by].1
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
    /// Devices for the county admin to mark lost (not the spare ones: a revoked device can
    /// no longer be told).
    lost_devices: (Uuid, Uuid),
    phases: Value,
    /// The county's policy as `GET /api/v1/policy` answers it (the body of a replacement).
    policy: Value,
    /// A finished export job of the county admin.
    export_job: Uuid,
    /// A problem of each village's household verified by its worker (to send back), for
    /// `[device, session]` of the county admin.
    verified: [(Uuid, Uuid); 2],
    /// A problem of each village's household still 待核实 (to close).
    pending: (Uuid, Uuid),
    spot: Spot,
}

/// The spot-checks of the matrix's county: a published plan that drew the household of each
/// village, one to each pair of supervisors (A's pair: the supervisor whose calls are
/// checked, `Own`; B's pair: `Other`), each pair's check of its household sealed.
struct Spot {
    plan: Uuid,
    /// A plan never published: edited and drawn again by the rows.
    spare: Uuid,
    /// Drawn plans, one for each publication the rows make: `[device, session]` of the
    /// county admin, each on `(Own, Other)`.
    to_publish: [(Uuid, Uuid); 2],
    pairs: ((Uuid, Uuid), (Uuid, Uuid)),
    checks: (Uuid, Uuid),
}

/// Every registered household not exited of every 未出列贫困村.
fn spot_spec() -> PlanSpec {
    PlanSpec {
        year: 2018,
        village_method: VillageDrawMethod::Simple,
        household_method: HouseholdDrawMethod::Simple,
        villages: vec![VillageQuota {
            village_type: VillageType::PoorNotExited,
            take: Take::All,
        }],
        strata: vec![StratumQuota {
            village_type: VillageType::PoorNotExited,
            household_type: HouseholdType::NotExited,
            size: Quota::All,
        }],
    }
}

impl Spot {
    /// The plans and checks; the villages' households and forms are pushed by `workers`
    /// (one device of each village's survey worker).
    async fn new(county: &County, workers: &[(Token, Uuid, Uuid)]) -> Spot {
        let admin = county.enroll("admin").await;
        for (worker, village, household) in workers {
            let v = At {
                record: *village,
                kind: "village",
                village: *village,
            };
            let answer = county
                .push(
                    worker,
                    vec![county.change(
                        worker,
                        &v,
                        "basic.attribute",
                        json!(VillageAttribute::Poor),
                        0,
                    )],
                )
                .await;
            assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
            // The household 未脱贫 as a register import writes it: a device setting the status
            // goes through the gate, which wants the identification procedure this matrix
            // has no need of.
            let conn = county.db();
            let doc: String = conn
                .query_row(
                    "SELECT doc FROM records WHERE id = ?1",
                    [household.to_string()],
                    |r| r.get(0),
                )
                .expect("the household");
            let before: Value = serde_json::from_str(&doc).expect("its form");
            let mut after = before.clone();
            after["basic"]["status"] = json!(ExitStatus::NotExited);
            let by = Author {
                user: Uuid::new_v4(),
                device: Uuid::new_v4(),
            };
            let now = county.clock.now_ms();
            Import::new(&conn, Uuid::new_v4(), by, "import", now)
                .update(RecordKind::Household, *household, *village, &before, &after)
                .expect("the household's status");
        }
        let mut plans = Vec::new();
        for title in ["甲", "乙", "丙", "丁", "戊", "己"] {
            let body = json!({"protocol": 2, "title": title, "spec": spot_spec()});
            let (status, view) = county
                .call(
                    "POST",
                    "/api/v1/spotchecks/plans",
                    Some(&admin.token),
                    Some(body),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
            let id: Uuid = view["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("plan id");
            plans.push(id);
        }
        let (main, spare) = (plans[0], plans[1]);
        let to_publish = [(plans[2], plans[3]), (plans[4], plans[5])];
        for p in [main, plans[2], plans[3], plans[4], plans[5]] {
            let (status, view) = county
                .call(
                    "POST",
                    &format!("/api/v1/spotchecks/plans/{p}/draw"),
                    Some(&admin.token),
                    Some(json!({"protocol": 2, "seed": "0000000000000001"})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
            assert_eq!(view["draw"]["households"].as_array().map(Vec::len), Some(2));
        }
        let (status, view) = county
            .call(
                "POST",
                &format!("/api/v1/spotchecks/plans/{main}/publish"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let (_, users) = county
            .call("GET", "/api/v1/admin/users", Some(&admin.token), None)
            .await;
        let id = |name: &str| -> Uuid {
            users["users"]
                .as_array()
                .expect("users")
                .iter()
                .find(|u| u["username"] == name)
                .and_then(|u| u["id"].as_str())
                .and_then(|s| s.parse().ok())
                .expect("user")
        };
        let pairs = (
            (id("super_a"), id("super_a2")),
            (id("super_b"), id("super_b2")),
        );
        let mut checks = Vec::new();
        for ((_, village, household), pair, checker) in [
            (&workers[0], pairs.0, "super_a"),
            (&workers[1], pairs.1, "super_b"),
        ] {
            let body =
                json!({"protocol": 2, "checkers": [pair.0, pair.1], "households": [household]});
            let (status, view) = county
                .call(
                    "POST",
                    &format!("/api/v1/spotchecks/plans/{main}/assignments"),
                    Some(&admin.token),
                    Some(body),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{view}");
            let device = county.enroll(checker).await;
            let c = At {
                record: Uuid::new_v4(),
                kind: "spot_check",
                village: *village,
            };
            let sealed = jiandang_domain::Timestamp::from_millis(county.clock.now_ms());
            let answer = county
                .push(
                    &device,
                    vec![
                        county.change(&device, &c, "plan_id", json!(main), 0),
                        county.change(&device, &c, "household_id", json!(household), 0),
                        county.change(&device, &c, "met_household", json!(true), 0),
                        county.change(&device, &c, "observed_at", json!(sealed), 0),
                    ],
                )
                .await;
            assert!(
                (0..4).all(|i| outcome(&answer, i)["status"] == "accepted"),
                "{answer}"
            );
            checks.push(c.record);
        }
        Spot {
            plan: main,
            spare,
            to_publish,
            pairs,
            checks: (checks[0], checks[1]),
        }
    }
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
        let mut workers = Vec::new();
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
            workers.push((one, village, household));
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
        let lost_devices = (
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
            for _ in 0..2 {
                let problem = raise().await;
                verified.push(verify(&county, &worker, &problem).await);
            }
            pending.push(problem_id(&raise().await));
        }
        let spot = Spot::new(&county, &workers).await;
        World {
            spot,
            // Per village, two verified: [A's first, A's second, B's first, B's second].
            verified: [(verified[0], verified[2]), (verified[1], verified[3])],
            pending: (pending[0], pending[1]),
            export_job,
            county,
            households: (households[0], households[1]),
            blobs: (blobs.remove(0), blobs.remove(0)),
            conflicts,
            users,
            spare_devices,
            lost_devices,
            phases,
            policy,
        }
    }

    /// The status a caller gets; for a push, a change refused for its village counts as
    /// the 403 it is.
    async fn status(&self, row: &Row, who: Who, token: Option<&Token>, target: Target) -> u16 {
        let (uri, body) = (row.request)(self, token, target);
        let mut headers = vec![("Jiandang-Protocol", "2")];
        // A session's cookie goes in the Cookie header, with the dashboard's header that every
        // request of its page carries; signing out ends a session made for it alone.
        // Signing in comes from the dashboard's page, which sends its header on every
        // request (without it, a sign-in is refused as cross-site: sessions.rs tests that).
        if row.path == "/api/v1/session" && row.method == Method::POST {
            headers.push(("Jiandang-Dashboard", "1"));
        }
        let cookie;
        let mut token = token;
        if let Who::Session(role) = who {
            cookie = if row.method == Method::DELETE && row.path == "/api/v1/session" {
                self.county.sign_in(session_user(role)).await
            } else {
                format!(
                    "{}={}",
                    jiandang_protocol::SESSION_COOKIE,
                    token.map_or("", |t| t.token.as_str())
                )
            };
            headers.push(("Cookie", cookie.as_str()));
            headers.push(("Jiandang-Dashboard", "1"));
            token = None;
        }
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
            match (token, headers.iter().find(|(k, _)| *k == "Cookie")) {
                (Some(token), _) => self.county.export_finished(token, id).await,
                (None, Some((_, cookie))) => {
                    for _ in 0..600 {
                        let (status, job) = self
                            .county
                            .session_call(
                                "GET",
                                &format!("/api/v1/exports/jobs/{id}"),
                                cookie,
                                None,
                            )
                            .await;
                        assert_eq!(status, StatusCode::OK, "{job}");
                        if job["state"] != "running" {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
                (None, None) => panic!("a job has an owner"),
            }
        }
        // The village's one conflict is resolved by the first caller allowed to; later ones
        // hear it is resolved already (409), which is checked after who they are.
        if row.path == "/api/v1/conflicts/{id}/resolve" && status == StatusCode::CONFLICT {
            return 200;
        }
        if row.path == "/api/v1/push" && status == StatusCode::OK {
            let answer: Value = serde_json::from_slice(&answer).expect("push answer");
            let code = &outcome(&answer, 0)["code"];
            if code == "forbidden_village" || code == "forbidden" {
                return 403;
            }
        }
        status.as_u16()
    }
}

/// The test county's user of `role` assigned village A (or the county admin).
fn session_user(role: Role) -> &'static str {
    support::USERS
        .iter()
        .find(|(_, r, v)| *r == role && (role == Role::CountyAdmin || v.contains('a')))
        .map(|(u, _, _)| *u)
        .unwrap_or_else(|| panic!("the test county has no {role:?} of village A"))
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
        callers.push((Who::Role(role), Some(c.enroll(session_user(role)).await)));
        if role.uses_dashboard() {
            let cookie = c.sign_in(session_user(role)).await;
            let secret = cookie.split_once('=').map(|(_, v)| v.to_owned());
            let token = Token {
                token: secret.expect("cookie value"),
                device: Uuid::nil(),
            };
            callers.push((Who::Session(role), Some(token)));
        }
    }

    let mut wrong = Vec::new();
    let mut checked = 0;
    for row in ROWS {
        for (who, token) in &callers {
            for target in [Target::Own, Target::Other] {
                let expected = (row.expect)(*who, target);
                let got = world.status(row, *who, token.as_ref(), target).await;
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
