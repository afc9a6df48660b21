//! docs/records.md lists every field of the household file's records, generated from the
//! domain's form definitions; this test keeps the two the same. Run with
//! `JIANDANG_UPDATE_DOCS=1` to rewrite the generated part after a form changes.

use std::fmt::Write;
use std::path::Path;

use jiandang_domain::catalog::bundle;
use jiandang_domain::form::{FormDef, Widget};

const BEGIN: &str = "<!-- fields:begin (generated from the form definitions; see crates/jiandang/tests/records_doc.rs) -->";
const END: &str = "<!-- fields:end -->";

/// The forms whose records a household file holds, with the file key they sit under.
const FILE_FORMS: [(&str, &str); 9] = [
    ("household", "household"),
    ("member", "members[]"),
    ("member_change", "member_changes[]"),
    ("procedure", "procedure"),
    ("household_exit_measures", "exit_measures"),
    ("exit_procedure", "exit_procedures[]"),
    ("visit", "visits[]"),
    ("gps_fix", "gps_fixes[]"),
    ("photo", "photos[]"),
];

fn widget(w: Widget) -> &'static str {
    match w {
        Widget::Text => "text",
        Widget::TextArea => "text",
        Widget::Integer => "integer",
        Widget::Decimal => "decimal number",
        Widget::Money => "money (yuan string)",
        Widget::Date => "date `YYYY-MM-DD`",
        Widget::Year => "year",
        Widget::YesNo => "true/false",
        Widget::Code => "code",
        Widget::Codes => "list of codes",
        Widget::IdNumber => "ID number",
        Widget::Phone => "phone",
        Widget::Reference => "UUID of a record",
        Widget::References => "list of UUIDs of records",
        Widget::Checklist => "list of rows, one per kind",
        Widget::Rows => "list of rows",
    }
}

fn table(form: &FormDef, key: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### `{key}`: {}\n", form.title_zh);
    for section in &form.sections {
        let _ = writeln!(out, "{}\n", section.title_zh);
        out.push_str("| field | 中文 | value | required | national code |\n| --- | --- | --- | --- | --- |\n");
        let rows = section.fields.iter().flat_map(|f| {
            std::iter::once((f.path.to_owned(), f)).chain(
                f.columns
                    .iter()
                    .map(move |c| (format!("{}[].{}", f.path, c.path), c)),
            )
        });
        for (path, f) in rows {
            let mut value = widget(f.widget).to_owned();
            if let Some(list) = f.code_list {
                let _ = write!(value, " (`{list}`)");
            }
            if let Some(unit) = f.unit {
                let _ = write!(value, ", {unit}");
            }
            if f.derived {
                value.push_str(", derived");
            }
            let required = if f.required { "yes" } else { "" };
            let national = f.national_code.unwrap_or("");
            let _ = writeln!(
                out,
                "| `{path}` | {} | {value} | {required} | {national} |",
                f.label_zh
            );
        }
        out.push('\n');
    }
    out
}

fn generated() -> String {
    let forms = bundle().forms;
    let mut out = String::new();
    for (id, key) in FILE_FORMS {
        let form = forms
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("form {id} exists"));
        out.push_str(&table(form, key));
    }
    out.push_str("### Code lists\n\n| id | 名称 | codes |\n| --- | --- | --- |\n");
    for list in bundle().code_lists {
        let codes: Vec<String> = list
            .entries
            .iter()
            .map(|e| format!("{} {}", e.code, e.zh))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            list.id,
            list.name_zh,
            codes.join(" · ")
        );
    }
    out
}

#[test]
fn records_doc_lists_every_field_of_every_file_record() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/records.md");
    let doc = std::fs::read_to_string(&path).expect("docs/records.md exists");
    let (head, rest) = doc
        .split_once(BEGIN)
        .expect("docs/records.md has the fields:begin marker");
    let (current, tail) = rest
        .split_once(END)
        .expect("docs/records.md has the fields:end marker");
    let fresh = format!("\n{}", generated());
    if std::env::var_os("JIANDANG_UPDATE_DOCS").is_some() {
        std::fs::write(&path, format!("{head}{BEGIN}{fresh}{END}{tail}"))
            .expect("rewrite docs/records.md");
        return;
    }
    assert!(
        current == fresh,
        "docs/records.md's field tables differ from the form definitions; \
         run `JIANDANG_UPDATE_DOCS=1 cargo test -p jiandang --test records_doc` and review the diff"
    );
}
