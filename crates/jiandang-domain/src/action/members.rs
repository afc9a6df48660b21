//! Natural member changes (家庭成员自然增加 / 自然减少, W6): a member joins with the change
//! record of the 自然增加 sheet, or leaves with the 自然减少 sheet (marked 已自然减少, never
//! deleted; a head who leaves hands over to a new head). Each is one set of edits: the member,
//! the change record, the household's 家庭人口数 and derived income (人均纯收入 counts the
//! members present), so a crash leaves all of it or none.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::codes::household::{MemberStatus, Relationship};
use crate::codes::village::{ChangeDirection, ChangeProof, MemberChangeReason};
use crate::finding::Finding;
use crate::judge::{Context, judge_bundle_of, places};
use crate::member_change::MemberChange;
use crate::record::{RecordKind, StoredRecord};
use crate::time::Date;

use super::{Edit, Outcome, Subject, apply, checked, fields, json, subject};

/// What the 自然增加 / 自然减少 sheet records of a change, besides who and which way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sheet {
    /// 增加原因 / 减少原因.
    pub reason: Option<MemberChangeReason>,
    /// 增加时间 / 减少时间.
    pub date: Option<Date>,
    /// 证明材料.
    pub proof: Option<ChangeProof>,
    pub proof_photo_ids: Vec<Uuid>,
    pub note: Option<String>,
    pub reported_by: Option<String>,
    pub reported_on: Option<Date>,
}

/// A member joining: the new member's ids and form, and the sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arrival {
    /// The new 家庭成员 record.
    pub member_id: Uuid,
    /// The new 自然增加 record.
    pub change_id: Uuid,
    /// The new member's form as typed (家庭成员 fields); the household and status are set.
    pub member: Value,
    pub sheet: Sheet,
}

/// A member leaving: who, the new change record, the new head when the head leaves, and the
/// sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Departure {
    pub member_id: Uuid,
    /// The new 自然减少 record.
    pub change_id: Uuid,
    /// When the 户主 leaves: the present member who becomes 户主.
    pub new_head_id: Option<Uuid>,
    pub sheet: Sheet,
}

/// 自然增加 (W6): the member and its change record, the household's size and income. Refused
/// when the sheet does not hold (a reason of the increase list, a date in the year and not
/// after today), when the new member would be a second 户主, or when the member's form does
/// not read.
pub fn add_member(
    household: Uuid,
    records: &[StoredRecord],
    arrival: Arrival,
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    let mut doc = match arrival.member {
        Value::Object(obj) => Value::Object(obj),
        Value::Null => Value::Object(serde_json::Map::new()),
        _ => {
            return Err(vec![w6(
                "records.invalid",
                "member",
                "新增成员信息应为表单字段",
            )]);
        }
    };
    for (key, value) in [
        ("id", json(arrival.member_id)),
        ("household_id", json(household)),
        ("status", json(MemberStatus::Present)),
    ] {
        super::set_path(&mut doc, key, value);
    }
    let change = change(
        &s,
        arrival.change_id,
        ChangeDirection::Increase,
        arrival.member_id,
        None,
        arrival.sheet,
    );
    let present = present(&s) + 1;
    let mut edits = vec![
        Edit::Create {
            kind: RecordKind::Member,
            id: arrival.member_id,
            village_id: s.record.village_id,
            doc,
        },
        Edit::Create {
            kind: RecordKind::MemberChange,
            id: arrival.change_id,
            village_id: s.record.village_id,
            doc: json(&change),
        },
    ];
    edits.push(s.set(household_size(&s, present, ctx)));
    refuse_new_errors(household, records, &edits, ctx)?;
    checked(records, edits, ctx)
}

