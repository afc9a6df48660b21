//! Code lists of spot-checks (抽查): strata, draw methods, the door checklist (EVALUATION.md
//! §4), finding codes (§5), risk flags (§3.3) and how a checker classifies a difference. None
//! of these is an official national list: the codes are ours ([I] in EVALUATION.md), stable,
//! and the labels follow the evaluation practice the notes describe.

use crate::code_list;
use crate::codes::{CodeList, Coded};
use crate::household::NoWorriesItem;

code_list! {
    /// 村类型: the village dimension of the strata (EVALUATION.md §3.3).
    pub enum VillageType: "spot_village_type", "2018", "村类型" {
        PoorNotExited = ("1", "未出列贫困村", "poor village, not exited"),
        PoorExited = ("2", "已出列贫困村", "poor village, exited"),
        NotPoor = ("3", "非贫困村", "village never listed as poor"),
    }
}

code_list! {
    /// 户类型: the household dimension of the strata (EVALUATION.md §3.3). 当年脱贫户 are the
    /// households that exited in the plan's year (2018 脱贫户 in 2018).
    pub enum HouseholdType: "spot_household_type", "2018", "户类型" {
        ExitedThisYear = ("1", "当年脱贫户", "exited this year"),
        ExitedEarlier = ("2", "历年脱贫户", "exited in an earlier year"),
        NotExited = ("3", "未脱贫户", "registered, not exited"),
        NonRegistered = ("4", "非建档立卡户", "not registered"),
        NonRegisteredHighRisk = ("5", "非建档立卡高风险户", "not registered, high risk (低保、五保、残疾、大病、危房)"),
    }
}

impl HouseholdType {
    /// A registered (建档立卡) household type.
    pub fn is_registered(self) -> bool {
        matches!(
            self,
            HouseholdType::ExitedThisYear | HouseholdType::ExitedEarlier | HouseholdType::NotExited
        )
    }

    /// An exited household type: the denominator group of 错退率 (EVALUATION.md §2).
    pub fn is_exited(self) -> bool {
        matches!(
            self,
            HouseholdType::ExitedThisYear | HouseholdType::ExitedEarlier
        )
    }
}

code_list! {
    /// 抽村方式: the first stage of the draw (EVALUATION.md §3.3).
    pub enum VillageDrawMethod: "spot_village_draw", "2018", "抽村方式" {
        Simple = ("srs", "简单随机抽样", "simple random sampling"),
        Pps = ("pps", "按户数规模成比例抽样（PPS）", "probability proportional to households"),
    }
}

code_list! {
    /// 抽户方式: the second stage of the draw (EVALUATION.md §3.3; Guangdong drew poor households
    /// "at equal intervals from the roster").
    pub enum HouseholdDrawMethod: "spot_household_draw", "2018", "抽户方式" {
        Systematic = ("systematic", "按花名册等距抽样", "systematic from the roster"),
        Simple = ("srs", "简单随机抽样", "simple random sampling"),
    }
}

code_list! {
    /// 风险标识 of a non-registered household: what puts it in the high-risk sub-stratum
    /// (EVALUATION.md §3.3, [E:28]) and what the screening short form records.
    pub enum RiskFlag: "spot_risk_flag", "2018", "风险标识" {
        MinimumAllowance = ("1", "低保户", "minimum-allowance household"),
        Support = ("2", "特困供养（五保）户", "extreme-poverty-support household"),
        Disabled = ("3", "有残疾人", "a disabled member"),
        SeriousIllness = ("4", "有大病患者", "a seriously ill member"),
        Dilapidated = ("5", "住房为危房", "dilapidated housing"),
        Other = ("9", "其他困难", "other hardship"),
    }
}

impl RiskFlag {
    /// Whether the flag puts a household in the high-risk sub-stratum (the five of §3.3).
    pub fn is_high_risk(self) -> bool {
        self != RiskFlag::Other
    }
}

code_list! {
    /// 入户核查内容: the door checklist (EVALUATION.md §4, items 1–8 and 10; the village archive,
    /// item 9, is checked on the village screening form).
    pub enum CheckItem: "spot_check_item", "2018", "入户核查内容" {
        Composition = ("01", "身份与家庭人口（户口本、身份证、共享收支人口）", "identity and household composition"),
        Income = ("02", "收入核算（收入测算表、存折流水）", "income by type against the line"),
        NoWorries = ("03", "两不愁三保障", "food, clothing, schooling, medical, housing, water"),
        HousingWater = ("04", "住房与饮水细项（鉴定、改造、水质）", "housing and water detail"),
        HelpMeasures = ("05", "帮扶措施（帮扶手册、明白卡、走访）", "help measures received vs recorded"),
        Recognition = ("06", "群众认可", "recognition of policies, measures, exit and cadres"),
        InclusionScreen = ("07", "错评筛查（财政供养、村干部、大型农机、生活水平）", "is the household really poor"),
        Archive = ("08", "户档资料（四个比对、一户一档）", "household archive consistency"),
        Conduct = ("10", "工作规范（两人入户、读回、户主签字）", "two checkers, read back, household signs"),
    }
}

code_list! {
    /// 核查结果 of one checklist item.
    pub enum CheckResult: "spot_check_result", "2018", "核查结果" {
        Consistent = ("1", "相符", "consistent"),
        Inconsistent = ("2", "不相符", "inconsistent"),
        NotChecked = ("3", "未核查", "not checked"),
    }
}

