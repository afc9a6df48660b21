//! W6: natural member changes (家庭成员自然增加 / 自然减少). A reason belongs to its
//! direction; the date falls in the year (a newborn born before the period is a 补录; a date
//! after the collection day is refused); a member who died or left is not afterwards changed
//! as present; the 户主 leaving needs a new 户主; a household whose members all left must be
//! closed.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::codes::Coded;
use crate::codes::village::{ChangeDirection, MemberChangeReason};
use crate::finding::Finding;
use crate::member::Member;
use crate::member_change::MemberChange;
use crate::policy::YearPolicy;
use crate::time::Date;

/// One change record on its own: reason, direction, date against the policy year and the
/// collection day, proof.
pub fn check_member_change(
    change: &MemberChange,
    policy: &YearPolicy,
    collected_on: Date,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let sheet = direction_zh(change.direction);
    match change.reason {
        None => out.push(w6_error(
            "member_change.reason_missing",
            "reason",
            format!("请选择{sheet}原因"),
        )),
        Some(reason) if reason.direction() != change.direction => out.push(w6_error(
            "member_change.reason_wrong_direction",
            "reason",
            format!(
                "“{}”是{}原因，不能用于{sheet}",
                reason.zh(),
                direction_zh(reason.direction())
            ),
        )),
        Some(_) => {}
    }
    match change.date {
        None => out.push(w6_error(
            "member_change.date_missing",
            "date",
            format!("请填写{sheet}时间"),
        )),
        Some(date) if date > collected_on => out.push(w6_error(
            "member_change.date_after_collection",
            "date",
            format!("{sheet}时间（{date}）晚于采集日期（{collected_on}），不能登记尚未发生的变更"),
        )),
        Some(date) if date < policy.income_period_start => {
            if change.reason == Some(MemberChangeReason::Newborn) {
                out.push(w6_warning(
                    "member_change.newborn_before_period",
                    "reason",
                    format!(
                        "出生日期（{date}）早于本年度起始日（{}），应按“补录”登记",
                        policy.income_period_start
                    ),
                ));
            } else if change.reason != Some(MemberChangeReason::LateRegistration) {
                out.push(w6_warning(
                    "member_change.date_before_period",
                    "date",
                    format!(
                        "{sheet}时间（{date}）早于本年度起始日（{}），属以往年度的变更，请核实",
                        policy.income_period_start
                    ),
                ));
            }
        }
        Some(date) if date > policy.income_period_end => out.push(w6_warning(
            "member_change.date_after_period",
            "date",
            format!(
                "{sheet}时间（{date}）晚于本年度截止日（{}），属于下一年度的变更，请核实",
                policy.income_period_end
            ),
        )),
        Some(_) => {}
    }
    if change.proof.is_none() && change.proof_photo_ids.is_empty() {
        out.push(w6_warning(
            "member_change.proof_missing",
            "proof",
            "请登记证明材料（出生医学证明、户口簿、死亡证明等）",
        ));
    }
    if change.direction == ChangeDirection::Increase && change.new_head_id.is_some() {
        out.push(w6_warning(
            "member_change.new_head_on_increase",
            "new_head_id",
            "新户主只在户主自然减少时填写",
        ));
    }
    out
}

