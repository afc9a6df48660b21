//! 贫困村 (poor village, N3) and 自然村（村民小组） (natural village / villager group, N4):
//! the typed forms of FORMS.md §4.1 and §4.2, one struct per official section.
//!
//! Counts are `u32` (a negative count does not parse); areas (亩) and distances (公里) are
//! [`Decimal2`] like the household form's; money is [`Money`]; coordinates are WGS-84
//! degrees. Every answer the collector may not have given yet is an `Option`.

use geo_types::Point;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::household::ExitStatus;
use crate::codes::village::{DevelopmentDirection, Terrain, VillageAttribute, VillageCadrePost};
use crate::geo::GpsFix;
use crate::help::{HelpUnit, WorkTeamMember};
use crate::household::{Decimal2, Household};
use crate::measures::VillageExitMeasures;
use crate::money::Money;
use crate::photo::PhotoRef;

/// 贫困村信息采集表: one administrative village (行政村), including villages that exited in
/// earlier years (历年出列) and deep-poverty villages (深度贫困村).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Village {
    pub id: Uuid,
    /// 基本信息.
    pub basic: VillageBasic,
    /// 人口信息.
    pub population: VillagePopulation,
    /// 土地信息.
    pub land: VillageLand,
    /// 收入信息.
    pub income: VillageIncome,
    /// 社会保障信息 (卫计 and 人社).
    pub social_security: VillageSocialSecurity,
    /// 村级道路畅通.
    pub roads: VillageRoads,
    /// 安全饮水.
    pub water: VillageWater,
    /// 农村电力保障.
    pub power: VillagePower,
    /// 危房改造.
    pub housing: VillageHousing,
    /// 特色产业增收.
    pub industry: VillageIndustry,
    /// 乡村旅游.
    pub tourism: VillageTourism,
    /// 卫生和计划生育.
    pub health: VillageHealth,
    /// 文化建设.
    pub culture: VillageCulture,
    /// 贫困村信息化.
    pub informatization: VillageInformatization,
    /// 帮扶: help units, work team, first secretary.
    pub help: VillageHelp,
    /// 2018 village-exit items of Henan's standard (FORMS.md §4.1 "2018 additions", §5.2).
    pub exit_items: VillageExitItems,
}

/// 基本信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageBasic {
    /// 贫困村编号 (aad001), assigned by the national system.
    pub code: Option<String>,
    /// 行政村名称.
    pub name: Option<String>,
    /// 行政区划代码 (12 digits, aar006).
    pub division_code: Option<String>,
    /// 村属性 (aad004).
    pub attribute: Option<VillageAttribute>,
    /// 是否深度贫困村.
    pub deep_poverty: Option<bool>,
    /// 出列年度: the year the village exited (W3, W4), if it has.
    pub exit_year: Option<i32>,
    /// 发展方向属性 (aad035).
    pub development_direction: Option<DevelopmentDirection>,
    /// 地形地貌属性 (aad036).
    pub terrain: Option<Terrain>,
    /// 村负责人姓名 (aar011).
    pub head_name: Option<String>,
    /// 村负责人职务 (aaf031).
    pub head_post: Option<VillageCadrePost>,
    /// 村负责人联系电话 (aar012).
    pub head_phone: Option<String>,
    /// 中共党员人数 (aad037).
    pub party_members: Option<u32>,
    /// 大学生村官人数 (aad038).
    pub college_graduate_officials: Option<u32>,
    /// 经度 (aar101), WGS-84 degrees.
    pub longitude: Option<f64>,
    /// 纬度 (aar102), WGS-84 degrees.
    pub latitude: Option<f64>,
}

/// 人口信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillagePopulation {
    /// 总户数 (aad005).
    pub households: Option<u32>,
    /// 自然村（村民小组）数 (aad006).
    pub natural_villages: Option<u32>,
    /// 建档立卡贫困户数 (derived from the household records).
    pub poor_households: Option<u32>,
    /// 建档立卡贫困人口数 (derived from the household records).
    pub poor_population: Option<u32>,
    /// 低保户数 (aad008).
    pub minimum_allowance_households: Option<u32>,
    /// 五保户数 (aad009).
    pub five_guarantee_households: Option<u32>,
    /// 总人口数 (aad010).
    pub population: Option<u32>,
    /// 农业户籍人口数: the denominator of 贫困发生率 (FORMS.md §6.2).
    pub agricultural_population: Option<u32>,
    /// 低保人口数 (aad012).
    pub minimum_allowance_people: Option<u32>,
    /// 五保人口数 (aad013).
    pub five_guarantee_people: Option<u32>,
    /// 少数民族人口数 (aad014).
    pub minority_people: Option<u32>,
    /// 妇女人口数 (aad015).
    pub women: Option<u32>,
    /// 残疾人口数 (aad016).
    pub disabled_people: Option<u32>,
    /// 劳动力人数 (aad017).
    pub labour_force: Option<u32>,
    /// 外出务工人数 (aad018).
    pub migrant_workers: Option<u32>,
}

