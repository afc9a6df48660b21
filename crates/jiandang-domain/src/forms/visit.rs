//! Form definition of the door visit (入户核实, C1): the date, who visited, and each section of
//! the household with what the visit found (无变化 / 有变化). The app's verify mode fills it
//! section by section through the domain's visit action.

use crate::form::{FieldDef, FormDef, SectionDef, Widget};
use crate::record::RecordKind;
use crate::visit::{SectionOutcome, VisitSection};

/// 入户核实记录.
pub fn visit() -> FormDef {
    FormDef {
        id: "visit",
        record: RecordKind::Visit,
        title_zh: "入户核实记录",
        sections: vec![SectionDef::new(
            "visit",
            "入户核实",
            vec![
                FieldDef::reference("household_id", "贫困户", &[RecordKind::Household]).required(),
                FieldDef::new("date", "核实日期", Widget::Date).required(),
                FieldDef::new("visited_by", "核实人", Widget::Text),
                FieldDef::checklist::<VisitSection>(
                    "sections",
                    "核实内容",
                    vec![
                        FieldDef::code::<SectionOutcome>("outcome", "核实结果").required(),
                        FieldDef::new("note", "说明", Widget::TextArea),
                    ],
                )
                .required()
                .hint("逐项核对对照表：无变化的确认，有变化的录入新值"),
                FieldDef::new("note", "备注", Widget::TextArea),
            ],
        )],
    }
}