/// 自然减少 (W6): the change record, the member marked 已自然减少, the new 户主 when the head
/// leaves, the household's size and income. Refused when the member is not present in the
/// household, when the head leaves without a present member to take over, or when the sheet
/// does not hold.
pub fn remove_member(
    household: Uuid,
    records: &[StoredRecord],
    departure: Departure,
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    let Some(member) = s
        .bundle
        .members
        .iter()
        .find(|m| m.id == departure.member_id && m.is_present())
    else {
        return Err(vec![w6(
            "member_change.member_not_present",
            "members",
            "该成员不是本户在册家庭成员，不能登记自然减少",
        )]);
    };
    let mut edits = Vec::new();
    let new_head = departure.new_head_id.filter(|_| member.is_head());
    if member.is_head() {
        let ok = departure.new_head_id.is_some_and(|h| {
            h != member.id && s.bundle.members.iter().any(|m| m.id == h && m.is_present())
        });
        if !ok {
            return Err(vec![w6(
                "member_change.head_left_without_new_head",
                "member_change.new_head_id",
                "户主自然减少时，须从在册成员中指定新户主",
            )]);
        }
    }
    let change = change(
        &s,
        departure.change_id,
        ChangeDirection::Decrease,
        departure.member_id,
        new_head,
        departure.sheet,
    );
    edits.push(Edit::Create {
        kind: RecordKind::MemberChange,
        id: departure.change_id,
        village_id: s.record.village_id,
        doc: json(&change),
    });
    edits.push(Edit::Set {
        kind: RecordKind::Member,
        id: departure.member_id,
        fields: fields([("status", json(MemberStatus::Decreased))]),
    });
    if let Some(head) = new_head {
        edits.push(Edit::Set {
            kind: RecordKind::Member,
            id: head,
            fields: fields([("relationship", json(Relationship::Head))]),
        });
    }
    let present = present(&s).saturating_sub(1);
    edits.push(s.set(household_size(&s, present, ctx)));
    refuse_new_errors(household, records, &edits, ctx)?;
    checked(records, edits, ctx)
}

fn change(
    s: &Subject<'_>,
    id: Uuid,
    direction: ChangeDirection,
    member_id: Uuid,
    new_head_id: Option<Uuid>,
    sheet: Sheet,
) -> MemberChange {
    MemberChange {
        id,
        village_id: s.record.village_id,
        household_id: s.record.id,
        direction,
        member_id,
        reason: sheet.reason,
        date: sheet.date,
        proof: sheet.proof,
        proof_photo_ids: sheet.proof_photo_ids,
        new_head_id,
        note: sheet.note,
        reported_by: sheet.reported_by,
        reported_on: sheet.reported_on,
    }
}

fn present(s: &Subject<'_>) -> usize {
    s.bundle.present_members().count()
}

/// 家庭人口数 and the income totals for `present` members, the fields that change.
fn household_size(s: &Subject<'_>, present: usize, ctx: &Context<'_>) -> BTreeMap<String, Value> {
    let income = &s.bundle.household.income;
    let (old, new) = (json(income), json(income.derive(present, ctx.policy)));
    let mut out = fields([(
        "basic.household_size",
        json(u32::try_from(present).unwrap_or(u32::MAX)),
    )]);
    if let (Value::Object(old), Value::Object(new)) = (old, new) {
        for (key, value) in new {
            if old.get(&key) != Some(&value) {
                out.insert(format!("income.{key}"), value);
            }
        }
    }
    out
}

/// The change's own errors: what the household's judgement finds wrong after the edits and
/// not before, of the member change (W6), the records it makes, or its heads. Paths in the
/// household file form.
fn refuse_new_errors(
    household: Uuid,
    records: &[StoredRecord],
    edits: &[Edit],
    ctx: &Context<'_>,
) -> Result<(), Vec<Finding>> {
    let after = apply(records, edits);
    let before = judge_bundle_of(household, records, ctx).by_record();
    let judged = judge_bundle_of(household, &after, ctx);
    let place = places(household, &after);
    let mut out = Vec::new();
    for r in &judged.records {
        let had = before.get(&r.id);
        for f in r.findings.iter().chain(&r.bundle_findings) {
            let concerns = f.requirement.as_deref() == Some("W6")
                || f.code.starts_with("records.")
                || f.code.starts_with("household.head_");
            if f.is_error() && concerns && !had.is_some_and(|h| h.contains(f)) {
                let mut f = f.clone();
                if r.findings.contains(&f)
                    && let Some(p) = place.get(&r.id)
                {
                    f.path = if f.path.is_empty() {
                        p.clone()
                    } else {
                        format!("{p}.{}", f.path)
                    };
                }
                out.push(f);
            }
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

fn w6(code: &str, path: &str, message: &str) -> Finding {
    Finding::error(code, path, message).requirement("W6")
}
