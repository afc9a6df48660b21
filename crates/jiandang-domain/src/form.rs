//! Form definitions (表单定义) for the UI: sections, fields, zh-CN labels, widget kinds,
//! units, code lists, requiredness and relevance, exported as JSON. The app renders every
//! form from this, so a label or a code list exists once, here.

use serde::Serialize;

use crate::codes::{CodeList, Coded};
use crate::record::RecordKind;

/// A whole form: one record kind.
#[derive(Debug, Clone, Serialize)]
pub struct FormDef {
    /// Stable id, e.g. `household`.
    pub id: &'static str,
    pub record: RecordKind,
    /// The official title, e.g. 贫困户信息采集表.
    pub title_zh: &'static str,
    pub sections: Vec<SectionDef>,
}

/// A section of a form (一、基本情况 …).
#[derive(Debug, Clone, Serialize)]
pub struct SectionDef {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub fields: Vec<FieldDef>,
}

/// One field: where its value sits in the record's JSON form and how to ask for it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldDef {
    /// Dot path in the record's JSON form (`income.wage`). Unique within the form.
    pub path: &'static str,
    pub label_zh: &'static str,
    pub widget: Widget,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// Id of the code list for `code` and `codes` widgets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_list: Option<&'static str>,
    pub required: bool,
    /// Computed by the domain (e.g. 人均纯收入); shown, never typed.
    pub derived: bool,
    /// When the field applies; always when absent. For a column of a list, the paths it
    /// names are the row's (`step`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevance: Option<Relevance>,
    /// The national system's column id (aac073 …), for exports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub national_code: Option<&'static str>,
    /// A short zh-CN hint shown under the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint_zh: Option<&'static str>,
    /// For a `checklist`: the columns of each row, with paths relative to the row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<FieldDef>,
    /// For `reference` and `references`: the kinds of record the id may name. The UI offers
    /// records of these kinds to pick from, unless the app sets the link itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refers_to: Vec<RecordKind>,
    /// For a `code` field: the codes offered depend on another field's value (变更原因 by
    /// 变更类型). Absent: every code of the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options_by: Option<OptionsBy>,
}

/// Which codes a `code` field offers, by the value of the field at `path`. For a value not
/// in `options` (or no value yet) every code is offered; the rules still judge the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionsBy {
    pub path: &'static str,
    /// The controlling field's value (a code) → the codes offered, in the list's order.
    pub options: std::collections::BTreeMap<&'static str, Vec<&'static str>>,
}

/// How a field is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Widget {
    Text,
    TextArea,
    /// Whole number.
    Integer,
    /// Decimal number (areas in 亩, distances in 公里).
    Decimal,
    /// Yuan with two decimals, held as fen.
    Money,
    /// `YYYY-MM-DD`.
    Date,
    Year,
    YesNo,
    /// One value of a code list.
    Code,
    /// Several values of a code list.
    Codes,
    IdNumber,
    Phone,
    /// A reference to another record (its UUID), e.g. the help unit a helper comes from.
    Reference,
    /// Several references (a list of UUIDs), e.g. the photos proving a member change.
    References,
    /// A list of rows, at most one per value of the code list (the row's `kind`), each with
    /// the field's `columns`: the exit-measure sheets (C4). The whole list is one field.
    Checklist,
    /// A list of rows, each with the field's `columns` (paths relative to the row), added and
    /// removed freely: 帮扶结对 and 帮扶措施 per year. The whole list is one field.
    Rows,
}

/// When a field applies, as data the UI evaluates against the record's current values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Relevance {
    /// The field at `path` holds exactly `value`.
    Equals {
        path: &'static str,
        value: serde_json::Value,
    },
    /// The field at `path` holds one of `values` (or, for a list, contains one of them).
    AnyOf {
        path: &'static str,
        values: Vec<serde_json::Value>,
    },
    /// The field at `path` is set and not empty.
    Present {
        path: &'static str,
    },
    All {
        of: Vec<Relevance>,
    },
}

impl FieldDef {
    pub fn new(path: &'static str, label_zh: &'static str, widget: Widget) -> FieldDef {
        FieldDef {
            path,
            label_zh,
            widget,
            unit: None,
            code_list: None,
            required: false,
            derived: false,
            relevance: None,
            national_code: None,
            hint_zh: None,
            columns: Vec::new(),
            refers_to: Vec::new(),
            options_by: None,
        }
    }

    /// A reference to one record of one of `kinds`.
    pub fn reference(path: &'static str, label_zh: &'static str, kinds: &[RecordKind]) -> FieldDef {
        FieldDef {
            refers_to: kinds.to_vec(),
            ..FieldDef::new(path, label_zh, Widget::Reference)
        }
    }

