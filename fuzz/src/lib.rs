//! What the fuzz targets share: a county server behind its real router (a real SQLite file
//! in a temp dir, driven with `oneshot`, no socket), an enrolled survey worker, and JSON
//! values and field paths made from the fuzzer's bytes.
//!
//! The oracles are the server's promises: no input answers 500 (a bad request is a 4xx),
//! nothing a request leaves behind makes a later snapshot or pull fail, and a blob the
//! server serves hashes to its name.

use std::sync::{Arc, OnceLock};

use arbitrary::Unstructured;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use jiandang_domain::{Date, Timestamp};
use jiandang_protocol::Role;
use jiandang_server::admin::{insert_user, set_villages};
use jiandang_server::{AppState, SettableClock, router};
use serde_json::{Map, Value, json};
use tower::ServiceExt;
use uuid::Uuid;

pub const PASSWORD: &str = "fuzz password 2018";

/// The county every run of a target talks to (made once per process).
pub struct County {
    pub rt: tokio::runtime::Runtime,
    pub app: Router,
    pub token: String,
    pub device: Uuid,
    pub village_a: Uuid,
    pub village_b: Uuid,
    /// The server's clock, standing in 2018's entry phase.
    pub now_ms: i64,
    _dir: tempfile::TempDir,
}

/// The county, made on first use.
pub fn county() -> &'static County {
    static COUNTY: OnceLock<County> = OnceLock::new();
    COUNTY.get_or_init(County::new)
}

impl County {
    fn new() -> County {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let date = Date::new(2018, 11, 15).expect("date");
        let now_ms = Timestamp::beijing_midnight(date).millis() + 36_000_000;
        let clock = Arc::new(SettableClock::new(now_ms));
        let state = AppState::open(&dir.path().join("county.db"), clock).expect("server db");
        let (village_a, village_b) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
        let hash = jiandang_server::auth::hash_password(PASSWORD).expect("hash");
        rt.block_on(state.db.call(move |conn| {
            // A fuzzer runs thousands of pushes a second: durability is not what it tests.
            conn.pragma_update(None, "synchronous", "OFF")?;
            conn.execute("INSERT INTO towns (id, name) VALUES ('t', '城关镇')", [])?;
            for (id, name) in [(village_a, "甲村"), (village_b, "乙村")] {
                conn.execute(
                    "INSERT INTO villages (id, town_id, name) VALUES (?1, 't', ?2)",
                    [id.to_string(), name.to_owned()],
                )?;
            }
            for (name, village) in [("worker", village_a), ("other", village_b)] {
                let id = Uuid::new_v4();
                insert_user(conn, id, name, name, Role::SurveyWorker, &hash, 0)?;
                set_villages(conn, id, &[village])?;
            }
            Ok(())
        }))
        .expect("seed");
        let app = router(state);
        let mut county = County {
            rt,
            app,
            token: String::new(),
            device: Uuid::nil(),
            village_a,
            village_b,
            now_ms,
            _dir: dir,
        };
        let body = json!({"protocol": 2, "username": "worker", "password": PASSWORD, "device_name": "fuzz"});
        let (status, answer) = county.send(
            "POST",
            "/api/v1/enroll",
            "application/json",
            body.to_string().into_bytes(),
        );
        assert_eq!(status, StatusCode::OK, "enroll");
        let answer: Value = serde_json::from_slice(&answer).expect("enroll answer");
        county.token = answer["token"].as_str().expect("token").to_owned();
        county.device = answer["device_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("device");
        county
    }

    /// One request as the enrolled worker; the status and the body.
    pub fn send(
        &self,
        method: &str,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Jiandang-Protocol", "2")
            .header("Content-Type", content_type)
            .body(Body::from(body))
            .expect("request");
        self.rt.block_on(async {
            let response = self.app.clone().oneshot(req).await.expect("answer");
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes().to_vec())
                .unwrap_or_default();
            (status, bytes)
        })
    }

    /// The server still answers the reads every device depends on.
    pub fn check_readable(&self) {
        for uri in ["/api/v1/snapshot", "/api/v1/pull?after=0&limit=5000"] {
            let (status, body) = self.send("GET", uri, "application/json", Vec::new());
            assert_eq!(
                status,
                StatusCode::OK,
                "{uri}: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}

/// Fails the run on a 5xx: a request the server cannot handle is a 4xx, never a failure.
pub fn assert_not_failed(status: StatusCode, body: &[u8]) {
    assert!(
        !status.is_server_error(),
        "{status}: {}",
        String::from_utf8_lossy(body)
    );
}

/// A JSON value from the fuzzer's bytes, up to `depth` levels deep.
pub fn value(u: &mut Unstructured<'_>, depth: usize) -> arbitrary::Result<Value> {
    let pick = if depth == 0 {
        u.int_in_range(0..=5)?
    } else {
        u.int_in_range(0..=7)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => json!(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        4 => Value::String(u.arbitrary::<String>()?),
        5 => Value::String(
            ["illness", "1", "2018-11-15", "3600.00", "王𠮷"][u.choose_index(5)?].to_owned(),
        ),
        6 => {
            let n = u.int_in_range(0..=3)?;
            Value::Array(
                (0..n)
                    .map(|_| value(u, depth - 1))
                    .collect::<arbitrary::Result<_>>()?,
            )
        }
        _ => {
            let n = u.int_in_range(0..=3)?;
            let mut map = Map::new();
            for _ in 0..n {
                map.insert(segment(u)?, value(u, depth - 1)?);
            }
            Value::Object(map)
        }
    })
}

/// One key of a path: mostly the domain's, sometimes anything.
pub fn segment(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    const KEYS: [&str; 10] = [
        "basic",
        "income",
        "wage",
        "household_id",
        "subject_id",
        "member_id",
        "sha256",
        "pairings",
        "helper_id",
        "status",
    ];
    if u.ratio(3, 4)? {
        Ok(KEYS[u.choose_index(KEYS.len())?].to_owned())
    } else {
        u.arbitrary()
    }
}

/// A dot path of 1 to 12 segments.
pub fn path(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let n = u.int_in_range(1..=12)?;
    let parts: Vec<String> = (0..n)
        .map(|_| segment(u))
        .collect::<arbitrary::Result<_>>()?;
    Ok(parts.join("."))
}
