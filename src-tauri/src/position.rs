//! Where a position comes from: a [`PositionProvider`]. Phones use the Tauri geolocation
//! plugin; the desktop build uses [`TypedPosition`], which hands back a position the user
//! typed (or a test set). Averaging is the same for both; the accuracy and distance warnings
//! are the domain's (`rules::gps::check_gps_fix`).

#[cfg(desktop)]
use std::sync::Mutex;

use jiandang_domain::geo::GpsSource;

/// One raw reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: f64,
    pub source: GpsSource,
}

pub trait PositionProvider: Send + Sync {
    /// One reading now, or a zh-CN reason why none can be had.
    fn read(&self) -> Result<Reading, String>;
    /// Whether the user types the position (no receiver on this device).
    fn is_manual(&self) -> bool;
    /// Sets the position a manual provider hands back; receivers ignore it.
    fn set(&self, _reading: Reading) {}
}

/// The desktop provider: the last typed (or test) position. Not built for phones, which
/// read the receiver (the Android check in CI denies the dead code it would be there).
#[cfg(desktop)]
#[derive(Default)]
pub struct TypedPosition {
    current: Mutex<Option<Reading>>,
}

#[cfg(desktop)]
impl PositionProvider for TypedPosition {
    fn read(&self) -> Result<Reading, String> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .ok_or_else(|| "请先输入经度和纬度".to_owned())
    }

    fn is_manual(&self) -> bool {
        true
    }

    fn set(&self, reading: Reading) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(reading);
    }
}

/// Averages readings, weighting each by the inverse of its variance; the accuracy of the
/// mean is the best reading's divided by the square root of the count, never better than 1 m.
pub fn average(readings: &[Reading]) -> Option<Reading> {
    let first = readings.first()?;
    let weight = |r: &Reading| 1.0 / r.accuracy_m.max(1.0).powi(2);
    let total: f64 = readings.iter().map(weight).sum();
    let lon = readings.iter().map(|r| r.lon * weight(r)).sum::<f64>() / total;
    let lat = readings.iter().map(|r| r.lat * weight(r)).sum::<f64>() / total;
    let best = readings
        .iter()
        .map(|r| r.accuracy_m)
        .fold(f64::INFINITY, f64::min);
    let accuracy_m = (best / (readings.len() as f64).sqrt()).max(1.0);
    Some(Reading {
        lon,
        lat,
        accuracy_m,
        source: first.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(lon: f64, lat: f64, acc: f64) -> Reading {
        Reading {
            lon,
            lat,
            accuracy_m: acc,
            source: GpsSource::Manual,
        }
    }

    #[test]
    fn averaging_weights_the_better_readings() {
        let avg = average(&[r(115.0, 34.0, 5.0), r(115.001, 34.001, 50.0)]).unwrap();
        assert!((avg.lon - 115.0).abs() < 0.0001, "{avg:?}");
        assert!(avg.accuracy_m < 5.0);
        assert!(average(&[]).is_none());
    }

    #[test]
    fn the_typed_provider_hands_back_what_was_set() {
        let p = TypedPosition::default();
        assert!(p.read().is_err());
        p.set(r(1.0, 2.0, 3.0));
        assert_eq!(p.read().unwrap(), r(1.0, 2.0, 3.0));
        assert!(p.is_manual());
    }
}

/// The phone provider: the Tauri geolocation plugin (fine location permission).
#[cfg(mobile)]
pub mod mobile {
    use super::{PositionProvider, Reading};
    use jiandang_domain::geo::GpsSource;
    use tauri::AppHandle;
    use tauri_plugin_geolocation::{GeolocationExt, PositionOptions};

    pub struct PluginPosition {
        app: AppHandle,
    }

    impl PluginPosition {
        pub fn new(app: AppHandle) -> PluginPosition {
            PluginPosition { app }
        }
    }

    impl PositionProvider for PluginPosition {
        fn read(&self) -> Result<Reading, String> {
            let p = self
                .app
                .geolocation()
                .get_current_position(Some(PositionOptions {
                    enable_high_accuracy: true,
                    timeout: 30_000,
                    maximum_age: 0,
                }))
                .map_err(|e| format!("无法定位，请检查定位权限和卫星信号：{e}"))?;
            Ok(Reading {
                lon: p.coords.longitude,
                lat: p.coords.latitude,
                accuracy_m: p.coords.accuracy,
                source: GpsSource::Gps,
            })
        }

        fn is_manual(&self) -> bool {
            false
        }
    }
}
