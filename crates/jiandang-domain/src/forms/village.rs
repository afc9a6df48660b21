//! Form definitions of 贫困村信息采集表 (FORMS.md §4.1) and 自然村（村民小组）信息采集表 (§4.2).
//! Paths follow [`crate::village::Village`] and [`crate::village::NaturalVillage`]'s JSON; the
//! record's own `id` and `village_id` are the record envelope's, not fields.

use serde_json::json;

use crate::codes::village::{DevelopmentDirection, Terrain, VillageAttribute, VillageCadrePost};
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::record::RecordKind;

/// 贫困村信息采集表.
pub fn village() -> FormDef {
    FormDef {
        id: "village",
        record: RecordKind::Village,
        title_zh: "贫困村信息采集表",
        sections: vec![
            SectionDef::new(
                "basic",
                "基本信息",
                vec![
                    FieldDef::new("basic.name", "行政村名称", Widget::Text).required(),
                    FieldDef::new("basic.code", "贫困村编号", Widget::Text)
                        .national("aad001")
                        .hint("全国扶贫开发信息系统生成，新录入可空"),
                    FieldDef::new("basic.division_code", "行政区划代码", Widget::Text)
                        .national("aar006")
                        .hint("12位数字"),
                    FieldDef::code::<VillageAttribute>("basic.attribute", "村属性")
                        .required()
                        .national("aad004"),
                    FieldDef::new("basic.deep_poverty", "是否深度贫困村", Widget::YesNo),
                    FieldDef::new("basic.exit_year", "出列年度", Widget::Year)
                        .when(Relevance::Equals {
                            path: "basic.attribute",
                            value: json!(VillageAttribute::Exited),
                        })
                        .required(),
                    FieldDef::code::<DevelopmentDirection>(
                        "basic.development_direction",
                        "发展方向属性",
                    )
                    .national("aad035"),
                    FieldDef::code::<Terrain>("basic.terrain", "地形地貌属性").national("aad036"),
                    FieldDef::new("basic.head_name", "村负责人", Widget::Text).national("aar011"),
                    FieldDef::code::<VillageCadrePost>("basic.head_post", "村负责人职务")
                        .national("aaf031"),
                    FieldDef::new("basic.head_phone", "联系电话", Widget::Phone).national("aar012"),
                    count("basic.party_members", "中共党员人数", "人", "aad037"),
                    count(
                        "basic.college_graduate_officials",
                        "大学生村官人数",
                        "人",
                        "aad038",
                    ),
                    FieldDef::new("basic.longitude", "经度", Widget::Decimal)
                        .national("aar101")
                        .hint("WGS-84，可用村委会定位点"),
                    FieldDef::new("basic.latitude", "纬度", Widget::Decimal).national("aar102"),
                ],
            ),
            SectionDef::new(
                "population",
                "人口信息",
                vec![
                    count("population.households", "总户数", "户", "aad005").required(),
                    count(
                        "population.natural_villages",
                        "自然村（村民小组）数",
                        "个",
                        "aad006",
                    )
                    .required(),
                    FieldDef::new(
                        "population.poor_households",
                        "建档立卡贫困户数",
                        Widget::Integer,
                    )
                    .unit("户")
                    .derived()
                    .hint("由贫困户信息汇总"),
                    FieldDef::new(
                        "population.poor_population",
                        "建档立卡贫困人口数",
                        Widget::Integer,
                    )
                    .unit("人")
                    .derived()
                    .hint("由贫困户信息汇总"),
                    count(
                        "population.minimum_allowance_households",
                        "低保户数",
                        "户",
                        "aad008",
                    ),
                    count(
                        "population.five_guarantee_households",
                        "五保户数",
                        "户",
                        "aad009",
                    ),
                    count("population.population", "总人口数", "人", "aad010").required(),
                    FieldDef::new(
                        "population.agricultural_population",
                        "农业户籍人口数",
                        Widget::Integer,
                    )
                    .unit("人")
                    .required()
                    .hint("贫困发生率的分母"),
                    count(
                        "population.minimum_allowance_people",
                        "低保人口数",
                        "人",
                        "aad012",
                    ),
                    count(
                        "population.five_guarantee_people",
                        "五保人口数",
                        "人",
                        "aad013",
                    ),
                    count(
                        "population.minority_people",
                        "少数民族人口数",
                        "人",
                        "aad014",
                    ),
                    count("population.women", "妇女人口数", "人", "aad015"),
                    count("population.disabled_people", "残疾人口数", "人", "aad016"),
                    count("population.labour_force", "劳动力人数", "人", "aad017"),
                    count("population.migrant_workers", "外出务工人数", "人", "aad018"),
                ],
            ),
            SectionDef::new(
                "land",
                "土地信息",
                vec![
                    area("land.arable_mu", "耕地面积", "aad019"),
                    area("land.irrigated_mu", "有效灌溉面积", "aad027"),
                    area("land.forest_mu", "林地面积", "aad021"),
                    area("land.returned_to_forest_mu", "退耕还林面积", "aad022"),
                    area("land.orchard_mu", "林果面积", "aad023"),
                    area("land.pasture_mu", "牧草地面积", "aad024"),
                    area("land.water_mu", "水域面积", "aad025"),
                ],
            ),
            SectionDef::new(
                "income",
                "收入信息",
                vec![
                    money("income.per_capita_net_income", "农民人均纯收入", "aad301"),
                    money("income.collective_income", "村级集体经济收入", "aad302"),
                ],
            ),
            SectionDef::new(
                "social_security",
                "社会保障信息",
                vec![
                    count(
                        "social_security.rural_medical_insurance",
                        "参加新型农村合作医疗人数",
                        "人",
                        "aad311",
                    ),
                    count(
                        "social_security.resident_pension",
                        "参加城乡居民基本养老保险人数",
                        "人",
                        "aad313",
                    ),
                    count(
                        "social_security.employee_pension",
                        "参加城镇职工基本养老保险人数",
                        "人",
                        "aad314",
                    ),
                ],
            ),
            SectionDef::new(
                "roads",
                "村级道路畅通",
                vec![
                    FieldDef::new(
                        "roads.paved_to_township",
                        "到乡镇是否通沥青（水泥）路",
                        Widget::YesNo,
                    )
                    .national("aad328"),
                    FieldDef::new(
                        "roads.unpaved_to_township_km",
                        "行政村到乡镇未通沥青（水泥）路里程",
                        Widget::Decimal,
                    )
                    .unit("公里")
                    .when(Relevance::Equals {
                        path: "roads.paved_to_township",
                        value: json!(false),
                    }),
                    FieldDef::new("roads.bus_service", "是否通客运班车", Widget::YesNo)
                        .national("aad323"),
                    FieldDef::new(
                        "roads.unpaved_natural_villages",
                        "自然村到行政村未通沥青（水泥）路村数",
                        Widget::Integer,
                    )
                    .unit("个"),
                    FieldDef::new(
                        "roads.unpaved_natural_villages_km",
                        "自然村到行政村未通沥青（水泥）路里程",
                        Widget::Decimal,
                    )
                    .unit("公里"),
                ],
            ),
            SectionDef::new(
                "water",
                "安全饮水",
                vec![
                    count(
                        "water.unsafe_water_households",
                        "未实现饮水安全户数",
                        "户",
                        "aad331",
                    ),
                    count(
                        "water.water_difficulty_households",
                        "饮水困难户数",
                        "户",
                        "aad332",
                    ),
                ],
            ),
            SectionDef::new(
                "power",
                "农村电力保障",
                vec![count(
                    "power.electrified_natural_villages",
                    "已通电自然村（20户以上）数",
                    "个",
                    "aad358",
                )],
            ),
            SectionDef::new(
                "housing",
                "危房改造",
                vec![count(
                    "housing.dilapidated_households",
                    "危房户数",
                    "户",
                    "aad361",
                )],
            ),
            SectionDef::new(
                "industry",
                "特色产业增收",
                vec![count(
                    "industry.cooperatives",
                    "农民专业合作社个数",
                    "个",
                    "aad371",
                )],
            ),
            SectionDef::new(
                "tourism",
                "乡村旅游",
                vec![
                    count(
                        "tourism.tourism_households",
                        "开展乡村旅游的户数",
                        "户",
                        "aad381",
                    ),
                    count(
                        "tourism.farm_stay_households",
                        "经营农家乐户数",
                        "户",
                        "aad382",
                    ),
                    count(
                        "tourism.tourism_workers",
                        "乡村旅游从业人员数",
                        "人",
                        "aad383",
                    ),
                    money(
                        "tourism.farm_stay_average_income",
                        "农家乐户年均收入",
                        "aad384",
                    ),
                ],
            ),
            SectionDef::new(
                "health",
                "卫生和计划生育",
                vec![
                    count("health.clinics", "行政村卫生室个数", "个", "aad391"),
                    count("health.public_toilets", "公共卫生厕所个数", "个", "aad392"),
                    count("health.doctors", "执业（助理）医师数", "人", "aad393"),
                    count(
                        "health.garbage_points",
                        "生产生活垃圾集中堆放点个数",
                        "个",
                        "aad394",
                    ),
                ],
            ),
            SectionDef::new(
                "culture",
                "文化建设",
                vec![
                    count(
                        "culture.libraries",
                        "行政村文化（图书）室个数",
                        "个",
                        "aad401",
                    ),
                    FieldDef::new(
                        "culture.broadcast_tv_households",
                        "通广播电视户数",
                        Widget::Integer,
                    )
                    .unit("户"),
                ],
            ),
            SectionDef::new(
                "informatization",
                "贫困村信息化",
                vec![
                    count(
                        "informatization.broadband_households",
                        "通宽带户数",
                        "户",
                        "aad411",
                    ),
                    count(
                        "informatization.broadband_schools",
                        "通宽带的村小学个数",
                        "个",
                        "aad412",
                    ),
                    count(
                        "informatization.mobile_internet_households",
                        "能用手机上网的户数",
                        "户",
                        "aad413",
                    ),
                    count(
                        "informatization.information_officers",
                        "行政村信息员个数",
                        "个",
                        "aad414",
                    ),
                ],
            ),
            SectionDef::new(
                "help",
                "帮扶",
                vec![
                    FieldDef::references("help.help_unit_ids", "帮扶单位", &[RecordKind::HelpUnit])
                        .hint("可多选；须从已录入的帮扶单位中选择"),
                    FieldDef::new("help.has_work_team", "是否有驻村工作队", Widget::YesNo),
                    FieldDef::new("help.has_first_secretary", "是否有第一书记", Widget::YesNo),
                ],
            ),
            SectionDef::new(
                "exit_items",
                "贫困村退出指标",
                vec![
                    exit_item("exit_items.hardened_road", "是否有一条硬化路通村"),
                    exit_item("exit_items.safe_water", "饮水是否达到安全指标"),
                    exit_item("exit_items.electricity", "生产生活用电是否基本满足"),
                    exit_item("exit_items.broadcast_tv", "是否广播电视户户通"),
                    exit_item("exit_items.cultural_centre", "是否有综合性文化服务中心"),
                    exit_item("exit_items.standard_clinic", "是否有标准化卫生室"),
                    exit_item(
                        "exit_items.qualified_doctor",
                        "是否有合格乡村医生或执业（助理）医师",
                    ),
                    exit_item("exit_items.broadband", "是否基本通宽带"),
                ],
            ),
        ],
    }
}

