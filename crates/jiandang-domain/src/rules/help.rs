//! C7 and the helper checks of FORMS.md §7.1: the help unit is entered before the people it
//! sends (a helper's or team member's unit must be one already entered); a helper is not also
//! a member of a poor household; every registered household has a helper.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::finding::Finding;
use crate::help::{HelpUnit, Helper, WorkTeamMember};
use crate::household::Household;
use crate::id_number::IdNumber;
use crate::phone::is_phone;
use crate::time::Date;

/// Units, helpers and work-team members together. Paths are `help_units[i].…`,
/// `helpers[i].…` and `work_team_members[i].…`.
pub fn check_help(
    units: &[HelpUnit],
    helpers: &[Helper],
    team_members: &[WorkTeamMember],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (i, unit) in units.iter().enumerate() {
        out.extend(prefixed(check_help_unit(unit), &format!("help_units[{i}]")));
        if let Some(name) = unit
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            && names.insert(name.to_owned(), i).is_some()
        {
            out.push(
                Finding::warning(
                    "help_unit.duplicate_name",
                    format!("help_units[{i}].name"),
                    "已有同名帮扶单位，请从已录入的单位中选择，不要重复录入",
                )
                .requirement("C7"),
            );
        }
    }
    for (i, helper) in helpers.iter().enumerate() {
        out.extend(prefixed(
            check_helper(helper, units),
            &format!("helpers[{i}]"),
        ));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, helper) in helpers.iter().enumerate() {
        if let Some(id) = helper
            .id_number
            .as_deref()
            .map(normalise_id)
            .filter(|s| !s.is_empty())
            && seen.insert(id, i).is_some()
        {
            out.push(
                Finding::error(
                    "helper.duplicate",
                    format!("helpers[{i}].id_number"),
                    "该帮扶责任人已录入（证件号码重复）",
                )
                .requirement("§1.10"),
            );
        }
    }
    for (i, member) in team_members.iter().enumerate() {
        out.extend(prefixed(
            check_work_team_member(member, units),
            &format!("work_team_members[{i}]"),
        ));
    }
    // One leader and one first secretary per village team.
    for (flag, code, label) in [
        (
            (|m: &WorkTeamMember| m.is_team_leader == Some(true)) as fn(&WorkTeamMember) -> bool,
            "work_team.several_leaders",
            "队长",
        ),
        (
            |m: &WorkTeamMember| m.is_first_secretary == Some(true),
            "work_team.several_first_secretaries",
            "第一书记",
        ),
    ] {
        let mut by_village: BTreeMap<Uuid, usize> = BTreeMap::new();
        for (i, m) in team_members.iter().enumerate() {
            if flag(m) && by_village.insert(m.village_id, i).is_some() {
                out.push(
                    Finding::warning(
                        code,
                        format!("work_team_members[{i}]"),
                        format!("同一村的驻村工作队已有{label}，请核实"),
                    )
                    .requirement("§1.10"),
                );
            }
        }
    }
    out
}

/// One help unit.
pub fn check_help_unit(unit: &HelpUnit) -> Vec<Finding> {
    let mut out = Vec::new();
    if unit.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        out.push(
            Finding::error("help_unit.name_missing", "name", "请填写帮扶单位名称")
                .requirement("C7"),
        );
    }
    if unit.affiliation.is_none() {
        out.push(
            Finding::warning(
                "help_unit.affiliation_missing",
                "affiliation",
                "请选择隶属关系",
            )
            .requirement("§1.10"),
        );
    }
    if let Some(phone) = unit.phone.as_deref()
        && !is_phone(phone)
    {
        out.push(phone_warning("help_unit.phone_shape"));
    }
    out
}

/// One helper: the sending unit is an entered unit (C7); name, ID number (and its birth date
/// and sex against the form's), phone.
pub fn check_helper(helper: &Helper, units: &[HelpUnit]) -> Vec<Finding> {
    let mut out = check_unit_ref(helper.help_unit_id, units, "帮扶责任人");
    if helper.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        out.push(
            Finding::error("helper.name_missing", "name", "请填写帮扶责任人姓名")
                .requirement("§1.10"),
        );
    }
    out.extend(check_person_id(
        helper.id_number.as_deref(),
        helper.birth_date,
        helper.sex,
        "helper",
    ));
    if let Some(phone) = helper.phone.as_deref()
        && !is_phone(phone)
    {
        out.push(phone_warning("helper.phone_shape"));
    }
    out
}

