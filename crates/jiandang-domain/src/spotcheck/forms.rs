//! Form definitions of the spot-check records (EVALUATION.md §4, §5, §9.2): 入户核查表,
//! 非建档立卡户排查表 and 村排查情况表. The observation of 入户核查表 is the household form
//! itself under `observed.` and the member form as rows, so the supervisor's phone renders
//! the collection form's fields in verify mode from the same definitions.

use std::sync::OnceLock;

use serde_json::json;

use crate::codes::Coded;
use crate::form::{FieldDef, FormDef, Relevance, SectionDef, Widget};
use crate::forms::{household, member};
use crate::record::RecordKind;
use crate::spotcheck::codes::{
    CheckItem, CheckResult, DifferenceClass, FindingCode, FindingSeverity, MissedScope,
    NoWorriesGap, RiskFlag,
};

/// The sections of 入户核查表 the phone shows only once the observation is sealed: the
/// register's differences and the §5 findings (EVALUATION.md §9.2). Everything before them
/// is the blind part: the check's facts, the observation, the §4 checklist, 群众认可.
pub const AFTER_SEAL: &[&str] = &["reveal", "findings"];

/// 入户核查表.
pub fn spot_check() -> FormDef {
    let mut sections = vec![SectionDef::new(
        "check",
        "核查信息",
        vec![
            FieldDef::reference("village_id", "所在行政村", &[RecordKind::Village]).required(),
            FieldDef::new("plan_id", "抽查方案", Widget::Text)
                .derived()
                .hint("由抽查方案分配，不能更改"),
            FieldDef::reference("household_id", "抽中户", &[RecordKind::Household])
                .required()
                .hint("由抽查方案分配，不能更换"),
            FieldDef::new("checked_on", "核查日期", Widget::Date).required(),
            FieldDef::new("checkers", "核查人", Widget::Text)
                .required()
                .hint("两人入户，两人签字"),
            FieldDef::new("met_household", "是否见到户主或家庭成员", Widget::YesNo).required(),
        ],
    )];
    // Derived fields (income totals) come along: the phone computes and shows them as it
    // does on the household form; the comparison skips them.
    sections.extend(observed_sections().iter().cloned());
    sections.push(SectionDef::new(
        "observed_members",
        "入户观察：家庭成员",
        vec![
            rows(
                "observed_members",
                "实际共同生活的家庭成员",
                member_columns("对应登记成员", "登记中没有的人不选，由程序生成编号"),
            )
            .hint("逐人核对户口本、身份证；登记中没有的人也要录入"),
        ],
    ));
    sections.push(SectionDef::new(
        "checklist",
        "入户核查内容",
        vec![
            FieldDef::checklist::<CheckItem>(
                "checklist",
                "核查事项",
                vec![
                    FieldDef::code::<CheckResult>("result", "核查结果").required(),
                    FieldDef::new("evidence", "佐证材料", Widget::Text)
                        .hint("查看了什么：户口本、存折、收入测算表、明白卡……"),
                    FieldDef::references("photo_ids", "佐证照片", &[RecordKind::Photo]),
                ],
            )
            .required(),
        ],
    ));
    let revealed = Relevance::Present {
        path: "observed_at",
    };
    sections.push(SectionDef::new(
        "reveal",
        "与登记信息比对",
        vec![
            FieldDef::new("observed_at", "观察记录完成时间", Widget::Text)
                .derived()
                .hint("完成观察记录后才显示登记信息，观察值不能再改"),
            rows(
                "differences",
                "差异及认定",
                vec![
                    FieldDef::new("kind", "差异类型", Widget::Text).derived(),
                    FieldDef::new("record.kind", "所在记录类型", Widget::Text).derived(),
                    FieldDef::reference(
                        "record.id",
                        "所在记录",
                        &[RecordKind::Household, RecordKind::Member],
                    )
                    .derived(),
                    FieldDef::new("field", "字段", Widget::Text).derived(),
                    FieldDef::new("label_zh", "项目", Widget::Text).derived(),
                    FieldDef::new("registered", "登记值", Widget::Text).derived(),
                    FieldDef::new("observed", "核查值", Widget::Text).derived(),
                    FieldDef::code::<DifferenceClass>("classification", "差异认定").required(),
                    FieldDef::new("note", "说明", Widget::TextArea),
                ],
            )
            .when(revealed),
        ],
    ));
    let code_is = |c: FindingCode| Relevance::Equals {
        path: "code",
        value: json!(c.code()),
    };
    sections.push(SectionDef::new(
        "findings",
        "发现问题",
        vec![rows(
            "findings",
            "问题",
            vec![
                FieldDef::code::<FindingCode>("code", "问题类型").required(),
                FieldDef::code::<MissedScope>("missed_scope", "漏评范围")
                    .required()
                    .when(code_is(FindingCode::Missed)),
                FieldDef::code::<NoWorriesGap>("gap", "未解决的项目")
                    .required()
                    .when(code_is(FindingCode::TwoThreeGap)),
                FieldDef::code::<FindingSeverity>("severity", "问题程度"),
                FieldDef::new("record.kind", "所涉记录类型", Widget::Text).derived(),
                FieldDef::reference(
                    "record.id",
                    "所涉记录",
                    &[RecordKind::Household, RecordKind::Member],
                )
                .derived(),
                FieldDef::new("path", "所涉字段", Widget::Text).derived(),
                FieldDef::new("persons", "涉及人数", Widget::Integer)
                    .required()
                    .when(Relevance::AnyOf {
                        path: "code",
                        values: vec![
                            json!(FindingCode::WrongExit.code()),
                            json!(FindingCode::Missed.code()),
                        ],
                    })
                    .hint("错退填该户脱贫人口数；漏评填应纳未纳人数"),
                FieldDef::new("needs_correction", "是否需整改", Widget::YesNo),
                FieldDef::new("note", "核查说明", Widget::TextArea),
            ],
        )],
    ));
    sections.push(recognition_section());
    sections.push(SectionDef::new(
        "note",
        "备注",
        vec![FieldDef::new("note", "备注", Widget::TextArea)],
    ));
    FormDef {
        id: "spot_check",
        record: RecordKind::SpotCheck,
        title_zh: "入户核查表",
        sections,
    }
}

