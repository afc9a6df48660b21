//! Code lists of the household and member forms (FORMS.md §1–§2).
//!
//! Codes are the national system's where a source gave them; where FORMS.md says "not found;
//! suggested", the codes are ours and the list's doc comment says so.

use super::{CodeList, Coded};
use crate::code_list;

code_list! {
    /// 是否 (yes/no as the national forms code it: 1 是, 0 否).
    pub enum YesNo: "yes_no", "2018", "是否" {
        Yes = ("1", "是", "yes"),
        No = ("0", "否", "no"),
    }
}

code_list! {
    /// 贫困户属性 (aac006), FORMS.md §1.3. Labels are the 2018 ones (五保 renamed 特困供养);
    /// 02/03/05 are the "after exit" attributes, 01/04/06 the ones of a household still poor.
    pub enum HouseholdAttribute: "household_attribute", "2018", "贫困户属性" {
        General = ("01", "一般贫困户", "ordinary poor household"),
        AllowanceExited = ("02", "低保脱贫户", "minimum-allowance household, exited"),
        SupportExited = ("03", "特困供养脱贫户", "extreme-poverty-support household, exited"),
        Allowance = ("04", "低保贫困户", "minimum-allowance poor household"),
        GeneralExited = ("05", "一般脱贫户", "ordinary household, exited"),
        Support = ("06", "特困供养贫困户", "extreme-poverty-support poor household"),
        AllowanceSupport = ("07", "低保特困供养贫困户", "allowance and support poor household"),
        AllowanceSupportExited = ("08", "低保特困供养户", "allowance and support household, exited"),
    }
}

impl HouseholdAttribute {
    /// Whether this attribute is one of a household that has exited (FORMS.md §1.3).
    pub fn is_exited(self) -> bool {
        matches!(
            self,
            HouseholdAttribute::AllowanceExited
                | HouseholdAttribute::SupportExited
                | HouseholdAttribute::GeneralExited
                | HouseholdAttribute::AllowanceSupportExited
        )
    }

    /// The attribute once the household has exited (FORMS.md §1.3: 01 → 05, 04 → 02,
    /// 06 → 03, 07 → 08); an exited one stays.
    pub fn on_exit(self) -> HouseholdAttribute {
        use HouseholdAttribute::*;
        match self {
            General => GeneralExited,
            Allowance => AllowanceExited,
            Support => SupportExited,
            AllowanceSupport => AllowanceSupportExited,
            exited => exited,
        }
    }

    /// The attribute once an exited household is poor again (the reverse of
    /// [`HouseholdAttribute::on_exit`]).
    pub fn on_return(self) -> HouseholdAttribute {
        use HouseholdAttribute::*;
        match self {
            GeneralExited => General,
            AllowanceExited => Allowance,
            SupportExited => Support,
            AllowanceSupportExited => AllowanceSupport,
            poor => poor,
        }
    }

    /// Whether the household receives the minimum living allowance (低保).
    pub fn is_allowance(self) -> bool {
        matches!(
            self,
            HouseholdAttribute::Allowance
                | HouseholdAttribute::AllowanceExited
                | HouseholdAttribute::AllowanceSupport
                | HouseholdAttribute::AllowanceSupportExited
        )
    }

    /// Whether the household is an extreme-poverty-support (特困供养, formerly 五保) one.
    pub fn is_support(self) -> bool {
        matches!(
            self,
            HouseholdAttribute::Support
                | HouseholdAttribute::SupportExited
                | HouseholdAttribute::AllowanceSupport
                | HouseholdAttribute::AllowanceSupportExited
        )
    }
}

code_list! {
    /// 脱贫状态 / 脱贫标志 (aar010), FORMS.md §1.2.
    pub enum ExitStatus: "exit_status", "2018", "脱贫状态" {
        NotExited = ("0", "未脱贫", "not exited"),
        Exited = ("1", "已脱贫（享受政策）", "exited, still receiving policy support"),
        PreExit = ("2", "预脱贫", "pre-exit (province review)"),
        Returned = ("3", "返贫", "returned to poverty"),
        ExitedNoPolicy = ("4", "已脱贫（不再享受政策）", "exited, no longer receiving support"),
    }
}

