//! Tables laid out as worksheets (rust_xlsxwriter): a title row, the column groups as merged
//! header rows, frozen headers, CJK-aware column widths, typed cells (dates as dates, money
//! and areas as numbers with two decimals, identifiers as text), and the cover sheet that
//! says what the workbook holds, for whom, when and the register's version.

use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::cell::{Cell, display_width};
use crate::register::Register;
use crate::tables::{self, Table, TableKind};
use crate::{Export, ExportError, ExportMeta, Progress};

/// Rows above the data: the title, the group headers, the column titles.
pub const HEADER_ROWS: u32 = 3;

/// Narrowest and widest a column is made, in character units.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 48;
/// A column title wraps onto more lines rather than widen its column past this.
const MAX_TITLE_WIDTH: usize = 20;

/// The formats every sheet uses.
pub struct Formats {
    pub title: Format,
    pub header: Format,
    /// A group header merged across its columns: left-aligned, so that on a wide sheet
    /// printed over several pages its name shows on the page where the group starts.
    pub group: Format,
    pub text: Format,
    /// Text longer than the widest column: wrapped within it rather than cut off.
    pub wrapped: Format,
    pub int: Format,
    pub two_decimals: Format,
    pub float: Format,
    pub date: Format,
    pub label: Format,
}

impl Formats {
    pub fn new() -> Formats {
        Formats::with_weight(false)
    }

    /// The same formats in bold, for total rows.
    pub fn bold() -> Formats {
        Formats::with_weight(true)
    }

    fn with_weight(bold: bool) -> Formats {
        let border = |f: Format| {
            let f = f.set_border(FormatBorder::Thin);
            if bold { f.set_bold() } else { f }
        };
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_background_color("#DDEBF7"),
            ),
            group: border(
                Format::new()
                    .set_bold()
                    .set_align(FormatAlign::Left)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_indent(1)
                    .set_background_color("#BDD7EE"),
            ),
            text: border(Format::new().set_align(FormatAlign::VerticalCenter)),
            wrapped: border(
                Format::new()
                    .set_text_wrap()
                    .set_align(FormatAlign::VerticalCenter),
            ),
            int: border(Format::new().set_num_format("0")),
            two_decimals: border(Format::new().set_num_format("0.00")),
            float: border(Format::new().set_num_format("0.000000")),
            date: border(Format::new().set_num_format("yyyy-mm-dd")),
            label: Format::new().set_bold(),
        }
    }
}

impl Default for Formats {
    fn default() -> Formats {
        Formats::new()
    }
}

/// A workbook of the given tables, after the cover sheet.
pub fn workbook(
    kinds: &[TableKind],
    export: Export,
    register: &Register,
    meta: &ExportMeta,
    progress: &dyn Fn(Progress),
) -> Result<Vec<u8>, ExportError> {
    workbook_in(
        SheetMemory::Constant,
        kinds,
        export,
        register,
        meta,
        progress,
    )
}

/// How the table sheets are held while written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetMemory {
    /// The library's normal mode: every cell of the sheet in memory until the file is saved.
    Standard,
    /// Constant-memory mode: each row written out to a temporary file once left (what
    /// [`workbook`] uses; the standard mode stays for `jiandang bench` to compare with).
    Constant,
}

/// [`workbook`] with the table sheets held as `memory` says.
pub fn workbook_in(
    memory: SheetMemory,
    kinds: &[TableKind],
    export: Export,
    register: &Register,
    meta: &ExportMeta,
    progress: &dyn Fn(Progress),
) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let formats = Formats::new();
    // One progress over every table: table i of n reports i·total + done of n·total.
    let mut built = Vec::new();
    let n = kinds.len() as u64;
    for (i, kind) in kinds.iter().enumerate() {
        let scaled = |p: Progress| {
            progress(Progress {
                done: i as u64 * p.total + p.done,
                total: n * p.total,
            })
        };
        built.push(tables::build(*kind, register, &scaled));
    }
    let counts: Vec<(String, usize)> = built
        .iter()
        .map(|t| (t.kind.title_zh(), t.rows.len()))
        .collect();
    cover(
        wb.add_worksheet(),
        &formats,
        export,
        register,
        meta,
        &counts,
    )?;
    // The tables in constant-memory mode: each row goes to a temporary file as it is left,
    // so the writer holds one row rather than the county's ~760,000 cells (docs/performance.md).
    for table in built {
        let ws = match memory {
            SheetMemory::Constant => wb.add_worksheet_with_constant_memory()?,
            SheetMemory::Standard => wb.add_worksheet(),
        };
        write_table(ws, &formats, &table)?;
    }
    progress(Progress {
        done: register.households.len() as u64,
        total: register.households.len() as u64,
    });
    Ok(wb.save_to_buffer()?)
}

