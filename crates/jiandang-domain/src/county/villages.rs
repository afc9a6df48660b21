//! The checks of one village, over its form and all its households: the households that meet
//! the exit standard but did not exit (应退未退, W3), ranked as W1 asks; incomes far from the
//! village's (§7.2); households positioned far from the village and a village without a
//! position (C5); a village that meets the exit standard and did not exit (W4).
//!
//! **The 应退未退 ranking** ("谁更符合脱贫条件谁退", W1; our reading, documented in
//! docs/problems.md): a candidate is a poor household (未脱贫 or 返贫) whose record passes the
//! exit standard, W1's income over the line and W2's 两不愁三保障 as the exit gate judges them
//! (the gate's C9 update of this year's basic information is a step of the procedure, not of
//! the standard). Who meets it best comes first: (1) the larger margin of per-capita net
//! income over the line, in thousandths of the line (income most stably above it); then (2)
//! the larger share of members with labour capacity (普通 or 技能劳动力: the income is earned
//! and lasts); then (3) the fewer members seriously ill or disabled (the smaller risk of
//! falling back); then the household's id, so the order is total and the same everywhere.

use geo_types::Point;
use serde::Serialize;
use uuid::Uuid;

use crate::codes::household::{Health, LabourSkill};
use crate::codes::village::VillageAttribute;
use crate::exit::check_exit;
use crate::geo::distance_m;
use crate::judge::{Context, HouseholdEntry, Register, VillageEntry};
use crate::lifecycle::HouseholdState;
use crate::money::Money;
use crate::record::RecordKind;
use crate::rules::gps::MAX_DISTANCE_FROM_VILLAGE_M;
use crate::rules::village::check_village_exit;

use super::checks::{self, CheckDef};
use super::{Fault, Scope, ScopeKey};

/// The fewest households with an income a village needs before its outliers are judged (a
/// quartile of fewer says little).
pub const MIN_OUTLIER_HOUSEHOLDS: usize = 10;

/// An income is an outlier beyond this many interquartile ranges outside the quartiles
/// (Tukey's "far out" fences).
pub const OUTLIER_FENCES: i64 = 3;

/// A household that meets the exit standard but did not exit, and its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShouldExit {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub net_per_capita: Money,
    /// (per-capita net income − line) ÷ line, in thousandths.
    pub margin_permille: i64,
    /// Present members with labour capacity ÷ present members, in thousandths.
    pub labour_permille: i64,
    /// Present members seriously ill or disabled.
    pub frail: u32,
    /// 1 meets the standard best in its village.
    pub rank_in_village: u32,
    /// Candidates in its village.
    pub of_in_village: u32,
}

/// Every 应退未退 household of the register, best first county-wide (the ranking in the
/// module's docs), each with its place in its village.
pub fn should_exit_ranking(register: &Register, ctx: &Context<'_>) -> Vec<ShouldExit> {
    let mut all: Vec<ShouldExit> = register
        .households
        .iter()
        .filter_map(|h| candidate(h, ctx))
        .collect();
    all.sort_by(order);
    let mut counts: std::collections::BTreeMap<Uuid, u32> = std::collections::BTreeMap::new();
    for c in &mut all {
        let n = counts.entry(c.village_id).or_insert(0);
        *n += 1;
        c.rank_in_village = *n;
    }
    for c in &mut all {
        c.of_in_village = counts.get(&c.village_id).copied().unwrap_or(0);
    }
    all
}

fn order(a: &ShouldExit, b: &ShouldExit) -> std::cmp::Ordering {
    b.margin_permille
        .cmp(&a.margin_permille)
        .then(b.labour_permille.cmp(&a.labour_permille))
        .then(a.frail.cmp(&b.frail))
        .then(a.household_id.cmp(&b.household_id))
}

