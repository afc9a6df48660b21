//! The indicators a county office reads before the evaluators come (EVALUATION.md §2, §8.3–
//! §8.5, §9.4): 错退率 and 漏评率 as person-based ratio estimates from household samples,
//! stratified and weighted back to the frame, 群众认可度 over the surveyed households, each with
//! its interval and the decision (likely pass / likely fail / uncertain, with how many more
//! households would settle it), per village, town and county.
//!
//! Clusters: within one village the households are the clusters; across villages the
//! villages are (two-stage design, §8.3), their totals forming the ratio's clusters. A
//! stratum sampled in a single village falls back to households.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::check::{ScreenedHousehold, SpotCheck, VillageScreening};
use super::codes::{HouseholdType, Indicator, RiskFlag, VillageType};
use super::draw::DrawnHousehold;
use super::frame::Frame;
use super::policy::{EvaluationPolicy, Rate};
use super::stats::{
    self, Direction, Interval, IntervalMethod, RatioEstimate, RatioUnit, SampleState, StatsError,
    StratumEstimate, Verdict,
};

/// One surveyed household as the estimates see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdResult {
    pub village_id: Uuid,
    pub household_type: HouseholdType,
    /// Persons in the household (mᵢ).
    pub persons: u32,
    /// 错退 persons found (yᵢ of 错退率); 0 for a household that has not exited.
    pub wrong_exit_persons: u32,
    /// 漏评 persons found at this household: members missing from a registered household, or
    /// the whole of a non-registered household suspected 漏评.
    pub missed_persons: u32,
    /// 是否认可, when asked.
    pub recognises: Option<bool>,
}

impl HouseholdResult {
    /// A drawn household's check. `registered_persons` is the register's count of present
    /// members, used when the checkers listed none.
    pub fn of_check(
        check: &SpotCheck,
        drawn: &DrawnHousehold,
        registered_persons: u32,
    ) -> HouseholdResult {
        let wrong_exit = if drawn.household_type.is_exited() {
            check.wrong_exit_persons()
        } else {
            0
        };
        HouseholdResult {
            village_id: drawn.village_id,
            household_type: drawn.household_type,
            persons: check.persons(registered_persons),
            wrong_exit_persons: wrong_exit,
            missed_persons: check.missed_persons(),
            recognises: check.recognition.recognises,
        }
    }

    /// A screened non-registered household.
    pub fn of_screened(screened: &ScreenedHousehold) -> HouseholdResult {
        let high_risk = screened.risk.iter().any(|r| RiskFlag::is_high_risk(*r));
        HouseholdResult {
            village_id: screened.village_id,
            household_type: if high_risk {
                HouseholdType::NonRegisteredHighRisk
            } else {
                HouseholdType::NonRegistered
            },
            persons: screened
                .persons
                .unwrap_or_else(|| u32::try_from(screened.members.len()).unwrap_or(u32::MAX)),
            wrong_exit_persons: 0,
            missed_persons: screened.missed_persons(),
            recognises: screened.recognition.recognises,
        }
    }
}

/// A screened village's non-registered population: the 漏评率 denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenedVillage {
    pub village_id: Uuid,
    pub non_registered_persons: u32,
}

impl ScreenedVillage {
    /// From the village screening record; `None` until the population is filled in.
    pub fn of(screening: &VillageScreening) -> Option<ScreenedVillage> {
        Some(ScreenedVillage {
            village_id: screening.village_id,
            non_registered_persons: screening.non_registered_persons?,
        })
    }
}

/// Everything the checks found in one plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub households: Vec<HouseholdResult>,
    pub screened: Vec<ScreenedVillage>,
}

/// Where an estimate is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "level", content = "id")]
pub enum Scope {
    Village(Uuid),
    /// A town by the 9-digit division code of [`super::frame::FrameVillage::town`].
    Town(String),
    County,
}

/// A decision against one threshold (§8.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub threshold: Rate,
    pub verdict: Verdict,
    /// For an uncertain verdict: how many more households, at the rate found, would settle it;
    /// `None` when no sample would (or when not uncertain).
    pub more_households: Option<u32>,
}

/// One indicator in one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorEstimate {
    pub indicator: Indicator,
    /// The raw count of findings (persons; households for 认可度 count those recognising),
    /// shown beside the rate since any verified 错退/漏评 is a problem to fix (§8.5).
    pub found: u32,
    /// The sample's denominator (persons; households for 认可度).
    pub base: u32,
    /// Households surveyed.
    pub households: u32,
    /// The estimate with its interval.
    pub interval: Interval,
    pub method: IntervalMethod,
    /// The design effect behind the interval (≥ 1).
    pub design_effect: f64,
    /// Against the official threshold.
    pub decision: Decision,
    /// Against the policy's stricter internal target (错退率 and 漏评率), when it has one.
    pub internal: Option<Decision>,
}

