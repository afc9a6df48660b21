//! A database made by the previous server (`tests/data/server-v4.db`, see its README) opens
//! with today's code: the migrations it lacks are applied, `user_version` counts them, a
//! county's edited timeline becomes its stored policy's phases, and what it held still reads.

use jiandang_server::{AppState, Clock as _, SettableClock, db};
use rusqlite::{Connection, params};
use std::sync::Arc;

#[tokio::test]
async fn a_database_of_the_previous_server_migrates_keeping_its_timeline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("county.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/server-v4.db"),
        &path,
    )
    .expect("copy the old file");
    {
        // What the previous server did when the county admin moved the entry phase
        // (`PUT /api/v1/admin/phases`: the table's rows replaced), and a record it took in.
        let conn = Connection::open(&path).expect("open the old file");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, 4, "the file is the previous server's");
        conn.execute_batch(
            "UPDATE phases SET ends = '2018-12-05' WHERE name = 'entry';
             UPDATE phases SET starts = '2018-12-06' WHERE name = 'analysis';
             INSERT INTO towns (id, name) VALUES ('t', '城关镇');
             INSERT INTO villages (id, town_id, name)
                 VALUES ('00000000-0000-0000-0000-00000000000a', 't', '甲村');",
        )
        .expect("edit the timeline");
        let record = "00000000-0000-0000-0000-000000000001";
        let village = "00000000-0000-0000-0000-00000000000a";
        let nil = "00000000-0000-0000-0000-000000000000";
        conn.execute(
            "INSERT INTO change_log (change_id, change_set_id, record_id, kind, village_id, field,
                 old, new, base_seq, hlc, user_id, device_id, received_ms, outcome)
             VALUES (?1, ?1, ?2, 'household', ?3, 'basic.phone', 'null', '\"13900000001\"', 0,
                 '000000000000001-00000-d', ?1, ?1, 1, 'accepted')",
            params![nil, record, village],
        )
        .expect("log");
        conn.execute(
            "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
             VALUES (?1, 'basic.phone', '\"13900000001\"', 1, '000000000000001-00000-d', ?2, ?2)",
            params![record, nil],
        )
        .expect("field");
        conn.execute(
            "INSERT INTO records (id, kind, village_id, doc, updated_seq)
             VALUES (?1, 'household', ?2, '{\"basic\":{\"phone\":\"13900000001\"}}', 1)",
            params![record, village],
        )
        .expect("record");
    }
    let clock = Arc::new(SettableClock::new(0));
    let state = AppState::open(&path, clock.clone()).expect("today's server opens it");
    let conn = db::open(&path).expect("open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, db::MIGRATIONS.len() as i64);
    // The timeline is the policy's now, as the county had left it.
    let policy = state.rules.policy();
    let entry = policy
        .phases
        .iter()
        .find(|p| p.name == jiandang_domain::policy::PhaseName::Entry)
        .expect("entry");
    assert_eq!(entry.ends.to_string(), "2018-12-05");
    assert_eq!(
        policy.poverty_line.to_string(),
        "3400.00",
        "the rest is Shangqiu 2018's"
    );
    let old_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'phases')",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert!(!old_table, "one source: the phases table is gone");
    // What it held reads through today's storage.
    let store = jiandang_server::storage::Store::new(&conn);
    let record = store
        .record(
            "00000000-0000-0000-0000-000000000001"
                .parse()
                .expect("uuid"),
        )
        .expect("read")
        .expect("the record");
    assert_eq!(record.doc["basic"]["phone"], "13900000001");
    let (_, history) = store.history(record.id).expect("history").expect("logged");
    assert_eq!(history.len(), 1);
    // Opening again finds the policy stored, not seeded again.
    drop(state);
    clock.set(clock.now_ms() + 1);
    let again = AppState::open(&path, clock).expect("reopen");
    assert_eq!(*again.rules.policy(), *policy);
}
