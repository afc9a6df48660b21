//! Form definition of 家庭成员自然增加/减少情况表 (FORMS.md §3, W6): one form for both
//! sheets, the direction chosen first.

use serde_json::json;

use crate::codes::village::{ChangeDirection, ChangeProof, MemberChangeReason};
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::record::RecordKind;

/// 家庭成员自然增加/减少情况表.
pub fn member_change() -> FormDef {
    FormDef {
        id: "member_change",
        record: RecordKind::MemberChange,
        title_zh: "贫困户家庭成员自然增加/减少情况表",
        sections: vec![
            SectionDef::new(
                "change",
                "变更情况",
                vec![
                    FieldDef::reference("household_id", "贫困户", &[RecordKind::Household]).required(),
                    FieldDef::code::<ChangeDirection>("direction", "变更类型").required(),
                    FieldDef::reference("member_id", "变更成员", &[RecordKind::Member])
                        .required()
                        .hint("自然增加：先录入新成员信息；自然减少：选择减少的成员"),
                    FieldDef::code::<MemberChangeReason>("reason", "变更原因")
                        .required()
                        .options_by("direction", MemberChangeReason::direction)
                        .hint("增加：新生儿、婚入、户籍迁入、刑满释放、收养、失联人口回归、补录；减少：死亡、婚出、出国定居、判刑收监、户籍迁出、农转非、失联"),
                    FieldDef::new("date", "变更时间", Widget::Date)
                        .required()
                        .hint("新生儿填出生日期；死亡填死亡日期；其他填结婚、迁移等日期"),
                    FieldDef::reference("new_head_id", "新户主", &[RecordKind::Member])
                        .when(Relevance::Equals {
                            path: "direction",
                            value: json!(ChangeDirection::Decrease),
                        })
                        .hint("减少的成员是户主时必填"),
                ],
            ),
            SectionDef::new(
                "proof",
                "证明材料",
                vec![
                    FieldDef::code::<ChangeProof>("proof", "证明材料"),
                    FieldDef::references("proof_photo_ids", "证明材料照片", &[RecordKind::Photo])
                        .hint("可多张"),
                ],
            ),
            SectionDef::new(
                "report",
                "填报信息",
                vec![
                    FieldDef::new("note", "备注", Widget::TextArea),
                    FieldDef::new("reported_by", "填报人", Widget::Text),
                    FieldDef::new("reported_on", "填报日期", Widget::Date),
                ],
            ),
        ],
    }
}
