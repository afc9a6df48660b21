//! End to end: the real county server and several device replicas, each test named for what
//! a user would check.

use jiandang_domain::photo::PhotoKind;
use jiandang_domain::{Date, RecordKind};
use jiandang_e2e::*;
use jiandang_protocol::{
    ChangeSet, EnrollRequest, EnrollResponse, Outcome, PROTOCOL_HEADER, PROTOCOL_VERSION,
    PushResponse,
};
use jiandang_replica::Replica;
use serde_json::json;
use uuid::Uuid;

/// Waits (bounded) for the server to take connections after a start.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_editing_one_household_offline_keep_both_fields_and_list_the_losing_value() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let (a, b) = (county.device("a"), county.device("b"));
    a.enroll(&server.url(), WORKERS[0]).await;
    b.enroll(&server.url(), WORKERS[1]).await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210001"),
    );
    a.sync().await.expect("a first sync");
    b.sync().await.expect("b first sync");
    assert_eq!(b.field(h, "basic.household_number"), json!("4114210001"));

    // Both offline: different fields, and the same field (b edits it later).
    a.set_field(h, "basic.phone", json!("13911112222"));
    b.set_field(h, "basic.bank_name", json!("邮政储蓄银行"));
    a.set_field(h, "income.wage", json!("1500.00"));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    b.set_field(h, "income.wage", json!("1800.00"));

    a.sync().await.expect("a sync");
    b.sync().await.expect("b sync");
    a.sync().await.expect("a sync again");

    let admin = Admin::login(&server.url()).await;
    let on_server = admin.server_state().await;
    for (who, state) in [
        ("a", a.state()),
        ("b", b.state()),
        ("server", on_server.clone()),
    ] {
        let l = &state[&h];
        assert_eq!(l["basic.phone"], json!("13911112222"), "{who}: a's field");
        assert_eq!(
            l["basic.bank_name"],
            json!("邮政储蓄银行"),
            "{who}: b's field"
        );
        assert_eq!(l["income.wage"], json!("1800.00"), "{who}: later edit wins");
    }
    assert_eq!(a.state(), b.state());
    let conflicts = admin.conflicts().await.conflicts;
    assert!(
        conflicts.iter().any(|c| c.record_id == h
            && c.field == "income.wage"
            && c.losing.value == json!("1500.00")
            && c.winning.value == json!("1800.00")),
        "the losing value is a listed conflict: {conflicts:?}"
    );
    // The device whose value lost lists it among its conflicts too.
    let mine = a.replica.conflicts().expect("conflicts");
    assert!(
        mine.iter().any(|c| c.record_id == h
            && c.field == "income.wage"
            && c.ours == json!("1500.00")
            && c.current == json!("1800.00")),
        "{mine:?}"
    );
    assert!(b.replica.conflicts().expect("conflicts").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_duplicated_and_reordered_change_sets_change_nothing_the_second_time() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let http = reqwest::Client::new();
    let enrolled: EnrollResponse = http
        .post(format!("{}/api/v1/enroll", server.url()))
        .header(PROTOCOL_HEADER, "2")
        .json(&EnrollRequest {
            protocol: PROTOCOL_VERSION,
            username: WORKERS[0].to_owned(),
            password: PASSWORD.to_owned(),
            device_name: "raw".to_owned(),
        })
        .send()
        .await
        .expect("enroll")
        .json()
        .await
        .expect("enroll json");
    // The change sets a device would make: a new household, then two edits of it.
    let device = county.device("maker");
    device.enroll(&server.url(), WORKERS[0]).await;
    let h = Replica::new_id();
    device.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210002"),
    );
    let first = device.replica.pending_changes().expect("changes");
    device.set_field(h, "income.pension", json!("600.00"));
    device.set_field(h, "basic.bank_account", json!("6217000000000000"));
    let second: Vec<_> = device
        .replica
        .pending_changes()
        .expect("changes")
        .into_iter()
        .filter(|c| !first.iter().any(|f| f.change_id == c.change_id))
        .collect();
    assert_eq!(second.len(), 2);
    // Sent by the raw device, so stamped by it (the server takes a stamp only from its node).
    let own = |changes: Vec<jiandang_protocol::Change>| -> Vec<jiandang_protocol::Change> {
        changes
            .into_iter()
            .map(|mut c| {
                c.hlc.node = enrolled.device_id.to_string();
                c
            })
            .collect()
    };
    let (first, second) = (own(first), own(second));
    let sets = [
        ChangeSet::new(Uuid::now_v7(), enrolled.device_id, first.clone()),
        ChangeSet::new(Uuid::now_v7(), enrolled.device_id, second.clone()),
    ];
    let push = |set: ChangeSet| {
        let http = http.clone();
        let url = format!("{}/api/v1/push", server.url());
        let token = enrolled.token.clone();
        async move {
            let resp = http
                .post(url)
                .bearer_auth(token)
                .header(PROTOCOL_HEADER, "2")
                .json(&set)
                .send()
                .await
                .expect("push");
            assert!(resp.status().is_success(), "push: {}", resp.status());
            resp.json::<PushResponse>().await.expect("push json")
        }
    };
    let answers = [push(sets[0].clone()).await, push(sets[1].clone()).await];
    assert!(answers.iter().all(|a| {
        a.results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Accepted { .. }))
    }));
    let admin = Admin::login(&server.url()).await;
    let state = admin.server_state().await;
    let log = county.logged_change_counts();

    // Replayed in reverse order: the first answers again, nothing changes.
    for i in [1, 0] {
        let again = push(sets[i].clone()).await;
        assert_eq!(again.results, answers[i].results, "replay of set {i}");
    }
    // The same changes re-batched under new ids (a device that lost its set id), reordered.
    let mut shuffled: Vec<_> = second.iter().chain(first.iter()).cloned().collect();
    shuffled.reverse();
    let dup = push(ChangeSet::new(Uuid::now_v7(), enrolled.device_id, shuffled)).await;
    for r in &dup.results {
        let original = answers
            .iter()
            .flat_map(|a| &a.results)
            .find(|o| o.change_id == r.change_id)
            .expect("known change");
        assert_eq!(
            r.outcome, original.outcome,
            "a duplicated change keeps its first outcome"
        );
    }
    assert_eq!(admin.server_state().await, state, "state unchanged");
    assert_eq!(county.logged_change_counts(), log, "log unchanged");
    assert!(log.values().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_cut_mid_body_ends_with_every_change_accepted_exactly_once() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    for i in 0..4 {
        let h = Replica::new_id();
        a.save(
            RecordKind::Household,
            h,
            county.village,
            &household_doc(h, county.village, &format!("41142100{i:02}")),
        );
    }
    let outbox = a.replica.outbox().expect("outbox").len();
    for cut_at in [150, 900, 2500] {
        let proxy = Proxy::start(server.addr, Cut::AfterRequestBytes(cut_at)).await;
        a.replica.set_server_url(&proxy.url()).expect("url");
        let cut = a.sync().await;
        assert!(cut.is_err() && proxy.tripped(), "cut at {cut_at} bytes");
        a.replica.set_server_url(&server.url()).expect("url");
    }
    a.sync().await.expect("sync after the cuts");
    check_accepted_once(&county, &a, outbox);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_and_restarted_mid_push_ends_with_every_change_accepted_exactly_once() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    for i in 0..3 {
        let h = Replica::new_id();
        a.save(
            RecordKind::Household,
            h,
            county.village,
            &household_doc(h, county.village, &format!("41142101{i:02}")),
        );
    }
    let outbox = a.replica.outbox().expect("outbox").len();

    // Killed after it committed a set, before the answer left: the device resends the set.
    let proxy = Proxy::start(server.addr, Cut::DropResponses).await;
    a.replica.set_server_url(&proxy.url()).expect("url");
    assert!(a.sync().await.is_err());
    assert!(proxy.tripped());
    server.kill();
    let server = county.start_server();
    settle().await;

    // Killed in the middle of receiving a set.
    let proxy = Proxy::start(server.addr, Cut::AfterRequestBytes(700)).await;
    a.replica.set_server_url(&proxy.url()).expect("url");
    assert!(a.sync().await.is_err());
    server.kill();
    let server = county.start_server();
    settle().await;

    a.replica.set_server_url(&server.url()).expect("url");
    a.sync().await.expect("sync after the restarts");
    check_accepted_once(&county, &a, outbox);
}

