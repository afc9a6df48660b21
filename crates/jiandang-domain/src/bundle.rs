//! A household with everything that hangs on it (members, member changes, procedure, exit
//! measures, GPS fixes, photos), the household-level check that runs every rule over it, and
//! the household file form `jiandang check` and the sync server read.
//!
//! File form (`docs/records.md`):
//! ```json
//! {"household": {...}, "members": [...], "member_changes": [...],
//!  "procedure": {...} | null, "exit_measures": {...} | null,
//!  "gps_fixes": [...], "photos": [...], "requested_action": "exit" | null}
//! ```
//! Only `household` is required. Finding paths are in this form (`members[1].id_number`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::codes::household::ExitStatus;
use crate::exit::check_exit;
use crate::finding::Finding;
use crate::geo::GpsFix;
use crate::household::Household;
use crate::measures::HouseholdExitMeasures;
use crate::member::Member;
use crate::member_change::MemberChange;
use crate::photo::PhotoRef;
use crate::policy::YearPolicy;
use crate::procedure::{self, Procedure};
use crate::record::RecordKind;
use crate::rules;
use crate::time::{Date, Timestamp};

/// A 贫困户 and its dependent records.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdBundle {
    pub household: Household,
    /// Every member ever recorded, present or naturally decreased.
    pub members: Vec<Member>,
    /// 自然增加 / 自然减少 records (W6).
    pub member_changes: Vec<MemberChange>,
    /// The 新识别 / 返贫 procedure (W5), when there is one.
    pub procedure: Option<Procedure>,
    /// 脱贫措施 (C4), for a household exiting this year.
    pub exit_measures: Option<HouseholdExitMeasures>,
    pub gps_fixes: Vec<GpsFix>,
    pub photos: Vec<PhotoRef>,
}

/// An action the household file asks the check to judge as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestedAction {
    /// Mark the household 已脱贫 this year: runs the exit gate.
    Exit,
}

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

    fn invalid(path: impl Into<String>, message: impl Into<String>) -> RecordsError {
        RecordsError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Runs every household-level rule over the bundle: the household and its members
/// (FORMS.md §7), each member, member changes (W6), the procedure (W5), the exit-measure
/// sheet (C4), GPS fixes and photos (C5), and the links between the records. Does not run
/// the exit gate; see [`check_exit`]. Dates are judged as of the end of the policy year
/// (the last day of its data year); use [`check_household_bundle_on`] to give the day.
pub fn check_household_bundle(b: &HouseholdBundle, policy: &YearPolicy) -> Vec<Finding> {
    check_household_bundle_on(b, policy, policy.age_reference_date)
}

/// [`check_household_bundle`] as of the Beijing date `on` (changes dated later, fixes and
/// photos taken later, are refused).
pub fn check_household_bundle_on(
    b: &HouseholdBundle,
    policy: &YearPolicy,
    on: Date,
) -> Vec<Finding> {
    check_bundle(b, policy, on, false)
}

fn check_bundle(b: &HouseholdBundle, policy: &YearPolicy, on: Date, exiting: bool) -> Vec<Finding> {
    let mut out = rules::household::check(&b.household, &b.members, policy);
    let hid = b.household.id;
    // Ids are made where a record is created; a nil one means a hand-written or broken
    // record that sync could not tell apart from others.
    let nil_ids = std::iter::once(("household.id".to_owned(), hid)).chain(
        b.members
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("members[{i}].id"), m.id)),
    );
    for (path, id) in nil_ids {
        if id.is_nil() {
            out.push(Finding::error(
                "records.id_missing",
                path,
                "记录缺少标识（UUID），请由应用创建记录",
            ));
        }
    }
    for (i, m) in b.members.iter().enumerate() {
        out.extend(prefixed(
            &format!("members[{i}]"),
            rules::member::check(m, policy),
        ));
        if m.household_id != hid {
            out.push(link_error(
                &format!("members[{i}].household_id"),
                "家庭成员",
            ));
        }
    }
    out.extend(rules::member_change::check_member_changes(
        &b.members,
        &b.member_changes,
        policy,
        on,
    ));
    for (i, c) in b.member_changes.iter().enumerate() {
        if c.household_id != hid {
            out.push(link_error(
                &format!("member_changes[{i}].household_id"),
                "家庭成员变更记录",
            ));
        }
    }
    if let Some(p) = &b.procedure {
        out.extend(prefixed("procedure", procedure::check(p)));
        if p.household_id != hid {
            out.push(link_error("procedure.household_id", "识别程序"));
        }
    }
    if exiting && b.exit_measures.is_none() {
        out.push(
            Finding::warning(
                "exit_measures.missing",
                "exit_measures",
                format!(
                    "{}年脱贫户须采集脱贫措施信息（历年享受的措施，同类只勾一次）",
                    policy.year
                ),
            )
            .requirement("C4"),
        );
    }
    if let Some(em) = &b.exit_measures {
        let exit_year = if exiting {
            Some(policy.year)
        } else {
            let basic = &b.household.basic;
            basic
                .exit_year
                .filter(|_| basic.status.is_some_and(ExitStatus::is_exited))
        };
        out.extend(prefixed(
            "exit_measures",
            rules::measures::check_household_exit_measures(em, exit_year, policy),
        ));
        if em.household_id != hid {
            out.push(link_error("exit_measures.household_id", "脱贫措施"));
        }
    }
    // The end of `on`, Beijing time: anything taken that day is not in the future.
    let now = Timestamp::beijing_midnight(on.add_days(1));
    for (i, g) in b.gps_fixes.iter().enumerate() {
        out.extend(prefixed(
            &format!("gps_fixes[{i}]"),
            rules::gps::check_gps_fix(g, None, now),
        ));
        if g.subject_id != hid {
            out.push(link_error(&format!("gps_fixes[{i}].subject_id"), "定位点"));
        }
    }
    let ids: Vec<Uuid> = std::iter::once(hid)
        .chain(b.members.iter().map(|m| m.id))
        .chain(b.member_changes.iter().map(|c| c.id))
        .chain(b.procedure.iter().map(|p| p.id))
        .chain(b.exit_measures.iter().map(|e| e.id))
        .collect();
    for (i, p) in b.photos.iter().enumerate() {
        out.extend(prefixed(
            &format!("photos[{i}]"),
            rules::gps::check_photo(p, None, now),
        ));
        if !ids.contains(&p.subject_id) {
            out.push(link_error(&format!("photos[{i}].subject_id"), "照片"));
        }
    }
    out
}

