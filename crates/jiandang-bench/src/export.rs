//! The export scenario: the county-wide 贫困户信息采集表 of the demo county (baseline and this
//! year's events, ~9,000 households in the full run) as `jiandang_export` writes it (decode
//! the records, lay out the official columns, write an xlsx with merged headers, formats and
//! widths), beside writing the same cells raw with rust_xlsxwriter's constant-memory mode.
//! Time and peak memory of each.
//!
//! Peak memory is the process's peak resident set (VmHWM) above its resident set when the
//! step starts, the peak reset first through `/proc/self/clear_refs`: ours starts with the
//! stored records in memory, the baseline with the cells already built.

use std::path::Path;
use std::time::Instant;

use jiandang_export::cell::Cell;
use jiandang_export::xlsx::SheetMemory;
use jiandang_export::{Export, ExportMeta, Format, Scope, TableKind};
use jiandang_server::demo::{self, DemoScale};
use jiandang_server::{Clock, SystemClock, db, exports};
use rust_xlsxwriter::Workbook;

use crate::county::SEED;
use crate::{BenchError, Check, Figure, Outcome};

/// Runs the scenario in `dir` on a county of `scale`.
pub fn run(dir: &Path, scale: DemoScale, out: &mut Outcome) -> Result<(), BenchError> {
    let path = dir.join("export.db");
    let clock = SystemClock;
    let mut conn = db::open(&path).map_err(|e| BenchError::Server(e.to_string()))?;
    demo::generate(
        &mut conn,
        SEED,
        scale,
        clock.today_beijing(),
        clock.now_ms(),
    )
    .map_err(crate::county::server_err)?;
    demo::add_year_events(&mut conn, SEED, clock.now_ms()).map_err(crate::county::server_err)?;

    let t = Instant::now();
    let (places, records, version) =
        exports::load(&mut conn, Scope::County).map_err(crate::county::server_err)?;
    let load_ms = t.elapsed().as_secs_f64() * 1000.0;
    let meta = ExportMeta {
        for_whom: "bench".to_owned(),
        generated_at: jiandang_domain::Timestamp::from_millis(clock.now_ms()),
        version,
        year: 2018,
    };

    // Ours.
    let start_rss = reset_peak();
    let t = Instant::now();
    let register = jiandang_export::assemble(&places, Scope::County, records);
    let assemble_ms = t.elapsed().as_secs_f64() * 1000.0;
    let bytes = jiandang_export::write(
        Export::Table(TableKind::Households),
        Format::Xlsx,
        &register,
        &meta,
        &|_| {},
    )
    .map_err(|e| BenchError::Check(e.to_string()))?;
    let ours_ms = t.elapsed().as_secs_f64() * 1000.0;
    let ours_peak = peak_above(start_rss);
    let households = register.households.len();

    // The same workbook with the table sheet in the library's standard (in-memory) mode, as
    // the export wrote it before it used constant-memory sheets, and in constant-memory mode:
    // each in a fresh process of its own, since memory this process has freed would be
    // reused and hide a step's peak. Each child loads and decodes the register, then is
    // measured writing the workbook.
    let standard = child_process(dir, SheetMemory::Standard);
    let constant = child_process(dir, SheetMemory::Constant);
    // Not run from the jiandang binary (the bench's own test): no figures, but the two
    // files are still made here and compared.
    let in_process = if standard.is_none() || constant.is_none() {
        Some((
            measure(&register, &meta, SheetMemory::Standard)?,
            measure(&register, &meta, SheetMemory::Constant)?,
        ))
    } else {
        None
    };

    // Baseline: the same cells, raw, constant memory.
    let table = jiandang_export::tables::build(TableKind::Households, &register, &|_| {});
    drop(register);
    let cells = table.rows.len() * table.columns.len();
    let start_rss = reset_peak();
    let t = Instant::now();
    let raw = raw_constant_memory(&table, dir)?;
    let raw_ms = t.elapsed().as_secs_f64() * 1000.0;
    let raw_peak = peak_above(start_rss);

    let name = format!("county household workbook ({households} households, {cells} cells)");
    out.figures.push(Figure::new(
        "export",
        format!("{name}: decode + lay out + write"),
        ours_ms,
        "ms",
        "the same cells written raw, constant-memory mode",
        raw_ms,
    ));
    if let (Some(ours), Some(raw)) = (ours_peak, raw_peak) {
        out.figures.push(Figure::new(
            "export",
            "peak memory above the loaded records (VmHWM)",
            ours,
            "MiB",
            "raw constant-memory writer, above the cells held",
            raw,
        ));
    }
    if let (Some(c), Some(st)) = (&constant, &standard) {
        out.figures.push(Figure::new(
            "export",
            "lay out + write, table sheet in constant-memory mode (own process, register decoded)",
            c.ms,
            "ms",
            "the same, table sheet in standard (in-memory) mode",
            st.ms,
        ));
        out.figures.push(Figure::new(
            "export",
            "peak memory of lay out + write, constant-memory sheet (VmHWM above the register)",
            c.peak_mib,
            "MiB",
            "the same, standard-mode sheet",
            st.peak_mib,
        ));
        out.figures.push(Figure::new(
            "export",
            "file size, constant-memory sheet (strings inline)",
            c.bytes as f64 / 1024.0,
            "KiB",
            "standard-mode sheet (shared strings)",
            st.bytes as f64 / 1024.0,
        ));
    }
    out.figures.push(Figure::new(
        "export",
        "of which decoding the records into household bundles (assemble)",
        assemble_ms,
        "ms",
        "the whole export",
        ours_ms,
    ));
    out.figures.push(Figure::new(
        "export",
        "file size",
        bytes.len() as f64 / 1024.0,
        "KiB",
        "raw constant-memory file (inline strings, no formats)",
        raw as f64 / 1024.0,
    ));
    out.figures.push(Figure::new(
        "export",
        "reading the county's records (one read transaction)",
        load_ms,
        "ms",
        "the workbook itself",
        ours_ms,
    ));
    // Same cells either way: both files read back to the same household sheet.
    let (a, b) = match (&standard, &constant, &in_process) {
        (Some(a), Some(b), _) | (_, _, Some((a, b))) => (a, b),
        _ => return Err(BenchError::Check("no export workbook measured".to_owned())),
    };
    out.checks.push(Check::new(
        "export: the constant-memory and standard-mode workbooks hold the same cells",
        a.cells_digest == b.cells_digest && a.rows > 0,
        format!("{} and {} rows read back", a.rows, b.rows),
    ));
    out.checks.push(Check::new(
        "export: one row per household, every column filled in from the form",
        table.rows.len() == households && table.rows.iter().all(|r| r.len() == table.columns.len()),
        format!(
            "{} rows of {} columns for {households} households",
            table.rows.len(),
            table.columns.len()
        ),
    ));
    Ok(())
}

