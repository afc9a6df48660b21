//! End to end: a phone whose clock runs days ahead (issue 11, item 3). Its edits must not
//! beat an honest later edit for days; the server refuses its stamps (`clock_skew`), the
//! device stamps them again by the server's time and sends them, and tells its user that
//! its clock is wrong.

use std::sync::atomic::{AtomicI64, Ordering};

use jiandang_domain::RecordKind;
use jiandang_e2e::*;
use jiandang_protocol::{CLOCK_TOLERANCE_MS, Hlc};
use jiandang_replica::Replica;
use jiandang_server::Clock as _;
use serde_json::json;

const THREE_DAYS: i64 = 3 * 86_400_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_three_days_fast_does_not_beat_a_later_honest_edit_and_is_told_its_clock_is_wrong()
{
    let county = County::in_entry_window();
    let server = county.start_server();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // The phone's clock is right while it takes the household, then jumps three days ahead
    // (set by hand, or reset by a flat battery) while it works offline.
    let honest = county.device_clock();
    let ahead = std::sync::Arc::new(AtomicI64::new(0));
    let jump = ahead.clone();
    let fast_clock: jiandang_replica::Clock =
        std::sync::Arc::new(move || honest() + jump.load(Ordering::SeqCst));
    let a = county.device("a");
    let fast = Device::open(county.dir.path(), "fast", fast_clock);
    let c = county.device("c");
    for (d, user) in [(&a, WORKERS[0]), (&fast, WORKERS[1]), (&c, WORKERS[2])] {
        d.enroll(&server.url(), user).await;
    }
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210800"),
    );
    a.sync().await.expect("a");
    fast.sync().await.expect("fast takes the household");
    c.sync().await.expect("c takes the household");

    // The fast phone edits the wage first (stamped three days ahead), the honest one later.
    ahead.store(THREE_DAYS, Ordering::SeqCst);
    fast.set_field(h, "income.wage", json!("9999.00"));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    c.set_field(h, "income.wage", json!("2400.00"));
    let report = fast
        .sync()
        .await
        .expect("fast pushes: refused once, stamped again, sent");
    assert_eq!(report.accepted, 1, "{report:?}");
    c.sync().await.expect("c pushes the later edit");

    let admin = Admin::login(&server.url()).await;
    assert_eq!(
        admin.server_state().await[&h]["income.wage"],
        json!("2400.00"),
        "the later honest edit wins"
    );
    fast.sync().await.expect("fast pulls");
    assert_eq!(fast.field(h, "income.wage"), json!("2400.00"));
    assert!(
        fast.replica
            .conflicts()
            .expect("conflicts")
            .iter()
            .any(|x| x.ours == json!("9999.00")),
        "the fast phone's value is kept as a conflict, not lost"
    );

    // No stamp in the county's log is ahead of the server's clock by more than it tolerates.
    let latest = county.clock.now_ms() + CLOCK_TOLERANCE_MS;
    let conn = county.server_db();
    let mut stmt = conn.prepare("SELECT hlc FROM change_log").expect("prepare");
    let stamps: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    for s in &stamps {
        let hlc = Hlc::parse(s).expect("stamp");
        assert!(hlc.wall_ms <= latest, "{s} is ahead of the server");
    }

    // The fast phone's later edits go up at once, stamped by the server's time.
    fast.set_field(h, "basic.phone", json!("13900000000"));
    let report = fast.sync().await.expect("fast again");
    assert_eq!(report.accepted, 1, "{report:?}");
    let stamp = fast.replica.clock().expect("clock");
    assert!(stamp.wall_ms <= county.clock.now_ms() + CLOCK_TOLERANCE_MS);

    // What the sync screen shows.
    let summary = fast.replica.outbox_summary().expect("summary");
    assert!(summary.clock_wrong, "{summary:?}");
    let skew = summary.clock_skew_ms.expect("measured");
    assert!(
        (-THREE_DAYS - 60_000..=-THREE_DAYS + 60_000).contains(&skew),
        "about three days fast: {skew}"
    );
    let honest = a.replica.outbox_summary().expect("summary");
    assert!(!honest.clock_wrong, "{honest:?}");
}
