//! The checks of one household and of the judgement's findings on the register's records:
//! not visited this year (C1), no GPS position (C5), an exit that fails the standard (W1,
//! W2), a pairing with a helper nobody entered (C7); and each finding of the judgement under
//! its national 疑点 category (FORMS.md §7.1, [`super::checks::NATIONAL`]), C2, C4, C8, W3,
//! W4 and the village positions among them.

use crate::bundle::HouseholdBundle;
use crate::codes::household::ExitStatus;
use crate::exit::check_exit;
use crate::finding::Finding;
use crate::judge::{Context, Register};
use crate::record::RecordKind;
use crate::rules::help::check_household_helper;

use super::checks::{self, CheckDef};
use super::{Fault, Scope, ScopeKey};

/// The exit gate's findings that say the standard itself is not met (not the procedure, not
/// C9's update of this year's basic information).
const STANDARD: [&str; 4] = [
    "exit.no_worries_unresolved",
    "exit.income_below_line",
    "exit.income_not_collected",
    "exit.income_unknown",
];

pub(crate) fn check(register: &Register, scope: &Scope, ctx: &Context<'_>) -> Vec<Fault> {
    let mut out = from_findings(register, scope);
    for entry in &register.households {
        let b = &entry.bundle;
        if !scope.covers(ScopeKey::Household(b.household.id)) || b.household.basic.status.is_none()
        {
            continue;
        }
        let fault = |def: &CheckDef, kind, record, path: &str, text: String, severity| Fault {
            check: def.code,
            key: format!("{}|{record}|{path}", def.code),
            village_id: entry.village_id,
            record_kind: Some(kind),
            record_id: Some(record),
            household_id: Some(b.household.id),
            path: path.to_owned(),
            text,
            severity,
            requirement: def.requirement,
            rank: None,
        };
        let hid = b.household.id;
        let policy = ctx.policy;
        if ctx.today() >= policy.visits_from && !visited(b, ctx) {
            let def = &checks::NOT_VISITED;
            out.push(fault(
                def,
                RecordKind::Household,
                hid,
                "basic.visited_on",
                format!("本年度（{}起）尚未入户核实", policy.visits_from),
                def.severity,
            ));
        }
        if b.gps_fixes.is_empty() {
            let def = &checks::HOUSEHOLD_NO_GPS;
            out.push(fault(
                def,
                RecordKind::Household,
                hid,
                "",
                "该户尚未采集房屋GPS位置".to_owned(),
                def.severity,
            ));
        }
        if b.household.basic.status.is_some_and(ExitStatus::is_exited)
            && let Err(reasons) = check_exit(b, policy)
        {
            let def = &checks::EXIT_FAILS_STANDARD;
            for f in reasons
                .iter()
                .filter(|f| STANDARD.contains(&f.code.as_str()))
            {
                let (kind, record, path) = locate(b, &f.path);
                let mut x = fault(def, kind, record, &path, exited_text(b, f), def.severity);
                x.key = format!("{}|{}|{record}|{path}", def.code, f.code);
                out.push(x);
            }
        }
        for f in check_household_helper(&b.household, &register.helpers) {
            let def = &checks::PAIRING_HELPER_UNKNOWN;
            out.push(fault(
                def,
                RecordKind::Household,
                hid,
                &f.path,
                f.message,
                def.severity,
            ));
        }
    }
    out
}

/// Whether the household was visited in this year's field work: its 入户核实日期, or a visit
/// record of this year (a visit typed from the paper sheet may not have set the date yet).
fn visited(b: &HouseholdBundle, ctx: &Context<'_>) -> bool {
    b.household.visited_this_year(ctx.policy)
        || b.visits
            .iter()
            .any(|v| v.date.is_some_and(|d| d >= ctx.policy.visits_from))
}

fn exited_text(b: &HouseholdBundle, f: &Finding) -> String {
    let year = b
        .household
        .basic
        .exit_year
        .map_or_else(String::new, |y| format!("{y}年"));
    format!("{year}脱贫户：{}", f.message)
}

/// Every finding of the judged records that falls under a check, as a fault on its record.
fn from_findings(register: &Register, scope: &Scope) -> Vec<Fault> {
    let mut out = Vec::new();
    for judged in &register.judgement.records {
        if !is_register(judged.kind) {
            continue;
        }
        let Some(place) = register.places.get(&judged.id) else {
            continue;
        };
        for f in judged.all() {
            let Some(def) = checks::of_finding(&f.code, f.severity) else {
                continue;
            };
            let fault = Fault {
                check: def.code,
                key: format!("{}|{}|{}|{}", def.code, f.code, judged.id, f.path),
                village_id: place.village_id,
                record_kind: Some(judged.kind),
                record_id: Some(judged.id),
                household_id: place.household_id,
                path: f.path.clone(),
                text: f.message.clone(),
                severity: f.severity,
                requirement: def.requirement,
                rank: None,
            };
            if scope.covers(fault.scope_key()) {
                out.push(fault);
            }
        }
    }
    out
}

/// The register's own records (not spot-checks, not problems).
fn is_register(kind: RecordKind) -> bool {
    !matches!(
        kind,
        RecordKind::SpotCheck
            | RecordKind::ScreenedHousehold
            | RecordKind::VillageScreening
            | RecordKind::Problem
    )
}

/// The record a household-file path names, and the path within it: `household.income.x` is
/// the household's `income.x`, `members[2].student_status` the third member's
/// `student_status`; anything else the household's, as it is.
pub(crate) fn locate(b: &HouseholdBundle, path: &str) -> (RecordKind, uuid::Uuid, String) {
    let household = (RecordKind::Household, b.household.id);
    if let Some(rest) = path.strip_prefix("household.") {
        return (household.0, household.1, rest.to_owned());
    }
    if let Some(rest) = path.strip_prefix("members[")
        && let Some((i, field)) = rest.split_once(']')
        && let Ok(i) = i.parse::<usize>()
        && let Some(m) = b.members.get(i)
    {
        return (
            RecordKind::Member,
            m.id,
            field.trim_start_matches('.').to_owned(),
        );
    }
    (household.0, household.1, path.to_owned())
}
