//! The photo import on the files phones and cameras really write (the files and how each was
//! made: `tests/photos/README.md`): GPS in every numeric EXIF type, orientations 1-8 turned
//! upright, broken and missing EXIF, damaged and truncated files refused, HEIC and WebP
//! refused with what to do instead, the same file twice on one record, and upload
//! completeness counted per household over its own photo references.
//!
//! Requirement: NOTICE C5 (GPS positions of households collected with the mobile app; a
//! photo's EXIF position is one of them).

use std::path::PathBuf;

use jiandang_domain::RecordKind;
use jiandang_domain::photo::PhotoKind;
use jiandang_replica::Replica;
use jiandang_replica::photo::{ExifStatus, read_exif};
use serde_json::json;
use uuid::Uuid;

const VILLAGE: Uuid = Uuid::from_u128(0x1111);

/// Where make.sh put the scene's position: 34°24'36" N, 115°39' E (Shangqiu).
const LAT: f64 = 34.0 + 24.0 / 60.0 + 36.0 / 3600.0;
const LON: f64 = 115.0 + 39.0 / 60.0;

fn file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Device {
    _dir: tempfile::TempDir,
    replica: Replica,
}

fn device() -> Device {
    let dir = tempfile::tempdir().expect("dir");
    let replica = Replica::open(&dir.path().join("replica.sqlite")).expect("open");
    Device { _dir: dir, replica }
}

fn household(r: &Replica, number: &str) -> Uuid {
    let h = Replica::new_id();
    r.save_record(
        RecordKind::Household,
        h,
        VILLAGE,
        &json!({"basic": {"household_number": number, "status": "0", "year": 2018}}),
    )
    .expect("household");
    h
}

fn photo_records(r: &Replica, subject: Uuid) -> usize {
    r.records_of_kind(RecordKind::Photo)
        .expect("photos")
        .iter()
        .filter(|p| p.doc["subject_id"] == json!(subject.to_string()))
        .count()
}

/// The mean colour of one quarter of an image (0 = top left, 1 = top right, 2 = bottom
/// left, 3 = bottom right), leaving out a margin around the middle lines.
fn quarter(img: &image::RgbImage, q: u32) -> [u8; 3] {
    let (w, h) = img.dimensions();
    let (x0, y0) = ((q % 2) * w / 2, (q / 2) * h / 2);
    let (mut sum, mut n) = ([0u64; 3], 0u64);
    for y in y0 + h / 10..y0 + h / 2 - h / 10 {
        for x in x0 + w / 10..x0 + w / 2 - w / 10 {
            let p = img.get_pixel(x, y).0;
            for c in 0..3 {
                sum[c] += u64::from(p[c]);
            }
            n += 1;
        }
    }
    sum.map(|s| (s / n) as u8)
}

/// Which of the scene's four colours a mean colour is.
fn colour_name(c: [u8; 3]) -> &'static str {
    let [r, g, b] = c.map(i32::from);
    match () {
        _ if r > 150 && g > 150 && b < 110 => "yellow",
        _ if r > 150 && g < 110 && b < 110 => "red",
        _ if b > 150 && r < 110 => "blue",
        _ if g > 120 && r < 110 && b < 110 => "green",
        _ => "other",
    }
}