/// The three indicators of one scope; an indicator with no sample in the scope is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeEstimates {
    pub scope: Scope,
    pub wrong_exit: Option<IndicatorEstimate>,
    pub missed: Option<IndicatorEstimate>,
    pub recognition: Option<IndicatorEstimate>,
}

/// The indicators of `scope` from a plan's results. `method` overrides the policy's default
/// interval; `assumed_rho` is the intra-village correlation assumed where the sample cannot
/// show its own design effect (a rate of 0, §8.2).
pub fn estimate(
    scope: &Scope,
    frame: &Frame,
    results: &Results,
    policy: &EvaluationPolicy,
    method: Option<IntervalMethod>,
    assumed_rho: f64,
) -> Result<ScopeEstimates, StatsError> {
    let method = method.unwrap_or(policy.interval);
    let confidence = policy.confidence.fraction();
    let in_scope: BTreeSet<Uuid> = frame
        .villages()
        .iter()
        .filter(|v| match scope {
            Scope::Village(id) => v.id == *id,
            Scope::Town(town) => v.town.as_deref() == Some(town.as_str()),
            Scope::County => true,
        })
        .map(|v| v.id)
        .collect();
    let types: BTreeMap<Uuid, VillageType> = frame
        .villages()
        .iter()
        .map(|v| (v.id, v.village_type))
        .collect();
    let households: Vec<&HouseholdResult> = results
        .households
        .iter()
        .filter(|h| in_scope.contains(&h.village_id))
        .collect();
    let ctx = Ctx {
        confidence,
        method,
        assumed_rho,
        policy,
    };

    // 错退率: strata village type × exited household type, weighted by the frame's persons.
    let frame_strata = frame.strata_within(&in_scope);
    let mut strata: BTreeMap<(VillageType, HouseholdType), Vec<&HouseholdResult>> = BTreeMap::new();
    for h in households.iter().filter(|h| h.household_type.is_exited()) {
        if let Some(vt) = types.get(&h.village_id) {
            strata.entry((*vt, h.household_type)).or_default().push(h);
        }
    }
    let wrong_exit = if strata.is_empty() {
        None
    } else {
        let parts: Vec<(f64, Vec<(Uuid, RatioUnit)>)> = strata
            .iter()
            .map(|(key, hs)| {
                let population = frame_strata.get(key).map_or(0.0, |s| s.persons as f64);
                let units = hs
                    .iter()
                    .map(|h| {
                        (
                            h.village_id,
                            RatioUnit {
                                cases: f64::from(h.wrong_exit_persons),
                                persons: f64::from(h.persons),
                            },
                        )
                    })
                    .collect();
                (population, units)
            })
            .collect();
        let hs: Vec<&HouseholdResult> = strata.values().flatten().copied().collect();
        Some(ctx.indicator(
            Indicator::WrongExit,
            &parts,
            count(hs.len()),
            policy.wrong_exit_max,
            Direction::Below,
            true,
        )?)
    };

    // 漏评率: 漏评 persons in the screened villages over their screened non-registered
    // population, strata village types, each weighted by its population expanded from the
    // screened villages to the frame's villages of the type.
    let screened: Vec<&ScreenedVillage> = results
        .screened
        .iter()
        .filter(|s| in_scope.contains(&s.village_id) && s.non_registered_persons > 0)
        .collect();
    let missed = if screened.is_empty() {
        None
    } else {
        let mut by_type: BTreeMap<VillageType, Vec<(Uuid, RatioUnit)>> = BTreeMap::new();
        for s in &screened {
            let cases: u32 = households
                .iter()
                .filter(|h| h.village_id == s.village_id)
                .map(|h| h.missed_persons)
                .sum();
            if let Some(vt) = types.get(&s.village_id) {
                by_type.entry(*vt).or_default().push((
                    s.village_id,
                    RatioUnit {
                        cases: f64::from(cases),
                        persons: f64::from(s.non_registered_persons),
                    },
                ));
            }
        }
        let parts: Vec<(f64, Vec<(Uuid, RatioUnit)>)> = by_type
            .into_iter()
            .map(|(vt, units)| {
                let villages_of_type = frame
                    .villages()
                    .iter()
                    .filter(|v| v.village_type == vt && in_scope.contains(&v.id))
                    .count() as f64;
                let screened_persons: f64 = units.iter().map(|(_, u)| u.persons).sum();
                let population = screened_persons * villages_of_type / units.len() as f64;
                (population, units)
            })
            .collect();
        let screened_ids: BTreeSet<Uuid> = screened.iter().map(|s| s.village_id).collect();
        let hs = households
            .iter()
            .filter(|h| screened_ids.contains(&h.village_id) && !h.household_type.is_registered())
            .count();
        Some(ctx.indicator(
            Indicator::Missed,
            &parts,
            count(hs),
            policy.missed_max,
            Direction::Below,
            true,
        )?)
    };

    // 群众认可度: recognising households over surveyed households, as defined (§2); one
    // stratum, villages as clusters.
    let asked: Vec<&HouseholdResult> = households
        .iter()
        .filter(|h| h.recognises.is_some())
        .copied()
        .collect();
    let recognition = if asked.is_empty() {
        None
    } else {
        let units: Vec<(Uuid, RatioUnit)> = asked
            .iter()
            .map(|h| {
                (
                    h.village_id,
                    RatioUnit {
                        cases: if h.recognises == Some(true) { 1.0 } else { 0.0 },
                        persons: 1.0,
                    },
                )
            })
            .collect();
        Some(ctx.indicator(
            Indicator::Recognition,
            &[(1.0, units)],
            count(asked.len()),
            policy.recognition_min,
            Direction::AtLeast,
            false,
        )?)
    };

    Ok(ScopeEstimates {
        scope: scope.clone(),
        wrong_exit,
        missed,
        recognition,
    })
}

