//! The catalogue of county-wide checks: each with its stable code, the requirement or section
//! it implements, its severity, its title and what to verify at the door (zh-CN), and the
//! level it runs at (what a re-run after a push must cover for it). The national 疑点
//! categories (FORMS.md §7.1) are the judgement's own findings, grouped: [`NATIONAL`] says
//! which finding codes fall in which category.

use crate::finding::Severity;

/// What a check's faults are keyed by, for a re-run to know what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// One household's bundle (and the county's help set).
    Household,
    /// One village: its form and every household of it.
    Village,
    /// An ID number across the county (the ID index): members and helpers.
    Person,
    /// The county's help units, helpers and work teams.
    Help,
    /// The county itself.
    County,
    /// The judgement's findings: the household's level for a household's records, the
    /// village's for village-side records, the help set's for help records.
    Record,
}

/// One county-wide check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CheckDef {
    /// Stable code, `county.…`; never changes meaning.
    pub code: &'static str,
    /// NOTICE.md requirement id, or FORMS.md / EVALUATION.md section.
    pub requirement: &'static str,
    pub severity: Severity,
    pub level: Level,
    /// 问题类别, zh-CN.
    pub title_zh: &'static str,
    /// 核实要点: what to verify at the door, zh-CN.
    pub verify_zh: &'static str,
}

const fn def(
    code: &'static str,
    requirement: &'static str,
    severity: Severity,
    level: Level,
    title_zh: &'static str,
    verify_zh: &'static str,
) -> CheckDef {
    CheckDef {
        code,
        requirement,
        severity,
        level,
        title_zh,
        verify_zh,
    }
}

use Level::{County, Household, Person, Record, Village};
use Severity::{Error, Warning};

