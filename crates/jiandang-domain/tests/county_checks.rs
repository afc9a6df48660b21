//! The county-wide checks (issue 18 item 1; EVALUATION.md §7, FORMS.md §7), each test named by
//! the requirement its check implements, each with a case that trips it and one that must
//! not. The county is tests/support's: villages whose households every rule accepts, so a
//! case changes one thing and sees only its check.

mod support;

use jiandang_domain::county::{CountyFacts, Fault, checks};
use jiandang_domain::geo::{GpsFix, GpsSource};
use jiandang_domain::judge::{Context, Judge, register};
use jiandang_domain::record::RecordKind;
use jiandang_domain::{Finding, Severity, Timestamp};
use serde_json::{Value, json};
use support::{County, above_line, id_number, now, policy, run, set_income, uuid};
use uuid::Uuid;

/// The faults of `check` a full run finds, as (record, path), sorted.
fn found(c: &County, facts: &CountyFacts, check: &str) -> Vec<(Uuid, String)> {
    let r = run(&c.records, facts);
    let mut out: Vec<(Uuid, String)> = r
        .faults
        .iter()
        .filter(|f| f.check == check)
        .map(|f| (f.record_id.unwrap_or_default(), f.path.clone()))
        .collect();
    out.sort();
    out
}

/// Builds a county with `build`, which answers the faults of `check` it expects.
fn check(check: &str, build: impl FnOnce(&mut County) -> Vec<(Uuid, &'static str)>) {
    check_with(check, &CountyFacts::default(), build);
}

fn check_with(
    check: &str,
    facts: &CountyFacts,
    build: impl FnOnce(&mut County) -> Vec<(Uuid, &'static str)>,
) {
    let mut c = County::new();
    let mut expected: Vec<(Uuid, String)> = build(&mut c)
        .into_iter()
        .map(|(id, p)| (id, p.to_owned()))
        .collect();
    expected.sort();
    assert!(
        checks::by_code(check).is_some(),
        "{check} is in the catalogue"
    );
    assert_eq!(found(&c, facts, check), expected, "{check}");
}

fn all_faults(c: &County) -> Vec<Fault> {
    run(&c.records, &CountyFacts::default()).faults
}

#[test]
fn a_clean_county_has_no_faults_q1() {
    let mut c = County::new();
    let a = c.village("411421001001");
    for _ in 0..3 {
        c.household(a, |_| {});
    }
    let faults = all_faults(&c);
    assert!(faults.is_empty(), "{faults:#?}");
}

/// FORMS.md §7.1 人员重复: one person present in two households of the county; a member who
/// left a household (自然减少) and is now in another is not.
#[test]
fn section_7_1_one_person_in_two_households() {
    check(checks::PERSON_IN_TWO_HOUSEHOLDS.code, |c| {
        let a = c.village("411421001001");
        let h1 = c.household(a, |_| {});
        let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
        let h2 = c.household(a, |f| f["members"][1]["id_number"] = number.clone());
        vec![
            (c.members(h1)[0], "id_number"),
            (c.members(h2)[1], "id_number"),
        ]
    });
    check(checks::PERSON_IN_TWO_HOUSEHOLDS.code, |c| {
        let a = c.village("411421001001");
        let h1 = c.household(a, |_| {});
        let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
        c.household(a, |f| {
            f["members"][1]["id_number"] = number.clone();
            f["members"][1]["status"] = json!("2");
        });
        vec![]
    });
}

/// §7.1 人员重复 across counties: the data holds villages of two counties (division codes
/// 411421… and 411425…); the same person in both is reported as across counties.
#[test]
fn section_7_1_one_person_in_two_counties() {
    let build = |c: &mut County| {
        let a = c.village("411421001001");
        let b = c.village("411425103201");
        let h1 = c.household(a, |_| {});
        let number = c.record(c.members(h1)[2]).doc["id_number"].clone();
        let h2 = c.household(b, |f| f["members"][2]["id_number"] = number.clone());
        (h1, h2)
    };
    check(checks::PERSON_IN_TWO_COUNTIES.code, |c| {
        let (h1, h2) = build(c);
        vec![
            (c.members(h1)[2], "id_number"),
            (c.members(h2)[2], "id_number"),
        ]
    });
    check(checks::PERSON_IN_TWO_HOUSEHOLDS.code, |c| {
        build(c);
        vec![]
    });
    // And it names the other county, not the number.
    let mut c = County::new();
    build(&mut c);
    let f = all_faults(&c)
        .into_iter()
        .find(|f| f.check == checks::PERSON_IN_TWO_COUNTIES.code)
        .unwrap();
    assert!(
        f.text.contains("411425") || f.text.contains("411421"),
        "{}",
        f.text
    );
}

/// §7.1 帮扶责任人问题: a helper who is also a present member of a poor household.
#[test]
fn section_7_1_a_helper_who_is_a_poor_person() {
    check(checks::HELPER_IS_POOR.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |_| {});
        let number = c.record(c.members(h)[1]).doc["id_number"].clone();
        c.record_mut(uuid(support::HELPER)).doc["id_number"] = number;
        vec![(uuid(support::HELPER), "id_number")]
    });
    check(checks::HELPER_IS_POOR.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |f| f["members"][3]["status"] = json!("2"));
        let number = c.record(c.members(h)[3]).doc["id_number"].clone();
        c.record_mut(uuid(support::HELPER)).doc["id_number"] = number;
        vec![]
    });
}

