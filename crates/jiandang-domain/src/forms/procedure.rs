//! Form definition of the 新识别 / 返贫纳入 procedure (W5): the kind, the return reason and
//! the steps 农户申请 … 公告, each with its date, outcome and attachments.

use serde_json::json;

use crate::codes::Coded;
use crate::codes::household::PovertyCause;
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::procedure::{ProcedureKind, ProcedureStep, StepOutcome};
use crate::record::RecordKind;

/// 新识别、返贫纳入程序.
pub fn procedure() -> FormDef {
    FormDef {
        id: "procedure",
        record: RecordKind::Procedure,
        title_zh: "新识别、返贫纳入程序",
        sections: vec![SectionDef::new(
            "procedure",
            "识别程序",
            vec![
                FieldDef::reference("household_id", "贫困户", &[RecordKind::Household]).required(),
                FieldDef::code::<ProcedureKind>("kind", "识别类型").required(),
                FieldDef::code::<PovertyCause>("return_reason", "返贫原因")
                    .required()
                    .when(Relevance::Equals {
                        path: "kind",
                        value: json!(ProcedureKind::Return.code()),
                    }),
                FieldDef {
                    columns: vec![
                        FieldDef::code::<ProcedureStep>("step", "步骤").required(),
                        FieldDef::new("date", "日期", Widget::Date).required(),
                        FieldDef::code::<StepOutcome>("outcome", "结果"),
                        FieldDef::new("note", "说明", Widget::TextArea),
                        FieldDef::references(
                            "attachment_photo_ids",
                            "附件照片",
                            &[RecordKind::Photo],
                        )
                        .hint("申请书、评议记录、公示照片"),
                    ],
                    ..FieldDef::new("steps", "程序步骤", Widget::Rows)
                }
                .required()
                .hint("农户申请、民主评议、第一次公示、比对、第二次公示、公告，按顺序进行"),
            ],
        )],
    }
}
