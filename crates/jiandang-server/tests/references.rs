//! References stay inside a village (issue 11, item 6): a record may name a record of its
//! own village only, through any reference field the domain's forms declare; a push's answer
//! never carries another village's findings, and never overwrites them.

mod support;

use serde_json::{Value, json};
use support::{At, County, Token, outcome};
use uuid::Uuid;

/// Village B's household with a member (a real ID number), as its survey worker made it.
async fn village_b_household(county: &County, b: &Token) -> (Uuid, Uuid, Uuid) {
    let (household, member, helper) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let h = At {
        record: household,
        kind: "household",
        village: county.village_b,
    };
    let m = At {
        record: member,
        kind: "member",
        village: county.village_b,
    };
    let hp = At {
        record: helper,
        kind: "helper",
        village: county.village_b,
    };
    let changes = vec![
        county.change(b, &h, "basic.household_size", json!(1), 0),
        county.change(b, &h, "income.wage", json!("5200.00"), 0),
        county.change(b, &m, "household_id", json!(household), 0),
        county.change(b, &m, "name", json!("王𠮷"), 0),
        county.change(b, &m, "id_number", json!("411421198001010016"), 0),
        county.change(b, &m, "relationship", json!("02"), 0),
        county.change(b, &hp, "name", json!("李四"), 0),
    ];
    let answer = county.push(b, changes).await;
    for i in 0..7 {
        assert_eq!(outcome(&answer, i)["status"], "accepted", "{answer}");
    }
    (household, member, helper)
}

fn stored_findings(county: &County, record: Uuid) -> Option<String> {
    county
        .db()
        .query_row(
            "SELECT findings FROM findings WHERE record_id = ?1",
            [record.to_string()],
            |r| r.get(0),
        )
        .ok()
}

fn findings_name(answer: &Value, record: Uuid) -> bool {
    answer["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["record_id"] == json!(record))
}

#[tokio::test]
async fn a_reference_into_another_village_is_refused_and_its_findings_stay_there() {
    let county = County::new().await;
    let a = county.enroll("worker_a").await;
    let b = county.enroll("worker_b").await;
    let (household_b, member_b, helper_b) = village_b_household(&county, &b).await;
    let before = stored_findings(&county, household_b);
    assert!(before.is_some());

    let own_household = Uuid::new_v4();
    let in_a = |kind: &'static str| At {
        record: Uuid::new_v4(),
        kind,
        village: county.village_a,
    };
    let own = At {
        record: own_household,
        ..in_a("household")
    };
    let unknown = Uuid::new_v4();
    // (the change, the expected outcome: accepted, or the refusal's code)
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "a member of B's household",
            county.change(&a, &in_a("member"), "household_id", json!(household_b), 0),
            "forbidden_village",
        ),
        (
            "a member change of B's member",
            county.change(&a, &in_a("member_change"), "member_id", json!(member_b), 0),
            "forbidden_village",
        ),
        (
            "a photo of B's household",
            county.change(&a, &in_a("photo"), "subject_id", json!(household_b), 0),
            "forbidden_village",
        ),
        (
            "a household in village B",
            county.change(&a, &own, "village_id", json!(county.village_b), 0),
            "forbidden_village",
        ),
        (
            "B's helper paired with a household of A",
            county.change(
                &a,
                &own,
                "pairings",
                json!([{"helper_id": helper_b, "start": "2018-01-01"}]),
                0,
            ),
            "forbidden_village",
        ),
        (
            "B's household among proof photos",
            county.change(
                &a,
                &in_a("member_change"),
                "proof_photo_ids",
                json!([unknown, household_b]),
                0,
            ),
            "forbidden_village",
        ),
        (
            "an id that is no id",
            county.change(&a, &in_a("member"), "household_id", json!("4114"), 0),
            "bad_request",
        ),
        (
            "a path under a reference",
            county.change(&a, &in_a("member"), "household_id.x", json!(household_b), 0),
            "bad_request",
        ),
        (
            "a record not on the server yet",
            county.change(&a, &in_a("member"), "household_id", json!(unknown), 0),
            "accepted",
        ),
        (
            "its own village",
            county.change(&a, &own, "village_id", json!(county.village_a), 0),
            "accepted",
        ),
    ];
    for (name, change, expected) in cases {
        let answer = county.push(&a, vec![change]).await;
        let o = outcome(&answer, 0);
        let got = o["code"]
            .as_str()
            .unwrap_or(o["status"].as_str().unwrap_or(""));
        assert_eq!(got, expected, "{name}: {o}");
        assert!(
            !findings_name(&answer, household_b) && !findings_name(&answer, member_b),
            "{name}: the answer carries village B's findings: {answer}"
        );
    }
    assert_eq!(stored_findings(&county, household_b), before);
}

#[tokio::test]
async fn a_cross_village_link_stored_before_the_check_is_never_followed() {
    let county = County::new().await;
    let a = county.enroll("worker_a").await;
    let b = county.enroll("worker_b").await;
    let (household_b, member_b, _) = village_b_household(&county, &b).await;
    let before = stored_findings(&county, household_b);
    // A member of village A that names B's household, as the server stored it before.
    let member = Uuid::new_v4();
    let conn = county.db();
    conn.execute(
        "INSERT INTO records (id, kind, village_id, doc, updated_seq) VALUES (?1, 'member', ?2, ?3, 1)",
        rusqlite::params![
            member.to_string(),
            county.village_a.to_string(),
            json!({"household_id": household_b}).to_string()
        ],
    )
    .expect("record");
    conn.execute(
        "INSERT INTO fields (record_id, path, value, seq, hlc, user_id, device_id)
         VALUES (?1, 'household_id', ?2, 1, '000000000000001-00000-old', ?3, ?3)",
        rusqlite::params![
            member.to_string(),
            json!(household_b.to_string()).to_string(),
            Uuid::nil().to_string()
        ],
    )
    .expect("field");
    let m = At {
        record: member,
        kind: "member",
        village: county.village_a,
    };
    let answer = county
        .push(&a, vec![county.change(&a, &m, "name", json!("张三"), 7)])
        .await;
    assert_eq!(outcome(&answer, 0)["status"], "accepted", "{answer}");
    assert!(!findings_name(&answer, household_b) && !findings_name(&answer, member_b));
    assert_eq!(stored_findings(&county, household_b), before);
    // Nor is the foreign member judged with B's household when B's worker pushes.
    let h = At {
        record: household_b,
        kind: "household",
        village: county.village_b,
    };
    let answer = county
        .push(
            &b,
            vec![county.change(&b, &h, "basic.phone", json!("13800000000"), 7)],
        )
        .await;
    assert!(!findings_name(&answer, member), "{answer}");
}
