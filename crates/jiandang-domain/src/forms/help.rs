//! Form definitions of 帮扶单位, 帮扶责任人 and 驻村工作队员 (FORMS.md §1.10). The unit is
//! entered first: the helper's and team member's unit is a reference to an entered unit (C7).

use crate::codes::household::{PoliticalStatus, Sex};
use crate::codes::village::{Affiliation, CadreEducation, PostRank};
use crate::form::{FieldDef, FormDef, SectionDef, Widget};
use crate::record::RecordKind;

const UNIT_HINT: &str = "先录入帮扶单位，再从已录入的帮扶单位中选择";

/// 帮扶单位.
pub fn help_unit() -> FormDef {
    FormDef {
        id: "help_unit",
        record: RecordKind::HelpUnit,
        title_zh: "帮扶单位信息",
        sections: vec![SectionDef::new(
            "unit",
            "帮扶单位",
            vec![
                FieldDef::new("name", "单位名称", Widget::Text)
                    .required()
                    .national("aap001"),
                FieldDef::code::<Affiliation>("affiliation", "隶属关系").required(),
                FieldDef::new("address", "单位地址", Widget::Text),
                FieldDef::new("phone", "联系电话", Widget::Phone),
            ],
        )],
    }
}

/// 帮扶责任人.
pub fn helper() -> FormDef {
    FormDef {
        id: "helper",
        record: RecordKind::Helper,
        title_zh: "帮扶责任人信息",
        sections: vec![
            SectionDef::new(
                "unit",
                "派出单位",
                vec![
                    FieldDef::reference("help_unit_id", "帮扶单位", &[RecordKind::HelpUnit])
                        .required()
                        .national("aap110")
                        .hint(UNIT_HINT),
                ],
            ),
            SectionDef::new(
                "person",
                "个人信息",
                vec![
                    FieldDef::new("name", "姓名", Widget::Text)
                        .required()
                        .national("aab002"),
                    FieldDef::code::<Sex>("sex", "性别")
                        .required()
                        .national("aab003"),
                    FieldDef::new("id_number", "证件号码", Widget::IdNumber)
                        .required()
                        .national("aab004"),
                    FieldDef::new("birth_date", "出生日期", Widget::Date).national("aab005"),
                    FieldDef::code::<PoliticalStatus>("political_status", "政治面貌")
                        .national("aak033"),
                    FieldDef::code::<CadreEducation>("education", "学历").national("aak036"),
                    FieldDef::new("specialty", "技术特长", Widget::Text).national("aak037"),
                    FieldDef::new("post", "职务", Widget::Text).national("aaf031"),
                    FieldDef::code::<PostRank>("post_rank", "行政职务级别"),
                    FieldDef::new("phone", "联系电话", Widget::Phone).national("aar012"),
                ],
            ),
        ],
    }
}

/// 驻村工作队员.
pub fn work_team_member() -> FormDef {
    FormDef {
        id: "work_team_member",
        record: RecordKind::WorkTeamMember,
        title_zh: "驻村工作队员信息",
        sections: vec![
            SectionDef::new(
                "unit",
                "派出单位",
                vec![
                    FieldDef::reference("help_unit_id", "派出单位", &[RecordKind::HelpUnit])
                        .required()
                        .hint(UNIT_HINT),
                    FieldDef::new("former_post", "原职务（派出单位职务）", Widget::Text)
                        .national("aak888"),
                    FieldDef::code::<PostRank>("post_rank", "行政职务级别"),
                ],
            ),
            SectionDef::new(
                "person",
                "个人信息",
                vec![
                    FieldDef::new("name", "姓名", Widget::Text).required(),
                    FieldDef::code::<Sex>("sex", "性别").required(),
                    FieldDef::new("id_number", "证件号码", Widget::IdNumber).required(),
                    FieldDef::code::<PoliticalStatus>("political_status", "政治面貌"),
                    FieldDef::code::<CadreEducation>("education", "学历"),
                    FieldDef::new("phone", "联系电话", Widget::Phone),
                ],
            ),
            SectionDef::new(
                "stationing",
                "驻村信息",
                vec![
                    FieldDef::new("is_first_secretary", "是否第一书记", Widget::YesNo),
                    FieldDef::new("is_team_leader", "是否队长", Widget::YesNo),
                    FieldDef::new("start", "驻村开始时间", Widget::Date).required(),
                    FieldDef::new("end", "驻村结束时间", Widget::Date),
                ],
            ),
        ],
    }
}