/// 非建档立卡户排查表.
pub fn screened_household() -> FormDef {
    let no_worries: Vec<FieldDef> = household::household()
        .sections
        .into_iter()
        .find(|s| s.id == "no_worries")
        .map(|s| s.fields)
        .unwrap_or_default();
    FormDef {
        id: "screened_household",
        record: RecordKind::ScreenedHousehold,
        title_zh: "非建档立卡户排查表",
        sections: vec![
            SectionDef::new(
                "screening",
                "排查信息",
                vec![
                    FieldDef::reference("village_id", "所在行政村", &[RecordKind::Village])
                        .required(),
                    FieldDef::new("plan_id", "抽查方案", Widget::Text).derived(),
                    FieldDef::new("frame_household_id", "名单户", Widget::Text)
                        .derived()
                        .hint("从花名册或部门名单（低保、特困、残疾、危房）排查时自动填写"),
                    FieldDef::reference(
                        "natural_village_id",
                        "所在自然村（村民小组）",
                        &[RecordKind::NaturalVillage],
                    ),
                    FieldDef::new("checked_on", "排查日期", Widget::Date).required(),
                    FieldDef::new("checkers", "核查人", Widget::Text).required(),
                    FieldDef::new("head_name", "户主姓名", Widget::Text).required(),
                    FieldDef::new("persons", "家庭人口数", Widget::Integer)
                        .required()
                        .unit("人")
                        .hint("共享家庭收支的人口"),
                ],
            ),
            SectionDef::new(
                "members",
                "家庭成员",
                vec![rows(
                    "members",
                    "家庭成员",
                    member_columns("成员编号", "由程序生成"),
                )],
            ),
            SectionDef::new("no_worries", "两不愁、三保障", no_worries),
            SectionDef::new(
                "income",
                "收入与风险",
                vec![
                    FieldDef::new("income_per_capita", "人均纯收入估算", Widget::Money)
                        .unit("元")
                        .hint("按收入测算表口径估算"),
                    FieldDef::codes::<RiskFlag>("risk", "风险标识"),
                    FieldDef::new("suspected_missed", "是否疑似漏评", Widget::YesNo)
                        .required()
                        .hint("符合识别标准但未纳入建档立卡"),
                ],
            ),
            recognition_section(),
            SectionDef::new(
                "note",
                "备注",
                vec![FieldDef::new("note", "备注", Widget::TextArea)],
            ),
        ],
    }
}

