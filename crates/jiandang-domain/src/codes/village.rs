//! Code lists of the village, natural-village, help, member-change and exit-measure forms
//! (FORMS.md §1.10, §3, §4, §5). Lists FORMS.md marks "not found; suggested" are proposals
//! to confirm with the county 扶贫办; their doc comments say so.

use super::household::HelpMeasureCategory;
use super::{CodeList, Coded};
use crate::code_list;

code_list! {
    /// 隶属关系 of a help unit (帮扶单位) [F:S5].
    pub enum Affiliation: "affiliation", "2018", "隶属关系" {
        Central = ("01", "中央", "central"),
        Province = ("02", "省", "province"),
        City = ("03", "市", "city"),
        County = ("04", "县", "county"),
        Township = ("05", "乡镇", "township"),
        Army = ("06", "部队", "army"),
        Other = ("07", "其他", "other"),
    }
}

code_list! {
    /// 村属性 (aad004). Proposed list (FORMS.md §4.1: not found); 深度贫困村 is a separate flag.
    pub enum VillageAttribute: "village_attribute", "2018", "村属性" {
        Poor = ("1", "贫困村", "poor village"),
        NotPoor = ("2", "非贫困村", "village that is not poor"),
        Exited = ("3", "已出列贫困村", "poor village that has exited"),
    }
}

code_list! {
    /// 发展方向属性 (aad035). Proposed list (FORMS.md §4.1: not found).
    pub enum DevelopmentDirection: "development_direction", "2018", "发展方向属性" {
        Crops = ("01", "种植业", "crop farming"),
        Livestock = ("02", "养殖业", "livestock"),
        Forestry = ("03", "林果业", "forestry and orchards"),
        Processing = ("04", "农产品加工", "farm-produce processing"),
        Tourism = ("05", "乡村旅游", "rural tourism"),
        Labour = ("06", "劳务经济", "migrant labour"),
        Commerce = ("07", "商贸流通", "trade and logistics"),
        Other = ("99", "其他", "other"),
    }
}

code_list! {
    /// 地形地貌属性 (aad036). Proposed list (FORMS.md §4.1: not found).
    pub enum Terrain: "terrain", "2018", "地形地貌" {
        Plain = ("1", "平原", "plain"),
        Hills = ("2", "丘陵", "hills"),
        Mountains = ("3", "山区", "mountains"),
    }
}

code_list! {
    /// 村负责人职务 (aaf031 on the village form). Proposed list (FORMS.md §8 q6).
    pub enum VillageCadrePost: "village_cadre_post", "2018", "村负责人职务" {
        PartySecretary = ("01", "村党支部书记", "village party secretary"),
        CommitteeHead = ("02", "村委会主任", "village committee head"),
        Both = ("03", "村党支部书记兼村委会主任", "party secretary and committee head"),
        OtherCadre = ("04", "其他村干部", "other village cadre"),
    }
}

code_list! {
    /// 学历 of a helper or work-team member (aak036). Proposed list (FORMS.md §1.10).
    pub enum CadreEducation: "cadre_education", "2018", "学历" {
        Postgraduate = ("1", "研究生", "postgraduate"),
        Bachelor = ("2", "大学本科", "bachelor"),
        College = ("3", "大学专科", "junior college"),
        SecondaryOrHigh = ("4", "中专/高中", "secondary vocational or high school"),
        JuniorOrBelow = ("5", "初中及以下", "junior middle school or below"),
    }
}

code_list! {
    /// 职务 / 行政职务级别 of a helper or work-team member (aaf031). Proposed list (FORMS.md §1.10).
    pub enum PostRank: "post_rank", "2018", "行政职务级别" {
        Ministerial = ("01", "省部级", "provincial or ministerial"),
        Departmental = ("02", "厅局级", "departmental"),
        County = ("03", "县处级", "county or division"),
        Township = ("04", "乡科级", "township or section"),
        Clerk = ("05", "科员/办事员", "clerk"),
        None = ("06", "无", "none"),
    }
}

code_list! {
    /// 变更方向 of a natural member change (FORMS.md §3).
    pub enum ChangeDirection: "change_direction", "2018", "变更方向" {
        Increase = ("1", "自然增加", "natural increase"),
        Decrease = ("2", "自然减少", "natural decrease"),
    }
}

code_list! {
    /// 自然增加/减少原因: the Shangqiu notice's reasons [F:S0] (W6). The notice gives no
    /// numeric codes: 1x are increases, 2x decreases (ours). Exports map each to
    /// [`NationalChangeBucket`] with [`MemberChangeReason::national_bucket`].
    pub enum MemberChangeReason: "member_change_reason", "2018", "家庭成员变更原因" {
        Newborn = ("11", "新生儿", "newborn"),
        MarriageIn = ("12", "婚入", "married in"),
        RegistrationIn = ("13", "户籍迁入", "household registration moved in"),
        ReleasedFromPrison = ("14", "刑满释放", "released from prison"),
        Adoption = ("15", "收养", "adopted"),
        MissingReturned = ("16", "失联人口回归", "missing person returned"),
        LateRegistration = ("17", "补录", "late registration"),
        Death = ("21", "死亡", "death"),
        MarriageOut = ("22", "婚出", "married out"),
        SettledAbroad = ("23", "出国定居", "settled abroad"),
        Imprisoned = ("24", "判刑收监", "imprisoned"),
        RegistrationOut = ("25", "户籍迁出", "household registration moved out"),
        RuralToUrban = ("26", "农转非", "rural-to-urban status change"),
        LostContact = ("27", "失联", "lost contact"),
    }
}

