//! The replica without a server: saves and their outbox rows, durability across a reopen,
//! the clock on a phone whose time is off, the household list, findings, and the photo store.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiandang_domain::photo::PhotoKind;
use jiandang_domain::{Date, RecordKind};
use jiandang_replica::{Clock, HouseholdFilter, Replica};
use serde_json::{Value, json};
use uuid::Uuid;

const VILLAGE: Uuid = Uuid::from_u128(0x1111);

/// A replica that holds the demo county's policy (the sync fetches the county's; these
/// tests set it).
fn open(dir: &tempfile::TempDir) -> Replica {
    let r = Replica::open(&dir.path().join("replica.sqlite")).expect("open");
    r.set_policy(&jiandang_domain::policy::YearPolicy::shangqiu_2018())
        .expect("policy");
    r
}

/// A clock the test moves by hand.
fn manual_clock(start: i64) -> (Clock, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(start));
    let n = now.clone();
    (Arc::new(move || n.load(Ordering::SeqCst)), now)
}

fn household(number: &str, status: &str) -> Value {
    json!({
        "basic": {"household_number": number, "status": status, "year": 2018, "main_cause": "1"},
        "income": {"wage": "1200.00"}
    })
}

fn member(household: Uuid, name: &str, id_number: &str, relationship: &str) -> Value {
    json!({
        "household_id": household.to_string(),
        "name": name,
        "id_number": id_number,
        "relationship": relationship
    })
}

#[test]
fn a_save_writes_one_outbox_row_per_changed_field_and_a_second_edit_before_sync_updates_it() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let h = Replica::new_id();
    let saved = r
        .save_record(RecordKind::Household, h, VILLAGE, &household("1", "0"))
        .expect("save");
    assert_eq!(
        saved.changed_fields,
        [
            "basic.household_number",
            "basic.main_cause",
            "basic.status",
            "basic.year",
            "income.wage"
        ]
    );
    assert_eq!(r.outbox().expect("outbox").len(), 5);

    // Saving the same form again changes nothing.
    let again = r
        .save_record(RecordKind::Household, h, VILLAGE, &household("1", "0"))
        .expect("save");
    assert!(again.changed_fields.is_empty());

    // One field edited, one cleared: two edits, folded into the waiting rows.
    let mut doc = household("1", "0");
    doc["income"]["wage"] = json!("1500.00");
    doc["basic"]["year"] = Value::Null;
    let edit = r
        .save_record(RecordKind::Household, h, VILLAGE, &doc)
        .expect("save");
    assert_eq!(edit.changed_fields, ["basic.year", "income.wage"]);
    let rows = r.outbox().expect("outbox");
    assert_eq!(rows.len(), 5, "waiting rows updated, not added");
    let wage = rows
        .iter()
        .find(|x| x.field == "income.wage")
        .expect("wage row");
    assert_eq!(wage.new, json!("1500.00"));
    let year = rows
        .iter()
        .find(|x| x.field == "basic.year")
        .expect("year row");
    assert_eq!(year.new, Value::Null, "a cleared field is sent as null");
    assert_eq!(
        r.get_record(h).expect("get").expect("record").doc["basic"].get("year"),
        None
    );

    // A record keeps its kind and village.
    let err = r
        .save_record(RecordKind::Member, h, VILLAGE, &json!({}))
        .expect_err("kind changed");
    assert_eq!(err.code(), "record_mismatch");
}