/// 土地信息, in 亩.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageLand {
    /// 耕地面积 (aad019).
    pub arable_mu: Option<Decimal2>,
    /// 有效灌溉面积 (aad027).
    pub irrigated_mu: Option<Decimal2>,
    /// 林地面积 (aad021).
    pub forest_mu: Option<Decimal2>,
    /// 退耕还林面积 (aad022).
    pub returned_to_forest_mu: Option<Decimal2>,
    /// 林果面积 (aad023).
    pub orchard_mu: Option<Decimal2>,
    /// 牧草地面积 (aad024).
    pub pasture_mu: Option<Decimal2>,
    /// 水域面积 (aad025).
    pub water_mu: Option<Decimal2>,
}

/// 收入信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageIncome {
    /// 农民人均纯收入 (aad301), 元.
    pub per_capita_net_income: Option<Money>,
    /// 村级集体经济收入 (aad302), 元.
    pub collective_income: Option<Money>,
}

/// 社会保障信息, in people.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageSocialSecurity {
    /// 参加新型农村合作医疗人数 (aad311).
    pub rural_medical_insurance: Option<u32>,
    /// 参加城乡居民基本养老保险人数 (aad313).
    pub resident_pension: Option<u32>,
    /// 参加城镇职工基本养老保险人数 (aad314).
    pub employee_pension: Option<u32>,
}

/// 村级道路畅通.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageRoads {
    /// 到乡镇是否通沥青（水泥）路 (aad328).
    pub paved_to_township: Option<bool>,
    /// 行政村到乡镇未通沥青（水泥）路里程, 公里.
    pub unpaved_to_township_km: Option<Decimal2>,
    /// 是否通客运班车 (aad323).
    pub bus_service: Option<bool>,
    /// 自然村到行政村未通沥青（水泥）路村数, 个.
    pub unpaved_natural_villages: Option<u32>,
    /// 自然村到行政村未通沥青（水泥）路里程, 公里.
    pub unpaved_natural_villages_km: Option<Decimal2>,
}

/// 安全饮水, in households.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageWater {
    /// 未实现饮水安全户数 (aad331).
    pub unsafe_water_households: Option<u32>,
    /// 饮水困难户数 (aad332).
    pub water_difficulty_households: Option<u32>,
}

/// 农村电力保障.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillagePower {
    /// 已通电自然村（20户以上）数 (aad358).
    pub electrified_natural_villages: Option<u32>,
}

/// 危房改造.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageHousing {
    /// 危房户数 (aad361).
    pub dilapidated_households: Option<u32>,
}

/// 特色产业增收.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageIndustry {
    /// 农民专业合作社个数 (aad371).
    pub cooperatives: Option<u32>,
}

/// 乡村旅游.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageTourism {
    /// 开展乡村旅游的户数 (aad381).
    pub tourism_households: Option<u32>,
    /// 经营农家乐户数 (aad382).
    pub farm_stay_households: Option<u32>,
    /// 乡村旅游从业人员数 (aad383).
    pub tourism_workers: Option<u32>,
    /// 农家乐户年均收入 (aad384), 元.
    pub farm_stay_average_income: Option<Money>,
}

/// 卫生和计划生育.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageHealth {
    /// 行政村卫生室个数 (aad391).
    pub clinics: Option<u32>,
    /// 公共卫生厕所个数 (aad392).
    pub public_toilets: Option<u32>,
    /// 执业（助理）医师数 (aad393).
    pub doctors: Option<u32>,
    /// 生产生活垃圾集中堆放点个数 (aad394).
    pub garbage_points: Option<u32>,
}

/// 文化建设.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageCulture {
    /// 行政村文化（图书）室个数 (aad401).
    pub libraries: Option<u32>,
    /// 通广播电视户数.
    pub broadcast_tv_households: Option<u32>,
}

/// 贫困村信息化.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageInformatization {
    /// 通宽带户数 (aad411).
    pub broadband_households: Option<u32>,
    /// 通宽带的村小学个数 (aad412).
    pub broadband_schools: Option<u32>,
    /// 能用手机上网的户数 (aad413).
    pub mobile_internet_households: Option<u32>,
    /// 行政村信息员个数 (aad414).
    pub information_officers: Option<u32>,
}