/// 本年度未入户核实 (C1).
pub const NOT_VISITED: CheckDef = def(
    "county.not_visited",
    "C1",
    Warning,
    Household,
    "本年度未入户核实",
    "到户对照对照表逐项核实，录入入户核实记录（有变化的录入新值）",
);
/// 返贫户未填写返贫原因 (C2).
pub const RETURNED_WITHOUT_REASON: CheckDef = def(
    "county.returned_without_reason",
    "C2",
    Error,
    Record,
    "返贫户未填写返贫原因",
    "到户核实返贫原因，在返贫原因中选择并补填",
);
/// 脱贫户、出列村未采集脱贫措施 (C4).
pub const EXIT_WITHOUT_MEASURES: CheckDef = def(
    "county.exit_without_measures",
    "C4",
    Warning,
    Record,
    "本年脱贫（出列）未采集脱贫措施",
    "逐项核实历年享受的帮扶措施（同类只勾一次），采集脱贫措施信息采集表",
);
/// 贫困户未采集位置 (C5).
pub const HOUSEHOLD_NO_GPS: CheckDef = def(
    "county.household_no_gps",
    "C5",
    Warning,
    Household,
    "贫困户未采集GPS位置",
    "到户用手机在房屋前采集位置（精度优于20米）",
);
/// 贫困户位置距本村过远 (C5).
pub const HOUSEHOLD_GPS_FAR: CheckDef = def(
    "county.household_gps_far",
    "C5",
    Warning,
    Village,
    "贫困户位置距本村过远",
    "到户重新采集位置，核实该户是否为本村住户",
);
/// 贫困村未采集位置 (C5).
pub const VILLAGE_NO_GPS: CheckDef = def(
    "county.village_no_gps",
    "C5",
    Warning,
    Village,
    "贫困村未采集GPS位置",
    "在村委会所在地用手机采集贫困村位置",
);
/// 贫困村位置距村中心过远 (C5).
pub const VILLAGE_GPS_FAR: CheckDef = def(
    "county.village_gps_far",
    "C5",
    Warning,
    Record,
    "贫困村定位点距村中心过远",
    "在村委会所在地重新采集位置，核实村中心经纬度",
);
/// 贫困县未采集位置 (C5, N5).
pub const COUNTY_NO_GPS: CheckDef = def(
    "county.county_no_gps",
    "N5",
    Warning,
    County,
    "贫困县未采集GPS位置",
    "在县人民政府所在地用手机采集贫困县位置",
);
/// 在校生状况未核实两年 (C8).
pub const STUDENT_STATUS_UNVERIFIED: CheckDef = def(
    "county.student_status_unverified",
    "C8",
    Error,
    Record,
    "在校生状况未核实上年和本年",
    "核对学籍证明或向学校核实，填写上年和本年在校生状况",
);
/// 应退未退 (W3; ranked as W1 asks).
pub const SHOULD_EXIT: CheckDef = def(
    "county.should_exit",
    "W3",
    Warning,
    Village,
    "应退未退",
    "到户核实收入和两不愁三保障；稳定达到脱贫标准的按程序列为预脱贫户（谁更符合脱贫条件谁先退）",
);
/// 脱贫户不达脱贫标准 (W1, W2).
pub const EXIT_FAILS_STANDARD: CheckDef = def(
    "county.exit_fails_standard",
    "W1",
    Error,
    Household,
    "脱贫户未达脱贫标准（错退风险）",
    "到户核实收入是否稳定超过当年扶贫标准、两不愁三保障是否稳定实现；不符合的按程序返贫纳入",
);
/// 本年出列村未达出列标准 (W4).
pub const VILLAGE_EXIT_FAILS_STANDARD: CheckDef = def(
    "county.village_exit_fails_standard",
    "W4",
    Error,
    Record,
    "本年出列村未达出列标准",
    "核实村贫困发生率和基础设施、公共服务各项出列条件，未达到的不得出列",
);
/// 已出列村贫困发生率仍高于标准 (W3).
pub const EXITED_VILLAGE_ABOVE_LINE: CheckDef = def(
    "county.exited_village_above_line",
    "W3",
    Warning,
    Record,
    "已出列村贫困发生率仍高于标准",
    "复核该村未脱贫户，逐户核实应退未退的贫困户",
);
/// 2016、2017年均无脱贫户的村 (W3, W4).
pub const VILLAGE_NO_EXITS: CheckDef = def(
    "county.village_no_exits",
    "W3",
    Warning,
    Record,
    "连续两年无贫困户脱贫",
    "复核该村未脱贫户，逐户核实应退未退的贫困户",
);
/// 应出列未出列 (W4).
pub const VILLAGE_SHOULD_EXIT: CheckDef = def(
    "county.village_should_exit",
    "W4",
    Warning,
    Village,
    "达到出列标准未出列",
    "核实村贫困发生率和基础设施、公共服务各项出列条件；达到的按程序出列",
);
/// 人均纯收入与本村差异过大 (§7.2).
pub const INCOME_OUTLIER: CheckDef = def(
    "county.income_outlier",
    "§7.2",
    Warning,
    Village,
    "人均纯收入与本村差异过大",
    "到户核对收入测算表和存折，逐项核实各项收入和家庭人口",
);
/// 同一人登记在本县两个贫困户 (§7.1 人员重复).
pub const PERSON_IN_TWO_HOUSEHOLDS: CheckDef = def(
    "county.person_in_two_households",
    "§7.1",
    Error,
    Person,
    "人员重复：同一人在本县两个贫困户",
    "核对户口本和身份证，确认此人实际共同生活的户；另一户按自然减少处理或更正证件号码",
);
/// 同一人登记在两个县的贫困户 (§7.1 人员重复).
pub const PERSON_IN_TWO_COUNTIES: CheckDef = def(
    "county.person_in_two_counties",
    "§7.1",
    Error,
    Person,
    "人员重复：同一人在两个县的贫困户",
    "核对户口本和身份证，确认此人户籍和实际居住地；与另一县核对后在一处减少",
);
/// 帮扶责任人同时是贫困人口 (§7.1 帮扶责任人问题).
pub const HELPER_IS_POOR: CheckDef = def(
    "county.helper_is_poor",
    "§7.1",
    Error,
    Person,
    "帮扶责任人同时是贫困人口",
    "核实该帮扶责任人身份；属实的更换帮扶责任人",
);
/// 结对的帮扶责任人未录入 (C7, §7.1 帮扶责任人问题).
pub const PAIRING_HELPER_UNKNOWN: CheckDef = def(
    "county.pairing_helper_unknown",
    "C7",
    Error,
    Household,
    "结对的帮扶责任人未录入",
    "核实该户的帮扶责任人，先录入帮扶单位和帮扶责任人，再结对",
);
/// Any other error the judgement holds on a register record.
pub const RECORD_ERROR: CheckDef = def(
    "county.record_error",
    "Q1",
    Error,
    Record,
    "登记信息有错误",
    "按问题描述到户核实，更正登记信息",
);

