//! A record's JSON form as dot-path leaves, the unit of per-field merge.
//!
//! Objects are walked; everything else is a leaf: strings, numbers, booleans, null, arrays
//! (a multi-select or a list is one field) and empty objects. Keys must not contain `.`;
//! the domain's forms never use one. A root that is not an object is the single leaf `""`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The leaves of a JSON form by dot path: `{"income":{"wage":"1.00"}}` →
/// `{"income.wage": "1.00"}`.
pub fn flatten(value: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    match value {
        Value::Object(map) if !map.is_empty() => walk(map, "", &mut out),
        other => {
            out.insert(String::new(), other.clone());
        }
    }
    out
}

/// The JSON form from its leaves; the inverse of [`flatten`]. Where two paths disagree
/// (`a` is a leaf and `a.b` a path under it) the longer path wins, since a path that sorts
/// later is applied later.
pub fn unflatten(leaves: &BTreeMap<String, Value>) -> Value {
    if let Some(root) = leaves.get("")
        && leaves.len() == 1
    {
        return root.clone();
    }
    let mut root = Map::new();
    for (path, value) in leaves {
        if path.is_empty() {
            continue;
        }
        insert(&mut root, path, value.clone());
    }
    Value::Object(root)
}

fn walk(map: &Map<String, Value>, prefix: &str, out: &mut BTreeMap<String, Value>) {
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) if !inner.is_empty() => walk(inner, &path, out),
            leaf => {
                out.insert(path, leaf.clone());
            }
        }
    }
}

fn insert(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut node = root;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            node.insert(part.to_owned(), value);
            return;
        }
        let slot = node
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(next) = slot else {
            return;
        };
        node = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaves() {
        let form = json!({
            "basic": {"main_cause": "illness", "causes": ["illness", "disability"]},
            "income": {"wage": "1200.00", "other": null},
            "notes": {},
            "size": 4
        });
        let flat = flatten(&form);
        let paths: Vec<&str> = flat.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "basic.causes",
                "basic.main_cause",
                "income.other",
                "income.wage",
                "notes",
                "size"
            ]
        );
        assert_eq!(flat["basic.causes"], json!(["illness", "disability"]));
        assert_eq!(unflatten(&flat), form);
        assert_eq!(
            flatten(&json!(3)),
            BTreeMap::from([(String::new(), json!(3))])
        );
        assert_eq!(unflatten(&flatten(&json!(3))), json!(3));
    }
}
