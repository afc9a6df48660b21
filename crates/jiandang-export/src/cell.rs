//! One cell of an export and how a field's value becomes one: code-list labels (with the
//! code where the official sheet shows it), dates as dates, money as a number with two
//! decimals read from integer fen, ID numbers and other identifiers as text.

use std::collections::HashMap;

use jiandang_domain::codes::household::YesNo;
use jiandang_domain::codes::{self, Coded};
use jiandang_domain::form::{FieldDef, Widget};
use jiandang_domain::household::Decimal2;
use jiandang_domain::{Date, Money};
use serde_json::Value;
use uuid::Uuid;

/// A cell's value, typed as the spreadsheet should hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text, written as a string cell (ID numbers, phone and bank numbers among them, so a
    /// spreadsheet never turns them into a float).
    Text(String),
    /// A whole number (counts, years, months).
    Int(i64),
    /// Hundredths (areas, distances), shown with two decimals.
    Hundredths(i64),
    /// Money in fen, shown as yuan with two decimals.
    Fen(i64),
    /// A decimal that is not a two-place value (WGS-84 degrees).
    Float(f64),
    /// A calendar date.
    Date(Date),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    pub fn opt_text(s: Option<&str>) -> Cell {
        s.map_or(Cell::Empty, Cell::text)
    }

    /// The cell as CSV writes it and as widths are measured.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Hundredths(h) => Decimal2::from_hundredths(*h).to_string(),
            Cell::Fen(f) => Money::from_fen(*f).to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }
}

/// The width of `s` in spreadsheet character units: a CJK character (and a character
/// outside the Basic Multilingual Plane, almost always a rare CJK one) takes two, others one.
/// The writer's own autofit counts every character as narrow and cuts Chinese text.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// How a coded value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeShown {
    /// The zh-CN label only (`因病`).
    Label,
    /// The official code and the label (`01 一般贫困户`), where the official sheet has codes.
    CodeAndLabel,
}

/// The cell of a field's `value` (the field's JSON value in the record's form, `None` when
/// absent). References are shown by the referenced record's name from `names`.
pub fn field_cell(
    field: &FieldDef,
    value: Option<&Value>,
    shown: CodeShown,
    names: &HashMap<Uuid, String>,
) -> Cell {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Cell::Empty;
    };
    match field.widget {
        Widget::Text | Widget::TextArea | Widget::Phone | Widget::IdNumber => match value {
            Value::String(s) => Cell::text(s.clone()),
            other => Cell::text(other.to_string()),
        },
        Widget::Integer | Widget::Year => value
            .as_i64()
            .map_or_else(|| Cell::text(value.to_string()), Cell::Int),
        Widget::Decimal => match serde_json::from_value::<Decimal2>(value.clone()) {
            Ok(d) => Cell::Hundredths(d.hundredths()),
            Err(_) => value.as_f64().map_or(Cell::Empty, Cell::Float),
        },
        Widget::Money => match serde_json::from_value::<Money>(value.clone()) {
            Ok(m) => Cell::Fen(m.fen()),
            Err(_) => Cell::text(value.to_string()),
        },
        Widget::Date => match value.as_str().map(Date::parse) {
            Some(Ok(d)) => Cell::Date(d),
            _ => Cell::text(value.to_string()),
        },
        Widget::YesNo => match value.as_bool() {
            Some(true) => Cell::text(YesNo::Yes.zh()),
            Some(false) => Cell::text(YesNo::No.zh()),
            None => Cell::text(value.to_string()),
        },
        Widget::Code => value
            .as_str()
            .map_or(Cell::Empty, |c| Cell::text(code_text(field, c, shown))),
        Widget::Codes => match value {
            Value::Array(items) => Cell::text(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|c| code_text(field, c, shown))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            _ => Cell::Empty,
        },
        Widget::Reference => value
            .as_str()
            .map_or(Cell::Empty, |id| Cell::text(reference_name(id, names))),
        Widget::References => match value {
            Value::Array(items) if items.is_empty() => Cell::Empty,
            Value::Array(items) => {
                let photos = field
                    .refers_to
                    .contains(&jiandang_domain::RecordKind::Photo);
                if photos {
                    Cell::text(format!("{}张", items.len()))
                } else {
                    Cell::text(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|id| reference_name(id, names))
                            .collect::<Vec<_>>()
                            .join("、"),
                    )
                }
            }
            _ => Cell::Empty,
        },
        // Lists of rows are tables of their own (see `tables`).
        Widget::Checklist | Widget::Rows => Cell::Empty,
    }
}

/// A code as the sheet shows it, its label taken from the field's code list.
pub fn code_text(field: &FieldDef, code: &str, shown: CodeShown) -> String {
    let list = field.code_list.and_then(code_list);
    let label = list.map_or(code, |l| l.label(code));
    match shown {
        CodeShown::CodeAndLabel if label != code => format!("{code} {label}"),
        _ => label.to_owned(),
    }
}

/// The code list with this id; the registry is built once, cells ask for it often.
pub fn code_list(id: &str) -> Option<&'static codes::CodeList> {
    static LISTS: std::sync::OnceLock<HashMap<&'static str, &'static codes::CodeList>> =
        std::sync::OnceLock::new();
    LISTS
        .get_or_init(|| {
            jiandang_domain::catalog::code_lists()
                .into_iter()
                .map(|l| (l.id, l))
                .collect()
        })
        .get(id)
        .copied()
}

fn reference_name(id: &str, names: &HashMap<Uuid, String>) -> String {
    Uuid::parse_str(id)
        .ok()
        .and_then(|u| names.get(&u).cloned())
        // A reference to a record not in the export: its id, so nothing is hidden.
        .unwrap_or_else(|| id.to_owned())
}

/// The value at a dot path of a record's JSON form.
pub fn at<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(doc, |v, key| v.get(key))
}
