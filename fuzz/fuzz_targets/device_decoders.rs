//! The device's decoders: a snapshot or a pull page as a server (or anything in between)
//! might send it, landed in a real replica. Oracles: no panic; a bad answer is an error, and
//! the replica stays readable.

#![no_main]

use std::sync::OnceLock;

use jiandang_protocol::{PullPage, Snapshot};
use jiandang_replica::Replica;
use libfuzzer_sys::fuzz_target;

fn replica() -> &'static Replica {
    static REPLICA: OnceLock<(Replica, tempfile::TempDir)> = OnceLock::new();
    &REPLICA
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("dir");
            let replica = Replica::open(&dir.path().join("replica.sqlite")).expect("replica");
            (replica, dir)
        })
        .0
}

fuzz_target!(|data: &[u8]| {
    let r = replica();
    let Some((kind, json)) = data.split_first() else {
        return;
    };
    if kind % 2 == 0 {
        if let Ok(snap) = serde_json::from_slice::<Snapshot>(json) {
            let _ = r.apply_snapshot(&snap);
        }
    } else if let Ok(page) = serde_json::from_slice::<PullPage>(json) {
        let _ = r.apply_pull_page(&page.changes, page.next_after);
    }
    r.all_records().expect("the replica stays readable");
    r.outbox_summary().expect("and its status too");
});
