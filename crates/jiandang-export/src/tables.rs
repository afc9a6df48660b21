//! The official tables as data: columns (with the merged group header each sits under) and
//! rows of typed cells, built from the register and the domain's form definitions. The xlsx
//! and CSV writers only lay these out.

use std::ops::Range;

use jiandang_domain::catalog::all as forms;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::village::{ChangeDirection, HouseholdMeasureKind};
use jiandang_domain::form::{FieldDef, FormDef, Widget};
use serde::Serialize;
use serde_json::Value;

use crate::Progress;
use crate::cell::{Cell, CodeShown, at, code_text, field_cell};
use crate::layout;
use crate::register::{HouseholdEntry, Register};

/// The official tables, and the problem list sent down to the villages. (The spot-check
/// results are a workbook of their own, per plan: [`crate::spotcheck`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// 贫困户信息采集表, one row per household.
    Households,
    /// 五、帮扶责任人结对信息, one row per pairing.
    Pairings,
    /// 六、帮扶措施, one row per household and year.
    HelpMeasures,
    /// 家庭成员, one row per member with the household's key.
    Members,
    /// 贫困户家庭成员自然增加情况表 (附件4).
    MemberIncreases,
    /// 贫困户家庭成员自然减少情况表 (附件5).
    MemberDecreases,
    /// 贫困村信息采集表.
    Villages,
    /// 自然村（村民小组）信息采集表.
    NaturalVillages,
    /// 2018年脱贫户脱贫措施信息采集表 (附件6), one row per measure ticked.
    HouseholdExitMeasures,
    /// 2018年出列贫困村脱贫措施信息采集表 (附件7), one row per measure.
    VillageExitMeasures,
    /// 问题清单, one row per problem: what the county sent down and the village's answer.
    Problems,
}

impl TableKind {
    pub const ALL: &'static [TableKind] = &[
        TableKind::Households,
        TableKind::Pairings,
        TableKind::HelpMeasures,
        TableKind::Members,
        TableKind::MemberIncreases,
        TableKind::MemberDecreases,
        TableKind::Villages,
        TableKind::NaturalVillages,
        TableKind::HouseholdExitMeasures,
        TableKind::VillageExitMeasures,
        TableKind::Problems,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Households => "households",
            TableKind::Pairings => "pairings",
            TableKind::HelpMeasures => "help_measures",
            TableKind::Members => "members",
            TableKind::MemberIncreases => "member_increases",
            TableKind::MemberDecreases => "member_decreases",
            TableKind::Villages => "villages",
            TableKind::NaturalVillages => "natural_villages",
            TableKind::HouseholdExitMeasures => "household_exit_measures",
            TableKind::VillageExitMeasures => "village_exit_measures",
            TableKind::Problems => "problems",
        }
    }

    /// The sheet's title: the official form's, from the domain where it has one.
    pub fn title_zh(self) -> String {
        let form = |id: &str| {
            forms()
                .into_iter()
                .find(|f| f.id == id)
                .map_or_else(String::new, |f| f.title_zh.to_owned())
        };
        match self {
            TableKind::Households => form("household"),
            TableKind::Pairings => "贫困户帮扶责任人结对信息".to_owned(),
            TableKind::HelpMeasures => "贫困户帮扶措施（按年度）".to_owned(),
            TableKind::Members => format!(
                "{}家庭成员信息",
                form("household").trim_end_matches("信息采集表")
            ),
            TableKind::MemberIncreases => "贫困户家庭成员自然增加情况表".to_owned(),
            TableKind::MemberDecreases => "贫困户家庭成员自然减少情况表".to_owned(),
            TableKind::Villages => form("village"),
            TableKind::NaturalVillages => form("natural_village"),
            TableKind::HouseholdExitMeasures => form("household_exit_measures"),
            TableKind::VillageExitMeasures => form("village_exit_measures"),
            TableKind::Problems => form("problem"),
        }
    }

    /// The worksheet's tab name (Excel allows 31 characters).
    pub fn sheet_name(self) -> &'static str {
        match self {
            TableKind::Households => "贫困户",
            TableKind::Pairings => "帮扶结对",
            TableKind::HelpMeasures => "帮扶措施",
            TableKind::Members => "家庭成员",
            TableKind::MemberIncreases => "自然增加",
            TableKind::MemberDecreases => "自然减少",
            TableKind::Villages => "贫困村",
            TableKind::NaturalVillages => "自然村",
            TableKind::HouseholdExitMeasures => "脱贫户脱贫措施",
            TableKind::VillageExitMeasures => "出列村脱贫措施",
            TableKind::Problems => "问题清单",
        }
    }
}

