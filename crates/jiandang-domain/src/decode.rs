//! Decoding a record's JSON form into its typed record, and saying where it does not fit: the
//! JSON path of the innermost field responsible, in zh-CN for the collector, and a warning for
//! every key the model does not know (a typo would otherwise vanish silently). The file
//! readers and the judgement pipeline share it, so a record reads the same from a file and
//! from sync's store.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::finding::Finding;

/// Why a household file or a set of records could not be read. `path` is the JSON path of
/// the problem (`members[2].birth_date`), empty for the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    /// Not JSON at all.
    #[error("第{line}行第{column}列：JSON格式错误：{message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// JSON, but a value does not fit the record.
    #[error("{path}：{message}")]
    Invalid { path: String, message: String },
}

impl RecordsError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RecordsError::Syntax { .. } => "records.syntax",
            RecordsError::Invalid { .. } => "records.invalid",
        }
    }

    /// The JSON path of the problem (empty for a syntax error).
    pub fn path(&self) -> &str {
        match self {
            RecordsError::Syntax { .. } => "",
            RecordsError::Invalid { path, .. } => path,
        }
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> RecordsError {
        RecordsError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Deserializes `value` as a `T`; on failure finds the innermost field responsible and names
/// it: `at` + the path inside `value`.
///
/// How the path is found without a path-tracking deserializer: serde stops at the first bad
/// value it meets, so removing the key (or array element) that holds it changes the error,
/// while removing any other key leaves the same first error. Descending key by key along the
/// one whose removal changes the error ends at the culprit.
pub fn decode<T: DeserializeOwned>(at: &str, value: &Value) -> Result<T, RecordsError> {
    locate(value)
        .map_err(|(path, first)| RecordsError::invalid(join(at, &path), zh_message(&first)))
}

/// A record decoded as far as it goes: the typed record with every field that does not fit
/// left out (so the rest of it is still judged), a `records.invalid` error for each field left
/// out and a `records.unknown_field` warning for each key the model does not know. `record`
/// is `None` when the record cannot be read even without them (a required field is missing,
/// or it is not a JSON object). Finding paths are relative to the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Salvaged<T> {
    pub record: Option<T>,
    pub findings: Vec<Finding>,
}

/// Decodes a record's JSON form, leaving out the fields that do not fit (see [`Salvaged`]).
pub fn salvage<T: DeserializeOwned + Serialize>(value: &Value) -> Salvaged<T> {
    // Each round removes one field; a form has a few hundred leaves at most.
    const MAX_ROUNDS: usize = 64;
    let mut findings = Vec::new();
    // A copy only once a field has to go.
    let mut trial: Option<Value> = None;
    for _ in 0..MAX_ROUNDS {
        let current = trial.as_ref().unwrap_or(value);
        match locate::<T>(current) {
            Ok(record) => {
                unknown_fields("", value, &record, &mut findings);
                return Salvaged {
                    record: Some(record),
                    findings,
                };
            }
            Err((path, first)) => {
                findings.push(Finding::error(
                    "records.invalid",
                    join("", &path),
                    zh_message(&first),
                ));
                let mut next = current.clone();
                remove(&mut next, &path);
                if path.is_empty() || next == *current {
                    break;
                }
                trial = Some(next);
            }
        }
    }
    Salvaged {
        record: None,
        findings,
    }
}

/// Decodes `value`, or finds the path of the innermost field responsible and serde's message.
fn locate<T: DeserializeOwned>(value: &Value) -> Result<T, (Vec<Step>, String)> {
    // Read from the borrowed value: no copy of the record on the way that succeeds.
    let first = match T::deserialize(value) {
        Ok(t) => return Ok(t),
        Err(e) => e.to_string(),
    };
    let first_is_missing = first.starts_with("missing field");
    let mut path: Vec<Step> = Vec::new();
    'descend: while let Some(node) = get(value, &path) {
        let children: Vec<Step> = match node {
            Value::Object(map) => map.keys().cloned().map(Step::Key).collect(),
            Value::Array(items) => (0..items.len()).map(Step::Index).collect(),
            _ => break,
        };
        for child in children {
            let mut trial = value.clone();
            let mut full = path.clone();
            full.push(child.clone());
            remove(&mut trial, &full);
            // When the first error is itself a missing field, removing another required key
            // only makes that key's own "missing field" error: that says nothing about where
            // the first error was.
            let changed = match serde_json::from_value::<T>(trial) {
                Ok(_) => true,
                Err(e) => {
                    let e = e.to_string();
                    let own_missing = match &child {
                        Step::Key(k) => e.starts_with(&format!("missing field `{k}`")),
                        Step::Index(_) => false,
                    };
                    e != first && !(first_is_missing && own_missing)
                }
            };
            if changed {
                path = full;
                continue 'descend;
            }
        }
        break;
    }
    Err((path, first))
}