#[test]
fn every_save_survives_closing_and_reopening_the_database() {
    let dir = tempfile::tempdir().expect("dir");
    let h = Replica::new_id();
    {
        let r = open(&dir);
        r.save_record(RecordKind::Household, h, VILLAGE, &household("7", "0"))
            .expect("save");
    }
    let r = open(&dir);
    assert_eq!(
        r.get_record(h).expect("get").expect("record").doc["basic"]["household_number"],
        json!("7")
    );
    assert_eq!(r.outbox_summary().expect("summary").waiting, 5);
    let conn = rusqlite::Connection::open(dir.path().join("replica.sqlite")).expect("conn");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn a_phone_whose_clock_jumps_days_back_keeps_stamping_in_order_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("replica.sqlite");
    let day = 86_400_000;
    let (clock, now) = manual_clock(1_542_000_000_000);
    let h = Replica::new_id();
    let mut stamps = Vec::new();
    {
        let r = Replica::open_with_clock(&path, clock.clone()).expect("open");
        r.save_record(RecordKind::Household, h, VILLAGE, &json!({"a": 1}))
            .expect("save");
        stamps.push(r.clock().expect("clock"));
        // The phone's clock is set back four days (a dead battery, a manual change).
        now.fetch_sub(4 * day, Ordering::SeqCst);
        r.save_record(RecordKind::Household, h, VILLAGE, &json!({"a": 2}))
            .expect("save");
        stamps.push(r.clock().expect("clock"));
    }
    // After a restart the persisted clock still carries the order.
    let r = Replica::open_with_clock(&path, clock).expect("reopen");
    r.save_record(RecordKind::Household, h, VILLAGE, &json!({"a": 3}))
        .expect("save");
    stamps.push(r.clock().expect("clock"));
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    assert_eq!(
        stamps[2].wall_ms, 1_542_000_000_000,
        "the wall part never goes back"
    );
    // The outbox row of field `a` carries the latest stamp, and order by text = order by clock.
    let texts: Vec<String> = stamps.iter().map(ToString::to_string).collect();
    let mut sorted = texts.clone();
    sorted.sort();
    assert_eq!(texts, sorted);
}

#[test]
fn the_household_list_searches_and_filters() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let ids: Vec<Uuid> = (0..4).map(|_| Replica::new_id()).collect();
    let docs = [
        household("4114210001", "0"),
        json!({"basic": {"household_number": "4114210002", "status": "1", "exit_year": 2018,
                         "visited_on": "2018-10-15"}}),
        json!({"basic": {"household_number": "4114210003", "status": "3", "identified_year": 2018,
                         "visited_on": "2017-11-20"}}),
        json!({"basic": {"household_number": "4114210004", "status": "0", "identified_year": 2018,
                         "visited_on": "2018-11-02"}}),
    ];
    for (id, doc) in ids.iter().zip(&docs) {
        r.save_record(RecordKind::Household, *id, VILLAGE, doc)
            .expect("save");
    }
    r.save_record(
        RecordKind::Member,
        Replica::new_id(),
        VILLAGE,
        &member(ids[0], "王𠀀明", "41142119800101123X", "01"),
    )
    .expect("member");
    r.save_record(
        RecordKind::Member,
        Replica::new_id(),
        VILLAGE,
        &member(ids[2], "李四", "411421198502024567", "01"),
    )
    .expect("member");

    let year = 2018;
    let f = |g: fn(&mut HouseholdFilter)| {
        let mut filter = HouseholdFilter {
            year,
            visits_from: Some(Date::parse("2018-10-01").expect("date")),
            ..HouseholdFilter::default()
        };
        g(&mut filter);
        filter
    };
    let cases: Vec<(&str, HouseholdFilter, Vec<usize>)> = vec![
        ("all", f(|_| {}), vec![0, 1, 2, 3]),
        (
            "name with a rare character",
            f(|x| x.search = Some("𠀀".into())),
            vec![0],
        ),
        (
            "last digits of an ID number",
            f(|x| x.search = Some("123X".into())),
            vec![0],
        ),
        (
            "household number",
            f(|x| x.search = Some("0003".into())),
            vec![2],
        ),
        ("registered", f(|x| x.registered = true), vec![0, 2, 3]),
        (
            "exited this year",
            f(|x| x.exited_this_year = true),
            vec![1],
        ),
        ("new this year", f(|x| x.new = true), vec![2, 3]),
        ("returned", f(|x| x.returned = true), vec![2]),
        (
            "not visited this year",
            f(|x| x.not_visited_this_year = true),
            vec![0, 2],
        ),
        (
            "waiting to sync",
            f(|x| x.waiting_to_sync = true),
            vec![0, 1, 2, 3],
        ),
        (
            "new and not visited",
            f(|x| {
                x.new = true;
                x.not_visited_this_year = true;
            }),
            vec![2],
        ),
    ];
    for (name, filter, expected) in cases {
        check(&r, &ids, name, &filter, &expected);
    }
    // The counts on top of the list: the search with each filter alone, from the same pass.
    let counts = |search: Option<&str>| {
        let mut filter = f(|_| {});
        filter.search = search.map(str::to_owned);
        let c = r.household_list(VILLAGE, &filter).expect("list").counts;
        [
            c.all,
            c.registered,
            c.exited_this_year,
            c.new,
            c.returned,
            c.has_errors,
            c.not_visited_this_year,
            c.waiting_to_sync,
        ]
    };
    assert_eq!(counts(None), [4, 3, 1, 2, 1, 4, 2, 4]);
    assert_eq!(counts(Some("0003")), [1, 1, 0, 1, 1, 1, 1, 1]);
    let rows = r
        .households(
            VILLAGE,
            &HouseholdFilter {
                year,
                ..HouseholdFilter::default()
            },
        )
        .expect("list");
    assert_eq!(rows[0].head_name.as_deref(), Some("王𠀀明"));
    assert_eq!(rows[0].members, 1);
    assert!(rows[0].waiting > 0);
    let bundle = r.household_bundle(ids[0]).expect("bundle");
    assert_eq!(bundle.attached.len(), 1);
}