/// 村排查情况表.
pub fn village_screening() -> FormDef {
    FormDef {
        id: "village_screening",
        record: RecordKind::VillageScreening,
        title_zh: "村排查情况表",
        sections: vec![SectionDef::new(
            "screening",
            "排查情况",
            vec![
                FieldDef::reference("village_id", "排查行政村", &[RecordKind::Village]).required(),
                FieldDef::new("plan_id", "抽查方案", Widget::Text).derived(),
                FieldDef::references(
                    "natural_village_ids",
                    "排查的自然村（村民小组）",
                    &[RecordKind::NaturalVillage],
                )
                .hint("整村排查时不选"),
                FieldDef::new("started_on", "排查开始日期", Widget::Date).required(),
                FieldDef::new("finished_on", "排查结束日期", Widget::Date),
                FieldDef::new("checkers", "核查人", Widget::Text).required(),
                FieldDef::new(
                    "non_registered_households",
                    "排查非建档立卡户数",
                    Widget::Integer,
                )
                .required()
                .unit("户"),
                FieldDef::new(
                    "non_registered_persons",
                    "排查非建档立卡人口数",
                    Widget::Integer,
                )
                .required()
                .unit("人")
                .hint("漏评率的分母：排查范围内全部非建档立卡人口"),
                FieldDef::new("archive_complete", "村档资料是否齐全", Widget::YesNo),
                FieldDef::new("note", "备注", Widget::TextArea),
            ],
        )],
    }
}

fn rows(path: &'static str, label: &'static str, columns: Vec<FieldDef>) -> FieldDef {
    FieldDef {
        columns,
        ..FieldDef::new(path, label, Widget::Rows)
    }
}

fn recognition_section() -> SectionDef {
    let yes_no = |path, label| FieldDef::new(path, label, Widget::YesNo);
    SectionDef::new(
        "recognition",
        "群众认可",
        vec![
            yes_no("recognition.recognises", "是否认可").required(),
            yes_no("recognition.policies", "认可扶贫政策"),
            yes_no("recognition.measures", "认可帮扶措施及成效"),
            yes_no("recognition.exit_result", "认可脱贫结果"),
            yes_no("recognition.cadre_help", "认可干部帮扶工作"),
            FieldDef::new("recognition.reason", "不认可原因", Widget::TextArea).when(
                Relevance::Equals {
                    path: "recognition.recognises",
                    value: json!(false),
                },
            ),
        ],
    )
}

/// The member form's fields as row columns (paths relative to the row), after the row's
/// `id`: for an observed member it names the registered member the row is.
fn member_columns(id_label: &'static str, id_hint: &'static str) -> Vec<FieldDef> {
    let mut columns =
        vec![FieldDef::reference("id", id_label, &[RecordKind::Member]).hint(id_hint)];
    columns.extend(member::member().fields().cloned());
    columns
}

/// The household form's sections with every path under `observed.` (section ids too), made
/// once: the paths are `&'static str` in the form types, so the prefixed ones are built once
/// per process and kept.
fn observed_sections() -> &'static [SectionDef] {
    static SECTIONS: OnceLock<Vec<SectionDef>> = OnceLock::new();
    SECTIONS.get_or_init(|| {
        household::household()
            .sections
            .into_iter()
            .map(|s| SectionDef {
                id: prefixed("observed.", s.id),
                title_zh: prefixed("入户观察：", s.title_zh),
                fields: s.fields.into_iter().map(observed_field).collect(),
            })
            .collect()
    })
}

fn observed_field(mut f: FieldDef) -> FieldDef {
    f.path = prefixed("observed.", f.path);
    // Nothing is required of a blind observation: what was not seen stays empty.
    f.required = false;
    f.relevance = f.relevance.map(observed_relevance);
    if let Some(options) = f.options_by.as_mut() {
        options.path = prefixed("observed.", options.path);
    }
    f
}

fn observed_relevance(r: Relevance) -> Relevance {
    match r {
        Relevance::Equals { path, value } => Relevance::Equals {
            path: prefixed("observed.", path),
            value,
        },
        Relevance::AnyOf { path, values } => Relevance::AnyOf {
            path: prefixed("observed.", path),
            values,
        },
        Relevance::Present { path } => Relevance::Present {
            path: prefixed("observed.", path),
        },
        Relevance::All { of } => Relevance::All {
            of: of.into_iter().map(observed_relevance).collect(),
        },
    }
}

fn prefixed(prefix: &str, s: &str) -> &'static str {
    Box::leak(format!("{prefix}{s}").into_boxed_str())
}
