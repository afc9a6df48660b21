//! Whether a device may write a record today by the year's timeline (NOTICE.md "Timeline";
//! issue 18 item 4): while a phase's writes are open (field work, entry) anything; after the
//! entry window closes, in the phases that work through the problem list (verification,
//! correction: `Phase::problem_writes_open`), only the records an open problem is about;
//! otherwise nothing. A refusal names the phase. The county reopening a village is the
//! server's (it answers before this is asked).

use uuid::Uuid;

use crate::codes::Coded;
use crate::finding::Finding;
use crate::judge::{Link, link_of};
use crate::policy::YearPolicy;
use crate::problem::Problem;
use crate::record::{RecordKind, StoredRecord};
use crate::time::Date;

/// Whether a device may write `record` (as it would be after the write) on `today` (Beijing):
/// `problems` are the open and closed problems of its village (only open ones count).
/// Refused with `phase.closed` (no device writes in the phase) or `phase.no_open_problem`
/// (the phase takes only the problem list's records), each naming the phase.
pub fn device_write(
    policy: &YearPolicy,
    today: Date,
    record: &StoredRecord,
    problems: &[Problem],
) -> Result<(), Finding> {
    let Some(phase) = policy.phase_on(today) else {
        return Err(Finding::error(
            "phase.closed",
            "",
            format!("{today}不在{}年度工作时间内，不能修改记录", policy.year),
        )
        .requirement("Timeline"));
    };
    if phase.writes_open {
        return Ok(());
    }
    let name = format!(
        "当前为“{}”阶段（{}至{}）",
        phase.name.zh(),
        phase.starts,
        phase.ends
    );
    if !phase.problem_writes_open {
        return Err(Finding::error(
            "phase.closed",
            "",
            format!("{name}，录入期已结束，不能修改记录；确需修改请联系县扶贫办重新开放本村"),
        )
        .requirement("Timeline"));
    }
    if covered_by_open_problem(record, problems) {
        Ok(())
    } else {
        Err(Finding::error(
            "phase.no_open_problem",
            "",
            format!("{name}，只能核实、整改问题清单所列的问题；本记录没有待处理的问题"),
        )
        .requirement("Timeline"))
    }
}

/// Whether an open problem covers `record`: the record is an open problem itself, or an
/// open problem is about it, about its household, or about the record it is a photo or GPS
/// fix of (a photo of a problem is its evidence).
pub fn covered_by_open_problem(record: &StoredRecord, problems: &[Problem]) -> bool {
    let open: Vec<&Problem> = problems.iter().filter(|p| p.is_open()).collect();
    if record.kind == RecordKind::Problem {
        return open.iter().any(|p| p.id == record.id);
    }
    let mut about: Vec<Uuid> = vec![record.id];
    match link_of(record) {
        Link::OfHousehold(h) => about.push(h),
        Link::Subject(s) => about.push(s),
        _ => {}
    }
    // The app writes `household_id` on the photos and fixes of a household's records.
    if let Some(h) = record
        .doc
        .get("household_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
    {
        about.push(h);
    }
    open.iter().any(|p| {
        about.contains(&p.id)
            || p.record_id.is_some_and(|r| about.contains(&r))
            || p.household_id.is_some_and(|h| about.contains(&h))
    })
}