/// The change records of one household against its members, in date order. Paths are
/// `member_changes[i].…` and `members[i].…` in the household bundle.
pub fn check_member_changes(
    members: &[Member],
    changes: &[MemberChange],
    policy: &YearPolicy,
    collected_on: Date,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        out.extend(
            check_member_change(change, policy, collected_on)
                .into_iter()
                .map(|f| at(f, &format!("member_changes[{i}]"))),
        );
    }

    let index: BTreeMap<Uuid, usize> = members.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut order: Vec<usize> = (0..changes.len()).collect();
    // Undated changes last; equal dates keep their entry order.
    order.sort_by_key(|&i| (changes[i].date.is_none(), changes[i].date));

    // Present before this year's changes: every member whose first change is not an
    // increase (a member brought in by an increase was not there before it).
    let mut first_direction: BTreeMap<Uuid, ChangeDirection> = BTreeMap::new();
    for &i in &order {
        first_direction
            .entry(changes[i].member_id)
            .or_insert(changes[i].direction);
    }
    let mut present: BTreeSet<Uuid> = members
        .iter()
        .filter(|m| first_direction.get(&m.id) != Some(&ChangeDirection::Increase))
        .map(|m| m.id)
        .collect();
    let mut heads: BTreeSet<Uuid> = members
        .iter()
        .filter(|m| m.is_head() && present.contains(&m.id))
        .map(|m| m.id)
        .collect();
    let mut decreased: BTreeSet<Uuid> = BTreeSet::new();

    for i in order {
        let change = &changes[i];
        let p = format!("member_changes[{i}]");
        let Some(&mi) = index.get(&change.member_id) else {
            out.push(w6_error(
                "member_change.unknown_member",
                &format!("{p}.member_id"),
                "变更记录所指的成员不在本户成员名单中",
            ));
            continue;
        };
        match change.direction {
            ChangeDirection::Increase => {
                if decreased.contains(&change.member_id) {
                    out.push(w6_error(
                        "member_change.after_decrease",
                        &format!("{p}.member_id"),
                        "该成员已自然减少，不能再作为新增成员登记",
                    ));
                } else if !present.insert(change.member_id) {
                    out.push(w6_error(
                        "member_change.duplicate_increase",
                        &format!("{p}.member_id"),
                        "该成员已在户，不能重复登记自然增加",
                    ));
                }
                if change.reason == Some(MemberChangeReason::Newborn)
                    && let (Some(date), Some(birth)) = (change.date, members[mi].birth())
                    && date != birth
                {
                    out.push(w6_warning(
                        "member_change.newborn_date_mismatch",
                        &format!("{p}.date"),
                        format!("新生儿的增加时间（{date}）应为出生日期（{birth}）"),
                    ));
                }
                if members[mi].is_head() {
                    heads.insert(change.member_id);
                }
            }
            ChangeDirection::Decrease => {
                if decreased.contains(&change.member_id) {
                    out.push(w6_error(
                        "member_change.duplicate_decrease",
                        &format!("{p}.member_id"),
                        "该成员已自然减少，不能再次登记减少",
                    ));
                    continue;
                }
                if !present.remove(&change.member_id) {
                    out.push(w6_error(
                        "member_change.decrease_absent_member",
                        &format!("{p}.member_id"),
                        "该成员此时不在户，不能登记自然减少",
                    ));
                }
                decreased.insert(change.member_id);
                if heads.remove(&change.member_id) && !present.is_empty() {
                    match change.new_head_id {
                        None => out.push(w6_error(
                            "member_change.head_left_without_new_head",
                            &format!("{p}.new_head_id"),
                            "户主自然减少后贫困户无户主：请指定新户主",
                        )),
                        Some(new) if !present.contains(&new) => out.push(w6_error(
                            "member_change.new_head_not_present",
                            &format!("{p}.new_head_id"),
                            "新户主须是仍在户的家庭成员",
                        )),
                        Some(new) => {
                            heads.insert(new);
                        }
                    }
                }
            }
        }
    }

    for (i, m) in members.iter().enumerate() {
        if decreased.contains(&m.id) && m.is_present() {
            out.push(w6_error(
                "member_change.decreased_member_present",
                &format!("members[{i}].status"),
                "该成员已登记自然减少，人员状态不能仍为“正常”",
            ));
        }
    }
    if !members.is_empty() && present.is_empty() {
        out.push(w6_warning(
            "member_change.all_members_decreased",
            "",
            "全部家庭成员均已自然减少：该户应办理自然销户",
        ));
    }
    out
}

fn direction_zh(direction: ChangeDirection) -> &'static str {
    match direction {
        ChangeDirection::Increase => "增加",
        ChangeDirection::Decrease => "减少",
    }
}

fn w6_error(code: &str, path: &str, message: impl Into<String>) -> Finding {
    Finding::error(code, path, message).requirement("W6")
}

fn w6_warning(code: &str, path: &str, message: impl Into<String>) -> Finding {
    Finding::warning(code, path, message).requirement("W6")
}

/// The finding with its path put under `prefix`.
fn at(mut f: Finding, prefix: &str) -> Finding {
    f.path = if f.path.is_empty() {
        prefix.to_owned()
    } else {
        format!("{prefix}.{}", f.path)
    };
    f
}
