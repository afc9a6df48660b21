//! Form definition of a problem-list item (问题清单, EVALUATION.md §6): what the county sent
//! (shown, never typed on the phone), the verification at the door and the correction the
//! field records, and the county's sending back and closing (shown). The phone renders it
//! like any form; its transitions go through `action::problem`.

use serde_json::json;

use crate::codes::Coded;
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::problem::{ClosingKind, ProblemSeverity, ProblemSource, ProblemState, Verdict};
use crate::record::RecordKind;

/// The register's record kinds a problem may be about.
const ABOUT: [RecordKind; 15] = [
    RecordKind::Household,
    RecordKind::Member,
    RecordKind::MemberChange,
    RecordKind::Procedure,
    RecordKind::HouseholdExitMeasures,
    RecordKind::ExitProcedure,
    RecordKind::Visit,
    RecordKind::GpsFix,
    RecordKind::Photo,
    RecordKind::Village,
    RecordKind::NaturalVillage,
    RecordKind::VillageExitMeasures,
    RecordKind::HelpUnit,
    RecordKind::Helper,
    RecordKind::WorkTeamMember,
];

/// 问题清单.
pub fn problem() -> FormDef {
    let verified_true = Relevance::Equals {
        path: "verification.verdict",
        value: json!(Verdict::True.code()),
    };
    FormDef {
        id: "problem",
        record: RecordKind::Problem,
        title_zh: "问题清单",
        sections: vec![
            SectionDef::new(
                "problem",
                "问题",
                vec![
                    FieldDef::reference("village_id", "所在行政村", &[RecordKind::Village])
                        .derived(),
                    FieldDef::code::<ProblemSource>("source", "问题来源")
                        .required()
                        .derived(),
                    // The category's name before its code: lists show a problem by its first
                    // short fields (问题来源 · 问题类别), and a code means nothing to a reader.
                    FieldDef::new("title", "问题类别", Widget::Text).derived(),
                    FieldDef::new("check", "问题类别代码", Widget::Text).derived(),
                    FieldDef::new("key", "问题标识", Widget::Text).derived(),
                    FieldDef::new("requirement", "依据", Widget::Text).derived(),
                    FieldDef::code::<ProblemSeverity>("severity", "问题程度").derived(),
                    FieldDef::new("record_kind", "所涉记录类型", Widget::Text).derived(),
                    FieldDef::reference("record_id", "所涉记录", &ABOUT).derived(),
                    FieldDef::reference("household_id", "所涉贫困户", &[RecordKind::Household])
                        .derived(),
                    FieldDef::new("path", "所涉字段", Widget::Text).derived(),
                    FieldDef::new("field_label", "所涉指标", Widget::Text).derived(),
                    FieldDef::new("text", "问题描述", Widget::TextArea)
                        .required()
                        .derived(),
                    FieldDef::new("verify", "核实要点", Widget::TextArea)
                        .required()
                        .derived(),
                    FieldDef::new("rank", "排序", Widget::Integer)
                        .derived()
                        .hint("应退未退户按符合脱贫条件的程度排序，1为最符合"),
                    FieldDef::new("raised_by", "提出人", Widget::Text).derived(),
                    FieldDef::new("raised_at", "提出时间", Widget::Text).derived(),
                    FieldDef::new("source_ref", "来源记录", Widget::Text).derived(),
                    FieldDef::code::<ProblemState>("state", "问题状态")
                        .required()
                        .derived(),
                ],
            ),
            SectionDef::new(
                "verification",
                "入户核实",
                vec![
                    FieldDef::code::<Verdict>("verification.verdict", "核实结论")
                        .required()
                        .hint("到户核实后选择：属实的整改，不属实的写明依据"),
                    FieldDef::new("verification.note", "核实情况", Widget::TextArea)
                        .hint("不属实的必须填写：核实了什么、依据是什么"),
                    FieldDef::references(
                        "verification.photo_ids",
                        "佐证照片",
                        &[RecordKind::Photo],
                    ),
                    FieldDef::reference(
                        "verification.gps_fix_id",
                        "核实定位",
                        &[RecordKind::GpsFix],
                    ),
                    FieldDef::new("verification.by", "核实人", Widget::Text).derived(),
                    FieldDef::new("verification.at", "核实时间", Widget::Text).derived(),
                ],
            ),
            SectionDef::new(
                "correction",
                "整改",
                vec![
                    FieldDef::new("correction.note", "整改情况", Widget::TextArea)
                        .when(verified_true.clone())
                        .hint("登记信息在所涉记录中更正，这里写明改了什么"),
                    FieldDef::new("correction.by", "整改人", Widget::Text)
                        .derived()
                        .when(verified_true.clone()),
                    FieldDef::new("correction.at", "整改时间", Widget::Text)
                        .derived()
                        .when(verified_true),
                ],
            ),
            SectionDef::new(
                "county",
                "县级审核",
                vec![
                    FieldDef::new("sent_back.reason", "退回原因", Widget::TextArea).derived(),
                    FieldDef::new("sent_back.by", "退回人", Widget::Text).derived(),
                    FieldDef::new("sent_back.at", "退回时间", Widget::Text).derived(),
                    FieldDef::new("sent_back.count", "退回次数", Widget::Integer).derived(),
                    FieldDef::code::<ClosingKind>("closing.kind", "销号方式").derived(),
                    FieldDef::new("closing.note", "销号说明", Widget::TextArea).derived(),
                    FieldDef::new("closing.by", "销号人", Widget::Text).derived(),
                    FieldDef::new("closing.at", "销号时间", Widget::Text).derived(),
                    FieldDef::new("recheck.fault_gone", "复核问题已消除", Widget::YesNo)
                        .derived()
                        .hint("县级重新分析后未再发现该问题"),
                    FieldDef::new("recheck.at", "复核时间", Widget::Text).derived(),
                ],
            ),
        ],
    }
}
