//! The year's policy is data (issue 12): a document per county and year, read and checked by
//! `YearPolicy::from_json`; Shangqiu 2018's is the demo's. Its timeline is the notice's
//! (NOTICE.md "Timeline", the phases the server's first migration seeded), C6's income period
//! and the W1 line are in it.

use jiandang_domain::policy::{PhaseName, PolicyError, SHANGQIU_2018, YearPolicy};
use jiandang_domain::{Date, Money};
use serde_json::{Value, json};

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn the_shangqiu_2018_document_reads_and_round_trips_c6_w1() {
    let p = YearPolicy::from_json(SHANGQIU_2018).expect("the embedded policy reads");
    assert_eq!(p, YearPolicy::shangqiu_2018());
    assert_eq!((p.year, p.area.code.as_str()), (2018, "4114"));
    assert_eq!(p.poverty_line, Money::from_yuan(3400));
    assert_eq!(p.income_period_start, date("2017-10-01"));
    assert_eq!(p.income_period_end, date("2018-09-30"));
    assert_eq!(p.exit_notice_min_days, 7);
    assert!(p.area.covers("411421100201"));
    assert!(!p.area.covers("411321100201"));
    let back = serde_json::to_string(&p).unwrap();
    assert_eq!(YearPolicy::from_json(&back), Ok(p));
}

/// The evaluation's standard travels in the same document (EVALUATION.md §2: 错退率 and
/// 漏评率 below 2 %, 认可度 at least 90 %, incidence below 2 % in central China).
#[test]
fn the_evaluation_standard_is_part_of_the_year_s_policy() {
    use jiandang_domain::spotcheck::policy::{EvaluationPolicy, Rate};
    let p = YearPolicy::from_json(SHANGQIU_2018).expect("the embedded policy reads");
    assert_eq!(p.evaluation, EvaluationPolicy::henan_2018());
    assert_eq!(p.evaluation.wrong_exit_max, Rate::percent(2));
    assert_eq!(p.evaluation.missed_max, Rate::percent(2));
    assert_eq!(p.evaluation.recognition_min, Rate::percent(90));
    assert_eq!(p.evaluation.incidence_max(), Rate::percent(2));
}

/// The timeline is the notice's: the same phases the server's entry window opened from
/// (migrations/server/0001-init), so the server can take them from the policy (part 2).
#[test]
fn the_timeline_is_the_notice_s() {
    let sql = include_str!("../../../migrations/server/0001-init/up.sql");
    let rows: Vec<(String, String, String, bool)> = sql
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("('"))
        .filter_map(|l| {
            let inner = l.trim_start_matches('(').trim_end_matches([',', ';', ')']);
            let parts: Vec<&str> = inner
                .split(',')
                .map(|p| p.trim().trim_matches('\''))
                .collect();
            (parts.len() == 4).then(|| {
                (
                    parts[0].to_owned(),
                    parts[1].to_owned(),
                    parts[2].to_owned(),
                    parts[3] == "1",
                )
            })
        })
        .collect();
    assert_eq!(rows.len(), 7, "{rows:?}");
    let p = YearPolicy::shangqiu_2018();
    let ours: Vec<(String, String, String, bool)> = p
        .phases
        .iter()
        .map(|ph| {
            (
                jiandang_domain::codes::Coded::code(ph.name).to_owned(),
                ph.starts.to_string(),
                ph.ends.to_string(),
                ph.writes_open,
            )
        })
        .collect();
    assert_eq!(ours, rows);
    for (day, phase, open) in [
        ("2018-09-30", Some(PhaseName::Deployment), false),
        ("2018-10-01", Some(PhaseName::FieldWork), true),
        ("2018-11-30", Some(PhaseName::Entry), true),
        ("2018-12-01", Some(PhaseName::Analysis), false),
        ("2019-01-09", None, false),
    ] {
        assert_eq!(p.phase_on(date(day)).map(|ph| ph.name), phase, "{day}");
        assert_eq!(p.writes_open_on(date(day)), open, "{day}");
    }
    assert_eq!(p.visits_from, p.phases[1].starts);
}

/// A document whose values do not fit together is refused, saying what.
#[test]
fn an_inconsistent_policy_is_refused() {
    let base: Value = serde_json::from_str(SHANGQIU_2018).unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "收入计算期",
            Box::new(|v| v["income_period_start"] = json!("2018-10-01")),
        ),
        ("扶贫标准", Box::new(|v| v["poverty_line"] = json!("0"))),
        ("年龄范围", Box::new(|v| v["working_age_min"] = json!(70))),
        (
            "重叠",
            Box::new(|v| v["phases"][2]["starts"] = json!("2018-11-05")),
        ),
        (
            "开始日期晚于结束日期",
            Box::new(|v| v["phases"][0]["ends"] = json!("2018-08-01")),
        ),
    ];
    for (what, edit) in cases {
        let mut v = base.clone();
        edit(&mut v);
        match YearPolicy::from_json(&v.to_string()) {
            Err(PolicyError::Inconsistent(m)) => assert!(m.contains(what), "{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    let mut v = base.clone();
    v["phases"][0]["name"] = json!("harvest");
    assert!(matches!(
        YearPolicy::from_json(&v.to_string()),
        Err(PolicyError::Syntax(_))
    ));
}