fn raw_constant_memory(table: &jiandang_export::Table, dir: &Path) -> Result<usize, BenchError> {
    let err = |e: rust_xlsxwriter::XlsxError| BenchError::Check(e.to_string());
    let mut wb = Workbook::new();
    wb.set_tempdir(dir).map_err(err)?;
    let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
    for (c, col) in table.columns.iter().enumerate() {
        ws.write_string(0, c as u16, &col.title).map_err(err)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    ws.write_string(r, c, s).map_err(err)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64).map_err(err)?;
                }
                Cell::Hundredths(h) | Cell::Fen(h) => {
                    ws.write_number(r, c, *h as f64 / 100.0).map_err(err)?;
                }
                Cell::Float(x) => {
                    ws.write_number(r, c, *x).map_err(err)?;
                }
                Cell::Date(d) => {
                    ws.write_number(r, c, (d.days_since_epoch() + 25_569) as f64)
                        .map_err(err)?;
                }
            }
        }
    }
    Ok(wb.save_to_buffer().map_err(err)?.len())
}

/// What a child process measured writing the household workbook one way.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ChildMeasure {
    pub ms: f64,
    pub peak_mib: f64,
    pub bytes: usize,
    /// Rows of the household sheet as calamine reads it back, and a digest of its cells.
    pub rows: usize,
    pub cells_digest: String,
}

