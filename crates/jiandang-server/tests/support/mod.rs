//! A county for the server's tests through its router (`oneshot`, no socket): a real SQLite
//! file in a temp dir, a settable clock in 2018's entry phase, two villages and a user of
//! every role. Shared by the limits, authorization and hardening tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use jiandang_domain::{Date, Timestamp};
use jiandang_protocol::{Hlc, Role};
use jiandang_server::admin::{insert_user, set_villages};
use jiandang_server::auth::hash_password;
use jiandang_server::{AppState, Clock, SettableClock, router};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

/// The users: (user name, role, villages: 'a', 'b').
pub const USERS: &[(&str, Role, &str)] = &[
    ("admin", Role::CountyAdmin, ""),
    ("worker_a", Role::SurveyWorker, "a"),
    ("team_a", Role::WorkTeamMember, "a"),
    ("super_a", Role::Supervisor, "a"),
    ("worker_b", Role::SurveyWorker, "b"),
    // Two pairs of checkers for the spot-checks (a supervisor's villages give it nothing of
    // the register: its assignments do).
    ("super_a2", Role::Supervisor, "a"),
    ("super_b", Role::Supervisor, "b"),
    ("super_b2", Role::Supervisor, "b"),
];

pub struct County {
    pub dir: TempDir,
    pub path: std::path::PathBuf,
    pub app: Router,
    pub clock: Arc<SettableClock>,
    pub village_a: Uuid,
    pub village_b: Uuid,
}

/// A record a change is about.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub record: Uuid,
    pub kind: &'a str,
    pub village: Uuid,
}

/// An enrolled device.
#[derive(Debug, Clone)]
pub struct Token {
    pub token: String,
    pub device: Uuid,
}

/// 10:00 Beijing on 2018-11-15 (the entry phase).
pub fn entry_phase_ms() -> i64 {
    Timestamp::beijing_midnight(Date::new(2018, 11, 15).expect("date")).millis() + 36_000_000
}

impl County {
    pub async fn new() -> County {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("server.db");
        let clock = Arc::new(SettableClock::new(entry_phase_ms()));
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
                for (name, role, villages) in USERS {
                    let villages: Vec<Uuid> = villages
                        .chars()
                        .map(|c| if c == 'a' { village_a } else { village_b })
                        .collect();
                    let id = Uuid::new_v4();
                    insert_user(conn, id, name, name, *role, &hash, 0)?;
                    set_villages(conn, id, &villages)?;
                }
                Ok(())
            })
            .await
            .expect("seed");
        County {
            dir,
            path,
            app: router(state),
            clock,
            village_a,
            village_b,
        }
    }

    pub async fn enroll(&self, username: &str) -> Token {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/enroll",
                None,
                Some(json!({"protocol": 2, "username": username, "password": PASSWORD, "device_name": "测试机"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "enroll {username}: {body}");
        Token {
            token: body["token"].as_str().expect("token").to_owned(),
            device: body["device_id"]
                .as_str()
                .expect("device")
                .parse()
                .expect("uuid"),
        }
    }

    /// A JSON request with the protocol header; the status and the JSON answer (null if
    /// none).
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let bytes = body.map(|b| serde_json::to_vec(&b).expect("json"));
        let mut headers = vec![("Jiandang-Protocol", "2")];
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let (status, _, bytes) = self.send(method, uri, token, &headers, bytes, None).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(format!("{} bytes", bytes.len())))
        };
        (status, value)
    }

    /// Waits until the caller's export job has finished (done or failed).
    pub async fn export_finished(&self, owner: &Token, job: Uuid) {
        for _ in 0..600 {
            let (status, answer) = self
                .call(
                    "GET",
                    &format!("/api/v1/exports/jobs/{job}"),
                    Some(&owner.token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{answer}");
            if answer["state"] != "running" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the export job did not finish in 30 s");
    }

    /// Any request; `from` is the peer address the server sees (as `axum::serve` with
    /// connect info gives it).
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
        from: Option<SocketAddr>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        if let Some(addr) = from {
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        let response = self.app.clone().oneshot(req).await.expect("response");
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

    /// Pushes one set; the answer (asserting 200).
    pub async fn push(&self, who: &Token, changes: Vec<Value>) -> Value {
        let (status, body) = self.push_raw(who, changes).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn push_raw(&self, who: &Token, changes: Vec<Value>) -> (StatusCode, Value) {
        let set = json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": who.device, "changes": changes});
        self.call("POST", "/api/v1/push", Some(&who.token), Some(set))
            .await
    }

    /// A change of the record `at` as the device `who` would make it now.
    /// Each change gets a later stamp than the one before (a device's clock ticks its counter
    /// within one millisecond), so two changes of one path in one set are ordered as sent.
    pub fn change(
        &self,
        who: &Token,
        at: &At<'_>,
        field: &str,
        new: Value,
        base_seq: u64,
    ) -> Value {
        json!({
            "change_id": Uuid::new_v4(),
            "record_id": at.record,
            "kind": at.kind,
            "village_id": at.village,
            "field": field,
            "old": null,
            "new": new,
            "base_seq": base_seq,
            "hlc": Hlc {
                wall_ms: self.clock.now_ms(),
                counter: STAMPS.fetch_add(1, Ordering::Relaxed),
                node: who.device.to_string(),
            },
        })
    }

    /// Reads the server's file directly.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open")
    }
}

/// The counter of the next stamp `County::change` makes.
static STAMPS: AtomicU32 = AtomicU32::new(0);

/// The outcome of change `i` of a push answer.
pub fn outcome(answer: &Value, i: usize) -> &Value {
    &answer["results"][i]["outcome"]
}