    /// A list of references to records of one of `kinds`.
    pub fn references(
        path: &'static str,
        label_zh: &'static str,
        kinds: &[RecordKind],
    ) -> FieldDef {
        FieldDef {
            refers_to: kinds.to_vec(),
            ..FieldDef::new(path, label_zh, Widget::References)
        }
    }

    /// A single-choice field over the code list of `C`.
    pub fn code<C: Coded>(path: &'static str, label_zh: &'static str) -> FieldDef {
        FieldDef {
            code_list: Some(C::LIST.id),
            ..FieldDef::new(path, label_zh, Widget::Code)
        }
    }

    /// A multiple-choice field over the code list of `C`.
    pub fn codes<C: Coded>(path: &'static str, label_zh: &'static str) -> FieldDef {
        FieldDef {
            code_list: Some(C::LIST.id),
            ..FieldDef::new(path, label_zh, Widget::Codes)
        }
    }

    pub fn unit(mut self, unit: &'static str) -> FieldDef {
        self.unit = Some(unit);
        self
    }

    pub fn required(mut self) -> FieldDef {
        self.required = true;
        self
    }

    pub fn derived(mut self) -> FieldDef {
        self.derived = true;
        self
    }

    pub fn national(mut self, code: &'static str) -> FieldDef {
        self.national_code = Some(code);
        self
    }

    pub fn hint(mut self, hint_zh: &'static str) -> FieldDef {
        self.hint_zh = Some(hint_zh);
        self
    }

    /// A checklist over the code list of `C`, whose rows hold `columns` besides `kind`.
    pub fn checklist<C: Coded>(
        path: &'static str,
        label_zh: &'static str,
        columns: Vec<FieldDef>,
    ) -> FieldDef {
        FieldDef {
            code_list: Some(C::LIST.id),
            columns,
            ..FieldDef::new(path, label_zh, Widget::Checklist)
        }
    }

    /// Offers each code of `C` only while the code field at `path` holds the code `group`
    /// gives it (变更原因 offered by 变更类型).
    pub fn options_by<C: Coded, G: Coded>(
        mut self,
        path: &'static str,
        group: fn(C) -> G,
    ) -> FieldDef {
        let mut options: std::collections::BTreeMap<&'static str, Vec<&'static str>> =
            std::collections::BTreeMap::new();
        for value in C::ALL {
            options
                .entry(group(*value).code())
                .or_default()
                .push(value.code());
        }
        self.options_by = Some(OptionsBy { path, options });
        self
    }

    pub fn when(mut self, relevance: Relevance) -> FieldDef {
        self.relevance = Some(relevance);
        self
    }
}

impl SectionDef {
    pub fn new(id: &'static str, title_zh: &'static str, fields: Vec<FieldDef>) -> SectionDef {
        SectionDef {
            id,
            title_zh,
            fields,
        }
    }
}

impl FormDef {
    /// Every field of the form, in order.
    pub fn fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    /// The field at `path`, if the form has it.
    pub fn field(&self, path: &str) -> Option<&FieldDef> {
        self.fields().find(|f| f.path == path)
    }
}

/// The leaf paths of a record's JSON form, in document order: dot paths to every scalar or
/// null, with arrays as leaves (a list is one field for the form and for sync). The form
/// tests use it to prove every model field has a definition and every definition a field.
pub fn leaf_paths(value: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) if !map.is_empty() => {
                for (k, child) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, child, out);
                }
            }
            _ => out.push(prefix.to_owned()),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// Everything the UI needs to render and check forms offline, as one JSON document.
#[derive(Debug, Clone, Serialize)]
pub struct FormBundle {
    /// Bumped whenever a form or list changes shape.
    pub version: u32,
    pub forms: Vec<FormDef>,
    pub code_lists: Vec<&'static CodeList>,
    /// The code values the app's screens act on, so the UI compares none of its own.
    pub facts: UiFacts,
}

/// The few code values a screen acts on rather than shows: which member heads the household,
/// who has left it, which way a member change goes. The app reads them here (the domain's
/// codes), never from a literal of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiFacts {
    /// 与户主关系 of the 户主.
    pub head_relationship: &'static str,
    /// 人员状态 of a member who has left (已自然减少).
    pub member_decreased: &'static str,
    /// 变更类型 of a natural increase (自然增加).
    pub change_increase: &'static str,
    /// 变更类型 of a natural decrease (自然减少).
    pub change_decrease: &'static str,
    /// 核实内容 of the household's members: the one visit section that is not a section of
    /// the household form (the others are named by the form's section ids).
    pub visit_members: &'static str,
    /// 核实结果 of a section the visit confirmed unchanged (无变化).
    pub section_unchanged: &'static str,
    /// 核实结果 of a section the visit found changed (有变化).
    pub section_changed: &'static str,
}

/// Version of the form bundle's shape. 2: `references` widget and `refers_to`.
pub const FORM_BUNDLE_VERSION: u32 = 2;