fn memory_name(m: SheetMemory) -> &'static str {
    match m {
        SheetMemory::Standard => "standard",
        SheetMemory::Constant => "constant",
    }
}

/// Runs `jiandang bench --export-child <mode> --work-dir <dir>` (this executable) and reads
/// its measure; `None` when this process is not the jiandang binary or the child failed.
fn child_process(dir: &Path, memory: SheetMemory) -> Option<ChildMeasure> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .args(["bench", "--export-child", memory_name(memory), "--work-dir"])
        .arg(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let line = String::from_utf8(out.stdout).ok()?;
    serde_json::from_str(line.lines().last()?).ok()
}

/// The child's side (`jiandang bench --export-child`): loads `dir/export.db` (made by
/// [`run`]), decodes the county's register, then measures writing the household workbook
/// with its table sheet held as `mode` says (`standard` or `constant`); prints the measure
/// as one JSON line.
pub fn child(dir: &Path, mode: &str) -> Result<ChildMeasure, BenchError> {
    let memory = match mode {
        "standard" => SheetMemory::Standard,
        "constant" => SheetMemory::Constant,
        other => return Err(BenchError::Check(format!("no such sheet mode: {other}"))),
    };
    let mut conn =
        db::open(&dir.join("export.db")).map_err(|e| BenchError::Server(e.to_string()))?;
    let (places, records, version) =
        exports::load(&mut conn, Scope::County).map_err(crate::county::server_err)?;
    drop(conn);
    let register = jiandang_export::assemble(&places, Scope::County, records);
    let meta = ExportMeta {
        for_whom: "bench".to_owned(),
        generated_at: jiandang_domain::Timestamp::from_millis(SystemClock.now_ms()),
        version,
        year: 2018,
    };
    measure(&register, &meta, memory)
}

/// Writes the household workbook of `register` with its table sheet held as `memory` says:
/// the time, the peak resident set above the start, the size, and the sheet read back.
fn measure(
    register: &jiandang_export::Register,
    meta: &ExportMeta,
    memory: SheetMemory,
) -> Result<ChildMeasure, BenchError> {
    let start_rss = reset_peak();
    let t = Instant::now();
    let bytes = jiandang_export::xlsx::workbook_in(
        memory,
        &[TableKind::Households],
        Export::Table(TableKind::Households),
        register,
        meta,
        &|_| {},
    )
    .map_err(|e| BenchError::Check(e.to_string()))?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let peak_mib = peak_above(start_rss).unwrap_or(f64::NAN);
    use calamine::Reader;
    use sha2::Digest;
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone()))
        .map_err(|e| BenchError::Check(e.to_string()))?;
    let range = wb
        .worksheet_range(TableKind::Households.sheet_name())
        .map_err(|e| BenchError::Check(e.to_string()))?;
    let mut digest = sha2::Sha256::new();
    for row in range.rows() {
        for cell in row {
            digest.update(cell.to_string().as_bytes());
            digest.update([0x1f]);
        }
        digest.update([0x1e]);
    }
    Ok(ChildMeasure {
        ms,
        peak_mib,
        bytes: bytes.len(),
        rows: range.height(),
        cells_digest: digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

/// Resets the peak resident set and returns the current one (KiB); `None` where /proc does
/// not allow it.
fn reset_peak() -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    status_kib("VmRSS:")
}

/// The peak resident set since the reset, above `start`, in MiB.
fn peak_above(start: Option<u64>) -> Option<f64> {
    let peak = status_kib("VmHWM:")?;
    Some(peak.saturating_sub(start?) as f64 / 1024.0)
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
