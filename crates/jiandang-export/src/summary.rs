//! The year's summary report (工作总结, timeline 01-01 – 01-08): how many households and people
//! exited, by town and village; how they exited (the exit measures received, by category and
//! by kind); new identifications and returns with their causes; member changes by reason.
//! Written as one xlsx sheet and as a printable HTML page (A4 print stylesheet).
//!
//! Every part is a [`Section`] (a titled table), so the xlsx and HTML writers render any of
//! them. The problem list's state (issue 18) and the spot-check estimates (issue 13) plug in
//! as further sections in [`Summary::extra`] once those records exist; nothing stands in for
//! them until then.

use std::collections::BTreeMap;

use jiandang_domain::bundle::HouseholdBundle;
use jiandang_domain::codes::Coded;
use jiandang_domain::codes::household::{ExitStatus, HelpMeasureCategory, PovertyCause};
use jiandang_domain::codes::village::{ChangeDirection, HouseholdMeasureKind, MemberChangeReason};
use jiandang_domain::problem::{Problem, ProblemState};
use jiandang_domain::procedure::ProcedureKind;
use rust_xlsxwriter::{Format, Workbook};
use uuid::Uuid;

use crate::cell::{Cell, display_width};
use crate::register::{HouseholdEntry, Register};
use crate::xlsx::{self, Formats};
use crate::{Export, ExportError, ExportMeta};
use crate::{Places, Scope};

/// A titled table of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub title: String,
    /// A sentence under the title (how the figures are counted).
    pub note: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows that are subtotals or totals (printed bold).
    pub total_rows: Vec<usize>,
}

/// The summary of one scope and year.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub year: i32,
    pub exited_households: usize,
    pub exited_people: usize,
    pub new_households: usize,
    pub new_people: usize,
    pub returned_households: usize,
    pub returned_people: usize,
    pub increases: usize,
    pub decreases: usize,
    pub sections: Vec<Section>,
    /// Sections other parts of the system contribute (problem list, spot-check estimates).
    pub extra: Vec<Section>,
}

fn people(b: &HouseholdBundle) -> usize {
    b.present_members().count()
}

/// Exited in `year`: 已脱贫 (with or without continued policy) with 脱贫年度 = `year`.
pub fn exited_in(h: &HouseholdEntry, year: i32) -> bool {
    bundle_exited_in(&h.bundle, year)
}

/// Newly identified in `year`: a 新识别 procedure, or 识别年度 = `year`.
pub fn identified_in(h: &HouseholdEntry, year: i32) -> bool {
    bundle_identified_in(&h.bundle, year)
}

/// Returned to poverty in `year`: 脱贫状态 返贫 with 返贫年度 = `year`, or a 返贫 procedure.
pub fn returned_in(h: &HouseholdEntry, year: i32) -> bool {
    bundle_returned_in(&h.bundle, year)
}

/// [`exited_in`] of a bundle.
pub fn bundle_exited_in(h: &HouseholdBundle, year: i32) -> bool {
    let b = &h.household.basic;
    b.status.is_some_and(ExitStatus::is_exited) && b.exit_year == Some(year)
}

/// [`identified_in`] of a bundle.
pub fn bundle_identified_in(h: &HouseholdBundle, year: i32) -> bool {
    h.procedure
        .as_ref()
        .is_some_and(|p| p.kind == ProcedureKind::NewIdentification)
        || h.household.basic.identified_year == Some(year)
}

/// [`returned_in`] of a bundle.
pub fn bundle_returned_in(h: &HouseholdBundle, year: i32) -> bool {
    let b = &h.household.basic;
    (b.status == Some(ExitStatus::Returned) && b.return_year == Some(year))
        || h.procedure
            .as_ref()
            .is_some_and(|p| p.kind == ProcedureKind::Return)
}

fn int(n: usize) -> Cell {
    Cell::Int(n as i64)
}

