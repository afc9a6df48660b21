//! C5: GPS fixes and photo references of households and villages.

use geo_types::Point;
use jiandang_domain::geo::{GpsFix, GpsSource};
use jiandang_domain::photo::{PhotoKind, PhotoRef};
use jiandang_domain::rules::gps::{check_gps_fix, check_photo};
use jiandang_domain::{Finding, Severity, Timestamp};
use uuid::Uuid;

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// Expected findings: code and severity.
type Expected = &'static [(&'static str, Severity)];

fn check(findings: Vec<Finding>, expected: &[(&str, Severity)]) {
    let mut got: Vec<(String, Severity)> = findings
        .iter()
        .map(|f| (f.code.clone(), f.severity))
        .collect();
    got.sort();
    let mut want: Vec<(String, Severity)> = expected
        .iter()
        .map(|(c, s)| ((*c).to_owned(), *s))
        .collect();
    want.sort();
    assert_eq!(got, want, "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.requirement.as_deref() == Some("C5"))
    );
}

fn t(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("instant")
}

/// 李庄村's centre on the Shangqiu plain.
fn centre() -> Point<f64> {
    Point::new(115.650, 34.410)
}

fn fix(x: f64, y: f64, accuracy_m: f64, taken_at: &str) -> GpsFix {
    GpsFix {
        id: Uuid::from_u128(1),
        subject_id: Uuid::from_u128(2),
        point: Point::new(x, y),
        accuracy_m,
        taken_at: t(taken_at),
        source: GpsSource::Gps,
        samples: 5,
    }
}

#[test]
fn c5_gps_fixes() {
    let now = t("2018-10-20T10:00:00+08:00");
    let cases: Vec<(GpsFix, Option<Point<f64>>, Expected)> = vec![
        (
            fix(115.652, 34.411, 8.0, "2018-10-20T09:00:00+08:00"),
            Some(centre()),
            &[],
        ),
        (
            fix(115.652, 34.411, 35.0, "2018-10-20T09:00:00+08:00"),
            Some(centre()),
            &[("gps.low_accuracy", W)],
        ),
        // About 11 km north of the centre.
        (
            fix(115.650, 34.510, 5.0, "2018-10-20T09:00:00+08:00"),
            Some(centre()),
            &[("gps.far_from_village", W)],
        ),
        (
            fix(115.650, 34.510, 5.0, "2018-10-20T09:00:00+08:00"),
            None,
            &[],
        ),
        (
            fix(115.652, 34.411, 5.0, "2018-10-20T10:00:01+08:00"),
            Some(centre()),
            &[("gps.in_future", E)],
        ),
        // Latitude and longitude swapped.
        (
            fix(34.411, 115.652, 5.0, "2018-10-20T09:00:00+08:00"),
            Some(centre()),
            &[("gps.out_of_range", E)],
        ),
        (
            fix(115.652, 34.411, f64::NAN, "2018-10-20T09:00:00+08:00"),
            Some(centre()),
            &[("gps.accuracy_invalid", E)],
        ),
        (
            GpsFix {
                samples: 0,
                ..fix(115.652, 34.411, 5.0, "2018-10-20T09:00:00+08:00")
            },
            None,
            &[("gps.no_samples", E)],
        ),
    ];
    for (f, c, expected) in cases {
        check(check_gps_fix(&f, c, now), expected);
    }
}

#[test]
fn c5_far_message_gives_the_distance() {
    let now = t("2018-10-20T10:00:00+08:00");
    let f = check_gps_fix(
        &fix(115.650, 34.510, 5.0, "2018-10-20T09:00:00+08:00"),
        Some(centre()),
        now,
    );
    assert!(f[0].message.contains("11.1公里"), "{}", f[0].message);
}

fn photo() -> PhotoRef {
    PhotoRef {
        id: Uuid::from_u128(3),
        subject_id: Uuid::from_u128(2),
        kind: PhotoKind::HouseFront,
        sha256: "a".repeat(64),
        thumb_sha256: "b".repeat(64),
        bytes: 180_000,
        width: 1600,
        height: 1200,
        taken_at: t("2018-10-20T09:00:00+08:00"),
        position: Some(Point::new(115.651, 34.412)),
    }
}

#[test]
fn c5_photos() {
    let now = t("2018-10-20T10:00:00+08:00");
    let cases: Vec<(PhotoRef, Expected)> = vec![
        (photo(), &[]),
        (
            PhotoRef {
                position: None,
                ..photo()
            },
            &[],
        ),
        (
            PhotoRef {
                sha256: "A".repeat(64),
                ..photo()
            },
            &[("photo.hash_shape", E)],
        ),
        (
            PhotoRef {
                bytes: 0,
                ..photo()
            },
            &[("photo.empty", E)],
        ),
        (
            PhotoRef {
                taken_at: t("2018-10-21T09:00:00+08:00"),
                ..photo()
            },
            &[("photo.in_future", E)],
        ),
        (
            PhotoRef {
                position: Some(Point::new(116.5, 34.41)),
                ..photo()
            },
            &[("photo.far_from_village", W)],
        ),
        (
            PhotoRef {
                position: Some(Point::new(0.0, 0.0)),
                ..photo()
            },
            &[("photo.position_out_of_range", W)],
        ),
    ];
    for (p, expected) in cases {
        check(check_photo(&p, Some(centre()), now), expected);
    }
}