impl ExitStatus {
    /// 已脱贫 with or without continued support.
    pub fn is_exited(self) -> bool {
        matches!(self, ExitStatus::Exited | ExitStatus::ExitedNoPolicy)
    }
}

code_list! {
    /// 识别标准 (aac005), FORMS.md §1.2.
    pub enum IdentificationStandard: "identification_standard", "2018", "识别标准" {
        National = ("01", "国家标准", "national standard"),
        Provincial = ("02", "省定标准", "provincial standard"),
        Municipal = ("03", "市定标准", "municipal standard"),
    }
}

code_list! {
    /// 致贫原因 (aac007 main, aac008 other), 2018 national numbering, FORMS.md §1.4. Also the
    /// list of 返贫原因 (FORMS.md suggests reusing it; no own list was found).
    pub enum PovertyCause: "poverty_cause", "2018", "致贫原因" {
        Illness = ("1", "因病", "illness"),
        Disability = ("2", "因残", "disability"),
        Schooling = ("3", "因学", "schooling costs"),
        Disaster = ("4", "因灾", "disaster"),
        LackOfLand = ("5", "缺土地", "lack of land"),
        LackOfWater = ("6", "缺水", "lack of water"),
        LackOfSkills = ("7", "缺技术", "lack of skills"),
        LackOfLabour = ("8", "缺劳力", "lack of labour"),
        LackOfCapital = ("9", "缺资金", "lack of capital"),
        PoorTransport = ("10", "交通条件落后", "poor transport"),
        LackOfMotivation = ("11", "自身发展动力不足", "lack of motivation"),
        Marriage = ("12", "因婚", "marriage costs"),
        Funeral = ("13", "因丧", "funeral costs"),
    }
}

code_list! {
    /// 入户路类型 (aac316), FORMS.md §1.6.
    pub enum AccessRoadType: "access_road_type", "2018", "入户路类型" {
        Dirt = ("01", "泥土路", "dirt road"),
        Gravel = ("02", "砂石路", "gravel road"),
        Concrete = ("03", "水泥路", "concrete road"),
        Asphalt = ("04", "沥青路", "asphalt road"),
    }
}

code_list! {
    /// 主要燃料类型 (aac320), FORMS.md §1.6.
    pub enum FuelType: "fuel_type", "2018", "主要燃料类型" {
        Firewood = ("01", "柴草", "firewood and straw"),
        Dung = ("02", "干畜粪", "dried dung"),
        Coal = ("03", "煤炭", "coal"),
        Clean = ("04", "清洁能源", "clean energy"),
        Other = ("05", "其他", "other"),
    }
}

code_list! {
    /// 危房级别 (aac322), FORMS.md §1.6: the housing authority's appraisal grades.
    pub enum DilapidationLevel: "dilapidation_level", "2018", "危房级别" {
        C = ("C", "C级", "grade C, partly dangerous"),
        D = ("D", "D级", "grade D, wholly dangerous"),
    }
}

code_list! {
    /// 搬迁方式 (acr075), FORMS.md §1.9.
    pub enum RelocationMode: "relocation_mode", "2018", "搬迁方式" {
        WholeVillage = ("01", "行政村整体搬迁", "whole administrative village"),
        WholeNaturalVillage = ("02", "自然村（村民小组）整体搬迁", "whole natural village"),
        Individual = ("03", "建档立卡贫困户个别搬迁", "individual registered household"),
    }
}

code_list! {
    /// 安置方式, FORMS.md §1.9 (labels found, codes ours).
    pub enum ResettlementMode: "resettlement_mode", "2018", "安置方式" {
        Concentrated = ("01", "集中安置", "concentrated"),
        Dispersed = ("02", "分散安置", "dispersed"),
    }
}

code_list! {
    /// 安置地, FORMS.md §1.9 (labels found, codes ours).
    pub enum ResettlementPlace: "resettlement_place", "2018", "安置地" {
        CountyTown = ("01", "县城安置", "county town"),
        Township = ("02", "乡镇安置", "township"),
        OutsideCounty = ("03", "县外安置", "outside the county"),
        OutsideVillage = ("04", "村外安置", "outside the village"),
        InsideVillage = ("05", "村内安置", "inside the village"),
    }
}