/// One work-team member: the sending unit is an entered unit (C7); ID number; dates.
pub fn check_work_team_member(member: &WorkTeamMember, units: &[HelpUnit]) -> Vec<Finding> {
    let mut out = check_unit_ref(member.help_unit_id, units, "驻村工作队员");
    if member.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        out.push(
            Finding::error("work_team.name_missing", "name", "请填写驻村工作队员姓名")
                .requirement("§1.10"),
        );
    }
    out.extend(check_person_id(
        member.id_number.as_deref(),
        None,
        member.sex,
        "work_team",
    ));
    if let (Some(start), Some(end)) = (member.start, member.end)
        && end < start
    {
        out.push(
            Finding::error(
                "work_team.end_before_start",
                "end",
                format!("驻村结束时间（{end}）早于开始时间（{start}）"),
            )
            .requirement("§1.10"),
        );
    }
    if let Some(phone) = member.phone.as_deref()
        && !is_phone(phone)
    {
        out.push(phone_warning("work_team.phone_shape"));
    }
    out
}

/// FORMS.md §7.1 "既是帮扶责任人又是贫困人口": a helper whose ID number is among the
/// members of poor households. `poor_member_ids` holds those members' ID numbers as entered.
pub fn check_helpers_not_poor(
    helpers: &[Helper],
    poor_member_ids: &BTreeSet<String>,
) -> Vec<Finding> {
    let poor: BTreeSet<String> = poor_member_ids.iter().map(|s| normalise_id(s)).collect();
    helpers
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            h.id_number
                .as_deref()
                .map(normalise_id)
                .is_some_and(|id| !id.is_empty() && poor.contains(&id))
        })
        .map(|(i, _)| {
            Finding::error(
                "helper.is_poor_member",
                format!("helpers[{i}].id_number"),
                "该帮扶责任人同时是贫困户家庭成员，不能担任帮扶责任人",
            )
            .requirement("§7.1")
        })
        .collect()
}

/// C7 (the helper is entered before the pairing): a household's pairings name helpers the
/// county has entered. Paths are the household's (`pairings[i].helper_id`). The county-wide
/// checks run this over the county's helpers (`crate::county`); whether the household has a
/// pairing in force at all, and its dates, are the household's own rules
/// (`household.helper_missing`, `household.pairing_dates`).
pub fn check_household_helper(household: &Household, helpers: &[Helper]) -> Vec<Finding> {
    let known: BTreeSet<Uuid> = helpers.iter().map(|h| h.id).collect();
    household
        .pairings
        .iter()
        .enumerate()
        .filter(|(_, p)| !known.contains(&p.helper_id))
        .map(|(i, _)| {
            Finding::error(
                "household.pairing_unknown_helper",
                format!("pairings[{i}].helper_id"),
                "结对的帮扶责任人尚未录入，请先录入帮扶责任人",
            )
            .requirement("C7")
        })
        .collect()
}

/// C7: a sending unit is chosen, and it is one already entered.
fn check_unit_ref(unit: Option<Uuid>, units: &[HelpUnit], who: &str) -> Vec<Finding> {
    match unit {
        None => vec![
            Finding::error(
                "help.unit_missing",
                "help_unit_id",
                format!("请从已录入的帮扶单位中选择{who}的派出单位"),
            )
            .requirement("C7"),
        ],
        Some(id) if !units.iter().any(|u| u.id == id) => vec![
            Finding::error(
                "help.unit_not_entered",
                "help_unit_id",
                "派出单位不在已录入的帮扶单位中：请先录入帮扶单位，再从中选择",
            )
            .requirement("C7"),
        ],
        Some(_) => Vec::new(),
    }
}

/// ID number of a helper or team member: valid, and agreeing with the birth date and sex.
fn check_person_id(
    raw: Option<&str>,
    birth: Option<Date>,
    sex: Option<crate::codes::household::Sex>,
    prefix: &str,
) -> Vec<Finding> {
    let Some(raw) = raw else {
        return vec![
            Finding::error(
                &format!("{prefix}.id_number_missing"),
                "id_number",
                "请填写证件号码",
            )
            .requirement("§1.10"),
        ];
    };
    let id = match IdNumber::parse(raw) {
        Ok(id) => id,
        Err(e) => {
            return vec![
                Finding::error(
                    &format!("{prefix}.id_number_{}", e.code()),
                    "id_number",
                    e.to_string(),
                )
                .requirement("§6.6"),
            ];
        }
    };
    let mut out = Vec::new();
    if let Some(birth) = birth
        && birth != id.birth_date()
    {
        out.push(
            Finding::error(
                &format!("{prefix}.birth_date_mismatch"),
                "birth_date",
                "出生日期与证件号码中的出生日期不一致",
            )
            .requirement("§6.6"),
        );
    }
    if let Some(sex) = sex
        && sex != id.sex()
    {
        out.push(
            Finding::error(
                &format!("{prefix}.sex_mismatch"),
                "sex",
                "性别与证件号码第17位不一致",
            )
            .requirement("§6.6"),
        );
    }
    out
}

fn phone_warning(code: &str) -> Finding {
    Finding::warning(code, "phone", "联系电话应为11位手机号码或带区号的固定电话")
        .requirement("§1.10")
}

fn normalise_id(s: &str) -> String {
    s.trim().to_uppercase()
}

fn prefixed(findings: Vec<Finding>, prefix: &str) -> Vec<Finding> {
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
