//! Rules over a household together with its members (FORMS.md §7.1–§7.3): head of household,
//! household size, causes of poverty, 低保/特困供养 consistency, income plausibility, living
//! conditions, helper pairing.
//!
//! Paths are in the household file form ([`crate::bundle`]): `household.income.wage`,
//! `members[2].sex`.

use std::collections::HashMap;

use crate::codes::Coded;
use crate::codes::household::{ExitStatus, HouseholdAttribute, PovertyCause, Relationship};
use crate::finding::Finding;
use crate::household::{Decimal2, Household, NoWorriesItem};
use crate::member::Member;
use crate::money::Money;
use crate::phone::is_mobile_phone;
use crate::policy::YearPolicy;

/// Every household-level finding.
pub fn check(h: &Household, members: &[Member], policy: &YearPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    let present: Vec<(usize, &Member)> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_present())
        .collect();
    composition(h, &present, members, &mut out);
    basic(h, policy, &mut out);
    conditions(h, present.len(), &mut out);
    // Rules that compare the household with its members say nothing useful about an empty
    // household (空挂户 is already reported).
    if !present.is_empty() {
        causes(h, &present, &mut out);
        welfare(h, &present, policy, &mut out);
        income(h, &present, policy, &mut out);
    }
    pairing(h, &mut out);
    help_measures(h, &mut out);
    no_worries(h, &mut out);
    out
}

fn composition(
    h: &Household,
    present: &[(usize, &Member)],
    all: &[Member],
    out: &mut Vec<Finding>,
) {
    if present.is_empty() {
        out.push(
            Finding::error(
                "household.no_members",
                "members",
                "户内没有在册家庭成员（空挂户）",
            )
            .requirement("§7.1"),
        );
        return;
    }
    let heads: Vec<&(usize, &Member)> = present.iter().filter(|(_, m)| m.is_head()).collect();
    match heads.len() {
        0 => out.push(
            Finding::error(
                "household.head_missing",
                "members",
                "户内没有户主，请指定户主",
            )
            .requirement("§7.2"),
        ),
        1 => {}
        _ => {
            for (i, _) in heads.iter().skip(1) {
                out.push(
                    Finding::error(
                        "household.head_multiple",
                        format!("members[{i}].relationship"),
                        "一户只能有一名户主",
                    )
                    .requirement("§7.2"),
                );
            }
        }
    }
    let spouses: Vec<&(usize, &Member)> = present
        .iter()
        .filter(|(_, m)| m.relationship == Some(Relationship::Spouse))
        .collect();
    for (i, _) in spouses.iter().skip(1) {
        out.push(
            Finding::error(
                "household.spouse_multiple",
                format!("members[{i}].relationship"),
                "一户只能有一名配偶",
            )
            .requirement("§7.3"),
        );
    }
    if let (Some((_, head)), Some((si, spouse))) = (heads.first(), spouses.first())
        && head.sex.is_some()
        && head.sex == spouse.sex
    {
        out.push(
            Finding::warning(
                "household.head_spouse_same_sex",
                format!("members[{si}].sex"),
                "户主与配偶性别相同，请核实",
            )
            .requirement("§7.1"),
        );
    }
    if let Some(size) = h.basic.household_size
        && size as usize != present.len()
    {
        out.push(
            Finding::error(
                "household.size_mismatch",
                "household.basic.household_size",
                format!(
                    "家庭人口数为{size}，在册家庭成员为{}人，请核对",
                    present.len()
                ),
            )
            .requirement("§1.2"),
        );
    }
    if present.len() >= 7 {
        out.push(
            Finding::warning(
                "household.size_large",
                "members",
                format!("家庭人口{}人，请核实是否应分户", present.len()),
            )
            .requirement("§7.2"),
        );
    }
    // Duplicate ID numbers inside the household (the county checks across households).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, m) in all.iter().enumerate() {
        if let Some(Ok(id)) = m.parsed_id() {
            let key = id.as_str()[..18].to_owned();
            if seen.insert(key, i).is_some() {
                out.push(
                    Finding::error(
                        "household.duplicate_id_number",
                        format!("members[{i}].id_number"),
                        "同一证件号码在本户出现两次",
                    )
                    .requirement("§6.6"),
                );
            }
        }
    }
}

