//! Sign-in throttling (issue 11, item 7): wrong passwords for one user, one after another or
//! all at once, lock the name for a while (429 `too_many_attempts` with `Retry-After`), for
//! unknown names alike; the user still gets in from an address they signed in from before;
//! every lock ends by itself.

mod support;

use std::net::SocketAddr;

use axum::http::StatusCode;
use jiandang_server::throttle::{ADDRESS_FREE_FAILURES, FIRST_LOCK_MS, USER_FREE_FAILURES};
use serde_json::{Value, json};
use support::{County, PASSWORD};

const HOME: &str = "10.1.0.1:40000";
const AWAY: &str = "203.0.113.9:50000";

/// One enrolment from `from`: the status, the `Retry-After` seconds and the error code.
async fn sign_in(
    county: &County,
    user: &str,
    password: &str,
    from: &str,
) -> (StatusCode, Option<u64>, Value) {
    let body =
        json!({"protocol": 2, "username": user, "password": password, "device_name": "手机"});
    let (status, headers, bytes) = county
        .send(
            "POST",
            "/api/v1/enroll",
            None,
            &[
                ("Jiandang-Protocol", "2"),
                ("Content-Type", "application/json"),
            ],
            Some(serde_json::to_vec(&body).expect("json")),
            Some(from.parse::<SocketAddr>().expect("addr")),
        )
        .await;
    let retry = headers
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, retry, body["code"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_wrong_passwords_at_once_lock_the_name_but_not_the_user_at_home() {
    let county = County::new().await;
    // The user signed in from home once before.
    assert_eq!(
        sign_in(&county, "worker_a", PASSWORD, HOME).await.0,
        StatusCode::OK
    );

    let attempts = (0..20).map(|_| sign_in(&county, "worker_a", "wrong password", AWAY));
    let answers = futures_join_all(attempts).await;
    let wrong = answers
        .iter()
        .filter(|a| a.0 == StatusCode::UNAUTHORIZED)
        .count();
    let throttled: Vec<_> = answers
        .iter()
        .filter(|a| a.0 == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(
        (wrong, throttled.len()),
        (
            USER_FREE_FAILURES as usize,
            20 - USER_FREE_FAILURES as usize
        )
    );
    for (_, retry, code) in &throttled {
        assert_eq!(code, &json!("too_many_attempts"));
        assert!(
            retry.is_some_and(|s| s >= 1 && s <= (FIRST_LOCK_MS / 1000) as u64),
            "{retry:?}"
        );
    }
    // The right password from the attacker's side waits too; from home it works.
    assert_eq!(
        sign_in(&county, "worker_a", PASSWORD, AWAY).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&county, "worker_a", PASSWORD, HOME).await.0,
        StatusCode::OK
    );
    // The lock ends by itself.
    county.clock.advance(FIRST_LOCK_MS + 1);
    assert_eq!(
        sign_in(&county, "worker_a", PASSWORD, AWAY).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unknown_name_is_throttled_like_a_known_one() {
    let county = County::new().await;
    let mut answers = Vec::new();
    for user in ["worker_b", "nobody"] {
        let mut seen = Vec::new();
        for _ in 0..USER_FREE_FAILURES + 1 {
            let (status, _, code) = sign_in(&county, user, "wrong password", AWAY).await;
            seen.push((status, code));
        }
        answers.push(seen);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(
        answers[0].last().map(|a| a.0),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );
}

#[tokio::test]
async fn one_address_trying_many_names_is_locked() {
    let county = County::new().await;
    for i in 0..ADDRESS_FREE_FAILURES {
        let (status, _, _) = sign_in(&county, &format!("guess{i}"), "x", AWAY).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, retry, _) = sign_in(&county, "worker_a", PASSWORD, AWAY).await;
    assert_eq!(
        (status, retry.is_some()),
        (StatusCode::TOO_MANY_REQUESTS, true)
    );
    // Another address is not held up.
    assert_eq!(
        sign_in(&county, "worker_a", PASSWORD, HOME).await.0,
        StatusCode::OK
    );
}

/// Runs the futures at once (spawned on the runtime) and collects their answers in order.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future,
{
    // Borrowing the county, the futures cannot be spawned; poll them together instead.
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, f) in pending.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