code_list! {
    /// 问题类型: how a finding is classified (EVALUATION.md §5, the proposed enum). One finding
    /// carries one code; a household may have several findings.
    pub enum FindingCode: "spot_finding", "2018", "问题类型" {
        WrongInclusion = ("wrong_inclusion", "错评", "registered but does not meet the standard"),
        Missed = ("missed", "漏评", "meets the standard but not registered"),
        WrongExit = ("wrong_exit", "错退", "exited without stably meeting income or 两不愁三保障"),
        ShouldExit = ("should_exit", "应退未退", "meets the exit conditions but not exited"),
        Returned = ("returned", "返贫", "exited household that fell back"),
        DataMismatch = ("data_mismatch", "数据不准、信息不一致", "register differs from reality or archive"),
        ArchiveDefect = ("archive_defect", "档案资料不规范", "missing, unsigned, altered or illogical documents"),
        ProcedureDefect = ("procedure_defect", "程序不规范", "identification or exit procedure step missing"),
        TwoThreeGap = ("two_three_gap", "两不愁三保障未解决", "a 两不愁三保障 item unresolved"),
        SatisfactionNeg = ("satisfaction_neg", "群众不认可", "household does not recognise the work"),
    }
}

/// Which exit indicator a finding feeds (EVALUATION.md §5: only 错退, 漏评 and 不认可 do; the
/// rest feed data-quality and 成效考核 scores).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 脱贫人口错退率.
    WrongExit,
    /// 贫困人口漏评率.
    Missed,
    /// 群众认可度.
    Recognition,
}

impl Indicator {
    /// The official name, zh-CN (EVALUATION.md §2).
    pub fn zh(self) -> &'static str {
        match self {
            Indicator::WrongExit => "脱贫人口错退率",
            Indicator::Missed => "贫困人口漏评率",
            Indicator::Recognition => "群众认可度",
        }
    }
}

impl FindingCode {
    /// The exit indicator this kind of finding counts toward, if any.
    pub fn indicator(self) -> Option<Indicator> {
        match self {
            FindingCode::WrongExit => Some(Indicator::WrongExit),
            FindingCode::Missed => Some(Indicator::Missed),
            FindingCode::SatisfactionNeg => Some(Indicator::Recognition),
            _ => None,
        }
    }
}

code_list! {
    /// 漏评范围: a whole household, or a person living in a registered household who is not
    /// in its register (户内人口应纳未纳, [E:19]).
    pub enum MissedScope: "spot_missed_scope", "2018", "漏评范围" {
        WholeHousehold = ("1", "整户漏评", "whole household"),
        Member = ("2", "户内人口应纳未纳", "a member missing from a registered household"),
    }
}

code_list! {
    /// 两不愁三保障项目, for a `two_three_gap` finding's sub-code.
    pub enum NoWorriesGap: "spot_no_worries_item", "2018", "两不愁三保障项目" {
        Food = ("food", "不愁吃", "food"),
        Clothing = ("clothing", "不愁穿", "clothing"),
        CompulsoryEducation = ("compulsory_education", "义务教育有保障", "compulsory education"),
        BasicMedical = ("basic_medical", "基本医疗有保障", "basic medical care"),
        Housing = ("housing", "住房安全有保障", "safe housing"),
        DrinkingWater = ("drinking_water", "饮水安全有保障", "safe drinking water"),
    }
}

impl NoWorriesGap {
    /// The household form's item this gap is about.
    pub fn item(self) -> NoWorriesItem {
        match self {
            NoWorriesGap::Food => NoWorriesItem::Food,
            NoWorriesGap::Clothing => NoWorriesItem::Clothing,
            NoWorriesGap::CompulsoryEducation => NoWorriesItem::CompulsoryEducation,
            NoWorriesGap::BasicMedical => NoWorriesItem::BasicMedical,
            NoWorriesGap::Housing => NoWorriesItem::Housing,
            NoWorriesGap::DrinkingWater => NoWorriesItem::DrinkingWater,
        }
    }
}

code_list! {
    /// 问题程度: kept apart from the code, as §5 advises. 严重 is what the county must fix
    /// before the evaluators come; 一般 is a record-keeping matter. Our reading ([I]).
    pub enum FindingSeverity: "spot_finding_severity", "2018", "问题程度" {
        Minor = ("1", "一般", "minor"),
        Serious = ("2", "严重", "serious"),
    }
}

code_list! {
    /// 差异认定: what the checker says a difference between the register and the door is.
    pub enum DifferenceClass: "spot_difference_class", "2018", "差异认定" {
        RegisterWrong = ("1", "登记有误，需更正", "the register is wrong and needs correcting"),
        Changed = ("2", "情况已变化，需更新", "the situation changed since; update the register"),
        RegisterRight = ("3", "登记无误", "the register stands; the observation was off"),
        Immaterial = ("4", "不影响认定", "immaterial to the household's status"),
    }
}

impl DifferenceClass {
    /// Whether the difference asks for the register to change (a problem-list item).
    pub fn needs_correction(self) -> bool {
        matches!(
            self,
            DifferenceClass::RegisterWrong | DifferenceClass::Changed
        )
    }
}

/// The lists of this module, for [`crate::codes::all`].
pub fn lists() -> Vec<&'static CodeList> {
    vec![
        VillageType::LIST,
        HouseholdType::LIST,
        VillageDrawMethod::LIST,
        HouseholdDrawMethod::LIST,
        RiskFlag::LIST,
        CheckItem::LIST,
        CheckResult::LIST,
        FindingCode::LIST,
        MissedScope::LIST,
        NoWorriesGap::LIST,
        FindingSeverity::LIST,
        DifferenceClass::LIST,
    ]
}