/// W3 应退未退, ranked as W1 asks (谁更符合脱贫条件谁退): poor households that meet the exit
/// standard, the larger margin over the line first, then the larger share of labour, then
/// the fewer frail members; one with a 两不愁三保障 item unresolved is no candidate.
#[test]
fn w3_households_that_should_exit_ranked_as_w1_asks() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let high = c.household(a, |f| {
        set_income(f, "16000.00", "24000.00", "22500.00", "5625.00")
    });
    let labour = c.household(a, above_line);
    let frail = c.household(a, |f| {
        above_line(f);
        f["members"][3]["labour_skill"] = json!("01");
        f["members"][3]["health"] = json!(["03"]);
        f["members"][3]["critical_illness_insurance"] = json!(true);
    });
    let fewer_labour = c.household(a, |f| {
        above_line(f);
        f["members"][1]["labour_skill"] = json!("04");
    });
    // Over the line, but the house is dilapidated: W2 says no.
    c.household(a, |f| {
        above_line(f);
        f["household"]["living"]["dilapidated"] = json!(true);
        f["household"]["living"]["dilapidation_level"] = json!("C");
        f["household"]["no_worries"]["housing"] = json!({"resolved": false, "reason": "C级危房"});
    });
    c.household(a, |_| {});
    let mut got: Vec<(u32, Uuid)> = all_faults(&c)
        .into_iter()
        .filter(|f| f.check == checks::SHOULD_EXIT.code)
        .map(|f| (f.rank.unwrap(), f.record_id.unwrap()))
        .collect();
    got.sort();
    // The frail household has more labour (the elder now works) but a seriously ill member:
    // labour share comes before frailty.
    assert_eq!(
        got,
        [(1, high), (2, frail), (3, labour), (4, fewer_labour)],
        "high={high} labour={labour} frail={frail} fewer={fewer_labour}"
    );
    // Exited households and those under the line are never candidates.
    check(checks::SHOULD_EXIT.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        vec![]
    });
}

/// W1, W2: a household marked exited whose record fails the standard (income under this
/// year's line, a 两不愁三保障 item unresolved): 错退 risk.
#[test]
fn w1_w2_exits_that_fail_the_standard() {
    check(checks::EXIT_FAILS_STANDARD.code, |c| {
        let a = c.village("411421001001");
        let poor = c.exited(a, 2016, support::below_line);
        let house = c.exited(a, 2017, |f| {
            f["household"]["living"]["dilapidated"] = json!(true);
            f["household"]["living"]["dilapidation_level"] = json!("D");
        });
        vec![
            (poor, "income.net_per_capita"),
            (house, "living.dilapidated"),
        ]
    });
    check(checks::EXIT_FAILS_STANDARD.code, |c| {
        c.village("411421001001");
        vec![]
    });
}

