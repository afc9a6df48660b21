//! The hybrid logical clock that orders edits across devices whose wall clocks disagree.
//!
//! A stamp is `(wall_ms, counter, node)`; its string form
//! `"{wall_ms:015}-{counter:05}-{node}"` sorts like the stamp itself, so SQL `ORDER BY` on
//! the text column orders by clock. Invariant: `0 <= wall_ms < 10^15` and
//! `counter < 100_000`; when the counter would overflow, the wall part moves on by one
//! millisecond instead, which keeps every new stamp above the old one.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The largest wall-clock value that keeps the 15-digit string form.
pub const MAX_WALL_MS: i64 = 999_999_999_999_999;
/// The largest counter that keeps the 5-digit string form.
pub const MAX_COUNTER: u32 = 99_999;

/// How far ahead of the server's clock a change's stamp may be (5 minutes). A stamp beyond
/// it would win every concurrent edit for as long as it is ahead, so the server refuses it
/// (`clock_skew`) and the device stamps it again by the server's time. A device whose clock
/// differs from the server's by more than this (either way) tells its user that its clock is
/// wrong. Phones that take the network's time are within seconds; five minutes leaves room
/// for one set by hand.
pub const CLOCK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// A hybrid logical clock stamp (混合逻辑时钟). `node` is the device id (or `server`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub node: String,
}

/// Why a stamp's string form did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HlcParseError {
    #[error("时钟戳格式应为 15位毫秒-5位计数-节点")]
    Shape,
}

impl Hlc {
    /// The zero stamp of a node, below every stamp it will make.
    pub fn zero(node: impl Into<String>) -> Hlc {
        Hlc {
            wall_ms: 0,
            counter: 0,
            node: node.into(),
        }
    }

    /// The stamp for a local event at wall-clock time `now_ms`.
    pub fn tick(&self, now_ms: i64) -> Hlc {
        let now = now_ms.clamp(0, MAX_WALL_MS);
        if now > self.wall_ms {
            self.with(now, 0)
        } else {
            self.bump(self.wall_ms, self.counter)
        }
    }

    /// The stamp after receiving `remote` at wall-clock time `now_ms`: above both this
    /// clock and the remote stamp. The node stays this clock's node.
    pub fn observe(&self, remote: &Hlc, now_ms: i64) -> Hlc {
        let now = now_ms.clamp(0, MAX_WALL_MS);
        let wall = now.max(self.wall_ms).max(remote.wall_ms);
        if wall == self.wall_ms && wall == remote.wall_ms {
            self.bump(wall, self.counter.max(remote.counter))
        } else if wall == self.wall_ms {
            self.bump(wall, self.counter)
        } else if wall == remote.wall_ms {
            self.bump(wall, remote.counter)
        } else {
            self.with(wall, 0)
        }
    }

    /// Parses the string form.
    pub fn parse(s: &str) -> Result<Hlc, HlcParseError> {
        let b = s.as_bytes();
        if b.len() < 22 || b[15] != b'-' || b[21] != b'-' {
            return Err(HlcParseError::Shape);
        }
        let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
        if !digits(&b[..15]) || !digits(&b[16..21]) {
            return Err(HlcParseError::Shape);
        }
        let wall_ms = s[..15].parse().map_err(|_| HlcParseError::Shape)?;
        let counter = s[16..21].parse().map_err(|_| HlcParseError::Shape)?;
        Ok(Hlc {
            wall_ms,
            counter,
            node: s[22..].to_owned(),
        })
    }

    fn with(&self, wall_ms: i64, counter: u32) -> Hlc {
        Hlc {
            wall_ms,
            counter,
            node: self.node.clone(),
        }
    }

    /// One step above `(wall, counter)`.
    fn bump(&self, wall: i64, counter: u32) -> Hlc {
        if counter >= MAX_COUNTER {
            self.with((wall + 1).min(MAX_WALL_MS), 0)
        } else {
            self.with(wall, counter + 1)
        }
    }
}

impl Ord for Hlc {
    fn cmp(&self, other: &Hlc) -> Ordering {
        (self.wall_ms, self.counter, &self.node).cmp(&(other.wall_ms, other.counter, &other.node))
    }
}

impl PartialOrd for Hlc {
    fn partial_cmp(&self, other: &Hlc) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:05}-{}", self.wall_ms, self.counter, self.node)
    }
}

impl FromStr for Hlc {
    type Err = HlcParseError;
    fn from_str(s: &str) -> Result<Hlc, HlcParseError> {
        Hlc::parse(s)
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hlc, D::Error> {
        let s = String::deserialize(d)?;
        Hlc::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(wall_ms: i64, counter: u32, node: &str) -> Hlc {
        Hlc {
            wall_ms,
            counter,
            node: node.to_owned(),
        }
    }

    #[test]
    fn string_form() {
        let s = h(1_541_203_200_000, 3, "dev-a").to_string();
        assert_eq!(s, "001541203200000-00003-dev-a");
        assert_eq!(Hlc::parse(&s), Ok(h(1_541_203_200_000, 3, "dev-a")));
        for bad in [
            "",
            "1-2-3",
            "00154120320000x-00003-a",
            "001541203200000_00003-a",
        ] {
            assert_eq!(Hlc::parse(bad), Err(HlcParseError::Shape), "{bad}");
        }
    }

    #[test]
    fn tick_and_observe() {
        let a = h(100, 0, "a");
        // Wall clock moved on: counter resets.
        assert_eq!(a.tick(200), h(200, 0, "a"));
        // Wall clock behind (a phone set days back): the counter carries the order.
        assert_eq!(a.tick(50), h(100, 1, "a"));
        // Remote ahead of both: take its wall, bump its counter.
        assert_eq!(a.observe(&h(300, 7, "b"), 150), h(300, 8, "a"));
        // Same wall on both sides: max counter + 1.
        assert_eq!(a.observe(&h(100, 4, "b"), 10), h(100, 5, "a"));
        // Now ahead of both.
        assert_eq!(a.observe(&h(300, 7, "b"), 400), h(400, 0, "a"));
        // Counter overflow moves the wall part on.
        assert_eq!(h(100, MAX_COUNTER, "a").tick(0), h(101, 0, "a"));
    }
}
