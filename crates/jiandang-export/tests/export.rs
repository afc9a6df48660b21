//! The exporter on hand-made records (no server): a record that does not decode is listed on
//! the cover sheet and the rest still exported; money from fen and dates come back as numbers
//! and dates; the CSV starts with a byte-order mark; what cannot be exported is refused.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use jiandang_domain::codes::household::{ExitStatus, Relationship};
use jiandang_domain::household::Household;
use jiandang_domain::member::Member;
use jiandang_domain::{Money, RecordKind, Timestamp};
use jiandang_export::{
    Export, ExportMeta, Format, Place, Places, Scope, StoredRecord, TableKind, Town, assemble,
    write,
};
use serde_json::json;
use uuid::Uuid;

const TOWN: Uuid = Uuid::from_u128(1);
const VILLAGE: Uuid = Uuid::from_u128(2);
const HOUSEHOLD: Uuid = Uuid::from_u128(3);

fn places() -> Places {
    Places {
        towns: vec![Town {
            id: TOWN,
            name: "李庄镇".to_owned(),
        }],
        villages: vec![Place {
            id: VILLAGE,
            town_id: TOWN,
            name: "𠀾家村".to_owned(),
        }],
    }
}

fn meta() -> ExportMeta {
    ExportMeta {
        for_whom: "县扶贫办管理员（admin）".to_owned(),
        generated_at: Timestamp::from_millis(1_542_247_200_000),
        version: 42,
        year: 2018,
    }
}

fn records() -> Vec<StoredRecord> {
    let mut h = Household {
        id: HOUSEHOLD,
        village_id: VILLAGE,
        ..Household::default()
    };
    h.basic.household_number = Some("010001".to_owned());
    h.basic.status = Some(ExitStatus::Exited);
    h.basic.exit_year = Some(2018);
    h.income.wage = Some(Money::from_fen(123_456));
    h.income.other_transfer = Some(Money::from_fen(7));
    let head = Member {
        id: Uuid::from_u128(4),
        household_id: HOUSEHOLD,
        name: "王𪚥".to_owned(),
        id_number: Some("41142119800101001X".to_owned()),
        relationship: Some(Relationship::Head),
        birth_date: jiandang_domain::Date::new(1980, 1, 1).ok(),
        ..Member::default()
    };
    let rec = |kind, id, doc| StoredRecord {
        id,
        kind,
        village_id: VILLAGE,
        doc,
    };
    vec![
        rec(
            RecordKind::Household,
            HOUSEHOLD,
            serde_json::to_value(&h).expect("json"),
        ),
        rec(
            RecordKind::Member,
            head.id,
            serde_json::to_value(&head).expect("json"),
        ),
        // A member whose birth date is not a date: listed, not exported, not fatal.
        rec(
            RecordKind::Member,
            Uuid::from_u128(5),
            json!({"id": Uuid::from_u128(5), "household_id": HOUSEHOLD, "name": "李四", "birth_date": "2018-13-45"}),
        ),
    ]
}

fn sheet(bytes: Vec<u8>, name: &str) -> calamine::Range<Data> {
    let mut wb = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    wb.worksheet_range(name).expect(name)
}

fn find(range: &calamine::Range<Data>, text: &str) -> Option<(u32, u32)> {
    range.cells().find_map(|(r, c, d)| match d {
        Data::String(s) if s == text => Some((r as u32, c as u32)),
        _ => None,
    })
}

#[test]
fn an_unreadable_record_is_listed_on_the_cover_and_the_rest_exported() {
    let register = assemble(&places(), Scope::Village(VILLAGE), records());
    assert_eq!(register.households.len(), 1);
    assert_eq!(register.households[0].bundle.members.len(), 1);
    assert_eq!(register.unreadable.len(), 1);
    let u = &register.unreadable[0];
    assert_eq!((u.kind, u.id), (RecordKind::Member, Uuid::from_u128(5)));
    assert!(u.message.starts_with("birth_date："), "{}", u.message);
    assert!(
        !u.message.contains("李四"),
        "no personal data in the message"
    );

    let bytes = write(Export::Register, Format::Xlsx, &register, &meta(), &|_| {}).expect("xlsx");
    let cover = sheet(bytes.clone(), "说明");
    assert!(find(&cover, "1 条，见下方清单（未导出，请在应用中修正）").is_some());
    assert!(find(&cover, &Uuid::from_u128(5).to_string()).is_some());
    assert!(find(&cover, "服务器变更序号 42（此序号之前的所有变更均已包含）").is_some());
    assert!(find(&cover, "2018-11-15 10:00（北京时间）").is_some());
    assert!(
        find(&cover, "李庄镇𠀾家村").is_some(),
        "the scope, rare character intact"
    );

    let households = sheet(bytes, "贫困户");
    // Money from fen: 1234.56 and 0.07 exactly as a spreadsheet number.
    let (_, wage_col) = find(&households, "工资性收入（元）").expect("wage column");
    let (_, other_col) = find(&households, "其他转移性收入（元）").expect("column");
    assert_eq!(
        households.get_value((3, wage_col)),
        Some(&Data::Float(1234.56))
    );
    assert_eq!(
        households.get_value((3, other_col)),
        Some(&Data::Float(0.07))
    );
    let (_, status_col) = find(&households, "脱贫状态").expect("status column");
    assert_eq!(
        households.get_value((3, status_col)),
        Some(&Data::String("1 已脱贫（享受政策）".to_owned()))
    );
    assert!(
        find(&households, "王𪚥").is_some(),
        "户主姓名 from the member"
    );
    assert!(
        find(&households, "41142119800101001X").is_some(),
        "户主证件号码 as text"
    );
}

