//! Rules over 贫困村 and 自然村 records: plausibility of the counts (C3), the village exit
//! standard (W4) and the W3 review findings (exited villages above the incidence line,
//! villages with no household exit in the two previous years). The W3 and W4 checks take
//! [`VillageStats`] derived from the village's households, so the county runs them after
//! the households are in.

use std::collections::BTreeMap;

use geo_types::Point;

use crate::codes::village::VillageAttribute;

use crate::finding::Finding;
use crate::geo::in_china;
use crate::household::Decimal2;
use crate::phone::is_phone;
use crate::policy::YearPolicy;
use crate::rules;
use crate::time::Timestamp;
use crate::village::{NaturalVillage, Village, VillageAction, VillageBundle, VillageStats};

/// The first year of 建档立卡: no village exited before it.
pub const FIRST_REGISTER_YEAR: i32 = 2014;

/// Plausibility of one village form: every part count within its whole, land within land,
/// road answers consistent, exit year and attribute agreeing, coordinates in China.
pub fn check_village(village: &Village, policy: &YearPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    let p = &village.population;

    if let Some(code) = village.basic.division_code.as_deref()
        && !(code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()))
    {
        out.push(
            Finding::error(
                "village.division_code_shape",
                "basic.division_code",
                "行政区划代码应为12位数字",
            )
            .requirement("§4.1"),
        );
    }
    if let Some(phone) = village.basic.head_phone.as_deref()
        && !is_phone(phone)
    {
        out.push(
            Finding::warning(
                "village.phone_shape",
                "basic.head_phone",
                "村负责人联系电话应为11位手机号码或带区号的固定电话",
            )
            .requirement("§4.1"),
        );
    }

    // Households within households.
    let households = p.households;
    for (path, value, label) in [
        (
            "population.poor_households",
            p.poor_households,
            "建档立卡贫困户数",
        ),
        (
            "population.minimum_allowance_households",
            p.minimum_allowance_households,
            "低保户数",
        ),
        (
            "population.five_guarantee_households",
            p.five_guarantee_households,
            "五保户数",
        ),
        (
            "water.unsafe_water_households",
            village.water.unsafe_water_households,
            "未实现饮水安全户数",
        ),
        (
            "water.water_difficulty_households",
            village.water.water_difficulty_households,
            "饮水困难户数",
        ),
        (
            "housing.dilapidated_households",
            village.housing.dilapidated_households,
            "危房户数",
        ),
        (
            "tourism.tourism_households",
            village.tourism.tourism_households,
            "开展乡村旅游的户数",
        ),
        (
            "culture.broadcast_tv_households",
            village.culture.broadcast_tv_households,
            "通广播电视户数",
        ),
        (
            "informatization.broadband_households",
            village.informatization.broadband_households,
            "通宽带户数",
        ),
        (
            "informatization.mobile_internet_households",
            village.informatization.mobile_internet_households,
            "能用手机上网的户数",
        ),
    ] {
        exceeds(
            &mut out,
            path,
            value,
            label,
            households,
            "总户数",
            "village.exceeds_households",
        );
    }
    exceeds(
        &mut out,
        "tourism.farm_stay_households",
        village.tourism.farm_stay_households,
        "经营农家乐户数",
        village.tourism.tourism_households,
        "开展乡村旅游的户数",
        "village.exceeds_households",
    );

    // People within the population.
    let population = p.population;
    for (path, value, label) in [
        (
            "population.poor_population",
            p.poor_population,
            "贫困人口数",
        ),
        (
            "population.agricultural_population",
            p.agricultural_population,
            "农业户籍人口数",
        ),
        (
            "population.minimum_allowance_people",
            p.minimum_allowance_people,
            "低保人口数",
        ),
        (
            "population.five_guarantee_people",
            p.five_guarantee_people,
            "五保人口数",
        ),
        (
            "population.minority_people",
            p.minority_people,
            "少数民族人口数",
        ),
        ("population.women", p.women, "妇女人口数"),
        (
            "population.disabled_people",
            p.disabled_people,
            "残疾人口数",
        ),
        ("population.labour_force", p.labour_force, "劳动力人数"),
        (
            "population.migrant_workers",
            p.migrant_workers,
            "外出务工人数",
        ),
        (
            "social_security.rural_medical_insurance",
            village.social_security.rural_medical_insurance,
            "参加新型农村合作医疗人数",
        ),
        (
            "social_security.resident_pension",
            village.social_security.resident_pension,
            "参加城乡居民基本养老保险人数",
        ),
        (
            "social_security.employee_pension",
            village.social_security.employee_pension,
            "参加城镇职工基本养老保险人数",
        ),
        (
            "tourism.tourism_workers",
            village.tourism.tourism_workers,
            "乡村旅游从业人员数",
        ),
    ] {
        exceeds(
            &mut out,
            path,
            value,
            label,
            population,
            "总人口数",
            "village.exceeds_population",
        );
    }
    if let (Some(workers), Some(labour)) = (p.migrant_workers, p.labour_force)
        && workers > labour
    {
        out.push(
            Finding::warning(
                "village.migrants_exceed_labour",
                "population.migrant_workers",
                format!("外出务工人数（{workers}）多于劳动力人数（{labour}），请核实"),
            )
            .requirement("§4.1"),
        );
    }

    // Each household has at least one person.
    for (people_path, people, homes, what) in [
        ("population.population", p.population, p.households, "总"),
        (
            "population.poor_population",
            p.poor_population,
            p.poor_households,
            "贫困",
        ),
        (
            "population.minimum_allowance_people",
            p.minimum_allowance_people,
            p.minimum_allowance_households,
            "低保",
        ),
        (
            "population.five_guarantee_people",
            p.five_guarantee_people,
            p.five_guarantee_households,
            "五保",
        ),
    ] {
        if let (Some(people), Some(homes)) = (people, homes)
            && people < homes
        {
            out.push(
                Finding::warning(
                    "village.fewer_people_than_households",
                    people_path,
                    format!(
                        "{what}人口数（{people}）少于{what}户数（{homes}），每户至少一人，请核实"
                    ),
                )
                .requirement("§4.1"),
            );
        }
    }

    // Natural villages.
    let naturals = p.natural_villages;
    for (path, value, label) in [
        (
            "roads.unpaved_natural_villages",
            village.roads.unpaved_natural_villages,
            "未通沥青（水泥）路的自然村数",
        ),
        (
            "power.electrified_natural_villages",
            village.power.electrified_natural_villages,
            "已通电自然村数",
        ),
    ] {
        exceeds(
            &mut out,
            path,
            value,
            label,
            naturals,
            "自然村（村民小组）数",
            "village.exceeds_natural_villages",
        );
    }

    // Land.
    let land = &village.land;
    if let (Some(irrigated), Some(arable)) = (land.irrigated_mu, land.arable_mu)
        && irrigated > arable
    {
        out.push(
            Finding::error(
                "village.irrigated_exceeds_arable",
                "land.irrigated_mu",
                format!("有效灌溉面积（{irrigated}亩）大于耕地面积（{arable}亩）"),
            )
            .requirement("§7.2"),
        );
    }
    if let Some(returned) = land.returned_to_forest_mu {
        let base = land.forest_mu.unwrap_or(Decimal2::ZERO).hundredths()
            + land.pasture_mu.unwrap_or(Decimal2::ZERO).hundredths();
        if returned.hundredths() > base {
            out.push(
                Finding::warning(
                    "village.returned_forest_exceeds_land",
                    "land.returned_to_forest_mu",
                    format!("退耕还林面积（{returned}亩）大于林地与牧草地面积之和，请核实"),
                )
                .requirement("§7.3"),
            );
        }
    }
    for (path, value) in [
        ("land.arable_mu", land.arable_mu),
        ("land.irrigated_mu", land.irrigated_mu),
        ("land.forest_mu", land.forest_mu),
        ("land.returned_to_forest_mu", land.returned_to_forest_mu),
        ("land.orchard_mu", land.orchard_mu),
        ("land.pasture_mu", land.pasture_mu),
        ("land.water_mu", land.water_mu),
        (
            "roads.unpaved_to_township_km",
            village.roads.unpaved_to_township_km,
        ),
        (
            "roads.unpaved_natural_villages_km",
            village.roads.unpaved_natural_villages_km,
        ),
    ] {
        negative(&mut out, path, value, "village.negative_measure");
    }
    for (path, value) in [
        (
            "income.per_capita_net_income",
            village.income.per_capita_net_income,
        ),
        ("income.collective_income", village.income.collective_income),
        (
            "tourism.farm_stay_average_income",
            village.tourism.farm_stay_average_income,
        ),
    ] {
        if value.is_some_and(|m| m.fen() < 0) {
            out.push(
                Finding::error("village.negative_amount", path, "金额不能为负数")
                    .requirement("§4.1"),
            );
        }
    }

    // Roads: paved to the township yet unpaved kilometres.
    if village.roads.paved_to_township == Some(true)
        && village
            .roads
            .unpaved_to_township_km
            .is_some_and(|km| km.hundredths() > 0)
    {
        out.push(
            Finding::warning(
                "village.paved_road_with_unpaved_km",
                "roads.unpaved_to_township_km",
                "已填“到乡镇通沥青（水泥）路”，但未通里程大于0，请核实",
            )
            .requirement("§4.1"),
        );
    }

    // Exit year and attribute.
    match (village.basic.exit_year, village.basic.attribute) {
        (Some(year), _) if !(FIRST_REGISTER_YEAR..=policy.year).contains(&year) => {
            out.push(
                Finding::error(
                    "village.exit_year_out_of_range",
                    "basic.exit_year",
                    format!("出列年度应在{FIRST_REGISTER_YEAR}年至{}年之间", policy.year),
                )
                .requirement("W3"),
            );
        }
        (Some(_), Some(VillageAttribute::Poor | VillageAttribute::NotPoor)) => {
            out.push(
                Finding::warning(
                    "village.exit_year_attribute_mismatch",
                    "basic.attribute",
                    "已填出列年度，村属性应为“已出列贫困村”",
                )
                .requirement("W3"),
            );
        }
        (None, Some(VillageAttribute::Exited)) => {
            out.push(
                Finding::error(
                    "village.exit_year_missing",
                    "basic.exit_year",
                    "村属性为“已出列贫困村”，请填写出列年度",
                )
                .requirement("W3"),
            );
        }
        _ => {}
    }

    out.extend(check_coordinates(
        village.basic.longitude,
        village.basic.latitude,
        "basic",
        "village.coordinates",
    ));
    out
}