/// A column: its title, the group header it sits under (merged across the group's
/// columns), and the domain field it shows (`basic.status`; `None` for a derived column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub group: Option<String>,
    pub title: String,
    /// The field's path in its record's form, prefixed by the form id
    /// (`household:basic.status`); derived columns have none.
    pub field: Option<String>,
    /// The national system's column id (aac006), where the domain has one.
    pub national: Option<&'static str>,
}

/// A table ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: TableKind,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Runs of rows that belong to one record (a household's ticked measures). In xlsx the
    /// `merged` columns are merged down each run, so the household's key is printed once.
    pub runs: Vec<Range<usize>>,
    pub merged: Vec<usize>,
    /// The leading columns that say whose row it is (乡镇, 行政村, 户编号, 户主): frozen on
    /// screen and repeated on every printed page of a wide table.
    pub key_columns: usize,
}

impl Table {
    fn new(kind: TableKind, columns: Vec<Column>) -> Table {
        Table {
            kind,
            columns,
            rows: Vec::new(),
            runs: Vec::new(),
            merged: Vec::new(),
            key_columns: 0,
        }
    }
}

/// Builds one table of the register.
pub fn build(kind: TableKind, register: &Register, progress: &dyn Fn(Progress)) -> Table {
    match kind {
        TableKind::Households => households(register, progress),
        TableKind::Pairings => household_rows(register, TableKind::Pairings, "pairings"),
        TableKind::HelpMeasures => {
            household_rows(register, TableKind::HelpMeasures, "help_measures")
        }
        TableKind::Members => members(register, progress),
        TableKind::MemberIncreases => changes(register, ChangeDirection::Increase),
        TableKind::MemberDecreases => changes(register, ChangeDirection::Decrease),
        TableKind::Villages => villages(register),
        TableKind::NaturalVillages => natural_villages(register),
        TableKind::HouseholdExitMeasures => household_exit_measures(register),
        TableKind::VillageExitMeasures => village_exit_measures(register),
        TableKind::Problems => problems(register),
    }
}

/// The form definition with this id.
pub fn form(id: &str) -> FormDef {
    forms()
        .into_iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| FormDef {
            id: "missing",
            record: jiandang_domain::RecordKind::Household,
            title_zh: "",
            sections: Vec::new(),
        })
}

fn derived(group: Option<&str>, title: &str) -> Column {
    Column {
        group: group.map(str::to_owned),
        title: title.to_owned(),
        field: None,
        national: None,
    }
}

fn of_field(form: &str, group: Option<&str>, f: &FieldDef) -> Column {
    Column {
        group: group.map(str::to_owned),
        title: match f.unit {
            // Amounts and areas say their unit, as the printed sheets do.
            Some(unit) if f.widget != Widget::Code && f.widget != Widget::YesNo => {
                format!("{}（{}）", f.label_zh, unit)
            }
            _ => f.label_zh.to_owned(),
        },
        field: Some(format!("{form}:{}", f.path)),
        national: f.national_code,
    }
}

fn record_id() -> Column {
    Column {
        group: None,
        title: "记录编号".to_owned(),
        field: Some("id".to_owned()),
        national: None,
    }
}

/// The columns and cells of every scalar field of a form's sections, in form order; lists of
/// rows are their own tables.
struct FormColumns {
    form: FormDef,
    fields: Vec<FieldDef>,
}

impl FormColumns {
    fn new(form_id: &str, skip: &[&str]) -> FormColumns {
        let form = form(form_id);
        let fields = form
            .fields()
            .filter(|f| !matches!(f.widget, Widget::Rows | Widget::Checklist))
            .filter(|f| !layout::row_key(form_id, f.path) && !skip.contains(&f.path))
            .cloned()
            .collect();
        FormColumns { form, fields }
    }

