//! The household record (贫困户信息采集表, FORMS.md §1): basic information, production and
//! living conditions, last year's income, relocation, help pairing, help measures per year
//! and 两不愁三保障. Members are their own records ([`crate::member::Member`]).
//!
//! JSON shape: one object per section, each field named as below in snake_case; codes are the
//! official code strings (`"01"`), yes/no answers are `true`/`false`, amounts are yuan strings
//! (`"3400.00"`), dates `YYYY-MM-DD`, and an answer not yet given is `null` or absent.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::codes::household::{
    AccessRoadType, DilapidationLevel, ExitStatus, FuelType, HelpMeasureCategory,
    HouseholdAttribute, IdentificationStandard, PovertyCause, RelocationMode, ResettlementMode,
    ResettlementPlace,
};
use crate::income::Income;
use crate::time::Date;

/// A 贫困户 (N1), including 历年脱贫户 and 返贫户.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Household {
    pub id: Uuid,
    /// The 贫困村 / administrative village (aad001) the household lives in.
    pub village_id: Uuid,
    /// The 自然村（村民小组） (aar007), when known.
    pub natural_village_id: Option<Uuid>,
    /// 一、基本情况.
    pub basic: BasicInfo,
    /// 二、生产生活条件 — 生产条件.
    pub production: ProductionConditions,
    /// 二、生产生活条件 — 生活条件.
    pub living: LivingConditions,
    /// 三、上年度收入.
    pub income: Income,
    /// 四、易地搬迁信息.
    pub relocation: Relocation,
    /// 五、帮扶责任人结对信息.
    pub pairings: Vec<Pairing>,
    /// 六、帮扶措施, one entry per year.
    pub help_measures: Vec<YearHelpMeasures>,
    /// 七、两不愁、三保障.
    pub no_worries: NoWorries,
}

/// 一、基本情况 (FORMS.md §1.2). 户主姓名 and 户主证件号码 are not stored here: they are the
/// member whose 与户主关系 is 户主.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BasicInfo {
    /// 户编号 (aac001), assigned by the national system; empty for a new household.
    pub household_number: Option<String>,
    /// 年度 (aar040).
    pub year: Option<i32>,
    /// 家庭人口数 (aac017) as recorded; must equal the members present.
    pub household_size: Option<u32>,
    /// 联系电话 (aar012), 11 digits.
    pub phone: Option<String>,
    /// 开户银行 (aaq002).
    pub bank_name: Option<String>,
    /// 银行卡号 (aac004).
    pub bank_account: Option<String>,
    /// 识别标准 (aac005).
    pub identification_standard: Option<IdentificationStandard>,
    /// 贫困户属性 (aac006).
    pub attribute: Option<HouseholdAttribute>,
    /// 脱贫状态 (aar010).
    pub status: Option<ExitStatus>,
    /// 识别年度 (aar041).
    pub identified_year: Option<i32>,
    /// 脱贫年度 (aac023); required when 已脱贫.
    pub exit_year: Option<i32>,
    /// 计划脱贫年度.
    pub planned_exit_year: Option<i32>,
    /// 返贫原因 (C2): only when 脱贫状态 = 返贫; the 致贫原因 list.
    pub return_reason: Option<PovertyCause>,
    /// 返贫年度.
    pub return_year: Option<i32>,
    /// 主要致贫原因 (aac007), required.
    pub main_cause: Option<PovertyCause>,
    /// 其他致贫原因 (aac008), at most two, none equal to the main cause.
    pub other_causes: Vec<PovertyCause>,
    /// 致贫原因说明.
    pub cause_note: Option<String>,
    /// 是否军烈属 (aac012).
    pub military_family: Option<bool>,
    /// 是否独生子女户 (aac013).
    pub only_child: Option<bool>,
    /// 是否双女户 (aac014).
    pub two_daughters: Option<bool>,
    /// The year whose basic information this record has been checked and updated for (C9):
    /// exit is refused until it is the policy year.
    pub basic_info_updated_year: Option<i32>,
    /// 入户核实日期: the day a survey worker last checked the household at the door against
    /// the printed 对照表 (C1), typed from the paper sheet or set by the app on the spot.
    /// The household list's "visited this year" is [`Household::visited_this_year`].
    pub visited_on: Option<Date>,
}