/// W3: a village that exited but whose incidence is still above the line.
#[test]
fn w3_exited_villages_still_above_the_line() {
    let exited = |c: &mut County, population: u32| {
        let a = c.village("411421001001");
        for _ in 0..3 {
            c.household(a, |_| {});
        }
        let v = &mut c.record_mut(a).doc;
        v["basic"]["exit_year"] = json!(2017);
        v["basic"]["attribute"] = json!("3");
        v["population"]["agricultural_population"] = json!(population);
        a
    };
    check(checks::EXITED_VILLAGE_ABOVE_LINE.code, |c| {
        let a = exited(c, 400);
        vec![(a, "population.poor_population")]
    });
    check(checks::EXITED_VILLAGE_ABOVE_LINE.code, |c| {
        exited(c, 1548);
        vec![]
    });
}

/// W3, W4: a village with poor people left and no household exit in 2016 nor 2017.
#[test]
fn w3_w4_villages_without_exits_in_2016_and_2017() {
    check(checks::VILLAGE_NO_EXITS.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        c.records.retain(|r| {
            r.kind != RecordKind::Household
                || r.doc["basic"]["exit_year"].as_i64() != Some(2016)
                    && r.doc["basic"]["exit_year"].as_i64() != Some(2017)
        });
        vec![(a, "")]
    });
    check(checks::VILLAGE_NO_EXITS.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        vec![]
    });
}

/// W4: a poor village that meets the village exit standard (incidence under 2 %, every item
/// met) and has not exited; a village with an item unmet does not.
#[test]
fn w4_villages_that_meet_the_exit_standard_and_did_not_exit() {
    check(checks::VILLAGE_SHOULD_EXIT.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        c.record_mut(a).doc["population"]["agricultural_population"] = json!(1548);
        vec![(a, "basic.exit_year")]
    });
    check(checks::VILLAGE_SHOULD_EXIT.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        let v = &mut c.record_mut(a).doc;
        v["population"]["agricultural_population"] = json!(1548);
        v["exit_items"]["broadband"] = json!(false);
        vec![]
    });
}

/// W4: a village marked exited this year that fails the standard.
#[test]
fn w4_villages_exited_this_year_that_fail_the_standard() {
    let exiting = |c: &mut County, population: u32| {
        let a = c.village("411421001001");
        for _ in 0..3 {
            c.household(a, |_| {});
        }
        let v = &mut c.record_mut(a).doc;
        v["basic"]["exit_year"] = json!(2018);
        v["basic"]["attribute"] = json!("3");
        v["population"]["agricultural_population"] = json!(population);
        a
    };
    check(checks::VILLAGE_EXIT_FAILS_STANDARD.code, |c| {
        let a = exiting(c, 400);
        vec![(a, "population.poor_population")]
    });
    check(checks::VILLAGE_EXIT_FAILS_STANDARD.code, |c| {
        exiting(c, 1548);
        vec![]
    });
}

/// C1: a registered household not visited in this year's field work; a visit record of this
/// year counts even before the date is set on the household.
#[test]
fn c1_households_not_visited_this_year() {
    check(checks::NOT_VISITED.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |f| {
            f["household"]["basic"]["visited_on"] = json!("2017-10-20");
            f["visits"][0]["date"] = json!("2017-10-20");
        });
        vec![(h, "basic.visited_on")]
    });
    check(checks::NOT_VISITED.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |f| {
            f["household"]["basic"]["visited_on"] = Value::Null;
            f["visits"][0]["date"] = json!("2018-10-20");
        });
        vec![]
    });
}

/// C2: a returned household (返贫) without its reason.
#[test]
fn c2_returned_households_without_a_reason() {
    let returned = |c: &mut County, reason: Value| {
        let a = c.village("411421001001");
        c.household(a, |f| {
            let b = &mut f["household"]["basic"];
            b["status"] = json!("3");
            b["attribute"] = json!("01");
            b["exit_year"] = json!(2016);
            b["return_year"] = json!(2018);
            b["return_reason"] = reason;
        })
    };
    check(checks::RETURNED_WITHOUT_REASON.code, |c| {
        let h = returned(c, Value::Null);
        vec![(h, "basic.return_reason")]
    });
    check(checks::RETURNED_WITHOUT_REASON.code, |c| {
        returned(c, json!("1"));
        vec![]
    });
}

/// C4: a household that exited in 2018 without its exit-measure sheet; earlier exits owe none.
#[test]
fn c4_exits_of_2018_without_exit_measures() {
    check(checks::EXIT_WITHOUT_MEASURES.code, |c| {
        let a = c.village("411421001001");
        let h = c.exited(a, 2018, |_| {});
        vec![(h, "exit_measures")]
    });
    check(checks::EXIT_WITHOUT_MEASURES.code, |c| {
        c.village("411421001001");
        vec![]
    });
}