/// The national 疑点 categories (FORMS.md §7.1): each a check over the judgement's findings.
pub const NATIONAL_ID_NUMBER: CheckDef = def(
    "county.national.id_number",
    "§7.1",
    Error,
    Record,
    "证件号码异常",
    "核对身份证或户口本，更正证件号码、出生日期和性别",
);
pub const NATIONAL_REQUIRED: CheckDef = def(
    "county.national.required",
    "§7.1",
    Error,
    Record,
    "重要指标为空",
    "到户核实并补填所缺指标",
);
pub const NATIONAL_CAUSE: CheckDef = def(
    "county.national.cause",
    "§7.1",
    Error,
    Record,
    "致贫原因问题",
    "核实致贫原因与家庭成员健康、在校、劳动力情况是否相符，更正致贫原因或成员信息",
);
pub const NATIONAL_ALLOWANCE: CheckDef = def(
    "county.national.allowance",
    "§7.1",
    Error,
    Record,
    "低保、五保问题",
    "与民政部门名单核对低保、特困供养身份和金额，更正贫困户属性或成员信息",
);
pub const NATIONAL_LABOUR: CheckDef = def(
    "county.national.labour",
    "§7.1",
    Warning,
    Record,
    "劳动能力问题",
    "核实成员年龄、健康和劳动能力，更正劳动技能",
);
pub const NATIONAL_INCOME: CheckDef = def(
    "county.national.income",
    "§7.1",
    Warning,
    Record,
    "收入问题",
    "核对收入测算表和存折，逐项核实各项收入和支出",
);
pub const NATIONAL_WORK: CheckDef = def(
    "county.national.work",
    "§7.1",
    Warning,
    Record,
    "务工状况问题",
    "核实务工成员的务工地点、时间和工资性收入",
);
pub const NATIONAL_HELPER: CheckDef = def(
    "county.national.helper",
    "§7.1",
    Error,
    Record,
    "帮扶责任人问题",
    "核实结对帮扶责任人和结对时间，补全结对信息",
);
pub const NATIONAL_LOGIC: CheckDef = def(
    "county.national.logic",
    "§7.1",
    Warning,
    Record,
    "指标值异常或逻辑错误",
    "到户核实该指标，确有特殊情况的写明核实情况",
);
pub const NATIONAL_DUPLICATE: CheckDef = def(
    "county.national.duplicate",
    "§7.1",
    Error,
    Record,
    "人员重复：同一证件号码在本户出现两次",
    "核对户口本和身份证，删除重复录入或更正证件号码",
);

/// The province's comparison file (比对结果, W5, Q1): one row matched to a member.
pub const PROVINCE_COMPARISON: CheckDef = def(
    "province.comparison",
    "W5",
    Error,
    Person,
    "省级比对疑点",
    "按比对原因到户核实（财政供养、车辆、工商注册、房产等），属实的按程序处理，不属实的写明依据；不得一刀切",
);

