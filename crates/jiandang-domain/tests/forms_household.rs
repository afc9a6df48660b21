//! The household, member, procedure, exit-procedure and door-visit form definitions (N1, N2,
//! W5, W1, C1): a snapshot holds their
//! JSON stable, and every field of a fully populated model has a definition and every
//! definition a field of the model (no field the UI cannot show, none it shows in vain).

use std::collections::BTreeSet;

use jiandang_domain::Date;
use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::{DropoutReason, ExitStatus, PovertyCause, WorkStatus};
use jiandang_domain::exit_procedure::{ExitProcedure, ExitStep, ExitStepRecord};
use jiandang_domain::form::{FieldDef, FormDef, Widget, leaf_paths};
use jiandang_domain::forms;
use jiandang_domain::household::{Household, Pairing, YearHelpMeasures};
use jiandang_domain::member::Member;
use jiandang_domain::procedure::{
    Procedure, ProcedureKind, ProcedureStep, StepOutcome, StepRecord,
};
use jiandang_domain::visit::{SectionCheck, SectionOutcome, Visit, VisitSection};
use serde::Serialize;
use uuid::Uuid;

/// A household with every answer given (from the ready example, plus the answers that only
/// apply to other households: return, relocation).
fn full_household() -> Household {
    let mut h = serde_json::from_str::<HouseholdBundle>(include_str!(
        "../../../examples/household-ok.json"
    ))
    .expect("example reads")
    .household;
    h.basic.household_number = Some("4114210000000001".into());
    h.basic.status = Some(ExitStatus::Returned);
    h.basic.exit_year = Some(2016);
    h.basic.return_reason = Some(PovertyCause::Disaster);
    h.basic.return_year = Some(2018);
    h.basic.visited_on = Some(Date::parse("2018-10-15").unwrap());
    h.living.dilapidation_level = Some(jiandang_domain::codes::household::DilapidationLevel::C);
    h.relocation = jiandang_domain::household::Relocation {
        relocated: Some(true),
        mode: Some(jiandang_domain::codes::household::RelocationMode::Individual),
        resettlement_mode: Some(jiandang_domain::codes::household::ResettlementMode::Dispersed),
        resettlement_place: Some(
            jiandang_domain::codes::household::ResettlementPlace::InsideVillage,
        ),
        difficulties: Some("搬迁后生活没着落".into()),
        moved_in: Some(true),
        moved_in_date: Some(Date::parse("2018-06-01").unwrap()),
    };
    h.pairings[0].end = Some(Date::parse("2018-12-31").unwrap());
    h.help_measures[0].note = Some("说明".into());
    h.no_worries.food.reason = Some("原因".into());
    h
}

fn full_member() -> Member {
    let mut m = serde_json::from_str::<HouseholdBundle>(include_str!(
        "../../../examples/household-ok.json"
    ))
    .expect("example reads")
    .members[0]
        .clone();
    m.person_number = Some("411421000000000101".into());
    m.education = Some(jiandang_domain::codes::household::Education::JuniorHigh);
    m.dropout_reason = Some(DropoutReason::Other);
    m.work_status = Some(WorkStatus::InProvince);
    m
}

fn full_procedure() -> Procedure {
    Procedure {
        id: Uuid::nil(),
        household_id: Uuid::nil(),
        kind: ProcedureKind::Return,
        return_reason: Some(PovertyCause::Illness),
        steps: vec![StepRecord {
            step: ProcedureStep::Application,
            date: Some(Date::parse("2018-10-08").unwrap()),
            outcome: Some(StepOutcome::Passed),
            note: Some("说明".into()),
            attachment_photo_ids: vec![Uuid::nil()],
        }],
    }
}

