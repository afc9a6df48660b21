//! The county dashboard's sign-in and its own endpoints (issue 19), through the router over a
//! real SQLite file: the session cookie's attributes, CSRF refusals of a cross-site request,
//! sessions that end, field roles kept out, throttled sign-in, a town officer kept to its
//! towns, the migration that adds the role, and the progress, search, household file and map
//! of a small demo county checked against the domain's own summary and the stored records.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::http::StatusCode;
use jiandang_domain::{Date, Timestamp};
use jiandang_protocol::Role;
use jiandang_server::auth::SESSION_IDLE_MS;
use jiandang_server::demo::{DemoScale, add_year_events, generate};
use jiandang_server::session::SESSION_TTL_MS;
use jiandang_server::{AppState, SettableClock, db, router};
use serde_json::{Value, json};
use support::{County, PASSWORD, TOWN_A, TOWN_B};
use uuid::Uuid;

/// A sign-in as the dashboard's page sends it, with extra headers.
async fn sign_in_raw(
    c: &County,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let body = json!({"protocol": 2, "username": username, "password": password});
    let mut headers = vec![
        ("Jiandang-Protocol", "2"),
        ("Content-Type", "application/json"),
    ];
    headers.extend_from_slice(extra);
    let (status, h, bytes) = c
        .send(
            "POST",
            "/api/v1/session",
            None,
            &headers,
            Some(serde_json::to_vec(&body).expect("json")),
            None,
        )
        .await;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, h, value)
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_over_tls() {
    let c = County::new().await;
    let (status, headers, info) =
        sign_in_raw(&c, "admin", PASSWORD, &[("Jiandang-Dashboard", "1")]).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    let cookie = headers["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("jiandang_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    assert_eq!(info["user"]["role"], "county_admin");
    assert_eq!(info["sees_id_numbers"], true);
    assert_eq!(info["administers"], true);
    assert_eq!(info["villages"].as_array().map(Vec::len), Some(2));

    // Behind a TLS-ending proxy the cookie is Secure.
    let (_, headers, _) = sign_in_raw(
        &c,
        "admin",
        PASSWORD,
        &[("Jiandang-Dashboard", "1"), ("X-Forwarded-Proto", "https")],
    )
    .await;
    let cookie = headers["set-cookie"].to_str().expect("ascii");
    assert!(cookie.contains("Secure"), "{cookie}");

    // The cookie is a caller like a token: it reads the session and the admin endpoints.
    let session = c.sign_in("admin").await;
    let (status, me) = c
        .session_call("GET", "/api/v1/session", &session, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["username"], "admin");
    let (status, _) = c
        .session_call("GET", "/api/v1/admin/users", &session, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_survey_workers_or_work_team_members_password_does_not_open_the_dashboard() {
    let c = County::new().await;
    for user in ["worker_a", "team_a"] {
        let (status, headers, answer) =
            sign_in_raw(&c, user, PASSWORD, &[("Jiandang-Dashboard", "1")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{user}: {answer}");
        assert_eq!(answer["code"], "forbidden");
        assert!(headers.get("set-cookie").is_none(), "{user} got a cookie");
    }
    // The same passwords still enroll a phone.
    c.enroll("worker_a").await;
    // A wrong password is the device's answer, word for word.
    let (status, _, answer) = sign_in_raw(
        &c,
        "admin",
        "wrong password",
        &[("Jiandang-Dashboard", "1")],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["message"], "用户名或密码错误");
    // Supervisors and town officers sign in.
    c.sign_in("super_a").await;
    c.sign_in("officer_a").await;
}

#[tokio::test]
async fn a_cross_site_request_with_the_cookie_is_refused() {
    let c = County::new().await;
    let session = c.sign_in("admin").await;
    let reopen = format!("/api/v1/admin/villages/{}/reopen", c.village_a);
    let body = serde_json::to_vec(&json!({"protocol": 2, "until": "2018-12-05"})).expect("json");
    let post = |headers: Vec<(&'static str, String)>| {
        let body = body.clone();
        let reopen = reopen.clone();
        let c = &c;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.send("POST", &reopen, None, &headers, Some(body), None)
                .await
                .0
        }
    };
    let base = vec![
        ("Content-Type", "application/json".to_owned()),
        ("Cookie", session.clone()),
        ("Host", "county.example:8080".to_owned()),
    ];
    // What a form or fetch of another site sends: the cookie (were SameSite not there), no
    // dashboard header.
    let mut cross = base.clone();
    cross.push(("Origin", "https://evil.example".to_owned()));
    assert_eq!(post(cross).await, StatusCode::FORBIDDEN);
    // The header alone is not enough from another origin.
    let mut foreign = base.clone();
    foreign.push(("Origin", "https://evil.example".to_owned()));
    foreign.push(("Jiandang-Dashboard", "1".to_owned()));
    assert_eq!(post(foreign).await, StatusCode::FORBIDDEN);
    // The page itself: its header and its own origin.
    let mut own = base.clone();
    own.push(("Origin", "http://county.example:8080".to_owned()));
    own.push(("Jiandang-Dashboard", "1".to_owned()));
    assert_eq!(post(own).await, StatusCode::OK);
    // Nothing was changed by the refused ones: one reopening only.
    let n: i64 = c
        .db()
        .query_row("SELECT COUNT(*) FROM village_reopenings", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 1);
    // Signing out without the header is refused too, and the session lives on.
    let (status, _, _) = c
        .send(
            "DELETE",
            "/api/v1/session",
            None,
            &[("Cookie", session.as_str())],
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c
        .session_call("GET", "/api/v1/session", &session, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // A sign-in without the header is refused (a page of another site cannot sign a
    // browser in as someone).
    let (status, _, _) = sign_in_raw(&c, "admin", PASSWORD, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_end_when_idle_when_old_and_when_signed_out() {
    let c = County::new().await;
    let hour = 3_600_000;
    // Idle past the limit.
    let idle = c.sign_in("admin").await;
    c.clock.advance(SESSION_IDLE_MS + 1);
    let (status, answer) = c.session_call("GET", "/api/v1/session", &idle, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");

    // Busy, but past the session's life.
    let busy = c.sign_in("admin").await;
    let mut passed = 0;
    while passed < SESSION_TTL_MS {
        let (status, _) = c.session_call("GET", "/api/v1/session", &busy, None).await;
        assert_eq!(status, StatusCode::OK, "at {passed} ms");
        c.clock.advance(hour);
        passed += hour;
    }
    let (status, _) = c.session_call("GET", "/api/v1/session", &busy, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Signed out: the cookie is cleared and no longer opens anything.
    let out = c.sign_in("admin").await;
    let (status, headers, _) = c
        .send(
            "DELETE",
            "/api/v1/session",
            None,
            &[("Cookie", out.as_str()), ("Jiandang-Dashboard", "1")],
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let cleared = headers["set-cookie"].to_str().expect("ascii");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (status, _) = c
        .session_call("GET", "/api/v1/admin/users", &out, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn dashboard_sign_in_is_throttled_like_enrollment() {
    let c = County::new().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, headers, _) = sign_in_raw(
            &c,
            "admin",
            "wrong password",
            &[("Jiandang-Dashboard", "1")],
        )
        .await;
        statuses.push((status, headers.get("retry-after").is_some()));
    }
    assert_eq!(
        statuses[..5]
            .iter()
            .filter(|s| s.0 == StatusCode::UNAUTHORIZED)
            .count(),
        5
    );
    assert_eq!(statuses[5], (StatusCode::TOO_MANY_REQUESTS, true));
    // The lock holds for the right password too, and a device's enrollment shares it.
    let (status, _, _) = sign_in_raw(&c, "admin", PASSWORD, &[("Jiandang-Dashboard", "1")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_town_officer_sees_and_exports_its_towns_only_and_edits_nothing() {
    let c = County::new().await;
    let officer = c.sign_in("officer_a").await;
    let (status, me) = c
        .session_call("GET", "/api/v1/session", &officer, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["role"], "town_officer");
    assert_eq!(me["role_zh"], "乡镇扶贫干部");
    assert_eq!(me["sees_id_numbers"], false);
    assert_eq!(me["administers"], false);
    let villages: Vec<&Value> = me["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .collect();
    assert_eq!(villages.len(), 1);
    assert_eq!(villages[0]["id"], json!(c.village_a));
    assert_eq!(me["towns"], json!([{"id": TOWN_A, "name": "城关镇"}]));

    let town_export = |town: Uuid| format!("/api/v1/exports/households.csv?town={town}");
    let (status, _) = c
        .session_call("GET", &town_export(TOWN_A), &officer, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = c
        .session_call("GET", &town_export(TOWN_B), &officer, None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = c
        .session_call(
            "GET",
            &format!("/api/v1/dashboard/households?village={}", c.village_b),
            &officer,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Reopening a village and resolving conflicts are the county's.
    let (status, _) = c
        .session_call(
            "POST",
            &format!("/api/v1/admin/villages/{}/reopen", c.village_a),
            &officer,
            Some(json!({"protocol": 2, "until": "2018-12-05"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A town officer's phone, if it enrolls one, pushes nothing.
    let phone = c.enroll("officer_a").await;
    let h = support::At {
        record: Uuid::new_v4(),
        kind: "household",
        village: c.village_a,
    };
    let answer = c
        .push(
            &phone,
            vec![c.change(&phone, &h, "basic.year", json!(2018), 0)],
        )
        .await;
    assert_eq!(support::outcome(&answer, 0)["code"], "forbidden");

    // The county admin gives officer_a town B as well: B's villages follow at once.
    let admin = c.sign_in("admin").await;
    let (_, users) = c
        .session_call("GET", "/api/v1/admin/users", &admin, None)
        .await;
    let id = users["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["username"] == "officer_a")
        .map(|u| u["id"].clone())
        .expect("officer_a");
    assert_eq!(
        users["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == "officer_a")
            .expect("u")["towns"],
        json!([TOWN_A])
    );
    let (status, view) = c
        .session_call(
            "PUT",
            &format!("/api/v1/admin/users/{}", id.as_str().expect("id")),
            &admin,
            Some(json!({"protocol": 2, "towns": [TOWN_A, TOWN_B]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let (status, _) = c
        .session_call("GET", &town_export(TOWN_B), &officer, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_existing_database_gains_the_town_officer_role_and_keeps_its_users_and_devices() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
        // The schema as it stood before the dashboard (migrations 1 to 4).
        let tx = conn.transaction().expect("tx");
        for (_, sql) in &db::MIGRATIONS[..4] {
            tx.execute_batch(sql).expect("old migration");
        }
        tx.pragma_update(None, "user_version", 4).expect("version");
        tx.execute_batch(
            "INSERT INTO towns VALUES ('t1', '城关镇');
             INSERT INTO villages (id, town_id, name) VALUES ('v1', 't1', '甲村');
             INSERT INTO users VALUES ('u1', 'dcy01', '调查员', 'survey_worker', 'hash', 0, 1);
             INSERT INTO user_villages VALUES ('u1', 'v1');
             INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms, last_seen_ms)
                 VALUES ('d1', 'u1', '手机', 'tokenhash', 0, 2, 3);",
        )
        .expect("old rows");
        tx.commit().expect("commit");
    }
    let conn = db::open(&path).expect("migrates");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, db::MIGRATIONS.len() as i64);
    let device: (String, String, i64, Option<i64>) = conn
        .query_row(
            "SELECT user_id, token_hash, enrolled_ms, last_seen_ms FROM devices WHERE id = 'd1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("the device is kept");
    assert_eq!(device, ("u1".into(), "tokenhash".into(), 2, Some(3)));
    let assigned: String = conn
        .query_row(
            "SELECT village_id FROM user_villages WHERE user_id = 'u1'",
            [],
            |r| r.get(0),
        )
        .expect("the assignment is kept");
    assert_eq!(assigned, "v1");
    conn.execute(
        "INSERT INTO users VALUES ('u2', 'xz01', '乡镇', 'town_officer', 'hash', 0, 1)",
        [],
    )
    .expect("the new role is allowed");
    assert!(
        conn.execute(
            "INSERT INTO users VALUES ('u3', 'x', 'x', 'mayor', 'h', 0, 1)",
            []
        )
        .is_err(),
        "other roles are still refused"
    );
    let broken: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("fk check");
    assert_eq!(broken, 0);
    assert!(
        conn.execute("INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms) VALUES ('d2', 'nobody', 'x', 'h2', 0, 1)", [])
            .is_err(),
        "devices still refer to users"
    );
}

/// A small demo county (baseline and this year's events) behind the router, with its
/// users' passwords.
struct Demo {
    _dir: tempfile::TempDir,
    app: axum::Router,
    passwords: Vec<(String, Role, String)>,
    path: std::path::PathBuf,
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).expect("date")
}

async fn demo() -> Demo {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("county.db");
    let now = Timestamp::beijing_midnight(date(2018, 11, 20)).millis() + 10 * 3_600_000;
    let mut conn = db::open(&path).expect("open");
    let scale = DemoScale {
        towns: 2,
        villages_per_town: 2,
        first_village_households: 40,
        village_households: 25,
    };
    let report = generate(&mut conn, 5, scale, date(2018, 11, 14), now).expect("demo");
    add_year_events(&mut conn, 5, now).expect("year events");
    drop(conn);
    let clock = Arc::new(SettableClock::new(now + 3_600_000));
    Demo {
        _dir: dir,
        app: router(AppState::open(&path, clock).expect("state")),
        passwords: report
            .users
            .iter()
            .map(|u| (u.username.clone(), u.role, u.password.clone()))
            .collect(),
        path,
    }
}

impl Demo {
    async fn request(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, axum::http::HeaderMap) {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("Jiandang-Dashboard", "1");
        if let Some(cookie) = cookie {
            req = req.header("Cookie", cookie);
        }
        let req = match body {
            Some(b) => req
                .header("Content-Type", "application/json")
                .body(axum::body::Body::from(
                    serde_json::to_vec(&b).expect("json"),
                )),
            None => req.body(axum::body::Body::empty()),
        }
        .expect("request");
        let response = self.app.clone().oneshot(req).await.expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    async fn sign_in(&self, role: Role) -> String {
        let (user, _, password) = self
            .passwords
            .iter()
            .find(|(_, r, _)| *r == role)
            .expect("a user of the role");
        let (status, answer, headers) = self
            .request(
                "POST",
                "/api/v1/session",
                None,
                Some(json!({"protocol": 2, "username": user, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        headers["set-cookie"]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("cookie")
            .to_owned()
    }

    async fn get(&self, uri: &str, cookie: &str) -> Value {
        let (status, answer, _) = self.request("GET", uri, Some(cookie), None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {answer}");
        answer
    }
}

fn total(progress: &Value, field: &str) -> u64 {
    progress["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .map(|v| v[field].as_u64().expect("count"))
        .sum()
}

#[tokio::test]
async fn progress_counts_what_the_years_summary_counts_and_each_town_sees_its_own() {
    let d = demo().await;
    let admin = d.sign_in(Role::CountyAdmin).await;
    let progress = d.get("/api/v1/dashboard/progress", &admin).await;
    assert_eq!(progress["year"], 2018);
    assert_eq!(progress["phase"]["name"], "entry");
    assert_eq!(progress["villages"].as_array().map(Vec::len), Some(4));

    // The summary report of the same county, as the exporter makes it: its headline figures
    // (工作总结, docs/exports.md) are the progress screen's totals.
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::get("/api/v1/exports/summary.html")
        .header("Cookie", &admin)
        .body(axum::body::Body::empty())
        .expect("request");
    let response = d.app.clone().oneshot(req).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf-8");
    let exited = total(&progress, "exits_done");
    let new = total(&progress, "new_identified");
    let returned = total(&progress, "returned");
    assert!(
        exited > 0 && new > 0,
        "the demo year has exits and new households"
    );
    let increases = total(&progress, "member_increases");
    let decreases = total(&progress, "member_decreases");
    for expected in [
        format!("共有 {exited} 户"),
        format!("新识别贫困户 {new} 户"),
        format!("返贫 {returned} 户"),
        format!("自然增加 {increases} 人、自然减少 {decreases} 人"),
    ] {
        assert!(html.contains(&expected), "the summary says {expected}");
    }
    // Households: the household records of the county, less candidates.
    let conn = rusqlite::Connection::open(&d.path).expect("open");
    let stored: u64 = conn
        .query_row(
            "SELECT COUNT(*) FROM records WHERE kind = 'household'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(total(&progress, "households") <= stored);
    assert!(total(&progress, "households") + 10 >= stored);
    assert!(!progress["days"].as_array().expect("days").is_empty());

    // A town officer sees its town's two villages, with the same figures as the admin.
    let officer = d.sign_in(Role::TownOfficer).await;
    let mine = d.get("/api/v1/dashboard/progress", &officer).await;
    let rows = mine["villages"].as_array().expect("villages");
    assert_eq!(rows.len(), 2);
    for row in rows {
        let same = progress["villages"]
            .as_array()
            .expect("villages")
            .iter()
            .find(|v| v["village_id"] == row["village_id"])
            .expect("the admin sees it too");
        assert_eq!(same, row);
    }
}

#[tokio::test]
async fn the_household_search_finds_by_name_and_masks_id_numbers_for_a_town_officer() {
    let d = demo().await;
    let admin = d.sign_in(Role::CountyAdmin).await;
    let all = d
        .get("/api/v1/dashboard/households?limit=500", &admin)
        .await;
    let rows = all["rows"].as_array().expect("rows");
    assert_eq!(all["total"].as_u64(), Some(rows.len() as u64));
    let some = rows
        .iter()
        .find(|r| r["head_name"].is_string() && r["head_id_number"].is_string())
        .expect("a household with a head");
    let name = some["head_name"].as_str().expect("name");
    let id_number = some["head_id_number"].as_str().expect("id");
    assert!(!id_number.contains('*'), "the county admin sees it whole");

    let found = d
        .get(
            &format!("/api/v1/dashboard/households?q={}", urlencode(name)),
            &admin,
        )
        .await;
    assert!(
        found["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["id"] == some["id"]),
        "found by the head's name"
    );
    let by_id = d
        .get(
            &format!("/api/v1/dashboard/households?q={id_number}"),
            &admin,
        )
        .await;
    assert_eq!(by_id["rows"][0]["id"], some["id"]);
    let exited = d
        .get(
            "/api/v1/dashboard/households?state=exited&limit=500",
            &admin,
        )
        .await;
    assert!(exited["total"].as_u64().expect("n") > 0);
    assert!(
        exited["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["state_zh"] == "已脱贫")
    );

    // The household's file: its records, the household first, with findings.
    let id = some["id"].as_str().expect("id");
    let file = d
        .get(&format!("/api/v1/dashboard/households/{id}"), &admin)
        .await;
    let records = file["records"].as_array().expect("records");
    assert_eq!(records[0]["kind"], "household");
    assert!(records.iter().any(|r| r["kind"] == "member"));
    assert!(records.iter().any(|r| r["kind"] == "gps_fix"));
    assert!(
        records
            .iter()
            .any(|r| r["fields"]["id_number"] == json!(id_number))
    );

    // A town officer of the household's town: the number masked, found only by the whole
    // number, never by a piece of it.
    let village = some["village_id"].as_str().expect("village");
    let officer_user = d.sign_in(Role::TownOfficer).await;
    let me = d.get("/api/v1/session", &officer_user).await;
    if me["villages"]
        .as_array()
        .expect("v")
        .iter()
        .any(|v| v["id"] == village)
    {
        let masked = d
            .get(
                &format!("/api/v1/dashboard/households?q={id_number}"),
                &officer_user,
            )
            .await;
        let shown = masked["rows"][0]["head_id_number"]
            .as_str()
            .expect("masked");
        assert_eq!(shown.len(), id_number.len());
        assert!(shown.contains("********"), "{shown}");
        assert_eq!(&shown[..6], &id_number[..6]);
        let piece = &id_number[6..14];
        let none = d
            .get(
                &format!("/api/v1/dashboard/households?q={piece}"),
                &officer_user,
            )
            .await;
        assert_eq!(none["total"], 0);
        let file = d
            .get(&format!("/api/v1/dashboard/households/{id}"), &officer_user)
            .await;
        assert!(
            !file.to_string().contains(id_number),
            "the file holds the number masked"
        );
        // The member's history too: who changed what, the ID number masked (A1).
        let member = file["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["kind"] == "member" && r["fields"]["id_number"].is_string())
            .expect("a member with an ID number");
        let history = d
            .get(
                &format!(
                    "/api/v1/records/{}/history",
                    member["id"].as_str().expect("id")
                ),
                &officer_user,
            )
            .await;
        let entries = history["entries"].as_array().expect("entries");
        let id_change = entries
            .iter()
            .find(|e| e["field"] == "id_number")
            .expect("the ID number's change");
        assert!(
            id_change["new"].as_str().expect("new").contains("********"),
            "{id_change}"
        );
        assert!(!history.to_string().contains(id_number), "{history}");
        let admin_history = d
            .get(
                &format!(
                    "/api/v1/records/{}/history",
                    member["id"].as_str().expect("id")
                ),
                &admin,
            )
            .await;
        assert!(
            admin_history["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .any(|e| e["field"] == "id_number" && !e["new"].to_string().contains('*')),
            "the county admin sees the history whole"
        );
    } else {
        let (status, _, _) = d
            .request(
                "GET",
                &format!("/api/v1/dashboard/households/{id}"),
                Some(&officer_user),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_map_has_a_point_per_household_near_its_village() {
    let d = demo().await;
    let admin = d.sign_in(Role::CountyAdmin).await;
    let me = d.get("/api/v1/session", &admin).await;
    let village = me["villages"][1]["id"]
        .as_str()
        .expect("village")
        .to_owned();
    let points = d
        .get(&format!("/api/v1/dashboard/map?village={village}"), &admin)
        .await;
    let page = d
        .get(
            &format!("/api/v1/dashboard/households?village={village}&limit=500"),
            &admin,
        )
        .await;
    let points = points["points"].as_array().expect("points");
    // One point per household with a fix: every household of the baseline has one; a
    // household newly identified this year may have none yet.
    let households: Vec<&Value> = page["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert!(
        points
            .iter()
            .all(|p| households.contains(&&p["household_id"]))
    );
    let mut ids: Vec<&Value> = points.iter().map(|p| &p["household_id"]).collect();
    ids.dedup();
    assert_eq!(ids.len(), points.len(), "one point per household");
    assert!(
        points.len() + 3 >= households.len(),
        "{} of {}",
        points.len(),
        households.len()
    );
    // The demo puts every household within ~1 km of its village's centre.
    assert!(
        points
            .iter()
            .all(|p| p["far"] == false && p["distance_m"].as_f64().expect("m") < 2_000.0)
    );
    assert!(points.iter().all(|p| p["village_id"] == json!(village)));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The 问题清单 screen's answer (issue 18's dashboard item, EVALUATION §6): the county's
/// problems counted by village and by check as the list holds them, the county admin offered
/// the moves the domain's actions take (and only it), a town officer its towns' problems;
/// the check filter's names are the catalogue's, the problems' own.
#[tokio::test]
async fn the_problem_list_counts_by_village_and_check_and_offers_the_county_its_moves() {
    let d = demo().await;
    let admin = d.sign_in(Role::CountyAdmin).await;
    let (status, run, _) = d
        .request("POST", "/api/v1/admin/checks/run", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{run}");
    let list = d.get("/api/v1/problems", &admin).await;
    let problems = list["problems"].as_array().expect("problems");
    assert!(!problems.is_empty(), "the demo county has faults");
    let mut by_village: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_check: BTreeMap<String, u64> = BTreeMap::new();
    for p in problems {
        *by_village
            .entry(p["village_id"].as_str().expect("village").to_owned())
            .or_default() += 1;
        *by_check
            .entry(p["check"].as_str().expect("check").to_owned())
            .or_default() += 1;
    }
    let counts = |v: &Value| -> BTreeMap<String, u64> {
        v.as_object()
            .expect("counts")
            .iter()
            .map(|(k, n)| (k.clone(), n.as_u64().expect("count")))
            .collect()
    };
    assert_eq!(counts(&list["by_village"]), by_village);
    assert_eq!(counts(&list["by_check"]), by_check);
    assert_eq!(list["total"].as_u64(), Some(problems.len() as u64));
    // A page: the same order, the counts of every match, the moves of the page's problems.
    let page = d.get("/api/v1/problems?offset=1&limit=2", &admin).await;
    assert_eq!(
        page["problems"].as_array().map(Vec::as_slice),
        Some(&problems[1..3])
    );
    assert_eq!(page["total"], list["total"]);
    assert_eq!(page["by_check"], list["by_check"]);
    assert_eq!(page["moves"].as_object().map(|m| m.len()), Some(2));

    // Every open problem has its moves: 待核实 may be withdrawn (with a note), not sent back.
    let session = d.get("/api/v1/session", &admin).await;
    for p in problems {
        let moves = &list["moves"][p["id"].as_str().expect("id")];
        assert_eq!(moves["send_back"], false, "{p}");
        assert_eq!(moves["close"], json!(["withdrawn"]), "{p}");
        // The filter names each check as the problem itself does.
        let label = session["labels"]["problem_checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["code"] == p["check"])
            .unwrap_or_else(|| panic!("{} is in the catalogue", p["check"]));
        assert_eq!(label["title"], p["title"]);
    }

    // Closing one through a session: it leaves the open moves and counts as 已销号.
    let first = problems[0]["id"].as_str().expect("id");
    let (status, closed, _) = d
        .request(
            "POST",
            &format!("/api/v1/problems/{first}/close"),
            Some(&admin),
            Some(json!({"protocol": 2, "kind": "withdrawn", "note": "县里已核实"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    let after = d.get("/api/v1/problems", &admin).await;
    assert_eq!(after["by_state"]["closed"], 1);
    assert!(after["moves"].get(first).is_none());

    // A town officer: its towns' villages only, by the town filter too, and no moves.
    let officer = d.sign_in(Role::TownOfficer).await;
    let me = d.get("/api/v1/session", &officer).await;
    let mine: BTreeSet<&str> = me["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    let seen = d.get("/api/v1/problems", &officer).await;
    let seen_problems = seen["problems"].as_array().expect("problems");
    assert!(!seen_problems.is_empty());
    assert!(
        seen_problems
            .iter()
            .all(|p| mine.contains(p["village_id"].as_str().expect("village")))
    );
    assert_eq!(seen["moves"], json!({}));
    let town = me["towns"][0]["id"].as_str().expect("town");
    let by_town = d
        .get(&format!("/api/v1/problems?town={town}"), &officer)
        .await;
    assert_eq!(by_town["problems"], seen["problems"]);
    let other = session["towns"]
        .as_array()
        .expect("towns")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .find(|t| *t != town)
        .expect("a second town");
    let none = d
        .get(&format!("/api/v1/problems?town={other}"), &officer)
        .await;
    assert_eq!(none["problems"], json!([]));
    let (status, _, _) = d
        .request(
            "POST",
            &format!(
                "/api/v1/problems/{}/close",
                seen_problems[0]["id"].as_str().expect("id")
            ),
            Some(&officer),
            Some(json!({"protocol": 2, "kind": "withdrawn", "note": "乡镇不能销号"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// What a session opens (issue 19): the register's screens for the county admin and a town
/// officer, the spot-check worklist for a supervisor; the spot-check names are the domain's,
/// and every plan preset named creates a plan.
#[tokio::test]
async fn the_session_says_which_screens_open_and_names_the_spot_checks() {
    let d = demo().await;
    let admin = d.sign_in(Role::CountyAdmin).await;
    let me = d.get("/api/v1/session", &admin).await;
    assert_eq!(
        (&me["sees_register"], &me["checks_spots"]),
        (&json!(true), &json!(false))
    );
    let officer = d
        .get("/api/v1/session", &d.sign_in(Role::TownOfficer).await)
        .await;
    assert_eq!(
        (&officer["sees_register"], &officer["checks_spots"]),
        (&json!(true), &json!(false))
    );
    let checker = d
        .get("/api/v1/session", &d.sign_in(Role::Supervisor).await)
        .await;
    assert_eq!(
        (&checker["sees_register"], &checker["checks_spots"]),
        (&json!(false), &json!(true))
    );

    let names = |key: &str| -> Vec<(String, String)> {
        me["labels"][key]
            .as_array()
            .unwrap_or_else(|| panic!("{key}"))
            .iter()
            .map(|l| {
                (
                    l["code"].as_str().expect("code").to_owned(),
                    l["zh"].as_str().expect("zh").to_owned(),
                )
            })
            .collect()
    };
    let states = names("plan_states");
    assert_eq!(
        states,
        [
            ("draft", "草稿"),
            ("drawn", "已抽样"),
            ("published", "已发布")
        ]
        .map(|(c, z)| (c.to_owned(), z.to_owned()))
    );
    assert_eq!(names("indicators").len(), 3);
    assert!(
        names("verdicts")
            .iter()
            .any(|(c, z)| c == "uncertain" && z.contains("增加样本"))
    );
    assert_eq!(
        names("interval_methods")
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["wilson", "clopper_pearson"]
    );
    assert_eq!(
        names("check_states")
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["unassigned", "assigned", "observing", "sealed", "not_met"]
    );
    let presets = names("plan_presets");
    assert_eq!(presets.len(), 2);
    for (code, zh) in presets {
        let (status, plan, _) = d
            .request(
                "POST",
                "/api/v1/spotchecks/plans",
                Some(&admin),
                Some(json!({"protocol": 2, "title": zh, "preset": {"kind": code, "year": 2018, "villages": 1}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{code}: {plan}");
        assert_eq!(plan["state"], "draft");
    }
}