/// Every check, in the order docs/problems.md lists them.
pub const ALL: [CheckDef; 33] = [
    PERSON_IN_TWO_HOUSEHOLDS,
    PERSON_IN_TWO_COUNTIES,
    HELPER_IS_POOR,
    SHOULD_EXIT,
    EXIT_FAILS_STANDARD,
    EXITED_VILLAGE_ABOVE_LINE,
    VILLAGE_NO_EXITS,
    VILLAGE_SHOULD_EXIT,
    VILLAGE_EXIT_FAILS_STANDARD,
    NOT_VISITED,
    RETURNED_WITHOUT_REASON,
    EXIT_WITHOUT_MEASURES,
    HOUSEHOLD_NO_GPS,
    HOUSEHOLD_GPS_FAR,
    VILLAGE_NO_GPS,
    VILLAGE_GPS_FAR,
    COUNTY_NO_GPS,
    STUDENT_STATUS_UNVERIFIED,
    INCOME_OUTLIER,
    PAIRING_HELPER_UNKNOWN,
    NATIONAL_ID_NUMBER,
    NATIONAL_REQUIRED,
    NATIONAL_CAUSE,
    NATIONAL_ALLOWANCE,
    NATIONAL_LABOUR,
    NATIONAL_INCOME,
    NATIONAL_WORK,
    NATIONAL_HELPER,
    NATIONAL_LOGIC,
    NATIONAL_DUPLICATE,
    RECORD_ERROR,
    PROVINCE_COMPARISON,
    BY_HAND,
];

/// The county's problems raised by hand (`action::problem::raise_by_hand`), listed for the
/// docs and the dashboard's filters; no run raises them.
pub const BY_HAND: CheckDef = def(
    crate::action::problem::BY_HAND,
    "EVALUATION §6",
    Error,
    Record,
    "县扶贫办退回",
    "按县扶贫办意见到户核实，属实的更正登记信息",
);

/// The check with this code.
pub fn by_code(code: &str) -> Option<&'static CheckDef> {
    ALL.iter().find(|c| c.code == code)
}