/// The natural villages of a village against the village form: their count (aad006), that
/// they belong to it, and that their households fit in the village's.
pub fn check_natural_villages(village: &Village, naturals: &[NaturalVillage]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mine: Vec<&NaturalVillage> = naturals
        .iter()
        .filter(|n| n.village_id == village.id)
        .collect();
    for (i, n) in naturals.iter().enumerate() {
        if n.village_id != village.id {
            out.push(
                Finding::error(
                    "natural_village.wrong_village",
                    format!("natural_villages[{i}].village_id"),
                    "该自然村（村民小组）不属于本行政村",
                )
                .requirement("C3"),
            );
        }
    }
    if let Some(count) = village.population.natural_villages
        && usize::try_from(count).ok() != Some(mine.len())
    {
        out.push(
            Finding::warning(
                "village.natural_village_count_mismatch",
                "population.natural_villages",
                format!(
                    "自然村（村民小组）数填写为{count}个，已录入{}个自然村（村民小组）信息，请核实",
                    mine.len()
                ),
            )
            .requirement("C3"),
        );
    }
    let sum = |f: fn(&NaturalVillage) -> Option<u32>| -> u64 {
        mine.iter().filter_map(|n| f(n)).map(u64::from).sum()
    };
    for (path, total, parts, label) in [
        (
            "population.households",
            village.population.households,
            sum(|n| n.population.households),
            "总户数",
        ),
        (
            "population.population",
            village.population.population,
            sum(|n| n.population.population),
            "总人口数",
        ),
        (
            "population.poor_households",
            village.population.poor_households,
            sum(|n| n.population.poor_households),
            "贫困户数",
        ),
    ] {
        if let Some(total) = total
            && parts > u64::from(total)
        {
            out.push(
                Finding::warning(
                    "village.natural_villages_exceed_village",
                    path,
                    format!("各自然村（村民小组）{label}之和（{parts}）大于行政村{label}（{total}），请核实"),
                )
                .requirement("C3"),
            );
        }
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, n) in naturals.iter().enumerate() {
        if n.village_id != village.id {
            continue;
        }
        if let Some(name) = n
            .basic
            .name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            && let Some(first) = names.insert(name, i)
        {
            names.insert(name, first);
            out.push(
                Finding::warning(
                    "natural_village.duplicate_name",
                    format!("natural_villages[{i}].basic.name"),
                    "本村已有同名自然村（村民小组），请核实是否重复录入",
                )
                .requirement("C3"),
            );
        }
    }
    out
}