/// What the summary counts, household by household: every figure of the report is a sum of
/// these, so the tallies of villages add up to a town's or the county's. The county server
/// keeps one per village beside the dashboard's index (made again only when the village's
/// change log moves) and adds them up on request, instead of decoding the whole county.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Households counted.
    pub households: usize,
    /// Exited in the year, per village: (households, people).
    pub exits: BTreeMap<Uuid, (usize, usize)>,
    /// Exited households with their exit-measure sheet.
    pub with_sheet: usize,
    /// Exited households (with a sheet) that received a measure of each category.
    pub categories: BTreeMap<HelpMeasureCategory, usize>,
    /// Measures received by exited households, per kind: (households, amount in fen).
    pub kinds: BTreeMap<HouseholdMeasureKind, (usize, i64)>,
    /// Newly identified, by main cause: (households, people).
    pub new_causes: BTreeMap<Option<PovertyCause>, (usize, usize)>,
    /// Returned, by return reason: (households, people).
    pub return_causes: BTreeMap<Option<PovertyCause>, (usize, usize)>,
    /// Member changes by direction and reason.
    pub changes: BTreeMap<(ChangeDirection, Option<MemberChangeReason>), usize>,
    /// Problems by category (问题类别) and state (in `ProblemState::ALL` order).
    pub problems: BTreeMap<String, Vec<usize>>,
}

impl Tally {
    /// The tally of a register's households and problems.
    pub fn of(register: &Register, year: i32) -> Tally {
        let mut t = Tally::default();
        for h in &register.households {
            t.household(h.bundle.household.village_id, &h.bundle, year);
        }
        for p in &register.problems {
            t.problem(p);
        }
        t
    }

    /// Counts one household of `village`.
    pub fn household(&mut self, village: Uuid, h: &HouseholdBundle, year: i32) {
        self.households += 1;
        let n = people(h);
        if bundle_exited_in(h, year) {
            let e = self.exits.entry(village).or_default();
            e.0 += 1;
            e.1 += n;
            if let Some(em) = &h.exit_measures {
                self.with_sheet += 1;
                let mut cats: Vec<HelpMeasureCategory> =
                    em.measures.iter().map(|m| m.kind.category()).collect();
                cats.sort();
                cats.dedup();
                for c in cats {
                    *self.categories.entry(c).or_default() += 1;
                }
                for m in &em.measures {
                    let e = self.kinds.entry(m.kind).or_default();
                    e.0 += 1;
                    e.1 += m.amount.map_or(0, |a| a.fen());
                }
            }
        }
        if bundle_identified_in(h, year) {
            let e = self
                .new_causes
                .entry(h.household.basic.main_cause)
                .or_default();
            e.0 += 1;
            e.1 += n;
        }
        if bundle_returned_in(h, year) {
            let reason = h
                .household
                .basic
                .return_reason
                .or_else(|| h.procedure.as_ref().and_then(|p| p.return_reason));
            let e = self.return_causes.entry(reason).or_default();
            e.0 += 1;
            e.1 += n;
        }
        for c in &h.member_changes {
            *self.changes.entry((c.direction, c.reason)).or_default() += 1;
        }
    }

    /// Counts one problem.
    pub fn problem(&mut self, p: &Problem) {
        let states = ProblemState::ALL;
        let row = self
            .problems
            .entry(p.title.clone())
            .or_insert_with(|| vec![0; states.len()]);
        if let Some(i) = states.iter().position(|s| *s == p.state) {
            row[i] += 1;
        }
    }