fn candidate(h: &HouseholdEntry, ctx: &Context<'_>) -> Option<ShouldExit> {
    let b = &h.bundle;
    let policy = ctx.policy;
    if !HouseholdState::at(&b.household, policy.year).is_poor() {
        return None;
    }
    if let Err(reasons) = check_exit(b, policy)
        && reasons
            .iter()
            .any(|f| f.code != "exit.basic_info_not_updated")
    {
        return None;
    }
    let present: Vec<_> = b.present_members().collect();
    let n = i64::try_from(present.len()).ok().filter(|n| *n > 0)?;
    let pc = b
        .household
        .income
        .totals(present.len(), policy)
        .ok()?
        .net_per_capita?;
    let line = policy.poverty_line.fen().max(1);
    let labour = present
        .iter()
        .filter(|m| {
            matches!(
                m.labour_skill,
                Some(LabourSkill::Ordinary | LabourSkill::Skilled)
            )
        })
        .count();
    let frail = present
        .iter()
        .filter(|m| m.health.contains(&Health::SeriousIllness) || m.is_disabled())
        .count();
    Some(ShouldExit {
        household_id: b.household.id,
        village_id: h.village_id,
        net_per_capita: pc,
        margin_permille: (pc.fen() - line).saturating_mul(1000) / line,
        labour_permille: i64::try_from(labour).unwrap_or(0) * 1000 / n,
        frail: u32::try_from(frail).unwrap_or(u32::MAX),
        rank_in_village: 0,
        of_in_village: 0,
    })
}

pub(crate) fn check(register: &Register, scope: &Scope, ctx: &Context<'_>) -> Vec<Fault> {
    let mut out = Vec::new();
    let covered = |v: Uuid| scope.covers(ScopeKey::Village(v));
    let policy = ctx.policy;
    for c in should_exit_ranking(register, ctx) {
        if !covered(c.village_id) {
            continue;
        }
        let def = &checks::SHOULD_EXIT;
        let mut f = household_fault(def, c.village_id, c.household_id, "basic.status");
        f.text = format!(
            "人均纯收入{}元，高于{}年扶贫标准{}元，两不愁三保障已解决，但未脱贫；在本村应退未退户中排第{}位（共{}户）",
            c.net_per_capita, policy.year, policy.poverty_line, c.rank_in_village, c.of_in_village
        );
        f.rank = Some(c.rank_in_village);
        out.push(f);
    }
    for v in &register.villages {
        if !covered(v.village_id) {
            continue;
        }
        let households: Vec<&HouseholdEntry> = register
            .households
            .iter()
            .filter(|h| h.village_id == v.village_id)
            .collect();
        out.extend(outliers(v.village_id, &households, ctx));
        out.extend(positions(v, &households));
        out.extend(village_should_exit(v, ctx));
    }
    out
}

fn household_fault(def: &CheckDef, village: Uuid, household: Uuid, path: &str) -> Fault {
    Fault {
        check: def.code,
        key: format!("{}|{household}|{path}", def.code),
        village_id: village,
        record_kind: Some(RecordKind::Household),
        record_id: Some(household),
        household_id: Some(household),
        path: path.to_owned(),
        text: String::new(),
        severity: def.severity,
        requirement: def.requirement,
        rank: None,
    }
}

/// §7.2: per-capita net incomes outside the village's far-out fences.
fn outliers(village: Uuid, households: &[&HouseholdEntry], ctx: &Context<'_>) -> Vec<Fault> {
    let incomes: Vec<(Uuid, i64)> = households
        .iter()
        .filter(|h| h.bundle.household.basic.status.is_some())
        .filter_map(|h| {
            let b = &h.bundle;
            let n = b.present_members().count();
            let pc = b
                .household
                .income
                .totals(n, ctx.policy)
                .ok()?
                .net_per_capita?;
            Some((b.household.id, pc.fen()))
        })
        .collect();
    if incomes.len() < MIN_OUTLIER_HOUSEHOLDS {
        return Vec::new();
    }
    let mut sorted: Vec<i64> = incomes.iter().map(|(_, x)| *x).collect();
    sorted.sort_unstable();
    let (q1, median, q3) = (
        quartile(&sorted, 1),
        quartile(&sorted, 2),
        quartile(&sorted, 3),
    );
    // A village whose incomes are nearly all alike has no spread to speak of: a tenth of the
    // median stands in for it, so a few yuan off the common value is not an outlier.
    let spread = (q3 - q1).max(median.abs() / 10).max(1);
    let (lo, hi) = (q1 - OUTLIER_FENCES * spread, q3 + OUTLIER_FENCES * spread);
    let yuan = |fen: i64| Money::from_fen(fen);
    incomes
        .into_iter()
        .filter(|(_, x)| *x < lo || *x > hi)
        .map(|(id, x)| {
            let def = &checks::INCOME_OUTLIER;
            let mut f = household_fault(def, village, id, "income.net_per_capita");
            f.text = format!(
                "人均纯收入{}元，{}本村贫困户的一般水平（中位数{}元，正常范围约{}至{}元）",
                yuan(x),
                if x > hi { "远高于" } else { "远低于" },
                yuan(median),
                yuan(lo.max(0)),
                yuan(hi)
            );
            f
        })
        .collect()
}

