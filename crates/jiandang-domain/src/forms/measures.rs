//! Form definitions of 2018年脱贫户脱贫措施信息采集表 (FORMS.md §5.1) and
//! 2018年出列贫困村脱贫措施信息采集表 (§5.2): one checklist each (C4).

use crate::codes::village::{HouseholdMeasureKind, VillageMeasureKind};
use crate::form::{FieldDef, FormDef, SectionDef, Widget};
use crate::record::RecordKind;

/// 2018年脱贫户脱贫措施信息采集表.
pub fn household_exit_measures() -> FormDef {
    FormDef {
        id: "household_exit_measures",
        record: RecordKind::HouseholdExitMeasures,
        title_zh: "2018年脱贫户脱贫措施信息采集表",
        sections: vec![SectionDef::new(
            "measures",
            "脱贫措施",
            vec![
                FieldDef::reference("household_id", "脱贫户", &[RecordKind::Household]).required(),
                FieldDef::checklist::<HouseholdMeasureKind>(
                    "measures",
                    "历年享受的帮扶措施",
                    vec![
                        FieldDef::new("first_year", "首次享受年度", Widget::Year),
                        FieldDef::new("amount", "金额", Widget::Money).unit("元"),
                        FieldDef::new("implementing_unit", "实施单位", Widget::Text),
                    ],
                )
                .required()
                .hint("对照《贫困户精准扶贫明白卡》勾选；同类措施多次享受只勾选一次"),
                FieldDef::new("note", "备注", Widget::TextArea),
            ],
        )],
    }
}

/// 2018年出列贫困村脱贫措施信息采集表.
pub fn village_exit_measures() -> FormDef {
    FormDef {
        id: "village_exit_measures",
        record: RecordKind::VillageExitMeasures,
        title_zh: "2018年出列贫困村脱贫措施信息采集表",
        sections: vec![SectionDef::new(
            "measures",
            "脱贫措施",
            vec![
                FieldDef::checklist::<VillageMeasureKind>(
                    "measures",
                    "历年实施的脱贫措施",
                    vec![
                        FieldDef::new("met", "是否达标", Widget::YesNo),
                        FieldDef::new("project", "建设项目/措施", Widget::Text),
                        FieldDef::new("first_year", "首次实施年度", Widget::Year),
                        FieldDef::new("investment", "投资", Widget::Money).unit("元"),
                        FieldDef::new("funding_source", "资金来源", Widget::Text),
                        FieldDef::new("implementing_unit", "实施单位", Widget::Text),
                        FieldDef::new("completed_on", "完成时间", Widget::Date),
                    ],
                )
                .required()
                .hint("包括历年享受的帮扶措施；每类只填一行"),
                FieldDef::new("note", "备注", Widget::TextArea),
            ],
        )],
    }
}
