//! The replica's sync decisions as pure functions: what to do with a value the server holds,
//! and whether a pulled change overtook a value of ours. The store executes them inside its
//! transactions; the tables below test them without IO.

use serde_json::Value;

/// What to do with a field value the server holds (pulled, in a snapshot, or named `current`
/// in a superseded answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// Take it, with its seq.
    Apply,
    /// A local edit of the field waits for the server: keep the local value and its old base,
    /// so the server sees the edit as concurrent, picks the later stamp and keeps the other
    /// value as a conflict.
    KeepLocal,
    /// This device already holds that value or a newer one.
    Stale,
}

/// Decides about a server value at `remote_seq` for a field held here at `local_seq`.
pub fn incoming(local_seq: u64, local_edit_waiting: bool, remote_seq: u64) -> Incoming {
    if remote_seq <= local_seq {
        Incoming::Stale
    } else if local_edit_waiting {
        Incoming::KeepLocal
    } else {
        Incoming::Apply
    }
}

/// Whether a pulled change from another device overtook our accepted value (set at
/// `our_seq`): it came later, was not based on ours, and set another value. The county then
/// holds ours as a conflict.
pub fn overtook(
    our_seq: u64,
    our_value: &Value,
    pulled_base: u64,
    pulled_seq: u64,
    pulled_value: &Value,
) -> bool {
    pulled_seq > our_seq && pulled_base < our_seq && pulled_value != our_value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn incoming_values() {
        use Incoming::*;
        // (name, local seq, local edit waiting, remote seq) → decision
        let cases = [
            ("new field", 0, false, 5, Apply),
            ("newer value", 3, false, 5, Apply),
            (
                "same value again (own change pulled back)",
                5,
                false,
                5,
                Stale,
            ),
            ("older value (replayed page)", 7, false, 5, Stale),
            ("local edit waiting", 3, true, 5, KeepLocal),
            ("local edit waiting but value stale", 7, true, 5, Stale),
        ];
        for (name, local, waiting, remote, expected) in cases {
            check_incoming(name, local, waiting, remote, expected);
        }
    }

    fn check_incoming(name: &str, local: u64, waiting: bool, remote: u64, expected: Incoming) {
        assert_eq!(incoming(local, waiting, remote), expected, "{name}");
    }

    #[test]
    fn overtaken_values() {
        // (name, our seq, our value, pulled base, pulled seq, pulled value) → overtaken
        let cases = [
            (
                "concurrent later edit",
                10,
                json!("a"),
                5,
                12,
                json!("b"),
                true,
            ),
            (
                "edit based on ours",
                10,
                json!("a"),
                10,
                12,
                json!("b"),
                false,
            ),
            (
                "edit based on a later value",
                10,
                json!("a"),
                11,
                12,
                json!("b"),
                false,
            ),
            ("same value", 10, json!("a"), 5, 12, json!("a"), false),
            ("older change", 10, json!("a"), 5, 8, json!("b"), false),
        ];
        for (name, ours, our_value, base, seq, value, expected) in cases {
            assert_eq!(
                overtook(ours, &our_value, base, seq, &value),
                expected,
                "{name}"
            );
        }
    }
}
