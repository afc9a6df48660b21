//! Form definition of 贫困户信息采集表 (FORMS.md §1), sections 一 to 七 in the national
//! layout. The exit measures (八) are their own record and form (`forms::measures`).

use serde_json::json;

use crate::codes::household::{
    AccessRoadType, DilapidationLevel, ExitStatus, FuelType, HelpMeasureCategory,
    HouseholdAttribute, IdentificationStandard, PovertyCause, RelocationMode, ResettlementMode,
    ResettlementPlace,
};
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::household::NoWorriesItem;
use crate::record::RecordKind;

/// 贫困户信息采集表.
pub fn household() -> FormDef {
    FormDef {
        id: "household",
        record: RecordKind::Household,
        title_zh: "贫困户信息采集表",
        sections: vec![
            basic(),
            production(),
            living(),
            income(),
            relocation(),
            pairing(),
            help_measures(),
            no_worries(),
        ],
    }
}

fn yes_no(path: &'static str, label: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::YesNo)
}

fn area(path: &'static str, label: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::Decimal).unit("亩")
}

fn money(path: &'static str, label: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::Money).unit("元")
}

fn rows(path: &'static str, label: &'static str, columns: Vec<FieldDef>) -> FieldDef {
    FieldDef {
        columns,
        ..FieldDef::new(path, label, Widget::Rows)
    }
}

fn equals(path: &'static str, value: serde_json::Value) -> Relevance {
    Relevance::Equals { path, value }
}

fn basic() -> SectionDef {
    let exited = Relevance::AnyOf {
        path: "basic.status",
        values: vec![
            json!(crate::codes::Coded::code(ExitStatus::Exited)),
            json!(crate::codes::Coded::code(ExitStatus::ExitedNoPolicy)),
        ],
    };
    let returned = equals(
        "basic.status",
        json!(crate::codes::Coded::code(ExitStatus::Returned)),
    );
    SectionDef::new(
        "basic",
        "一、基本情况",
        vec![
            FieldDef::reference("village_id", "所在行政村", &[RecordKind::Village])
                .required()
                .national("aad001"),
            FieldDef::reference(
                "natural_village_id",
                "所在组（自然村）",
                &[RecordKind::NaturalVillage],
            )
            .national("aar007"),
            FieldDef::new("basic.household_number", "户编号", Widget::Text)
                .national("aac001")
                .hint("由全国扶贫开发信息系统分配，新识别户暂不填"),
            FieldDef::new("basic.year", "年度", Widget::Year)
                .required()
                .national("aar040"),
            FieldDef::new("basic.household_size", "家庭人口数", Widget::Integer)
                .unit("人")
                .required()
                .national("aac017")
                .hint("在册家庭成员人数"),
            FieldDef::new("basic.phone", "联系电话", Widget::Phone).national("aar012"),
            FieldDef::new("basic.bank_name", "开户银行", Widget::Text).national("aaq002"),
            FieldDef::new("basic.bank_account", "银行卡号", Widget::Text).national("aac004"),
            FieldDef::code::<IdentificationStandard>("basic.identification_standard", "识别标准")
                .required()
                .national("aac005"),
            FieldDef::code::<HouseholdAttribute>("basic.attribute", "贫困户属性")
                .required()
                .national("aac006"),
            FieldDef::code::<ExitStatus>("basic.status", "脱贫状态")
                .required()
                .national("aar010"),
            FieldDef::new("basic.identified_year", "识别年度", Widget::Year).national("aar041"),
            FieldDef::new("basic.exit_year", "脱贫年度", Widget::Year)
                .required()
                .national("aac023")
                .when(exited),
            FieldDef::new("basic.planned_exit_year", "计划脱贫年度", Widget::Year),
            FieldDef::code::<PovertyCause>("basic.return_reason", "返贫原因")
                .required()
                .when(returned.clone()),
            FieldDef::new("basic.return_year", "返贫年度", Widget::Year)
                .required()
                .when(returned),
            FieldDef::code::<PovertyCause>("basic.main_cause", "主要致贫原因")
                .required()
                .national("aac007"),
            FieldDef::codes::<PovertyCause>("basic.other_causes", "其他致贫原因")
                .national("aac008")
                .hint("最多两项，不能与主要致贫原因相同"),
            FieldDef::new("basic.cause_note", "致贫原因说明", Widget::TextArea),
            yes_no("basic.military_family", "是否军烈属").national("aac012"),
            yes_no("basic.only_child", "是否独生子女户").national("aac013"),
            yes_no("basic.two_daughters", "是否双女户").national("aac014"),
            FieldDef::new(
                "basic.basic_info_updated_year",
                "基础信息更新年度",
                Widget::Year,
            )
            .hint("本年度入户核实并更新基础信息后填写本年度；标记脱贫前须先更新"),
            FieldDef::new("basic.visited_on", "入户核实日期", Widget::Date).hint(
                "对照《贫困户信息对照表》入户核实的日期；未填或早于本年度入户工作开始日期的农户计为本年未走访",
            ),
        ],
    )
}