/// The findings about one record of the bundle, with paths relative to that record: `prefix`
/// is `household` or `members[2]` (or `procedure`, `exit_measures`, …). Findings about the
/// record as a whole get an empty path. The app shows these beside the record's fields.
pub fn record_findings(findings: &[Finding], prefix: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter_map(|f| {
            let rest = f.path.strip_prefix(prefix)?;
            let rel = if rest.is_empty() {
                ""
            } else {
                rest.strip_prefix('.')?
            };
            let mut f = f.clone();
            f.path = rel.to_owned();
            Some(f)
        })
        .collect()
}

impl HouseholdBundle {
    /// The members still in the household (not naturally decreased).
    pub fn present_members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.is_present())
    }

    /// Fills the household's derived fields (income totals, 人均纯收入) from its answers and
    /// present members, as the app does before saving.
    pub fn derive(&mut self, policy: &YearPolicy) {
        let present = self.present_members().count();
        self.household.income = self.household.income.derive(present, policy);
    }

    /// Builds a bundle from per-record JSON values as sync stores them (kind + the record's
    /// JSON form). Exactly one household; every other record must belong to it. Errors name
    /// the record's index in `records` and the path inside it (`records[3].birth_date`).
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (RecordKind, &'a Value)>,
    ) -> Result<HouseholdBundle, RecordsError> {
        let mut household: Option<Household> = None;
        let mut b = HouseholdBundle::default();
        for (i, (kind, value)) in records.into_iter().enumerate() {
            let at = format!("records[{i}]");
            match kind {
                RecordKind::Household => {
                    if household.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条贫困户记录"));
                    }
                    household = Some(decode(&at, value)?);
                }
                RecordKind::Member => b.members.push(decode(&at, value)?),
                RecordKind::MemberChange => b.member_changes.push(decode(&at, value)?),
                RecordKind::Procedure => {
                    if b.procedure.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条识别程序记录"));
                    }
                    b.procedure = Some(decode(&at, value)?);
                }
                RecordKind::HouseholdExitMeasures => {
                    if b.exit_measures.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条脱贫措施记录"));
                    }
                    b.exit_measures = Some(decode(&at, value)?);
                }
                RecordKind::GpsFix => b.gps_fixes.push(decode(&at, value)?),
                RecordKind::Photo => b.photos.push(decode(&at, value)?),
                other => {
                    return Err(RecordsError::invalid(
                        at,
                        format!("记录类型 {} 不属于贫困户", other.as_str()),
                    ));
                }
            }
        }
        b.household = household.ok_or_else(|| RecordsError::invalid("", "缺少贫困户记录"))?;
        Ok(b)
    }
}

/// Reads a household file (the form in this module's docs) and returns every finding: the
/// household-level rules, unknown fields as warnings, and, when `requested_action` is
/// `"exit"`, the exit gate's reasons. Unreadable input is an error naming the JSON path.
pub fn check_file_json(text: &str, policy: &YearPolicy) -> Result<Vec<Finding>, RecordsError> {
    let (bundle, action, mut unknown) = read_file_json(text)?;
    let exiting = action == Some(RequestedAction::Exit);
    let mut out = check_bundle(&bundle, policy, policy.age_reference_date, exiting);
    if exiting && let Err(reasons) = check_exit(&bundle, policy) {
        out.extend(reasons);
    }
    out.append(&mut unknown);
    Ok(out)
}