    fn columns(&self, extra_after: Option<(&str, Vec<Column>)>) -> Vec<Column> {
        let mut out = Vec::new();
        let mut extra = extra_after;
        for section in &self.form.sections {
            for f in section.fields.iter().filter(|f| self.has(f.path)) {
                let mut col = of_field(self.form.id, Some(section.title_zh), f);
                // A label the section repeats (未解决原因 under each 两不愁三保障 item) says
                // which item it belongs to: the field its relevance depends on.
                let repeated = section
                    .fields
                    .iter()
                    .filter(|x| x.label_zh == f.label_zh)
                    .count()
                    > 1;
                if repeated && let Some(q) = qualifier(&self.form, f) {
                    col.title = format!("{}（{}）", col.title, q);
                }
                out.push(col);
                if let Some((after, cols)) = &mut extra
                    && *after == f.path
                {
                    for mut c in std::mem::take(cols) {
                        c.group = Some(section.title_zh.to_owned());
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    fn has(&self, path: &str) -> bool {
        self.fields.iter().any(|f| f.path == path)
    }

    /// The cells of `doc` (the record's JSON form) in column order; `extra_after` as for
    /// [`FormColumns::columns`].
    fn cells(
        &self,
        doc: &Value,
        register: &Register,
        extra_after: Option<(&str, Vec<Cell>)>,
    ) -> Vec<Cell> {
        let mut out = Vec::with_capacity(self.fields.len() + 2);
        let mut extra = extra_after;
        for section in &self.form.sections {
            for f in section.fields.iter().filter(|f| self.has(f.path)) {
                let shown = if layout::coded(self.form.id, f.path) {
                    CodeShown::CodeAndLabel
                } else {
                    CodeShown::Label
                };
                out.push(field_cell(f, at(doc, f.path), shown, &register.names));
                if let Some((after, cells)) = &mut extra
                    && *after == f.path
                {
                    out.append(cells);
                }
            }
        }
        out
    }
}

/// The label of the field `f`'s relevance depends on (`不愁吃` for its 未解决原因).
pub fn qualifier(form: &FormDef, f: &FieldDef) -> Option<&'static str> {
    use jiandang_domain::form::Relevance;
    let path = match f.relevance.as_ref()? {
        Relevance::Equals { path, .. }
        | Relevance::AnyOf { path, .. }
        | Relevance::Present { path } => *path,
        Relevance::All { .. } => return None,
    };
    form.field(path).map(|x| x.label_zh)
}

fn json<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

fn head_cells(h: &HouseholdEntry) -> (Cell, Cell) {
    match h.head() {
        Some(m) => (
            Cell::text(m.name.clone()),
            Cell::opt_text(m.id_number.as_deref()),
        ),
        None => (Cell::Empty, Cell::Empty),
    }
}

const TOWN: &str = "乡（镇）";
const VILLAGE: &str = "行政村";

fn households(register: &Register, progress: &dyn Fn(Progress)) -> Table {
    let fc = FormColumns::new("household", &[]);
    let head = vec![derived(None, "户主姓名"), derived(None, "户主证件号码")];
    let mut columns = vec![derived(None, TOWN)];
    columns.extend(fc.columns(Some((layout::HEAD_AFTER, head))));
    columns.push(record_id());
    let key = columns
        .iter()
        .position(|c| c.title == "户主姓名")
        .map_or(1, |i| i + 1);
    let mut t = Table::new(TableKind::Households, columns);
    t.key_columns = key;
    let total = register.households.len() as u64;
    for (i, h) in register.households.iter().enumerate() {
        let doc = json(&h.bundle.household);
        let (name, id) = head_cells(h);
        let mut row = vec![Cell::text(h.town_name.clone())];
        row.extend(fc.cells(&doc, register, Some((layout::HEAD_AFTER, vec![name, id]))));
        row.push(Cell::text(h.bundle.household.id.to_string()));
        t.rows.push(row);
        if i % 256 == 0 {
            progress(Progress {
                done: i as u64,
                total,
            });
        }
    }
    t
}

/// The key columns of a row that hangs on a household.
fn household_key(group: &str, with_id: bool) -> Vec<Column> {
    let mut out = vec![
        derived(Some(group), TOWN),
        derived(Some(group), VILLAGE),
        derived(Some(group), "户编号"),
        derived(Some(group), "户主姓名"),
    ];
    if with_id {
        out.push(derived(Some(group), "户主证件号码"));
    }
    out
}

fn household_key_cells(h: &HouseholdEntry, with_id: bool) -> Vec<Cell> {
    let (name, id) = head_cells(h);
    let mut out = vec![
        Cell::text(h.town_name.clone()),
        Cell::text(h.village_name.clone()),
        Cell::opt_text(h.bundle.household.basic.household_number.as_deref()),
        name,
    ];
    if with_id {
        out.push(id);
    }
    out
}

/// A table of one `Rows` field of the household form (帮扶结对, 帮扶措施): one row per entry.
fn household_rows(register: &Register, kind: TableKind, path: &str) -> Table {
    let hf = form("household");
    let (section, field) = hf
        .sections
        .iter()
        .find_map(|s| s.fields.iter().find(|f| f.path == path).map(|f| (s, f)))
        .map_or_else(
            || ("", FieldDef::new("", "", Widget::Rows)),
            |(s, f)| (s.title_zh, f.clone()),
        );
    let mut columns = household_key("贫困户", false);
    for c in &field.columns {
        let mut col = of_field("household", Some(section), c);
        col.field = Some(format!("household:{path}.{}", c.path));
        columns.push(col);
    }
    let mut t = Table::new(kind, columns);
    t.key_columns = 4;
    for h in &register.households {
        let doc = json(&h.bundle.household);
        let Some(Value::Array(items)) = at(&doc, path) else {
            continue;
        };
        for item in items {
            let mut row = household_key_cells(h, false);
            for c in &field.columns {
                row.push(field_cell(
                    c,
                    at(item, c.path),
                    CodeShown::Label,
                    &register.names,
                ));
            }
            t.rows.push(row);
        }
    }
    t
}

fn members(register: &Register, progress: &dyn Fn(Progress)) -> Table {
    let fc = FormColumns::new("member", &[]);
    let mut columns = household_key("所属贫困户", false);
    columns.extend(fc.columns(None));
    columns.push(record_id());
    let mut t = Table::new(TableKind::Members, columns);
    t.key_columns = 4;
    let total = register.households.len() as u64;
    for (i, h) in register.households.iter().enumerate() {
        for m in &h.bundle.members {
            let mut row = household_key_cells(h, false);
            row.extend(fc.cells(&json(m), register, None));
            row.push(Cell::text(m.id.to_string()));
            t.rows.push(row);
        }
        if i % 256 == 0 {
            progress(Progress {
                done: i as u64,
                total,
            });
        }
    }
    t
}

fn changes(register: &Register, direction: ChangeDirection) -> Table {
    let (kind, who) = match direction {
        ChangeDirection::Increase => (TableKind::MemberIncreases, "新增成员"),
        ChangeDirection::Decrease => (TableKind::MemberDecreases, "减少成员"),
    };
    let member_form = form("member");
    let member_fields: Vec<FieldDef> = layout::CHANGED_MEMBER
        .iter()
        .filter_map(|p| member_form.field(p).cloned())
        .collect();
    // The changed member is shown by its own fields; the new head only on a decrease.
    let mut skip = vec!["member_id"];
    if direction == ChangeDirection::Increase {
        skip.push("new_head_id");
    }
    let fc = FormColumns::new("member_change", &skip);
    let mut columns = household_key("贫困户", true);
    for f in &member_fields {
        let mut c = of_field("member", Some(who), f);
        c.field = Some(format!("member_change:member_id→member:{}", f.path));
        columns.push(c);
    }
    let reason_at = fc.columns(None);
    for c in reason_at {
        let is_reason = c.field.as_deref() == Some("member_change:reason");
        columns.push(c);
        if is_reason {
            let list = <jiandang_domain::codes::village::NationalChangeBucket as Coded>::LIST;
            columns.push(derived(Some("变更情况"), list.name_zh));
        }
    }
    columns.push(record_id());
    let mut t = Table::new(kind, columns);
    t.key_columns = 4;
    for h in &register.households {
        for c in h
            .bundle
            .member_changes
            .iter()
            .filter(|c| c.direction == direction)
        {
            let mut row = household_key_cells(h, true);
            let member = h.bundle.members.iter().find(|m| m.id == c.member_id);
            let member_doc = member.map(json).unwrap_or(Value::Null);
            for f in &member_fields {
                let shown = if layout::coded("member", f.path) {
                    CodeShown::CodeAndLabel
                } else {
                    CodeShown::Label
                };
                row.push(field_cell(
                    f,
                    at(&member_doc, f.path),
                    shown,
                    &register.names,
                ));
            }
            let doc = json(c);
            for (col, cell) in fc.columns(None).iter().zip(fc.cells(&doc, register, None)) {
                let is_reason = col.field.as_deref() == Some("member_change:reason");
                row.push(cell);
                if is_reason {
                    row.push(c.national_bucket().map_or(Cell::Empty, |b| {
                        Cell::text(format!("{} {}", b.code(), b.zh()))
                    }));
                }
            }
            row.push(Cell::text(c.id.to_string()));
            t.rows.push(row);
        }
    }
    t
}

fn villages(register: &Register) -> Table {
    let fc = FormColumns::new("village", &[]);
    let mut columns = vec![derived(None, TOWN), derived(None, VILLAGE)];
    columns.extend(fc.columns(None));
    columns.push(record_id());
    let mut t = Table::new(TableKind::Villages, columns);
    t.key_columns = 2;
    for v in &register.villages {
        let mut row = vec![
            Cell::text(v.town_name.clone()),
            Cell::text(v.place.name.clone()),
        ];
        let doc = v.record.as_ref().map(json).unwrap_or(Value::Null);
        row.extend(fc.cells(&doc, register, None));
        row.push(match &v.record {
            Some(r) => Cell::text(r.id.to_string()),
            None => Cell::Empty,
        });
        t.rows.push(row);
    }
    t
}

fn natural_villages(register: &Register) -> Table {
    let fc = FormColumns::new("natural_village", &[]);
    let mut columns = vec![derived(None, TOWN), derived(None, VILLAGE)];
    columns.extend(fc.columns(None));
    columns.push(record_id());
    let mut t = Table::new(TableKind::NaturalVillages, columns);
    t.key_columns = 2;
    for v in &register.villages {
        for n in &v.natural_villages {
            let mut row = vec![
                Cell::text(v.town_name.clone()),
                Cell::text(v.place.name.clone()),
            ];
            row.extend(fc.cells(&json(n), register, None));
            row.push(Cell::text(n.id.to_string()));
            t.rows.push(row);
        }
    }
    t
}

/// The checklist field of an exit-measure form and its row columns, with the `kind` column
/// first: (field, [(column title, column def)]).
fn checklist(form_id: &str) -> (FormDef, FieldDef) {
    let f = form(form_id);
    let field = f
        .fields()
        .find(|x| x.widget == Widget::Checklist)
        .cloned()
        .unwrap_or_else(|| FieldDef::new("measures", "", Widget::Checklist));
    (f, field)
}

fn measure_columns(form_id: &str, field: &FieldDef, category: bool) -> Vec<Column> {
    let group = Some(field.label_zh);
    let mut out = Vec::new();
    if category {
        let list = <jiandang_domain::codes::household::HelpMeasureCategory as Coded>::LIST;
        out.push(derived(group, list.name_zh));
    }
    let list_name = field
        .code_list
        .and_then(crate::cell::code_list)
        .map_or("措施", |l| l.name_zh);
    out.push(Column {
        group: group.map(str::to_owned),
        title: list_name.to_owned(),
        field: Some(format!("{form_id}:{}.kind", field.path)),
        national: None,
    });
    for c in &field.columns {
        let mut col = of_field(form_id, group, c);
        col.field = Some(format!("{form_id}:{}.{}", field.path, c.path));
        out.push(col);
    }
    out
}

fn measure_cells(field: &FieldDef, row: &Value, category: bool, register: &Register) -> Vec<Cell> {
    let mut out = Vec::new();
    let kind = row.get("kind").and_then(Value::as_str).unwrap_or("");
    if category {
        out.push(
            HouseholdMeasureKind::from_code(kind).map_or(Cell::Empty, |k| {
                let c = k.category();
                Cell::text(format!("{} {}", c.code(), c.zh()))
            }),
        );
    }
    out.push(Cell::text(code_text(field, kind, CodeShown::CodeAndLabel)));
    for c in &field.columns {
        out.push(field_cell(
            c,
            at(row, c.path),
            CodeShown::Label,
            &register.names,
        ));
    }
    out
}

/// Adds one record's rows: its `key` cells, then one row per measure (one empty row when it
/// ticked none), then its `tail` cells; the key and tail columns merge down the run.
fn push_run(
    t: &mut Table,
    key: Vec<Cell>,
    measures: Vec<Vec<Cell>>,
    width: usize,
    tail: Vec<Cell>,
) {
    let start = t.rows.len();
    let measures = if measures.is_empty() {
        vec![vec![Cell::Empty; width]]
    } else {
        measures
    };
    for m in measures {
        let mut row = key.clone();
        row.extend(m);
        row.extend(tail.iter().cloned());
        t.rows.push(row);
    }
    t.runs.push(start..t.rows.len());
}

fn merged_columns(key: usize, width: usize, tail: usize) -> Vec<usize> {
    (0..key).chain(key + width..key + width + tail).collect()
}

fn household_exit_measures(register: &Register) -> Table {
    let form_id = "household_exit_measures";
    let (f, field) = checklist(form_id);
    let hf = form("household");
    let exit_year = hf.field("basic.exit_year").cloned();
    let mut columns = household_key("脱贫户", true);
    if let Some(ey) = &exit_year {
        columns.push(of_field("household", Some("脱贫户"), ey));
    }
    let key_len = columns.len();
    let measures = measure_columns(form_id, &field, true);
    let width = measures.len();
    columns.extend(measures);
    let tail_fields: Vec<FieldDef> = f
        .fields()
        .filter(|x| x.widget != Widget::Checklist && !layout::row_key(form_id, x.path))
        .cloned()
        .collect();
    for x in &tail_fields {
        columns.push(of_field(form_id, None, x));
    }
    columns.push(record_id());
    let mut t = Table::new(TableKind::HouseholdExitMeasures, columns);
    t.key_columns = 4;
    t.merged = merged_columns(key_len, width, tail_fields.len() + 1);
    for h in &register.households {
        let Some(em) = &h.bundle.exit_measures else {
            continue;
        };
        let mut key = household_key_cells(h, true);
        if let Some(ey) = &exit_year {
            key.push(field_cell(
                ey,
                at(&json(&h.bundle.household), ey.path),
                CodeShown::Label,
                &register.names,
            ));
        }
        let doc = json(em);
        let rows = match at(&doc, field.path) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|r| measure_cells(&field, r, true, register))
                .collect(),
            _ => Vec::new(),
        };
        let mut tail: Vec<Cell> = tail_fields
            .iter()
            .map(|x| field_cell(x, at(&doc, x.path), CodeShown::Label, &register.names))
            .collect();
        tail.push(Cell::text(em.id.to_string()));
        push_run(&mut t, key, rows, width, tail);
    }
    t
}

fn village_exit_measures(register: &Register) -> Table {
    let form_id = "village_exit_measures";
    let (f, field) = checklist(form_id);
    let vf = form("village");
    let exit_year = vf.field("basic.exit_year").cloned();
    let mut columns = vec![
        derived(Some("出列贫困村"), TOWN),
        derived(Some("出列贫困村"), VILLAGE),
    ];
    if let Some(ey) = &exit_year {
        columns.push(of_field("village", Some("出列贫困村"), ey));
    }
    let key_len = columns.len();
    let measures = measure_columns(form_id, &field, false);
    let width = measures.len();
    columns.extend(measures);
    let tail_fields: Vec<FieldDef> = f
        .fields()
        .filter(|x| x.widget != Widget::Checklist && !layout::row_key(form_id, x.path))
        .cloned()
        .collect();
    for x in &tail_fields {
        columns.push(of_field(form_id, None, x));
    }
    columns.push(record_id());
    let mut t = Table::new(TableKind::VillageExitMeasures, columns);
    t.key_columns = 2;
    t.merged = merged_columns(key_len, width, tail_fields.len() + 1);
    for v in &register.villages {
        let Some(em) = &v.exit_measures else {
            continue;
        };
        let mut key = vec![
            Cell::text(v.town_name.clone()),
            Cell::text(v.place.name.clone()),
        ];
        if let Some(ey) = &exit_year {
            let doc = v.record.as_ref().map(json).unwrap_or(Value::Null);
            key.push(field_cell(
                ey,
                at(&doc, ey.path),
                CodeShown::Label,
                &register.names,
            ));
        }
        let doc = json(em);
        let rows = match at(&doc, field.path) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|r| measure_cells(&field, r, false, register))
                .collect(),
            _ => Vec::new(),
        };
        let mut tail: Vec<Cell> = tail_fields
            .iter()
            .map(|x| field_cell(x, at(&doc, x.path), CodeShown::Label, &register.names))
            .collect();
        tail.push(Cell::text(em.id.to_string()));
        push_run(&mut t, key, rows, width, tail);
    }
    t
}