code_list! {
    /// 帮扶措施类别, FORMS.md §1.11 / §5.1 (suggested 2018 grouping; codes ours).
    pub enum HelpMeasureCategory: "help_measure_category", "2018", "帮扶措施类别" {
        Industry = ("01", "产业扶贫", "industry"),
        Employment = ("02", "就业扶贫", "employment"),
        Finance = ("03", "金融扶贫", "finance"),
        Relocation = ("04", "易地扶贫搬迁", "relocation"),
        HousingRenovation = ("05", "危房改造", "housing renovation"),
        Education = ("06", "教育扶贫", "education"),
        Health = ("07", "健康扶贫", "health"),
        Ecology = ("08", "生态扶贫", "ecology"),
        SocialSecurity = ("09", "社会保障兜底", "social security"),
        LivingConditions = ("10", "生活条件改善", "living conditions"),
        SocialHelp = ("11", "社会帮扶", "social help"),
    }
}

code_list! {
    /// 性别 (aab003): GB/T 2261.1 codes; matches ID digit 17 (odd = 男).
    pub enum Sex: "sex", "2018", "性别" {
        Male = ("1", "男", "male"),
        Female = ("2", "女", "female"),
    }
}

code_list! {
    /// 证件类型 (aab018), FORMS.md §2: only these two were seen.
    pub enum IdType: "id_type", "2018", "证件类型" {
        ResidentId = ("01", "居民身份证（户口簿）", "resident identity card or household register"),
        DisabilityCert = ("09", "残疾人证", "disability certificate"),
    }
}

code_list! {
    /// 与户主关系 (aab006), FORMS.md §2.1. 01–99 are the 2015–2017 national codes; 21–27 are
    /// values seen only in later lists whose codes were not found (ours).
    pub enum Relationship: "relationship", "2018", "与户主关系" {
        Head = ("01", "户主", "head of household"),
        Spouse = ("02", "配偶", "spouse"),
        Son = ("03", "之子", "son"),
        Daughter = ("04", "之女", "daughter"),
        DaughterInLaw = ("05", "之儿媳", "daughter-in-law"),
        SonInLaw = ("06", "之女婿", "son-in-law"),
        Grandson = ("07", "之孙子", "grandson (son's son)"),
        Granddaughter = ("08", "之孙女", "granddaughter (son's daughter)"),
        DaughtersSon = ("09", "之外孙子", "grandson (daughter's son)"),
        DaughtersDaughter = ("10", "之外孙女", "granddaughter (daughter's daughter)"),
        Father = ("11", "之父", "father"),
        Mother = ("12", "之母", "mother"),
        WifesFather = ("13", "之岳父", "father-in-law (wife's father)"),
        WifesMother = ("14", "之岳母", "mother-in-law (wife's mother)"),
        HusbandsFather = ("15", "之公公", "father-in-law (husband's father)"),
        HusbandsMother = ("16", "之婆婆", "mother-in-law (husband's mother)"),
        Grandfather = ("17", "之祖父", "grandfather (father's father)"),
        Grandmother = ("18", "之祖母", "grandmother (father's mother)"),
        MothersFather = ("19", "之外祖父", "grandfather (mother's father)"),
        MothersMother = ("20", "之外祖母", "grandmother (mother's mother)"),
        Sibling = ("21", "之兄弟姐妹", "sibling"),
        GreatGrandson = ("22", "之曾孙子", "great-grandson"),
        GreatGranddaughter = ("23", "之曾孙女", "great-granddaughter"),
        Nephew = ("24", "之侄儿", "nephew"),
        Niece = ("25", "之侄女", "niece"),
        SisterInLaw = ("26", "之兄弟媳妇", "brother's wife"),
        Uncle = ("27", "之叔伯", "uncle"),
        Other = ("99", "其他", "other"),
    }
}