fn basic(h: &Household, policy: &YearPolicy, out: &mut Vec<Finding>) {
    let b = &h.basic;
    match b.year {
        None => out.push(missing("household.basic.year", "年度")),
        Some(y) if y != policy.year => out.push(
            Finding::warning(
                "household.year_mismatch",
                "household.basic.year",
                format!("年度为{y}，本次动态管理为{}年度，请核实", policy.year),
            )
            .requirement("§1.2"),
        ),
        Some(_) => {}
    }
    if b.household_size.is_none() {
        out.push(missing("household.basic.household_size", "家庭人口数"));
    }
    if b.identification_standard.is_none() {
        out.push(missing(
            "household.basic.identification_standard",
            "识别标准",
        ));
    }
    if b.attribute.is_none() {
        out.push(missing("household.basic.attribute", "贫困户属性"));
    }
    if b.status.is_none() {
        out.push(missing("household.basic.status", "脱贫状态"));
    }
    if let (Some(attr), Some(status)) = (b.attribute, b.status) {
        let consistent = match status {
            ExitStatus::Exited | ExitStatus::ExitedNoPolicy => attr.is_exited(),
            ExitStatus::NotExited | ExitStatus::Returned => !attr.is_exited(),
            ExitStatus::PreExit => true,
        };
        if !consistent {
            out.push(
                Finding::error(
                    "household.attribute_status_mismatch",
                    "household.basic.attribute",
                    format!("贫困户属性“{}”与脱贫状态“{}”不一致", attr.zh(), status.zh()),
                )
                .requirement("§1.3"),
            );
        }
    }
    if b.status.is_some_and(ExitStatus::is_exited) && b.exit_year.is_none() {
        out.push(
            Finding::error(
                "household.exit_year_missing",
                "household.basic.exit_year",
                "已脱贫户请填写脱贫年度",
            )
            .requirement("§1.2"),
        );
    }
    if b.status == Some(ExitStatus::Returned) {
        if b.return_reason.is_none() {
            out.push(
                Finding::error(
                    "household.return_reason_missing",
                    "household.basic.return_reason",
                    "返贫户须填写返贫原因",
                )
                .requirement("C2"),
            );
        }
        if b.return_year.is_none() {
            out.push(
                Finding::error(
                    "household.return_year_missing",
                    "household.basic.return_year",
                    "返贫户请填写返贫年度",
                )
                .requirement("C2"),
            );
        }
    }
    match b.phone.as_deref().map(str::trim) {
        None | Some("") => out.push(
            Finding::warning(
                "household.phone_missing",
                "household.basic.phone",
                "户联系电话为空",
            )
            .requirement("§7.2"),
        ),
        Some(p) if !is_mobile_phone(p) => out.push(
            Finding::warning(
                "household.phone_shape",
                "household.basic.phone",
                "户联系电话应为11位手机号码",
            )
            .requirement("§7.3"),
        ),
        Some(_) => {}
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&b.bank_account) || blank(&b.bank_name) {
        out.push(
            Finding::warning(
                "household.bank_missing",
                "household.basic.bank_account",
                "开户银行或银行卡号为空",
            )
            .requirement("§7.2"),
        );
    } else if b
        .bank_account
        .as_deref()
        .is_some_and(|s| !s.trim().bytes().all(|c| c.is_ascii_digit()))
    {
        out.push(
            Finding::warning(
                "household.bank_account_shape",
                "household.basic.bank_account",
                "银行卡号应只含数字",
            )
            .requirement("§1.2"),
        );
    }
}

