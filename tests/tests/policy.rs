//! End to end: the year's policy comes from the county (issue 12). A device takes its
//! county's policy from `GET /api/v1/policy` (the county admin sets it with
//! `PUT /api/v1/admin/policy`) at enrolment and at every sync round, keeps it in
//! its replica, and judges by it offline: a county whose line is 3,600 refuses on the device
//! the exit a 3,400 county allows (W1).

use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::policy::YearPolicy;
use jiandang_e2e::*;
use jiandang_replica::Acted;
use serde_json::{Value, json};
use uuid::Uuid;

const OK: &str = include_str!("../../examples/household-ok.json");

/// A registered household of `village` whose net income is 3,500 per head: over 3,400,
/// under 3,600; otherwise ready to be proposed for exit.
fn household_at_3500(village: Uuid) -> Vec<jiandang_domain::StoredRecord> {
    let mut v: Value = serde_json::from_str(OK).expect("example");
    v["requested_action"] = Value::Null;
    v["household"]["basic"]["status"] = json!("0");
    v["exit_procedures"] = json!([]);
    let income = &mut v["household"]["income"];
    income["wage"] = json!("7500.00");
    income["gross"] = json!("15500.00");
    income["net"] = json!("14000.00");
    income["net_per_capita"] = json!("3500.00");
    household_file_records(&v.to_string())
        .expect("records")
        .records
        .into_iter()
        .map(|mut r| {
            r.village_id = village;
            if let Some(obj) = r.doc.as_object_mut()
                && obj.contains_key("village_id")
            {
                obj.insert("village_id".into(), json!(village.to_string()));
            }
            r
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_judges_offline_by_the_policy_its_county_serves_w1() {
    let county = County::in_entry_window();
    let server = county.start_server();
    let admin = Admin::login(&server.url()).await;
    let county_policy = admin.policy().await;
    assert_eq!(
        county_policy.poverty_line,
        jiandang_domain::Money::from_yuan(3400)
    );
    let mut doc = serde_json::to_value(&county_policy).expect("policy");
    doc["poverty_line"] = json!("3600");
    let higher = YearPolicy::from_json(&doc.to_string()).expect("a 3,600 policy");
    admin.set_policy(&higher).await;
    let d = county.device("a");
    assert_eq!(
        d.replica
            .policy()
            .expect_err("none before enrolment")
            .code(),
        "no_policy"
    );
    d.enroll(&server.url(), WORKERS[0]).await;
    assert_eq!(
        d.replica
            .policy()
            .expect("fetched at enrolment")
            .poverty_line,
        jiandang_domain::Money::from_yuan(3600),
    );
    let records = household_at_3500(county.village);
    for r in &records {
        d.save(r.kind, r.id, r.village_id, &r.doc);
    }
    let h = records[0].id;
    let addr = server.addr;
    server.kill();

    // Offline: the county's 3,600 decides.
    let refused = d.replica.propose_exit(h).expect("propose");
    let Acted::Refused { reasons } = &refused else {
        panic!("3,500 is under the county's 3,600: {refused:?}");
    };
    assert!(
        reasons
            .iter()
            .any(|f| f.requirement.as_deref() == Some("W1") && f.message.contains("3600")),
        "{reasons:#?}"
    );

    // The county goes back to Shangqiu's 3,400; the device's next round takes it.
    let server = TestServer::start_on(addr, &county.db_path, county.clock.clone());
    admin.set_policy(&county_policy).await;
    d.sync().await.expect("sync");
    assert_eq!(
        d.replica.policy().expect("policy").poverty_line,
        jiandang_domain::Money::from_yuan(3400),
    );
    let allowed = d.replica.propose_exit(h).expect("propose");
    assert!(allowed.is_done(), "3,500 is over 3,400: {allowed:?}");
    drop(server);
}
