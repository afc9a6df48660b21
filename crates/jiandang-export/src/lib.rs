//! Exports of the register (登记册) in the layout of the official sheets: xlsx workbooks and
//! CSV for a village, a town or the county; the printable comparison sheet for the door
//! (对照表, C1); and the year's summary report (工作总结) as xlsx and as a printable HTML page.
//!
//! Input is the records as stored (kind, id, village, JSON) plus the county's towns and
//! villages. [`register::assemble`] decodes and groups them through the domain's types; the
//! tables ([`tables`]) take their columns from the domain's form definitions and code lists,
//! with the few places where an official sheet's order or grouping differs expressed as data
//! in [`layout`]. No form is copied here.
//!
//! The problem list (问题清单) is a [`TableKind`] like the official tables; the spot-check
//! results are a workbook of their own per plan ([`spotcheck`]); the summary's figures are
//! sums of a per-household [`summary::Tally`], so villages' tallies add up.

pub mod cell;
pub mod comparison;
pub mod csv_out;
pub mod layout;
pub mod province;
pub mod register;
pub mod spotcheck;
pub mod summary;
pub mod tables;
pub mod xlsx;

use jiandang_domain::RecordKind;
use jiandang_domain::Timestamp;
use serde::Serialize;
use uuid::Uuid;

pub use register::{Register, assemble};
pub use tables::{Table, TableKind};

/// A town (乡镇) of the county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Town {
    pub id: Uuid,
    pub name: String,
}

/// An administrative village (行政村) of the county, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub id: Uuid,
    pub town_id: Uuid,
    pub name: String,
}

/// The county's towns and villages, with their names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Places {
    pub towns: Vec<Town>,
    pub villages: Vec<Place>,
}

impl Places {
    pub fn town(&self, id: Uuid) -> Option<&Town> {
        self.towns.iter().find(|t| t.id == id)
    }

    pub fn village(&self, id: Uuid) -> Option<&Place> {
        self.villages.iter().find(|v| v.id == id)
    }

    /// The villages of `scope`, in town then village name order.
    pub fn villages_in(&self, scope: Scope) -> Vec<&Place> {
        let mut out: Vec<&Place> = self
            .villages
            .iter()
            .filter(|v| match scope {
                Scope::County => true,
                Scope::Town(t) => v.town_id == t,
                Scope::Village(id) => v.id == id,
            })
            .collect();
        out.sort_by(|a, b| {
            let town = |p: &Place| self.town(p.town_id).map(|t| t.name.clone());
            (town(a), &a.name, a.id).cmp(&(town(b), &b.name, b.id))
        });
        out
    }

    /// The zh-CN name of a scope: 全县, 李庄镇, 李庄镇王庄村.
    pub fn scope_name(&self, scope: Scope) -> String {
        match scope {
            Scope::County => "全县".to_owned(),
            Scope::Town(t) => self
                .town(t)
                .map_or_else(|| "（未知乡镇）".to_owned(), |t| t.name.clone()),
            Scope::Village(v) => match self.village(v) {
                Some(p) => format!(
                    "{}{}",
                    self.town(p.town_id).map_or("", |t| t.name.as_str()),
                    p.name
                ),
                None => "（未知村）".to_owned(),
            },
        }
    }
}

/// A record as sync stores it: its kind, id, village and JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: Uuid,
    pub kind: RecordKind,
    pub village_id: Uuid,
    pub doc: serde_json::Value,
}

/// Which part of the county an export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    County,
    Town(Uuid),
    Village(Uuid),
}

/// What the cover sheet says about an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportMeta {
    /// Who asked for it (the user's display name and user name).
    pub for_whom: String,
    /// When it was made.
    pub generated_at: Timestamp,
    /// The register's version: the server's highest change sequence number at the time.
    pub version: i64,
    /// The year of the dynamic management (2018).
    pub year: i32,
}

/// The file kinds an export can be written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Xlsx,
    /// UTF-8 with a byte-order mark, comma-separated, one header row.
    Csv,
    /// A printable page (the summary report only).
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "xlsx" => Some(Format::Xlsx),
            "csv" => Some(Format::Csv),
            "html" => Some(Format::Html),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// What to export: one of the official tables, all of them in one workbook, the door
