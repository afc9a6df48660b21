//! The household file form (`jiandang check`, docs/records.md) and per-record assembly for
//! sync (N1, N2): a value that does not fit its record is an error finding naming its JSON
//! path (the rest is still judged); a file that is not the documented shape is refused with
//! the path of the problem; unknown fields warn.

use jiandang_domain::bundle::{HouseholdBundle, RecordsError};
use jiandang_domain::household::Decimal2;
use jiandang_domain::judge::{Context, file::check_file};
use jiandang_domain::policy::YearPolicy;
use jiandang_domain::{Finding, Money, RecordKind, Timestamp};
use serde_json::{Value, json};

const OK: &str = include_str!("../../../examples/household-ok.json");

fn example() -> Value {
    serde_json::from_str(OK).unwrap()
}

/// `jiandang check` on a file, judged at the turn of the data year.
fn check_file_json(text: &str) -> Result<Vec<Finding>, RecordsError> {
    let policy = YearPolicy::shangqiu_2018();
    let now = Timestamp::parse("2019-01-01T00:00:00+08:00").unwrap();
    check_file(text, &Context::new(&policy, now))
}

/// Edits the example, checks it, and finds the `records.invalid` error at `path` whose
/// message has `message_part`.
fn check_error(edit: impl FnOnce(&mut Value), path: &str, message_part: &str) {
    let mut v = example();
    edit(&mut v);
    let text = serde_json::to_string(&v).unwrap();
    let f = check_file_json(&text).unwrap_or_else(|e| panic!("{path}: the file reads: {e}"));
    assert!(
        f.iter().any(|f| f.code == "records.invalid"
            && f.is_error()
            && f.path == path
            && f.message.contains(message_part)),
        "expected records.invalid at {path}: {f:#?}"
    );
}

/// Edits the example and expects the file refused, at `path`.
fn check_refused(edit: impl FnOnce(&mut Value), path: &str, message_part: &str) {
    let mut v = example();
    edit(&mut v);
    match check_file_json(&serde_json::to_string(&v).unwrap()) {
        Ok(f) => panic!("expected the file refused at {path}, got findings {f:#?}"),
        Err(e) => {
            assert_eq!(e.code(), "records.invalid", "{e}");
            assert_eq!(e.path(), path, "{e}");
            assert!(e.to_string().contains(message_part), "{e}");
        }
    }
}

#[test]
fn bad_values_are_named_by_path_n1() {
    check_error(
        |v| v["members"][2]["birth_date"] = json!("2004-02-30"),
        "members[2].birth_date",
        "日期不存在",
    );
    check_error(
        |v| v["household"]["basic"]["attribute"] = json!("09"),
        "household.basic.attribute",
        "代码 \"09\" 不在代码表“贫困户属性”中",
    );
    check_error(
        |v| v["members"][0]["sex"] = json!(1),
        "members[0].sex",
        "类型不符",
    );
    check_error(
        |v| {
            v["gps_fixes"][0]
                .as_object_mut()
                .unwrap()
                .remove("accuracy_m");
        },
        "gps_fixes[0]",
        "缺少必填字段 accuracy_m",
    );
    check_error(
        |v| v["household"]["income"]["wage"] = json!(12000.5),
        "household.income.wage",
        "金额有小数时请写成字符串",
    );
    check_error(
        |v| v["household"]["production"]["arable_area"] = json!("6.125"),
        "household.production.arable_area",
        "最多两位小数",
    );
    check_error(
        |v| v["members"][1]["health"] = json!(["01", "7"]),
        "members[1].health[1]",
        "健康状况",
    );
    check_error(
        |v| v["household"]["pairings"][0]["helper_id"] = json!("not-a-uuid"),
        "household.pairings[0].helper_id",
        "标识应为UUID",
    );
    check_refused(
        |v| v["requested_action"] = json!("delete"),
        "requested_action",
        "exit",
    );
    check_refused(
        |v| {
            v.as_object_mut()
                .unwrap()
                .insert("househld".into(), json!({}));
        },
        "househld",
        "未知字段",
    );
    check_refused(
        |v| {
            v.as_object_mut().unwrap().remove("household");
        },
        "household",
        "缺少贫困户记录",
    );
    check_refused(|v| v["members"] = json!({}), "members", "应为数组");
}