/// 帮扶: who helps the village.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageHelp {
    /// 帮扶单位: ids of already-entered help units (C7).
    pub help_unit_ids: Vec<Uuid>,
    /// 是否有驻村工作队.
    pub has_work_team: Option<bool>,
    /// 是否有第一书记.
    pub has_first_secretary: Option<bool>,
}

/// The Henan village-exit items (FORMS.md §5.2, [F:S11b]): each must be met to exit (W4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageExitItems {
    /// 是否有一条硬化路通村 (通村公路硬化).
    pub hardened_road: Option<bool>,
    /// 饮水是否达到安全指标.
    pub safe_water: Option<bool>,
    /// 生产生活用电是否基本满足.
    pub electricity: Option<bool>,
    /// 是否广播电视户户通.
    pub broadcast_tv: Option<bool>,
    /// 是否有综合性文化服务中心.
    pub cultural_centre: Option<bool>,
    /// 是否有标准化卫生室.
    pub standard_clinic: Option<bool>,
    /// 是否有合格乡村医生或执业（助理）医师.
    pub qualified_doctor: Option<bool>,
    /// 是否基本通宽带.
    pub broadband: Option<bool>,
}

impl Village {
    /// The village centre as a WGS-84 point, when both coordinates are given.
    pub fn centre(&self) -> Option<Point<f64>> {
        Some(Point::new(self.basic.longitude?, self.basic.latitude?))
    }

    /// Whether the village has exited (出列), by its exit year or its attribute.
    pub fn has_exited(&self) -> bool {
        self.basic.exit_year.is_some() || self.basic.attribute == Some(VillageAttribute::Exited)
    }
}

/// 自然村（村民小组）信息采集表: a natural village or villager group inside a poor village.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NaturalVillage {
    pub id: Uuid,
    /// The administrative village (贫困村) it belongs to.
    pub village_id: Uuid,
    /// 基本信息.
    pub basic: NaturalVillageBasic,
    /// 人口信息.
    pub population: NaturalVillagePopulation,
    /// 基础设施.
    pub infrastructure: NaturalVillageInfrastructure,
}

/// 自然村 基本信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NaturalVillageBasic {
    /// 自然村（村民小组）名称.
    pub name: Option<String>,
    /// 自然村编码 (aar007 on the household).
    pub code: Option<String>,
    /// 经度, WGS-84 degrees.
    pub longitude: Option<f64>,
    /// 纬度, WGS-84 degrees.
    pub latitude: Option<f64>,
}

/// 自然村 人口信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NaturalVillagePopulation {
    /// 总户数.
    pub households: Option<u32>,
    /// 总人口数.
    pub population: Option<u32>,
    /// 建档立卡贫困户数 (derivable from the household records).
    pub poor_households: Option<u32>,
    /// 贫困人口数 (derivable from the household records).
    pub poor_population: Option<u32>,
    /// 是否20户以上.
    pub over_20_households: Option<bool>,
}

/// 自然村 基础设施.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NaturalVillageInfrastructure {
    /// 是否通硬化路 (通组路).
    pub hardened_road: Option<bool>,
    /// 未通硬化路里程, 公里.
    pub unpaved_km: Option<Decimal2>,
    /// 是否通动力电.
    pub power_production: Option<bool>,
    /// 是否通生活用电.
    pub power_domestic: Option<bool>,
    /// 是否通广播电视.
    pub broadcast_tv: Option<bool>,
    /// 是否通宽带.
    pub broadband: Option<bool>,
    /// 是否有4G/手机信号.
    pub mobile_signal: Option<bool>,
    /// 是否实现安全饮水.
    pub safe_water: Option<bool>,
    /// 集中供水/自来水入户户数.
    pub tap_water_households: Option<u32>,
    /// 是否通客运班车.
    pub bus_service: Option<bool>,
}

impl NaturalVillage {
    /// The natural village's position, when both coordinates are given.
    pub fn position(&self) -> Option<Point<f64>> {
        Some(Point::new(self.basic.longitude?, self.basic.latitude?))
    }
}

/// Counts about a village derived from its household records, for the village-exit (W4) and
/// W3 rules. The county computes them over every household of the village.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageStats {
    /// People in households not yet exited (未脱贫).
    pub not_exited_people: u32,
    /// People in households that fell back (返贫).
    pub returned_people: u32,
    /// 村农业户籍人口: the incidence's denominator.
    pub agricultural_population: u32,
    /// Households exited, per exit year (2016 → 12).
    pub households_exited_by_year: std::collections::BTreeMap<i32, u32>,
}