impl Relationship {
    /// The sex a relationship implies, where it implies one (FORMS.md §2.1).
    pub fn implied_sex(self) -> Option<Sex> {
        use Relationship::*;
        match self {
            Son | SonInLaw | Grandson | DaughtersSon | Father | WifesFather | HusbandsFather
            | Grandfather | MothersFather | GreatGrandson | Nephew | Uncle => Some(Sex::Male),
            Daughter | DaughterInLaw | Granddaughter | DaughtersDaughter | Mother | WifesMother
            | HusbandsMother | Grandmother | MothersMother | GreatGranddaughter | Niece
            | SisterInLaw => Some(Sex::Female),
            Head | Spouse | Sibling | Other => None,
        }
    }
}

code_list! {
    /// 民族 (aab007): the 56 nationalities in GB 3304-1991 order. (FORMS.md's summary ends
    /// at "56 珞巴族"; GB 3304 has 55 珞巴族, 56 基诺族, which is used here.)
    pub enum Ethnicity: "ethnicity", "GB3304-1991", "民族" {
        Han = ("01", "汉族", "Han"),
        Mongol = ("02", "蒙古族", "Mongol"),
        Hui = ("03", "回族", "Hui"),
        Tibetan = ("04", "藏族", "Tibetan"),
        Uyghur = ("05", "维吾尔族", "Uyghur"),
        Miao = ("06", "苗族", "Miao"),
        Yi = ("07", "彝族", "Yi"),
        Zhuang = ("08", "壮族", "Zhuang"),
        Bouyei = ("09", "布依族", "Bouyei"),
        Korean = ("10", "朝鲜族", "Korean"),
        Manchu = ("11", "满族", "Manchu"),
        Dong = ("12", "侗族", "Dong"),
        Yao = ("13", "瑶族", "Yao"),
        Bai = ("14", "白族", "Bai"),
        Tujia = ("15", "土家族", "Tujia"),
        Hani = ("16", "哈尼族", "Hani"),
        Kazakh = ("17", "哈萨克族", "Kazakh"),
        Dai = ("18", "傣族", "Dai"),
        Li = ("19", "黎族", "Li"),
        Lisu = ("20", "傈僳族", "Lisu"),
        Va = ("21", "佤族", "Va"),
        She = ("22", "畲族", "She"),
        Gaoshan = ("23", "高山族", "Gaoshan"),
        Lahu = ("24", "拉祜族", "Lahu"),
        Sui = ("25", "水族", "Sui"),
        Dongxiang = ("26", "东乡族", "Dongxiang"),
        Naxi = ("27", "纳西族", "Naxi"),
        Jingpo = ("28", "景颇族", "Jingpo"),
        Kyrgyz = ("29", "柯尔克孜族", "Kyrgyz"),
        Tu = ("30", "土族", "Tu"),
        Daur = ("31", "达斡尔族", "Daur"),
        Mulao = ("32", "仫佬族", "Mulao"),
        Qiang = ("33", "羌族", "Qiang"),
        Blang = ("34", "布朗族", "Blang"),
        Salar = ("35", "撒拉族", "Salar"),
        Maonan = ("36", "毛南族", "Maonan"),
        Gelao = ("37", "仡佬族", "Gelao"),
        Xibe = ("38", "锡伯族", "Xibe"),
        Achang = ("39", "阿昌族", "Achang"),
        Pumi = ("40", "普米族", "Pumi"),
        Tajik = ("41", "塔吉克族", "Tajik"),
        Nu = ("42", "怒族", "Nu"),
        Uzbek = ("43", "乌孜别克族", "Uzbek"),
        Russian = ("44", "俄罗斯族", "Russian"),
        Evenki = ("45", "鄂温克族", "Evenki"),
        Deang = ("46", "德昂族", "De'ang"),
        Bonan = ("47", "保安族", "Bonan"),
        Yugur = ("48", "裕固族", "Yugur"),
        Gin = ("49", "京族", "Gin"),
        Tatar = ("50", "塔塔尔族", "Tatar"),
        Derung = ("51", "独龙族", "Derung"),
        Oroqen = ("52", "鄂伦春族", "Oroqen"),
        Hezhen = ("53", "赫哲族", "Hezhen"),
        Monba = ("54", "门巴族", "Monba"),
        Lhoba = ("55", "珞巴族", "Lhoba"),
        Jino = ("56", "基诺族", "Jino"),
    }
}

