//! Properties of the clock and of the path form.

use std::collections::BTreeMap;

use jiandang_protocol::{Hlc, flatten, unflatten};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn arb_hlc() -> impl Strategy<Value = Hlc> {
    (0i64..=999_999_999_999_999, 0u32..=99_999, "[a-z0-9-]{0,12}").prop_map(
        |(wall_ms, counter, node)| Hlc {
            wall_ms,
            counter,
            node,
        },
    )
}

fn arb_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-z\u{4e00}-\u{4e10}0-9.]{0,8}".prop_map(Value::String),
        prop::collection::vec("[a-z]{1,5}", 0..3).prop_map(|v| json!(v)),
    ]
}

fn arb_form() -> impl Strategy<Value = Value> {
    let leaf = arb_leaf();
    let tree = leaf.prop_recursive(4, 32, 5, |inner| {
        prop::collection::btree_map("[a-z_]{1,6}", inner, 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>()))
    });
    prop::collection::btree_map("[a-z_]{1,6}", tree, 1..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>()))
}

proptest! {
    #[test]
    fn string_order_is_clock_order(a in arb_hlc(), b in arb_hlc()) {
        prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
        prop_assert_eq!(Hlc::parse(&a.to_string()), Ok(a));
    }

    #[test]
    fn tick_is_monotonic(a in arb_hlc(), now in -10i64..2_000_000_000_000) {
        prop_assume!(a.wall_ms < 999_999_999_999_999);
        let t = a.tick(now);
        prop_assert!(t > a);
        prop_assert_eq!(&t.node, &a.node);
    }

    #[test]
    fn observe_is_above_both(a in arb_hlc(), b in arb_hlc(), now in -10i64..2_000_000_000_000) {
        prop_assume!(a.wall_ms < 999_999_999_999_999 && b.wall_ms < 999_999_999_999_999);
        let o = a.observe(&b, now);
        prop_assert!(o > a);
        prop_assert!((o.wall_ms, o.counter) > (b.wall_ms, b.counter));
        prop_assert_eq!(&o.node, &a.node);
    }

    #[test]
    fn unflatten_inverts_flatten(form in arb_form()) {
        let flat: BTreeMap<String, Value> = flatten(&form);
        prop_assert_eq!(unflatten(&flat), form);
        prop_assert_eq!(flatten(&unflatten(&flat)), flat);
    }
}