/// 自然村（村民小组）信息采集表.
pub fn natural_village() -> FormDef {
    FormDef {
        id: "natural_village",
        record: RecordKind::NaturalVillage,
        title_zh: "自然村（村民小组）信息采集表",
        sections: vec![
            SectionDef::new(
                "basic",
                "基本信息",
                vec![
                    FieldDef::new("basic.name", "自然村（村民小组）名称", Widget::Text).required(),
                    FieldDef::new("basic.code", "自然村编码", Widget::Text).national("aar007"),
                    FieldDef::new("basic.longitude", "经度", Widget::Decimal).hint("WGS-84"),
                    FieldDef::new("basic.latitude", "纬度", Widget::Decimal),
                ],
            ),
            SectionDef::new(
                "population",
                "人口信息",
                vec![
                    FieldDef::new("population.households", "总户数", Widget::Integer)
                        .unit("户")
                        .required(),
                    FieldDef::new("population.population", "总人口数", Widget::Integer)
                        .unit("人")
                        .required(),
                    FieldDef::new(
                        "population.poor_households",
                        "建档立卡贫困户数",
                        Widget::Integer,
                    )
                    .unit("户")
                    .derived()
                    .hint("由贫困户信息汇总"),
                    FieldDef::new("population.poor_population", "贫困人口数", Widget::Integer)
                        .unit("人")
                        .derived()
                        .hint("由贫困户信息汇总"),
                    FieldDef::new(
                        "population.over_20_households",
                        "是否20户以上",
                        Widget::YesNo,
                    ),
                ],
            ),
            SectionDef::new(
                "infrastructure",
                "基础设施",
                vec![
                    FieldDef::new(
                        "infrastructure.hardened_road",
                        "是否通硬化路（通组路）",
                        Widget::YesNo,
                    ),
                    FieldDef::new(
                        "infrastructure.unpaved_km",
                        "未通硬化路里程",
                        Widget::Decimal,
                    )
                    .unit("公里")
                    .when(Relevance::Equals {
                        path: "infrastructure.hardened_road",
                        value: json!(false),
                    }),
                    FieldDef::new(
                        "infrastructure.power_production",
                        "是否通动力电",
                        Widget::YesNo,
                    ),
                    FieldDef::new(
                        "infrastructure.power_domestic",
                        "是否通生活用电",
                        Widget::YesNo,
                    ),
                    FieldDef::new(
                        "infrastructure.broadcast_tv",
                        "是否通广播电视",
                        Widget::YesNo,
                    ),
                    FieldDef::new("infrastructure.broadband", "是否通宽带", Widget::YesNo),
                    FieldDef::new(
                        "infrastructure.mobile_signal",
                        "是否有4G/手机信号",
                        Widget::YesNo,
                    ),
                    FieldDef::new(
                        "infrastructure.safe_water",
                        "是否实现安全饮水",
                        Widget::YesNo,
                    ),
                    FieldDef::new(
                        "infrastructure.tap_water_households",
                        "集中供水/自来水入户户数",
                        Widget::Integer,
                    )
                    .unit("户"),
                    FieldDef::new(
                        "infrastructure.bus_service",
                        "是否通客运班车",
                        Widget::YesNo,
                    ),
                ],
            ),
        ],
    }
}

fn count(
    path: &'static str,
    label: &'static str,
    unit: &'static str,
    national: &'static str,
) -> FieldDef {
    FieldDef::new(path, label, Widget::Integer)
        .unit(unit)
        .national(national)
}

fn area(path: &'static str, label: &'static str, national: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::Decimal)
        .unit("亩")
        .national(national)
}

fn money(path: &'static str, label: &'static str, national: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::Money)
        .unit("元")
        .national(national)
}

fn exit_item(path: &'static str, label: &'static str) -> FieldDef {
    FieldDef::new(path, label, Widget::YesNo).hint("河南省贫困村退出标准；未达标不能出列")
}