/// C5: a household without a GPS position.
#[test]
fn c5_households_without_a_position() {
    check(checks::HOUSEHOLD_NO_GPS.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |f| f["gps_fixes"] = json!([]));
        vec![(h, "")]
    });
    check(checks::HOUSEHOLD_NO_GPS.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        vec![]
    });
}

/// C5: a household whose latest position is more than 5 km from its village's centre.
#[test]
fn c5_households_positioned_far_from_their_village() {
    let at = |c: &mut County, dx: f64| {
        let a = c.village("411421001001");
        let (x, y) = c.centre(a);
        c.household(a, |f| {
            f["gps_fixes"][0]["point"] = json!({"x": x + dx, "y": y})
        })
    };
    check(checks::HOUSEHOLD_GPS_FAR.code, |c| {
        // 0.1° of longitude at 34.65°N is about 9 km.
        let h = at(c, 0.1);
        vec![(h, "")]
    });
    check(checks::HOUSEHOLD_GPS_FAR.code, |c| {
        at(c, 0.01);
        vec![]
    });
}

/// C5: a village without a position (no fix, no coordinates on its form).
#[test]
fn c5_villages_without_a_position() {
    check(checks::VILLAGE_NO_GPS.code, |c| {
        let a = c.village("411421001001");
        let v = &mut c.record_mut(a).doc;
        v["basic"]["longitude"] = Value::Null;
        v["basic"]["latitude"] = Value::Null;
        vec![(a, "basic.longitude")]
    });
    check(checks::VILLAGE_NO_GPS.code, |c| {
        c.village("411421001001");
        vec![]
    });
}

/// C5: a village's fix far from the centre its form gives.
#[test]
fn c5_village_positions_far_from_the_village() {
    let fix = |c: &mut County, dx: f64| {
        let a = c.village("411421001001");
        let (x, y) = c.centre(a);
        let id = c.fresh();
        let fix = GpsFix {
            id,
            subject_id: a,
            point: geo_types::Point::new(x + dx, y),
            accuracy_m: 5.0,
            taken_at: Timestamp::parse("2018-10-20T02:00:00Z").unwrap(),
            source: GpsSource::Gps,
            samples: 3,
        };
        c.records.push(jiandang_domain::StoredRecord {
            kind: RecordKind::GpsFix,
            id,
            village_id: a,
            doc: serde_json::to_value(fix).unwrap(),
        });
        id
    };
    check(checks::VILLAGE_GPS_FAR.code, |c| {
        let id = fix(c, 0.1);
        vec![(id, "point")]
    });
    check(checks::VILLAGE_GPS_FAR.code, |c| {
        fix(c, 0.001);
        vec![]
    });
}

/// N5 (C5): the county's own position, when the data holds a county of its own.
#[test]
fn n5_the_county_without_a_position() {
    let county = CountyFacts {
        county_id: Some(uuid(0xC0)),
        fixes: vec![],
    };
    check_with(checks::COUNTY_NO_GPS.code, &county, |c| {
        c.village("411421001001");
        vec![(Uuid::nil(), "")]
    });
    let located = CountyFacts {
        fixes: vec![GpsFix {
            id: uuid(0xC1),
            subject_id: uuid(0xC0),
            point: geo_types::Point::new(115.15, 34.65),
            accuracy_m: 5.0,
            taken_at: now(),
            source: GpsSource::Gps,
            samples: 1,
        }],
        ..county
    };
    check_with(checks::COUNTY_NO_GPS.code, &located, |c| {
        c.village("411421001001");
        vec![]
    });
    check(checks::COUNTY_NO_GPS.code, |c| {
        c.village("411421001001");
        vec![]
    });
}

/// C8: a school-age member whose student status of last year (or this year) is not recorded.
#[test]
fn c8_student_status_not_verified_for_both_years() {
    check(checks::STUDENT_STATUS_UNVERIFIED.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |f| {
            f["members"][2]["student_status_last_year"] = Value::Null
        });
        vec![(c.members(h)[2], "student_status_last_year")]
    });
    check(checks::STUDENT_STATUS_UNVERIFIED.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        vec![]
    });
}