impl Household {
    /// Whether the household was visited (入户核实) in this year's dynamic management: its
    /// 入户核实日期 falls on or after the first day of the year's field work
    /// ([`crate::policy::YearPolicy::visits_from`]). A visit of an earlier year does not count;
    /// a household with no date has not been visited.
    pub fn visited_this_year(&self, policy: &crate::policy::YearPolicy) -> bool {
        visited_in(self.basic.visited_on, policy)
    }
}

/// [`Household::visited_this_year`] on the date alone (the replica's list query mirrors it).
pub fn visited_in(visited_on: Option<Date>, policy: &crate::policy::YearPolicy) -> bool {
    visited_on.is_some_and(|d| d >= policy.visits_from)
}

/// Whether a household is verified at the door rather than collected whole (C1: only what
/// changed for an existing household, everything for a new one): it was identified
/// (识别年度) in a year before the policy's. A household identified this year, or whose year
/// is not yet answered (one just made on the device), is new.
pub fn verified_at_door(identified_year: Option<i32>, policy: &crate::policy::YearPolicy) -> bool {
    identified_year.is_some_and(|y| y < policy.year)
}

/// 生产条件 (FORMS.md §1.5). Areas in 亩.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductionConditions {
    /// 耕地面积 (aac301).
    pub arable_area: Option<Decimal2>,
    /// 有效灌溉面积 (aac302), ≤ 耕地面积.
    pub irrigated_area: Option<Decimal2>,
    /// 林地面积 (aac303).
    pub forest_area: Option<Decimal2>,
    /// 退耕还林面积 (aac304).
    pub returned_farmland_area: Option<Decimal2>,
    /// 林果面积 (aac305).
    pub orchard_area: Option<Decimal2>,
    /// 牧草地面积 (aac306).
    pub grassland_area: Option<Decimal2>,
    /// 水面面积 (aac307).
    pub water_area: Option<Decimal2>,
    /// 是否通生产用电 (aac308).
    pub production_electricity: Option<bool>,
    /// 是否加入农民专业合作社 (aac084).
    pub cooperative: Option<bool>,
    /// 是否有龙头企业带动 (aac088).
    pub leading_enterprise: Option<bool>,
    /// 是否有创业致富带头人带动 (aac089).
    pub entrepreneur_leader: Option<bool>,
}

/// 生活条件 (FORMS.md §1.6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LivingConditions {
    /// 与村主干路距离 (aac315), 公里.
    pub road_distance_km: Option<Decimal2>,
    /// 入户路类型 (aac316).
    pub access_road: Option<AccessRoadType>,
    /// 住房面积 (aac317), 平方米.
    pub housing_area_m2: Option<Decimal2>,
    /// 是否危房户 (aac318).
    pub dilapidated: Option<bool>,
    /// 危房级别 (aac322), required when 危房户.
    pub dilapidation_level: Option<DilapidationLevel>,
    /// 是否通生活用电 (aac313).
    pub domestic_electricity: Option<bool>,
    /// 是否通广播电视 (aac314).
    pub broadcast_tv: Option<bool>,
    /// 是否解决安全饮用水 (aac091), the 2018 field.
    pub safe_drinking_water: Option<bool>,
    /// 主要燃料类型 (aac320).
    pub fuel: Option<FuelType>,
    /// 有无卫生厕所 (aac319).
    pub sanitary_toilet: Option<bool>,
}

