//! End to end: a county server restored from last night's backup loses no edit that a
//! device still holds (issue 15, item 4). A real server on loopback over a SQLite file, a
//! backup taken while it serves, more pushes from two devices, a restore, and both devices
//! syncing again.

use std::collections::BTreeMap;

use jiandang_domain::RecordKind;
use jiandang_e2e::*;
use jiandang_replica::Replica;
use serde_json::json;
use uuid::Uuid;

async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

/// The change ids a device holds as accepted by the server.
fn accepted_change_ids(county: &County, device: &Device) -> Vec<Uuid> {
    let path = county
        .dir
        .path()
        .join(format!("device-{}", device.name))
        .join("replica.sqlite");
    let conn = rusqlite::Connection::open(path).expect("replica db");
    let mut stmt = conn
        .prepare("SELECT change_id FROM outbox WHERE status = 'accepted'")
        .expect("prepare");
    stmt.query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|r| Uuid::parse_str(&r.expect("row")).expect("uuid"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_from_last_nights_backup_loses_no_edit_a_device_still_holds() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let (a, b) = (county.device("a"), county.device("b"));
    a.enroll(&server.url(), WORKERS[0]).await;
    b.enroll(&server.url(), WORKERS[1]).await;

    // Before the backup: a household from a, seen by b.
    let h1 = Replica::new_id();
    a.save(
        RecordKind::Household,
        h1,
        county.village,
        &household_doc(h1, county.village, "4114210001"),
    );
    a.sync().await.expect("a first sync");
    b.sync().await.expect("b first sync");
    assert_eq!(b.field(h1, "basic.household_number"), json!("4114210001"));

    // Last night's backup, taken while the server serves.
    let backup = county.dir.path().join("county-nightly.bak");
    let report = jiandang_server::backup::backup(&county.db_path, &backup, 0).expect("backup");
    assert!(report.max_seq > 0, "the backup holds the first pushes");

    // The next day, both devices push more: a new household from a, edits of h1 by both
    // (different fields, and one field both edit: b later).
    let h2 = Replica::new_id();
    a.save(
        RecordKind::Household,
        h2,
        county.village,
        &household_doc(h2, county.village, "4114210002"),
    );
    a.set_field(h1, "basic.phone", json!("13911112222"));
    a.set_field(h1, "income.wage", json!("1500.00"));
    a.sync().await.expect("a sync after backup");
    b.sync().await.expect("b pulls a's edits");
    b.set_field(h1, "basic.bank_name", json!("邮政储蓄银行"));
    b.set_field(h1, "income.wage", json!("1800.00"));
    b.sync().await.expect("b sync after backup");
    a.sync().await.expect("a pulls b's edits");
    assert_eq!(a.state(), b.state(), "in step before the disk dies");
    let before_restore = a.state();

    // The disk dies: the county restores last night's backup and starts the server again.
    server.kill_and_wait_closed(&county.db_path);
    let restored = jiandang_server::backup::restore(&backup, &county.db_path, 1).expect("restore");
    assert!(restored.kept_aside.is_some(), "the replaced file is kept");
    let server = county.start_server();
    settle().await;
    a.replica.set_server_url(&server.url()).expect("a url");
    b.replica.set_server_url(&server.url()).expect("b url");
    let admin = Admin::login(&server.url()).await;
    assert!(
        !admin.server_state().await.contains_key(&h2),
        "the restored server has lost the day's household"
    );

    // While the server was down, b kept working: an edit of h1 based on what b knew before
    // the restore (a base seq the restored server has not reached, or numbers anew).
    b.set_field(h1, "basic.bank_account", json!("6217000000001234"));
    let mut expected = before_restore.clone();
    expected
        .get_mut(&h1)
        .expect("h1")
        .insert("basic.bank_account".to_owned(), json!("6217000000001234"));
    let before_restore = expected;

    // The devices sync (twice each: each sees the other's re-sent edits on its second).
    for round in 0..2 {
        // b first: its edit made while the server was down goes up before anything else.
        b.sync()
            .await
            .unwrap_or_else(|e| panic!("b round {round}: {e}"));
        a.sync()
            .await
            .unwrap_or_else(|e| panic!("a round {round}: {e}"));
    }

    for device in [&a, &b] {
        assert_eq!(
            device.replica.server_id().expect("server id"),
            Some(restored.server_id),
            "{} knows the restored server",
            device.name
        );
    }
    // Every change a device holds as accepted is in the server's log exactly once.
    let counts = county.logged_change_counts();
    for device in [&a, &b] {
        for id in accepted_change_ids(&county, device) {
            assert_eq!(
                counts.get(&id),
                Some(&1),
                "{}'s change {id} on the server exactly once",
                device.name
            );
        }
    }
    // The server and both devices hold what they held before the disk died.
    let on_server = admin.server_state().await;
    let devices: BTreeMap<Uuid, _> = before_restore.clone();
    for id in [h1, h2] {
        assert_eq!(on_server.get(&id), devices.get(&id), "server: record {id}");
    }
    assert_eq!(
        on_server[&h1]["income.wage"],
        json!("1800.00"),
        "b's later edit wins"
    );
    assert_eq!(a.state(), before_restore, "a converged");
    assert_eq!(b.state(), before_restore, "b converged");

    // Work goes on after the restore: a new edit from b reaches a.
    b.set_field(h2, "basic.phone", json!("13800000000"));
    b.sync().await.expect("b new edit");
    a.sync().await.expect("a pulls it");
    assert_eq!(a.field(h2, "basic.phone"), json!("13800000000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_devices_push_is_whole_and_a_restore_waits_for_the_server_to_stop() {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;

    // A device saves and pushes households all along while three backups are taken.
    let pushing = {
        let replica = a.replica.clone();
        let village = county.village;
        tokio::spawn(async move {
            for i in 0..30 {
                let h = Replica::new_id();
                let doc = household_doc(h, village, &format!("41142100{i:02}"));
                replica
                    .save_record(RecordKind::Household, h, village, &doc)
                    .expect("save");
                replica
                    .sync_once(&small_batches(), None)
                    .await
                    .expect("sync");
            }
        })
    };
    let mut taken = Vec::new();
    for n in 0..3 {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let out = county.dir.path().join(format!("during-{n}.bak"));
        let db = county.db_path.clone();
        let report =
            tokio::task::spawn_blocking(move || jiandang_server::backup::backup(&db, &out, 0))
                .await
                .expect("task")
                .expect("backup while pushing");
        taken.push(report);
    }
    pushing.await.expect("pushes");
    for report in &taken {
        let conn = rusqlite::Connection::open(&report.path).expect("open backup");
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(ok, "ok");
        // One commit's state: every answered change set has all its changes, and no change
        // is there without its set's answer.
        let orphans: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM change_log l
                 WHERE NOT EXISTS (SELECT 1 FROM change_sets s WHERE s.id = l.change_set_id)",
                [],
                |r| r.get(0),
            )
            .expect("orphans");
        assert_eq!(orphans, 0, "{}", report.path.display());
        let max: i64 = conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| {
                r.get(0)
            })
            .expect("max");
        assert_eq!(max as u64, report.max_seq);
    }
    assert!(
        taken.windows(2).all(|w| w[0].max_seq <= w[1].max_seq),
        "later backups hold more"
    );

    // While a server holds the database (as `jiandang serve` does), a restore is refused
    // and the file is left as it was.
    let before = std::fs::metadata(&county.db_path).expect("db").len();
    let lock = jiandang_server::backup::ServeLock::acquire(&county.db_path).expect("lock");
    let refused = jiandang_server::backup::restore(&taken[0].path, &county.db_path, 5)
        .expect_err("refused under a running server");
    assert!(refused.to_string().contains("jiandang serve"), "{refused}");
    assert_eq!(
        std::fs::metadata(&county.db_path).expect("db").len(),
        before
    );
    drop(lock);
    server.kill();
    let restored = jiandang_server::backup::restore(&taken[0].path, &county.db_path, 5)
        .expect("restore once stopped");
    let aside = restored.kept_aside.expect("kept aside");
    assert!(aside.exists(), "the replaced database is kept");
    assert!(taken[0].path.exists(), "the backup stays a backup");
}
