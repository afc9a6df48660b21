//! End to end: photo completeness per household against the real server. One picture attached
//! to two households is one blob on the device and on the server; each household shows its
//! photos uploaded only once that blob is, and a household's new photo waits on its own.

use jiandang_domain::RecordKind;
use jiandang_domain::photo::PhotoKind;
use jiandang_e2e::*;
use jiandang_replica::Replica;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_shared_by_two_households_counts_for_each_only_once_uploaded() {
    let county = County::in_entry_window();
    let server = county.start_server();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let a = county.device("a");
    a.enroll(&server.url(), WORKERS[0]).await;
    let (h1, h2) = (Replica::new_id(), Replica::new_id());
    for (h, number) in [(h1, "4114210301"), (h2, "4114210302")] {
        a.save(
            RecordKind::Household,
            h,
            county.village,
            &household_doc(h, county.village, number),
        );
    }
    // The same picture of a shared courtyard, attached to both households.
    let picture = test_jpeg(1200, 900);
    let p1 = a
        .replica
        .import_photo(&picture, h1, county.village, PhotoKind::HouseFront)
        .expect("h1");
    let p2 = a
        .replica
        .import_photo(&picture, h2, county.village, PhotoKind::HouseFront)
        .expect("h2");
    assert_eq!(p1.sha256, p2.sha256, "one blob");
    assert_ne!(p1.id, p2.id, "two photo records");
    for h in [h1, h2] {
        assert!(!a.replica.photos_complete(h).expect("complete"), "waiting");
    }

    a.sync().await.expect("sync");
    for h in [h1, h2] {
        assert!(
            a.replica.photos_complete(h).expect("complete"),
            "uploaded once, complete for both"
        );
    }
    // A new photo of the second household: it waits, the first household stays complete.
    a.replica
        .import_photo(
            &test_jpeg(900, 1200),
            h2,
            county.village,
            PhotoKind::Kitchen,
        )
        .expect("kitchen");
    assert!(a.replica.photos_complete(h1).expect("h1"));
    assert!(!a.replica.photos_complete(h2).expect("h2"));
    a.sync().await.expect("sync again");
    assert!(a.replica.photos_complete(h2).expect("h2"));
}