/// Plausibility of one natural-village form.
pub fn check_natural_village(natural: &NaturalVillage) -> Vec<Finding> {
    let mut out = Vec::new();
    let p = &natural.population;
    if natural
        .basic
        .name
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
    {
        out.push(
            Finding::error(
                "natural_village.name_missing",
                "basic.name",
                "请填写自然村（村民小组）名称",
            )
            .requirement("§4.2"),
        );
    }
    exceeds(
        &mut out,
        "population.poor_households",
        p.poor_households,
        "建档立卡贫困户数",
        p.households,
        "总户数",
        "natural_village.exceeds_households",
    );
    exceeds(
        &mut out,
        "infrastructure.tap_water_households",
        natural.infrastructure.tap_water_households,
        "自来水入户户数",
        p.households,
        "总户数",
        "natural_village.exceeds_households",
    );
    exceeds(
        &mut out,
        "population.poor_population",
        p.poor_population,
        "贫困人口数",
        p.population,
        "总人口数",
        "natural_village.exceeds_population",
    );
    if let (Some(people), Some(homes)) = (p.population, p.households)
        && people < homes
    {
        out.push(
            Finding::warning(
                "natural_village.fewer_people_than_households",
                "population.population",
                format!("总人口数（{people}）少于总户数（{homes}），每户至少一人，请核实"),
            )
            .requirement("§4.2"),
        );
    }
    if let (Some(homes), Some(flag)) = (p.households, p.over_20_households)
        && (homes >= 20) != flag
    {
        out.push(
            Finding::warning(
                "natural_village.over_20_mismatch",
                "population.over_20_households",
                format!(
                    "总户数为{homes}户，“是否20户以上”应为“{}”",
                    if homes >= 20 { "是" } else { "否" }
                ),
            )
            .requirement("§4.2"),
        );
    }
    let infra = &natural.infrastructure;
    negative(
        &mut out,
        "infrastructure.unpaved_km",
        infra.unpaved_km,
        "natural_village.negative_measure",
    );
    if infra.hardened_road == Some(true) && infra.unpaved_km.is_some_and(|km| km.hundredths() > 0) {
        out.push(
            Finding::warning(
                "natural_village.paved_road_with_unpaved_km",
                "infrastructure.unpaved_km",
                "已填“通硬化路”，但未通里程大于0，请核实",
            )
            .requirement("§4.2"),
        );
    }
    out.extend(check_coordinates(
        natural.basic.longitude,
        natural.basic.latitude,
        "basic",
        "natural_village.coordinates",
    ));
    out
}

