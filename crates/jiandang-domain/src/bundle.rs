//! A household with everything that hangs on it (members, member changes, procedure, exit
//! measures, GPS fixes, photos), the household-level check that runs every rule over it, and
//! the household file form `jiandang check` and the sync server read.
//!
//! File form (`docs/records.md`; `crate::judge::file` reads it):
//! ```json
//! {"household": {...}, "members": [...], "member_changes": [...],
//!  "procedure": {...} | null, "exit_measures": {...} | null, "exit_procedures": [...],
//!  "visits": [...], "gps_fixes": [...], "photos": [...], "requested_action": "exit" | null}
//! ```
//! Only `household` is required. Finding paths are in this form (`members[1].id_number`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::codes::household::ExitStatus;
pub use crate::decode::{RecordsError, decode};
use crate::exit_procedure::{self, ExitProcedure};
use crate::finding::Finding;
use crate::geo::GpsFix;
use crate::household::Household;
use crate::measures::HouseholdExitMeasures;
use crate::member::Member;
use crate::member_change::MemberChange;
use crate::photo::PhotoRef;
use crate::policy::YearPolicy;
use crate::procedure::{self, Procedure};
use crate::record::RecordKind;
use crate::rules;
use crate::time::{Date, Timestamp};
use crate::visit::{self, Visit};

/// A 贫困户 and its dependent records.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdBundle {
    pub household: Household,
    /// Every member ever recorded, present or naturally decreased.
    pub members: Vec<Member>,
    /// 自然增加 / 自然减少 records (W6).
    pub member_changes: Vec<MemberChange>,
    /// The 新识别 / 返贫 procedure (W5), when there is one.
    pub procedure: Option<Procedure>,
    /// 脱贫措施 (C4), for a household exiting this year.
    pub exit_measures: Option<HouseholdExitMeasures>,
    pub gps_fixes: Vec<GpsFix>,
    pub photos: Vec<PhotoRef>,
    /// 退出程序 (W1, Q2), one per exit proposed.
    pub exit_procedures: Vec<ExitProcedure>,
    /// 入户核实 (C1), one per door visit.
    pub visits: Vec<Visit>,
}

/// Runs every household-level rule over the bundle: the household and its members
/// (FORMS.md §7), each member, member changes (W6), the procedure (W5), the exit-measure
/// sheet (C4), exit procedures (W1, Q2), door visits (C1), GPS fixes and photos (C5), and the
/// links between the records. Does not run the exit gate; see `crate::exit::check_exit`.
/// Dates are judged as of the end of the policy year. The judgement pipeline
/// (`crate::judge`) is what the device, the server and `jiandang check` call; this stays
/// until they all do.
pub fn check_household_bundle(b: &HouseholdBundle, policy: &YearPolicy) -> Vec<Finding> {
    let on = policy.age_reference_date;
    // The end of `on`, Beijing time: anything taken that day is not in the future.
    check_rules(
        b,
        policy,
        on,
        Timestamp::beijing_midnight(on.add_days(1)),
        false,
    )
}

/// Every household-level rule over the bundle, paths in the file form: member changes and
/// procedure steps are judged as of the Beijing date `on`, GPS fixes and photos against the
/// instant `now`; `exiting` says the household exits this year (its exit-measure sheet, C4,
/// is then due). The exit gate is not among them: the judgement pipeline
/// (`crate::judge`) adds it by the household's state.
pub(crate) fn check_rules(
    b: &HouseholdBundle,
    policy: &YearPolicy,
    on: Date,
    now: Timestamp,
    exiting: bool,
) -> Vec<Finding> {
    let mut out = rules::household::check(&b.household, &b.members, policy);
    let hid = b.household.id;
    // Ids are made where a record is created; a nil one means a hand-written or broken
    // record that sync could not tell apart from others.
    let nil_ids = std::iter::once(("household.id".to_owned(), hid)).chain(
        b.members
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("members[{i}].id"), m.id)),
    );
    for (path, id) in nil_ids {
        if id.is_nil() {
            out.push(Finding::error(
                "records.id_missing",
                path,
                "记录缺少标识（UUID），请由应用创建记录",
            ));
        }
    }
    for (i, m) in b.members.iter().enumerate() {
        out.extend(prefixed(
            &format!("members[{i}]"),
            rules::member::check(m, policy),
        ));
        if m.household_id != hid {
            out.push(link_error(
                &format!("members[{i}].household_id"),
                "家庭成员",
            ));
        }
    }
    out.extend(rules::member_change::check_member_changes(
        &b.members,
        &b.member_changes,
        policy,
        on,
    ));
    for (i, c) in b.member_changes.iter().enumerate() {
        if c.household_id != hid {
            out.push(link_error(
                &format!("member_changes[{i}].household_id"),
                "家庭成员变更记录",
            ));
        }
    }
    if let Some(p) = &b.procedure {
        out.extend(prefixed("procedure", procedure::check(p)));
        if p.household_id != hid {
            out.push(link_error("procedure.household_id", "识别程序"));
        }
    }
    if exiting && b.exit_measures.is_none() {
        out.push(
            Finding::warning(
                "exit_measures.missing",
                "exit_measures",
                format!(
                    "{}年脱贫户须采集脱贫措施信息（历年享受的措施，同类只勾一次）",
                    policy.year
                ),
            )
            .requirement("C4"),
        );
    }
    if let Some(em) = &b.exit_measures {
        // A household proposed for exit (预脱贫) collects its sheet ahead of the mark.
        let proposed = b.household.basic.status == Some(ExitStatus::PreExit);
        let exit_year = if exiting || proposed {
            Some(policy.year)
        } else {
            let basic = &b.household.basic;
            basic
                .exit_year
                .filter(|_| basic.status.is_some_and(ExitStatus::is_exited))
        };
        out.extend(prefixed(
            "exit_measures",
            rules::measures::check_household_exit_measures(em, exit_year, policy),
        ));
        out.extend(prefixed(
            "exit_measures",
            rules::measures::check_exit_measures_against_help(em, &b.household),
        ));
        if em.household_id != hid {
            out.push(link_error("exit_measures.household_id", "脱贫措施"));
        }
    }
    for (i, p) in b.exit_procedures.iter().enumerate() {
        let at = format!("exit_procedures[{i}]");
        out.extend(prefixed(&at, exit_procedure::check(p, &b.members, policy)));
        if p.household_id != hid {
            out.push(link_error(&format!("{at}.household_id"), "退出程序"));
        }
    }
    for (i, v) in b.visits.iter().enumerate() {
        let at = format!("visits[{i}]");
        out.extend(prefixed(&at, visit::check(v)));
        if v.household_id != hid {
            out.push(link_error(&format!("{at}.household_id"), "入户核实记录"));
        }
    }
    for (i, g) in b.gps_fixes.iter().enumerate() {
        out.extend(prefixed(
            &format!("gps_fixes[{i}]"),
            rules::gps::check_gps_fix(g, None, now),
        ));
        if g.subject_id != hid {
            out.push(link_error(&format!("gps_fixes[{i}].subject_id"), "定位点"));
        }
    }
    let ids: Vec<Uuid> = std::iter::once(hid)
        .chain(b.members.iter().map(|m| m.id))
        .chain(b.member_changes.iter().map(|c| c.id))
        .chain(b.procedure.iter().map(|p| p.id))
        .chain(b.exit_measures.iter().map(|e| e.id))
        .chain(b.exit_procedures.iter().map(|p| p.id))
        .chain(b.visits.iter().map(|v| v.id))
        .collect();
    for (i, p) in b.photos.iter().enumerate() {
        out.extend(prefixed(
            &format!("photos[{i}]"),
            rules::gps::check_photo(p, None, now),
        ));
        if !ids.contains(&p.subject_id) {
            out.push(link_error(&format!("photos[{i}].subject_id"), "照片"));
        }
    }
    out
}