fn causes(h: &Household, present: &[(usize, &Member)], out: &mut Vec<Finding>) {
    let b = &h.basic;
    let Some(main) = b.main_cause else {
        out.push(missing("household.basic.main_cause", "主要致贫原因"));
        return;
    };
    if b.other_causes.len() > 2 {
        out.push(
            Finding::error(
                "household.other_causes_too_many",
                "household.basic.other_causes",
                "其他致贫原因最多选择两项",
            )
            .requirement("§7.2"),
        );
    }
    if b.other_causes.contains(&main) {
        out.push(
            Finding::error(
                "household.other_cause_repeats_main",
                "household.basic.other_causes",
                "其他致贫原因不能与主要致贫原因相同",
            )
            .requirement("§7.1"),
        );
    }
    // Only the main cause is checked against the members: the national checks do the same.
    let members = || present.iter().map(|(_, m)| *m);
    let path = "household.basic.main_cause";
    match main {
        PovertyCause::Illness if members().all(|m| m.is_healthy()) => out.push(
            Finding::error(
                "household.cause_illness_all_healthy",
                path,
                "主要致贫原因为因病，但家庭成员均为健康",
            )
            .requirement("§7.1"),
        ),
        PovertyCause::Disability if !members().any(Member::is_disabled) => out.push(
            Finding::error(
                "household.cause_disability_nobody_disabled",
                path,
                "主要致贫原因为因残，但家庭成员中没有残疾人",
            )
            .requirement("§7.1"),
        ),
        PovertyCause::Schooling => {
            if !members().any(Member::in_school) {
                out.push(
                    Finding::error(
                        "household.cause_schooling_no_student",
                        path,
                        "主要致贫原因为因学，但家庭成员中没有在校生",
                    )
                    .requirement("§7.1"),
                );
            } else if !members().any(|m| {
                m.student_status
                    .is_some_and(|s| s.is_upper_secondary_or_above())
            }) {
                out.push(
                    Finding::warning(
                        "household.cause_schooling_compulsory_only",
                        path,
                        "主要致贫原因为因学，但在校生均在义务教育阶段或以下（义务教育免学费），请核实",
                    )
                    .requirement("§7.2"),
                );
            }
        }
        PovertyCause::LackOfLabour
            if members()
                .filter(|m| m.labour_skill.is_some_and(|s| s.is_labourer()))
                .count()
                >= 3 =>
        {
            out.push(
                Finding::warning(
                    "household.cause_labour_has_labourers",
                    path,
                    "主要致贫原因为缺劳力，但家庭有3名及以上劳动力",
                )
                .requirement("§7.2"),
            )
        }
        _ => {}
    }
}

fn welfare(
    h: &Household,
    present: &[(usize, &Member)],
    policy: &YearPolicy,
    out: &mut Vec<Finding>,
) {
    let Some(attr) = h.basic.attribute else {
        return;
    };
    let any_allowance = present
        .iter()
        .any(|(_, m)| m.minimum_allowance == Some(true));
    let allowance = h.income.minimum_allowance.unwrap_or(Money::ZERO);
    let support = h.income.extreme_poverty_support.unwrap_or(Money::ZERO);
    let attr_path = "household.basic.attribute";
    if attr.is_allowance() && !any_allowance {
        out.push(
            Finding::error(
                "household.allowance_without_member",
                attr_path,
                format!("贫困户属性为“{}”，但没有家庭成员享受低保", attr.zh()),
            )
            .requirement("§7.1"),
        );
    }
    let general = matches!(
        attr,
        HouseholdAttribute::General | HouseholdAttribute::GeneralExited
    );
    if general && any_allowance {
        out.push(
            Finding::error(
                "household.general_with_allowance_member",
                attr_path,
                "一般贫困户有家庭成员享受低保，请核对贫困户属性",
            )
            .requirement("§7.1"),
        );
    }
    if general && (allowance > Money::ZERO || support > Money::ZERO) {
        out.push(
            Finding::error(
                "household.general_receives_allowance",
                "household.income.minimum_allowance",
                "一般贫困户不应有低保金或特困供养金收入，请核对",
            )
            .requirement("§7.1"),
        );
    }
    if attr.is_allowance() && allowance <= Money::ZERO {
        out.push(
            Finding::error(
                "household.allowance_income_zero",
                "household.income.minimum_allowance",
                "低保户的低保金不能为0",
            )
            .requirement("§7.1"),
        );
    }
    if attr.is_support() && support <= Money::ZERO {
        out.push(
            Finding::error(
                "household.support_income_zero",
                "household.income.extreme_poverty_support",
                "特困供养户的特困供养金不能为0",
            )
            .requirement("§7.1"),
        );
    }
    let both_kinds = matches!(
        attr,
        HouseholdAttribute::AllowanceSupport | HouseholdAttribute::AllowanceSupportExited
    );
    if !both_kinds && allowance > Money::ZERO && support > Money::ZERO {
        out.push(
            Finding::error(
                "household.allowance_and_support",
                "household.income.extreme_poverty_support",
                "同时有低保金和特困供养金，请核对",
            )
            .requirement("§7.1"),
        );
    }
    if attr.is_support() && !both_kinds {
        for (i, m) in present {
            let labourer = m.labour_skill.is_some_and(|s| s.is_labourer());
            if labourer && m.age(policy).is_some_and(|a| policy.is_working_age(a)) {
                out.push(
                    Finding::error(
                        "household.support_with_labourer",
                        format!("members[{i}].labour_skill"),
                        "特困供养户有劳动年龄内的劳动力，请核对",
                    )
                    .requirement("§7.1"),
                );
            }
        }
    }
}

