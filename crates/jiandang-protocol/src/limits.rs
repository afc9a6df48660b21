//! The limits on what one change may carry: its field path (segments, bytes) and its value
//! (nesting depth, encoded size). Defined once, here: the server refuses a change over them
//! (per change, `bad_request`) and the device refuses to save one, so a worker hears of it
//! at once instead of days later.
//!
//! Why: a record's stored JSON form nests a value under its path, so the form is as deep as
//! the deepest path plus the deepest value. serde_json refuses to read JSON nested deeper
//! than 128 levels; a form over that could be written but never read again, and every
//! snapshot of its village failed with it. With at most [`MAX_PATH_SEGMENTS`] segments and
//! [`MAX_VALUE_DEPTH`] levels of value, a form stays under 8 + 16 + 1 levels: far below the
//! parser's limit, and far above what any form of the domain uses (3 segments, values of 3
//! levels: rows of objects holding a list of ids).

use serde_json::Value;

/// Most dot-separated segments in a field path (`income.wage` has 2).
pub const MAX_PATH_SEGMENTS: usize = 8;
/// Longest field path, in UTF-8 bytes.
pub const MAX_PATH_BYTES: usize = 200;
/// Deepest nesting of arrays and objects inside one value (`"x"`: 0, `["x"]`: 1,
/// `[{"a": ["x"]}]`: 3).
pub const MAX_VALUE_DEPTH: usize = 16;
/// Largest value, as compact JSON, in bytes (a note of about 20,000 Chinese characters).
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Most changes one change set may carry (the server answers `too_large` over it; the device
/// never freezes a bigger set).
pub const MAX_CHANGES_PER_SET: usize = 5_000;

/// Why a change's path or value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("字段路径无效：应为以点分隔的非空名称")]
    PathShape,
    #[error("字段路径过长：最多 {MAX_PATH_SEGMENTS} 段、{MAX_PATH_BYTES} 字节")]
    PathTooLong,
    #[error("字段的值嵌套过深：最多 {MAX_VALUE_DEPTH} 层")]
    ValueTooDeep,
    #[error("字段的值太大：最多 {} KiB", MAX_VALUE_BYTES / 1024)]
    ValueTooLarge,
    #[error("字段的值应为单个值：对象须按路径拆成字段")]
    NotALeaf,
}

/// Checks a field path: non-empty segments separated by `.`, no control characters, at
/// most [`MAX_PATH_SEGMENTS`] segments and [`MAX_PATH_BYTES`] bytes.
pub fn check_path(path: &str) -> Result<(), LimitError> {
    if path.len() > MAX_PATH_BYTES || path.split('.').count() > MAX_PATH_SEGMENTS {
        return Err(LimitError::PathTooLong);
    }
    if path.is_empty() || path.split('.').any(str::is_empty) || path.chars().any(char::is_control) {
        return Err(LimitError::PathShape);
    }
    Ok(())
}

/// Checks a value: a leaf of the form (not an object with keys: those are fields of their
/// own, see [`crate::flatten`]), at most [`MAX_VALUE_DEPTH`] levels and [`MAX_VALUE_BYTES`]
/// bytes.
///
/// Why leaves only: the server keeps a record's form by laying each change over the form's
/// leaves. A field set to an object shows in the form as the object's own leaves, which a
/// later edit of the field does not replace: the edit was accepted while the form (and every
/// snapshot) kept the object.
pub fn check_value(value: &Value) -> Result<(), LimitError> {
    if value.as_object().is_some_and(|m| !m.is_empty()) {
        return Err(LimitError::NotALeaf);
    }
    if depth_over(value, MAX_VALUE_DEPTH) {
        return Err(LimitError::ValueTooDeep);
    }
    if encoded_len(value) > MAX_VALUE_BYTES {
        return Err(LimitError::ValueTooLarge);
    }
    Ok(())
}

/// The deepest a record's stored JSON form can be when each of its fields keeps the limits:
/// the longest path's objects, then the deepest value.
pub const MAX_FORM_DEPTH: usize = MAX_PATH_SEGMENTS + MAX_VALUE_DEPTH;

/// Whether a record's whole JSON form is as shallow as fields within the limits make it
/// (a form written before the limits held may not be; readers set such a record aside).
pub fn form_within_limits(form: &Value) -> bool {
    !depth_over(form, MAX_FORM_DEPTH)
}

/// Checks one field edit: its path and its new value.
pub fn check_field(path: &str, value: &Value) -> Result<(), LimitError> {
    check_path(path)?;
    check_value(value)
}

/// Whether `value` nests deeper than `budget` levels. Walks no further than the budget, so
/// a hostile value costs no more than a legal one.
fn depth_over(value: &Value, budget: usize) -> bool {
    // `[]` and `{}` are leaves of the form: as deep as a string.
    match value {
        Value::Array(items) if !items.is_empty() => match budget.checked_sub(1) {
            None => true,
            Some(rest) => items.iter().any(|c| depth_over(c, rest)),
        },
        Value::Object(map) if !map.is_empty() => match budget.checked_sub(1) {
            None => true,
            Some(rest) => map.values().any(|c| depth_over(c, rest)),
        },
        _ => false,
    }
}

/// The length of the value as compact JSON, without building the text.
fn encoded_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing to a counter cannot fail, and a Value always serialises; count it as over
    // the limit should either ever happen.
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!("x"), |v, _| json!([v]))
    }

    #[test]
    fn paths() {
        let cases: &[(&str, Result<(), LimitError>)] = &[
            ("income.wage", Ok(())),
            ("a.b.c.d.e.f.g.h", Ok(())),
            ("a.b.c.d.e.f.g.h.i", Err(LimitError::PathTooLong)),
            (&"x".repeat(MAX_PATH_BYTES), Ok(())),
            (
                &"x".repeat(MAX_PATH_BYTES + 1),
                Err(LimitError::PathTooLong),
            ),
            ("", Err(LimitError::PathShape)),
            ("a..b", Err(LimitError::PathShape)),
            (".a", Err(LimitError::PathShape)),
            ("a\nb", Err(LimitError::PathShape)),
            ("姓名.拼音", Ok(())),
        ];
        for (path, expected) in cases {
            assert_eq!(check_path(path), *expected, "{path:?}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(check_value(&nested(MAX_VALUE_DEPTH)), Ok(()));
        assert_eq!(
            check_value(&nested(MAX_VALUE_DEPTH + 1)),
            Err(LimitError::ValueTooDeep)
        );
        assert_eq!(check_value(&nested(120)), Err(LimitError::ValueTooDeep));
        // Empty containers are leaves.
        let empty = (0..MAX_VALUE_DEPTH).fold(json!([]), |v, _| json!([v]));
        assert_eq!(check_value(&empty), Ok(()));
        assert_eq!(check_value(&json!([{"a": [{"b": ["x"]}]}])), Ok(()));
        assert_eq!(check_value(&json!({})), Ok(()));
        assert_eq!(check_value(&json!({"a": 1})), Err(LimitError::NotALeaf));
        // Three bytes a character, two quotes.
        let fits = (MAX_VALUE_BYTES - 2) / 3;
        assert_eq!(check_value(&json!("字".repeat(fits))), Ok(()));
        let too_big = json!("字".repeat(fits + 1));
        assert_eq!(check_value(&too_big), Err(LimitError::ValueTooLarge));
    }
}