/// §7.2: a household's per-capita income far outside its village's (Tukey's far-out fences,
/// ten households at least).
#[test]
fn section_7_2_income_outliers_against_the_village() {
    let village = |c: &mut County, n: usize| {
        let a = c.village("411421001001");
        for i in 0..n {
            c.household(a, |f| {
                // Incomes 3,000 – 3,300 per person.
                let pc = 3000 + 30 * i as i64;
                let net = pc * 4;
                set_income(
                    f,
                    &format!("{}.00", net - 6500 + 1500),
                    &format!("{}.00", net + 1500),
                    &format!("{net}.00"),
                    &format!("{pc}.00"),
                );
            });
        }
        a
    };
    let rich = |f: &mut Value| set_income(f, "98000.00", "106000.00", "104500.00", "26125.00");
    check(checks::INCOME_OUTLIER.code, |c| {
        let a = village(c, 10);
        let h = c.household(a, rich);
        vec![(h, "income.net_per_capita")]
    });
    check(checks::INCOME_OUTLIER.code, |c| {
        let a = village(c, 6);
        c.household(a, rich);
        vec![]
    });
    check(checks::INCOME_OUTLIER.code, |c| {
        village(c, 12);
        vec![]
    });
}

/// C7: a pairing with a helper the county has not entered.
#[test]
fn c7_pairings_with_a_helper_not_entered() {
    check(checks::PAIRING_HELPER_UNKNOWN.code, |c| {
        let a = c.village("411421001001");
        let h = c.household(a, |f| {
            f["household"]["pairings"][0]["helper_id"] = json!(uuid(0xdead))
        });
        vec![(h, "pairings[0].helper_id")]
    });
    check(checks::PAIRING_HELPER_UNKNOWN.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |_| {});
        vec![]
    });
}

/// FORMS.md §7.1: the national 疑点 categories are the judgement's own findings, each under
/// its category, on the record and field the finding names.
#[test]
fn section_7_1_national_categories_from_the_one_judgement() {
    type Edit = fn(&mut Value);
    let cases: [(&checks::CheckDef, Edit, usize, &str); 10] = [
        (
            &checks::NATIONAL_ID_NUMBER,
            |f| f["members"][1]["birth_date"] = json!("1970-07-03"),
            2,
            "birth_date",
        ),
        (
            &checks::NATIONAL_REQUIRED,
            |f| f["members"][1]["ethnicity"] = Value::Null,
            2,
            "ethnicity",
        ),
        (
            &checks::NATIONAL_CAUSE,
            |f| {
                f["members"][1]["health"] = json!(["01"]);
                f["members"][3]["health"] = json!(["01"]);
            },
            0,
            "basic.main_cause",
        ),
        (
            &checks::NATIONAL_ALLOWANCE,
            |f| f["members"][3]["minimum_allowance"] = json!(true),
            0,
            "basic.attribute",
        ),
        (
            &checks::NATIONAL_LABOUR,
            |f| f["members"][0]["labour_skill"] = json!("03"),
            1,
            "labour_skill",
        ),
        (
            &checks::NATIONAL_INCOME,
            |f| f["household"]["income"]["family_planning"] = Value::Null,
            0,
            "income.family_planning",
        ),
        (
            &checks::NATIONAL_WORK,
            |f| f["members"][0]["employer"] = Value::Null,
            1,
            "employer",
        ),
        (
            &checks::NATIONAL_HELPER,
            |f| f["household"]["pairings"][0]["end"] = json!("2018-06-30"),
            0,
            "pairings",
        ),
        (
            &checks::NATIONAL_LOGIC,
            |f| f["household"]["basic"]["household_size"] = json!(5),
            0,
            "basic.household_size",
        ),
        (
            &checks::NATIONAL_DUPLICATE,
            |f| f["members"][1]["id_number"] = f["members"][0]["id_number"].clone(),
            2,
            "id_number",
        ),
    ];
    for (def, edit, record, path) in cases {
        check(def.code, |c| {
            let a = c.village("411421001001");
            let h = c.household(a, edit);
            // Record 0 is the household, 1… its members in order.
            let id = if record == 0 {
                h
            } else {
                c.members(h)[record - 1]
            };
            vec![(id, path)]
        });
        check(def.code, |c| {
            let a = c.village("411421001001");
            c.household(a, |_| {});
            vec![]
        });
    }
}