/// `at` followed by the steps, as a dot path (`members[1].birth_date`).
fn join(at: &str, path: &[Step]) -> String {
    let mut where_ = at.to_owned();
    for step in path {
        match step {
            Step::Key(k) => {
                if !where_.is_empty() {
                    where_.push('.');
                }
                where_.push_str(k);
            }
            Step::Index(i) => where_.push_str(&format!("[{i}]")),
        }
    }
    where_
}

/// serde's English messages, said in zh-CN for the collector; the original stays appended
/// for whoever debugs the file.
fn zh_message(msg: &str) -> String {
    let between = |start: &str, end: &str| -> Option<String> {
        let rest = msg.split_once(start)?.1;
        Some(rest.split_once(end).map_or(rest, |(a, _)| a).to_owned())
    };
    if msg.starts_with("unknown code")
        && let (Some(code), Some(list)) = (between("unknown code ", " for"), between("(", ")"))
    {
        return format!("代码 {code} 不在代码表“{list}”中");
    }
    if let Some(field) = between("missing field `", "`") {
        return format!("缺少必填字段 {field}");
    }
    if msg.starts_with("unknown variant")
        && let Some(value) = between("unknown variant `", "`")
    {
        let allowed = msg.split_once("expected ").map_or("", |(_, e)| e);
        return format!("取值 {value} 无效，应为 {allowed}");
    }
    if msg.starts_with("invalid type") {
        return format!("类型不符（{msg}）");
    }
    if msg.contains("UUID") || msg.contains("invalid character") || msg.contains("invalid length") {
        return format!("标识应为UUID，例如 0192f3a0-5b1c-7a00-8000-000000000001（{msg}）");
    }
    if msg.is_ascii() {
        return format!("格式错误（{msg}）");
    }
    // Our own types already speak Chinese (日期、金额、面积).
    msg.to_owned()
}

#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn get<'v>(mut v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    for step in path {
        v = match step {
            Step::Key(k) => v.get(k)?,
            Step::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

fn remove(v: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut node = v;
    for step in parent {
        let next = match step {
            Step::Key(k) => node.get_mut(k),
            Step::Index(i) => node.get_mut(*i),
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
    match (last, node) {
        (Step::Key(k), Value::Object(map)) => {
            map.remove(k);
        }
        (Step::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
        }
        _ => {}
    }
}

/// Warns about every key of `input` the model dropped: serialising the decoded record back
/// gives every field the model knows. Paths are `at` followed by the key's path.
pub fn unknown_fields<T: Serialize>(at: &str, input: &Value, decoded: &T, out: &mut Vec<Finding>) {
    let Ok(known) = serde_json::to_value(decoded) else {
        return;
    };
    walk_unknown(at, input, &known, out);
}

fn walk_unknown(at: &str, input: &Value, known: &Value, out: &mut Vec<Finding>) {
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => {
            for (key, v) in i {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match k.get(key) {
                    Some(kv) => walk_unknown(&path, v, kv, out),
                    None if is_empty(v) => {}
                    None => out.push(Finding::warning(
                        "records.unknown_field",
                        path,
                        "未知字段，已忽略；请检查字段名是否拼写正确",
                    )),
                }
            }
        }
        (Value::Array(i), Value::Array(k)) => {
            for (n, (iv, kv)) in i.iter().zip(k).enumerate() {
                walk_unknown(&format!("{at}[{n}]"), iv, kv, out);
            }
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}
