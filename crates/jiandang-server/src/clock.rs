//! Where the server's "now" comes from: the system clock in production, a settable one in
//! tests, so a test can stand on 2018-11-30 23:59 Beijing time and then step past it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use jiandang_domain::{Date, Timestamp};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// UTC milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Today's Beijing calendar date, the date the entry window is judged by.
    fn today_beijing(&self) -> Date {
        Timestamp::from_millis(self.now_ms()).beijing_date()
    }
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that stands still until told otherwise.
#[derive(Debug, Default)]
pub struct SettableClock(AtomicI64);

impl SettableClock {
    pub fn new(now_ms: i64) -> SettableClock {
        SettableClock(AtomicI64::new(now_ms))
    }

    /// A clock at Beijing midnight starting `date`, plus `ms`.
    pub fn at_beijing(date: Date, ms: i64) -> SettableClock {
        SettableClock::new(Timestamp::beijing_midnight(date).millis() + ms)
    }

    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for SettableClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