struct Ctx<'a> {
    confidence: f64,
    method: IntervalMethod,
    assumed_rho: f64,
    policy: &'a EvaluationPolicy,
}

impl Ctx<'_> {
    /// One indicator from strata of (population weight, units tagged with their village).
    fn indicator(
        &self,
        indicator: Indicator,
        strata: &[(f64, Vec<(Uuid, RatioUnit)>)],
        households: u32,
        threshold: Rate,
        direction: Direction,
        internal: bool,
    ) -> Result<IndicatorEstimate, StatsError> {
        let mut parts = Vec::new();
        let (mut found, mut base) = (0.0, 0.0);
        for (population, units) in strata {
            let (ratio, per_cluster) = clustered(units)?;
            found += ratio.cases;
            base += ratio.persons;
            // Where the sample cannot show its design effect, assume §8.2's 1 + (m−1)ρ with
            // m the households per village cluster; households as clusters, or one village
            // screened whole, assume none.
            let assumed = stats::design_effect(per_cluster, self.assumed_rho);
            let n = ratio.effective_persons(assumed);
            let variance = ratio
                .variance
                .filter(|_| ratio.design_effect().is_some())
                .unwrap_or(ratio.ratio * (1.0 - ratio.ratio) / n);
            parts.push(StratumEstimate {
                population: *population,
                estimate: ratio.ratio,
                variance,
                sample: n,
            });
        }
        // A stratum whose population the frame lacks still counts at its sample's share.
        if parts.iter().all(|p| p.population <= 0.0) {
            for p in &mut parts {
                p.population = p.sample;
            }
        }
        let combined = stats::stratified(&parts)?;
        let interval = combined.interval(self.confidence, self.method)?;
        let design_effect = (base / combined.effective_sample).max(1.0);
        let state = SampleState {
            rate: combined.estimate,
            units: base,
            households: f64::from(households.max(1)),
            design_effect,
        };
        let decide = |t: Rate| -> Result<Decision, StatsError> {
            let verdict = stats::verdict(&interval, t.fraction(), direction);
            let more_households = if verdict == Verdict::Uncertain {
                stats::more_households(
                    &state,
                    t.fraction(),
                    direction,
                    self.confidence,
                    self.method,
                )?
            } else {
                None
            };
            Ok(Decision {
                threshold: t,
                verdict,
                more_households,
            })
        };
        Ok(IndicatorEstimate {
            indicator,
            found: to_count(found),
            base: to_count(base),
            households,
            interval,
            method: self.method,
            design_effect,
            decision: decide(threshold)?,
            internal: match self.policy.internal_target {
                Some(t) if internal => Some(decide(t)?),
                _ => None,
            },
        })
    }
}

/// The ratio estimate of units tagged with their village: village totals as clusters when
/// the units span two villages or more, else the units themselves; with the units per
/// cluster (1 when the units are the clusters).
fn clustered(units: &[(Uuid, RatioUnit)]) -> Result<(RatioEstimate, f64), StatsError> {
    let mut villages: BTreeMap<Uuid, RatioUnit> = BTreeMap::new();
    for (v, u) in units {
        let total = villages.entry(*v).or_insert(RatioUnit {
            cases: 0.0,
            persons: 0.0,
        });
        total.cases += u.cases;
        total.persons += u.persons;
    }
    if villages.len() >= 2 {
        let per_cluster = units.len() as f64 / villages.len() as f64;
        let totals: Vec<RatioUnit> = villages.into_values().collect();
        Ok((stats::ratio_estimate(&totals, 0.0)?, per_cluster))
    } else {
        let units: Vec<RatioUnit> = units.iter().map(|(_, u)| *u).collect();
        Ok((stats::ratio_estimate(&units, 0.0)?, 1.0))
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_count(x: f64) -> u32 {
    if x <= 0.0 {
        0
    } else {
        x.round().min(f64::from(u32::MAX)) as u32
    }
}
