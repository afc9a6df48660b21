//! The exit gate (脱贫退出, W1, W2, C9): whether a household may be marked 已脱贫 this year,
//! and every reason it may not. The national system refuses the operation while any
//! 两不愁三保障 item is unresolved; the app disables 标记脱贫 and lists these reasons.

use crate::bundle::HouseholdBundle;
use crate::codes::household::Health;
use crate::finding::Finding;
use crate::household::NoWorriesItem;
use crate::policy::YearPolicy;

/// Refuses the exit with every reason, or lets it through. Findings are errors with paths in
/// the household file form; an unresolved item's message starts with the item's name
/// (`住房安全有保障未解决：…`).
///
/// Each 两不愁三保障 item counts as unresolved when the collector marked it unresolved or has
/// not assessed it, and also when the record shows otherwise whatever the collector ticked:
/// a healthy compulsory-age child not in school (义务教育), a present member without basic
/// medical insurance or a seriously ill member without 大病保险 (基本医疗), a dilapidated or
/// unassessed house (住房), no safe drinking water (饮水).
pub fn check_exit(bundle: &HouseholdBundle, policy: &YearPolicy) -> Result<(), Vec<Finding>> {
    let h = &bundle.household;
    let present: Vec<(usize, &crate::member::Member)> = bundle
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_present())
        .collect();
    let mut out = Vec::new();

    for item in NoWorriesItem::ALL {
        let assessed = h.no_worries.get(item);
        let mut reasons: Vec<String> = Vec::new();
        match assessed.resolved {
            Some(true) => {}
            Some(false) => reasons.push(
                assessed
                    .reason
                    .clone()
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or_else(|| "入户核实为未解决".to_owned()),
            ),
            None => reasons.push("尚未核实".to_owned()),
        }
        let mut path = format!("household.no_worries.{}", item.key());
        match item {
            NoWorriesItem::CompulsoryEducation => {
                for (i, m) in &present {
                    let Some(age) = m.age(policy) else { continue };
                    let able = !m.is_disabled() && !m.health.contains(&Health::SeriousIllness);
                    if !policy.is_compulsory_school_age(age) || !able {
                        continue;
                    }
                    match m.student_status {
                        Some(s) if !s.in_school() => {
                            reasons.push(format!("{age}岁适龄儿童失学辍学"));
                            path = format!("members[{i}].student_status");
                        }
                        None => {
                            reasons.push(format!("{age}岁适龄儿童未填写在校生状况"));
                            path = format!("members[{i}].student_status");
                        }
                        Some(_) => {}
                    }
                }
            }
            NoWorriesItem::BasicMedical => {
                for (i, m) in &present {
                    if m.basic_medical_insurance != Some(true) {
                        reasons.push("有家庭成员未参加城乡居民基本医疗保险".to_owned());
                        path = format!("members[{i}].basic_medical_insurance");
                    } else if m.health.contains(&Health::SeriousIllness)
                        && m.critical_illness_insurance != Some(true)
                    {
                        reasons.push("患大病成员未参加大病保险".to_owned());
                        path = format!("members[{i}].critical_illness_insurance");
                    }
                }
            }
            NoWorriesItem::Housing => match h.living.dilapidated {
                Some(true) => {
                    reasons.push("住房为危房".to_owned());
                    path = "household.living.dilapidated".to_owned();
                }
                None => {
                    reasons.push("未填写是否危房户".to_owned());
                    path = "household.living.dilapidated".to_owned();
                }
                Some(false) => {}
            },
            NoWorriesItem::DrinkingWater => {
                if h.living.safe_drinking_water != Some(true) {
                    reasons.push("未解决安全饮用水".to_owned());
                    path = "household.living.safe_drinking_water".to_owned();
                }
            }
            NoWorriesItem::Food | NoWorriesItem::Clothing => {}
        }
        // The collector's own "not yet assessed" is dropped when a concrete reason exists.
        if reasons.len() > 1 {
            reasons.retain(|r| r != "尚未核实");
        }
        reasons.dedup();
        if !reasons.is_empty() {
            out.push(
                Finding::error(
                    "exit.no_worries_unresolved",
                    path,
                    format!("{}未解决：{}", item.zh(), reasons.join("；")),
                )
                .requirement("W2"),
            );
        }
    }

    match h.income.totals(present.len(), policy) {
        Ok(t) => match t.net_per_capita {
            Some(pc) if pc > policy.poverty_line => {}
            Some(pc) => out.push(
                Finding::error(
                    "exit.income_below_line",
                    "household.income.net_per_capita",
                    format!(
                        "人均纯收入{pc}元，未超过{}年脱贫标准{}元",
                        policy.year, policy.poverty_line
                    ),
                )
                .requirement("W1"),
            ),
            None => out.push(
                Finding::error(
                    "exit.income_unknown",
                    "members",
                    "户内没有在册家庭成员，无法计算人均纯收入",
                )
                .requirement("W1"),
            ),
        },
        Err(_) => out.push(
            Finding::error(
                "exit.income_unknown",
                "household.income",
                "收入金额过大，无法计算",
            )
            .requirement("W1"),
        ),
    }
    let income_blank = [h.income.wage, h.income.business_income]
        .iter()
        .all(Option::is_none)
        && h.income.transfer_total.is_none()
        && h.income.minimum_allowance.is_none()
        && h.income.pension.is_none();
    if income_blank {
        out.push(
            Finding::error(
                "exit.income_not_collected",
                "household.income",
                "上年度收入尚未采集，不能标记脱贫",
            )
            .requirement("W1"),
        );
    }

    if h.basic.basic_info_updated_year != Some(policy.year) {
        out.push(
            Finding::error(
                "exit.basic_info_not_updated",
                "household.basic.basic_info_updated_year",
                format!(
                    "{}年基础信息尚未更新，请先更新基础信息再标记脱贫",
                    policy.year
                ),
            )
            .requirement("C9"),
        );
    }

    if out.is_empty() { Ok(()) } else { Err(out) }
}