fn conditions(h: &Household, present: usize, out: &mut Vec<Finding>) {
    let p = &h.production;
    let l = &h.living;
    let req: [(&str, &str, bool); 10] = [
        (
            "household.production.arable_area",
            "耕地面积",
            p.arable_area.is_none(),
        ),
        (
            "household.production.production_electricity",
            "是否通生产用电",
            p.production_electricity.is_none(),
        ),
        (
            "household.production.cooperative",
            "是否加入农民专业合作社",
            p.cooperative.is_none(),
        ),
        (
            "household.living.road_distance_km",
            "与村主干路距离",
            l.road_distance_km.is_none(),
        ),
        (
            "household.living.access_road",
            "入户路类型",
            l.access_road.is_none(),
        ),
        (
            "household.living.housing_area_m2",
            "住房面积",
            l.housing_area_m2.is_none(),
        ),
        (
            "household.living.domestic_electricity",
            "是否通生活用电",
            l.domestic_electricity.is_none(),
        ),
        (
            "household.living.safe_drinking_water",
            "是否解决安全饮用水",
            l.safe_drinking_water.is_none(),
        ),
        ("household.living.fuel", "主要燃料类型", l.fuel.is_none()),
        (
            "household.living.sanitary_toilet",
            "有无卫生厕所",
            l.sanitary_toilet.is_none(),
        ),
    ];
    for (path, label, is_missing) in req {
        if is_missing {
            out.push(missing(path, label));
        }
    }
    if l.dilapidated.is_none() {
        out.push(missing("household.living.dilapidated", "是否危房户"));
    }
    if l.dilapidated == Some(true) && l.dilapidation_level.is_none() {
        out.push(
            Finding::error(
                "household.dilapidation_level_missing",
                "household.living.dilapidation_level",
                "危房户须选择危房级别",
            )
            .requirement("§7.2"),
        );
    }
    if let (Some(irr), Some(arable)) = (p.irrigated_area, p.arable_area)
        && irr > arable
    {
        out.push(
            Finding::error(
                "household.irrigated_exceeds_arable",
                "household.production.irrigated_area",
                "有效灌溉面积不能大于耕地面积",
            )
            .requirement("§7.2"),
        );
    }
    if let Some(ret) = p.returned_farmland_area {
        let cap = p
            .forest_area
            .unwrap_or(Decimal2::ZERO)
            .hundredths()
            .saturating_add(p.grassland_area.unwrap_or(Decimal2::ZERO).hundredths());
        if ret.hundredths() > cap {
            out.push(
                Finding::warning(
                    "household.returned_farmland_exceeds",
                    "household.production.returned_farmland_area",
                    "退耕还林面积大于林地与牧草地面积之和，请核实",
                )
                .requirement("§7.3"),
            );
        }
    }
    if h.income
        .ecological_compensation
        .is_some_and(|m| m > Money::ZERO)
        && p.returned_farmland_area.is_none_or(|a| a <= Decimal2::ZERO)
        && p.forest_area.is_none_or(|a| a <= Decimal2::ZERO)
    {
        out.push(
            Finding::warning(
                "household.ecological_without_land",
                "household.income.ecological_compensation",
                "有生态补偿金，但没有退耕还林或林地面积，请核实",
            )
            .requirement("§7.3"),
        );
    }
    if present > 0 {
        let n = present as i64;
        let per_capita = |a: Option<Decimal2>| a.and_then(|a| a.div_round(n));
        if per_capita(p.arable_area).is_some_and(|a| a > Decimal2::from_int(50)) {
            out.push(
                Finding::warning(
                    "household.arable_per_capita_high",
                    "household.production.arable_area",
                    "人均耕地面积超过50亩，请核实",
                )
                .requirement("§7.1"),
            );
        }
        if per_capita(p.forest_area).is_some_and(|a| a > Decimal2::from_int(70)) {
            out.push(
                Finding::warning(
                    "household.forest_per_capita_high",
                    "household.production.forest_area",
                    "人均林地面积超过70亩，请核实",
                )
                .requirement("§7.1"),
            );
        }
    }
    if let Some(d) = l.road_distance_km
        && d > Decimal2::from_int(50)
    {
        out.push(
            Finding::warning(
                "household.road_distance_far",
                "household.living.road_distance_km",
                "与村主干路距离超过50公里，请核实",
            )
            .requirement("§7.1"),
        );
    }
    if let Some(a) = l.housing_area_m2 {
        if a <= Decimal2::ZERO {
            out.push(
                Finding::error(
                    "household.housing_area_zero",
                    "household.living.housing_area_m2",
                    "住房面积不能为0",
                )
                .requirement("§7.1"),
            );
        } else if a >= Decimal2::from_int(500) {
            out.push(
                Finding::warning(
                    "household.housing_area_large",
                    "household.living.housing_area_m2",
                    "住房面积达到500平方米以上，请核实",
                )
                .requirement("§7.2"),
            );
        } else if a < Decimal2::from_int(10) && h.basic.status.is_some_and(ExitStatus::is_exited) {
            out.push(
                Finding::warning(
                    "household.housing_area_small_exited",
                    "household.living.housing_area_m2",
                    "脱贫户住房面积小于10平方米，请核实",
                )
                .requirement("§7.2"),
            );
        }
    }
    let r = &h.relocation;
    if r.relocated == Some(true) {
        if r.mode.is_none() {
            out.push(missing("household.relocation.mode", "搬迁方式"));
        }
        if r.resettlement_mode.is_none() {
            out.push(missing(
                "household.relocation.resettlement_mode",
                "安置方式",
            ));
        }
        if r.resettlement_place.is_none() {
            out.push(missing("household.relocation.resettlement_place", "安置地"));
        }
    }
}

