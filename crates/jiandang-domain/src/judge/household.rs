//! A household's bundle judged: every household-level rule (`crate::bundle`), then the exit
//! standard by the household's state (the module docs of `crate::judge` say which); and the
//! records judged on their own, by the rules that need nothing but the record.

use crate::bundle::{self, HouseholdBundle};
use crate::exit::check_exit;
use crate::finding::{Finding, Severity};
use crate::lifecycle::{self, HouseholdState};
use crate::policy::YearPolicy;
use crate::record::StoredRecord;
use crate::rules;

use super::assemble::{Alone, Assembly, HouseholdGroup, Typed};
use super::{Context, Extras, Raw};

pub(crate) fn judge(
    g: &HouseholdGroup,
    a: &Assembly,
    records: &[StoredRecord],
    ctx: &Context<'_>,
    extras: &Extras,
    raw: &mut Raw,
) {
    for i in g.indices() {
        raw.judged[i] = true;
    }
    let Some(Built {
        bundle: b,
        layout,
        links,
    }) = build(g, a)
    else {
        // The household itself does not read: its records can only be judged on their own.
        for i in g.indices().into_iter().filter(|i| *i != g.root) {
            raw.own[i].extend(own_rules(&a.decoded[i].typed, ctx));
        }
        return;
    };
    let household_id = records[g.root].id;
    for (i, named) in links {
        raw.own[i].extend(check_household_link(named, household_id));
    }
    let policy = ctx.policy;
    let state = HouseholdState::at(&b.household, policy.year);
    let requested = extras.exit_households.contains(&g.root);
    let exits_this_year = matches!(state, HouseholdState::Exited { year } if year == policy.year);
    let mut findings =
        bundle::check_rules(&b, policy, ctx.on(), ctx.now, requested || exits_this_year);
    findings.extend(exit_standard(&b, state, requested, policy));
    crate::finding::dedup(&mut findings);
    raw.split(findings, &layout, g.root);
}

/// A household's bundle in its domain types, with where each record sits in the file form and
/// the household each photo or fix names (`household_id`), if any.
pub(crate) struct Built {
    pub bundle: HouseholdBundle,
    pub layout: Vec<(String, usize)>,
    pub links: Vec<(usize, Option<uuid::Uuid>)>,
}

/// The household's bundle from its group; `None` when the household record does not read.
/// Records that do not read at all are left out.
pub(crate) fn build(g: &HouseholdGroup, a: &Assembly) -> Option<Built> {
    let Some(Typed::Household(household)) = &a.decoded[g.root].typed else {
        return None;
    };
    let mut b = HouseholdBundle {
        household: household.as_ref().clone(),
        ..HouseholdBundle::default()
    };
    let mut layout = vec![("household".to_owned(), g.root)];
    let mut links = Vec::new();
    for i in &g.members {
        if let Some(Typed::Member(m)) = &a.decoded[*i].typed {
            layout.push((format!("members[{}]", b.members.len()), *i));
            b.members.push(m.clone());
        }
    }
    for i in &g.member_changes {
        if let Some(Typed::MemberChange(c)) = &a.decoded[*i].typed {
            layout.push((format!("member_changes[{}]", b.member_changes.len()), *i));
            b.member_changes.push(c.clone());
        }
    }
    if let Some(i) = g.procedure
        && let Some(Typed::Procedure(p)) = &a.decoded[i].typed
    {
        layout.push(("procedure".to_owned(), i));
        b.procedure = Some(p.clone());
    }
    if let Some(i) = g.exit_measures
        && let Some(Typed::HouseholdExitMeasures(m)) = &a.decoded[i].typed
    {
        layout.push(("exit_measures".to_owned(), i));
        b.exit_measures = Some(m.clone());
    }
    for i in &g.exit_procedures {
        if let Some(Typed::ExitProcedure(p)) = &a.decoded[*i].typed {
            layout.push((format!("exit_procedures[{}]", b.exit_procedures.len()), *i));
            b.exit_procedures.push(p.clone());
        }
    }
    for i in &g.visits {
        if let Some(Typed::Visit(v)) = &a.decoded[*i].typed {
            layout.push((format!("visits[{}]", b.visits.len()), *i));
            b.visits.push(v.clone());
        }
    }
    for i in &g.gps_fixes {
        if let Some(Typed::GpsFix(fix)) = &a.decoded[*i].typed {
            layout.push((format!("gps_fixes[{}]", b.gps_fixes.len()), *i));
            b.gps_fixes.push(fix.record.clone());
            links.push((*i, fix.household_id));
        }
    }
    for i in &g.photos {
        if let Some(Typed::Photo(photo)) = &a.decoded[*i].typed {
            layout.push((format!("photos[{}]", b.photos.len()), *i));
            b.photos.push(photo.record.clone());
            links.push((*i, photo.household_id));
        }
    }
    Some(Built {
        bundle: b,
        layout,
        links,
    })
}

