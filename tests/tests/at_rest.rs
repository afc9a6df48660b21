//! End to end, the device's data at rest (issue 15, items 2 and 3): the real county server
//! on loopback and a real encrypted replica folder. Another user signing in on the same
//! phone never sees the first user's records, and the first user's unsent edits wait sealed
//! until they sign in again; a device the county marks lost reports what it had not sent,
//! then erases its replica, key and photos, and the county sees the report with the device.

use std::path::Path;
use std::sync::Arc;

use jiandang_domain::RecordKind;
use jiandang_e2e::*;
use jiandang_replica::{KeyStore, MemoryKeyStore, Replica, SignedIn};
use serde_json::json;
use uuid::Uuid;

/// Waits (bounded) for the server to take connections after a start.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

/// The phone's data folder (the app's `JIANDANG_DATA_DIR`).
fn phone(county: &County) -> std::path::PathBuf {
    let dir = county.dir.path().join("phone");
    std::fs::create_dir_all(&dir).expect("phone dir");
    dir
}

fn open_phone(county: &County, dir: &Path, keys: &Arc<MemoryKeyStore>) -> Replica {
    Replica::open_device(dir, keys.clone(), county.device_clock()).expect("open device")
}

async fn sign_in(r: &Replica, url: &str, user: &str) -> SignedIn {
    let signed = r.sign_in_as(url, user).await.expect("sign in as");
    r.enroll(url, user, PASSWORD, "建档 phone")
        .await
        .expect("enroll");
    signed
}

