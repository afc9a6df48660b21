//! A village's bundle judged by the village rules (C3, C4, C5, C7, W3, W4), and the county's
//! help records judged together (C7).

use crate::finding::Finding;
use crate::record::StoredRecord;
use crate::rules;
use crate::village::{VillageAction, VillageBundle, VillageStats};

use super::assemble::{Assembly, HelpGroup, Typed, VillageGroup};
use super::household::own_rules;
use super::{Context, Extras, Raw};

pub(crate) fn judge(
    g: &VillageGroup,
    a: &Assembly,
    records: &[StoredRecord],
    ctx: &Context<'_>,
    extras: &Extras,
    raw: &mut Raw,
) {
    for i in g.indices() {
        raw.judged[i] = true;
    }
    let root = g.root.and_then(|r| match &a.decoded[r].typed {
        Some(Typed::Village(v)) => Some((r, v)),
        _ => None,
    });
    let Some((root, village)) = root else {
        // No village form (or one that does not read): each record on its own.
        for i in g.indices().into_iter().filter(|i| Some(*i) != g.root) {
            if g.root.is_none() && records[i].kind != crate::RecordKind::WorkTeamMember {
                raw.own[i].push(Finding::warning(
                    "bundle.owner_missing",
                    "",
                    "本村的贫困村信息采集表尚未录入，无法与之核对",
                ));
            }
            raw.own[i].extend(own_rules(&a.decoded[i].typed, ctx));
        }
        return;
    };
    let mut b = VillageBundle {
        village: village.as_ref().clone(),
        ..VillageBundle::default()
    };
    let mut layout = vec![("village".to_owned(), root)];
    for i in &g.natural_villages {
        if let Some(Typed::NaturalVillage(n)) = &a.decoded[*i].typed {
            layout.push((
                format!("natural_villages[{}]", b.natural_villages.len()),
                *i,
            ));
            b.natural_villages.push(n.clone());
        }
    }
    for i in &g.work_team_members {
        if let Some(Typed::WorkTeamMember(m)) = &a.decoded[*i].typed {
            layout.push((
                format!("work_team_members[{}]", b.work_team_members.len()),
                *i,
            ));
            b.work_team_members.push(m.clone());
        }
    }
    if let Some(i) = g.exit_measures
        && let Some(Typed::VillageExitMeasures(m)) = &a.decoded[i].typed
    {
        layout.push(("exit_measures".to_owned(), i));
        b.exit_measures = Some(m.clone());
    }
    for i in &g.gps_fixes {
        if let Some(Typed::GpsFix(fix)) = &a.decoded[*i].typed {
            layout.push((format!("gps_fixes[{}]", b.gps_fixes.len()), *i));
            b.gps_fixes.push(fix.record.clone());
        }
    }
    for i in &g.photos {
        if let Some(Typed::Photo(photo)) = &a.decoded[*i].typed {
            layout.push((format!("photos[{}]", b.photos.len()), *i));
            b.photos.push(photo.record.clone());
        }
    }
    // C7: the units the village picks from are the county's (their own findings are the
    // help set's).
    b.help_units = a
        .help
        .units
        .iter()
        .filter_map(|i| match &a.decoded[*i].typed {
            Some(Typed::HelpUnit(u)) => Some(u.clone()),
            _ => None,
        })
        .collect();
    b.stats = extras
        .stats
        .get(&g.village)
        .cloned()
        .or_else(|| stats(g, a, records));
    if extras.exit_villages.contains(&root) {
        b.requested_action = Some(VillageAction::Exit);
    }
    let findings = rules::village::check_village_rules(&b, ctx.policy, ctx.now, false);
    raw.split(findings, &layout, root);
}

/// The village's W3/W4 counts from its households among the records (those stored under its
/// village), with their members present; `None` when none is among them.
pub(crate) fn stats(
    g: &VillageGroup,
    a: &Assembly,
    records: &[StoredRecord],
) -> Option<VillageStats> {
    let households: Vec<(&crate::household::Household, u32)> = a
        .households
        .iter()
        .filter(|h| records[h.root].village_id == g.village)
        .filter_map(|h| match &a.decoded[h.root].typed {
            Some(Typed::Household(household)) => {
                let household: &crate::household::Household = household;
                let present = h
                    .members
                    .iter()
                    .filter(|i| {
                        matches!(&a.decoded[**i].typed, Some(Typed::Member(m)) if m.is_present())
                    })
                    .count();
                Some((household, u32::try_from(present).unwrap_or(u32::MAX)))
            }
            _ => None,
        })
        .collect();
    if households.is_empty() {
        return None;
    }
    let population = g
        .root
        .and_then(|r| match &a.decoded[r].typed {
            Some(Typed::Village(v)) => v.population.agricultural_population,
            _ => None,
        })
        .unwrap_or(0);
    Some(VillageStats::from_households(
        households.iter().map(|(h, n)| (*h, *n)),
        population,
    ))
}

/// The help units, helpers and work-team members together (`rules::help::check_help`), and
/// the photos and fixes of units and helpers on their own.
pub(crate) fn judge_help(h: &HelpGroup, a: &Assembly, ctx: &Context<'_>, raw: &mut Raw) {
    let all = h.indices();
    let Some(first) = all.first().copied() else {
        return;
    };
    for i in &all {
        raw.judged[*i] = true;
    }
    let mut layout = Vec::new();
    let (mut units, mut helpers, mut team) = (Vec::new(), Vec::new(), Vec::new());
    for i in &h.units {
        if let Some(Typed::HelpUnit(u)) = &a.decoded[*i].typed {
            layout.push((format!("help_units[{}]", units.len()), *i));
            units.push(u.clone());
        }
    }
    for i in &h.helpers {
        if let Some(Typed::Helper(x)) = &a.decoded[*i].typed {
            layout.push((format!("helpers[{}]", helpers.len()), *i));
            helpers.push(x.clone());
        }
    }
    for i in &h.work_team_members {
        if let Some(Typed::WorkTeamMember(m)) = &a.decoded[*i].typed {
            layout.push((format!("work_team_members[{}]", team.len()), *i));
            team.push(m.clone());
        }
    }
    let findings = rules::help::check_help(&units, &helpers, &team);
    raw.split(findings, &layout, first);
    for i in h.gps_fixes.iter().chain(&h.photos) {
        raw.own[*i].extend(own_rules(&a.decoded[*i].typed, ctx));
    }
}