fn income(
    h: &Household,
    present: &[(usize, &Member)],
    policy: &YearPolicy,
    out: &mut Vec<Finding>,
) {
    let inc = &h.income;
    let pos = |m: Option<Money>| m.is_some_and(|m| m > Money::ZERO);
    if pos(inc.business_income) && !pos(inc.business_expense) {
        out.push(
            Finding::warning(
                "household.business_expense_missing",
                "household.income.business_expense",
                "有生产经营性收入，请填写生产经营性支出",
            )
            .requirement("§7.3"),
        );
    }
    let items: [(&str, &str, Option<Money>); 11] = [
        ("wage", "工资性收入", inc.wage),
        ("business_income", "生产经营性收入", inc.business_income),
        ("business_expense", "生产经营性支出", inc.business_expense),
        ("asset_dividend", "资产收益扶贫分红收入", inc.asset_dividend),
        ("other_property", "其他财产性收入", inc.other_property),
        ("family_planning", "计划生育金", inc.family_planning),
        ("minimum_allowance", "低保金", inc.minimum_allowance),
        (
            "extreme_poverty_support",
            "特困供养金",
            inc.extreme_poverty_support,
        ),
        ("pension", "养老保险金", inc.pension),
        (
            "ecological_compensation",
            "生态补偿金",
            inc.ecological_compensation,
        ),
        ("other_transfer", "其他转移性收入", inc.other_transfer),
    ];
    for (key, label, value) in items {
        match value {
            None => out.push(
                Finding::warning(
                    "household.income_item_blank",
                    format!("household.income.{key}"),
                    format!("{label}未填写；没有此项收入请填0"),
                )
                .requirement("§7.2"),
            ),
            Some(m) if m < Money::ZERO => out.push(
                Finding::error(
                    "household.income_item_negative",
                    format!("household.income.{key}"),
                    format!("{label}不能为负数"),
                )
                .requirement("§1.7"),
            ),
            Some(_) => {}
        }
    }
    // Non-zero amounts too small to be a year's income of that kind: usually yuan typed as
    // 万元 or a monthly figure (§7.2 thresholds; 养老保险金 follows the basic pension).
    let minimums: [(&str, &str, Option<Money>, i64); 6] = [
        ("wage", "工资性收入", inc.wage, 100),
        (
            "business_income",
            "生产经营性收入",
            inc.business_income,
            100,
        ),
        ("other_property", "其他财产性收入", inc.other_property, 100),
        ("minimum_allowance", "低保金", inc.minimum_allowance, 100),
        (
            "extreme_poverty_support",
            "特困供养金",
            inc.extreme_poverty_support,
            100,
        ),
        ("pension", "养老保险金", inc.pension, 70),
    ];
    for (key, label, value, min) in minimums {
        if value.is_some_and(|m| m > Money::ZERO && m < Money::from_yuan(min)) {
            out.push(
                Finding::warning(
                    "household.income_item_small",
                    format!("household.income.{key}"),
                    format!("{label}不足{min}元，请核实是否按全年、以元为单位填写"),
                )
                .requirement("§7.2"),
            );
        }
    }
    let workers = present.iter().any(|(_, m)| m.work_months.unwrap_or(0) > 0);
    if pos(inc.wage) && !workers {
        out.push(
            Finding::warning(
                "household.wage_without_work",
                "household.income.wage",
                "有工资性收入，但没有家庭成员有务工时间",
            )
            .requirement("§7.1"),
        );
    }
    if workers && !pos(inc.wage) {
        out.push(
            Finding::warning(
                "household.work_without_wage",
                "household.income.wage",
                "有家庭成员务工，但工资性收入为0",
            )
            .requirement("§7.1"),
        );
    }
    let elderly = present
        .iter()
        .any(|(_, m)| m.age(policy).is_some_and(|a| a >= 60));
    if pos(inc.pension) && !elderly {
        out.push(
            Finding::warning(
                "household.pension_without_elderly",
                "household.income.pension",
                "有养老保险金，但家庭成员中没有60岁以上老人",
            )
            .requirement("§7.2"),
        );
    }
    if elderly && inc.pension.is_some() && !pos(inc.pension) {
        out.push(
            Finding::warning(
                "household.elderly_without_pension",
                "household.income.pension",
                "家庭有60岁以上老人，但养老保险金为0",
            )
            .requirement("§7.2"),
        );
    }
    let Ok(totals) = inc.totals(present.len(), policy) else {
        out.push(
            Finding::error(
                "household.income_overflow",
                "household.income",
                "收入金额过大，无法计算",
            )
            .requirement("§1.7"),
        );
        return;
    };
    // Derived totals are computed on the device; a stored value that disagrees was typed or
    // left from before an edit.
    let stored: [(&str, &str, Option<Money>, Option<Money>); 5] = [
        (
            "property_total",
            "财产性收入",
            inc.property_total,
            Some(totals.property_total),
        ),
        (
            "transfer_total",
            "转移性收入",
            inc.transfer_total,
            Some(totals.transfer_total),
        ),
        ("gross", "年收入", inc.gross, Some(totals.gross)),
        ("net", "纯收入", inc.net, Some(totals.net)),
        (
            "net_per_capita",
            "人均纯收入",
            inc.net_per_capita,
            totals.net_per_capita,
        ),
    ];
    for (key, label, have, want) in stored {
        if let (Some(have), Some(want)) = (have, want)
            && have != want
        {
            out.push(
                Finding::warning(
                    "household.income_derived_stale",
                    format!("household.income.{key}"),
                    format!("{label}应为{want}元（由各项收入计算），记录为{have}元"),
                )
                .requirement("§1.7"),
            );
        }
    }
    if let Some(pc) = totals.net_per_capita {
        let path = "household.income.net_per_capita";
        if pc <= Money::ZERO {
            out.push(
                Finding::warning(
                    "household.net_per_capita_nonpositive",
                    path,
                    "人均纯收入小于等于0，请核实",
                )
                .requirement("§7.1"),
            );
        } else if pc > Money::from_yuan(100_000) {
            out.push(
                Finding::error(
                    "household.net_per_capita_implausible",
                    path,
                    "人均纯收入超过10万元，请核实",
                )
                .requirement("§7.1"),
            );
        } else if pc > Money::from_yuan(20_000)
            && matches!(
                h.basic.status,
                Some(ExitStatus::NotExited | ExitStatus::Returned)
            )
        {
            out.push(
                Finding::warning(
                    "household.not_exited_income_high",
                    path,
                    "未脱贫户人均纯收入超过2万元，请核实",
                )
                .requirement("§7.2"),
            );
        }
    }
}