/// 四、易地搬迁信息 (FORMS.md §1.9).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Relocation {
    /// 是否易地扶贫搬迁户.
    pub relocated: Option<bool>,
    /// 搬迁方式 (acr075).
    pub mode: Option<RelocationMode>,
    /// 安置方式.
    pub resettlement_mode: Option<ResettlementMode>,
    /// 安置地.
    pub resettlement_place: Option<ResettlementPlace>,
    /// 搬迁可能存在的困难.
    pub difficulties: Option<String>,
    /// 是否已入住 (got the keys and moved in).
    pub moved_in: Option<bool>,
    /// 入住时间.
    pub moved_in_date: Option<Date>,
}

/// One 帮扶结对 (AC08): a helper paired with this household from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Pairing {
    /// The 帮扶责任人 record.
    pub helper_id: Uuid,
    /// 结对开始时间 (aar020).
    pub start: Option<Date>,
    /// 结对结束时间 (aar021); open while the pairing lasts.
    pub end: Option<Date>,
}

/// 六、帮扶措施 of one year: the kinds of measure received.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct YearHelpMeasures {
    pub year: i32,
    pub categories: Vec<HelpMeasureCategory>,
    pub note: Option<String>,
}

/// One 两不愁三保障 item: resolved or not, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Assurance {
    /// 是否已解决 / 有保障; `None` until assessed.
    pub resolved: Option<bool>,
    /// Why it is not resolved (required when `resolved` is false).
    pub reason: Option<String>,
}

impl Assurance {
    pub fn yes() -> Assurance {
        Assurance {
            resolved: Some(true),
            reason: None,
        }
    }

    pub fn no(reason: &str) -> Assurance {
        Assurance {
            resolved: Some(false),
            reason: Some(reason.to_owned()),
        }
    }
}

/// 七、两不愁、三保障 (FORMS.md §1.8): the collector's assessment of each item. The exit gate
/// also derives the items from members and living conditions, so a "yes" here does not hide a
/// child out of school or a dilapidated house.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NoWorries {
    /// 不愁吃.
    pub food: Assurance,
    /// 不愁穿.
    pub clothing: Assurance,
    /// 义务教育有保障.
    pub compulsory_education: Assurance,
    /// 基本医疗有保障.
    pub basic_medical: Assurance,
    /// 住房安全有保障.
    pub housing: Assurance,
    /// 饮水安全有保障.
    pub drinking_water: Assurance,
}

/// The 两不愁三保障 items, for findings and the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoWorriesItem {
    Food,
    Clothing,
    CompulsoryEducation,
    BasicMedical,
    Housing,
    DrinkingWater,
}

impl NoWorriesItem {
    pub const ALL: [NoWorriesItem; 6] = [
        NoWorriesItem::Food,
        NoWorriesItem::Clothing,
        NoWorriesItem::CompulsoryEducation,
        NoWorriesItem::BasicMedical,
        NoWorriesItem::Housing,
        NoWorriesItem::DrinkingWater,
    ];

    /// The item's name on the form.
    pub fn zh(self) -> &'static str {
        match self {
            NoWorriesItem::Food => "不愁吃",
            NoWorriesItem::Clothing => "不愁穿",
            NoWorriesItem::CompulsoryEducation => "义务教育有保障",
            NoWorriesItem::BasicMedical => "基本医疗有保障",
            NoWorriesItem::Housing => "住房安全有保障",
            NoWorriesItem::DrinkingWater => "饮水安全有保障",
        }
    }

    /// The field name in [`NoWorries`] (and the JSON form).
    pub fn key(self) -> &'static str {
        match self {
            NoWorriesItem::Food => "food",
            NoWorriesItem::Clothing => "clothing",
            NoWorriesItem::CompulsoryEducation => "compulsory_education",
            NoWorriesItem::BasicMedical => "basic_medical",
            NoWorriesItem::Housing => "housing",
            NoWorriesItem::DrinkingWater => "drinking_water",
        }
    }
}