code_list! {
    /// 政治面貌 (aak033), FORMS.md §2; also used for helpers and work-team members.
    pub enum PoliticalStatus: "political_status", "2018", "政治面貌" {
        CpcMember = ("01", "中共党员", "CPC member"),
        CpcProbationary = ("02", "中共预备党员", "CPC probationary member"),
        YouthLeague = ("03", "共青团员", "Communist Youth League member"),
        Rcckmt = ("04", "民革会员", "RCCK member"),
        Cdl = ("05", "民盟盟员", "China Democratic League member"),
        Cndca = ("06", "民建会员", "CNDCA member"),
        Capd = ("07", "民进会员", "CAPD member"),
        Cpwdp = ("08", "农工党党员", "CPWDP member"),
        Zhigong = ("09", "致公党党员", "China Zhi Gong Party member"),
        Jiusan = ("10", "九三学社社员", "Jiusan Society member"),
        Tdsgl = ("11", "台盟盟员", "Taiwan Democratic Self-Government League member"),
        NonParty = ("12", "无党派民主人士", "non-party democrat"),
        Masses = ("13", "群众", "ordinary citizen"),
    }
}

code_list! {
    /// 文化程度 (aab008), 2015–2018 list, FORMS.md §2.2.
    pub enum Education: "education", "2018", "文化程度" {
        Illiterate = ("01", "文盲或半文盲", "illiterate or semi-literate"),
        Primary = ("02", "小学", "primary school"),
        JuniorHigh = ("03", "初中", "junior high school"),
        SeniorHigh = ("04", "高中", "senior high school"),
        College = ("05", "大专及以上", "college or above"),
        Preschool = ("06", "学龄前儿童", "pre-school child"),
    }
}

code_list! {
    /// 在校生状况 (aab009), the 16 values of 2015–2018, FORMS.md §2.3.
    pub enum StudentStatus: "student_status", "2018", "在校生状况" {
        NotInSchool = ("01", "非在校生", "not in school"),
        Preschool = ("02", "学前教育", "pre-school education"),
        Primary = ("03", "小学", "primary school"),
        Grade7 = ("04", "七年级", "grade 7"),
        Grade8 = ("05", "八年级", "grade 8"),
        Grade9 = ("06", "九年级", "grade 9"),
        High1 = ("07", "高中一年级", "senior high year 1"),
        High2 = ("08", "高中二年级", "senior high year 2"),
        High3 = ("09", "高中三年级", "senior high year 3"),
        Vocational1 = ("10", "中职一年级", "secondary vocational year 1"),
        Vocational2 = ("11", "中职二年级", "secondary vocational year 2"),
        Vocational3 = ("12", "中职三年级", "secondary vocational year 3"),
        HigherVocational1 = ("13", "高职一年级", "higher vocational year 1"),
        HigherVocational2 = ("14", "高职二年级", "higher vocational year 2"),
        HigherVocational3 = ("15", "高职三年级", "higher vocational year 3"),
        College = ("16", "大专及以上", "college or above"),
    }
}

impl StudentStatus {
    /// Whether the person is in school (anything but 非在校生).
    pub fn in_school(self) -> bool {
        self != StudentStatus::NotInSchool
    }

    /// Senior high, vocational or college level (codes ≥ 07): what 因学 needs (FORMS.md §7.2).
    pub fn is_upper_secondary_or_above(self) -> bool {
        self >= StudentStatus::High1
    }

    /// The statuses a student of `self` last year may plausibly have this year: the same
    /// (repeating or multi-year levels), the next grade, a move to the next school level, or
    /// having left school.
    pub fn plausible_next(self) -> &'static [StudentStatus] {
        use StudentStatus::*;
        match self {
            NotInSchool => &[
                NotInSchool,
                Preschool,
                Primary,
                Grade7,
                High1,
                Vocational1,
                HigherVocational1,
                College,
            ],
            Preschool => &[Preschool, Primary, NotInSchool],
            // 小学 spans six years with one code: staying is normal.
            Primary => &[Primary, Grade7, NotInSchool],
            Grade7 => &[Grade7, Grade8, NotInSchool],
            Grade8 => &[Grade8, Grade9, NotInSchool],
            Grade9 => &[Grade9, High1, Vocational1, NotInSchool],
            High1 => &[High1, High2, NotInSchool],
            High2 => &[High2, High3, NotInSchool],
            High3 => &[High3, College, HigherVocational1, NotInSchool],
            Vocational1 => &[Vocational1, Vocational2, NotInSchool],
            Vocational2 => &[Vocational2, Vocational3, NotInSchool],
            Vocational3 => &[Vocational3, HigherVocational1, College, NotInSchool],
            HigherVocational1 => &[HigherVocational1, HigherVocational2, NotInSchool],
            HigherVocational2 => &[HigherVocational2, HigherVocational3, NotInSchool],
            HigherVocational3 => &[HigherVocational3, College, NotInSchool],
            // 大专及以上 spans several years.
            College => &[College, NotInSchool],
        }
    }
}