#[test]
fn csv_has_a_byte_order_mark_and_the_sheets_columns() {
    let register = assemble(&places(), Scope::County, records());
    let bytes = write(
        Export::Table(TableKind::Members),
        Format::Csv,
        &register,
        &meta(),
        &|_| {},
    )
    .expect("csv");
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with("所属贫困户·乡（镇）,所属贫困户·行政村,所属贫困户·户编号,所属贫困户·户主姓名,基本信息·人编号,基本信息·姓名"), "{header}");
    let row = lines.next().expect("row");
    assert!(
        row.contains("王𪚥") && row.contains("41142119800101001X") && row.contains("1980-01-01"),
        "{row}"
    );
}

#[test]
fn what_cannot_be_exported_is_refused() {
    let register = assemble(&places(), Scope::County, records());
    let refused = |e, f| {
        write(e, f, &register, &meta(), &|_| {})
            .err()
            .map(|e| e.code())
    };
    assert_eq!(
        refused(Export::Summary, Format::Csv),
        Some("export.unsupported")
    );
    assert_eq!(
        refused(Export::Register, Format::Csv),
        Some("export.unsupported")
    );
    assert_eq!(
        refused(Export::Comparison, Format::Xlsx),
        Some("export.needs_village")
    );
    for e in Export::all() {
        assert_eq!(Export::parse(e.as_str()), Some(e));
    }
}

/// The table sheets are written in constant-memory mode, row by row: a household's exit
/// measures (附件6) still merge its key columns down its rows, the group headers still merge
/// across their columns, and every measure row keeps its own cells.
#[test]
fn merged_runs_and_headers_survive_the_row_by_row_writer() {
    use jiandang_domain::codes::village::HouseholdMeasureKind;
    use jiandang_domain::measures::{HouseholdExitMeasures, HouseholdMeasure};
    let measure = |kind, fen| HouseholdMeasure {
        kind,
        first_year: Some(2018),
        amount: Some(Money::from_fen(fen)),
        implementing_unit: None,
    };
    let em = HouseholdExitMeasures {
        id: Uuid::from_u128(9),
        village_id: VILLAGE,
        household_id: HOUSEHOLD,
        measures: vec![
            measure(HouseholdMeasureKind::Crops, 100),
            measure(HouseholdMeasureKind::Livestock, 200),
            measure(HouseholdMeasureKind::Photovoltaic, 300),
        ],
        note: Some("三项措施".to_owned()),
    };
    let mut recs = records();
    recs.push(StoredRecord {
        id: em.id,
        kind: RecordKind::HouseholdExitMeasures,
        village_id: VILLAGE,
        doc: serde_json::to_value(&em).expect("json"),
    });
    let register = assemble(&places(), Scope::County, recs);
    let bytes = write(Export::Register, Format::Xlsx, &register, &meta(), &|_| {}).expect("xlsx");
    let name = TableKind::HouseholdExitMeasures.sheet_name();
    let mut wb = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let merges = wb
        .merge_cells_by_sheet_name(name)
        .expect("its merged cells");
    let spans: Vec<((u32, u32), (u32, u32))> = merges.iter().map(|d| (d.start, d.end)).collect();
    let range = wb.worksheet_range(name).expect("range");
    let (_, number_col) = find(&range, "户编号").expect("户编号");
    assert!(
        spans.contains(&((3, number_col), (5, number_col))),
        "户编号 merged down the household's three rows: {spans:?}"
    );
    assert_eq!(
        range.get_value((3, number_col)),
        Some(&Data::String("010001".to_owned()))
    );
    let (_, note_col) = find(&range, "备注").expect("备注");
    assert!(spans.contains(&((3, note_col), (5, note_col))));
    // Each measure row its own kind.
    let kinds: Vec<String> = (3..6)
        .filter_map(|r| {
            range.rows().nth(r).and_then(|row| {
                row.iter().find_map(|d| match d {
                    Data::String(s) if s.starts_with("010") && s.contains(' ') => Some(s.clone()),
                    _ => None,
                })
            })
        })
        .collect();
    assert_eq!(kinds, ["0101 种植业", "0102 养殖业", "0104 光伏扶贫"]);
    // The title across the sheet, and a group header across its columns in row 2.
    let width = range.end().map_or(0, |(_, c)| c);
    assert!(spans.contains(&((0, 0), (0, width))), "{spans:?}");
    assert!(spans.iter().any(|(s, e)| s.0 == 1 && e.0 == 1 && e.1 > s.1));
    // And the household sheet's columns without a group span both header rows.
    let households = wb
        .merge_cells_by_sheet_name(TableKind::Households.sheet_name())
        .expect("merges");
    assert!(
        households
            .iter()
            .any(|d| d.start == (1, 0) && d.end == (2, 0))
    );
}