impl NoWorries {
    pub fn get(&self, item: NoWorriesItem) -> &Assurance {
        match item {
            NoWorriesItem::Food => &self.food,
            NoWorriesItem::Clothing => &self.clothing,
            NoWorriesItem::CompulsoryEducation => &self.compulsory_education,
            NoWorriesItem::BasicMedical => &self.basic_medical,
            NoWorriesItem::Housing => &self.housing,
            NoWorriesItem::DrinkingWater => &self.drinking_water,
        }
    }

    /// Every item resolved.
    pub fn all_resolved() -> NoWorries {
        NoWorries {
            food: Assurance::yes(),
            clothing: Assurance::yes(),
            compulsory_education: Assurance::yes(),
            basic_medical: Assurance::yes(),
            housing: Assurance::yes(),
            drinking_water: Assurance::yes(),
        }
    }
}

/// A non-negative-or-negative decimal with exactly two decimal places, held as hundredths:
/// areas (亩), housing area (㎡) and distances (公里).
///
/// Why not `f64`: the rules compare these values (有效灌溉面积 ≤ 耕地面积, 住房面积 ≥ 10 ㎡,
/// 距离 > 50 公里) and the exports print them; binary floating point would make `0.1 + 0.2`
/// style mismatches and round-trip noise. Two decimals are what the national forms keep.
/// JSON: a number (`12.5`) or a string (`"12.50"`); written as a number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal2(i64);

/// Why a decimal did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Decimal2Error {
    #[error("应为数字，最多两位小数，例如 2.5")]
    Shape,
}

impl Decimal2 {
    pub const ZERO: Decimal2 = Decimal2(0);

    pub const fn from_hundredths(h: i64) -> Decimal2 {
        Decimal2(h)
    }

    pub const fn from_int(n: i64) -> Decimal2 {
        Decimal2(n * 100)
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Parses `12`, `12.5`, `12.50`, `-1.2`.
    pub fn parse(s: &str) -> Result<Decimal2, Decimal2Error> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |p: &str| p.bytes().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
            return Err(Decimal2Error::Shape);
        }
        if body.ends_with('.') || whole.len() > 15 {
            return Err(Decimal2Error::Shape);
        }
        let whole: i64 = whole.parse().map_err(|_| Decimal2Error::Shape)?;
        let frac: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| Decimal2Error::Shape)?;
        let h = whole * 100 + frac;
        Ok(Decimal2(if neg { -h } else { h }))
    }

    /// Per-person or per-unit share (`self / n`), rounded half away from zero.
    pub fn div_round(self, n: i64) -> Option<Decimal2> {
        if n == 0 {
            return None;
        }
        let (q, r) = (self.0 / n, self.0 % n);
        let away = 2 * r.abs() >= n.abs();
        let sign = if (self.0 < 0) != (n < 0) { -1 } else { 1 };
        Some(Decimal2(if away { q + sign } else { q }))
    }
}

impl fmt::Display for Decimal2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Debug for Decimal2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Decimal2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Whole values as integers, others as the shortest decimal: exact for two places.
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> Deserialize<'de> for Decimal2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Decimal2;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number with at most two decimals")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal2, E> {
                Decimal2::parse(v).map_err(|e| E::custom(format!("{e}: {v:?}")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal2, E> {
                v.checked_mul(100)
                    .map(Decimal2)
                    .ok_or_else(|| E::custom(Decimal2Error::Shape))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal2, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Decimal2)
                    .ok_or_else(|| E::custom(Decimal2Error::Shape))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal2, E> {
                // JSON numbers reach us as f64: accept them when they are two-decimal values
                // (within rounding noise), refuse anything finer.
                let h = (v * 100.0).round();
                if !v.is_finite() || (v * 100.0 - h).abs() > 1e-6 || h.abs() > 1e15 {
                    return Err(E::custom(format!("{}: {v}", Decimal2Error::Shape)));
                }
                Ok(Decimal2(h as i64))
            }
        }
        d.deserialize_any(V)
    }
}