fn pairing(h: &Household, out: &mut Vec<Finding>) {
    let registered = h
        .basic
        .status
        .is_some_and(|s| !matches!(s, ExitStatus::ExitedNoPolicy));
    if registered && !h.pairings.iter().any(|p| p.end.is_none()) {
        out.push(
            Finding::error(
                "household.helper_missing",
                "household.pairings",
                "贫困户没有在结对的帮扶责任人",
            )
            .requirement("§1.10"),
        );
    }
    for (i, p) in h.pairings.iter().enumerate() {
        if p.start.is_none() {
            out.push(
                Finding::error(
                    "household.pairing_start_missing",
                    format!("household.pairings[{i}].start"),
                    "请填写结对开始时间",
                )
                .requirement("§1.10"),
            );
        }
        if let (Some(s), Some(e)) = (p.start, p.end)
            && e < s
        {
            out.push(
                Finding::error(
                    "household.pairing_dates",
                    format!("household.pairings[{i}].end"),
                    "结对结束时间早于开始时间",
                )
                .requirement("§1.10"),
            );
        }
    }
}

fn help_measures(h: &Household, out: &mut Vec<Finding>) {
    let mut years = std::collections::HashSet::new();
    for (i, m) in h.help_measures.iter().enumerate() {
        if !years.insert(m.year) {
            out.push(
                Finding::error(
                    "household.help_measures_year_repeated",
                    format!("household.help_measures[{i}].year"),
                    format!("{}年的帮扶措施已登记，请合并为一行", m.year),
                )
                .requirement("§1.11"),
            );
        }
        if m.categories.is_empty() {
            out.push(
                Finding::warning(
                    "household.help_measures_empty",
                    format!("household.help_measures[{i}].categories"),
                    format!("{}年未勾选任何帮扶措施类别", m.year),
                )
                .requirement("§1.11"),
            );
        }
    }
}

fn no_worries(h: &Household, out: &mut Vec<Finding>) {
    for item in NoWorriesItem::ALL {
        let a = h.no_worries.get(item);
        if a.resolved.is_none() {
            out.push(
                Finding::warning(
                    "household.no_worries_unassessed",
                    format!("household.no_worries.{}.resolved", item.key()),
                    format!("{}尚未核实", item.zh()),
                )
                .requirement("W2"),
            );
        }
        if a.resolved == Some(false) && a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            out.push(
                Finding::error(
                    "household.no_worries_reason_missing",
                    format!("household.no_worries.{}.reason", item.key()),
                    format!("{}为“否”，请填写原因", item.zh()),
                )
                .requirement("W2"),
            );
        }
    }
}

fn missing(path: &str, label: &str) -> Finding {
    Finding::error("household.required_missing", path, format!("请填写{label}")).requirement("§7.1")
}