    /// Adds another tally (another village's) to this one.
    pub fn add(&mut self, other: &Tally) {
        self.households += other.households;
        for (k, v) in &other.exits {
            let e = self.exits.entry(*k).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
        self.with_sheet += other.with_sheet;
        for (k, v) in &other.categories {
            *self.categories.entry(*k).or_default() += v;
        }
        for (k, v) in &other.kinds {
            let e = self.kinds.entry(*k).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
        for (mine, theirs) in [
            (&mut self.new_causes, &other.new_causes),
            (&mut self.return_causes, &other.return_causes),
        ] {
            for (k, v) in theirs {
                let e = mine.entry(*k).or_default();
                e.0 += v.0;
                e.1 += v.1;
            }
        }
        for (k, v) in &other.changes {
            *self.changes.entry(*k).or_default() += v;
        }
        for (k, v) in &other.problems {
            let row = self
                .problems
                .entry(k.clone())
                .or_insert_with(|| vec![0; v.len()]);
            for (a, b) in row.iter_mut().zip(v) {
                *a += b;
            }
        }
    }
}

fn sum2<K>(m: &BTreeMap<K, (usize, usize)>) -> (usize, usize) {
    m.values().fold((0, 0), |(a, b), (x, y)| (a + x, b + y))
}

impl Summary {
    /// Counts the register's households for `year`.
    pub fn of(register: &Register, year: i32) -> Summary {
        Summary::from_tally(
            &Tally::of(register, year),
            &register.places,
            register.scope,
            year,
        )
    }

    /// The report of `scope` from the tally of its villages.
    pub fn from_tally(t: &Tally, places: &Places, scope: Scope, year: i32) -> Summary {
        let exited = sum2(&t.exits);
        let new = sum2(&t.new_causes);
        let returned = sum2(&t.return_causes);
        let by_direction = |d: ChangeDirection| -> usize {
            t.changes
                .iter()
                .filter(|((dir, _), _)| *dir == d)
                .map(|(_, n)| n)
                .sum()
        };
        let mut s = Summary {
            year,
            exited_households: exited.0,
            exited_people: exited.1,
            new_households: new.0,
            new_people: new.1,
            returned_households: returned.0,
            returned_people: returned.1,
            increases: by_direction(ChangeDirection::Increase),
            decreases: by_direction(ChangeDirection::Decrease),
            sections: Vec::new(),
            extra: Vec::new(),
        };
        s.sections.push(exits_by_place(t, places, scope, year));
        s.sections.push(measures_by_category(t, exited.0));
        s.sections.push(measures_by_kind(t));
        s.sections.push(by_cause(
            "四、新识别贫困户（按主要致贫原因）",
            "新识别：有新识别程序记录或识别年度为本年度的贫困户。",
            &t.new_causes,
        ));
        s.sections.push(by_cause(
            "五、返贫户（按返贫原因）",
            "返贫：脱贫状态为返贫且返贫年度为本年度，或有返贫纳入程序记录的贫困户。",
            &t.return_causes,
        ));
        s.sections.push(member_changes(&t.changes));
        if !t.problems.is_empty() {
            s.extra.push(problems_by_state(&t.problems));
        }
        s
    }

    /// The report's opening sentence.
    pub fn headline(&self) -> String {
        format!(
            "{}年度共有 {} 户 {} 人脱贫；新识别贫困户 {} 户 {} 人；返贫 {} 户 {} 人；家庭成员自然增加 {} 人、自然减少 {} 人。",
            self.year,
            self.exited_households,
            self.exited_people,
            self.new_households,
            self.new_people,
            self.returned_households,
            self.returned_people,
            self.increases,
            self.decreases
        )
    }

    /// Every section, built-in then contributed.
    pub fn all_sections(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter().chain(&self.extra)
    }
}

fn exits_by_place(t: &Tally, places: &Places, scope: Scope, year: i32) -> Section {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    let mut all = (0usize, 0usize);
    let mut town: Option<(String, usize, usize)> = None;
    let flush = |town: &mut Option<(String, usize, usize)>,
                 rows: &mut Vec<Vec<Cell>>,
                 totals: &mut Vec<usize>| {
        if let Some((name, h, p)) = town.take() {
            totals.push(rows.len());
            rows.push(vec![
                Cell::text(format!("{name} 合计")),
                Cell::Empty,
                int(h),
                int(p),
            ]);
        }
    };
    for v in places.villages_in(scope) {
        let town_name = places
            .town(v.town_id)
            .map_or_else(String::new, |t| t.name.clone());
        if town.as_ref().is_some_and(|t| t.0 != town_name) {
            flush(&mut town, &mut rows, &mut totals);
        }
        let tt = town.get_or_insert_with(|| (town_name.clone(), 0, 0));
        let (h, p) = t.exits.get(&v.id).copied().unwrap_or_default();
        tt.1 += h;
        tt.2 += p;
        all.0 += h;
        all.1 += p;
        rows.push(vec![
            Cell::text(town_name),
            Cell::text(v.name.clone()),
            int(h),
            int(p),
        ]);
    }
    flush(&mut town, &mut rows, &mut totals);
    totals.push(rows.len());
    rows.push(vec![
        Cell::text("合计"),
        Cell::Empty,
        int(all.0),
        int(all.1),
    ]);
    Section {
        title: "一、脱贫户数和人数（按乡镇、村）".to_owned(),
        note: Some(format!(
            "脱贫：脱贫状态为已脱贫且脱贫年度为{year}年的贫困户；人数为在册家庭成员。"
        )),
        header: vec![
            "乡（镇）".into(),
            "行政村".into(),
            "脱贫户数".into(),
            "脱贫人数".into(),
        ],
        rows,
        total_rows: totals,
    }
}

fn measures_by_category(t: &Tally, exited: usize) -> Section {
    let with_sheet = t.with_sheet;
    let rows = HelpMeasureCategory::ALL
        .iter()
        .map(|c| {
            let n = t.categories.get(c).copied().unwrap_or(0);
            vec![
                Cell::text(format!("{} {}", c.code(), c.zh())),
                int(n),
                percent(n, with_sheet),
            ]
        })
        .collect();
    Section {
        title: "二、脱贫措施（按类别）".to_owned(),
        note: Some(format!(
            "本年度脱贫户中已采集脱贫措施信息的 {with_sheet} 户（共 {exited} 户）；一户享受某类措施多项时只计一次。"
        )),
        header: vec![
            "措施类别".into(),
            "享受户数".into(),
            "占已采集户比例（%）".into(),
        ],
        rows,
        total_rows: Vec::new(),
    }
}

fn percent(n: usize, of: usize) -> Cell {
    if of == 0 {
        return Cell::Empty;
    }
    // Percent with two decimals, from integers (hundredths of a per cent, half up).
    let basis = (n as i64 * 10_000 * 2 + of as i64) / (2 * of as i64);
    Cell::Hundredths(basis)
}

fn measures_by_kind(t: &Tally) -> Section {
    let counts = &t.kinds;
    let rows = counts
        .iter()
        .map(|(k, (n, fen))| {
            let c = k.category();
            vec![
                Cell::text(format!("{} {}", c.code(), c.zh())),
                Cell::text(format!("{} {}", k.code(), k.zh())),
                int(*n),
                Cell::Fen(*fen),
            ]
        })
        .collect();
    Section {
        title: "三、脱贫措施（按项目）".to_owned(),
        note: Some("只列本年度脱贫户享受过的项目；金额为各户填报金额之和（元）。".to_owned()),
        header: vec![
            "措施类别".into(),
            "措施项目".into(),
            "享受户数".into(),
            "金额合计（元）".into(),
        ],
        rows,
        total_rows: Vec::new(),
    }
}

fn by_cause(
    title: &str,
    note: &str,
    counts: &BTreeMap<Option<PovertyCause>, (usize, usize)>,
) -> Section {
    let mut rows: Vec<Vec<Cell>> = counts
        .iter()
        .map(|(c, (n, p))| {
            vec![
                Cell::text(c.map_or_else(
                    || "（未填写）".to_owned(),
                    |c| format!("{} {}", c.code(), c.zh()),
                )),
                int(*n),
                int(*p),
            ]
        })
        .collect();
    let total = rows.len();
    let (households, people) = sum2(counts);
    rows.push(vec![Cell::text("合计"), int(households), int(people)]);
    Section {
        title: title.to_owned(),
        note: Some(note.to_owned()),
        header: vec!["原因".into(), "户数".into(), "人数".into()],
        rows,
        total_rows: vec![total],
    }
}

fn member_changes(
    counts: &BTreeMap<(ChangeDirection, Option<MemberChangeReason>), usize>,
) -> Section {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for dir in ChangeDirection::ALL {
        let mut sum = 0;
        for ((d, reason), n) in counts.iter().filter(|((d, _), _)| d == dir) {
            let _ = d;
            sum += n;
            rows.push(vec![
                Cell::text(dir.zh()),
                Cell::text(reason.map_or("（未填写）", |r| r.zh())),
                Cell::text(
                    reason.map_or_else(String::new, |r| r.national_bucket().zh().to_owned()),
                ),
                int(*n),
            ]);
        }
        totals.push(rows.len());
        rows.push(vec![
            Cell::text(format!("{} 合计", dir.zh())),
            Cell::Empty,
            Cell::Empty,
            int(sum),
        ]);
    }
    Section {
        title: "六、家庭成员自然增减（按原因）".to_owned(),
        note: Some(
            "原因按商丘市通知所列；全国统计类别为全国扶贫开发信息系统的自然变化口径。".to_owned(),
        ),
        header: vec![
            "变更类型".into(),
            "原因".into(),
            "全国统计类别".into(),
            "人数".into(),
        ],
        rows,
        total_rows: totals,
    }
}

/// 问题清单: problems by category (问题类别) and state, with totals.
fn problems_by_state(counts: &BTreeMap<String, Vec<usize>>) -> Section {
    let states = ProblemState::ALL;
    let mut totals = vec![0usize; states.len()];
    let mut rows: Vec<Vec<Cell>> = counts
        .iter()
        .map(|(title, n)| {
            let mut row = vec![Cell::text(if title.is_empty() {
                "（未分类）"
            } else {
                title
            })];
            for (i, c) in n.iter().enumerate() {
                totals[i] += c;
                row.push(int(*c));
            }
            row.push(int(n.iter().sum()));
            row
        })
        .collect();
    let total_row = rows.len();
    let mut last = vec![Cell::text("合计")];
    last.extend(totals.iter().map(|c| int(*c)));
    last.push(int(totals.iter().sum()));
    rows.push(last);
    let mut header = vec!["问题类别".to_owned()];
    header.extend(states.iter().map(|s| s.zh().to_owned()));
    header.push("合计".to_owned());
    Section {
        title: "七、问题清单（按问题类别和状态）".to_owned(),
        note: Some("问题清单中各类问题的条数，按问题状态分列；已销号含整改销号、核实不属实销号和县级撤销。".to_owned()),
        header,
        rows,
        total_rows: vec![total_row],
    }
}

/// The summary as a workbook: the cover sheet, then 工作总结 with every section stacked.
pub fn xlsx(s: &Summary, register: &Register, meta: &ExportMeta) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    xlsx::cover(wb.add_worksheet(), &f, Export::Summary, register, meta, &[])?;
    let title = format!(
        "{}{}年度扶贫对象动态管理工作总结",
        register.places.scope_name(register.scope),
        s.year
    );
    let sections: Vec<&Section> = s.all_sections().collect();
    sections_sheet(
        wb.add_worksheet(),
        "工作总结",
        &title,
        Some(&s.headline()),
        &sections,
        false,
    )?;
    Ok(wb.save_to_buffer()?)
}

/// The widest a stacked section's column is made, in character units.
const MAX_COLUMN: usize = 80;

/// A sheet of titled tables stacked one under the other (the summary, the spot-check
/// results): the sheet's title, a lead paragraph, then each section's title, note, header
/// row and rows (totals bold); columns as wide as their widest text (CJK counted double);
/// A4, fitted to the page width.
pub fn sections_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    name: &str,
    title: &str,
    lead: Option<&str>,
    sections: &[&Section],
    landscape: bool,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let f = Formats::new();
    let bold_formats = Formats::bold();
    ws.set_name(name)?;
    let bold = Format::new().set_bold().set_font_size(12);
    let wrap = Format::new().set_text_wrap();
    let width = sections
        .iter()
        .map(|x| x.header.len())
        .max()
        .unwrap_or(1)
        .max(2) as u16;
    ws.merge_range(0, 0, 0, width - 1, title, &f.title)?;
    ws.set_row_height(0, 28)?;
    let mut r = 2u32;
    if let Some(lead) = lead {
        ws.merge_range(1, 0, 1, width - 1, lead, &wrap)?;
        ws.set_row_height(1, 36)?;
        r = 3;
    }
    let mut widths = vec![10usize; width as usize];
    for sec in sections {
        ws.merge_range(r, 0, r, width - 1, &sec.title, &bold)?;
        r += 1;
        if let Some(note) = &sec.note {
            ws.merge_range(r, 0, r, width - 1, note, &wrap)?;
            // A long note wraps: as many lines as the merged columns need.
            let room: usize = widths.iter().sum::<usize>().max(40);
            let lines = display_width(note).div_ceil(room).max(1);
            ws.set_row_height(r, 15.0 * lines as f64 + 2.0)?;
            r += 1;
        }
        for (c, h) in sec.header.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, h, &f.header)?;
            widths[c] = widths[c].max(display_width(h).min(24));
        }
        r += 1;
        for (i, row) in sec.rows.iter().enumerate() {
            let formats = if sec.total_rows.contains(&i) {
                &bold_formats
            } else {
                &f
            };
            for (c, cell) in row.iter().enumerate() {
                xlsx::write_cell(ws, formats, r, c as u16, cell)?;
                widths[c] = widths[c].max(display_width(&cell.display()).min(MAX_COLUMN));
            }
            r += 1;
        }
        r += 1;
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w + 2) as f64)?;
    }
    xlsx::print_setup(ws, landscape)?;
    Ok(())
}

