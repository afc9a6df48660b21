//! The limits on a change's path and value at push (issue 11, item 2): anything the server
//! accepts can be stored, read again, snapshotted, pulled and edited again; anything over
//! the limits is refused per change; and a stored record the server cannot read (written
//! before the limits held) is set aside by the snapshot instead of failing its village.

mod support;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use jiandang_protocol::{Snapshot, flatten, limits, unflatten};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use support::{At, County, outcome};
use uuid::Uuid;

/// A path of 1 to 12 segments from a small alphabet (so that paths of one record lie above
/// and below each other), now and then one segment long enough to break the byte limit.
fn arb_path() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec("[a-c]{1,2}", 1..=12).prop_map(|s| s.join(".")),
        1 => "[a-c]{1,2}".prop_map(|s| format!("{s}.{}", "长".repeat(70))),
    ]
}

/// A JSON value up to 20 levels deep (the limit is 16), now and then over 64 KiB.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z\u{4e00}-\u{4e10}𠀾]{0,6}".prop_map(Value::String),
    ];
    let tree = leaf.prop_recursive(20, 64, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-c]{1,2}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>())),
        ]
    });
    prop_oneof![
        12 => tree,
        1 => (0usize..3).prop_map(|n| json!("字".repeat(limits::MAX_VALUE_BYTES / 3 - 1 + n))),
        2 => (14usize..20).prop_map(|d| (0..d).fold(json!("x"), |v, _| json!([v]))),
    ]
}

/// What the snapshot should carry for a record whose fields hold `leaves`: the form built
/// from its non-null leaves, as leaves again.
fn expected_leaves(leaves: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    let set: BTreeMap<String, Value> = leaves
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if set.is_empty() {
        return BTreeMap::new();
    }
    flatten(&unflatten(&set))
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect()
}

async fn snapshot(county: &County, token: &str) -> Snapshot {
    let (status, body) = county
        .call("GET", "/api/v1/snapshot", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "snapshot: {body}");
    serde_json::from_value(body).expect("snapshot shape")
}

fn record_leaves(snap: &Snapshot, id: Uuid) -> Option<BTreeMap<String, Value>> {
    snap.records()
        .expect("rows decode")
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.leaves)
}

