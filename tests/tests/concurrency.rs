//! Writers and pullers at once against a real server: every change the server accepts
//! reaches every puller whose villages it belongs to, exactly once, and no other puller
//! (issue 11, item 1: pages whose cursor jumped over changes committed while they were
//! read).
//!
//! The test runs for `JIANDANG_CONCURRENCY_SECS` seconds (3 by default, for CI); run it
//! longer by hand, e.g. `JIANDANG_CONCURRENCY_SECS=90 cargo test -p jiandang-e2e --test
//! concurrency`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jiandang_domain::RecordKind;
use jiandang_e2e::{ADMIN, County, OUTSIDER, RawDevice, WORKERS};
use jiandang_protocol::{Change, ChangeSet, Hlc, PushResponse};
use serde_json::json;
use uuid::Uuid;

/// A change the server accepted, and the village it belongs to.
type Accepted = (Uuid, Uuid);

fn duration() -> Duration {
    let secs = std::env::var("JIANDANG_CONCURRENCY_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    Duration::from_secs(secs)
}

/// Pushes small sets until the deadline: new households, and edits of households the
/// writers share (so that some changes lose and are not pulled). Returns what was accepted.
async fn write(
    device: RawDevice,
    villages: Vec<Uuid>,
    shared: Vec<(Uuid, Uuid)>,
    clock: jiandang_replica::Clock,
    deadline: Instant,
) -> Vec<Accepted> {
    let mut accepted = Vec::new();
    let mut hlc = Hlc::zero(device.device_id.to_string());
    let mut n: u64 = 0;
    while Instant::now() < deadline {
        n += 1;
        let mut changes = Vec::new();
        for i in 0..(1 + n % 4) {
            hlc = hlc.tick(clock());
            let (record, village) = if i == 0 && n.is_multiple_of(3) {
                shared[(n as usize) % shared.len()]
            } else {
                (Uuid::now_v7(), villages[(n as usize) % villages.len()])
            };
            changes.push(Change {
                change_id: Uuid::now_v7(),
                record_id: record,
                kind: RecordKind::Household,
                village_id: village,
                field: ["basic.year", "income.wage", "basic.phone"][(i as usize) % 3].to_owned(),
                old: json!(null),
                new: json!(format!("{n}-{i}")),
                base_seq: 0,
                hlc: hlc.clone(),
            });
        }
        let set = ChangeSet::new(Uuid::now_v7(), device.device_id, changes.clone());
        let (status, body) = device.push(&set).await;
        assert_eq!(status, 200, "push: {body}");
        let answer: PushResponse = serde_json::from_value(body).expect("push answer");
        for (change, result) in changes.iter().zip(&answer.results) {
            if matches!(result.outcome, jiandang_protocol::Outcome::Accepted { .. }) {
                accepted.push((change.change_id, change.village_id));
            }
        }
    }
    accepted
}

/// Pulls as fast as it can until told to stop, then to the end; counts each change id seen.
async fn pull(device: RawDevice, limit: u32, stop: Arc<AtomicBool>) -> BTreeMap<Uuid, u32> {
    let mut seen: BTreeMap<Uuid, u32> = BTreeMap::new();
    let mut after = 0;
    loop {
        // Read before the page: a page read after the writers stopped sees all they wrote.
        let stopping = stop.load(Ordering::SeqCst);
        let page = device.pull(after, limit).await;
        for c in &page.changes {
            *seen.entry(c.change.change_id).or_default() += 1;
        }
        assert!(page.next_after >= after, "the cursor never goes back");
        after = page.next_after;
        if stopping && !page.more {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_accepted_change_reaches_every_puller_of_its_villages_exactly_once() {
    let county = County::in_entry_window();
    let server = county.start_server();
    let base = server.url();
    let (a, b) = (county.village, county.other_village);
    let shared = [(Uuid::now_v7(), a), (Uuid::now_v7(), b)];
    let deadline = Instant::now() + duration();

    let mut writers = Vec::new();
    for (user, villages) in [
        (WORKERS[0], vec![a]),
        (WORKERS[1], vec![a]),
        (OUTSIDER, vec![b]),
        (ADMIN, vec![a, b]),
    ] {
        let device = RawDevice::enroll(&base, user, "写入").await;
        let shared: Vec<_> = shared
            .iter()
            .copied()
            .filter(|(_, v)| villages.contains(v))
            .collect();
        writers.push(tokio::spawn(write(
            device,
            villages,
            shared,
            county.device_clock(),
            deadline,
        )));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut pullers = Vec::new();
    for (user, limit, villages) in [
        (WORKERS[2], 50, vec![a]),
        (OUTSIDER, 7, vec![b]),
        (ADMIN, 50, vec![a, b]),
    ] {
        let device = RawDevice::enroll(&base, user, "拉取").await;
        pullers.push((
            user,
            villages,
            tokio::spawn(pull(device, limit, stop.clone())),
        ));
    }

    let mut accepted: Vec<Accepted> = Vec::new();
    for w in writers {
        accepted.extend(w.await.expect("writer"));
    }
    stop.store(true, Ordering::SeqCst);
    assert!(
        accepted.len() > 100,
        "the writers got work done: {}",
        accepted.len()
    );
    for (user, villages, task) in pullers {
        let seen = task.await.expect("puller");
        let expected: BTreeSet<Uuid> = accepted
            .iter()
            .filter(|(_, v)| villages.contains(v))
            .map(|(id, _)| *id)
            .collect();
        let missed = expected.iter().filter(|id| !seen.contains_key(id)).count();
        let twice = seen.values().filter(|n| **n > 1).count();
        let foreign = seen.keys().filter(|id| !expected.contains(id)).count();
        assert_eq!(
            (missed, twice, foreign),
            (0, 0, 0),
            "{user}: of {} accepted changes of its villages, missed / seen twice / not its own",
            expected.len()
        );
    }
}
