//! Calendar dates and UTC instants, without a clock: the domain is handed every time it
//! uses. Policy dates (income period, entry deadline) are Beijing calendar dates
//! (UTC+08:00); instants are UTC milliseconds.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Beijing time's offset from UTC, in milliseconds.
pub const BEIJING_OFFSET_MS: i64 = 8 * 3600 * 1000;

const MS_PER_DAY: i64 = 86_400_000;

/// Why a date or instant did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("日期格式应为 YYYY-MM-DD")]
    DateShape,
    #[error("日期不存在")]
    NoSuchDate,
    #[error("时间格式应为 RFC 3339，例如 2018-10-12T08:30:00Z 或 2018-10-12T16:30:00+08:00")]
    InstantShape,
}

/// A calendar date (proleptic Gregorian), serialised as `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, if it exists.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Date, TimeError> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(TimeError::NoSuchDate);
        }
        Ok(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, TimeError> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(TimeError::DateShape);
        }
        Date::from_digits(&s[0..4], &s[5..7], &s[8..10])
    }

    /// Parses `YYYYMMDD`, the form ID numbers and national exports use.
    pub fn parse_compact(s: &str) -> Result<Date, TimeError> {
        if s.len() != 8 || !s.is_ascii() {
            return Err(TimeError::DateShape);
        }
        Date::from_digits(&s[0..4], &s[4..6], &s[6..8])
    }

    fn from_digits(y: &str, m: &str, d: &str) -> Result<Date, TimeError> {
        let all_digits = [y, m, d]
            .iter()
            .all(|p| p.bytes().all(|c| c.is_ascii_digit()));
        if !all_digits {
            return Err(TimeError::DateShape);
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| TimeError::DateShape);
        Date::new(num(y)? as i32, num(m)?, num(d)?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// This date moved by `days` (negative moves back).
    pub fn add_days(self, days: i64) -> Date {
        Date::from_days_since_epoch(self.days_since_epoch() + days)
    }

    /// Whole years of age on `on` for someone born on `self` (0 before the first birthday).
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&s).map_err(|e| serde::de::Error::custom(format!("{e}: {s:?}")))
    }
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A UTC instant in milliseconds since the Unix epoch, serialised as RFC 3339 in UTC
/// (`2018-10-12T08:30:00.000Z`); parsing accepts any offset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// The Beijing calendar date of this instant.
    pub fn beijing_date(self) -> Date {
        Date::from_days_since_epoch((self.0 + BEIJING_OFFSET_MS).div_euclid(MS_PER_DAY))
    }

    /// The instant a Beijing calendar date begins (00:00 UTC+08:00).
    pub fn beijing_midnight(date: Date) -> Timestamp {
        Timestamp(date.days_since_epoch() * MS_PER_DAY - BEIJING_OFFSET_MS)
    }

    /// Parses RFC 3339 (`2018-10-12T08:30:00Z`, fractional seconds and `±HH:MM` allowed).
    pub fn parse(s: &str) -> Result<Timestamp, TimeError> {
        let bad = || TimeError::InstantShape;
        if s.len() < 20 || !s.is_ascii() {
            return Err(bad());
        }
        let b = s.as_bytes();
        if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let date = Date::parse(&s[..10]).map_err(|_| bad())?;
        let two = |p: &str| -> Result<i64, TimeError> {
            if p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()) {
                p.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (h, mi, sec) = (two(&s[11..13])?, two(&s[14..16])?, two(&s[17..19])?);
        if h > 23 || mi > 59 || sec > 60 {
            return Err(bad());
        }
        let mut rest = &s[19..];
        let mut millis = 0i64;
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return Err(bad());
            }
            let digits = &frac[..n];
            let padded: String = digits.chars().chain("000".chars()).take(3).collect();
            millis = padded.parse().map_err(|_| bad())?;
            rest = &frac[n..];
        }
        let offset_min = match rest {
            "Z" | "z" => 0,
            o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
                let m = two(&o[1..3])? * 60 + two(&o[4..6])?;
                if o.starts_with('-') { -m } else { m }
            }
            _ => return Err(bad()),
        };
        let secs = date.days_since_epoch() * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
        Ok(Timestamp(secs * 1000 + millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = self.0.div_euclid(MS_PER_DAY);
        let ms = self.0.rem_euclid(MS_PER_DAY);
        let d = Date::from_days_since_epoch(day);
        let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
        write!(f, "{d}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&s).map_err(|e| serde::de::Error::custom(format!("{e}: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(input: &str, expected: Result<(i32, u32, u32), TimeError>) {
        let got = Date::parse(input).map(|d| (d.year(), d.month(), d.day()));
        assert_eq!(got, expected, "{input}");
    }

    #[test]
    fn dates_parse_and_reject() {
        check_date("2018-09-30", Ok((2018, 9, 30)));
        check_date("2016-02-29", Ok((2016, 2, 29)));
        check_date("2018-02-29", Err(TimeError::NoSuchDate));
        check_date("2000-02-29", Ok((2000, 2, 29)));
        check_date("1900-02-29", Err(TimeError::NoSuchDate));
        check_date("2018-13-01", Err(TimeError::NoSuchDate));
        check_date("2018-1-01", Err(TimeError::DateShape));
        check_date("2018/01/01", Err(TimeError::DateShape));
        check_date("２０18-01-01", Err(TimeError::DateShape));
    }

    #[test]
    fn epoch_days_round_trip() {
        for days in (-700_000..2_000_000).step_by(997) {
            let d = Date::from_days_since_epoch(days);
            assert_eq!(d.days_since_epoch(), days, "{d}");
            assert_eq!(Date::parse(&d.to_string()).map(|p| p == d), Ok(true));
        }
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
    }

    #[test]
    fn ages_count_whole_years() {
        let born = Date::parse("2003-12-31").unwrap();
        assert_eq!(born.age_on(Date::parse("2018-12-30").unwrap()), 14);
        assert_eq!(born.age_on(Date::parse("2018-12-31").unwrap()), 15);
    }

    #[test]
    fn instants_are_utc_and_beijing_dates_are_plus_eight() {
        // The entry window closes 11-30 24:00 Beijing time = 11-30 16:00 UTC.
        let t = Timestamp::parse("2018-11-30T23:59:59+08:00").unwrap();
        assert_eq!(t.to_string(), "2018-11-30T15:59:59.000Z");
        assert_eq!(t.beijing_date().to_string(), "2018-11-30");
        let later = Timestamp::parse("2018-11-30T16:00:00Z").unwrap();
        assert_eq!(later.beijing_date().to_string(), "2018-12-01");
        let dec1 = Timestamp::beijing_midnight(Date::parse("2018-12-01").unwrap());
        assert_eq!(dec1, later);
        assert_eq!(
            Timestamp::parse("2018-10-12T08:30:00.5Z").unwrap().millis() % 1000,
            500
        );
        assert!(Timestamp::parse("2018-10-12 08:30").is_err());
    }
}