code_list! {
    /// 健康状况 (aab017), multi-select in the 2018 UI; 健康 excludes the others.
    pub enum Health: "health", "2018", "健康状况" {
        Healthy = ("01", "健康", "healthy"),
        ChronicIllness = ("02", "长期慢性病", "long-term chronic illness"),
        SeriousIllness = ("03", "患有大病", "serious illness"),
        Disabled = ("04", "残疾", "disabled"),
    }
}

code_list! {
    /// 劳动技能 (aab010), FORMS.md §2.
    pub enum LabourSkill: "labour_skill", "2018", "劳动技能" {
        Ordinary = ("01", "普通劳动力", "ordinary labour"),
        Skilled = ("02", "技能劳动力", "skilled labour"),
        LostCapacity = ("03", "丧失劳动力", "lost working capacity"),
        None = ("04", "无劳动力", "no working capacity"),
    }
}

impl LabourSkill {
    /// 普通 or 技能劳动力.
    pub fn is_labourer(self) -> bool {
        matches!(self, LabourSkill::Ordinary | LabourSkill::Skilled)
    }
}

code_list! {
    /// 务工状况 / 务工区域, FORMS.md §2.
    pub enum WorkStatus: "work_status", "2018", "务工状况" {
        InTownship = ("01", "乡（镇）内务工", "inside the township"),
        InCounty = ("02", "乡（镇）外县内务工", "outside the township, inside the county"),
        InProvince = ("03", "县外省内务工", "outside the county, inside the province"),
        OutOfProvince = ("04", "省外务工", "outside the province"),
        Other = ("05", "其他", "other"),
    }
}

code_list! {
    /// 失学或辍学原因, FORMS.md §2: list not found; suggested values, codes ours.
    pub enum DropoutReason: "dropout_reason", "2018", "失学或辍学原因" {
        Illness = ("01", "因病", "illness"),
        Disability = ("02", "因残", "disability"),
        LearningDifficulty = ("03", "因学习困难或厌学", "learning difficulty or aversion"),
        FamilyHardship = ("04", "因家庭经济困难", "family financial hardship"),
        Work = ("05", "因外出务工", "left to work"),
        EarlyMarriage = ("06", "因早婚", "early marriage"),
        Other = ("99", "其他", "other"),
    }
}

code_list! {
    /// 人员状态 (aab015): values not found; suggested present / naturally decreased.
    pub enum MemberStatus: "member_status", "2018", "人员状态" {
        Present = ("1", "正常", "present"),
        Decreased = ("2", "已自然减少", "naturally decreased"),
    }
}

/// The lists of this module, for `crate::forms::code_lists`.
pub fn lists() -> Vec<&'static CodeList> {
    vec![
        YesNo::LIST,
        HouseholdAttribute::LIST,
        ExitStatus::LIST,
        IdentificationStandard::LIST,
        PovertyCause::LIST,
        AccessRoadType::LIST,
        FuelType::LIST,
        DilapidationLevel::LIST,
        RelocationMode::LIST,
        ResettlementMode::LIST,
        ResettlementPlace::LIST,
        HelpMeasureCategory::LIST,
        Sex::LIST,
        IdType::LIST,
        Relationship::LIST,
        Ethnicity::LIST,
        PoliticalStatus::LIST,
        Education::LIST,
        StudentStatus::LIST,
        Health::LIST,
        LabourSkill::LIST,
        WorkStatus::LIST,
        DropoutReason::LIST,
        MemberStatus::LIST,
    ]
}
