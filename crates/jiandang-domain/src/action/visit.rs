//! The door visit (入户核实, C1): the worker has gone through every section of the household
//! with the household and says which it confirmed unchanged and which changed (the changes
//! themselves are saved as field edits). One visit record, and the household's 入户核实日期;
//! a visit of this year's field work is also this year's check of the household's basic
//! information, which an exit waits for (C9; our reading: going through every section at the
//! door is that check).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::Coded;
use crate::finding::Finding;
use crate::judge::Context;
use crate::record::{RecordKind, StoredRecord};
use crate::time::Date;
use crate::visit::{SectionCheck, Visit};

use super::{Edit, Outcome, checked, fields, json, subject};

/// What the worker records of a visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitReport {
    /// The new 入户核实记录.
    pub visit_id: Uuid,
    pub date: Date,
    pub visited_by: Option<String>,
    /// Every section, each with what the visit found.
    pub sections: Vec<SectionCheck>,
    pub note: Option<String>,
}

/// 入户核实 (C1): records the visit, sets the household's 入户核实日期 (when it is the latest),
/// and, for a visit of this year's field work, marks this year's basic information checked
/// (C9). Refused when the date is after today or a section was not gone through (or twice).
pub fn record_visit(
    household: Uuid,
    records: &[StoredRecord],
    report: VisitReport,
    ctx: &Context<'_>,
) -> Outcome {
    let s = subject(household, records)?;
    let visit = Visit {
        id: report.visit_id,
        village_id: s.record.village_id,
        household_id: household,
        date: Some(report.date),
        visited_by: report.visited_by,
        sections: report.sections,
        note: report.note,
    };
    let mut out = Vec::new();
    if report.date > ctx.today() {
        out.push(c1(
            "visit.date_in_future",
            "visit.date",
            format!("核实日期（{}）晚于今天", report.date),
        ));
    }
    for f in crate::visit::check(&visit) {
        out.push(Finding {
            path: format!("visit.{}", f.path),
            severity: crate::finding::Severity::Error,
            ..f
        });
    }
    let unchecked = visit.unchecked();
    if !unchecked.is_empty() && out.iter().all(|f| f.code != "visit.sections_unchecked") {
        let names: Vec<&str> = unchecked.iter().map(|s| s.zh()).collect();
        out.push(c1(
            "visit.sections_unchecked",
            "visit.sections",
            format!("尚未核实：{}", names.join("、")),
        ));
    }
    if !out.is_empty() {
        return Err(out);
    }
    let basic = &s.bundle.household.basic;
    let mut set = fields([]);
    if basic.visited_on.is_none_or(|d| d <= report.date) {
        set.insert("basic.visited_on".into(), json(report.date));
    }
    if report.date >= ctx.policy.visits_from
        && basic.basic_info_updated_year != Some(ctx.policy.year)
    {
        set.insert(
            "basic.basic_info_updated_year".into(),
            json(ctx.policy.year),
        );
    }
    let mut edits = vec![Edit::Create {
        kind: RecordKind::Visit,
        id: report.visit_id,
        village_id: s.record.village_id,
        doc: json(&visit),
    }];
    if !set.is_empty() {
        edits.push(s.set(set));
    }
    checked(records, edits, ctx)
}

fn c1(code: &str, path: &str, message: String) -> Finding {
    Finding::error(code, path, message).requirement("C1")
}