fn check_accepted_once(county: &County, device: &Device, outbox: usize) {
    let rows = device.replica.outbox().expect("outbox");
    assert_eq!(rows.len(), outbox, "no change lost or added on the device");
    assert!(rows.iter().all(|r| r.status == "accepted"), "{rows:?}");
    let log = county.logged_change_counts();
    for r in &rows {
        assert_eq!(
            log.get(&r.change_id),
            Some(&1),
            "change {} logged once",
            r.change_id
        );
    }
    assert_eq!(log.len(), outbox, "nothing else logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_upload_cut_at_half_resumes_from_the_held_offset_and_the_blob_verifies() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210200"),
    );
    let photo = a
        .replica
        .import_photo(
            &test_jpeg(2000, 1500),
            h,
            county.village,
            PhotoKind::HouseFront,
        )
        .expect("import");
    assert_eq!(
        (photo.width, photo.height),
        (1600, 1200),
        "scaled to 1600 px"
    );
    let bytes = a.replica.blob(&photo.sha256).expect("blob");
    assert_eq!(jiandang_replica::photo::sha256_hex(&bytes), photo.sha256);
    let total = bytes.len() as u64;
    assert!(
        total > 4 * 64 * 1024,
        "big enough to need several chunks: {total}"
    );
    a.sync().await.expect("records first");
    // The records went up; the photo is still waiting (the round above uploaded it, so make
    // a second photo for the cut).
    let photo = a
        .replica
        .import_photo(
            &test_jpeg(1700, 2100),
            h,
            county.village,
            PhotoKind::Kitchen,
        )
        .expect("import");
    let bytes = a.replica.blob(&photo.sha256).expect("blob");
    let total = bytes.len() as u64;

    // Cut the upload at half the photo's bytes (chunk requests carry headers too, so the
    // server ends up holding the whole chunks before the cut).
    let proxy = Proxy::start(server.addr, Cut::AfterRequestBytes((total / 2) as i64)).await;
    a.replica.set_server_url(&proxy.url()).expect("url");
    assert!(a.replica.upload_pending_photos(64 * 1024).await.is_err());
    let held = head_offset(&server.url(), WORKERS[0], &photo.sha256).await;
    assert!(held > 0 && held < total, "held {held} of {total}");

    a.replica.set_server_url(&server.url()).expect("url");
    let progress = a
        .replica
        .upload_pending_photos(64 * 1024)
        .await
        .expect("resume");
    let thumb = a.replica.blob(&photo.thumb_sha256).expect("thumb").len() as u64;
    assert_eq!(
        progress.bytes_up,
        total - held + thumb,
        "resumed from the held offset"
    );
    let on_server = reqwest::Client::new()
        .get(format!("{}/api/v1/blobs/{}", server.url(), photo.sha256))
        .bearer_auth(Admin::login(&server.url()).await.token)
        .header(PROTOCOL_HEADER, "2")
        .send()
        .await
        .expect("get blob")
        .bytes()
        .await
        .expect("blob bytes");
    assert_eq!(
        on_server.as_ref(),
        bytes.as_slice(),
        "the server holds the same bytes"
    );
    assert_eq!(
        jiandang_replica::photo::sha256_hex(&on_server),
        photo.sha256
    );
    let p = a.replica.photo_progress().expect("progress");
    assert_eq!((p.uploaded, p.total), (2, 2));
    assert!(a.replica.photos_complete(h).expect("complete"));

    // Another device of the village sees the photo record and fetches the files.
    a.sync().await.expect("photo records up");
    let b = county.device("b");
    b.enroll(&server.url(), WORKERS[1]).await;
    b.sync().await.expect("b");
    let rec = b
        .replica
        .get_record(photo.id)
        .expect("get")
        .expect("photo record on b");
    assert_eq!(rec.doc["sha256"], json!(photo.sha256));
    let fetched = b.replica.fetch_blob(&photo.sha256).await.expect("fetch");
    assert_eq!(fetched, bytes);
    assert_eq!(b.replica.blob(&photo.sha256).expect("kept"), bytes);
}

