//! The whole form bundle the UI and the server read: one form per record kind, in
//! `RecordKind::ALL` order, every code list a field names registered, and its JSON pinned.

use std::collections::BTreeSet;

use jiandang_domain::RecordKind;
use jiandang_domain::form;

#[test]
fn one_form_per_record_kind_in_order() {
    let bundle = form::bundle();
    let kinds: Vec<RecordKind> = bundle.forms.iter().map(|f| f.record).collect();
    assert_eq!(kinds, RecordKind::ALL.to_vec());
    let ids: BTreeSet<&str> = bundle.forms.iter().map(|f| f.id).collect();
    assert_eq!(ids.len(), bundle.forms.len(), "form ids are unique");
}

#[test]
fn code_lists_are_unique_and_every_named_list_exists() {
    let bundle = form::bundle();
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
    insta::assert_json_snapshot!("form_bundle", form::bundle());
}