/// Writes one table on `ws`: title, merged group headers, column titles, data, widths,
/// frozen header rows and print setup (A4 landscape, header rows repeated, fit to width).
pub fn write_table(ws: &mut Worksheet, f: &Formats, t: &Table) -> Result<(), XlsxError> {
    ws.set_name(t.kind.sheet_name())?;
    let ncols = t.columns.len().max(1) as u16;
    let last = ncols - 1;
    // Title, left-aligned over the columns: a wide sheet's first page shows it.
    let title = f.title.clone().set_align(FormatAlign::Left);
    if last > 0 {
        ws.merge_range(0, 0, 0, last, &t.kind.title_zh(), &title)?;
    } else {
        ws.write_string_with_format(0, 0, t.kind.title_zh(), &title)?;
    }
    ws.set_row_height(0, 28)?;
    // Group headers: consecutive columns of one group merge across; a column without a
    // group spans both header rows.
    let mut titles: Vec<usize> = Vec::new();
    let mut c = 0usize;
    while c < t.columns.len() {
        let col = &t.columns[c];
        match &col.group {
            None => {
                ws.merge_range(1, c as u16, 2, c as u16, &col.title, &f.header)?;
                c += 1;
            }
            Some(g) => {
                // A group is merged apart on either side of the key columns: the key's part is
                // repeated on every printed page and must not carry the rest along.
                let key = t.key_columns;
                let end = (c..t.columns.len())
                    .take_while(|i| {
                        t.columns[*i].group.as_deref() == Some(g.as_str()) && (c >= key || *i < key)
                    })
                    .last()
                    .unwrap_or(c);
                if end > c {
                    ws.merge_range(1, c as u16, 1, end as u16, g, &f.group)?;
                } else {
                    ws.write_string_with_format(1, c as u16, g, &f.group)?;
                }
                titles.extend(c..=end);
                c = end + 1;
            }
        }
    }
    // The titles under the groups, once the group row is whole: a constant-memory sheet is
    // written row by row.
    for i in titles {
        ws.write_string_with_format(2, i as u16, &t.columns[i].title, &f.header)?;
    }
    // Widths from the text the cells show (CJK counted double), titles wrapping.
    let mut widths: Vec<usize> = t
        .columns
        .iter()
        .map(|c| display_width(&c.title).min(MAX_TITLE_WIDTH))
        .collect();
    for row in &t.rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell_width(cell));
            }
        }
    }
    let mut title_lines = 1;
    for (i, w) in widths.iter().enumerate() {
        let w = (*w).clamp(MIN_WIDTH, MAX_WIDTH) + 2;
        ws.set_column_width(i as u16, w as f64)?;
        let title = display_width(&t.columns[i].title);
        title_lines = title_lines.max(title.div_ceil(w - 1));
    }
    ws.set_row_height(2, 15.0 * title_lines as f64 + 4.0)?;
    // Data, row by row (the sheet may be in constant-memory mode: a row once left is
    // written out). A run's merged columns are merged down at its first row; the rows after
    // it leave those columns to the merge.
    let mut continuation = vec![false; t.rows.len()];
    let mut run_end: Vec<Option<usize>> = vec![None; t.rows.len()];
    for run in &t.runs {
        for flag in continuation.iter_mut().take(run.end).skip(run.start + 1) {
            *flag = true;
        }
        if run.len() >= 2 {
            run_end[run.start] = Some(run.end - 1);
        }
    }
    let column_widths: Vec<usize> = widths
        .iter()
        .map(|w| (*w).clamp(MIN_WIDTH, MAX_WIDTH) + 2)
        .collect();
    for (i, row) in t.rows.iter().enumerate() {
        let r = i as u32 + HEADER_ROWS;
        // A text wider than its column wraps: the row is made tall enough for its lines, since
        // spreadsheet programs do not grow a row on opening (LibreOffice printed the lines over
        // the rows below).
        let lines = row
            .iter()
            .zip(&column_widths)
            .filter_map(|(cell, w)| match cell {
                Cell::Text(s) if display_width(s) > MAX_WIDTH => {
                    Some(display_width(s).div_ceil(w - 1))
                }
                _ => None,
            })
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(r, 15.0 * lines as f64 + 2.0)?;
        }
        for (c, cell) in row.iter().enumerate() {
            let merged = t.merged.contains(&c);
            if continuation[i] && merged {
                continue;
            }
            if merged && let Some(end) = run_end[i] {
                // merge_range writes text; a number or date is written again over its first
                // cell.
                let last = end as u32 + HEADER_ROWS;
                ws.merge_range(r, c as u16, last, c as u16, "", &f.text)?;
            }
            write_cell(ws, f, r, c as u16, cell)?;
        }
    }
    // Headers and the row's key stay in view on screen and on every printed page. A table
    // narrow enough is fitted to the page width; a wide one (the household sheet has a
    // hundred columns) would shrink to an unreadable strip, so it prints at a fixed scale
    // across several pages with the key columns repeated on each.
    let key = t.key_columns.min(t.columns.len()) as u16;
    ws.set_freeze_panes(HEADER_ROWS, key)?;
    let total: usize = widths
        .iter()
        .map(|w| (*w).clamp(MIN_WIDTH, MAX_WIDTH) + 2)
        .sum();
    if total <= FIT_WIDTH {
        print_setup(ws, true)?;
    } else {
        print_setup(ws, true)?;
        ws.set_print_fit_to_pages(0, 0);
        ws.set_print_scale(WIDE_SCALE);
        if key > 0 {
            ws.set_repeat_columns(0, key - 1)?;
        }
    }
    ws.set_repeat_rows(1, HEADER_ROWS - 1)?;
    Ok(())
}

