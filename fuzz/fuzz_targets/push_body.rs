//! The push body: raw bytes (the JSON reader, the protocol check) or a change set built from
//! the fuzzer's bytes (paths, values, stamps, sequence numbers, references, villages), sent
//! through the real router. Oracles: never a 5xx; afterwards snapshot and pull still answer.

#![no_main]

use std::cell::Cell;

use arbitrary::Unstructured;
use jiandang_fuzz::{assert_not_failed, county, path, value};
use jiandang_protocol::Hlc;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use uuid::Uuid;

const KINDS: [&str; 6] = [
    "household",
    "member",
    "member_change",
    "photo",
    "helper",
    "village",
];

fn change_set(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<u8>> {
    let c = county();
    let n = u.int_in_range(1..=8)?;
    let mut changes = Vec::new();
    for _ in 0..n {
        // A few records, so that changes meet and pile up on them.
        let record = Uuid::from_u128(0x1000 + u128::from(u.int_in_range(0..=7u8)?));
        let village = if u.ratio(7, 8)? {
            c.village_a
        } else {
            c.village_b
        };
        let field = if u.ratio(1, 2)? {
            [
                "household_id",
                "basic.status",
                "income.wage",
                "pairings",
                "sha256",
                "subject_id",
            ][u.choose_index(6)?]
            .to_owned()
        } else {
            path(u)?
        };
        let new = if u.ratio(1, 4)? {
            // A reference to one of the records, or a village.
            json!(Uuid::from_u128(
                0x1000 + u128::from(u.int_in_range(0..=9u8)?)
            ))
        } else {
            value(u, 20)?
        };
        let wall = match u.int_in_range(0..=3)? {
            0 => u.arbitrary::<i64>()?.clamp(0, 999_999_999_999_999),
            _ => c.now_ms + i64::from(u.int_in_range(-600_000..=600_000)?),
        };
        let node = if u.ratio(15, 16)? {
            c.device.to_string()
        } else {
            u.arbitrary()?
        };
        let base_seq: u64 = if u.ratio(7, 8)? {
            u.int_in_range(0..=64)?
        } else {
            u.arbitrary()?
        };
        changes.push(json!({
            "change_id": Uuid::from_u128(u.arbitrary()?),
            "record_id": record,
            "kind": KINDS[u.choose_index(KINDS.len())?],
            "village_id": village,
            "field": field,
            "old": null,
            "new": new,
            "base_seq": base_seq,
            "hlc": Hlc { wall_ms: wall, counter: u.int_in_range(0..=99_999)?, node },
        }));
    }
    let set = json!({"protocol": 2, "change_set_id": Uuid::from_u128(u.arbitrary()?),
        "device_id": c.device, "changes": changes});
    Ok(serde_json::to_vec(&set).unwrap_or_default())
}

thread_local! {
    static RUNS: Cell<u64> = const { Cell::new(0) };
}

fuzz_target!(|data: &[u8]| {
    let c = county();
    let body = match data.split_first() {
        Some((0, raw)) => raw.to_vec(),
        _ => match change_set(&mut Unstructured::new(data)) {
            Ok(body) => body,
            Err(_) => return,
        },
    };
    let (status, answer) = c.send("POST", "/api/v1/push", "application/json", body);
    assert_not_failed(status, &answer);
    // Reading the county back is the slow part: every few runs, and after every accepted set.
    let n = RUNS.with(|r| {
        r.set(r.get() + 1);
        r.get()
    });
    if n % 16 == 0 || String::from_utf8_lossy(&answer).contains("\"accepted\"") {
        c.check_readable();
    }
});
