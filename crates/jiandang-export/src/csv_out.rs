//! A table as CSV for machines: UTF-8 with a byte-order mark (without it Excel reads the
//! Chinese as garbage), one header row, the same columns as the xlsx sheet; a column under a
//! group header is titled `group·title`. Keys of merged rows are repeated on every row.

use crate::ExportError;
use crate::tables::Table;

/// The CSV bytes of `table`.
pub fn write(table: &Table) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::with_capacity(64 + table.rows.len() * 256);
    out.extend_from_slice("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(table.columns.iter().map(header))?;
        for row in &table.rows {
            w.write_record(row.iter().map(|c| c.display()))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// A column's CSV header.
pub fn header(c: &crate::tables::Column) -> String {
    match &c.group {
        Some(g) => format!("{g}·{}", c.title),
        None => c.title.clone(),
    }
}