/// Parses a household file into its bundle and requested action, with a warning for every
/// field the file has and the model does not know (a typo would otherwise vanish silently).
pub fn read_file_json(
    text: &str,
) -> Result<(HouseholdBundle, Option<RequestedAction>, Vec<Finding>), RecordsError> {
    let root: Value = serde_json::from_str(text).map_err(|e| RecordsError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(obj) = &root else {
        return Err(RecordsError::invalid(
            "",
            "文件应为一个JSON对象，含 household 等字段",
        ));
    };
    const KEYS: [&str; 8] = [
        "household",
        "members",
        "member_changes",
        "procedure",
        "exit_measures",
        "gps_fixes",
        "photos",
        "requested_action",
    ];
    if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(RecordsError::invalid(
            k.as_str(),
            format!("未知字段；文件只能含 {}", KEYS.join("、")),
        ));
    }
    let household_value = obj
        .get("household")
        .filter(|v| !v.is_null())
        .ok_or_else(|| RecordsError::invalid("household", "缺少贫困户记录"))?;
    let mut unknown = Vec::new();
    let household: Household = decode("household", household_value)?;
    unknown_fields("household", household_value, &household, &mut unknown);
    let members: Vec<Member> = decode_list(obj, "members", &mut unknown)?;
    let member_changes: Vec<MemberChange> = decode_list(obj, "member_changes", &mut unknown)?;
    let gps_fixes: Vec<GpsFix> = decode_list(obj, "gps_fixes", &mut unknown)?;
    let photos: Vec<PhotoRef> = decode_list(obj, "photos", &mut unknown)?;
    let procedure: Option<Procedure> = decode_optional(obj, "procedure", &mut unknown)?;
    let exit_measures: Option<HouseholdExitMeasures> =
        decode_optional(obj, "exit_measures", &mut unknown)?;
    let action = match obj.get("requested_action") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            decode::<RequestedAction>("requested_action", v).map_err(|_| {
                RecordsError::invalid(
                    "requested_action",
                    "requested_action 只能为 \"exit\" 或 null",
                )
            })?,
        ),
    };
    Ok((
        HouseholdBundle {
            household,
            members,
            member_changes,
            procedure,
            exit_measures,
            gps_fixes,
            photos,
        },
        action,
        unknown,
    ))
}

/// Deserializes `value` as a `T`; on failure finds the innermost field responsible and names
/// it: `at` + the path inside `value`.
///
/// How the path is found without a path-tracking deserializer: serde stops at the first bad
/// value it meets, so removing the key (or array element) that holds it changes the error,
/// while removing any other key leaves the same first error. Descending key by key along the
/// one whose removal changes the error ends at the culprit.
pub fn decode<T: DeserializeOwned>(at: &str, value: &Value) -> Result<T, RecordsError> {
    let first = match serde_json::from_value::<T>(value.clone()) {
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
    let mut where_ = at.to_owned();
    for step in &path {
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
    Err(RecordsError::invalid(where_, zh_message(&first)))
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

fn decode_list<T: DeserializeOwned + Serialize>(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    unknown: &mut Vec<Finding>,
) -> Result<Vec<T>, RecordsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let at = format!("{key}[{i}]");
                let t: T = decode(&at, v)?;
                unknown_fields(&at, v, &t, unknown);
                Ok(t)
            })
            .collect(),
        Some(_) => Err(RecordsError::invalid(key, "应为数组")),
    }
}

fn decode_optional<T: DeserializeOwned + Serialize>(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    unknown: &mut Vec<Finding>,
) -> Result<Option<T>, RecordsError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let t: T = decode(key, v)?;
            unknown_fields(key, v, &t, unknown);
            Ok(Some(t))
        }
    }
}

/// Warns about every key of `input` the model dropped: serialising the decoded record back
/// gives every field the model knows.
fn unknown_fields<T: Serialize>(at: &str, input: &Value, decoded: &T, out: &mut Vec<Finding>) {
    let Ok(known) = serde_json::to_value(decoded) else {
        return;
    };
    walk_unknown(at, input, &known, out);
}

fn walk_unknown(at: &str, input: &Value, known: &Value, out: &mut Vec<Finding>) {
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => {
            for (key, v) in i {
                let path = format!("{at}.{key}");
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

fn prefixed(prefix: &str, findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.path = if f.path.is_empty() {
                prefix.to_owned()
            } else {
                format!("{prefix}.{}", f.path)
            };
            f
        })
        .collect()
}

fn link_error(path: &str, what: &str) -> Finding {
    Finding::error(
        "bundle.wrong_household",
        path,
        format!("{what}不属于本贫困户（户标识不一致）"),
    )
}