/// W4: whether the village may be marked exited (出列) this year. Refused, with every reason,
/// when the poverty incidence is not below the policy's line or any of Henan's
/// infrastructure and public-service items is not confirmed met.
pub fn check_village_exit(
    village: &Village,
    stats: &VillageStats,
    policy: &YearPolicy,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if village.basic.attribute == Some(VillageAttribute::NotPoor) {
        out.push(
            Finding::error(
                "village_exit.not_poor_village",
                "basic.attribute",
                "非贫困村不办理出列",
            )
            .requirement("W4"),
        );
    }
    if let Some(year) = village.basic.exit_year
        && year < policy.year
    {
        out.push(
            Finding::error(
                "village_exit.already_exited",
                "basic.exit_year",
                format!("该村已于{year}年出列，不能再次出列"),
            )
            .requirement("W4"),
        );
    }
    let line = policy.village_exit_incidence_percent;
    match stats.incidence() {
        None => out.push(
            Finding::error(
                "village_exit.no_population",
                "population.agricultural_population",
                "村农业户籍人口为0或未统计，无法计算贫困发生率",
            )
            .requirement("W4"),
        ),
        Some(incidence) if !incidence.is_below_percent(line) => out.push(
            Finding::error(
                "village_exit.incidence_too_high",
                "population.poor_population",
                format!(
                    "贫困发生率为{}（未脱贫和返贫人口{}人 ÷ 农业户籍人口{}人），须低于{line}%才能出列",
                    incidence.display_percent(),
                    incidence.poor,
                    incidence.population
                ),
            )
            .requirement("W4"),
        ),
        Some(_) => {}
    }
    let items = &village.exit_items;
    for (answer, field, code, label) in [
        (
            items.hardened_road,
            "hardened_road",
            "village_exit.road_not_hardened",
            "通村道路硬化",
        ),
        (
            items.safe_water,
            "safe_water",
            "village_exit.water_unsafe",
            "饮水安全达标",
        ),
        (
            items.electricity,
            "electricity",
            "village_exit.no_electricity",
            "生产生活用电基本满足",
        ),
        (
            items.broadcast_tv,
            "broadcast_tv",
            "village_exit.no_broadcast_tv",
            "广播电视户户通",
        ),
        (
            items.cultural_centre,
            "cultural_centre",
            "village_exit.no_cultural_centre",
            "有综合性文化服务中心",
        ),
        (
            items.standard_clinic,
            "standard_clinic",
            "village_exit.no_standard_clinic",
            "有标准化卫生室",
        ),
        (
            items.qualified_doctor,
            "qualified_doctor",
            "village_exit.no_qualified_doctor",
            "有合格乡村医生或执业（助理）医师",
        ),
        (
            items.broadband,
            "broadband",
            "village_exit.no_broadband",
            "基本通宽带",
        ),
    ] {
        let message = match answer {
            Some(true) => continue,
            Some(false) => format!("出列条件“{label}”未达到"),
            None => format!("出列条件“{label}”尚未填写"),
        };
        out.push(Finding::error(code, format!("exit_items.{field}"), message).requirement("W4"));
    }
    out
}