fn production() -> SectionDef {
    SectionDef::new(
        "production",
        "二、生产生活条件（生产条件）",
        vec![
            area("production.arable_area", "耕地面积")
                .required()
                .national("aac301"),
            area("production.irrigated_area", "有效灌溉面积")
                .national("aac302")
                .hint("不大于耕地面积"),
            area("production.forest_area", "林地面积").national("aac303"),
            area("production.returned_farmland_area", "退耕还林面积").national("aac304"),
            area("production.orchard_area", "林果面积").national("aac305"),
            area("production.grassland_area", "牧草地面积").national("aac306"),
            area("production.water_area", "水面面积").national("aac307"),
            yes_no("production.production_electricity", "是否通生产用电")
                .required()
                .national("aac308"),
            yes_no("production.cooperative", "是否加入农民专业合作社")
                .required()
                .national("aac084"),
            yes_no("production.leading_enterprise", "是否有龙头企业带动").national("aac088"),
            yes_no("production.entrepreneur_leader", "是否有创业致富带头人带动").national("aac089"),
        ],
    )
}

fn living() -> SectionDef {
    SectionDef::new(
        "living",
        "二、生产生活条件（生活条件）",
        vec![
            FieldDef::new("living.road_distance_km", "与村主干路距离", Widget::Decimal)
                .unit("公里")
                .required()
                .national("aac315"),
            FieldDef::code::<AccessRoadType>("living.access_road", "入户路类型")
                .required()
                .national("aac316"),
            FieldDef::new("living.housing_area_m2", "住房面积", Widget::Decimal)
                .unit("平方米")
                .required()
                .national("aac317"),
            yes_no("living.dilapidated", "是否危房户")
                .required()
                .national("aac318"),
            FieldDef::code::<DilapidationLevel>("living.dilapidation_level", "危房级别")
                .required()
                .national("aac322")
                .when(equals("living.dilapidated", json!(true))),
            yes_no("living.domestic_electricity", "是否通生活用电")
                .required()
                .national("aac313"),
            yes_no("living.broadcast_tv", "是否通广播电视").national("aac314"),
            yes_no("living.safe_drinking_water", "是否解决安全饮用水")
                .required()
                .national("aac091"),
            FieldDef::code::<FuelType>("living.fuel", "主要燃料类型")
                .required()
                .national("aac320"),
            yes_no("living.sanitary_toilet", "有无卫生厕所")
                .required()
                .national("aac319"),
        ],
    )
}

fn income() -> SectionDef {
    SectionDef::new(
        "income",
        "三、上年度收入、低保和患病信息",
        vec![
            money("income.wage", "工资性收入")
                .required()
                .national("aac073")
                .hint("2017年10月1日至2018年9月30日；没有请填0"),
            money("income.business_income", "生产经营性收入")
                .required()
                .national("aac071"),
            money("income.business_expense", "生产经营性支出")
                .required()
                .national("aac074")
                .hint("有生产经营性收入时须填写"),
            money("income.asset_dividend", "资产收益扶贫分红收入")
                .required()
                .national("aac092"),
            money("income.other_property", "其他财产性收入")
                .required()
                .national("aac093"),
            money("income.property_total", "财产性收入")
                .derived()
                .national("aac072"),
            money("income.family_planning", "计划生育金")
                .required()
                .national("aac076"),
            money("income.minimum_allowance", "低保金")
                .required()
                .national("aac077")
                .hint("计入收入"),
            money("income.extreme_poverty_support", "特困供养金")
                .required()
                .national("aac086"),
            money("income.pension", "养老保险金")
                .required()
                .national("aac087")
                .hint("计入收入"),
            money("income.ecological_compensation", "生态补偿金")
                .required()
                .national("aac078"),
            money("income.other_transfer", "其他转移性收入")
                .required()
                .national("aac083"),
            money("income.transfer_total", "转移性收入")
                .derived()
                .national("aac085"),
            money("income.gross", "年收入").derived().national("aac081"),
            money("income.net", "纯收入").derived().national("aac079"),
            money("income.net_per_capita", "人均纯收入")
                .derived()
                .national("aac082")
                .hint("纯收入 ÷ 家庭人口数"),
        ],
    )
}

