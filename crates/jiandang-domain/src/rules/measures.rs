//! C4: exit-measure checklists. Collected only for households that exited in the policy year
//! and villages that exited in it; each kind ticked once; a measure's first year not after
//! the exit year.

use std::collections::BTreeMap;

use crate::codes::Coded;
use crate::finding::Finding;
use crate::household::Household;
use crate::measures::{HouseholdExitMeasures, VillageExitMeasures};
use crate::policy::YearPolicy;
use crate::rules::village::FIRST_REGISTER_YEAR;

/// The household sheet against the household's 脱贫年度 (`exit_year`, `None` when it has not
/// exited).
pub fn check_household_exit_measures(
    sheet: &HouseholdExitMeasures,
    exit_year: Option<i32>,
    policy: &YearPolicy,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if exit_year != Some(policy.year) {
        out.push(c4_error(
            "exit_measures.household_not_exited_this_year",
            "",
            format!(
                "脱贫措施信息只采集{}年脱贫户，该户{}",
                policy.year,
                exited_text(exit_year, "脱贫")
            ),
        ));
    }
    if sheet.measures.is_empty() {
        out.push(
            Finding::warning(
                "exit_measures.empty",
                "measures",
                "尚未勾选任何脱贫措施：请对照《贫困户精准扶贫明白卡》勾选历年享受的措施",
            )
            .requirement("C4"),
        );
    }
    let rows = sheet
        .measures
        .iter()
        .map(|m| (m.kind.code(), m.kind.zh(), m.first_year));
    out.extend(check_rows(rows, exit_year.unwrap_or(policy.year)));
    for (i, m) in sheet.measures.iter().enumerate() {
        if m.amount.is_some_and(|a| a.fen() < 0) {
            out.push(c4_error(
                "exit_measures.negative_amount",
                &format!("measures[{i}].amount"),
                "金额不能为负数",
            ));
        }
    }
    out
}

/// The village sheet against the village's 出列年度.
pub fn check_village_exit_measures(
    sheet: &VillageExitMeasures,
    exit_year: Option<i32>,
    policy: &YearPolicy,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if exit_year != Some(policy.year) {
        out.push(c4_error(
            "exit_measures.village_not_exited_this_year",
            "",
            format!(
                "脱贫措施信息只采集{}年出列贫困村，该村{}",
                policy.year,
                exited_text(exit_year, "出列")
            ),
        ));
    }
    if sheet.measures.is_empty() {
        out.push(
            Finding::warning(
                "exit_measures.empty",
                "measures",
                "尚未填写任何脱贫措施：请填写该村历年实施的措施",
            )
            .requirement("C4"),
        );
    }
    let rows = sheet
        .measures
        .iter()
        .map(|m| (m.kind.code(), m.kind.zh(), m.first_year));
    out.extend(check_rows(rows, exit_year.unwrap_or(policy.year)));
    for (i, m) in sheet.measures.iter().enumerate() {
        if m.investment.is_some_and(|a| a.fen() < 0) {
            out.push(c4_error(
                "exit_measures.negative_amount",
                &format!("measures[{i}].investment"),
                "投资金额不能为负数",
            ));
        }
        if let (Some(done), Some(first)) = (m.completed_on, m.first_year)
            && done.year() < first
        {
            out.push(c4_error(
                "exit_measures.completed_before_first_year",
                &format!("measures[{i}].completed_on"),
                format!("完成时间（{done}）早于首次实施年度（{first}年）"),
            ));
        }
    }
    out
}

/// The notice asks the sheet to be filled against the household's recorded help (明白卡 and
/// the province platform): a ticked kind whose category appears in none of the household's
/// yearly 帮扶措施 (六), or first in a later year than the sheet says, is worth a look.
/// Warnings only: the yearly records may be incomplete.
pub fn check_exit_measures_against_help(
    sheet: &HouseholdExitMeasures,
    household: &Household,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, m) in sheet.measures.iter().enumerate() {
        let category = m.kind.category();
        let first_recorded = household
            .help_measures
            .iter()
            .filter(|y| y.categories.contains(&category))
            .map(|y| y.year)
            .min();
        match (first_recorded, m.first_year) {
            (None, _) => out.push(
                Finding::warning(
                    "exit_measures.not_in_help_records",
                    format!("measures[{i}].kind"),
                    format!(
                        "“{}”所属的“{}”在该户历年帮扶措施中没有记录，请对照明白卡核实",
                        m.kind.zh(),
                        category.zh()
                    ),
                )
                .requirement("C4"),
            ),
            (Some(recorded), Some(first)) if first < recorded => out.push(
                Finding::warning(
                    "exit_measures.earlier_than_help_records",
                    format!("measures[{i}].first_year"),
                    format!(
                        "“{}”首次年度为{first}年，但该户帮扶措施记录中“{}”最早见于{recorded}年，请核实",
                        m.kind.zh(),
                        category.zh()
                    ),
                )
                .requirement("C4"),
            ),
            _ => {}
        }
    }
    out
}

/// A household or village that exited in the policy year needs its exit-measure sheet (C4):
/// `exit_year` is its 脱贫年度 / 出列年度, `has_sheet` whether the sheet exists. `what` names
/// it in the message (`"该户"`, `"该村"`).
pub fn check_exit_measures_present(
    exit_year: Option<i32>,
    has_sheet: bool,
    what: &str,
    policy: &YearPolicy,
) -> Vec<Finding> {
    if exit_year == Some(policy.year) && !has_sheet {
        vec![
            Finding::warning(
                "exit_measures.missing",
                "",
                format!(
                    "{what}{}年脱贫（出列），请采集《{}年脱贫措施信息采集表》",
                    policy.year, policy.year
                ),
            )
            .requirement("C4"),
        ]
    } else {
        Vec::new()
    }
}

/// Each kind once; first years between 2014 and the exit year.
fn check_rows<'a>(
    rows: impl Iterator<Item = (&'a str, &'a str, Option<i32>)>,
    exit_year: i32,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (code, label, first_year)) in rows.enumerate() {
        if let Some(first) = seen.insert(code, i) {
            seen.insert(code, first);
            out.push(c4_error(
                "exit_measures.duplicate_kind",
                &format!("measures[{i}].kind"),
                format!("“{label}”已勾选（同类措施多次享受也只勾选一次）"),
            ));
        }
        match first_year {
            Some(year) if year > exit_year => out.push(c4_error(
                "exit_measures.first_year_after_exit",
                &format!("measures[{i}].first_year"),
                format!("“{label}”的首次年度（{year}年）晚于脱贫（出列）年度（{exit_year}年）"),
            )),
            Some(year) if year < FIRST_REGISTER_YEAR => out.push(
                Finding::warning(
                    "exit_measures.first_year_before_register",
                    format!("measures[{i}].first_year"),
                    format!("“{label}”的首次年度（{year}年）早于建档立卡（{FIRST_REGISTER_YEAR}年），请核实"),
                )
                .requirement("C4"),
            ),
            _ => {}
        }
    }
    out
}

fn exited_text(exit_year: Option<i32>, verb: &str) -> String {
    match exit_year {
        Some(year) => format!("于{year}年{verb}"),
        None => format!("未{verb}"),
    }
}

fn c4_error(code: &str, path: &str, message: impl Into<String>) -> Finding {
    Finding::error(code, path, message).requirement("C4")
}