code_list! {
    /// The national 2018 statistic buckets of natural changes [F:S8], with the codes of the
    /// local 人员变更 dictionary [F:S5].
    pub enum NationalChangeBucket: "national_change_bucket", "2018", "自然变化统计类别" {
        Death = ("01", "死亡", "death"),
        MarriedOut = ("02", "嫁出", "married out"),
        SettledAbroad = ("03", "出国定居", "settled abroad"),
        Imprisoned = ("04", "判刑收监", "imprisoned"),
        MarriedIn = ("05", "嫁入", "married in"),
        Newborn = ("06", "新生儿", "newborn"),
        OtherIncrease = ("07", "其他原因新增", "other increase"),
        OtherDecrease = ("08", "其他原因减少", "other decrease"),
    }
}

impl MemberChangeReason {
    /// The direction this reason belongs to.
    pub fn direction(self) -> ChangeDirection {
        use MemberChangeReason::*;
        match self {
            Newborn | MarriageIn | RegistrationIn | ReleasedFromPrison | Adoption
            | MissingReturned | LateRegistration => ChangeDirection::Increase,
            Death | MarriageOut | SettledAbroad | Imprisoned | RegistrationOut | RuralToUrban
            | LostContact => ChangeDirection::Decrease,
        }
    }

    /// The national statistic bucket this reason is counted in (FORMS.md §3.1).
    pub fn national_bucket(self) -> NationalChangeBucket {
        use MemberChangeReason::*;
        match self {
            Newborn => NationalChangeBucket::Newborn,
            MarriageIn => NationalChangeBucket::MarriedIn,
            RegistrationIn | ReleasedFromPrison | Adoption | MissingReturned | LateRegistration => {
                NationalChangeBucket::OtherIncrease
            }
            Death => NationalChangeBucket::Death,
            MarriageOut => NationalChangeBucket::MarriedOut,
            SettledAbroad => NationalChangeBucket::SettledAbroad,
            Imprisoned => NationalChangeBucket::Imprisoned,
            RegistrationOut | RuralToUrban | LostContact => NationalChangeBucket::OtherDecrease,
        }
    }
}

code_list! {
    /// 证明材料 of a natural member change. Proposed list (FORMS.md §3.2).
    pub enum ChangeProof: "change_proof", "2018", "证明材料" {
        BirthCertificate = ("01", "出生医学证明", "birth certificate"),
        HouseholdRegister = ("02", "户口簿", "household register"),
        MarriageCertificate = ("03", "结婚证", "marriage certificate"),
        DeathCertificate = ("04", "死亡证明", "death certificate"),
        ReleaseCertificate = ("05", "刑满释放证明", "release certificate"),
        AdoptionCertificate = ("06", "收养登记证", "adoption registration"),
        Judgement = ("07", "判决书", "court judgement"),
        MigrationCertificate = ("08", "户籍迁移证明", "registration transfer certificate"),
        PoliceCertificate = ("09", "公安机关证明", "police certificate"),
        Other = ("99", "其他", "other"),
    }
}