fn set_phone(r: &Replica, id: Uuid, phone: &str) {
    let rec = r.get_record(id).expect("get").expect("record");
    let mut doc = rec.doc.clone();
    doc["basic"]["phone"] = json!(phone);
    r.save_record(rec.kind, id, rec.village_id, &doc)
        .expect("save");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_on_the_same_phone_never_sees_the_first_users_records_whose_unsent_edits_wait_sealed()
 {
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let url = server.url();
    let dir = phone(&county);
    let keys = Arc::new(MemoryKeyStore::new());
    let r = open_phone(&county, &dir, &keys);

    assert_eq!(sign_in(&r, &url, WORKERS[0]).await, SignedIn::Same);
    r.sync_round(&small_batches(), None).await.expect("sync");
    let h = Replica::new_id();
    r.save_record(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210001"),
    )
    .expect("save");
    r.sync_round(&small_batches(), None).await.expect("sync");
    // An edit the first user makes offline, then hands the phone over.
    set_phone(&r, h, "13911112222");
    assert_eq!(r.outbox_summary().expect("summary").waiting, 1);

    // The second user (of another village) signs in: nothing of the first user's shows.
    assert_eq!(sign_in(&r, &url, OUTSIDER).await, SignedIn::Switched);
    r.sync_round(&small_batches(), None)
        .await
        .expect("outsider sync");
    let seen = r.all_records().expect("records");
    assert!(
        seen.iter()
            .all(|rec| rec.village_id == county.other_village && rec.id != h)
    );
    assert!(r.get_record(h).expect("get").is_none());
    assert_eq!(r.outbox_summary().expect("summary").waiting, 0);
    // Sealed, not sent: the county still has the value before the edit.
    let admin = Admin::login(&url).await;
    assert_eq!(
        admin.server_state().await[&h]["basic.phone"],
        json!("13800000000")
    );

    // The app restarts: it opens the second user's replica, as it was left.
    drop(r);
    let r = open_phone(&county, &dir, &keys);
    let e = r.enrollment().expect("enrollment").expect("enrolled");
    assert_eq!(e.user.username, OUTSIDER);
    assert!(r.get_record(h).expect("get").is_none());

    // The first user signs in again: their edit is there, waiting, and goes out once.
    assert_eq!(sign_in(&r, &url, WORKERS[0]).await, SignedIn::Switched);
    assert_eq!(r.outbox_summary().expect("summary").waiting, 1);
    let rec = r.get_record(h).expect("get").expect("record");
    assert_eq!(rec.doc["basic"]["phone"], json!("13911112222"));
    r.sync_round(&small_batches(), None).await.expect("sync");
    r.sync_round(&small_batches(), None)
        .await
        .expect("sync again");
    assert_eq!(
        admin.server_state().await[&h]["basic.phone"],
        json!("13911112222")
    );
    let logged: i64 = county
        .server_db()
        .query_row(
            "SELECT count(*) FROM change_log WHERE record_id = ?1 AND field = 'basic.phone'",
            [h.to_string()],
            |row| row.get(0),
        )
        .expect("log");
    assert_eq!(logged, 2, "the first value and the sealed edit, each once");

    // Two replica files, each with its own key, neither readable as plain SQLite.
    let files: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".db"))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(keys.names().len(), 2);
    for f in files {
        let bytes = std::fs::read(dir.join(&f)).expect("read");
        assert!(!bytes.starts_with(b"SQLite format 3"), "{f}");
        assert!(
            !f.contains(WORKERS[0]) && !f.contains(OUTSIDER),
            "{f} names a user"
        );
    }
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_marked_lost_reports_what_it_had_not_sent_then_erases_its_replica_key_and_photos()
{
    let county = County::in_entry_window();
    let server = county.start_server();
    settle().await;
    let url = server.url();
    let dir = phone(&county);
    let keys = Arc::new(MemoryKeyStore::new());
    let r = open_phone(&county, &dir, &keys);
    sign_in(&r, &url, WORKERS[0]).await;
    let sent = Replica::new_id();
    r.save_record(
        RecordKind::Household,
        sent,
        county.village,
        &household_doc(sent, county.village, "4114210001"),
    )
    .expect("save");
    r.sync_round(&small_batches(), None).await.expect("sync");
    // Not sent when the phone is lost: an edit of a synced household, a new household and
    // a photo of it.
    set_phone(&r, sent, "13911112222");
    let new = Replica::new_id();
    r.save_record(
        RecordKind::Household,
        new,
        county.village,
        &household_doc(new, county.village, "4114210002"),
    )
    .expect("save new");
    let photo = r
        .import_photo(
            &test_jpeg(640, 480),
            new,
            county.village,
            jiandang_domain::photo::PhotoKind::HouseFront,
        )
        .expect("photo");
    let unsent = r.outbox_summary().expect("summary").waiting as u64;
    assert!(unsent > 1);
    let photos = r.photo_dir();
    assert!(std::fs::read_dir(&photos).expect("photos").count() > 0);
    let device = r.enrollment().expect("e").expect("enrolled").device_id;
    let file = r.path();
    let key_name = file
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let old_key = keys.get(&key_name).expect("get").expect("key");
    let before = std::fs::read(&file).expect("bytes");

    let admin = Admin::login(&url).await;
    admin.mark_device_lost(device).await;

    let err = r
        .sync_round(&small_batches(), None)
        .await
        .expect_err("told it is lost");
    assert_eq!(err.code(), "device_lost");

    // Erased: nobody signed in, no record, no outbox, no photo, the old key gone.
    assert!(r.enrollment().expect("enrollment").is_none());
    assert!(r.all_records().expect("records").is_empty());
    assert!(r.outbox().expect("outbox").is_empty());
    assert_eq!(
        std::fs::read_dir(&photos).map(|d| d.count()).unwrap_or(0),
        0
    );
    let now_key = keys.get(&key_name).expect("get");
    assert_ne!(now_key.as_deref(), Some(old_key.as_slice()), "a fresh key");
    // The old key opens nothing that is left in the folder.
    let old_store = Arc::new(MemoryKeyStore::new());
    old_store.put(&key_name, &old_key).expect("put");
    let copy = county.dir.path().join("copy");
    std::fs::create_dir_all(&copy).expect("copy dir");
    std::fs::copy(&file, copy.join(&key_name)).expect("copy");
    let reopened = Replica::open_encrypted(&copy.join(&key_name), old_store, county.device_clock());
    assert_eq!(reopened.err().map(|e| e.code()), Some("replica_locked"));
    assert_ne!(std::fs::read(&file).expect("bytes"), before);

    // The county sees the device as lost, with what went with it: counts and record ids.
    let list = admin.devices().await;
    let d = list
        .devices
        .iter()
        .find(|d| d.id == device)
        .expect("the device");
    assert!(d.lost_ms.is_some());
    assert!(!d.revoked, "lost is not revoked");
    let report = d.loss_report.as_ref().expect("a loss report");
    assert_eq!(report.unsent_changes, unsent);
    assert_eq!(report.refused_changes, 0);
    assert_eq!(report.unsent_photos, 2, "the photo and its thumbnail");
    let mut expected = vec![sent, new, photo.id];
    expected.sort();
    assert_eq!(report.record_ids, expected);
    let stored: String = county
        .server_db()
        .query_row(
            "SELECT report FROM device_losses WHERE device_id = ?1",
            [device.to_string()],
            |row| row.get(0),
        )
        .expect("stored report");
    for value in ["13911112222", "4114210002"] {
        assert!(!stored.contains(value), "the report holds no value");
    }

    // The phone is usable again: a user signs in afresh (a new device to the county).
    assert_eq!(sign_in(&r, &url, WORKERS[1]).await, SignedIn::Same);
    r.sync_round(&small_batches(), None).await.expect("sync");
    assert!(r.get_record(sent).expect("get").is_some());
    assert!(
        r.get_record(new).expect("get").is_none(),
        "lost with the phone"
    );
    server.kill();
}