/// The widest table (in character units) still fitted to one landscape A4 page's width.
const FIT_WIDTH: usize = 240;
/// The print scale (%) of a wider table.
const WIDE_SCALE: u16 = 70;

/// A4, landscape or portrait, fit to one page wide, as long as it takes.
pub fn print_setup(ws: &mut Worksheet, landscape: bool) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    ws.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Date(_) => 10,
        other => display_width(&other.display()),
    }
}

/// Writes one cell with the format of its type.
pub fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    c: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {
            ws.write_blank(r, c, &f.text)?;
        }
        Cell::Text(s) if display_width(s) > MAX_WIDTH => {
            ws.write_string_with_format(r, c, s, &f.wrapped)?;
        }
        Cell::Text(s) => {
            ws.write_string_with_format(r, c, s, &f.text)?;
        }
        Cell::Int(n) => {
            ws.write_number_with_format(r, c, *n as f64, &f.int)?;
        }
        // The one step through floating point: the cell value itself, from exact hundredths.
        Cell::Hundredths(h) => {
            ws.write_number_with_format(r, c, *h as f64 / 100.0, &f.two_decimals)?;
        }
        Cell::Fen(fen) => {
            ws.write_number_with_format(r, c, *fen as f64 / 100.0, &f.two_decimals)?;
        }
        Cell::Float(x) => {
            ws.write_number_with_format(r, c, *x, &f.float)?;
        }
        Cell::Date(d) => {
            let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
            ws.write_datetime_with_format(r, c, &dt, &f.date)?;
        }
    }
    Ok(())
}