fn full_exit_procedure() -> ExitProcedure {
    ExitProcedure {
        id: Uuid::nil(),
        village_id: Uuid::nil(),
        household_id: Uuid::nil(),
        year: Some(2018),
        steps: vec![ExitStepRecord {
            step: ExitStep::VillageNotice,
            date: Some(Date::parse("2018-10-20").unwrap()),
            outcome: Some(StepOutcome::Passed),
            notice_days: Some(7),
            signed_by: Some(Uuid::nil()),
            note: Some("说明".into()),
            attachment_photo_ids: vec![Uuid::nil()],
        }],
    }
}

fn full_visit() -> Visit {
    Visit {
        id: Uuid::nil(),
        village_id: Uuid::nil(),
        household_id: Uuid::nil(),
        date: Some(Date::parse("2018-10-20").unwrap()),
        visited_by: Some("李娜".into()),
        sections: vec![SectionCheck {
            kind: VisitSection::Income,
            outcome: Some(SectionOutcome::Changed),
            note: Some("工资性收入增加".into()),
        }],
        note: Some("备注".into()),
    }
}

/// Leaf paths of a record, without its `id` (the record's identity, never a form field).
fn model_paths<T: Serialize>(record: &T) -> BTreeSet<String> {
    let json = serde_json::to_value(record).unwrap();
    leaf_paths(&json)
        .into_iter()
        .filter(|p| p != "id")
        .collect()
}

fn form_paths(fields: &[&FieldDef]) -> BTreeSet<String> {
    fields.iter().map(|f| f.path.to_owned()).collect()
}

/// Every model leaf has a field and every field a model leaf; list fields' row columns
/// likewise match the leaves of one populated row.
fn covers<T: Serialize>(form: &FormDef, record: &T) {
    let fields: Vec<&FieldDef> = form.fields().collect();
    let model = model_paths(record);
    let defined = form_paths(&fields);
    let missing: Vec<_> = model.difference(&defined).collect();
    let extra: Vec<_> = defined.difference(&model).collect();
    assert!(
        missing.is_empty(),
        "{}: model fields without a definition: {missing:?}",
        form.id
    );
    assert!(
        extra.is_empty(),
        "{}: definitions without a model field: {extra:?}",
        form.id
    );
    assert_eq!(defined.len(), fields.len(), "{}: duplicate paths", form.id);

    let json = serde_json::to_value(record).unwrap();
    for f in fields
        .iter()
        .filter(|f| matches!(f.widget, Widget::Rows | Widget::Checklist))
    {
        let rows = json[f.path].as_array().expect("a list field is an array");
        let row = rows
            .first()
            .unwrap_or_else(|| panic!("{}: populate {}", form.id, f.path));
        let row_model: BTreeSet<String> = leaf_paths(row).into_iter().collect();
        let cols: Vec<&FieldDef> = f.columns.iter().collect();
        assert_eq!(
            row_model,
            form_paths(&cols),
            "{}: columns of {}",
            form.id,
            f.path
        );
    }
}

#[test]
fn household_form_covers_the_model_n1() {
    let h = full_household();
    assert!(!h.pairings.is_empty() && !h.help_measures.is_empty());
    covers(&forms::household::household(), &h);
    // The default record has the same fields: none hides behind an absent Option.
    assert_eq!(model_paths(&Household::default()), model_paths(&h));
    let _ = (Pairing::default(), YearHelpMeasures::default());
}

#[test]
fn member_form_covers_the_model_n2() {
    let m = full_member();
    covers(&forms::member::member(), &m);
    assert_eq!(model_paths(&Member::default()), model_paths(&m));
}

#[test]
fn procedure_form_covers_the_model_w5() {
    covers(&forms::procedure::procedure(), &full_procedure());
}

#[test]
fn exit_procedure_form_covers_the_model_w1() {
    // `village_id` is the record's envelope (its village), set by the app, not a form field.
    let mut json = serde_json::to_value(full_exit_procedure()).unwrap();
    json.as_object_mut().unwrap().remove("village_id");
    covers(&forms::exit_procedure::exit_procedure(), &json);
}

