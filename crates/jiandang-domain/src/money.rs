//! Money as integer fen (分): amounts on the forms are yuan with at most two decimals, and
//! no floating point ever touches them.

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in fen (1 元 = 100 分). Serialised as a yuan string with two
/// decimals (`"3400.00"`); read from a yuan string (`"3400"`, `"3400.5"`, `"-12.30"`) or a
/// whole JSON number of yuan (`3400`). A JSON number with decimals is refused, because it
/// has already passed through floating point.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why an amount did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额应为元，最多两位小数，例如 3400 或 3400.50")]
    Shape,
    #[error("金额超出范围")]
    Range,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Money {
        Money(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses yuan with at most two decimals.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(MoneyError::Shape);
        }
        if body.ends_with('.') {
            return Err(MoneyError::Shape);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::Range)?;
        let frac: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| MoneyError::Shape)?;
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or(MoneyError::Range)?;
        Ok(Money(if neg { -fen } else { fen }))
    }

    /// `self / n`, rounded half away from zero to the fen; `None` when `n` is 0.
    pub fn div_round(self, n: i64) -> Option<Money> {
        if n == 0 {
            return None;
        }
        let (q, r) = (self.0 / n, self.0 % n);
        let round_away = 2 * r.abs() >= n.abs();
        let sign = if (self.0 < 0) != (n < 0) { -1 } else { 1 };
        Some(Money(if round_away { q + sign } else { q }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{self}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in yuan: a string such as \"3400.50\" or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(|e| E::custom(format!("{e}: {v:?}")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                v.checked_mul(100)
                    .map(Money)
                    .ok_or_else(|| E::custom(MoneyError::Range))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Money)
                    .ok_or_else(|| E::custom(MoneyError::Range))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                Err(E::custom(format!(
                    "金额有小数时请写成字符串，例如 \"{v}\"（避免浮点误差）"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<i64, MoneyError>) {
        assert_eq!(Money::parse(input).map(Money::fen), expected, "{input}");
    }

    #[test]
    fn parses_yuan_exactly() {
        check("3400", Ok(340_000));
        check("3400.5", Ok(340_050));
        check("3400.05", Ok(340_005));
        check("-12.30", Ok(-1230));
        check("0.01", Ok(1));
        check("3400.", Err(MoneyError::Shape));
        check("3,400", Err(MoneyError::Shape));
        check("1.234", Err(MoneyError::Shape));
        check("", Err(MoneyError::Shape));
        check("99999999999999999999", Err(MoneyError::Range));
    }

    #[test]
    fn json_forms() {
        let m: Money = serde_json::from_str("\"3400.50\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"3400.50\"");
        let m: Money = serde_json::from_str("3400").unwrap();
        assert_eq!(m, Money::from_yuan(3400));
        assert!(serde_json::from_str::<Money>("3400.5").is_err());
    }

    #[test]
    fn division_rounds_half_away_from_zero() {
        assert_eq!(Money::from_fen(10).div_round(3), Some(Money::from_fen(3)));
        assert_eq!(Money::from_fen(5).div_round(2), Some(Money::from_fen(3)));
        assert_eq!(Money::from_fen(-5).div_round(2), Some(Money::from_fen(-3)));
        assert_eq!(Money::from_fen(5).div_round(0), None);
    }
}
