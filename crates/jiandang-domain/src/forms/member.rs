//! Form definition of 家庭成员 (FORMS.md §2), one per person, 户主 included.

use serde_json::json;

use crate::codes::Coded;
use crate::codes::household::{
    DropoutReason, Education, Ethnicity, Health, IdType, LabourSkill, MemberStatus,
    PoliticalStatus, Relationship, Sex, StudentStatus, WorkStatus,
};
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::record::RecordKind;

/// 家庭成员.
pub fn member() -> FormDef {
    let not_in_school = || Relevance::Equals {
        path: "student_status",
        value: json!(StudentStatus::NotInSchool.code()),
    };
    // Relevance has no "greater than": months worked are 1–12 when someone worked.
    let worked = || Relevance::AnyOf {
        path: "work_months",
        values: (1..=12).map(|m| json!(m)).collect(),
    };
    let yes_no = |path, label| FieldDef::new(path, label, Widget::YesNo);
    FormDef {
        id: "member",
        record: RecordKind::Member,
        title_zh: "家庭成员",
        sections: vec![
            SectionDef::new(
                "identity",
                "基本信息",
                vec![
                    FieldDef::reference("household_id", "所属贫困户", &[RecordKind::Household])
                        .required(),
                    FieldDef::new("person_number", "人编号", Widget::Text)
                        .national("aab001")
                        .hint("由全国扶贫开发信息系统分配"),
                    FieldDef::new("name", "姓名", Widget::Text)
                        .required()
                        .national("aab002")
                        .hint("与身份证一致，无身份证的与户口簿一致"),
                    FieldDef::code::<Sex>("sex", "性别")
                        .required()
                        .national("aab003"),
                    FieldDef::code::<IdType>("id_type", "证件类型")
                        .required()
                        .national("aab018"),
                    FieldDef::new("id_number", "证件号码", Widget::IdNumber)
                        .required()
                        .national("aab004")
                        .hint("身份证18位；持第二代残疾人证的录入20位残疾人证号"),
                    FieldDef::new("birth_date", "出生日期", Widget::Date)
                        .required()
                        .national("aab005"),
                    FieldDef::code::<Relationship>("relationship", "与户主关系")
                        .required()
                        .national("aab006"),
                    FieldDef::code::<Ethnicity>("ethnicity", "民族")
                        .required()
                        .national("aab007"),
                    FieldDef::code::<PoliticalStatus>("political_status", "政治面貌")
                        .national("aak033"),
                    FieldDef::new("phone", "联系电话", Widget::Phone).national("aab031"),
                    FieldDef::code::<MemberStatus>("status", "人员状态")
                        .required()
                        .national("aab015")
                        .hint("成员减少通过“家庭成员自然减少”登记"),
                ],
            ),
            SectionDef::new(
                "education",
                "文化程度与在校情况",
                vec![
                    FieldDef::code::<StudentStatus>("student_status", "在校生状况（本年度）")
                        .required()
                        .national("aab009"),
                    FieldDef::code::<StudentStatus>(
                        "student_status_last_year",
                        "在校生状况（上年度）",
                    )
                    .required()
                    .hint("核实并采集上年度在校生状况"),
                    FieldDef::code::<Education>("education", "文化程度")
                        .required()
                        .national("aab008")
                        .when(not_in_school()),
                    FieldDef::code::<DropoutReason>("dropout_reason", "失学或辍学原因")
                        .when(not_in_school())
                        .hint("义务教育阶段（6–15周岁）未在校时填写"),
                    yes_no("speaks_mandarin", "是否会讲普通话").national("aab065"),
                ],
            ),
            SectionDef::new(
                "health_labour",
                "健康与劳动",
                vec![
                    FieldDef::codes::<Health>("health", "健康状况")
                        .required()
                        .national("aab017")
                        .hint("可多选；“健康”不能与其他同选"),
                    FieldDef::code::<LabourSkill>("labour_skill", "劳动技能")
                        .required()
                        .national("aab010"),
                    FieldDef::new("work_months", "务工时间", Widget::Integer)
                        .unit("月")
                        .national("aab012")
                        .hint("2017年10月1日至2018年9月30日期间，0–12"),
                    FieldDef::code::<WorkStatus>("work_status", "务工状况")
                        .required()
                        .when(worked()),
                    FieldDef::new("work_place", "务工所在地", Widget::Text)
                        .required()
                        .national("aab025")
                        .when(worked())
                        .hint("行政区划代码"),
                    FieldDef::new("employer", "务工企业名称", Widget::Text)
                        .required()
                        .national("aab029")
                        .when(worked()),
                    yes_no("active_military", "是否现役军人").national("aab019"),
                ],
            ),
            SectionDef::new(
                "security",
                "保障情况",
                vec![
                    yes_no("minimum_allowance", "是否享受农村居民最低生活保障").national("aab030"),
                    yes_no("extreme_poverty_support", "是否特困供养人员"),
                    yes_no("basic_medical_insurance", "是否参加城乡居民基本医疗保险")
                        .required()
                        .national("aab013"),
                    yes_no("critical_illness_insurance", "是否参加大病保险").national("aab022"),
                    yes_no("commercial_medical_insurance", "是否参加商业补充医疗保险")
                        .national("aab067"),
                    yes_no("resident_pension", "是否参加城乡居民基本养老保险").national("aab014"),
                    yes_no("employee_pension", "是否参加城镇职工基本养老保险").national("aab021"),
                    yes_no("accident_insurance_subsidy", "是否享受人身意外保险补贴")
                        .national("aab066"),
                ],
            ),
        ],
    }
}
