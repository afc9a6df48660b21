//! The village, help, exit-measure, member-change, GPS and photo forms: JSON snapshots, and
//! proof that every field of each model is on its form and every form path is in the model.

use std::collections::BTreeSet;

use jiandang_domain::form::{self, FormDef, Widget};
use jiandang_domain::forms;
use jiandang_domain::geo::GpsFix;
use jiandang_domain::help::{HelpUnit, Helper, WorkTeamMember};
use jiandang_domain::measures::{HouseholdExitMeasures, VillageExitMeasures};
use jiandang_domain::member_change::MemberChange;
use jiandang_domain::photo::PhotoRef;
use jiandang_domain::village::{NaturalVillage, Village};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Keys of the record envelope (sync's record id and village), not form fields.
const ENVELOPE: [&str; 2] = ["id", "village_id"];

/// Dot paths of the JSON leaves (arrays are leaves, as for sync), from the domain's own
/// walker so the forms and sync agree on what a field is.
fn leaves(value: &Value) -> BTreeSet<String> {
    form::leaf_paths(value).into_iter().collect()
}

/// Parses the fully populated JSON into the model (so the JSON is the model's shape),
/// writes it back, and checks nothing was dropped or left empty.
fn populated<T: Serialize + DeserializeOwned>(json: Value) -> Value {
    let model: T = serde_json::from_value(json.clone()).expect("the model reads its JSON");
    let back = serde_json::to_value(&model).expect("the model writes JSON");
    assert_eq!(back, json, "the model dropped or changed a field");
    for path in &leaves(&back) {
        assert_ne!(
            pointer(&back, path),
            Some(&Value::Null),
            "{path} is not populated"
        );
    }
    back
}

fn pointer<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    v.pointer(&format!("/{}", path.replace('.', "/")))
}

fn check_form_matches(form: &FormDef, instance: &Value) {
    let mut model = leaves(instance);
    for key in ENVELOPE {
        model.remove(key);
    }
    let paths: Vec<&str> = form.fields().map(|f| f.path).collect();
    let on_form: BTreeSet<String> = paths.iter().map(|p| (*p).to_owned()).collect();
    assert_eq!(
        paths.len(),
        on_form.len(),
        "{}: a path is on the form twice",
        form.id
    );
    let missing: Vec<_> = model.difference(&on_form).collect();
    let extra: Vec<_> = on_form.difference(&model).collect();
    assert!(
        missing.is_empty(),
        "{}: fields the UI cannot show: {missing:?}",
        form.id
    );
    assert!(
        extra.is_empty(),
        "{}: form paths not in the model: {extra:?}",
        form.id
    );

    // A checklist's columns are the keys of its rows, besides `kind`.
    for field in form.fields().filter(|f| f.widget == Widget::Checklist) {
        let rows = pointer(instance, field.path)
            .and_then(Value::as_array)
            .expect("rows");
        for row in rows {
            let keys: BTreeSet<String> = row
                .as_object()
                .expect("row object")
                .keys()
                .filter(|k| *k != "kind")
                .cloned()
                .collect();
            let columns: BTreeSet<String> =
                field.columns.iter().map(|c| c.path.to_owned()).collect();
            assert_eq!(keys, columns, "{}.{}", form.id, field.path);
        }
    }

    // Every code list a field names is registered.
    let lists: BTreeSet<&str> = jiandang_domain::catalog::code_lists()
        .iter()
        .map(|l| l.id)
        .collect();
    for field in form.fields() {
        if let Some(list) = field.code_list {
            assert!(
                lists.contains(list),
                "{}.{}: unknown list {list}",
                form.id,
                field.path
            );
        }
        assert!(!field.label_zh.is_empty());
    }
}

