//! The whole form bundle the UI and the server read: one form per record kind, in
//! `RecordKind::ALL` order, every code list a field names registered, and its JSON pinned.

use std::collections::BTreeSet;

use jiandang_domain::RecordKind;
use jiandang_domain::catalog;

#[test]
fn one_form_per_record_kind_in_order() {
    let bundle = catalog::bundle();
    let kinds: Vec<RecordKind> = bundle.forms.iter().map(|f| f.record).collect();
    assert_eq!(kinds, RecordKind::ALL.to_vec());
    let ids: BTreeSet<&str> = bundle.forms.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), bundle.forms.len(), "form ids are unique");
}

#[test]
fn code_lists_are_unique_and_every_named_list_exists() {
    let bundle = catalog::bundle();
    let lists: BTreeSet<&str> = bundle.code_lists.iter().map(|l| l.id).collect();
    assert_eq!(
        lists.len(),
        bundle.code_lists.len(),
        "code list ids are unique"
    );
    for f in &bundle.forms {
        for field in f.fields().chain(f.fields().flat_map(|x| x.columns.iter())) {
            if let Some(list) = field.code_list {
                assert!(lists.contains(list), "{}.{}: {list}", f.id, field.path);
            }
        }
    }
}

#[test]
fn bundle_json_snapshot() {
    insta::assert_json_snapshot!("form_bundle", catalog::bundle());
}

#[test]
fn every_reference_names_what_it_refers_to() {
    use jiandang_domain::form::Widget;
    let bundle = catalog::bundle();
    let mut lists = Vec::new();
    for f in &bundle.forms {
        for field in f.fields().chain(f.fields().flat_map(|x| x.columns.iter())) {
            let is_ref = matches!(field.widget, Widget::Reference | Widget::References);
            assert_eq!(
                is_ref,
                !field.refers_to.is_empty(),
                "{}.{}: a reference field, and only one, names the kinds it refers to",
                f.id,
                field.path
            );
            if field.widget == Widget::References {
                lists.push(format!("{}.{}", f.id, field.path));
            }
        }
    }
    // The fields the models hold as lists of ids (`Vec<Uuid>`); every other reference is one id.
    assert_eq!(
        lists,
        [
            "member_change.proof_photo_ids",
            "village.help.help_unit_ids",
            "procedure.attachment_photo_ids",
            "exit_procedure.attachment_photo_ids",
            "spot_check.photo_ids",
            "village_screening.natural_village_ids",
            "problem.verification.photo_ids",
        ]
    );
}