/// W3: a village that has exited but whose poverty incidence is still above the line needs
/// its households that should exit reviewed.
pub fn check_exited_village_incidence(
    village: &Village,
    stats: &VillageStats,
    policy: &YearPolicy,
) -> Vec<Finding> {
    let line = policy.village_exit_incidence_percent;
    match stats.incidence() {
        Some(incidence) if village.has_exited() && incidence.is_above_percent(line) => {
            vec![
                Finding::warning(
                    "village.exited_incidence_above_line",
                    "population.poor_population",
                    format!(
                        "已出列贫困村的贫困发生率仍为{}，高于{line}%：请复核应退未退的贫困户",
                        incidence.display_percent()
                    ),
                )
                .requirement("W3"),
            ]
        }
        _ => Vec::new(),
    }
}

/// W3: a village where no household exited in either of the two years before the policy
/// year (2016 and 2017 for 2018) while poor people remain: households that should have
/// exited (应退未退) need review.
pub fn check_village_without_recent_exits(
    stats: &VillageStats,
    policy: &YearPolicy,
) -> Vec<Finding> {
    let (y1, y2) = (policy.year - 2, policy.year - 1);
    let remaining = stats
        .not_exited_people
        .saturating_add(stats.returned_people);
    if remaining == 0 || stats.exits_in(y1) > 0 || stats.exits_in(y2) > 0 {
        return Vec::new();
    }
    vec![
        Finding::warning(
            "village.no_exits_two_years",
            "",
            format!("{y1}、{y2}年连续两年没有贫困户脱贫退出：请复核是否有应退未退的贫困户"),
        )
        .requirement("W3"),
    ]
}

/// Runs every village-level rule over the bundle: the village form and its natural villages
/// (C3), its help units and work team (C7), the exit-measure sheet (C4), GPS fixes and photos
/// against the village centre (C5), and with household stats W3 and, when the village exits
/// this year or the bundle asks to, W4. `now` is the instant fixes and photos are judged
/// against.
pub fn check_village_bundle(
    b: &VillageBundle,
    policy: &YearPolicy,
    now: Timestamp,
) -> Vec<Finding> {
    check_village_rules(b, policy, now, true)
}

