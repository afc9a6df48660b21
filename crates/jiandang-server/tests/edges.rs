//! The edges a probe from outside found (issue 11, item 9), and their class: every offset,
//! sequence number or id a request names is checked (400, never 500 or a wrap); a body says
//! its content type (415); a stamp is the sending device's own, and not from the future.

mod support;

use axum::http::StatusCode;
use jiandang_protocol::Hlc;
use serde_json::{Value, json};
use support::{At, County, outcome};
use uuid::Uuid;

const MAX: u64 = u64::MAX;
const PAST_I64: u64 = i64::MAX as u64 + 1;

fn log_rows(county: &County) -> i64 {
    county
        .db()
        .query_row("SELECT COUNT(*) FROM change_log", [], |r| r.get(0))
        .expect("count")
}

#[tokio::test]
async fn numbers_past_what_the_server_holds_are_bad_requests() {
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let admin = county.enroll("admin").await;
    let at = At {
        record: Uuid::new_v4(),
        kind: "household",
        village: county.village_a,
    };
    for after in [MAX, PAST_I64] {
        let uri = format!("/api/v1/pull?after={after}");
        let (status, body) = county.call("GET", &uri, Some(&worker.token), None).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("bad_request")),
            "{uri}"
        );
    }
    let uri = format!("/api/v1/pull?after={}", i64::MAX);
    assert_eq!(
        county.call("GET", &uri, Some(&worker.token), None).await.0,
        StatusCode::OK
    );

    for base in [MAX, PAST_I64] {
        let c = county.change(&worker, &at, "basic.year", json!(2018), base);
        let (status, body) = county.push_raw(&worker, vec![c]).await;
        assert_eq!(
            (status, body["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("bad_request")),
            "{base}"
        );
    }
    // A base past the county's last seq is no base any device saw: that change is refused.
    let c = county.change(&worker, &at, "basic.year", json!(2018), 1_000);
    let answer = county.push(&worker, vec![c]).await;
    assert_eq!(outcome(&answer, 0)["code"], "bad_request", "{answer}");

    let uri = format!("/api/v1/conflicts/{MAX}/resolve");
    let (status, _) = county
        .call(
            "POST",
            &uri,
            Some(&admin.token),
            Some(json!({"protocol": 2, "value": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let uri = format!("/api/v1/conflicts/{PAST_I64}/resolve");
    let (status, _) = county
        .call(
            "POST",
            &uri,
            Some(&admin.token),
            Some(json!({"protocol": 2, "value": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A blob offset near 2^64 (it wrapped, or panicked in a debug build).
    let sha = "ab".repeat(32);
    for (offset, total, expected) in [
        (MAX, 3, StatusCode::BAD_REQUEST),
        (MAX - 1, MAX, StatusCode::PAYLOAD_TOO_LARGE),
        (4, 3, StatusCode::BAD_REQUEST),
    ] {
        let uri = format!("/api/v1/blobs/{sha}?offset={offset}&total={total}");
        let (status, _, _) = county
            .send(
                "PUT",
                &uri,
                Some(&worker.token),
                &[("Content-Type", "application/octet-stream")],
                Some(b"abc".to_vec()),
                None,
            )
            .await;
        assert_eq!(status, expected, "{uri}");
    }
    assert_eq!(log_rows(&county), 0);
}

#[tokio::test]
async fn a_body_must_say_its_content_type() {
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let set = json!({"protocol": 2, "change_set_id": Uuid::new_v4(), "device_id": worker.device, "changes": []});
    let bytes = serde_json::to_vec(&set).expect("json");
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut headers = vec![("Jiandang-Protocol", "2")];
        if let Some(t) = content_type {
            headers.push(("Content-Type", t));
        }
        let (status, _, body) = county
            .send(
                "POST",
                "/api/v1/push",
                Some(&worker.token),
                &headers,
                Some(bytes.clone()),
                None,
            )
            .await;
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            (status, body["code"].clone()),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!("unsupported_media_type")
            ),
            "{content_type:?}"
        );
    }
    let headers = [
        ("Jiandang-Protocol", "2"),
        ("Content-Type", "application/json; charset=utf-8"),
    ];
    let (status, _, _) = county
        .send(
            "POST",
            "/api/v1/push",
            Some(&worker.token),
            &headers,
            Some(bytes),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let sha = "ab".repeat(32);
    let (status, _, _) = county
        .send(
            "PUT",
            &format!("/api/v1/blobs/{sha}?offset=0&total=3"),
            Some(&worker.token),
            &[("Content-Type", "application/json")],
            Some(b"abc".to_vec()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_stamp_must_be_the_devices_own_and_not_from_the_future() {
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let other = county.enroll("worker_a").await;
    let at = At {
        record: Uuid::new_v4(),
        kind: "household",
        village: county.village_a,
    };
    let stamped = |node: &str, wall_ms: i64| {
        let mut c = county.change(&worker, &at, "basic.year", json!(2018), 0);
        c["hlc"] = json!(Hlc {
            wall_ms,
            counter: 0,
            node: node.to_owned()
        });
        c
    };
    let now = support::entry_phase_ms();
    let cases = [
        (
            "another device's node",
            stamped(&other.device.to_string(), now),
            400,
            "bad_request",
        ),
        (
            "the server's node",
            stamped("server", now),
            400,
            "bad_request",
        ),
        (
            "three days ahead",
            stamped(&worker.device.to_string(), now + 3 * 86_400_000),
            422,
            "clock_skew",
        ),
        (
            "the year 33658",
            stamped(&worker.device.to_string(), 999_999_999_999_999),
            422,
            "clock_skew",
        ),
    ];
    for (name, change, status, code) in cases {
        let (got, body) = county.push_raw(&worker, vec![change]).await;
        assert_eq!(
            (got.as_u16(), body["code"].clone()),
            (status, json!(code)),
            "{name}: {body}"
        );
    }
    assert_eq!(log_rows(&county), 0, "nothing of a refused set is applied");
    // Within the tolerance, and behind, stamps are taken.
    for (wall, field) in [
        (now + 4 * 60_000, "basic.year"),
        (now - 86_400_000, "basic.phone"),
    ] {
        let mut c = stamped(&worker.device.to_string(), wall);
        c["field"] = json!(field);
        let answer = county.push(&worker, vec![c]).await;
        assert_eq!(outcome(&answer, 0)["status"], "accepted");
    }
}

#[tokio::test]
async fn every_answer_carries_the_servers_clock() {
    let county = County::new().await;
    for (method, uri) in [
        ("GET", "/api/v1/health"),
        ("GET", "/api/v1/snapshot"),
        ("GET", "/nowhere"),
    ] {
        let (_, headers, _) = county.send(method, uri, None, &[], None, None).await;
        assert_eq!(
            headers
                .get("Jiandang-Server-Time")
                .and_then(|v| v.to_str().ok()),
            Some(support::entry_phase_ms().to_string().as_str()),
            "{uri}"
        );
    }
}