code_list! {
    /// Kinds of the 2018年脱贫户脱贫措施 checklist (FORMS.md §5.1, proposed): each is ticked
    /// once. The first two digits are the [`HelpMeasureCategory`].
    pub enum HouseholdMeasureKind: "household_measure_kind", "2018", "脱贫户脱贫措施" {
        Crops = ("0101", "种植业", "crop farming"),
        Livestock = ("0102", "养殖业", "livestock"),
        Processing = ("0103", "加工业", "processing"),
        Photovoltaic = ("0104", "光伏扶贫", "photovoltaic"),
        Tourism = ("0105", "乡村旅游", "rural tourism"),
        ECommerce = ("0106", "电商扶贫", "e-commerce"),
        AssetIncome = ("0107", "资产收益/入股分红", "asset income or dividends"),
        LandTransfer = ("0108", "土地流转", "land transfer"),
        EnterpriseLed = ("0109", "龙头企业/合作社带动", "led by an enterprise or cooperative"),
        IndustryAward = ("0110", "产业奖补", "industry award"),
        MigrantWork = ("0201", "外出务工", "migrant work"),
        LocalJob = ("0202", "就近就业/扶贫车间", "local job or poverty-relief workshop"),
        PublicWelfareJob = ("0203", "公益性岗位", "public-welfare job"),
        SkillTraining = ("0204", "技能培训", "skill training"),
        StartupSupport = ("0205", "创业扶持", "start-up support"),
        MicroCredit = ("0301", "扶贫小额信贷", "poverty-relief micro-credit"),
        OtherLoan = ("0302", "其他贷款", "other loan"),
        CentralisedResettlement = ("0401", "集中安置", "centralised resettlement"),
        DispersedResettlement = ("0402", "分散安置", "dispersed resettlement"),
        HouseRenovation = ("0501", "危房改造", "dilapidated-house renovation"),
        PreschoolAid = ("0601", "学前教育资助", "pre-school aid"),
        CompulsoryEducationAid = ("0602", "义务教育两免一补/营养餐", "compulsory-education aid and meals"),
        HighSchoolAid = ("0603", "高中/中职资助", "high-school or vocational aid"),
        RainDew = ("0604", "雨露计划", "Rain-Dew plan"),
        CollegeAid = ("0605", "大学生资助", "college aid"),
        InsurancePremium = ("0701", "代缴城乡居民医保", "medical insurance premium paid"),
        SeriousIllnessInsurance = ("0702", "大病保险", "serious-illness insurance"),
        MedicalAid = ("0703", "医疗救助", "medical aid"),
        FamilyDoctor = ("0704", "家庭医生签约", "family-doctor contract"),
        ChronicCard = ("0705", "慢病卡", "chronic-disease card"),
        TreatFirstPayLater = ("0706", "先诊疗后付费", "treatment first, payment later"),
        ForestRanger = ("0801", "生态护林员", "ecological forest ranger"),
        ReforestationSubsidy = ("0802", "退耕还林补助", "reforestation subsidy"),
        PublicForestCompensation = ("0803", "公益林补偿", "public-welfare forest compensation"),
        MinimumAllowance = ("0901", "低保", "minimum living allowance"),
        DestituteSupport = ("0902", "特困供养", "support of the destitute"),
        DisabilitySubsidies = ("0903", "残疾人两项补贴", "two disability subsidies"),
        PensionPremium = ("0904", "城乡居民养老保险代缴", "pension premium paid"),
        TemporaryRelief = ("0905", "临时救助", "temporary relief"),
        SafeWater = ("1001", "饮水安全", "safe drinking water"),
        Electricity = ("1002", "用电", "electricity"),
        Road = ("1003", "道路", "road"),
        PairedHelp = ("1101", "结对帮扶", "paired help"),
        ConsumptionHelp = ("1102", "消费扶贫", "consumption help"),
        Donation = ("1103", "捐赠", "donation"),
    }
}

impl HouseholdMeasureKind {
    /// The category this kind belongs to (its code's first two digits).
    pub fn category(self) -> HelpMeasureCategory {
        let code = self.code();
        code.get(..2)
            .and_then(HelpMeasureCategory::from_code)
            .unwrap_or(HelpMeasureCategory::SocialHelp)
    }
}

code_list! {
    /// Rows of the 2018年出列贫困村脱贫措施 checklist (FORMS.md §5.2, proposed around Henan's
    /// village-exit criteria).
    pub enum VillageMeasureKind: "village_measure_kind", "2018", "出列贫困村脱贫措施" {
        RoadHardening = ("01", "道路硬化", "road hardening"),
        SafeWater = ("02", "安全饮水", "safe drinking water"),
        PowerGrid = ("03", "电网改造", "power-grid upgrade"),
        BroadcastTv = ("04", "广播电视", "broadcast radio and TV"),
        Broadband = ("05", "宽带网络", "broadband"),
        CulturalCentre = ("06", "综合性文化服务中心", "cultural service centre"),
        StandardClinic = ("07", "标准化卫生室", "standard clinic"),
        QualifiedDoctor = ("08", "合格乡村医生", "qualified village doctor"),
        CollectiveEconomy = ("09", "村级集体经济", "village collective economy"),
        IndustryCooperative = ("10", "特色产业/合作社", "featured industry or cooperative"),
        PhotovoltaicStation = ("11", "光伏电站", "photovoltaic station"),
        HouseRenovation = ("12", "危房改造", "dilapidated-house renovation"),
        Relocation = ("13", "易地搬迁", "relocation"),
        WorkTeam = ("14", "驻村帮扶", "village work team"),
    }
}

/// The lists of this module, for `crate::forms::code_lists`.
pub fn lists() -> Vec<&'static CodeList> {
    vec![
        Affiliation::LIST,
        VillageAttribute::LIST,
        DevelopmentDirection::LIST,
        Terrain::LIST,
        VillageCadrePost::LIST,
        CadreEducation::LIST,
        PostRank::LIST,
        ChangeDirection::LIST,
        MemberChangeReason::LIST,
        NationalChangeBucket::LIST,
        ChangeProof::LIST,
        HouseholdMeasureKind::LIST,
        VillageMeasureKind::LIST,
    ]
}