#[test]
fn a_bad_value_is_left_out_and_the_rest_still_judged_n1() {
    let mut v = example();
    v["members"][2]["birth_date"] = json!("2004-02-30");
    v["members"][2]["ethnicity"] = Value::Null;
    let f = check_file_json(&v.to_string()).unwrap();
    let got: Vec<(&str, &str)> = f
        .iter()
        .map(|f| (f.code.as_str(), f.path.as_str()))
        .collect();
    assert!(
        got.contains(&("records.invalid", "members[2].birth_date")),
        "{got:?}"
    );
    // The member's other fields are still judged, and so is the household with it.
    assert!(
        got.contains(&("member.ethnicity_missing", "members[2].ethnicity")),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(c, _)| *c == "household.size_mismatch"),
        "{got:?}"
    );
}

#[test]
fn syntax_errors_give_line_and_column_n1() {
    let broken = OK.replacen("\"household\": {", "\"household\": {,", 1);
    match check_file_json(&broken) {
        Err(RecordsError::Syntax { line, column, .. }) => {
            assert_eq!((line, column), (2, 17));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_fields_warn_n1() {
    let mut v = example();
    v["household"]["living"]["dilapidatd"] = json!(true);
    v["members"][0]["nmae"] = json!("张某某");
    let f = check_file_json(&v.to_string()).unwrap();
    let unknown: Vec<(&str, bool)> = f
        .iter()
        .filter(|f| f.code == "records.unknown_field")
        .map(|f| (f.path.as_str(), f.is_error()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("household.living.dilapidatd", false),
            ("members[0].nmae", false)
        ]
    );
}

/// The exit standard holds a household proposed (预脱贫) or exited this year, not one still
/// registered (W1, W2, C9).
#[test]
fn exit_is_judged_by_state_or_when_asked_w2() {
    let refused = include_str!("../../../examples/household-exit-refused.json");
    let mut v: Value = serde_json::from_str(refused).unwrap();
    v["requested_action"] = Value::Null;
    v["exit_measures"] = Value::Null;
    v["exit_procedures"] = json!([]);
    v["household"]["basic"]["status"] = json!("0");
    let f = check_file_json(&v.to_string()).unwrap();
    assert!(f.iter().all(|f| !f.is_error()), "{f:#?}");
    v["household"]["basic"]["status"] = json!("2");
    let f = check_file_json(&v.to_string()).unwrap();
    let errors: Vec<&str> = f
        .iter()
        .filter(|f| f.is_error())
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(errors, ["exit.no_worries_unresolved"], "{f:#?}");
}

#[test]
fn an_exit_without_its_measures_sheet_warns_c4() {
    let mut v = example();
    v["exit_measures"] = Value::Null;
    let f = check_file_json(&v.to_string()).unwrap();
    let codes: Vec<(&str, bool)> = f.iter().map(|f| (f.code.as_str(), f.is_error())).collect();
    assert_eq!(codes, [("exit_measures.missing", false)]);
}

#[test]
fn bundles_assemble_from_records_n1_n2() {
    let v = example();
    let mut records: Vec<(RecordKind, &Value)> = vec![(RecordKind::Household, &v["household"])];
    for m in v["members"].as_array().unwrap() {
        records.push((RecordKind::Member, m));
    }
    records.push((RecordKind::HouseholdExitMeasures, &v["exit_measures"]));
    for g in v["gps_fixes"].as_array().unwrap() {
        records.push((RecordKind::GpsFix, g));
    }
    let b = HouseholdBundle::from_records(records.clone()).unwrap();
    assert_eq!(b.members.len(), 4);
    assert!(b.exit_measures.is_some());
    assert_eq!(b.gps_fixes.len(), 1);

    let mut bad_member = v["members"][3].clone();
    bad_member["sex"] = json!("3");
    let mut with_bad = records.clone();
    with_bad.push((RecordKind::Member, &bad_member));
    let e = HouseholdBundle::from_records(with_bad).unwrap_err();
    assert_eq!(e.path(), "records[7].sex");

    let e = HouseholdBundle::from_records(records[1..].to_vec()).unwrap_err();
    assert!(e.to_string().contains("缺少贫困户记录"), "{e}");
    let village = json!({});
    let mut with_village = records.clone();
    with_village.push((RecordKind::Village, &village));
    let e = HouseholdBundle::from_records(with_village).unwrap_err();
    assert_eq!(e.path(), "records[7]");
}

#[test]
fn decimals_are_exact_to_two_places_n1() {
    let check = |json: &str, expected: Result<i64, ()>| {
        let got = serde_json::from_str::<Decimal2>(json)
            .map(Decimal2::hundredths)
            .map_err(|_| ());
        assert_eq!(got, expected, "{json}");
    };
    check("6.5", Ok(650));
    check("0.1", Ok(10));
    check("\"0.29\"", Ok(29));
    check("12", Ok(1200));
    check("-1.05", Ok(-105));
    check("6.125", Err(()));
    check("\"6.\"", Err(()));
    check("\"abc\"", Err(()));
    let back = serde_json::to_string(&Decimal2::from_hundredths(29)).unwrap();
    assert_eq!(back, "0.29");
    assert_eq!(
        serde_json::to_string(&Decimal2::from_int(96)).unwrap(),
        "96"
    );
}

/// Sets the leaf at a dot path (`members[2].health`) of a JSON value.
fn set_leaf(root: &mut Value, path: &str, new: Value) {
    let mut node = root;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        node = &mut node[key];
        if let Some(i) = index {
            node = &mut node[i];
        }
    }
    *node = new;
}

/// Leaf paths with array elements spelled out (`members[2].health`), as findings name them.
fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&p, c, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, c) in items.iter().enumerate() {
                leaves(&format!("{prefix}[{i}]"), c, out);
            }
        }
        _ => out.push(prefix.to_owned()),
    }
}