fn relocation() -> SectionDef {
    let relocated = || equals("relocation.relocated", json!(true));
    SectionDef::new(
        "relocation",
        "四、易地搬迁信息",
        vec![
            yes_no("relocation.relocated", "是否易地扶贫搬迁户").required(),
            FieldDef::code::<RelocationMode>("relocation.mode", "搬迁方式")
                .required()
                .national("acr075")
                .when(relocated()),
            FieldDef::code::<ResettlementMode>("relocation.resettlement_mode", "安置方式")
                .required()
                .when(relocated()),
            FieldDef::code::<ResettlementPlace>("relocation.resettlement_place", "安置地")
                .required()
                .when(relocated()),
            FieldDef::new(
                "relocation.difficulties",
                "搬迁可能存在的困难",
                Widget::TextArea,
            )
            .when(relocated()),
            yes_no("relocation.moved_in", "是否已入住").when(relocated()),
            FieldDef::new("relocation.moved_in_date", "入住时间", Widget::Date).when(
                Relevance::All {
                    of: vec![relocated(), equals("relocation.moved_in", json!(true))],
                },
            ),
        ],
    )
}

fn pairing() -> SectionDef {
    SectionDef::new(
        "pairing",
        "五、帮扶责任人结对信息",
        vec![
            rows(
                "pairings",
                "帮扶责任人结对",
                vec![
                    FieldDef::reference("helper_id", "帮扶责任人", &[RecordKind::Helper])
                        .required(),
                    FieldDef::new("start", "结对开始时间", Widget::Date)
                        .required()
                        .national("aar020"),
                    FieldDef::new("end", "结对结束时间", Widget::Date).national("aar021"),
                ],
            )
            .required()
            .hint("每户须有在结对的帮扶责任人"),
        ],
    )
}

fn help_measures() -> SectionDef {
    SectionDef::new(
        "help_measures",
        "六、帮扶措施",
        vec![rows(
            "help_measures",
            "帮扶措施（按年度）",
            vec![
                FieldDef::new("year", "年度", Widget::Year).required(),
                FieldDef::codes::<HelpMeasureCategory>("categories", "措施类别").required(),
                FieldDef::new("note", "说明", Widget::TextArea),
            ],
        )],
    )
}

fn no_worries() -> SectionDef {
    let mut fields = Vec::new();
    for item in NoWorriesItem::ALL {
        let (resolved, reason, hint): (&'static str, &'static str, &'static str) = match item {
            NoWorriesItem::Food => (
                "no_worries.food.resolved",
                "no_worries.food.reason",
                "一日三餐有保障",
            ),
            NoWorriesItem::Clothing => (
                "no_worries.clothing.resolved",
                "no_worries.clothing.reason",
                "有应季衣被",
            ),
            NoWorriesItem::CompulsoryEducation => (
                "no_worries.compulsory_education.resolved",
                "no_worries.compulsory_education.reason",
                "无义务教育阶段适龄儿童失学辍学",
            ),
            NoWorriesItem::BasicMedical => (
                "no_worries.basic_medical.resolved",
                "no_worries.basic_medical.reason",
                "全员参加城乡居民基本医疗保险，大病有保险和救助",
            ),
            NoWorriesItem::Housing => (
                "no_worries.housing.resolved",
                "no_worries.housing.reason",
                "有安全住房，无危房",
            ),
            NoWorriesItem::DrinkingWater => (
                "no_worries.drinking_water.resolved",
                "no_worries.drinking_water.reason",
                "已解决安全饮用水",
            ),
        };
        fields.push(yes_no(resolved, item.zh()).required().hint(hint));
        fields.push(
            FieldDef::new(reason, "未解决原因", Widget::Text)
                .required()
                .when(equals(resolved, json!(false))),
        );
    }
    SectionDef::new("no_worries", "七、两不愁、三保障", fields)
}