/// Which of the judgement's finding codes each check over findings takes: an exact code, or
/// a prefix ending in `.` (the ID-number codes carry the parser's reason). A finding no entry
/// names becomes [`RECORD_ERROR`] when it is an error on a register record and is left out
/// otherwise (a warning the collector already saw). The exit standard's codes (`exit.…`)
/// are [`EXIT_FAILS_STANDARD`]'s, judged from the exit gate itself.
pub const NATIONAL: [(&CheckDef, &[&str]); 18] = [
    (
        &RETURNED_WITHOUT_REASON,
        &["household.return_reason_missing"],
    ),
    (&EXIT_WITHOUT_MEASURES, &["exit_measures.missing"]),
    (
        &STUDENT_STATUS_UNVERIFIED,
        &[
            "member.student_status_missing",
            "member.student_status_last_year_missing",
        ],
    ),
    (&VILLAGE_GPS_FAR, &["gps.far_from_village"]),
    (
        &EXITED_VILLAGE_ABOVE_LINE,
        &["village.exited_incidence_above_line"],
    ),
    (&VILLAGE_NO_EXITS, &["village.no_exits_two_years"]),
    (&VILLAGE_EXIT_FAILS_STANDARD, &["village_exit."]),
    (
        &NATIONAL_ID_NUMBER,
        &[
            "member.id_number.",
            "member.birth_date_mismatch",
            "member.sex_mismatch",
        ],
    ),
    (
        &NATIONAL_REQUIRED,
        &[
            "household.required_missing",
            "household.head_missing",
            "household.exit_year_missing",
            "household.return_year_missing",
            "household.dilapidation_level_missing",
            "household.phone_missing",
            "household.bank_missing",
            "member.id_number_missing",
            "member.birth_date_missing",
            "member.name_missing",
            "member.sex_missing",
            "member.relationship_missing",
            "member.ethnicity_missing",
            "member.health_missing",
            "member.labour_skill_missing",
            "member.education_missing",
            "member.medical_insurance_missing",
            "member.disabled_without_certificate",
        ],
    ),
    (
        &NATIONAL_CAUSE,
        &[
            "household.cause_illness_all_healthy",
            "household.cause_disability_nobody_disabled",
            "household.cause_schooling_no_student",
            "household.cause_schooling_compulsory_only",
            "household.cause_labour_has_labourers",
            "household.other_cause_repeats_main",
            "household.other_causes_too_many",
        ],
    ),
    (
        &NATIONAL_ALLOWANCE,
        &[
            "household.allowance_without_member",
            "household.general_with_allowance_member",
            "household.general_receives_allowance",
            "household.allowance_income_zero",
            "household.support_income_zero",
            "household.allowance_and_support",
            "household.support_with_labourer",
        ],
    ),
    (
        &NATIONAL_LABOUR,
        &[
            "member.labour_working_age_none",
            "member.labour_healthy_lost",
            "member.labour_child",
        ],
    ),
    (
        &NATIONAL_INCOME,
        &[
            "household.business_expense_missing",
            "household.net_per_capita_nonpositive",
            "household.net_per_capita_implausible",
            "household.not_exited_income_high",
            "household.income_item_blank",
            "household.income_item_negative",
            "household.income_item_small",
            "household.income_overflow",
            "household.income_derived_stale",
            "household.pension_without_elderly",
            "household.elderly_without_pension",
            "household.ecological_without_land",
        ],
    ),
    (
        &NATIONAL_WORK,
        &[
            "member.work_months_range",
            "member.work_place_missing",
            "member.employer_missing",
            "member.work_status_missing",
            "member.work_without_capacity",
            "member.work_place_without_months",
            "household.wage_without_work",
            "household.work_without_wage",
        ],
    ),
    (
        &NATIONAL_HELPER,
        &[
            "household.helper_missing",
            "household.pairing_start_missing",
            "household.pairing_dates",
        ],
    ),
    (
        &NATIONAL_LOGIC,
        &[
            "household.no_members",
            "household.head_multiple",
            "household.spouse_multiple",
            "household.head_spouse_same_sex",
            "household.size_mismatch",
            "household.size_large",
            "household.attribute_status_mismatch",
            "household.year_mismatch",
            "household.arable_per_capita_high",
            "household.forest_per_capita_high",
            "household.road_distance_far",
            "household.housing_area_zero",
            "household.housing_area_large",
            "household.housing_area_small_exited",
            "household.irrigated_exceeds_arable",
            "household.returned_farmland_exceeds",
            "member.relationship_sex",
            "member.head_minor",
            "member.health_exclusive",
            "member.certificate_but_healthy",
            "member.education_age",
            "member.student_status_sequence",
            "member.compulsory_age_not_in_school",
            "member.dropout_reason_missing",
            "member.dropout_reason_health",
            "member.student_too_young",
            "member.student_too_old",
            "member.student_over_30",
        ],
    ),
    (&NATIONAL_DUPLICATE, &["household.duplicate_id_number"]),
    // Orphans and unreadable fields are errors the collector must fix, not 疑点 of their
    // own: they stay under RECORD_ERROR (listed here so the table is the whole mapping).
    (&RECORD_ERROR, &[]),
];

/// The check a judgement finding falls under, if any.
pub fn of_finding(code: &str, severity: Severity) -> Option<&'static CheckDef> {
    let named = NATIONAL.iter().find_map(|(check, codes)| {
        codes
            .iter()
            .any(|c| {
                if c.ends_with('.') {
                    code.starts_with(c)
                } else {
                    code == *c
                }
            })
            .then_some(*check)
    });
    match named {
        Some(check) => Some(check),
        // The exit standard is judged from the exit gate, not from the findings on it.
        None if code.starts_with("exit.") => None,
        None if severity == Severity::Error => Some(&RECORD_ERROR),
        None => None,
    }
}