/// comparison sheet or the summary report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Export {
    /// One table (xlsx or CSV).
    Table(TableKind),
    /// Every table in one workbook (xlsx).
    Register,
    /// 贫困户信息对照表 for the door (xlsx, one village).
    Comparison,
    /// 工作总结 (xlsx or HTML).
    Summary,
}

impl Export {
    /// Every export, in the order the documentation lists them.
    pub fn all() -> Vec<Export> {
        let mut out = vec![Export::Register];
        out.extend(TableKind::ALL.iter().map(|k| Export::Table(*k)));
        out.extend([Export::Comparison, Export::Summary]);
        out
    }

    /// The name in URLs and on the command line: `households`, `register`, `summary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Export::Table(k) => k.as_str(),
            Export::Register => "register",
            Export::Comparison => "comparison",
            Export::Summary => "summary",
        }
    }

    pub fn parse(s: &str) -> Option<Export> {
        Export::all().into_iter().find(|e| e.as_str() == s)
    }

    /// The zh-CN title (the official sheet's name where there is one).
    pub fn title_zh(self) -> String {
        match self {
            Export::Table(k) => k.title_zh(),
            Export::Register => "扶贫对象动态管理信息采集汇总（全部表格）".to_owned(),
            Export::Comparison => "贫困户信息对照表".to_owned(),
            Export::Summary => "扶贫对象动态管理工作总结".to_owned(),
        }
    }

    /// Whether the export can be written as `format`.
    pub fn supports(self, format: Format) -> bool {
        matches!(
            (self, format),
            (Export::Table(_), Format::Xlsx | Format::Csv)
                | (Export::Register | Export::Comparison, Format::Xlsx)
                | (Export::Summary, Format::Xlsx | Format::Html)
        )
    }

    /// Whether the export can cover `scope` (the comparison sheet is printed per village).
    pub fn allows(self, scope: Scope) -> bool {
        self != Export::Comparison || matches!(scope, Scope::Village(_))
    }
}

/// How far an export has got: `done` of `total` units (households or rows), for a progress
/// bar. Called from the thread that builds the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("不支持的导出格式：{0} 不能导出为 {1}")]
    Unsupported(&'static str, &'static str),
    #[error("对照表须按村导出")]
    NeedsVillage,
    #[error("写入表格失败：{0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("写入CSV失败：{0}")]
    Csv(#[from] csv::Error),
    #[error("写入失败：{0}")]
    Io(#[from] std::io::Error),
}

impl ExportError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Unsupported(..) => "export.unsupported",
            ExportError::NeedsVillage => "export.needs_village",
            ExportError::Xlsx(_) | ExportError::Csv(_) | ExportError::Io(_) => "export.write",
        }
    }
}

/// Writes `export` of `register` as `format`: the file's bytes. `progress` hears how far it
/// has got.
pub fn write(
    export: Export,
    format: Format,
    register: &Register,
    meta: &ExportMeta,
    progress: &dyn Fn(Progress),
) -> Result<Vec<u8>, ExportError> {
    if !export.supports(format) {
        return Err(ExportError::Unsupported(
            export.as_str(),
            format.extension(),
        ));
    }
    if !export.allows(register.scope) {
        return Err(ExportError::NeedsVillage);
    }
    match (export, format) {
        (Export::Table(kind), Format::Csv) => {
            let table = tables::build(kind, register, progress);
            csv_out::write(&table)
        }
        (Export::Table(kind), _) => xlsx::workbook(&[kind], export, register, meta, progress),
        (Export::Register, _) => xlsx::workbook(TableKind::ALL, export, register, meta, progress),
        (Export::Comparison, _) => comparison::workbook(register, meta, progress),
        (Export::Summary, Format::Html) => {
            let s = summary::Summary::of(register, meta.year);
            let scope = register.places.scope_name(register.scope);
            Ok(summary::html(&s, &scope, meta).into_bytes())
        }
        (Export::Summary, _) => {
            let s = summary::Summary::of(register, meta.year);
            summary::xlsx(&s, register, meta)
        }
    }
}

/// The file name to offer: `households-李庄镇-2018.xlsx`.
pub fn file_name(export: Export, format: Format, register: &Register, meta: &ExportMeta) -> String {
    format!(
        "{}-{}-{}.{}",
        export.as_str(),
        register.places.scope_name(register.scope),
        meta.year,
        format.extension()
    )
}
