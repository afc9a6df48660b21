//! Where the official sheets differ from the form definitions, as data over the domain's
//! field paths: which coded fields show their official code beside the label, which fields
//! are the sheet's row key rather than a column, and the derived columns an official sheet
//! has that no form field holds (户主姓名 and 户主证件号码 come from the members).
//! Everything else (column order, labels, grouping into the sheet's merged header rows) is
//! the form definition's sections and fields.

/// Fields whose code the official sheets print beside the label (`01 一般贫困户`): the
/// national system's own code lists (FORMS.md marks them found, [F:Sx]). Proposed lists
/// (FORMS.md "not found; suggested") show the label only: their codes are ours.
pub const CODED: &[(&str, &str)] = &[
    ("household", "basic.identification_standard"),
    ("household", "basic.attribute"),
    ("household", "basic.status"),
    ("household", "basic.main_cause"),
    ("household", "basic.other_causes"),
    ("household", "basic.return_reason"),
    ("household", "living.access_road"),
    ("household", "living.fuel"),
    ("household", "relocation.mode"),
    ("member", "sex"),
    ("member", "id_type"),
    ("member", "relationship"),
    ("member", "ethnicity"),
    ("member", "political_status"),
    ("member", "education"),
    ("member", "student_status"),
    ("member", "student_status_last_year"),
    ("member", "health"),
    ("member", "labour_skill"),
    ("member", "work_status"),
    ("help_unit", "affiliation"),
];

/// Fields that link a record to the row it hangs on: the sheet shows that row's key
/// columns (乡镇, 行政村, 户编号, 户主) instead of a column of its own.
pub const ROW_KEY: &[(&str, &str)] = &[
    ("member", "household_id"),
    ("member_change", "household_id"),
    ("member_change", "direction"),
    ("household_exit_measures", "household_id"),
];

/// The member's fields the 自然增加 / 自然减少 sheets show for the person who joined or left
/// (FORMS.md §3.2: increase rows carry the new member's §2 fields, decrease rows who left).
pub const CHANGED_MEMBER: &[&str] = &[
    "name",
    "sex",
    "id_type",
    "id_number",
    "birth_date",
    "relationship",
    "ethnicity",
];

/// The household's basic-section field after which the official sheet prints 户主姓名
/// (aac029) and 户主证件号码 (aac031).
pub const HEAD_AFTER: &str = "basic.household_number";

/// The problem form's fields the 问题清单 sheet shows (in the form's order): what the county
/// sent down, the village's answer (核实, 整改) and the county's review. Who did each step is a
/// user id the register does not name, and the ids of photos and fixes mean nothing on paper:
/// those are left out.
pub const PROBLEM_COLUMNS: &[&str] = &[
    "source",
    "title",
    "check",
    "severity",
    "field_label",
    "text",
    "verify",
    "rank",
    "raised_at",
    "state",
    "verification.verdict",
    "verification.note",
    "verification.at",
    "correction.note",
    "correction.at",
    "sent_back.reason",
    "sent_back.count",
    "closing.kind",
    "closing.note",
    "closing.at",
    "recheck.fault_gone",
];

/// Problem fields that hold an instant (RFC 3339); the sheet shows its Beijing date.
pub const PROBLEM_INSTANTS: &[&str] = &[
    "raised_at",
    "verification.at",
    "correction.at",
    "closing.at",
];

/// Whether `path` of form `form` shows its code beside the label.
pub fn coded(form: &str, path: &str) -> bool {
    CODED.iter().any(|(f, p)| *f == form && *p == path)
}

/// Whether `path` of form `form` is a row key rather than a column.
pub fn row_key(form: &str, path: &str) -> bool {
    ROW_KEY.iter().any(|(f, p)| *f == form && *p == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path named here is a field of its form: a renamed field must fail here, not
    /// silently drop a column rule.
    #[test]
    fn every_layout_path_is_a_form_field() {
        let forms = jiandang_domain::catalog::all();
        let field = |form: &str, path: &str| {
            forms
                .iter()
                .find(|f| f.id == form)
                .and_then(|f| f.field(path))
                .is_some()
        };
        for (form, path) in CODED.iter().chain(ROW_KEY) {
            assert!(field(form, path), "{form}.{path}");
        }
        for path in CHANGED_MEMBER {
            assert!(field("member", path), "member.{path}");
        }
        assert!(field("household", HEAD_AFTER));
        for path in PROBLEM_COLUMNS.iter().chain(PROBLEM_INSTANTS) {
            assert!(field("problem", path), "problem.{path}");
        }
    }
}
