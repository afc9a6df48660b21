//! The door visit (入户核实, C1): the survey worker goes through the household's sections
//! with the household, from the printed comparison sheet (对照表) or the app's verify mode,
//! and confirms each unchanged or records that it changed. One record per visit says which;
//! the household's 入户核实日期 is the latest visit's date. A visit that went through every
//! section is this year's check of the household's basic information (C9's precondition of
//! an exit).
//!
//! JSON shape: `{"id", "village_id", "household_id", "date": "2018-10-20", "visited_by":
//! "…", "sections": [{"kind": "income", "outcome": "changed", "note": null}, …], "note"}`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code_list;
use crate::codes::{CodeList, Coded};
use crate::finding::Finding;
use crate::time::Date;

code_list! {
    /// What a visit goes through: the sections of the household form (their ids are the
    /// form's section ids) and the household's members.
    pub enum VisitSection: "visit_section", "2018", "核实内容" {
        Basic = ("basic", "基本情况", "basic information"),
        Production = ("production", "生产条件", "production conditions"),
        Living = ("living", "生活条件", "living conditions"),
        Income = ("income", "收入", "last year's income"),
        Relocation = ("relocation", "易地搬迁", "relocation"),
        Pairing = ("pairing", "帮扶责任人", "helper pairing"),
        HelpMeasures = ("help_measures", "帮扶措施", "help measures"),
        NoWorries = ("no_worries", "两不愁三保障", "two no-worries, three guarantees"),
        Members = ("members", "家庭成员", "the household's members"),
    }
}

code_list! {
    /// What the visit found in a section.
    pub enum SectionOutcome: "section_outcome", "2018", "核实结果" {
        Unchanged = ("unchanged", "无变化", "confirmed unchanged"),
        Changed = ("changed", "有变化", "changed; the new values were recorded"),
    }
}

/// One section as the visit found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionCheck {
    pub kind: VisitSection,
    #[serde(default)]
    pub outcome: Option<SectionOutcome>,
    #[serde(default)]
    pub note: Option<String>,
}

/// 入户核实记录: one door visit of a household.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Visit {
    pub id: Uuid,
    pub village_id: Uuid,
    pub household_id: Uuid,
    /// 核实日期.
    pub date: Option<Date>,
    /// 核实人.
    pub visited_by: Option<String>,
    /// Each section once, with what the visit found.
    pub sections: Vec<SectionCheck>,
    pub note: Option<String>,
}

impl Visit {
    /// The sections not yet gone through (no row, or a row without an outcome).
    pub fn unchecked(&self) -> Vec<VisitSection> {
        VisitSection::ALL
            .iter()
            .copied()
            .filter(|s| {
                !self
                    .sections
                    .iter()
                    .any(|c| c.kind == *s && c.outcome.is_some())
            })
            .collect()
    }

    /// The sections the visit found changed.
    pub fn changed(&self) -> impl Iterator<Item = VisitSection> + '_ {
        self.sections
            .iter()
            .filter(|c| c.outcome == Some(SectionOutcome::Changed))
            .map(|c| c.kind)
    }
}

/// Checks one visit record (C1): dated, each section once, every section gone through.
/// Paths are relative to the visit.
pub fn check(v: &Visit) -> Vec<Finding> {
    let mut out = Vec::new();
    if v.date.is_none() {
        out.push(
            Finding::error("visit.date_missing", "date", "请填写入户核实日期").requirement("C1"),
        );
    }
    for (i, c) in v.sections.iter().enumerate() {
        if v.sections[..i].iter().any(|p| p.kind == c.kind) {
            out.push(
                Finding::error(
                    "visit.section_repeated",
                    format!("sections[{i}].kind"),
                    format!("“{}”重复记录", c.kind.zh()),
                )
                .requirement("C1"),
            );
        }
    }
    let unchecked = v.unchecked();
    if !unchecked.is_empty() {
        let names: Vec<&str> = unchecked.iter().map(|s| s.zh()).collect();
        out.push(
            Finding::warning(
                "visit.sections_unchecked",
                "sections",
                format!("尚未核实：{}", names.join("、")),
            )
            .requirement("C1"),
        );
    }
    out
}

/// The code lists of this module, for `crate::forms::code_lists`.
pub fn lists() -> Vec<&'static CodeList> {
    vec![VisitSection::LIST, SectionOutcome::LIST]
}