fn village_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "basic": {
            "code": "4114211002", "name": "李庄村", "division_code": "411421100201",
            "attribute": "3", "deep_poverty": false, "exit_year": 2018,
            "development_direction": "01", "terrain": "1", "head_name": "王五",
            "head_post": "03", "head_phone": "13800000001", "party_members": 31,
            "college_graduate_officials": 1, "longitude": 115.65, "latitude": 34.41
        },
        "population": {
            "households": 400, "natural_villages": 2, "poor_households": 30,
            "poor_population": 80, "minimum_allowance_households": 20,
            "five_guarantee_households": 5, "population": 1600, "agricultural_population": 1500,
            "minimum_allowance_people": 40, "five_guarantee_people": 5, "minority_people": 0,
            "women": 790, "disabled_people": 25, "labour_force": 900, "migrant_workers": 500
        },
        "land": {
            "arable_mu": 3000, "irrigated_mu": 2500.5, "forest_mu": 120, "returned_to_forest_mu": 10,
            "orchard_mu": 30, "pasture_mu": 0, "water_mu": 12.25
        },
        "income": { "per_capita_net_income": "9800.00", "collective_income": "52000.00" },
        "social_security": {
            "rural_medical_insurance": 1550, "resident_pension": 900, "employee_pension": 20
        },
        "roads": {
            "paved_to_township": true, "unpaved_to_township_km": 0, "bus_service": true,
            "unpaved_natural_villages": 0, "unpaved_natural_villages_km": 0
        },
        "water": { "unsafe_water_households": 0, "water_difficulty_households": 0 },
        "power": { "electrified_natural_villages": 2 },
        "housing": { "dilapidated_households": 0 },
        "industry": { "cooperatives": 3 },
        "tourism": {
            "tourism_households": 0, "farm_stay_households": 0, "tourism_workers": 0,
            "farm_stay_average_income": "0.00"
        },
        "health": { "clinics": 1, "public_toilets": 2, "doctors": 2, "garbage_points": 4 },
        "culture": { "libraries": 1, "broadcast_tv_households": 400 },
        "informatization": {
            "broadband_households": 260, "broadband_schools": 1,
            "mobile_internet_households": 350, "information_officers": 1
        },
        "help": {
            "help_unit_ids": ["00000000-0000-0000-0000-0000000000a1"],
            "has_work_team": true, "has_first_secretary": true
        },
        "exit_items": {
            "hardened_road": true, "safe_water": true, "electricity": true, "broadcast_tv": true,
            "cultural_centre": true, "standard_clinic": true, "qualified_doctor": true,
            "broadband": true
        }
    })
}

fn natural_village_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-000000000101",
        "village_id": "00000000-0000-0000-0000-000000000001",
        "basic": { "name": "前李", "code": "411421100201001", "longitude": 115.651, "latitude": 34.412 },
        "population": {
            "households": 200, "population": 800, "poor_households": 15, "poor_population": 40,
            "over_20_households": true
        },
        "infrastructure": {
            "hardened_road": true, "unpaved_km": 0, "power_production": true,
            "power_domestic": true, "broadcast_tv": true, "broadband": true,
            "mobile_signal": true, "safe_water": true, "tap_water_households": 190,
            "bus_service": false
        }
    })
}

fn help_unit_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000a1",
        "name": "虞城县财政局", "affiliation": "04", "address": "虞城县城关镇", "phone": "0370-4121234"
    })
}

fn helper_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000b1",
        "help_unit_id": "00000000-0000-0000-0000-0000000000a1",
        "name": "张三", "sex": "1", "id_number": "411421198001010037", "birth_date": "1980-01-01",
        "political_status": "01", "education": "2", "specialty": "农技",
        "post": "科长", "post_rank": "04", "phone": "13800000002"
    })
}

fn work_team_member_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000c1",
        "village_id": "00000000-0000-0000-0000-000000000001",
        "help_unit_id": "00000000-0000-0000-0000-0000000000a1",
        "name": "李四", "sex": "2", "id_number": "411421198505050228",
        "political_status": "01", "education": "3", "former_post": "副科长", "post_rank": "05",
        "is_first_secretary": true, "is_team_leader": true,
        "start": "2017-03-01", "end": "2019-03-01", "phone": "13800000003"
    })
}

fn household_exit_measures_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000d1",
        "village_id": "00000000-0000-0000-0000-000000000001",
        "household_id": "00000000-0000-0000-0000-0000000000e1",
        "measures": [
            { "kind": "0102", "first_year": 2016, "amount": "3000.00", "implementing_unit": "县畜牧局" },
            { "kind": "0301", "first_year": 2017, "amount": "50000.00", "implementing_unit": "县农商行" }
        ],
        "note": "养牛两头"
    })
}