/// The findings about one record of the bundle, with paths relative to that record: `prefix`
/// is `household` or `members[2]` (or `procedure`, `exit_measures`, …). Findings about the
/// record as a whole get an empty path. The app shows these beside the record's fields.
pub fn record_findings(findings: &[Finding], prefix: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter_map(|f| {
            let rest = f.path.strip_prefix(prefix)?;
            let rel = if rest.is_empty() {
                ""
            } else {
                rest.strip_prefix('.')?
            };
            let mut f = f.clone();
            f.path = rel.to_owned();
            Some(f)
        })
        .collect()
}

impl HouseholdBundle {
    /// The members still in the household (not naturally decreased).
    pub fn present_members(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.is_present())
    }

    /// Fills the household's derived fields (income totals, 人均纯收入) from its answers and
    /// present members, as the app does before saving.
    pub fn derive(&mut self, policy: &YearPolicy) {
        let present = self.present_members().count();
        self.household.income = self.household.income.derive(present, policy);
    }

    /// Builds a bundle from per-record JSON values as sync stores them (kind + the record's
    /// JSON form). Exactly one household; every other record must belong to it. Errors name
    /// the record's index in `records` and the path inside it (`records[3].birth_date`).
    pub fn from_records<'a>(
        records: impl IntoIterator<Item = (RecordKind, &'a Value)>,
    ) -> Result<HouseholdBundle, RecordsError> {
        let mut household: Option<Household> = None;
        let mut b = HouseholdBundle::default();
        for (i, (kind, value)) in records.into_iter().enumerate() {
            let at = format!("records[{i}]");
            match kind {
                RecordKind::Household => {
                    if household.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条贫困户记录"));
                    }
                    household = Some(decode(&at, value)?);
                }
                RecordKind::Member => b.members.push(decode(&at, value)?),
                RecordKind::MemberChange => b.member_changes.push(decode(&at, value)?),
                RecordKind::Procedure => {
                    if b.procedure.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条识别程序记录"));
                    }
                    b.procedure = Some(decode(&at, value)?);
                }
                RecordKind::HouseholdExitMeasures => {
                    if b.exit_measures.is_some() {
                        return Err(RecordsError::invalid(at, "只能有一条脱贫措施记录"));
                    }
                    b.exit_measures = Some(decode(&at, value)?);
                }
                RecordKind::ExitProcedure => b.exit_procedures.push(decode(&at, value)?),
                RecordKind::Visit => b.visits.push(decode(&at, value)?),
                RecordKind::GpsFix => b.gps_fixes.push(decode(&at, value)?),
                RecordKind::Photo => b.photos.push(decode(&at, value)?),
                other => {
                    return Err(RecordsError::invalid(
                        at,
                        format!("记录类型 {} 不属于贫困户", other.as_str()),
                    ));
                }
            }
        }
        b.household = household.ok_or_else(|| RecordsError::invalid("", "缺少贫困户记录"))?;
        Ok(b)
    }
}

fn prefixed(prefix: &str, findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.path = if f.path.is_empty() {
                prefix.to_owned()
            } else {
                format!("{prefix}.{}", f.path)
            };
            f
        })
        .collect()
}

fn link_error(path: &str, what: &str) -> Finding {
    Finding::error(
        "bundle.wrong_household",
        path,
        format!("{what}不属于本贫困户（户标识不一致）"),
    )
}