/// "Visited this year" in the list query is the domain's `visited_in`: the filter and the
/// row's date agree with it for every kind of stored value, odd ones included.
#[test]
fn not_visited_this_year_is_the_domain_s_visited_in() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let policy = jiandang_domain::policy::YearPolicy::shangqiu_2018();
    let cases: &[(&str, Value, bool)] = &[
        ("never", Value::Null, false),
        ("last year", json!("2017-11-20"), false),
        ("the day before field work", json!("2018-09-30"), false),
        ("the first day of field work", json!("2018-10-01"), true),
        ("during the entry phase", json!("2018-11-20"), true),
        (
            "today, on a demo county's shifted calendar",
            json!("2026-12-02"),
            true,
        ),
        ("not an ISO date", json!("2018-1-5"), false),
        ("a number", json!(20181015), false),
    ];
    let mut ids = Vec::new();
    for (i, (_, visited, _)) in cases.iter().enumerate() {
        let id = Replica::new_id();
        let mut doc = household(&format!("41142109{i:02}"), "0");
        doc["basic"]["visited_on"] = visited.clone();
        r.save_record(RecordKind::Household, id, VILLAGE, &doc)
            .expect("save");
        ids.push(id);
    }
    let filter = HouseholdFilter {
        year: policy.year,
        visits_from: Some(policy.visits_from),
        not_visited_this_year: true,
        ..HouseholdFilter::default()
    };
    let not_visited: Vec<Uuid> = r
        .households(VILLAGE, &filter)
        .expect("list")
        .into_iter()
        .map(|row| row.id)
        .collect();
    let rows = r
        .households(VILLAGE, &HouseholdFilter::default())
        .expect("list");
    for ((name, _, want), id) in cases.iter().zip(&ids) {
        assert_eq!(!not_visited.contains(id), *want, "filter: {name}");
        let row = rows.iter().find(|row| row.id == *id).expect("row");
        assert_eq!(
            jiandang_domain::household::visited_in(row.visited_on, &policy),
            *want,
            "row: {name}"
        );
    }
}

fn check(r: &Replica, ids: &[Uuid], name: &str, filter: &HouseholdFilter, expected: &[usize]) {
    let rows = r.households(VILLAGE, filter).expect("list");
    let got: Vec<usize> = rows
        .iter()
        .map(|row| ids.iter().position(|id| *id == row.id).expect("known id"))
        .collect();
    assert_eq!(got, expected, "{name}");
    assert_eq!(
        r.count_households(VILLAGE, filter).expect("count") as usize,
        expected.len(),
        "{name}: count"
    );
}

