//! GPS positions (C5): WGS-84 as the receiver gives them, with accuracy, time and source.
//! Chinese base maps use GCJ-02; convert only for display, never store it.

use geo_types::Point;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code_list;
use crate::time::Timestamp;

code_list! {
    /// Where a position came from.
    pub enum GpsSource: "gps_source", "2018", "定位来源" {
        Gps = ("gps", "卫星定位", "satellite receiver"),
        Network = ("network", "网络定位", "network location"),
        Manual = ("manual", "手工输入", "typed in by hand"),
    }
}

/// One GPS fix (定位点) of a household, a village or the county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpsFix {
    pub id: Uuid,
    /// The record this position belongs to (household, village, …).
    pub subject_id: Uuid,
    /// WGS-84: x = longitude, y = latitude, degrees.
    pub point: Point<f64>,
    /// Horizontal accuracy (68 %), metres.
    pub accuracy_m: f64,
    pub taken_at: Timestamp,
    pub source: GpsSource,
    /// How many raw fixes were averaged into this one (1 for a single reading).
    #[serde(default = "one")]
    pub samples: u32,
}

fn one() -> u32 {
    1
}

/// Whether a position lies in China's bounding box (WGS-84), the coarse check a typo (swapped
/// or truncated coordinates) fails.
pub fn in_china(point: Point<f64>) -> bool {
    (73.0..=136.0).contains(&point.x()) && (3.0..=54.0).contains(&point.y())
}

/// Great-circle distance between two WGS-84 points, in metres (haversine, mean radius).
pub fn distance_m(a: Point<f64>, b: Point<f64>) -> f64 {
    const R: f64 = 6_371_008.8;
    let (lat1, lat2) = (a.y().to_radians(), b.y().to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.x() - a.x()).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}
