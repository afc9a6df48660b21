//! 贫困户信息对照表 for the door (C1): per village, each household's current values printed
//! with a blank column beside each to write what changed, so a worker without a phone can
//! still verify at the door. A4 portrait, fit to the page width, a page break after each
//! household, the village in the page header of every page.

use jiandang_domain::form::Widget;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde_json::Value;

use crate::cell::{Cell, CodeShown, at, display_width, field_cell};
use crate::register::{HouseholdEntry, Register};
use crate::tables::form;
use crate::xlsx::{self, Formats};
use crate::{Export, ExportError, ExportMeta, Progress, layout};

/// Columns: two (label, current value, change) triples side by side.
const COLUMNS: u16 = 6;
/// Column widths (character units): label, value, change, twice.
const WIDTHS: [usize; 6] = [16, 22, 16, 16, 22, 16];
/// Excel keeps at most 1,023 manual page breaks in a sheet.
const MAX_BREAKS: usize = 1023;

/// The comparison workbook of a village: the cover sheet, then 对照表.
pub fn workbook(
    register: &Register,
    meta: &ExportMeta,
    progress: &dyn Fn(Progress),
) -> Result<Vec<u8>, ExportError> {
    let mut wb = Workbook::new();
    let f = Formats::new();
    let counts = vec![("贫困户信息对照表".to_owned(), register.households.len())];
    xlsx::cover(
        wb.add_worksheet(),
        &f,
        Export::Comparison,
        register,
        meta,
        &counts,
    )?;
    let ws = wb.add_worksheet();
    ws.set_name("对照表")?;
    let section = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin);
    let label = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#F2F2F2")
        .set_border(FormatBorder::Thin);
    let blank = Format::new().set_border(FormatBorder::Thin);
    let heading = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let note = Format::new().set_text_wrap();
    for (c, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w as f64)?;
    }
    let household_form = form("household");
    let member_form = form("member");
    let mut r: u32 = 0;
    let mut breaks = Vec::new();
    let total = register.households.len() as u64;
    for (i, h) in register.households.iter().enumerate() {
        if i > 0 {
            breaks.push(r);
        }
        ws.merge_range(r, 0, r, COLUMNS - 1, "贫困户信息对照表", &heading)?;
        ws.set_row_height(r, 24)?;
        r += 1;
        let head = h.head().map_or("", |m| m.name.as_str());
        let line = format!(
            "乡（镇）：{}　行政村：{}　户编号：{}　户主：{}",
            h.town_name,
            h.village_name,
            h.bundle
                .household
                .basic
                .household_number
                .as_deref()
                .unwrap_or("（未分配）"),
            head
        );
        ws.merge_range(r, 0, r, COLUMNS - 1, &line, &note)?;
        r += 1;
        ws.merge_range(
            r,
            0,
            r,
            COLUMNS - 1,
            "填写说明：核对“现登记情况”，与实际不符的在“核实情况”栏填写正确内容；无变化的不填。",
            &note,
        )?;
        r += 1;
        let doc = serde_json::to_value(&h.bundle.household).unwrap_or(Value::Null);
        for s in &household_form.sections {
            let fields: Vec<_> = s
                .fields
                .iter()
                .filter(|f| !matches!(f.widget, Widget::Rows | Widget::Checklist))
                .collect();
            ws.merge_range(r, 0, r, COLUMNS - 1, s.title_zh, &section)?;
            r += 1;
            for (c, title) in [
                "项目",
                "现登记情况",
                "核实情况",
                "项目",
                "现登记情况",
                "核实情况",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string_with_format(r, c as u16, *title, &label)?;
            }
            r += 1;
            for chunk in fields.chunks(2) {
                // A label longer than its column wraps: give the row the lines it needs.
                let lines = chunk
                    .iter()
                    .map(|fd| display_width(fd.label_zh).div_ceil(WIDTHS[0] - 1))
                    .max()
                    .unwrap_or(1);
                if lines > 1 {
                    ws.set_row_height(r, 15.0 * lines as f64)?;
                }
                for (k, fd) in chunk.iter().enumerate() {
                    let c = (k * 3) as u16;
                    let shown = if layout::coded("household", fd.path) {
                        CodeShown::CodeAndLabel
                    } else {
                        CodeShown::Label
                    };
                    let cell = field_cell(fd, at(&doc, fd.path), shown, &register.names);
                    ws.write_string_with_format(r, c, fd.label_zh, &label)?;
                    xlsx::write_cell(ws, &f, r, c + 1, &cell)?;
                    ws.write_blank(r, c + 2, &blank)?;
                }
                if chunk.len() == 1 {
                    for c in 3..COLUMNS {
                        ws.write_blank(r, c, &blank)?;
                    }
                }
                r += 1;
            }
            for line in list_lines(s.id, h, register) {
                ws.merge_range(r, 0, r, 3, &line, &blank)?;
                ws.merge_range(r, 4, r, COLUMNS - 1, "", &blank)?;
                r += 1;
            }
        }
        // Members.
        ws.merge_range(r, 0, r, COLUMNS - 1, "家庭成员", &section)?;
        r += 1;
        // The ID number in the wide column: 18 characters must show whole.
        let member_cols = ["name", "id_number", "relationship", "birth_date", "health"];
        for (c, p) in member_cols.iter().enumerate() {
            let title = member_form.field(p).map_or(*p, |fd| fd.label_zh);
            ws.write_string_with_format(r, c as u16, title, &label)?;
        }
        ws.write_string_with_format(r, COLUMNS - 1, "核实情况", &label)?;
        r += 1;
        for m in &h.bundle.members {
            let mdoc = serde_json::to_value(m).unwrap_or(Value::Null);
            for (c, p) in member_cols.iter().enumerate() {
                let cell = member_form.field(p).map_or(Cell::Empty, |fd| {
                    field_cell(fd, at(&mdoc, fd.path), CodeShown::Label, &register.names)
                });
                let cell = if m.is_present() || c != 0 {
                    cell
                } else {
                    Cell::text(format!("{}（已减少）", m.name))
                };
                xlsx::write_cell(ws, &f, r, c as u16, &cell)?;
            }
            ws.write_blank(r, COLUMNS - 1, &blank)?;
            r += 1;
        }
        for _ in 0..2 {
            // Room for a member who joined.
            for c in 0..COLUMNS {
                ws.write_blank(r, c, &blank)?;
            }
            r += 1;
        }
        r += 1;
        ws.merge_range(
            r,
            0,
            r,
            COLUMNS - 1,
            "入户核实日期：＿＿＿＿年＿＿月＿＿日　　调查员签字：＿＿＿＿＿＿　　户主签字：＿＿＿＿＿＿",
            &note,
        )?;
        ws.set_row_height(r, 30)?;
        r += 2;
        if i % 64 == 0 {
            progress(Progress {
                done: i as u64,
                total,
            });
        }
    }
    breaks.truncate(MAX_BREAKS);
    ws.set_page_breaks(&breaks)?;
    xlsx::print_setup(ws, false)?;
    ws.set_header(format!(
        "&L{}&R{}年度",
        register.places.scope_name(register.scope),
        meta.year
    ));
    Ok(wb.save_to_buffer()?)
}

/// The household's lists of rows, one line each, under their section.
fn list_lines(section: &str, h: &HouseholdEntry, register: &Register) -> Vec<String> {
    let hh = &h.bundle.household;
    match section {
        "pairing" => hh
            .pairings
            .iter()
            .map(|p| {
                let name = register
                    .names
                    .get(&p.helper_id)
                    .cloned()
                    .unwrap_or_else(|| "（未知帮扶责任人）".to_owned());
                let start = p.start.map_or_else(String::new, |d| format!("，{d}起"));
                let end = p.end.map_or_else(String::new, |d| format!("，{d}止"));
                format!("帮扶责任人：{name}{start}{end}")
            })
            .collect(),
        "help_measures" => hh
            .help_measures
            .iter()
            .map(|m| {
                use jiandang_domain::codes::Coded;
                let cats: Vec<&str> = m.categories.iter().map(|c| c.zh()).collect();
                format!("{}年：{}", m.year, cats.join("、"))
            })
            .collect(),
        _ => Vec::new(),
    }
}