/// A poverty incidence (贫困发生率) as an exact fraction of people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incidence {
    /// 未脱贫 + 返贫 people.
    pub poor: u32,
    /// 村农业户籍人口.
    pub population: u32,
}

impl VillageStats {
    /// The counts from the village's households, each given with its number of members
    /// present, and the village's 农业户籍人口 (from its form, `population.agricultural_population`).
    /// 预脱贫 counts as not exited; a household's exit counts in its 脱贫年度 even if it has
    /// since fallen back.
    pub fn from_households<'a>(
        households: impl IntoIterator<Item = (&'a Household, u32)>,
        agricultural_population: u32,
    ) -> VillageStats {
        let mut stats = VillageStats {
            agricultural_population,
            ..VillageStats::default()
        };
        for (household, people) in households {
            match household.basic.status {
                Some(ExitStatus::NotExited | ExitStatus::PreExit) => {
                    stats.not_exited_people = stats.not_exited_people.saturating_add(people);
                }
                Some(ExitStatus::Returned) => {
                    stats.returned_people = stats.returned_people.saturating_add(people);
                }
                Some(ExitStatus::Exited | ExitStatus::ExitedNoPolicy) | None => {}
            }
            if let Some(year) = household.basic.exit_year {
                *stats.households_exited_by_year.entry(year).or_insert(0) += 1;
            }
        }
        stats
    }

    /// 贫困发生率 = (未脱贫 + 返贫) ÷ 村农业户籍人口 (FORMS.md §6.2); `None` without a population.
    pub fn incidence(&self) -> Option<Incidence> {
        (self.agricultural_population > 0).then(|| Incidence {
            poor: self.not_exited_people.saturating_add(self.returned_people),
            population: self.agricultural_population,
        })
    }

    /// Households exited in `year`.
    pub fn exits_in(&self, year: i32) -> u32 {
        self.households_exited_by_year
            .get(&year)
            .copied()
            .unwrap_or(0)
    }
}

impl Incidence {
    /// Whether the incidence is below `percent` %, compared exactly in integers.
    pub fn is_below_percent(self, percent: u32) -> bool {
        u64::from(self.poor) * 100 < u64::from(percent) * u64::from(self.population)
    }

    /// Whether the incidence is above `percent` %, compared exactly in integers.
    pub fn is_above_percent(self, percent: u32) -> bool {
        u64::from(self.poor) * 100 > u64::from(percent) * u64::from(self.population)
    }

    /// The incidence for messages, e.g. `2.35%` (rounded half up to hundredths of a per cent).
    pub fn display_percent(self) -> String {
        if self.population == 0 {
            return "—".to_owned();
        }
        let basis_points = (u64::from(self.poor) * 10_000 * 2 + u64::from(self.population))
            / (2 * u64::from(self.population));
        format!("{}.{:02}%", basis_points / 100, basis_points % 100)
    }
}

/// A 贫困村 with the records that hang on it, for the village-level check
/// ([`crate::rules::village::check_village_bundle`]). JSON form:
/// ```json
/// {"village": {...}, "natural_villages": [...], "help_units": [...],
///  "work_team_members": [...], "exit_measures": {...} | null, "gps_fixes": [...],
///  "photos": [...], "stats": {...} | null, "requested_action": "exit" | null}
/// ```
/// Only `village` is required. Finding paths are in this form (`natural_villages[1].basic.name`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageBundle {
    pub village: Village,
    /// Its 自然村（村民小组）.
    pub natural_villages: Vec<NaturalVillage>,
    /// The help units entered so far (county-wide: the ones the village and its team pick from).
    pub help_units: Vec<HelpUnit>,
    /// The village's work team.
    pub work_team_members: Vec<WorkTeamMember>,
    /// 2018年出列贫困村脱贫措施 (C4), for a village exiting this year.
    pub exit_measures: Option<VillageExitMeasures>,
    /// Positions of the village (its centre, the village committee).
    pub gps_fixes: Vec<GpsFix>,
    pub photos: Vec<PhotoRef>,
    /// Counts from the village's households; the W3 and W4 checks need them.
    pub stats: Option<VillageStats>,
    /// An action to judge as well.
    pub requested_action: Option<VillageAction>,
}

/// An action the village check judges as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VillageAction {
    /// Mark the village 出列 this year: runs the W4 standard.
    Exit,
}
