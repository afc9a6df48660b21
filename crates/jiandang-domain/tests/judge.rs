//! The one judgement pipeline (`judge`): records as stored → bundles → findings per record.
//! Which records make a household's bundle, what happens to records that do not read or
//! belong nowhere, the exit standard by the household's state (W1, W2, C9, Q2), and the
//! year's policy as data (a county with another line judges by its own).

use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::judge::file::household_file_records;
use jiandang_domain::judge::{Context, Judgement, judge, judge_bundle_of};
use jiandang_domain::policy::{SHANGQIU_2018, YearPolicy};
use jiandang_domain::{Finding, Money, RecordKind, Severity, StoredRecord, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

const OK: &str = include_str!("../../../examples/household-ok.json");

fn now() -> Timestamp {
    Timestamp::parse("2018-12-20T12:00:00+08:00").unwrap()
}

/// The ready example (预脱贫, its exit procedure complete) after `edit`, as stored records.
fn records(edit: impl FnOnce(&mut Value)) -> Vec<StoredRecord> {
    let mut v: Value = serde_json::from_str(OK).unwrap();
    v["requested_action"] = Value::Null;
    edit(&mut v);
    household_file_records(&v.to_string())
        .expect("the example reads")
        .records
}

fn judged(records: &[StoredRecord]) -> Judgement {
    let p = YearPolicy::shangqiu_2018();
    judge(records, &Context::new(&p, now()))
}

fn household_id(records: &[StoredRecord]) -> Uuid {
    records[0].id
}

fn codes(findings: &[Finding]) -> Vec<(&str, &str)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.path.as_str()))
        .collect()
}

fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0192f3a0_5b1c_7a00_8000_000000000000 | n)
}

#[test]
fn the_ready_example_is_clean_w1() {
    let j = judged(&records(|_| {}));
    assert!(j.records.iter().all(|r| r.all().next().is_none()), "{j:#?}");
}

/// Every record gets an entry, so a store can clear what it held before; a record that does
/// not read gets its error, never silence.
#[test]
fn every_record_is_answered_and_unreadable_ones_say_why_n1() {
    let mut rs = records(|_| {});
    let h = household_id(&rs);
    rs.push(StoredRecord {
        kind: RecordKind::Member,
        id: uuid(0x901),
        village_id: rs[0].village_id,
        doc: json!("not a member"),
    });
    rs.push(StoredRecord {
        kind: RecordKind::GpsFix,
        id: uuid(0x902),
        village_id: rs[0].village_id,
        doc: json!({"subject_id": h, "accuracy_m": 5.0}),
    });
    rs.push(StoredRecord {
        kind: RecordKind::Member,
        id: uuid(0x903),
        village_id: rs[0].village_id,
        doc: json!({"household_id": h, "name": "王某", "birth_date": "2001-02-29",
                     "relationship": "03", "status": "1"}),
    });
    let j = judged(&rs);
    assert_eq!(j.records.len(), rs.len());
    let of = |n| j.of(uuid(n));
    assert_eq!(codes(&of(0x901)), [("records.invalid", "")]);
    assert!(
        codes(&of(0x902)).contains(&("records.invalid", "")),
        "{:?}",
        of(0x902)
    );
    // The bad date is left out and the rest of the member still judged, with the household.
    let third = of(0x903);
    assert!(
        codes(&third).contains(&("records.invalid", "birth_date")),
        "{third:?}"
    );
    assert!(
        codes(&third).contains(&("member.sex_missing", "sex")),
        "{third:?}"
    );
    assert!(
        codes(&j.of(h)).contains(&("household.size_mismatch", "basic.household_size")),
        "the member that reads counts in the household: {:?}",
        j.of(h)
    );
}

/// A photo of a member, or of a step of the exit procedure, is the household's: judged with
/// it wherever it is judged, and a save of the photo judges the household.
#[test]
fn photos_of_a_household_s_records_are_its_own_c5() {
    let mut rs = records(|_| {});
    let h = household_id(&rs);
    let member = rs.iter().find(|r| r.kind == RecordKind::Member).unwrap().id;
    let procedure = rs
        .iter()
        .find(|r| r.kind == RecordKind::ExitProcedure)
        .unwrap()
        .id;
    for (n, subject) in [(0x911, member), (0x912, procedure)] {
        rs.push(StoredRecord {
            kind: RecordKind::Photo,
            id: uuid(n),
            village_id: rs[0].village_id,
            doc: json!({"subject_id": subject, "kind": "document",
                "sha256": "0".repeat(64), "thumb_sha256": "1".repeat(64), "bytes": 1000,
                "width": 640, "height": 480, "taken_at": "2018-10-19T02:00:00Z",
                "household_id": h}),
        });
    }
    let p = YearPolicy::shangqiu_2018();
    let ctx = Context::new(&p, now());
    let j = judge_bundle_of(uuid(0x911), &rs, &ctx);
    let ids: Vec<Uuid> = j.records.iter().map(|r| r.id).collect();
    assert!(ids.contains(&h) && ids.contains(&uuid(0x912)), "{ids:?}");
    assert!(j.records.iter().all(|r| r.all().next().is_none()), "{j:#?}");

    // A photo that names another household than its subject's is told so.
    rs.last_mut().unwrap().doc["household_id"] = json!(uuid(0x999));
    let j = judge(&rs, &ctx);
    assert_eq!(
        codes(&j.of(uuid(0x912))),
        [("bundle.wrong_household", "household_id")]
    );
}

