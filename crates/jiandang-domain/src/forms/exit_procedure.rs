//! Form definition of the household exit procedure (W1, Q2): the exit year and the steps 民主
//! 评议 … 乡镇审核、公告, each with its date, outcome, notice days or signature, and attachments.
//! The app records the steps through the domain's exit actions; the form shows them.

use serde_json::json;

use crate::codes::Coded;
use crate::exit_procedure::ExitStep;
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::record::RecordKind;
use crate::steps::StepOutcome;

/// 贫困户退出程序.
pub fn exit_procedure() -> FormDef {
    FormDef {
        id: "exit_procedure",
        record: RecordKind::ExitProcedure,
        title_zh: "贫困户退出程序",
        sections: vec![SectionDef::new(
            "procedure",
            "退出程序",
            vec![
                FieldDef::reference("household_id", "贫困户", &[RecordKind::Household]).required(),
                FieldDef::new("year", "拟退出年度", Widget::Year).required(),
                FieldDef {
                    columns: vec![
                        FieldDef::code::<ExitStep>("step", "步骤").required(),
                        FieldDef::new("date", "日期", Widget::Date).required(),
                        FieldDef::code::<StepOutcome>("outcome", "结果"),
                        FieldDef::new("notice_days", "公示天数", Widget::Integer)
                            .unit("天")
                            .required()
                            .when(Relevance::Equals {
                                path: "step",
                                value: json!(ExitStep::VillageNotice.code()),
                            })
                            .hint("公示期满无异议后方可公告退出"),
                        FieldDef::reference("signed_by", "签字认可的户主", &[RecordKind::Member])
                            .required()
                            .when(Relevance::Equals {
                                path: "step",
                                value: json!(ExitStep::Recognition.code()),
                            }),
                        FieldDef::new("note", "说明", Widget::TextArea),
                        FieldDef::references(
                            "attachment_photo_ids",
                            "附件照片",
                            &[RecordKind::Photo],
                        )
                        .hint("评议记录、签字的认可书、公示照片"),
                    ],
                    ..FieldDef::new("steps", "程序步骤", Widget::Rows)
                }
                .required()
                .hint("民主评议、村两委和驻村工作队核实、户主签字认可、村内公示、乡镇审核公告，按顺序进行"),
            ],
        )],
    }
}