#[test]
fn a_household_save_returns_the_domain_rules_findings() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let h = Replica::new_id();
    // 2018 household without a main cause or any member: the rules have something to say.
    let saved = r
        .save_record(
            RecordKind::Household,
            h,
            VILLAGE,
            &json!({"basic": {"household_number": "1", "year": 2018, "status": "0"}}),
        )
        .expect("save");
    assert!(
        !saved.findings.is_empty(),
        "findings returned with the save"
    );
    assert_eq!(r.findings(h).expect("findings"), saved.findings);
    let errors = jiandang_domain::finding::has_errors(&saved.findings);
    let listed = r
        .households(
            VILLAGE,
            &HouseholdFilter {
                has_errors: true,
                year: 2018,
                ..HouseholdFilter::default()
            },
        )
        .expect("list");
    assert_eq!(listed.len(), usize::from(errors));
}

/// A JPEG with an EXIF block (time, GPS, orientation) in an APP1 segment after SOI.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value as EV};
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .expect("encode");
    let r = |n: u32, d: u32| Rational { num: n, denom: d };
    let fields = [
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: EV::Ascii(vec![b"2018:10:12 16:30:00".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: EV::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: EV::Rational(vec![r(34, 1), r(24, 1), r(36, 1)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: EV::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: EV::Rational(vec![r(115, 1), r(39, 1), r(0, 1)]),
        },
    ];
    let mut w = Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    w.write(&mut tiff, false).expect("exif");
    let tiff = tiff.into_inner();
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn an_imported_photo_is_scaled_stripped_named_by_sha256_and_keeps_its_exif_time_and_position() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let h = Replica::new_id();
    r.save_record(RecordKind::Household, h, VILLAGE, &household("1", "0"))
        .expect("save");
    let original = jpeg_with_exif(2000, 1000);
    let info = jiandang_replica::photo::read_exif(&original);
    assert!(info.taken_at_ms.is_some(), "the test photo has EXIF");

    let path = dir.path().join("camera.jpg");
    std::fs::write(&path, &original).expect("write");
    let photo = r
        .import_photo_file(&path, h, VILLAGE, PhotoKind::HouseFront)
        .expect("import");
    assert_eq!((photo.width, photo.height), (1600, 800));
    // 2018-10-12 16:30 Beijing = 08:30 UTC.
    assert_eq!(photo.taken_at.to_string(), "2018-10-12T08:30:00.000Z");
    let p = photo.position.expect("position");
    assert!((p.y() - (34.0 + 24.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9);
    assert!((p.x() - (115.0 + 39.0 / 60.0)).abs() < 1e-9);

    let stored = r.blob(&photo.sha256).expect("stored");
    assert_eq!(jiandang_replica::photo::sha256_hex(&stored), photo.sha256);
    assert_eq!(stored.len() as u64, photo.bytes);
    assert_eq!(
        jiandang_replica::photo::read_exif(&stored),
        Default::default(),
        "no EXIF in the stored file"
    );
    let thumb = image::load_from_memory(&r.blob(&photo.thumb_sha256).expect("thumb"))
        .expect("decode thumb");
    assert_eq!((thumb.width(), thumb.height()), (320, 160));
    assert!(r.photo_dir().join(format!("{}.jpg", photo.sha256)).exists());

    let rec = r.get_record(photo.id).expect("get").expect("photo record");
    assert_eq!(rec.kind, RecordKind::Photo);
    assert_eq!(rec.doc["sha256"], json!(photo.sha256));
    let progress = r.photo_progress().expect("progress");
    assert_eq!((progress.uploaded, progress.total), (0, 1));
    assert!(!r.photos_complete(h).expect("complete"));
    assert_eq!(r.household_bundle(h).expect("bundle").attached.len(), 1);

    // A PNG works too; garbage is refused with a clear code.
    let png = {
        let img = image::RgbImage::from_pixel(400, 300, image::Rgb([10, 200, 30]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("png");
        out.into_inner()
    };
    let p2 = r
        .import_photo(&png, h, VILLAGE, PhotoKind::Kitchen)
        .expect("png");
    assert_eq!((p2.width, p2.height), (400, 300));
    let err = r
        .import_photo(b"not a photo", h, VILLAGE, PhotoKind::Other)
        .expect_err("garbage");
    assert_eq!(err.code(), "photo_format");
}

#[test]
fn domain_records_save_and_load_typed() {
    use jiandang_domain::household::Household;
    use jiandang_domain::member::Member;
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let h = Replica::new_id();
    let household: Household = serde_json::from_value(json!({
        "id": h.to_string(),
        "village_id": VILLAGE.to_string(),
        "basic": {"household_number": "4114210009", "year": 2018, "status": "0", "main_cause": "1"}
    }))
    .expect("household");
    let m = Replica::new_id();
    let member: Member = serde_json::from_value(json!({
        "id": m.to_string(),
        "household_id": h.to_string(),
        "name": "张三",
        "id_number": "41142119800101123X",
        "relationship": "01"
    }))
    .expect("member");
    r.save(VILLAGE, &household).expect("save household");
    let saved = r.save(VILLAGE, &member).expect("save member");
    assert_eq!(
        r.findings(m).expect("findings"),
        saved.findings,
        "the member's own findings"
    );
    assert_eq!(r.load::<Household>(h).expect("load"), Some(household));
    assert_eq!(r.load::<Member>(m).expect("load"), Some(member.clone()));
    assert_eq!(r.load::<Member>(h).expect("wrong kind"), None);
    let bundle = r.household_bundle(h).expect("bundle");
    assert_eq!(
        bundle.attached.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![m]
    );
}

#[test]
fn a_village_save_returns_the_village_rules_findings() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let v = Replica::new_id();
    // A help unit picked that was never entered (C7): the village rules object.
    let doc = json!({"help": {"help_unit_ids": [Uuid::from_u128(7).to_string()]}});
    let saved = r
        .save_record(RecordKind::Village, v, VILLAGE, &doc)
        .expect("save");
    assert!(
        saved
            .findings
            .iter()
            .any(|f| f.code == "village.help_unit_not_entered"),
        "{:?}",
        saved.findings
    );
    assert_eq!(r.findings(v).expect("findings"), saved.findings);
    // A natural village's save judges the whole village again: the village form's finding
    // is stored again, the natural village's own beside it.
    let n = Replica::new_id();
    let nv = r
        .save_record(
            RecordKind::NaturalVillage,
            n,
            VILLAGE,
            &json!({"basic": {"name": "东组"}}),
        )
        .expect("save");
    assert_eq!(r.findings(v).expect("findings"), saved.findings);
    assert_eq!(r.findings(n).expect("findings"), nv.findings);
}

/// The device refuses to save what the server would refuse (issue 11, item 2): a field over
/// the limits of `jiandang_protocol::limits` is `field_limit`, and nothing of the save is
/// written; a field within them saves.
#[test]
fn a_field_over_the_servers_limits_is_refused_on_the_device_and_nothing_is_saved() {
    let dir = tempfile::tempdir().expect("dir");
    let r = open(&dir);
    let nested = |levels: usize| (0..levels).fold(json!("x"), |v, _| json!([v]));
    let deep_path = (0..9).fold(json!("x"), |v, i| json!({ format!("k{i}"): v }));
    let cases: Vec<(&str, Value, Option<&str>)> = vec![
        (
            "16 levels of value",
            json!({"help": {"units": nested(16)}}),
            None,
        ),
        (
            "17 levels of value",
            json!({"help": {"units": nested(17)}}),
            Some("help.units"),
        ),
        (
            "a 9-segment path",
            deep_path,
            Some("k8.k7.k6.k5.k4.k3.k2.k1.k0"),
        ),
        (
            "a 70 KB note",
            json!({"note": "字".repeat(24_000)}),
            Some("note"),
        ),
        ("a 60 KB note", json!({"note": "字".repeat(20_000)}), None),
    ];
    for (name, doc, refused) in cases {
        let id = Replica::new_id();
        let before = r.outbox().expect("outbox").len();
        let got = r.save_record(RecordKind::HelpUnit, id, VILLAGE, &doc);
        match refused {
            None => {
                got.unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            Some(path) => {
                let e = got.err().unwrap_or_else(|| panic!("{name}: saved"));
                assert_eq!(e.code(), "field_limit", "{name}");
                assert!(e.to_string().contains(path), "{name}: {e}");
                assert_eq!(r.get_record(id).expect("get"), None, "{name}");
                assert_eq!(r.outbox().expect("outbox").len(), before, "{name}");
            }
        }
    }
}
