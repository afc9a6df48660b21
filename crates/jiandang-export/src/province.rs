//! Reading the province's comparison file (比对结果, W5, Q1) into rows for the domain's
//! matching (`jiandang_domain::county::province::match_rows`): an xlsx workbook (its first
//! sheet) or a CSV file in UTF-8 with or without a BOM, or in GBK/GB18030 as Chinese Excel
//! writes "CSV (逗号分隔)". The header row is the first of the first [`HEADER_SEARCH_ROWS`]
//! rows that names an ID-number column (province files often start with a title line); the
//! accepted header names are in docs/problems.md. A row is never dropped here: a data row
//! with an empty number is kept (the matching answers it back as empty); only wholly empty
//! lines are skipped.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jiandang_domain::county::province::ComparisonRow;

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Header names of each column, compared after trimming spaces and a trailing `*` or `：`.
const ID_NUMBER: [&str; 4] = ["证件号码", "身份证号", "身份证号码", "公民身份号码"];
const NAME: [&str; 1] = ["姓名"];
const REASON: [&str; 3] = ["比对结果", "疑点类型", "问题类型"];
const DEPARTMENT: [&str; 2] = ["比对部门", "数据来源"];
const DETAIL: [&str; 2] = ["说明", "备注"];

/// Why a file could not be read. Messages are zh-CN, for the county office; none holds a
/// number or a name from the file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("无法读取Excel文件：{0}")]
    Xlsx(String),
    #[error("无法读取CSV文件：{0}")]
    Csv(String),
    #[error("文件前{HEADER_SEARCH_ROWS}行中没有“证件号码”或“身份证号”列")]
    NoIdColumn,
}

/// The rows of a province file, xlsx or CSV (told apart by the zip signature).
pub fn read_rows(bytes: &[u8]) -> Result<Vec<ComparisonRow>, ReadError> {
    if bytes.starts_with(b"PK\x03\x04") {
        rows_of(xlsx_cells(bytes)?)
    } else {
        rows_of(csv_cells(bytes)?)
    }
}

/// The text of a CSV file: UTF-8 (a BOM dropped) when it is valid UTF-8, GB18030 (a superset
/// of GBK, what Chinese Excel writes) otherwise.
pub fn decode_csv(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Each line's cells with the line's number (1-based).
type Lines = Vec<(u32, Vec<String>)>;

fn csv_cells(bytes: &[u8]) -> Result<Lines, ReadError> {
    let text = decode_csv(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::Csv(e.to_string()))?;
        let line = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

fn xlsx_cells(bytes: &[u8]) -> Result<Lines, ReadError> {
    let mut book: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ReadError::Xlsx("工作簿中没有工作表".to_owned()))?
        .map_err(|e| ReadError::Xlsx(e.to_string()))?;
    // The range starts at its first used cell; lines count from the sheet's first row.
    let first = range.start().map_or(0, |(r, _)| r);
    let lead = range.start().map_or(0, |(_, c)| c as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); lead];
            cells.extend(row.iter().map(cell_text));
            let line = first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)) + 1;
            (line, cells)
        })
        .collect())
}

/// A cell as text. A number stored as a number (an ID number Excel turned into one, when it
/// fits) is written without a fraction or exponent.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e18 => format!("{f:.0}"),
        other => other.to_string(),
    }
}

fn header_name(cell: &str) -> String {
    cell.trim()
        .trim_end_matches(['*', '：', ':'])
        .trim()
        .to_owned()
}

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| names.contains(&header_name(h).as_str()))
}

fn rows_of(lines: Lines) -> Result<Vec<ComparisonRow>, ReadError> {
    let (at, id) = lines
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find_map(|(i, (_, cells))| column(cells, &ID_NUMBER).map(|c| (i, c)))
        .ok_or(ReadError::NoIdColumn)?;
    let header = &lines[at].1;
    let (name, reason, department, detail) = (
        column(header, &NAME),
        column(header, &REASON),
        column(header, &DEPARTMENT),
        column(header, &DETAIL),
    );
    let get = |cells: &[String], c: Option<usize>| {
        c.and_then(|c| cells.get(c))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    Ok(lines[at + 1..]
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .map(|(line, cells)| ComparisonRow {
            line: *line,
            id_number: get(cells, Some(id)).unwrap_or_default(),
            name: get(cells, name),
            reason: get(cells, reason),
            department: get(cells, department),
            detail: get(cells, detail),
        })
        .collect())
}
