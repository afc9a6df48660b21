//! The province's comparison file (比对结果; W5 "一比对", Q1 "correct past data from the
//! province's problem lists"): rows of ID numbers with a reason, matched to the members of
//! the register, each match a problem on the member and its household. A row that matches no
//! one is answered back with its line and why, never dropped. Pure: rows in (read from CSV or
//! xlsx outside the domain, `jiandang_export::province`), matches, unmatched rows and
//! problem edits out.
//!
//! A number held by present members matches them; one held only by members who have left
//! their household (自然减少) matches those (the province may know something the county
//! must verify); helpers are not matched (the comparison is of the poor). A row's name, when
//! given, is compared with the member's and a disagreement said in the problem's text.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::action::Edit;
use crate::action::problem::create;
use crate::id_number::IdNumber;
use crate::judge::{Context, Register};
use crate::problem::{Problem, ProblemRole, ProblemSource, Raise};
use crate::record::RecordKind;

use super::checks::PROVINCE_COMPARISON;
use super::persons::{IdIndex, normalise};

/// One row of the province's file, as read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Its line in the file (the header is line 1 when the file has one at the top).
    pub line: u32,
    /// 证件号码 / 身份证号.
    pub id_number: String,
    /// 姓名, when the file has it.
    pub name: Option<String>,
    /// 比对结果 / 疑点类型 / 问题类型: why the province lists the person.
    pub reason: Option<String>,
    /// 比对部门 / 数据来源: whose data the person was found in.
    pub department: Option<String>,
    /// 说明 / 备注.
    pub detail: Option<String>,
}

/// Why a row matched no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// The row has no number.
    Empty,
    /// The number is not a valid ID number (and nobody holds it as entered).
    BadNumber,
    /// No member of the register holds it.
    NoSuchPerson,
}

/// A row answered back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedRow {
    pub line: u32,
    pub why: Unmatched,
    /// zh-CN, for the county office. No number, no name.
    pub message: String,
}

/// A row matched to a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    pub line: u32,
    pub member_id: Uuid,
    pub household_id: Option<Uuid>,
    pub village_id: Uuid,
    /// Whether the member is still in the household.
    pub present: bool,
    /// Whether the row's name is the member's; `None` when the row gives none.
    pub name_agrees: Option<bool>,
}

/// What the matching found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matching {
    pub matched: Vec<Matched>,
    pub unmatched: Vec<UnmatchedRow>,
}

/// Matches every row to the members of the register that hold its number.
pub fn match_rows(rows: &[ComparisonRow], register: &Register, index: &IdIndex) -> Matching {
    let name_of = |member: Uuid| {
        register
            .households
            .iter()
            .flat_map(|h| &h.bundle.members)
            .find(|m| m.id == member)
            .map(|m| m.name.trim().to_owned())
    };
    let mut out = Matching::default();
    for row in rows {
        let Some(key) = normalise(&row.id_number) else {
            out.unmatched.push(UnmatchedRow {
                line: row.line,
                why: Unmatched::Empty,
                message: "证件号码为空".to_owned(),
            });
            continue;
        };
        let members: Vec<_> = index
            .holders(&key)
            .iter()
            .filter(|e| e.kind == RecordKind::Member)
            .collect();
        let present: Vec<_> = members.iter().filter(|e| e.present).collect();
        let chosen: Vec<_> = if present.is_empty() {
            members.iter().collect()
        } else {
            present
        };
        if chosen.is_empty() {
            let (why, message) = match IdNumber::parse(&key) {
                Err(e) => (Unmatched::BadNumber, format!("证件号码无效：{e}")),
                Ok(_) => (
                    Unmatched::NoSuchPerson,
                    "本县建档立卡人员中没有此证件号码".to_owned(),
                ),
            };
            out.unmatched.push(UnmatchedRow {
                line: row.line,
                why,
                message,
            });
            continue;
        }
        for e in chosen {
            let name = row.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            out.matched.push(Matched {
                line: row.line,
                member_id: e.record_id,
                household_id: e.household_id,
                village_id: e.village_id,
                present: e.present,
                name_agrees: name.map(|n| name_of(e.record_id).as_deref() == Some(n)),
            });
        }
    }
    out
}

/// The problems an import raises: one per matched row and member, about the member's ID
/// number, from the import `import_id`; none for a row whose problem (same member, same
/// reason) is already open. New problems take their ids from `new_id`.
pub fn raise(
    rows: &[ComparisonRow],
    matching: &Matching,
    problems: &[Problem],
    import_id: Uuid,
    ctx: &Context<'_>,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Vec<Edit> {
    let open: BTreeSet<&str> = problems
        .iter()
        .filter(|p| p.is_open() && p.source == Some(ProblemSource::Province))
        .map(|p| p.key.as_str())
        .collect();
    let mut raised: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let def = &PROVINCE_COMPARISON;
    for m in &matching.matched {
        let Some(row) = rows.iter().find(|r| r.line == m.line) else {
            continue;
        };
        let reason = row
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("省级比对疑点");
        let key = format!("{}|{}|{reason}", def.code, m.member_id);
        if open.contains(key.as_str()) || !raised.insert(key.clone()) {
            continue;
        }
        let mut text = format!("省级比对：{reason}");
        if let Some(d) = row
            .department
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            text.push_str(&format!("（{d}）"));
        }
        if let Some(d) = row
            .detail
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            text.push_str(&format!("；{d}"));
        }
        if m.name_agrees == Some(false) {
            text.push_str("；比对文件中的姓名与登记的姓名不一致");
        }
        if !m.present {
            text.push_str("；此人已自然减少");
        }
        let problem = Problem::raise(
            new_id(),
            Raise {
                source: ProblemSource::Province,
                check: def.code.to_owned(),
                key,
                title: def.title_zh.to_owned(),
                requirement: Some(def.requirement.to_owned()),
                severity: def.severity.into(),
                village_id: m.village_id,
                record_kind: Some(RecordKind::Member),
                record_id: Some(m.member_id),
                household_id: m.household_id,
                path: "id_number".to_owned(),
                field_label: Some("证件号码".to_owned()),
                text,
                verify: def.verify_zh.to_owned(),
                rank: None,
                raised_by: None,
                source_ref: Some(import_id),
            },
            ctx.now,
        );
        if let Ok(edits) = create(problem, ProblemRole::County) {
            out.extend(edits);
        }
    }
    out
}