/// A record whose household is not among the records is judged on its own and says so; a
/// second identification procedure is judged apart.
#[test]
fn a_record_of_no_bundle_is_judged_alone_n2() {
    let mut rs = records(|_| {});
    rs.push(StoredRecord {
        kind: RecordKind::Member,
        id: uuid(0x921),
        village_id: rs[0].village_id,
        doc: json!({"household_id": uuid(0x999), "name": "王某", "sex": "1"}),
    });
    let h = household_id(&rs);
    for n in [0x922, 0x923] {
        rs.push(StoredRecord {
            kind: RecordKind::Procedure,
            id: uuid(n),
            village_id: rs[0].village_id,
            doc: json!({"household_id": h, "kind": "new_identification", "steps": []}),
        });
    }
    let j = judged(&rs);
    let orphan = j.of(uuid(0x921));
    assert!(
        codes(&orphan).contains(&("bundle.owner_missing", "household_id")),
        "{orphan:?}"
    );
    assert!(
        codes(&orphan).contains(&("member.ethnicity_missing", "ethnicity")),
        "{orphan:?}"
    );
    assert!(j.of(uuid(0x922)).is_empty());
    assert_eq!(codes(&j.of(uuid(0x923))), [("bundle.duplicate", "")]);
}

/// The order records come in changes nothing.
#[test]
fn the_order_of_the_records_changes_nothing() {
    let rs = records(|v| {
        v["members"][1]["relationship"] = json!("01");
        v["members"][2]["sex"] = Value::Null;
    });
    let mut reversed = rs.clone();
    reversed.reverse();
    assert_eq!(judged(&rs).by_record(), judged(&reversed).by_record());
}

