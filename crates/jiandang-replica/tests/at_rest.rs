//! The replica at rest (issue 15, item 1): the file SQLCipher writes reads as noise without
//! its key (no "SQLite format 3" header, no name or ID number in its bytes), a wrong or
//! missing key opens nothing, and a plain replica made by the build before encryption is
//! converted on open with every record and outbox entry it held.

use std::path::Path;
use std::sync::Arc;

use jiandang_domain::RecordKind;
use jiandang_replica::{KeyStore, MemoryKeyStore, Replica, ReplicaKey, system_clock};
use serde_json::json;
use uuid::Uuid;

const VILLAGE: Uuid = Uuid::from_u128(0x1111);
/// A member's name and ID number: what must never be readable in the file.
const NAME: &str = "王秀英";
const ID_NUMBER: &str = "41142119800101123X";

fn open(path: &Path, keys: &Arc<MemoryKeyStore>) -> Replica {
    let r = Replica::open_encrypted(path, keys.clone(), system_clock()).expect("open");
    r.set_policy(&jiandang_domain::policy::YearPolicy::shangqiu_2018())
        .expect("policy");
    r
}

/// Every byte of every file in the folder (the database, and its WAL if one is left).
fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn save_household_with_member(r: &Replica) -> (Uuid, Uuid) {
    let (h, m) = (Replica::new_id(), Replica::new_id());
    r.save_record(
        RecordKind::Household,
        h,
        VILLAGE,
        &json!({"basic": {"household_number": "4114210001", "status": "0", "year": 2018,
            "main_cause": "1", "phone": "13912345678"}}),
    )
    .expect("household");
    r.save_record(
        RecordKind::Member,
        m,
        VILLAGE,
        &json!({"household_id": h.to_string(), "name": NAME, "id_number": ID_NUMBER,
            "relationship": "01"}),
    )
    .expect("member");
    (h, m)
}

/// Issue 15 "done when": the device database opened without the key reads nothing.
#[test]
fn the_replica_file_without_its_key_reads_nothing_and_holds_no_name_or_id_number() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("replica.db");
    let keys = Arc::new(MemoryKeyStore::new());
    let r = open(&path, &keys);
    let (_, member) = save_household_with_member(&r);
    // Looked at while the replica is open too: the WAL holds the latest pages.
    for (name, bytes) in folder_bytes(dir.path()).into_iter().chain({
        drop(r);
        folder_bytes(dir.path())
    }) {
        assert!(
            !bytes.starts_with(b"SQLite format 3"),
            "{name} is a plain SQLite file"
        );
        assert!(!contains(&bytes, NAME.as_bytes()), "{name} holds the name");
        assert!(
            !contains(&bytes, ID_NUMBER.as_bytes()),
            "{name} holds the ID number"
        );
        let key = keys.get("replica.db").expect("get").expect("key");
        assert!(!contains(&bytes, &key), "{name} holds the key");
        assert!(
            !contains(&bytes, hex::encode(&key).as_bytes()),
            "{name} holds the key in hex"
        );
    }

    // Plain SQLite (no key) reads nothing.
    let plain = rusqlite::Connection::open(&path).expect("open plain");
    let read = plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    assert!(read.is_err(), "read without a key: {read:?}");
    drop(plain);

    // No key in the store, or another key: locked, and the file is left as it was.
    let before = std::fs::read(&path).expect("bytes");
    let empty = Arc::new(MemoryKeyStore::new());
    let err = Replica::open_encrypted(&path, empty, system_clock()).err();
    assert_eq!(err.map(|e| e.code()), Some("replica_locked"));
    let wrong = Arc::new(MemoryKeyStore::new());
    let other = ReplicaKey::random().expect("key");
    wrong.put("replica.db", other.as_bytes()).expect("put");
    let err = Replica::open_encrypted(&path, wrong, system_clock()).err();
    assert_eq!(err.map(|e| e.code()), Some("replica_locked"));
    assert_eq!(std::fs::read(&path).expect("bytes"), before);

    // With its key, everything is there.
    let r = open(&path, &keys);
    let m = r.get_record(member).expect("get").expect("member");
    assert_eq!(m.doc["name"], json!(NAME));
    assert_eq!(m.doc["id_number"], json!(ID_NUMBER));
    assert_eq!(keys.names(), vec!["replica.db".to_owned()]);
}

/// A replica made by the build before encryption (`tests/data/plain-replica.db`, see its
/// README) opens encrypted with every record, field and outbox entry it held.
#[test]
fn a_plain_replica_of_the_previous_build_is_encrypted_on_open_losing_no_edit() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/plain-replica.db");
    let fixture_bytes = std::fs::read(fixture).expect("fixture");
    assert!(
        fixture_bytes.starts_with(b"SQLite format 3"),
        "a plain file"
    );
    assert!(
        contains(&fixture_bytes, NAME.as_bytes()),
        "the fixture names"
    );

    // What the plain file holds, read by the plain build's open.
    let plain_dir = tempfile::tempdir().expect("dir");
    std::fs::copy(fixture, plain_dir.path().join("replica.db")).expect("copy");
    let plain = Replica::open(&plain_dir.path().join("replica.db")).expect("plain");
    let records = plain.all_records().expect("records");
    let outbox = plain.outbox().expect("outbox");
    drop(plain);
    assert!(
        records.len() >= 2 && outbox.len() >= 5,
        "{records:?} {outbox:?}"
    );

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("replica.db");
    std::fs::copy(fixture, &path).expect("copy");
    // A conversion cut before its rename left its half-written file: started again.
    std::fs::write(dir.path().join("replica.db.encrypting"), b"half").expect("leftover");
    let keys = Arc::new(MemoryKeyStore::new());
    for round in 0..2 {
        let r = Replica::open_encrypted(&path, keys.clone(), system_clock()).expect("open");
        assert_eq!(r.all_records().expect("records"), records, "round {round}");
        assert_eq!(r.outbox().expect("outbox"), outbox, "round {round}");
        assert!(r.outbox_summary().expect("summary").waiting > 0);
        drop(r);
    }
    for (name, bytes) in folder_bytes(dir.path()) {
        assert!(!bytes.starts_with(b"SQLite format 3"), "{name} plain");
        assert!(!contains(&bytes, NAME.as_bytes()), "{name} holds the name");
    }
    assert!(!dir.path().join("replica.db.encrypting").exists());

    // And it takes edits as before.
    let r = open(&path, &keys);
    let m = records
        .iter()
        .find(|r| r.kind == RecordKind::Member)
        .expect("member");
    let mut doc = m.doc.clone();
    doc["phone"] = json!("13700001111");
    r.save_record(RecordKind::Member, m.id, m.village_id, &doc)
        .expect("save");
    assert_eq!(r.outbox().expect("outbox").len(), outbox.len() + 1);
}