/// [`check_village_bundle`], with or without the help units' and work team's own checks
/// (`rules::help::check_help`): the judgement pipeline runs those once over the county's help
/// records, not once per village.
pub(crate) fn check_village_rules(
    b: &VillageBundle,
    policy: &YearPolicy,
    now: Timestamp,
    with_help: bool,
) -> Vec<Finding> {
    let v = &b.village;
    let mut out = prefixed("village", check_village(v, policy));
    out.extend(check_natural_villages(v, &b.natural_villages));
    for (i, n) in b.natural_villages.iter().enumerate() {
        out.extend(prefixed(
            &format!("natural_villages[{i}]"),
            check_natural_village(n),
        ));
    }

    if v.help
        .help_unit_ids
        .iter()
        .any(|id| !b.help_units.iter().any(|u| u.id == *id))
    {
        out.push(
            Finding::error(
                "village.help_unit_not_entered",
                "village.help.help_unit_ids",
                "帮扶单位须从已录入的帮扶单位中选择",
            )
            .requirement("C7"),
        );
    }
    if with_help {
        out.extend(rules::help::check_help(
            &b.help_units,
            &[],
            &b.work_team_members,
        ));
    }
    for (i, m) in b.work_team_members.iter().enumerate() {
        if m.village_id != v.id {
            out.push(
                Finding::error(
                    "work_team.wrong_village",
                    format!("work_team_members[{i}].village_id"),
                    "该驻村工作队员不属于本村",
                )
                .requirement("C7"),
            );
        }
    }

    let exiting = b.requested_action == Some(VillageAction::Exit);
    let exit_year = if exiting {
        Some(policy.year)
    } else {
        v.basic.exit_year
    };
    match &b.exit_measures {
        Some(sheet) => {
            out.extend(prefixed(
                "exit_measures",
                rules::measures::check_village_exit_measures(sheet, exit_year, policy),
            ));
            if sheet.village_id != v.id {
                out.push(
                    Finding::error(
                        "exit_measures.wrong_village",
                        "exit_measures.village_id",
                        "脱贫措施记录不属于本村",
                    )
                    .requirement("C4"),
                );
            }
        }
        None => out.extend(prefixed(
            "exit_measures",
            rules::measures::check_exit_measures_present(exit_year, false, "该村", policy),
        )),
    }

    let centre = v.centre();
    for (i, g) in b.gps_fixes.iter().enumerate() {
        out.extend(prefixed(
            &format!("gps_fixes[{i}]"),
            rules::gps::check_gps_fix(g, centre, now),
        ));
    }
    for (i, p) in b.photos.iter().enumerate() {
        out.extend(prefixed(
            &format!("photos[{i}]"),
            rules::gps::check_photo(p, centre, now),
        ));
    }

    match &b.stats {
        Some(stats) => {
            out.extend(check_village_without_recent_exits(stats, policy));
            if exit_year == Some(policy.year) {
                // Exiting this year: W4 judges it (W3 is about earlier exits).
                out.extend(prefixed("village", check_village_exit(v, stats, policy)));
            } else {
                out.extend(prefixed(
                    "village",
                    check_exited_village_incidence(v, stats, policy),
                ));
            }
        }
        None if exit_year == Some(policy.year) => out.push(
            Finding::error(
                "village_exit.no_stats",
                "stats",
                "缺少由贫困户信息汇总的贫困人口和农业户籍人口，无法判断出列条件",
            )
            .requirement("W4"),
        ),
        None => {}
    }
    out
}

/// Coordinates given as two fields under `section`: both or neither, and inside China.
fn check_coordinates(
    longitude: Option<f64>,
    latitude: Option<f64>,
    section: &str,
    code_prefix: &str,
) -> Vec<Finding> {
    match (longitude, latitude) {
        (Some(x), Some(y)) if !in_china(Point::new(x, y)) => vec![
            Finding::error(
                &format!("{code_prefix}_out_of_range"),
                format!("{section}.longitude"),
                "经纬度不在中国境内，请检查是否填反或少填小数点",
            )
            .requirement("C5"),
        ],
        (Some(_), None) | (None, Some(_)) => vec![
            Finding::warning(
                &format!("{code_prefix}_incomplete"),
                format!(
                    "{section}.{}",
                    if longitude.is_none() {
                        "longitude"
                    } else {
                        "latitude"
                    }
                ),
                "经度和纬度应同时填写",
            )
            .requirement("C5"),
        ],
        _ => Vec::new(),
    }
}

/// A part count larger than its whole: an error at `path`.
fn exceeds(
    out: &mut Vec<Finding>,
    path: &str,
    part: Option<u32>,
    part_label: &str,
    whole: Option<u32>,
    whole_label: &str,
    code: &str,
) {
    if let (Some(part), Some(whole)) = (part, whole)
        && part > whole
    {
        out.push(
            Finding::error(
                code,
                path,
                format!("{part_label}（{part}）不能大于{whole_label}（{whole}）"),
            )
            .requirement("C3"),
        );
    }
}

fn negative(out: &mut Vec<Finding>, path: &str, value: Option<Decimal2>, code: &str) {
    if value.is_some_and(|v| v.hundredths() < 0) {
        out.push(Finding::error(code, path, "面积和里程不能为负数").requirement("C3"));
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
