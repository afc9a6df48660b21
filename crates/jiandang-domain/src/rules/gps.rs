//! GPS positions and photos (C5): a fix worse than 20 m is imprecise, one far from its
//! village's centre is suspect, one taken after "now" is impossible; a photo's hash and time
//! likewise.

use geo_types::Point;

use crate::finding::Finding;
use crate::geo::{GpsFix, distance_m, in_china};
use crate::photo::{PhotoRef, is_sha256_hex};
use crate::time::Timestamp;

/// Accuracy (metres) beyond which a fix is flagged.
pub const MAX_ACCURACY_M: f64 = 20.0;

/// Distance (metres) from the village centre beyond which a position is flagged. An
/// administrative village on the Shangqiu plain spans a few kilometres.
pub const MAX_DISTANCE_FROM_VILLAGE_M: f64 = 5_000.0;

/// One fix: inside China, accurate to 20 m, near the village centre when it is known, not in
/// the future of `now` (the server's or the device's clock, passed in).
pub fn check_gps_fix(
    fix: &GpsFix,
    village_centre: Option<Point<f64>>,
    now: Timestamp,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let (x, y) = (fix.point.x(), fix.point.y());
    if !x.is_finite() || !y.is_finite() || !in_china(fix.point) {
        out.push(
            Finding::error(
                "gps.out_of_range",
                "point",
                "定位点不在中国境内，请重新定位",
            )
            .requirement("C5"),
        );
        return out;
    }
    if !(fix.accuracy_m.is_finite() && fix.accuracy_m >= 0.0) {
        out.push(
            Finding::error("gps.accuracy_invalid", "accuracy_m", "定位精度无效").requirement("C5"),
        );
    } else if fix.accuracy_m > MAX_ACCURACY_M {
        out.push(
            Finding::warning(
                "gps.low_accuracy",
                "accuracy_m",
                format!(
                    "定位精度为{:.0}米，低于{MAX_ACCURACY_M:.0}米的要求：请到开阔处重新定位",
                    fix.accuracy_m
                ),
            )
            .requirement("C5"),
        );
    }
    if let Some(centre) = village_centre {
        let d = distance_m(centre, fix.point);
        if d > MAX_DISTANCE_FROM_VILLAGE_M {
            out.push(
                Finding::warning(
                    "gps.far_from_village",
                    "point",
                    format!(
                        "定位点距村中心约{:.1}公里，请核实是否在本村定位",
                        d / 1000.0
                    ),
                )
                .requirement("C5"),
            );
        }
    }
    if fix.taken_at > now {
        out.push(
            Finding::error(
                "gps.in_future",
                "taken_at",
                "定位时间晚于当前时间：请检查设备时间后重新定位",
            )
            .requirement("C5"),
        );
    }
    if fix.samples == 0 {
        out.push(
            Finding::error("gps.no_samples", "samples", "定位读数次数至少为1").requirement("C5"),
        );
    }
    out
}

/// One photo reference: hashes well formed, size and dimensions non-zero, not taken in the
/// future, position (when present) inside China and near the village centre.
pub fn check_photo(
    photo: &PhotoRef,
    village_centre: Option<Point<f64>>,
    now: Timestamp,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (path, hash) in [
        ("sha256", &photo.sha256),
        ("thumb_sha256", &photo.thumb_sha256),
    ] {
        if !is_sha256_hex(hash) {
            out.push(
                Finding::error("photo.hash_shape", path, "照片摘要应为64位小写十六进制")
                    .requirement("C5"),
            );
        }
    }
    if photo.bytes == 0 || photo.width == 0 || photo.height == 0 {
        out.push(
            Finding::error("photo.empty", "bytes", "照片为空或尺寸无效，请重新拍摄")
                .requirement("C5"),
        );
    }
    if photo.taken_at > now {
        out.push(
            Finding::error(
                "photo.in_future",
                "taken_at",
                "拍摄时间晚于当前时间：请检查设备时间",
            )
            .requirement("C5"),
        );
    }
    if let Some(position) = photo.position {
        if !in_china(position) {
            out.push(
                Finding::warning(
                    "photo.position_out_of_range",
                    "position",
                    "照片位置不在中国境内，请核实",
                )
                .requirement("C5"),
            );
        } else if let Some(centre) = village_centre {
            let d = distance_m(centre, position);
            if d > MAX_DISTANCE_FROM_VILLAGE_M {
                out.push(
                    Finding::warning(
                        "photo.far_from_village",
                        "position",
                        format!("拍摄位置距村中心约{:.1}公里，请核实", d / 1000.0),
                    )
                    .requirement("C5"),
                );
            }
        }
    }
    out
}