proptest::proptest! {
    #[test]
    fn any_corrupted_leaf_is_named_n1(pick in 0usize..10_000) {
        let mut v = example();
        v["requested_action"] = Value::Null;
        let mut all = Vec::new();
        leaves("", &v, &mut all);
        // Leaves that are whole absent records take an object (with an unknown field, a
        // warning), so they are not corrupted here.
        all.retain(|p| p != "requested_action" && p != "procedure");
        let path = &all[pick % all.len()];
        // An object fits no leaf of any record.
        set_leaf(&mut v, path, json!({"bad": 1}));
        // A record a required field of which is corrupted cannot be read at all: its error
        // is on the record.
        let record = path.split('.').next().unwrap_or("");
        match check_file_json(&v.to_string()) {
            Ok(f) => proptest::prop_assert!(
                f.iter().any(|f| f.code == "records.invalid"
                    && f.is_error()
                    && (f.path == *path || f.path == record)),
                "{} accepted an object: {:#?}", path, f
            ),
            // A list of the file's own that is not a list: the file is not the documented shape.
            Err(e) => proptest::prop_assert_eq!(e.path(), path.as_str(), "{}", e),
        }
    }
}

proptest::proptest! {
    /// Extreme but well-formed numbers anywhere (amounts, areas, years, counts) never make a
    /// rule panic: the check answers with findings or a path-named error.
    #[test]
    fn extreme_numbers_never_panic_n1(pick in 0usize..10_000, n in proptest::num::i64::ANY, as_money in proptest::bool::ANY) {
        let mut v = example();
        let mut all = Vec::new();
        leaves("", &v, &mut all);
        let numeric: Vec<String> = all
            .into_iter()
            .filter(|p| {
                let mut node = &v;
                for part in p.split('.') {
                    let (key, index) = match part.split_once('[') {
                        Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                        None => (part, None),
                    };
                    node = &node[key];
                    if let Some(i) = index {
                        node = &node[i];
                    }
                }
                node.is_number()
                    || node.as_str().is_some_and(|s| Money::parse(s).is_ok() && s.contains('.'))
            })
            .collect();
        let path = &numeric[pick % numeric.len()];
        let value = if as_money {
            json!(Money::from_fen(n).to_string())
        } else {
            json!(n)
        };
        set_leaf(&mut v, path, value);
        let _ = check_file_json(&v.to_string());
    }
}

#[test]
fn findings_split_by_record_and_derive_n1() {
    let mut v = example();
    v["members"][2]["ethnicity"] = Value::Null;
    v["household"]["basic"]["phone"] = json!("123");
    let f = check_file_json(&v.to_string()).unwrap();
    let member: Vec<(String, String)> = jiandang_domain::bundle::record_findings(&f, "members[2]")
        .into_iter()
        .map(|f| (f.code, f.path))
        .collect();
    assert_eq!(
        member,
        [("member.ethnicity_missing".into(), "ethnicity".into())]
    );
    let household: Vec<String> = jiandang_domain::bundle::record_findings(&f, "household")
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(household, ["basic.phone"]);
    assert!(jiandang_domain::bundle::record_findings(&f, "members[1]").is_empty());

    let mut b: HouseholdBundle = serde_json::from_str(OK).unwrap();
    b.household.income.net_per_capita = None;
    b.members[3].status = jiandang_domain::codes::household::MemberStatus::Decreased;
    b.derive(&YearPolicy::shangqiu_2018());
    // 18 500 over the three members still present.
    assert_eq!(
        b.household.income.net_per_capita,
        Some(Money::parse("6166.67").unwrap())
    );
}