/// The checklist's rows are keyed by `kind`; the rest of a row is its columns (C1).
#[test]
fn visit_form_covers_the_model_c1() {
    let v = full_visit();
    let form = forms::visit::visit();
    let mut model = model_paths(&v);
    model.remove("village_id");
    let defined: BTreeSet<String> = form.fields().map(|f| f.path.to_owned()).collect();
    assert_eq!(model, defined);
    let sections = form.field("sections").expect("sections");
    let row: BTreeSet<String> = leaf_paths(&serde_json::to_value(&v.sections[0]).unwrap())
        .into_iter()
        .filter(|p| p != "kind")
        .collect();
    let cols: BTreeSet<String> = sections.columns.iter().map(|c| c.path.to_owned()).collect();
    assert_eq!(row, cols);
}

/// A visit goes through what the household's verify screen shows: every section of the
/// household form, and its members (C1).
#[test]
fn a_visit_goes_through_every_section_of_the_household_form_c1() {
    let mut sections: Vec<&str> = forms::household::household()
        .sections
        .iter()
        .map(|s| s.id)
        .collect();
    // The app names the members' section by the bundle's fact, the others by the form.
    sections.push(jiandang_domain::catalog::facts().visit_members);
    let visit: Vec<&str> = VisitSection::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(visit, sections);
}

/// C1: a household of the register (identified in an earlier year) is verified at the door;
/// one identified this year, or one just made whose year is not answered, is collected whole.
#[test]
fn existing_households_are_verified_new_ones_collected_whole_c1() {
    use jiandang_domain::household::verified_at_door;
    let policy = jiandang_domain::policy::YearPolicy::shangqiu_2018();
    assert!(verified_at_door(Some(2014), &policy));
    assert!(verified_at_door(Some(policy.year - 1), &policy));
    assert!(!verified_at_door(Some(policy.year), &policy));
    assert!(!verified_at_door(None, &policy));
}

#[test]
fn relevance_and_code_lists_resolve_n1() {
    let lists: BTreeSet<&str> = jiandang_domain::catalog::code_lists()
        .iter()
        .map(|l| l.id)
        .collect();
    for form in [
        forms::household::household(),
        forms::member::member(),
        forms::procedure::procedure(),
        forms::exit_procedure::exit_procedure(),
        forms::visit::visit(),
    ] {
        let paths: BTreeSet<&str> = form.fields().map(|f| f.path).collect();
        for f in form
            .fields()
            .flat_map(|f| std::iter::once(f).chain(f.columns.iter()))
        {
            if let Some(id) = f.code_list {
                assert!(lists.contains(id), "{}: unknown list {id}", f.path);
            }
            if matches!(f.widget, Widget::Code | Widget::Codes) {
                assert!(f.code_list.is_some(), "{} has no code list", f.path);
            }
        }
        for f in form.fields() {
            if let Some(r) = &f.relevance {
                let json = serde_json::to_value(r).unwrap();
                let mut refs = Vec::new();
                collect_paths(&json, &mut refs);
                for p in refs {
                    assert!(
                        paths.contains(p.as_str()),
                        "{}: relevance on unknown {p}",
                        f.path
                    );
                }
            }
        }
    }
}

fn collect_paths(v: &serde_json::Value, out: &mut Vec<String>) {
    if let Some(p) = v.get("path").and_then(|p| p.as_str()) {
        out.push(p.to_owned());
    }
    if let Some(of) = v.get("of").and_then(|o| o.as_array()) {
        for r in of {
            collect_paths(r, out);
        }
    }
}

#[test]
fn household_and_member_forms_snapshot() {
    insta::assert_json_snapshot!("household_form", forms::household::household());
    insta::assert_json_snapshot!("member_form", forms::member::member());
    insta::assert_json_snapshot!("procedure_form", forms::procedure::procedure());
    insta::assert_json_snapshot!(
        "exit_procedure_form",
        forms::exit_procedure::exit_procedure()
    );
    insta::assert_json_snapshot!("visit_form", forms::visit::visit());
}