/// The cover sheet (说明): what the workbook holds, for whom, when, the register's version,
/// and the records that could not be read.
pub fn cover(
    ws: &mut Worksheet,
    f: &Formats,
    export: Export,
    register: &Register,
    meta: &ExportMeta,
    counts: &[(String, usize)],
) -> Result<(), XlsxError> {
    ws.set_name("说明")?;
    ws.merge_range(0, 0, 0, 3, &export.title_zh(), &f.title)?;
    ws.set_row_height(0, 28)?;
    let mut rows: Vec<(String, String)> = vec![
        ("导出内容".to_owned(), export.title_zh()),
        (
            "年度".to_owned(),
            format!("{}年度扶贫对象动态管理", meta.year),
        ),
        (
            "范围".to_owned(),
            register.places.scope_name(register.scope),
        ),
        ("导出人".to_owned(), meta.for_whom.clone()),
        ("导出时间".to_owned(), beijing_time(meta.generated_at)),
        (
            "登记册版本".to_owned(),
            format!(
                "服务器变更序号 {}（此序号之前的所有变更均已包含）",
                meta.version
            ),
        ),
        (
            "贫困户 / 人口".to_owned(),
            format!(
                "{} 户，{} 人（在册家庭成员）",
                register.households.len(),
                register.people()
            ),
        ),
    ];
    for (title, n) in counts {
        rows.push((format!("表：{title}"), format!("{n} 行")));
    }
    rows.push((
        "代码".to_owned(),
        "代码项显示中文名称；全国扶贫开发信息系统有代码的项目同时显示代码（如“01 一般贫困户”）"
            .to_owned(),
    ));
    rows.push((
        "个人信息".to_owned(),
        "本表含姓名、证件号码、电话等个人信息，仅限扶贫工作使用，不得外传；导出已记入审计记录"
            .to_owned(),
    ));
    rows.push((
        "未能读取的记录".to_owned(),
        if register.unreadable.is_empty() {
            "无".to_owned()
        } else {
            format!(
                "{} 条，见下方清单（未导出，请在应用中修正）",
                register.unreadable.len()
            )
        },
    ));
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mut r = 2u32;
    for (k, v) in &rows {
        ws.write_string_with_format(r, 0, k, &f.label)?;
        ws.write_string_with_format(r, 1, v, &wrap)?;
        let lines = display_width(v).div_ceil(COVER_VALUE_WIDTH - 2).max(1);
        ws.set_row_height(r, 15.0 * lines as f64 + 2.0)?;
        r += 1;
    }
    let label_width = rows
        .iter()
        .map(|(k, _)| display_width(k))
        .max()
        .unwrap_or(10);
    if !register.unreadable.is_empty() {
        r += 1;
        for (c, h) in ["记录类型", "记录编号", "所在村", "原因"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(r, c as u16, *h, &f.header)?;
        }
        for u in &register.unreadable {
            r += 1;
            let (_, village) = register.place_names(u.village_id);
            let kind = tables::form(u.kind.as_str()).title_zh;
            ws.write_string(
                r,
                0,
                if kind.is_empty() {
                    u.kind.as_str()
                } else {
                    kind
                },
            )?;
            ws.write_string(r, 1, u.id.to_string())?;
            ws.write_string(r, 2, village)?;
            ws.write_string(r, 3, &u.message)?;
        }
    }
    ws.set_column_width(0, (label_width + 2) as f64)?;
    ws.set_column_width(1, COVER_VALUE_WIDTH as f64)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_width(3, 40)?;
    print_setup(ws, false)?;
    Ok(())
}

/// The cover sheet's value column, in character units.
const COVER_VALUE_WIDTH: usize = 60;

/// `2018-11-15 10:00（北京时间）`.
pub fn beijing_time(t: jiandang_domain::Timestamp) -> String {
    let ms = t.millis() + 8 * 3_600_000;
    let day = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let d = jiandang_domain::Date::from_days_since_epoch(day);
    format!(
        "{d} {:02}:{:02}（北京时间）",
        rest / 3_600_000,
        rest / 60_000 % 60
    )
}