/// Q1: any other error the judgement holds on a register record is a problem to correct;
/// a warning the collector saw and no category takes is not.
#[test]
fn q1_other_record_errors_but_not_stray_warnings() {
    check(checks::RECORD_ERROR.code, |c| {
        let a = c.village("411421001001");
        let orphan = c.fresh();
        c.records.push(jiandang_domain::StoredRecord {
            kind: RecordKind::Member,
            id: orphan,
            village_id: a,
            doc: json!({"household_id": uuid(0xbeef), "name": "某某", "status": "1"}),
        });
        vec![(orphan, "household_id")]
    });
    check(checks::RECORD_ERROR.code, |c| {
        let a = c.village("411421001001");
        c.household(a, |f| f["members"][0]["phone"] = json!("1380000"));
        vec![]
    });
    assert_eq!(
        checks::of_finding("member.phone_shape", Severity::Warning),
        None
    );
    assert_eq!(
        checks::of_finding("exit.income_below_line", Severity::Error),
        None,
        "the exit standard is its own check"
    );
}

/// Every finding code the categories name is one the rules give (a renamed code would
/// silently drop out of the problem list): each appears in the domain's source.
#[test]
fn the_categories_name_codes_the_rules_give() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut text = String::new();
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p
                .starts_with(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/county"))
            {
                text.push_str(&std::fs::read_to_string(p).unwrap());
            }
        }
    }
    for (def, codes) in checks::NATIONAL {
        for code in codes {
            let needle = if code.ends_with('.') {
                format!("\"{code}{{")
            } else {
                format!("\"{code}\"")
            };
            assert!(
                text.contains(&needle) || text.contains(&format!("\"{code}")),
                "{}: {code} is no rule's code",
                def.code
            );
        }
    }
    let codes: std::collections::BTreeSet<&str> = checks::ALL.iter().map(|c| c.code).collect();
    assert_eq!(codes.len(), checks::ALL.len(), "check codes are unique");
}

/// No fault's text holds a name or an ID number (they go to every device of the village and
/// into the county's lists, and may reach a log).
#[test]
fn fault_texts_hold_no_personal_data() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let b = c.village("411425103201");
    let h1 = c.household(a, |f| {
        f["household"]["basic"]["visited_on"] = json!("2017-01-01")
    });
    let number = c.record(c.members(h1)[0]).doc["id_number"].clone();
    c.household(b, |f| {
        f["members"][0]["id_number"] = number.clone();
        f["members"][1]["ethnicity"] = Value::Null;
    });
    c.record_mut(uuid(support::HELPER)).doc["id_number"] = number.clone();
    let faults = all_faults(&c);
    assert!(faults.len() >= 4, "{faults:#?}");
    let names: Vec<String> = c
        .records
        .iter()
        .filter_map(|r| r.doc["name"].as_str().map(str::to_owned))
        .collect();
    for f in &faults {
        assert!(!f.text.contains(number.as_str().unwrap()), "{}", f.text);
        assert!(
            !f.text.contains(&id_number("411421", "19680315", 101)[..14]),
            "{}",
            f.text
        );
        for n in &names {
            assert!(!f.text.contains(n.as_str()), "{}: {}", f.check, f.text);
        }
    }
}

/// The register is read once and judged as `judge` judges (the same findings), whether all
/// of it or only some bundles are judged.
#[test]
fn the_register_is_the_one_judgement() {
    let mut c = County::new();
    let a = c.village("411421001001");
    let h = c.household(a, |f| f["members"][1]["ethnicity"] = Value::Null);
    let policy = policy();
    let ctx = Context::new(&policy, now());
    let all = register(&c.records, &ctx, Judge::All);
    let same = jiandang_domain::judge::judge(&c.records, &ctx);
    assert_eq!(all.judgement, same);
    let only = [h].into_iter().collect();
    let some = register(&c.records, &ctx, Judge::Only(&only));
    let of_household: Vec<Finding> = some.judgement.of(c.members(h)[1]);
    assert_eq!(of_household, same.of(c.members(h)[1]));
    assert!(
        some.judgement
            .records
            .iter()
            .all(|j| j.kind != RecordKind::Village)
    );
    assert_eq!(some.households.len(), all.households.len());
}