fn village_exit_measures_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000d2",
        "village_id": "00000000-0000-0000-0000-000000000001",
        "measures": [
            {
                "kind": "01", "met": true, "project": "村内道路硬化3.2公里", "first_year": 2016,
                "investment": "960000.00", "funding_source": "专项扶贫资金",
                "implementing_unit": "县交通局", "completed_on": "2017-06-30"
            }
        ],
        "note": "2018年出列"
    })
}

fn member_change_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-0000000000f1",
        "village_id": "00000000-0000-0000-0000-000000000001",
        "household_id": "00000000-0000-0000-0000-0000000000e1",
        "direction": "2", "member_id": "00000000-0000-0000-0000-0000000000e2",
        "reason": "21", "date": "2018-05-01", "proof": "04",
        "proof_photo_ids": ["00000000-0000-0000-0000-0000000000f2"],
        "new_head_id": "00000000-0000-0000-0000-0000000000e3",
        "note": "户主去世，配偶任户主", "reported_by": "赵六", "reported_on": "2018-10-20"
    })
}

fn gps_fix_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-000000000a01",
        "subject_id": "00000000-0000-0000-0000-0000000000e1",
        "point": { "x": 115.6512, "y": 34.4108 },
        "accuracy_m": 6.5, "taken_at": "2018-10-20T01:00:00.000Z", "source": "gps", "samples": 5
    })
}

fn photo_json() -> Value {
    json!({
        "id": "00000000-0000-0000-0000-000000000b01",
        "subject_id": "00000000-0000-0000-0000-0000000000e1",
        "kind": "house_front",
        "sha256": "a".repeat(64), "thumb_sha256": "b".repeat(64),
        "bytes": 180000, "width": 1600, "height": 1200,
        "taken_at": "2018-10-20T01:00:00.000Z",
        "position": { "x": 115.6512, "y": 34.4108 }
    })
}

#[test]
fn every_model_field_is_on_its_form_and_back() {
    check_form_matches(
        &forms::village::village(),
        &populated::<Village>(village_json()),
    );
    check_form_matches(
        &forms::village::natural_village(),
        &populated::<NaturalVillage>(natural_village_json()),
    );
    check_form_matches(
        &forms::help::help_unit(),
        &populated::<HelpUnit>(help_unit_json()),
    );
    check_form_matches(&forms::help::helper(), &populated::<Helper>(helper_json()));
    check_form_matches(
        &forms::help::work_team_member(),
        &populated::<WorkTeamMember>(work_team_member_json()),
    );
    check_form_matches(
        &forms::measures::household_exit_measures(),
        &populated::<HouseholdExitMeasures>(household_exit_measures_json()),
    );
    check_form_matches(
        &forms::measures::village_exit_measures(),
        &populated::<VillageExitMeasures>(village_exit_measures_json()),
    );
    check_form_matches(
        &forms::member_change::member_change(),
        &populated::<MemberChange>(member_change_json()),
    );
    check_form_matches(&forms::gps::gps_fix(), &populated::<GpsFix>(gps_fix_json()));
    check_form_matches(&forms::gps::photo(), &populated::<PhotoRef>(photo_json()));
}

#[test]
fn village_form_has_the_official_sections() {
    let titles: Vec<&str> = forms::village::village()
        .sections
        .iter()
        .map(|s| s.title_zh)
        .collect();
    assert_eq!(
        titles,
        [
            "基本信息",
            "人口信息",
            "土地信息",
            "收入信息",
            "社会保障信息",
            "村级道路畅通",
            "安全饮水",
            "农村电力保障",
            "危房改造",
            "特色产业增收",
            "乡村旅游",
            "卫生和计划生育",
            "文化建设",
            "贫困村信息化",
            "帮扶",
            "贫困村退出指标",
        ]
    );
}

#[test]
fn snapshots() {
    for form in [
        forms::village::village(),
        forms::village::natural_village(),
        forms::help::help_unit(),
        forms::help::helper(),
        forms::help::work_team_member(),
        forms::measures::household_exit_measures(),
        forms::measures::village_exit_measures(),
        forms::member_change::member_change(),
        forms::gps::gps_fix(),
        forms::gps::photo(),
    ] {
        insta::assert_json_snapshot!(format!("form_{}", form.id), form);
    }
}