/// The exit standard by the household's state (settled in `judge`): 预脱贫 and exits of this
/// year are held to the gate (errors) and this year's exits to their procedure; earlier exits
/// get their 两不愁三保障 items and income as warnings; registered households are not held.
#[test]
fn the_exit_standard_holds_by_state_w1_w2_c9_q2() {
    use Severity::{Error, Warning};
    let housing = |v: &mut Value| {
        v["household"]["no_worries"]["housing"] = json!({"resolved": false, "reason": "危房"})
    };
    let exited = |year: i32| {
        move |v: &mut Value| {
            v["household"]["basic"]["status"] = json!("1");
            v["household"]["basic"]["exit_year"] = json!(year);
            v["household"]["basic"]["attribute"] = json!("05");
        }
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    type Expected = &'static [(&'static str, Severity, &'static str)];
    let cases: Vec<(&str, Vec<Edit>, Expected)> = vec![
        (
            "registered, unresolved: not held",
            vec![
                Box::new(|v: &mut Value| v["household"]["basic"]["status"] = json!("0")),
                Box::new(housing),
            ],
            &[],
        ),
        (
            "预脱贫, unresolved: refused as it stands",
            vec![Box::new(housing)],
            &[("exit.no_worries_unresolved", Error, "W2")],
        ),
        (
            "exited this year with its procedure: clean",
            vec![Box::new(exited(2018))],
            &[],
        ),
        (
            "exited this year without its procedure: a numbers-only exit",
            vec![
                Box::new(exited(2018)),
                Box::new(|v: &mut Value| v["exit_procedures"] = json!([])),
            ],
            &[("exit_procedure.missing", Error, "W1")],
        ),
        (
            "exited this year, recognition not signed by the head",
            vec![
                Box::new(exited(2018)),
                Box::new(|v: &mut Value| {
                    let spouse = v["members"][1]["id"].clone();
                    v["exit_procedures"][0]["steps"][2]["signed_by"] = spouse;
                }),
            ],
            &[("exit_procedure.recognition_not_head", Error, "Q2")],
        ),
        (
            "exited this year, basic information of last year",
            vec![
                Box::new(exited(2018)),
                Box::new(|v: &mut Value| {
                    v["household"]["basic"]["basic_info_updated_year"] = json!(2017)
                }),
            ],
            &[("exit.basic_info_not_updated", Error, "C9")],
        ),
        (
            "exited in 2016, unresolved now: a risk to review",
            vec![Box::new(exited(2016)), Box::new(housing)],
            &[("exit.no_worries_unresolved", Warning, "W2")],
        ),
        (
            "exited in 2016, last year's basic information: not this year's exit",
            vec![
                Box::new(exited(2016)),
                Box::new(|v: &mut Value| {
                    v["household"]["basic"]["basic_info_updated_year"] = json!(2016)
                }),
            ],
            &[],
        ),
    ];
    for (name, edits, want) in cases {
        let rs = records(|v| {
            for e in &edits {
                e(v);
            }
        });
        let j = judged(&rs);
        let mut got: Vec<(String, Severity, String)> = j
            .records
            .iter()
            .flat_map(|r| r.all())
            .filter(|f| f.code.starts_with("exit.") || f.code.starts_with("exit_procedure."))
            .map(|f| {
                (
                    f.code.clone(),
                    f.severity,
                    f.requirement.clone().unwrap_or_default(),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, Severity, String)> = want
            .iter()
            .map(|(c, s, r)| (c.to_string(), *s, r.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
}

/// The household's per-capita income set to `yuan`, its totals derived.
fn income_per_capita(v: &mut Value, yuan: i64) {
    let mut b: HouseholdBundle = serde_json::from_value(v.clone()).unwrap();
    let present = b.present_members().count() as i64;
    let i = &mut b.household.income;
    *i = Default::default();
    i.wage = Some(Money::from_yuan(yuan * present));
    for item in [
        &mut i.business_income,
        &mut i.business_expense,
        &mut i.asset_dividend,
        &mut i.other_property,
        &mut i.family_planning,
        &mut i.minimum_allowance,
        &mut i.extreme_poverty_support,
        &mut i.pension,
        &mut i.ecological_compensation,
        &mut i.other_transfer,
    ] {
        *item = Some(Money::from_yuan(0));
    }
    b.derive(&YearPolicy::shangqiu_2018());
    v["household"]["income"] = serde_json::to_value(&b.household.income).unwrap();
}

/// Another county, another line: the same household at 3,500 yuan a head passes Shangqiu's
/// 3,400 and fails a county whose line is 3,600 (W1), by the same code.
#[test]
fn a_county_with_another_line_judges_by_its_own_w1() {
    let mut doc: Value = serde_json::from_str(SHANGQIU_2018).unwrap();
    doc["area"] = json!({"code": "411300", "name": "某县"});
    doc["poverty_line"] = json!("3600");
    let other = YearPolicy::from_json(&doc.to_string()).expect("a county's own policy reads");
    let shangqiu = YearPolicy::shangqiu_2018();
    let rs = records(|v| income_per_capita(v, 3500));
    let exit_codes = |p: &YearPolicy| -> Vec<(String, String)> {
        judge(&rs, &Context::new(p, now()))
            .records
            .iter()
            .flat_map(|r| r.all())
            .filter(|f| f.is_error())
            .map(|f| (f.code.clone(), f.message.clone()))
            .collect()
    };
    assert_eq!(exit_codes(&shangqiu), Vec::<(String, String)>::new());
    let refused = exit_codes(&other);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, "exit.income_below_line");
    assert!(refused[0].1.contains("3600"), "{}", refused[0].1);

    // The action asks the same gate.
    let h = household_id(&rs);
    assert!(
        jiandang_domain::action::exit::mark_exited(h, &rs, &Context::new(&shangqiu, now())).is_ok()
    );
    let refusal = jiandang_domain::action::exit::mark_exited(h, &rs, &Context::new(&other, now()))
        .expect_err("refused under 3600");
    assert!(
        refusal
            .iter()
            .any(|f| f.code == "exit.income_below_line" && f.requirement.as_deref() == Some("W1"))
    );
}

/// A village's W3/W4 counts come from its households among the records.
#[test]
fn a_village_is_counted_from_its_households_w3() {
    let mut rs = records(|_| {});
    let village = rs[0].village_id;
    rs.push(StoredRecord {
        kind: RecordKind::Village,
        id: village,
        village_id: village,
        doc: json!({"basic": {"name": "李庄村", "attribute": "3", "exit_year": 2017},
                    "population": {"agricultural_population": 100}}),
    });
    let j = judged(&rs);
    // Four poor people in a hundred: 4 % is above the 2 % line of an exited village.
    let found = j.of(village);
    assert!(
        codes(&found).contains(&(
            "village.exited_incidence_above_line",
            "population.poor_population"
        )),
        "{found:?}"
    );
}