#[test]
fn whatever_is_accepted_can_be_read_snapshotted_pulled_and_edited_again() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let county = rt.block_on(County::new());
    let worker = rt.block_on(county.enroll("worker_a"));
    let reader = rt.block_on(county.enroll("worker_a"));
    let admin = rt.block_on(county.enroll("admin"));
    let mut runner = TestRunner::new(Config {
        cases: 96,
        ..Config::default()
    });
    let edits = prop::collection::vec((arb_path(), arb_value()), 1..5);
    runner
        .run(&edits, |edits| {
            rt.block_on(async {
                let record = Uuid::new_v4();
                let changes: Vec<Value> = edits
                    .iter()
                    .map(|(path, value)| {
                        county.change(
                            &worker,
                            &At {
                                record,
                                kind: "household",
                                village: county.village_a,
                            },
                            path,
                            value.clone(),
                            0,
                        )
                    })
                    .collect();
                let answer = county.push(&worker, changes.clone()).await;
                let mut held: BTreeMap<String, Value> = BTreeMap::new();
                let mut accepted = Vec::new();
                for (i, (path, value)) in edits.iter().enumerate() {
                    let o = outcome(&answer, i);
                    let within = limits::check_field(path, value).is_ok();
                    assert_eq!(o["status"] == "accepted", within, "{path} = {value}: {o}");
                    if within {
                        held.insert(path.clone(), value.clone());
                        accepted.push((changes[i]["change_id"].clone(), path.clone()));
                    } else {
                        assert_eq!(o["code"], "bad_request", "{o}");
                    }
                }
                let expected = expected_leaves(&held);
                for token in [&worker.token, &admin.token] {
                    let snap = snapshot(&county, token).await;
                    assert!(snap.unreadable.is_empty(), "{:?}", snap.unreadable);
                    let got = record_leaves(&snap, record);
                    if accepted.is_empty() {
                        assert_eq!(got, None);
                    } else {
                        assert_eq!(got.unwrap_or_default(), expected);
                    }
                }
                if accepted.is_empty() {
                    return;
                }
                // Another device of the village pulls every accepted change, once.
                let (status, page) = county
                    .call(
                        "GET",
                        "/api/v1/pull?after=0&limit=5000",
                        Some(&reader.token),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{page}");
                for (id, path) in &accepted {
                    let n = page["changes"]
                        .as_array()
                        .expect("changes")
                        .iter()
                        .filter(|c| &c["change_id"] == id)
                        .count();
                    assert_eq!(n, 1, "{path} pulled once");
                }
                let (status, history) = county
                    .call(
                        "GET",
                        &format!("/api/v1/records/{record}/history"),
                        Some(&worker.token),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{history}");
                // Every field accepted can be edited again, then cleared.
                for (i, new) in [json!("改过"), Value::Null].into_iter().enumerate() {
                    let (status, page) = county
                        .call(
                            "GET",
                            "/api/v1/pull?after=0&limit=5000",
                            Some(&reader.token),
                            None,
                        )
                        .await;
                    assert_eq!(status, StatusCode::OK);
                    let base = page["next_after"].as_u64().expect("cursor");
                    let again: Vec<Value> = held
                        .keys()
                        .map(|path| {
                            county.change(
                                &worker,
                                &At {
                                    record,
                                    kind: "household",
                                    village: county.village_a,
                                },
                                path,
                                new.clone(),
                                base,
                            )
                        })
                        .collect();
                    let answer = county.push(&worker, again).await;
                    for (j, path) in held.keys().enumerate() {
                        assert_eq!(
                            outcome(&answer, j)["status"],
                            "accepted",
                            "round {i}: {path}"
                        );
                    }
                    let snap = snapshot(&county, &worker.token).await;
                    assert!(snap.unreadable.is_empty());
                    let edited: BTreeMap<String, Value> =
                        held.keys().map(|p| (p.clone(), new.clone())).collect();
                    assert_eq!(
                        record_leaves(&snap, record).unwrap_or_default(),
                        expected_leaves(&edited),
                        "round {i}"
                    );
                }
            });
            Ok(())
        })
        .expect("property");
}

/// A 120-deep array under a 12-segment path, stored as the server stored it before the
/// limits held: its record's form is 133 levels deep, past what serde_json reads.
fn store_unreadable_record(county: &County, record: Uuid) -> String {
    let path = (0..12)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(".");
    let value = (0..120).fold(json!("x"), |v, _| json!([v]));
    let doc = unflatten(&BTreeMap::from([(path.clone(), value.clone())]));
    let conn = county.db();
    conn.execute(
        "INSERT INTO records (id, kind, village_id, doc, updated_seq)
         VALUES (?1, 'household', ?2, ?3, 1)",
        rusqlite::params![
            record.to_string(),
            county.village_a.to_string(),
            serde_json::to_string(&doc).expect("doc")
        ],
    )
    .expect("record");
    conn.execute(
        "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
         VALUES (?1, ?2, ?3, 1, '000000000000001-00000-old', ?4, ?4)",
        rusqlite::params![
            record.to_string(),
            path,
            serde_json::to_string(&value).expect("value"),
            Uuid::nil().to_string()
        ],
    )
    .expect("field");
    path
}

#[tokio::test]
async fn a_record_the_server_cannot_read_is_reported_not_allowed_to_fail_the_village() {
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let admin = county.enroll("admin").await;
    let good = Uuid::new_v4();
    let c = county.change(
        &worker,
        &At {
            record: good,
            kind: "household",
            village: county.village_a,
        },
        "basic.year",
        json!(2018),
        0,
    );
    county.push(&worker, vec![c]).await;
    let bad = Uuid::new_v4();
    let path = store_unreadable_record(&county, bad);

    for token in [&worker.token, &admin.token] {
        let snap = snapshot(&county, token).await;
        assert_eq!(snap.unreadable, vec![bad]);
        assert!(
            record_leaves(&snap, good).is_some(),
            "the rest of the village comes"
        );
        assert_eq!(record_leaves(&snap, bad), None);
    }
    // The record can still be edited, and the bad field cleared.
    let edit = county.change(
        &worker,
        &At {
            record: bad,
            kind: "household",
            village: county.village_a,
        },
        "basic.year",
        json!(2019),
        1,
    );
    let answer = county.push(&worker, vec![edit]).await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
    let clear = county.change(
        &worker,
        &At {
            record: bad,
            kind: "household",
            village: county.village_a,
        },
        &path,
        Value::Null,
        1,
    );
    let answer = county.push(&worker, vec![clear]).await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
    let snap = snapshot(&county, &worker.token).await;
    assert!(snap.unreadable.is_empty());
    assert_eq!(
        record_leaves(&snap, bad),
        Some(BTreeMap::from([("basic.year".to_owned(), json!(2019))]))
    );
}

#[tokio::test]
async fn the_probes_value_is_refused_and_the_village_keeps_its_snapshot() {
    // The probe of issue 11: one help-unit field, a 12-segment path holding a 120-deep array.
    let county = County::new().await;
    let worker = county.enroll("worker_a").await;
    let record = Uuid::new_v4();
    let path = (0..12)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(".");
    let deep = (0..120).fold(json!("x"), |v, _| json!([v]));
    let cases = [
        (path.clone(), json!("x"), "路径过长"),
        ("name".to_owned(), deep, "嵌套过深"),
        ("name".to_owned(), json!("字".repeat(30_000)), "太大"),
        ("a..b".to_owned(), json!(1), "路径无效"),
    ];
    for (path, value, message) in cases {
        let c = county.change(
            &worker,
            &At {
                record,
                kind: "help_unit",
                village: county.village_a,
            },
            &path,
            value,
            0,
        );
        let answer = county.push(&worker, vec![c]).await;
        let o = outcome(&answer, 0);
        assert_eq!(o["code"], "bad_request", "{path}: {o}");
        assert!(
            o["message"].as_str().is_some_and(|m| m.contains(message)),
            "{o}"
        );
    }
    let snap = snapshot(&county, &worker.token).await;
    assert!(snap.is_empty() && snap.unreadable.is_empty());
}
