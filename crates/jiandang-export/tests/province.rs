//! The province's comparison file (比对结果, W5, Q1) read from real files: CSV in UTF-8 with
//! and without a BOM, CSV in GBK as Chinese Excel saves it, and an xlsx workbook written by a
//! real writer; each row kept with its line, none dropped.

use jiandang_domain::county::province::ComparisonRow;
use jiandang_export::province::{ReadError, decode_csv, read_rows};

const CSV: &str = "序号,姓名,身份证号,比对结果,比对部门,备注\n\
1,张三,41142219800101001X,财政供养人员,县人社局,2018年在编\n\
2,李四,411422199002020022,登记车辆,县公安局,\n\
3,王五,,有工商注册,,\n";

fn written(name: &str, bytes: &[u8]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("jiandang-province-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the file");
    let back = std::fs::read(&path).expect("read the file back");
    std::fs::remove_file(&path).expect("remove the file");
    back
}

fn expected() -> Vec<ComparisonRow> {
    vec![
        ComparisonRow {
            line: 2,
            id_number: "41142219800101001X".into(),
            name: Some("张三".into()),
            reason: Some("财政供养人员".into()),
            department: Some("县人社局".into()),
            detail: Some("2018年在编".into()),
        },
        ComparisonRow {
            line: 3,
            id_number: "411422199002020022".into(),
            name: Some("李四".into()),
            reason: Some("登记车辆".into()),
            department: Some("县公安局".into()),
            detail: None,
        },
        // A row without a number is kept: the matching answers it back (W5: never dropped).
        ComparisonRow {
            line: 4,
            id_number: String::new(),
            name: Some("王五".into()),
            reason: Some("有工商注册".into()),
            department: None,
            detail: None,
        },
    ]
}

#[test]
fn w5_province_csv_in_utf8_without_and_with_a_bom_reads_every_row() {
    let plain = written("plain.csv", CSV.as_bytes());
    assert_eq!(read_rows(&plain).expect("reads"), expected());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(CSV.as_bytes());
    let bom = written("bom.csv", &bom);
    assert_eq!(read_rows(&bom).expect("reads"), expected());
}

#[test]
fn w5_province_csv_in_gbk_as_chinese_excel_saves_it_is_decoded() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV);
    assert!(!unmappable);
    let gbk = written("gbk.csv", &gbk);
    assert!(std::str::from_utf8(&gbk).is_err(), "the file really is GBK");
    assert_eq!(decode_csv(&gbk), CSV);
    assert_eq!(read_rows(&gbk).expect("reads"), expected());
}

#[test]
fn w5_province_xlsx_with_a_title_line_reads_rows_below_its_header() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "2018年建档立卡数据比对结果")
        .expect("title");
    for (r, line) in CSV.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            if !cell.is_empty() {
                let (r, c) = (
                    u32::try_from(r + 1).expect("row"),
                    u16::try_from(c).expect("col"),
                );
                sheet.write_string(r, c, cell).expect("cell");
            }
        }
    }
    let bytes = written("province.xlsx", &book.save_to_buffer().expect("xlsx"));
    let mut want = expected();
    for row in &mut want {
        row.line += 1; // the title line above the header
    }
    assert_eq!(read_rows(&bytes).expect("reads"), want);
}

#[test]
fn w5_province_file_without_an_id_column_is_refused() {
    let bytes = written("noid.csv", "姓名,比对结果\n张三,财政供养人员\n".as_bytes());
    assert_eq!(read_rows(&bytes), Err(ReadError::NoIdColumn));
}
