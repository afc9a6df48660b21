//! The per-field merge rule, pure: given the field's current state on the server and an
//! incoming change, accept it or keep the current value, and say whether a conflict is to
//! be recorded for the county.
//!
//! - The field was never set, or the device saw its current value (`base_seq >= seq`):
//!   accept, no conflict (a fast-forward).
//! - The current value came from the same device with an earlier stamp: the device simply
//!   edited its own edit again; accept, no conflict.
//! - Otherwise the edits are concurrent: the later HLC wins; the loser's value is kept as a
//!   conflict unless both values are equal.

use jiandang_protocol::Hlc;
use serde_json::Value;
use uuid::Uuid;

/// The state of a field on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    pub value: Value,
    pub seq: u64,
    pub hlc: Hlc,
    pub device_id: Uuid,
}

/// The incoming edit, as far as merge is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub new: &'a Value,
    pub base_seq: u64,
    pub hlc: &'a Hlc,
    pub device_id: Uuid,
}

/// What to do with the incoming edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Apply it; `conflict`: the current value loses and is kept as a conflict.
    Accept { conflict: bool },
    /// Keep the current value; `conflict`: the incoming value is kept as a conflict.
    Supersede { conflict: bool },
}

pub fn decide(current: Option<&Current>, incoming: Incoming<'_>) -> Decision {
    let Some(current) = current else {
        return Decision::Accept { conflict: false };
    };
    let same_device = current.device_id == incoming.device_id;
    if incoming.base_seq >= current.seq || (same_device && *incoming.hlc > current.hlc) {
        return Decision::Accept { conflict: false };
    }
    let differs = current.value != *incoming.new && !same_device;
    if *incoming.hlc > current.hlc {
        Decision::Accept { conflict: differs }
    } else {
        Decision::Supersede { conflict: differs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: Uuid = Uuid::from_u128(0xa);
    const B: Uuid = Uuid::from_u128(0xb);

    fn hlc(wall_ms: i64, node: Uuid) -> Hlc {
        Hlc {
            wall_ms,
            counter: 0,
            node: node.to_string(),
        }
    }

    /// (current: value, seq, wall, device) ; (incoming: value, base_seq, wall, device) → decision
    type Case = (
        &'static str,
        Option<(Value, u64, i64, Uuid)>,
        (Value, u64, i64, Uuid),
        Decision,
    );

    fn check(case: &Case) {
        let (name, current, incoming, expected) = case;
        let current = current.as_ref().map(|(value, seq, wall, device)| Current {
            value: value.clone(),
            seq: *seq,
            hlc: hlc(*wall, *device),
            device_id: *device,
        });
        let (new, base_seq, wall, device) = incoming;
        let h = hlc(*wall, *device);
        let got = decide(
            current.as_ref(),
            Incoming {
                new,
                base_seq: *base_seq,
                hlc: &h,
                device_id: *device,
            },
        );
        assert_eq!(got, *expected, "{name}");
    }

    #[test]
    fn cases() {
        use Decision::*;
        let cases: Vec<Case> = vec![
            (
                "new field",
                None,
                (json!(1), 0, 5, A),
                Accept { conflict: false },
            ),
            (
                "fast-forward",
                Some((json!(1), 3, 9, B)),
                (json!(2), 3, 5, A),
                Accept { conflict: false },
            ),
            (
                "concurrent, later stamp wins",
                Some((json!(1), 3, 5, B)),
                (json!(2), 1, 9, A),
                Accept { conflict: true },
            ),
            (
                "concurrent, earlier stamp loses",
                Some((json!(1), 3, 9, B)),
                (json!(2), 1, 5, A),
                Supersede { conflict: true },
            ),
            (
                "concurrent, same value: no conflict",
                Some((json!(2), 3, 9, B)),
                (json!(2), 1, 5, A),
                Supersede { conflict: false },
            ),
            (
                "own later edit",
                Some((json!(1), 3, 5, A)),
                (json!(2), 1, 9, A),
                Accept { conflict: false },
            ),
            (
                "own earlier edit arriving late",
                Some((json!(1), 3, 9, A)),
                (json!(2), 1, 5, A),
                Supersede { conflict: false },
            ),
        ];
        for case in &cases {
            check(case);
        }
    }
}