/// 问题清单: one row per problem, under the place and household it is about, with the problem
/// form's fields ([`layout::PROBLEM_COLUMNS`]) grouped by the form's sections.
fn problems(register: &Register) -> Table {
    let pf = form("problem");
    let group = "问题所涉";
    let mut columns = household_key(group, false);
    columns.push(derived(Some(group), "所涉对象"));
    let fields: Vec<(&str, &FieldDef)> = pf
        .sections
        .iter()
        .flat_map(|s| s.fields.iter().map(move |f| (s.title_zh, f)))
        .filter(|(_, f)| layout::PROBLEM_COLUMNS.contains(&f.path))
        .collect();
    for (section, f) in &fields {
        columns.push(of_field("problem", Some(section), f));
    }
    columns.push(Column {
        group: None,
        title: "问题编号".to_owned(),
        field: Some("id".to_owned()),
        national: None,
    });
    let mut t = Table::new(TableKind::Problems, columns);
    // Whose problem and about what (a member's name) print on every page of the wide sheet.
    t.key_columns = 5;
    let households: std::collections::HashMap<uuid::Uuid, &HouseholdEntry> = register
        .households
        .iter()
        .map(|h| (h.bundle.household.id, h))
        .collect();
    for p in &register.problems {
        let (town, village) = register.place_names(p.village_id);
        let mut row = match p.household_id.and_then(|h| households.get(&h)) {
            Some(h) => household_key_cells(h, false),
            None => vec![
                Cell::text(town),
                Cell::text(village),
                Cell::Empty,
                Cell::Empty,
            ],
        };
        row.push(Cell::text(about(p, register)));
        let doc = json(p);
        for (_, f) in &fields {
            let value = at(&doc, f.path);
            row.push(if layout::PROBLEM_INSTANTS.contains(&f.path) {
                instant_date(value)
            } else {
                field_cell(f, value, CodeShown::Label, &register.names)
            });
        }
        row.push(Cell::text(p.id.to_string()));
        t.rows.push(row);
    }
    t
}

/// What a problem is about, as a clerk reads it: the record's form (家庭成员信息) and, for a
/// person or a named place, its name.
fn about(p: &jiandang_domain::problem::Problem, register: &Register) -> String {
    let Some(kind) = p.record_kind else {
        return String::new();
    };
    let title = form(kind.as_str()).title_zh;
    let title = if title.is_empty() {
        kind.as_str()
    } else {
        title
    };
    match p.record_id.and_then(|id| register.names.get(&id)) {
        Some(name) if kind != jiandang_domain::RecordKind::Village => format!("{title}：{name}"),
        _ => title.to_owned(),
    }
}

/// An RFC 3339 instant as its Beijing date.
fn instant_date(value: Option<&Value>) -> Cell {
    match value.and_then(Value::as_str) {
        Some(s) => jiandang_domain::Timestamp::parse(s)
            .map_or_else(|_| Cell::text(s), |t| Cell::Date(t.beijing_date())),
        None => Cell::Empty,
    }
}