/// The `q`th quartile (1–3) of sorted values, linearly interpolated, in integers.
fn quartile(sorted: &[i64], q: usize) -> i64 {
    let n = sorted.len();
    if n == 0 {
        return 0;
    }
    let pos4 = q * (n - 1);
    let (i, rem) = (pos4 / 4, i64::try_from(pos4 % 4).unwrap_or(0));
    let lower = sorted[i];
    let upper = sorted.get(i + 1).copied().unwrap_or(lower);
    lower + (upper - lower) * rem / 4
}

/// C5: the village's position, and its households' positions against it.
fn positions(v: &VillageEntry, households: &[&HouseholdEntry]) -> Vec<Fault> {
    let mut out = Vec::new();
    let latest = |fixes: &[crate::geo::GpsFix]| -> Option<Point<f64>> {
        fixes.iter().max_by_key(|f| f.taken_at).map(|f| f.point)
    };
    let centre = v
        .form
        .as_ref()
        .and_then(|f| f.centre())
        .or_else(|| latest(&v.gps_fixes));
    if let (Some(form), Some(form_id)) = (&v.form, v.form_id)
        && v.gps_fixes.is_empty()
        && form.centre().is_none()
    {
        let def = &checks::VILLAGE_NO_GPS;
        out.push(Fault {
            check: def.code,
            key: format!("{}|{form_id}", def.code),
            village_id: v.village_id,
            record_kind: Some(RecordKind::Village),
            record_id: Some(form_id),
            household_id: None,
            path: "basic.longitude".to_owned(),
            text: "贫困村尚未采集GPS位置（村委会所在地）".to_owned(),
            severity: def.severity,
            requirement: def.requirement,
            rank: None,
        });
    }
    let Some(centre) = centre else {
        return out;
    };
    for h in households {
        let b = &h.bundle;
        let Some(at) = latest(&b.gps_fixes) else {
            continue;
        };
        let d = distance_m(centre, at);
        if d > MAX_DISTANCE_FROM_VILLAGE_M {
            let def = &checks::HOUSEHOLD_GPS_FAR;
            let mut f = household_fault(def, v.village_id, b.household.id, "");
            f.text = format!(
                "该户最近一次定位距村中心约{:.1}公里（超过{:.0}公里）",
                d / 1000.0,
                MAX_DISTANCE_FROM_VILLAGE_M / 1000.0
            );
            out.push(f);
        }
    }
    out
}

/// W4: a poor village that meets the village exit standard but has not exited.
fn village_should_exit(v: &VillageEntry, ctx: &Context<'_>) -> Option<Fault> {
    let (form, form_id, stats) = (v.form.as_ref()?, v.form_id?, v.stats.as_ref()?);
    if form.has_exited() || form.basic.attribute == Some(VillageAttribute::NotPoor) {
        return None;
    }
    if !check_village_exit(form, stats, ctx.policy).is_empty() {
        return None;
    }
    let incidence = stats.incidence()?;
    let def = &checks::VILLAGE_SHOULD_EXIT;
    Some(Fault {
        check: def.code,
        key: format!("{}|{form_id}", def.code),
        village_id: v.village_id,
        record_kind: Some(RecordKind::Village),
        record_id: Some(form_id),
        household_id: None,
        path: "basic.exit_year".to_owned(),
        text: format!(
            "贫困发生率为{}，低于{}%，出列条件各项均已达到，但尚未出列",
            incidence.display_percent(),
            ctx.policy.village_exit_incidence_percent
        ),
        severity: def.severity,
        requirement: def.requirement,
        rank: None,
    })
}