/// What the server holds of a blob as `user` (a partial upload shows to its uploader only).
async fn head_offset(base: &str, user: &str, sha: &str) -> u64 {
    let device = RawDevice::enroll(base, user, "查看").await;
    let resp = reqwest::Client::new()
        .head(format!("{base}/api/v1/blobs/{sha}"))
        .bearer_auth(device.token)
        .header(PROTOCOL_HEADER, "2")
        .send()
        .await
        .expect("head");
    if resp.status() == reqwest::StatusCode::NOT_FOUND {
        return 0;
    }
    resp.headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Upload-Offset")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_not_assigned_a_village_can_neither_pull_nor_push_it() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let (a, outsider) = (county.device("a"), county.device("outsider"));
    a.enroll(&server.url(), WORKERS[0]).await;
    outsider.enroll(&server.url(), OUTSIDER).await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210300"),
    );
    a.sync().await.expect("a sync");

    outsider.sync().await.expect("outsider sync");
    assert!(outsider.state().is_empty(), "nothing of village 1 pulled");
    // Writing into village 1: refused, kept on the device with the reason.
    let mine = Replica::new_id();
    outsider.save(
        RecordKind::Household,
        mine,
        county.village,
        &household_doc(mine, county.village, "4114210301"),
    );
    let report = outsider.sync().await.expect("outsider push");
    assert!(report.refused > 0);
    let summary = outsider.replica.outbox_summary().expect("summary");
    assert!(!summary.refused.is_empty());
    assert!(
        summary
            .refused
            .iter()
            .all(|r| r.refusal_code.as_deref() == Some("forbidden_village"))
    );
    let admin = Admin::login(&server.url()).await;
    assert!(!admin.server_state().await.contains_key(&mine));
    assert_eq!(
        outsider.state()[&mine]["basic.household_number"],
        json!("4114210301")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_token_is_refused() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let device_id = a
        .replica
        .enrollment()
        .expect("enrollment")
        .expect("enrolled")
        .device_id;
    Admin::login(&server.url())
        .await
        .revoke_device(device_id)
        .await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210400"),
    );
    let err = a.sync().await.expect_err("revoked");
    assert_eq!(err.code(), "unauthorized");
    assert!(!err.is_transient());
    let summary = a.replica.outbox_summary().expect("summary");
    assert!(summary.waiting > 0, "the edits stay waiting on the device");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let d = county.device("d");
    let mut answers = Vec::new();
    for (user, password) in [(WORKERS[0], "wrong-password"), ("nobody", PASSWORD)] {
        let err = d
            .replica
            .enroll(&server.url(), user, password, "phone")
            .await
            .expect_err("refused");
        match &err {
            jiandang_replica::Error::Server {
                status,
                code,
                message,
            } => {
                answers.push((*status, *code, message.clone()));
            }
            other => panic!("not a server refusal: {other:?}"),
        }
    }
    assert_eq!(
        answers[0], answers[1],
        "same answer for a wrong user and a wrong password"
    );
    assert_eq!(answers[0].0, 401);
    assert_eq!(answers[0].1.as_str(), "unauthorized");
    assert!(d.replica.enrollment().expect("enrollment").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_entry_window_closed_writes_are_refused_kept_and_sent_after_reopening() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210500"),
    );
    a.sync().await.expect("sync in the window");

    // 2018-12-01 10:00 Beijing: the entry phase ended 11-30 24:00.
    county.clock.set(
        jiandang_domain::Timestamp::beijing_midnight(Date::new(2018, 12, 1).expect("date"))
            .millis()
            + 36_000_000,
    );
    a.set_field(h, "income.wage", json!("2600.00"));
    let report = a.sync().await.expect("sync after closing");
    assert_eq!(report.refused, 1);
    let summary = a.replica.outbox_summary().expect("summary");
    assert_eq!(summary.refused.len(), 1);
    assert_eq!(
        summary.refused[0].refusal_code.as_deref(),
        Some("entry_closed")
    );
    assert!(
        summary.refused[0]
            .refusal_message
            .as_deref()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(
        a.field(h, "income.wage"),
        json!("2600.00"),
        "nothing lost on the device"
    );
    let admin = Admin::login(&server.url()).await;
    assert_eq!(
        admin.server_state().await[&h]["income.wage"],
        json!("1200.00")
    );

    // The collector corrects the value while the window is closed: the refusal is history now.
    a.set_field(h, "income.wage", json!("2700.00"));
    let summary = a.replica.outbox_summary().expect("summary");
    assert!(
        summary.refused.is_empty() && summary.waiting == 1,
        "{summary:?}"
    );

    admin
        .reopen_village(county.village, Date::new(2018, 12, 5).expect("date"))
        .await;
    a.sync().await.expect("sync after reopening");
    assert_eq!(
        admin.server_state().await[&h]["income.wage"],
        json!("2700.00")
    );
    let summary = a.replica.outbox_summary().expect("summary");
    assert!(
        summary.refused.is_empty() && summary.waiting == 0,
        "{summary:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refused_change_is_resent_alone_with_the_value_it_holds_now() {
    use jiandang_replica::Retry;
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    // The outsider is not yet assigned village 1: every field of its household is refused
    // (`forbidden_village`, which no sync round resends by itself).
    let d = county.device("outsider");
    d.enroll(&server.url(), OUTSIDER).await;
    let h = Replica::new_id();
    d.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210700"),
    );
    d.set_field(h, "income.wage", json!("2600.00"));
    let report = d.sync().await.expect("sync");
    assert!(report.refused >= 3, "{report:?}");
    let refused = d.replica.outbox_summary().expect("summary").refused;
    let id_of = |field: &str| {
        refused
            .iter()
            .find(|r| r.field == field)
            .map(|r| r.change_id)
            .expect("refused change")
    };
    let (wage, bank) = (id_of("income.wage"), id_of("basic.bank_name"));
    assert!(
        refused
            .iter()
            .all(|r| r.refusal_code.as_deref() == Some("forbidden_village"))
    );

    // The bank name is edited again: the newer edit carries it, nothing to resend.
    d.set_field(h, "basic.bank_name", json!("邮政储蓄银行"));
    assert_eq!(
        d.replica.retry_change(bank).expect("retry"),
        Retry::Superseded
    );

    // The county assigns the village; the collector resends the wage alone.
    let outsider_id = Uuid::from_u128(0x104);
    let conn = jiandang_server::db::open(&county.db_path).expect("server db");
    jiandang_server::admin::set_villages(
        &conn,
        outsider_id,
        &[county.other_village, county.village],
    )
    .expect("assign");
    drop(conn);
    let Retry::Requeued { change_id } = d.replica.retry_change(wage).expect("retry") else {
        panic!("the refused wage change is requeued");
    };
    assert_ne!(
        change_id, wage,
        "a new change id, so the server judges it afresh"
    );
    assert_eq!(
        d.replica.retry_change(wage).expect_err("gone").code(),
        "not_found",
        "the old id names no outbox row any more"
    );
    assert_eq!(
        d.replica.retry_change(change_id).expect("again"),
        Retry::NotRefused
    );
    d.sync().await.expect("sync after assigning");

    let admin = Admin::login(&server.url()).await;
    let on_server = &admin.server_state().await[&h];
    assert_eq!(on_server["income.wage"], json!("2600.00"));
    assert_eq!(on_server["basic.bank_name"], json!("邮政储蓄银行"));
    assert_eq!(
        on_server.get("basic.phone"),
        None,
        "the phone was not resent"
    );
    let left: Vec<String> = d
        .replica
        .outbox_summary()
        .expect("summary")
        .refused
        .into_iter()
        .map(|r| r.field)
        .collect();
    assert!(left.contains(&"basic.phone".to_owned()), "{left:?}");
    assert!(
        !left
            .iter()
            .any(|f| f == "income.wage" || f == "basic.bank_name"),
        "{left:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_device_reaches_the_same_state_as_the_server() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let (a, b) = (county.device("a"), county.device("b"));
    a.enroll(&server.url(), WORKERS[0]).await;
    b.enroll(&server.url(), WORKERS[1]).await;
    for i in 0..5 {
        let h = Replica::new_id();
        a.save(
            RecordKind::Household,
            h,
            county.village,
            &household_doc(h, county.village, &format!("41142106{i:02}")),
        );
    }
    a.sync().await.expect("a");
    b.sync().await.expect("b");
    for (id, _) in b.state().into_iter().take(3) {
        b.set_field(id, "basic.phone", json!("13512345678"));
    }
    b.sync().await.expect("b again");
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210699"),
    );
    a.sync().await.expect("a again");

    let c = county.device("c");
    c.enroll(&server.url(), WORKERS[2]).await;
    let report = c.sync().await.expect("new device");
    assert!(report.snapshot_records > 0);
    let admin = Admin::login(&server.url()).await;
    assert_eq!(c.state(), admin.server_state().await);
    // And it keeps up after the snapshot.
    a.set_field(h, "basic.bank_name", json!("农业银行"));
    a.sync().await.expect("a edit");
    c.sync().await.expect("c pull");
    assert_eq!(c.state(), admin.server_state().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_whose_clock_is_days_behind_still_orders_its_later_edit_last() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let three_days = 3 * 86_400_000;
    let system = county.device_clock();
    let slow: jiandang_replica::Clock = std::sync::Arc::new(move || system() - three_days);
    let (a, c) = (county.device("a"), county.device("c"));
    let b = Device::open(county.dir.path(), "slow", slow);
    for (d, user) in [(&a, WORKERS[0]), (&b, WORKERS[1]), (&c, WORKERS[2])] {
        d.enroll(&server.url(), user).await;
    }
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210700"),
    );
    a.sync().await.expect("a");
    b.sync().await.expect("b");
    c.sync().await.expect("c");
    // c edits the wage offline first; a edits another field and syncs; b (clock 3 days
    // behind) hears of a's edit, then edits the wage: b's edit is the later one.
    c.set_field(h, "income.wage", json!("1000.00"));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    a.set_field(h, "basic.phone", json!("13600000000"));
    a.sync().await.expect("a");
    b.sync().await.expect("b pulls a's edit");
    b.set_field(h, "income.wage", json!("3000.00"));
    b.sync().await.expect("b pushes");
    c.sync().await.expect("c pushes its older edit");
    let admin = Admin::login(&server.url()).await;
    assert_eq!(
        admin.server_state().await[&h]["income.wage"],
        json!("3000.00")
    );
    assert_eq!(c.field(h, "income.wage"), json!("3000.00"));
    assert!(
        c.replica
            .conflicts()
            .expect("conflicts")
            .iter()
            .any(|x| x.ours == json!("1000.00")),
        "c's value is kept as a conflict"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sync_retries_on_its_own_until_the_server_is_back_and_reports_progress() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let addr = server.addr;
    server.kill();
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210800"),
    );

    let seen = std::sync::Arc::new(std::sync::Mutex::new(
        Vec::<jiandang_replica::Progress>::new(),
    ));
    let s = seen.clone();
    let on_progress: jiandang_replica::sync::ProgressFn = std::sync::Arc::new(move |p| {
        s.lock().expect("lock").push(p.clone());
    });
    let sync = a.replica.run_sync_loop(small_batches(), Some(on_progress));
    // The server is down: the loop fails and backs off by itself.
    let mut status = sync.watch();
    let failed = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if matches!(
                *status.borrow(),
                jiandang_replica::sync::LoopStatus::Failed { .. }
            ) {
                break;
            }
            status.changed().await.expect("status");
        }
    })
    .await;
    assert!(failed.is_ok(), "the loop reports the failure");

    // The server comes back on the same address; no nudge, no new edit: the loop gets there.
    let server = TestServer::start_on(addr, &county.db_path, county.clock.clone());
    let done = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            if a.replica.outbox_summary().expect("summary").waiting == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(done.is_ok(), "synced after the server came back");
    sync.stop().await;
    let admin = Admin::login(&server.url()).await;
    assert!(admin.server_state().await.contains_key(&h));
    let seen = seen.lock().expect("lock");
    let last = seen
        .iter()
        .rev()
        .find(|p| p.records_up > 0)
        .expect("progress with records up");
    assert!(last.bytes_up > 0 && last.bytes_down > 0, "{last:?}");
    assert!(seen.iter().any(|p| p.phase == "done"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_household_reaches_the_server_whole_even_in_sets_smaller_than_it() {
    // The server gates a household's state on the records as each set leaves them (W1): a new
    // household split over two sets would arrive first without its 脱贫状态 (read as 待识别)
    // and then be refused the change to 未脱贫. A record's pending changes go out together.
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let h = Replica::new_id();
    let doc = household_doc(h, county.village, "4114210077");
    let fields = leaves(&doc).len();
    assert!(
        fields > small_batches().push_batch,
        "the household has more fields than a set"
    );
    a.save(RecordKind::Household, h, county.village, &doc);

    let report = a.sync().await.expect("sync");
    assert_eq!(report.refused, 0, "nothing of the new household is refused");
    assert_eq!(report.accepted, fields);
    let admin = Admin::login(&server.url()).await;
    assert_eq!(admin.server_state().await[&h], leaves(&doc));
}