/// The summary as a printable HTML page: readable on screen, clean A4 pages in print.
pub fn html(s: &Summary, scope: &str, meta: &ExportMeta) -> String {
    let title = format!("{scope}{}年度扶贫对象动态管理工作总结", s.year);
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", esc(&title)));
    out.push_str(&format!(
        "<p class=\"meta\">导出人：{}　导出时间：{}　登记册版本：服务器变更序号 {}</p>\n",
        esc(&meta.for_whom),
        esc(&xlsx::beijing_time(meta.generated_at)),
        meta.version
    ));
    out.push_str(&format!(
        "<p class=\"headline\">{}</p>\n",
        esc(&s.headline())
    ));
    for sec in s.all_sections() {
        out.push_str("<section>\n");
        out.push_str(&format!("<h2>{}</h2>\n", esc(&sec.title)));
        if let Some(note) = &sec.note {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", esc(note)));
        }
        out.push_str("<table>\n<thead><tr>");
        for h in &sec.header {
            out.push_str(&format!("<th>{}</th>", esc(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, row) in sec.rows.iter().enumerate() {
            let class = if sec.total_rows.contains(&i) {
                " class=\"total\""
            } else {
                ""
            };
            out.push_str(&format!("<tr{class}>"));
            for cell in row {
                let num = matches!(cell, Cell::Int(_) | Cell::Fen(_) | Cell::Hundredths(_));
                out.push_str(if num { "<td class=\"num\">" } else { "<td>" });
                out.push_str(&esc(&cell.display()));
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

const STYLE: &str = r#"body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun", sans-serif; margin: 2em auto; max-width: 60em; color: #111; line-height: 1.5; }
h1 { font-size: 1.5em; text-align: center; margin: 0 0 .5em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .3em; break-after: avoid; page-break-after: avoid; }
p.meta { text-align: center; color: #555; font-size: .9em; }
p.headline { font-size: 1.05em; border-left: 4px solid #2f6ea5; padding: .3em .8em; background: #f3f7fb; }
p.note { color: #555; font-size: .9em; margin: 0 0 .4em; }
table { border-collapse: collapse; width: 100%; font-size: .95em; }
th, td { border: 1px solid #999; padding: .25em .5em; }
th { background: #dde8f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f4f4f4; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  p.headline { background: none; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: auto; }
}
"#;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