/// The exit standard the household is held to by its state (see `crate::judge`); with
/// `requested`, the reasons it may not be marked 已脱贫 now.
fn exit_standard(
    b: &HouseholdBundle,
    state: HouseholdState,
    requested: bool,
    policy: &YearPolicy,
) -> Vec<Finding> {
    if requested {
        return lifecycle::exit(state, b, policy).err().unwrap_or_default();
    }
    match state {
        HouseholdState::PreExit => check_exit(b, policy).err().unwrap_or_default(),
        HouseholdState::Exited { year } if year == policy.year => {
            let mut out = check_exit(b, policy).err().unwrap_or_default();
            out.extend(
                lifecycle::check_exit_procedure(b, policy)
                    .err()
                    .unwrap_or_default(),
            );
            out
        }
        HouseholdState::Exited { .. } => check_exit(b, policy)
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter(|f| {
                f.code == "exit.no_worries_unresolved" || f.code == "exit.income_below_line"
            })
            .map(|f| Finding {
                severity: Severity::Warning,
                ..f
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A photo or fix that also names a household (`household_id`) must name its own.
fn check_household_link(named: Option<uuid::Uuid>, household: uuid::Uuid) -> Vec<Finding> {
    match named {
        Some(h) if h != household => vec![Finding::error(
            "bundle.wrong_household",
            "household_id",
            "记录所标的贫困户与其所属对象的贫困户不一致",
        )],
        _ => Vec::new(),
    }
}

/// A record judged on its own: why, and the rules that need nothing but the record.
pub(crate) fn judge_alone(alone: &Alone, a: &Assembly, ctx: &Context<'_>, raw: &mut Raw) {
    let i = alone.index;
    raw.judged[i] = true;
    // A record that does not read at all has said so; where it belongs is beside the point.
    let unread = a.decoded[i].typed.is_none();
    if let Some(why) = &alone.why
        && !(unread && why.code == "bundle.owner_missing")
    {
        raw.own[i].push(why.clone());
    }
    raw.own[i].extend(own_rules(&a.decoded[i].typed, ctx));
}

/// The rules over one record alone, paths relative to it.
pub(crate) fn own_rules(typed: &Option<Typed>, ctx: &Context<'_>) -> Vec<Finding> {
    let policy = ctx.policy;
    // A sheet whose household or village is unknown is judged as a sheet, not against an
    // exit year it cannot know.
    let sheet_year = Some(policy.year);
    match typed {
        None | Some(Typed::Household(_) | Typed::WorkTeamMember(_)) => Vec::new(),
        Some(Typed::Member(m)) => rules::member::check(m, policy),
        Some(Typed::MemberChange(c)) => {
            rules::member_change::check_member_change(c, policy, ctx.on())
        }
        Some(Typed::Procedure(p)) => crate::procedure::check(p),
        Some(Typed::HouseholdExitMeasures(m)) => {
            rules::measures::check_household_exit_measures(m, sheet_year, policy)
        }
        Some(Typed::ExitProcedure(p)) => crate::exit_procedure::check(p, &[], policy),
        Some(Typed::Visit(v)) => crate::visit::check(v),
        Some(Typed::GpsFix(fix)) => rules::gps::check_gps_fix(&fix.record, None, ctx.now),
        Some(Typed::Photo(photo)) => rules::gps::check_photo(&photo.record, None, ctx.now),
        Some(Typed::Village(v)) => rules::village::check_village(v, policy),
        Some(Typed::NaturalVillage(n)) => rules::village::check_natural_village(n),
        Some(Typed::VillageExitMeasures(m)) => {
            rules::measures::check_village_exit_measures(m, sheet_year, policy)
        }
        Some(Typed::HelpUnit(u)) => rules::help::check_help_unit(u),
        Some(Typed::Helper(h)) => rules::help::check_helper(h, &[]),
        Some(Typed::SpotCheck(c)) => c.check(),
        Some(Typed::ScreenedHousehold | Typed::VillageScreening) => Vec::new(),
        Some(Typed::Problem(p)) => crate::problem::check(p),
    }
}