/// The scene as a worker would see it: its size and its quarters' colours.
fn looks(img: &image::RgbImage) -> ((u32, u32), [&'static str; 4]) {
    (
        img.dimensions(),
        [0, 1, 2, 3].map(|q| colour_name(quarter(img, q))),
    )
}

const UPRIGHT: ((u32, u32), [&str; 4]) = ((240, 180), ["red", "blue", "green", "yellow"]);

#[test]
fn every_exif_orientation_and_phone_encoding_is_stored_upright() {
    let d = device();
    let r = &d.replica;
    for name in [
        "orientation-1.jpg",
        "orientation-2.jpg",
        "orientation-3.jpg",
        "orientation-4.jpg",
        "orientation-5.jpg",
        "orientation-6.jpg",
        "orientation-7.jpg",
        "orientation-8.jpg",
        "progressive.jpg",
        "restart-markers.jpg",
        "subsampling-422.jpg",
        "trailer-after-end.jpg",
        "cmyk.jpg",
    ] {
        // One household per file: the same scene twice on one record would be refused.
        let h = household(r, name);
        let photo = r
            .import_photo(&file(name), h, VILLAGE, PhotoKind::HouseFront)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let stored = image::load_from_memory(&r.blob(&photo.sha256).expect("blob"))
            .expect("decode stored")
            .to_rgb8();
        assert_eq!(looks(&stored), UPRIGHT, "{name}: the stored photo");
        assert_eq!((photo.width, photo.height), (240, 180), "{name}");
        let thumb = image::load_from_memory(&r.blob(&photo.thumb_sha256).expect("thumb"))
            .expect("decode thumb")
            .to_rgb8();
        assert_eq!(looks(&thumb).1, UPRIGHT.1, "{name}: the thumbnail");
    }
}

#[test]
fn a_grayscale_photo_and_a_png_screenshot_are_accepted() {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    let gray = r
        .import_photo(&file("grayscale.jpg"), h, VILLAGE, PhotoKind::Document)
        .expect("grayscale");
    assert_eq!((gray.width, gray.height), (240, 180));
    let png = r
        .import_photo(&file("screenshot.png"), h, VILLAGE, PhotoKind::Document)
        .expect("png");
    let stored = image::load_from_memory(&r.blob(&png.sha256).expect("blob"))
        .expect("decode")
        .to_rgb8();
    assert_eq!(looks(&stored), UPRIGHT);
}

/// The position a worker's photo shows, from a file whose GPS is written as `name` says.
fn check_position(name: &str, lat: f64, lon: f64) {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    let photo = r
        .import_photo(&file(name), h, VILLAGE, PhotoKind::HouseFront)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let p = photo
        .position
        .unwrap_or_else(|| panic!("{name}: no position read"));
    assert!(
        (p.y() - lat).abs() < 1e-6 && (p.x() - lon).abs() < 1e-6,
        "{name}: read ({}, {}), expected ({lat}, {lon})",
        p.y(),
        p.x()
    );
    // 2018-10-12 16:30 at +08:00.
    assert_eq!(
        photo.taken_at.to_string(),
        "2018-10-12T08:30:00.000Z",
        "{name}"
    );
    let rec = r.get_record(photo.id).expect("get").expect("record");
    assert!(
        rec.doc["position"].is_object(),
        "{name}: the Photo record carries the position"
    );
}

#[test]
fn gps_is_read_in_every_numeric_type_phones_write() {
    for (name, lat, lon) in [
        // Unsigned rationals, as the EXIF standard says.
        ("orientation-1.jpg", LAT, LON),
        // Signed rationals (SRATIONAL), as the Nokia 8.3 and many other phones write.
        ("gps-srational.jpg", LAT, LON),
        // Doubles.
        ("gps-double.jpg", LAT, LON),
        // South and west through GPSLatitudeRef / GPSLongitudeRef.
        ("gps-south-west.jpg", -LAT, -LON),
        // Negative signed rationals and no reference tags.
        ("gps-srational-negative.jpg", -LAT, -LON),
    ] {
        check_position(name, lat, lon);
    }
}

/// A file without a readable position: it imports, with the time `taken` if EXIF gave one
/// (else the device's now), and the worker is told why there is no position.
fn check_no_position(name: &str, status: ExifStatus, taken: Option<&str>, note_says: &str) {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    let bytes = file(name);
    let exif = read_exif(&bytes);
    assert_eq!(exif.status, status, "{name}");
    assert_eq!(exif.position, None, "{name}");
    let note = exif
        .position_note()
        .unwrap_or_else(|| panic!("{name}: no note"));
    assert!(note.contains(note_says), "{name}: {note}");
    assert!(note.contains("已保存"), "{name}: {note}");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let photo = r
        .import_photo(&bytes, h, VILLAGE, PhotoKind::HouseFront)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(photo.position, None, "{name}");
    assert_eq!((photo.width, photo.height), (240, 180), "{name}");
    match taken {
        Some(t) => assert_eq!(photo.taken_at.to_string(), t, "{name}"),
        None => assert!(photo.taken_at.millis() >= before, "{name}: taken now"),
    }
}

#[test]
fn broken_or_missing_exif_still_imports_without_a_position_and_says_why() {
    let taken = Some("2018-10-12T08:30:00.000Z");
    // The GPS pointer is broken; the time in the Exif IFD still reads.
    check_no_position("exif-broken-gps.jpg", ExifStatus::Damaged, taken, "损坏");
    // Nothing reads.
    check_no_position("exif-broken.jpg", ExifStatus::Damaged, None, "损坏");
    check_no_position("no-exif.jpg", ExifStatus::Absent, None, "没有拍摄位置");
    // 0/0 is what a phone without a fix writes: no position, not a broken one.
    check_no_position("gps-zero.jpg", ExifStatus::Read, taken, "没有拍摄位置");
    // A photo with its position needs no note.
    let exif = read_exif(&file("gps-srational.jpg"));
    assert_eq!(exif.status, ExifStatus::Read);
    assert_eq!(exif.position_note(), None);
}

/// A file that must not become a photo: refused with `code`, a zh-CN message that contains
/// each of `says`, and nothing saved.
fn check_refused(name: &str, code: &str, says: &[&str]) {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    let err = r
        .import_photo(&file(name), h, VILLAGE, PhotoKind::HouseFront)
        .expect_err(name);
    let message = err.to_string();
    assert_eq!(err.code(), code, "{name}: {message}");
    for s in says {
        assert!(message.contains(s), "{name}: {message:?} should say {s:?}");
    }
    // The decoder's own English words never reach the worker.
    for english in [
        "format", "Format", "decod", "Decod", "error", "Error", "buffer",
    ] {
        assert!(
            !message.contains(english),
            "{name}: {message:?} carries decoder text"
        );
    }
    assert_eq!(photo_records(r, h), 0, "{name}: no Photo record");
    let files = std::fs::read_dir(r.photo_dir()).expect("dir").count();
    assert_eq!(files, 0, "{name}: no file in the photo folder");
}

#[test]
fn damaged_and_truncated_files_are_refused_not_imported_with_grey_rows() {
    for name in ["truncated.jpg", "damaged.jpg", "truncated.png"] {
        check_refused(name, "photo_damaged", &["损坏", "重新"]);
    }
}

#[test]
fn heic_and_webp_are_refused_telling_the_worker_to_take_a_jpeg() {
    check_refused("photo.heic", "photo_format", &["HEIC", "JPEG", "拍照"]);
    check_refused("photo.webp", "photo_format", &["WebP", "JPEG", "拍照"]);
}

#[test]
fn what_is_not_a_picture_is_refused_as_not_a_photo() {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    // A video picked by mistake (an ISO media file whose brands are a video's), and text.
    let mut video = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    video.extend_from_slice(&[0; 64]);
    for (what, bytes) in [
        ("video", video.as_slice()),
        ("text", b"not a photo".as_slice()),
    ] {
        let err = r
            .import_photo(bytes, h, VILLAGE, PhotoKind::Other)
            .expect_err(what);
        assert_eq!(err.code(), "photo_format", "{what}");
        assert!(err.to_string().contains("不是照片"), "{what}: {err}");
    }
    assert_eq!(photo_records(r, h), 0);
}

#[test]
fn the_same_file_twice_on_one_record_is_refused_and_shows_once() {
    let d = device();
    let r = &d.replica;
    let h = household(r, "1");
    let bytes = file("orientation-6.jpg");
    r.import_photo(&bytes, h, VILLAGE, PhotoKind::HouseFront)
        .expect("first");
    let err = r
        .import_photo(&bytes, h, VILLAGE, PhotoKind::Kitchen)
        .expect_err("the same file again");
    assert_eq!(err.code(), "photo_duplicate", "{err}");
    assert!(err.to_string().contains("已"), "{err}");
    assert_eq!(photo_records(r, h), 1, "the household shows the photo once");
    let bundle = r.household_bundle(h).expect("bundle");
    assert_eq!(
        bundle
            .attached
            .iter()
            .filter(|a| a.kind == RecordKind::Photo)
            .count(),
        1
    );

    // The same file on another household is that household's photo.
    let other = household(r, "2");
    r.import_photo(&bytes, other, VILLAGE, PhotoKind::HouseFront)
        .expect("another household");
    assert_eq!(photo_records(r, other), 1);
}

#[test]
fn a_photo_shared_by_two_households_is_waiting_for_both_until_uploaded() {
    let d = device();
    let r = &d.replica;
    let a = household(r, "1");
    let b = household(r, "2");
    let bytes = file("orientation-1.jpg");
    r.import_photo(&bytes, a, VILLAGE, PhotoKind::HouseFront)
        .expect("a");
    r.import_photo(&bytes, b, VILLAGE, PhotoKind::HouseFront)
        .expect("b");
    assert!(!r.photos_complete(a).expect("a"), "nothing uploaded yet");
    assert!(
        !r.photos_complete(b).expect("b"),
        "b's own reference is not uploaded either"
    );

    // A photo of a member belongs to the member's household too.
    let c = household(r, "3");
    let m = Replica::new_id();
    r.save_record(
        RecordKind::Member,
        m,
        VILLAGE,
        &json!({"household_id": c.to_string(), "name": "王五", "relationship": "01"}),
    )
    .expect("member");
    assert!(r.photos_complete(c).expect("c"), "no photos: nothing waits");
    r.import_photo(&file("orientation-3.jpg"), m, VILLAGE, PhotoKind::Document)
        .expect("member photo");
    assert!(
        !r.photos_complete(c).expect("c"),
        "the member's photo waits"
    );
}
