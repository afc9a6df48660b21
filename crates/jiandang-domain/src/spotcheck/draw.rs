//! The two-stage draw (两阶段抽样, EVALUATION.md §3.3): villages per village type by simple
//! random sampling or PPS on households, then households per stratum in the drawn villages by
//! systematic sampling from the roster or simple random sampling; strata taken whole where the
//! plan says so (the high-risk non-registered households, §3.3).
//!
//! The randomness is a seeded ChaCha20 stream (rand_chacha): the same seed and frame give the
//! same draw on every machine. Each village type and each (village, household type) pair reads
//! its own stream, so adding a stratum to a plan does not move the households of the others.
//! rand's sampling routines may change output between its releases; [`DRAW_ALGORITHM`] names
//! this code's version and a golden test pins one draw, so an upgrade that would change a
//! reproduction fails a test instead of changing a published plan silently.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::codes::{HouseholdDrawMethod, HouseholdType, VillageDrawMethod, VillageType};
use super::frame::{Frame, FrameHousehold, FrameVersion, FrameVillage};
use super::plan::{PlanSpec, Quota, Take};
use crate::codes::Coded;

/// The version of the draw algorithm. A reproduction must run the version that drew.
pub const DRAW_ALGORITHM: u32 = 1;

/// The seed of a draw. It comes in from the caller (the server draws it from the operating
/// system), so the domain stays pure. JSON: 16 hex digits, since JavaScript numbers cannot
/// hold 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seed(pub u64);

impl Serialize for Seed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:016x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.len() != 16 {
            return Err(serde::de::Error::custom("seed: 16 hex digits"));
        }
        u64::from_str_radix(&s, 16)
            .map(Seed)
            .map_err(|_| serde::de::Error::custom("seed: 16 hex digits"))
    }
}

/// A drawn village, with its inclusion probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawnVillage {
    pub village_id: Uuid,
    pub village_type: VillageType,
    /// π: the probability the design gave this village of being drawn.
    pub probability: f64,
    /// Taken with certainty by PPS (its size exceeds the sampling interval).
    #[serde(default)]
    pub certainty: bool,
}

/// A drawn household, with its inclusion probability (village × household stage), whose
/// inverse weights it back in estimates (§8.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawnHousehold {
    pub household_id: Uuid,
    pub village_id: Uuid,
    pub village_type: VillageType,
    pub household_type: HouseholdType,
    pub probability: f64,
}

/// How the first stage met its target for one village type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageOutcome {
    pub village_type: VillageType,
    /// Villages of this type in the frame.
    pub frame: u32,
    /// Villages wanted.
    pub target: u32,
    pub drawn: u32,
    /// Villages wanted that the frame did not have.
    pub shortfall: u32,
}

/// How the second stage met its target for one stratum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumOutcome {
    pub village_type: VillageType,
    pub household_type: HouseholdType,
    /// Households of the stratum in the frame (all villages of the type).
    pub frame: u32,
    /// Households of the stratum in the drawn villages: the most the draw could take.
    pub available: u32,
    /// Households wanted (for a stratum taken whole: the available ones).
    pub target: u32,
    pub drawn: u32,
    /// Households wanted that the drawn villages did not have.
    pub shortfall: u32,
}

/// The result of a draw: what was drawn, from what, and where a target was not met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    pub seed: Seed,
    pub frame_version: FrameVersion,
    pub algorithm: u32,
    /// In the order drawn.
    pub villages: Vec<DrawnVillage>,
    /// Grouped by village (in draw order) and stratum, in roster order within each.
    pub households: Vec<DrawnHousehold>,
    pub village_outcomes: Vec<VillageOutcome>,
    pub stratum_outcomes: Vec<StratumOutcome>,
}

impl Draw {
    /// Strata or village types whose target was not met.
    pub fn has_shortfall(&self) -> bool {
        self.village_outcomes.iter().any(|o| o.shortfall > 0)
            || self.stratum_outcomes.iter().any(|o| o.shortfall > 0)
    }

    pub fn contains_household(&self, id: Uuid) -> bool {
        self.households.iter().any(|h| h.household_id == id)
    }

    pub fn contains_village(&self, id: Uuid) -> bool {
        self.villages.iter().any(|v| v.village_id == id)
    }
}

/// Draws a plan's sample from a frame with a seed. Pure and deterministic.
pub(crate) fn draw(frame: &Frame, spec: &PlanSpec, seed: Seed) -> Draw {
    let mut villages = Vec::new();
    let mut village_outcomes = Vec::new();
    for (vt_index, vt) in VillageType::ALL.iter().copied().enumerate() {
        let Some(take) = spec.village_take(vt) else {
            continue;
        };
        let candidates: Vec<&FrameVillage> = frame
            .villages()
            .iter()
            .filter(|v| v.village_type == vt)
            .collect();
        let total = count(candidates.len());
        let target = match take {
            Take::All => total,
            Take::Count(n) => n,
        };
        let k = target.min(total);
        let mut rng = stream(seed, 1, vt_index as u64);
        let drawn = match spec.village_method {
            VillageDrawMethod::Simple => simple_villages(&candidates, k, &mut rng),
            VillageDrawMethod::Pps => pps_villages(&candidates, k, &mut rng),
        };
        village_outcomes.push(VillageOutcome {
            village_type: vt,
            frame: total,
            target,
            drawn: count(drawn.len()),
            shortfall: target - k,
        });
        villages.extend(drawn);
    }

    // The frame's households of each village, per household type, in roster order.
    let mut by_village: BTreeMap<(Uuid, HouseholdType), Vec<&FrameHousehold>> = BTreeMap::new();
    for h in frame.households() {
        by_village
            .entry((h.village_id, h.household_type))
            .or_default()
            .push(h);
    }
    let frame_strata = frame.strata();
    let empty = Vec::new();

    let mut picked: Vec<Vec<DrawnHousehold>> = vec![Vec::new(); villages.len()];
    let mut stratum_outcomes = Vec::new();
    for quota in spec.strata_in_order() {
        let (vt, ht) = (quota.village_type, quota.household_type);
        let drawn_here: Vec<usize> = (0..villages.len())
            .filter(|&i| villages[i].village_type == vt)
            .collect();
        let units: Vec<&Vec<&FrameHousehold>> = drawn_here
            .iter()
            .map(|&i| {
                by_village
                    .get(&(villages[i].village_id, ht))
                    .unwrap_or(&empty)
            })
            .collect();
        let available: Vec<u32> = units.iter().map(|u| count(u.len())).collect();
        let total_available: u32 = available.iter().sum();
        let (target, takes) = match quota.size {
            Quota::All => (total_available, available.clone()),
            Quota::Total(n) => (n, allocate(n, &available)),
            Quota::PerVillage(q) => {
                let n = q.saturating_mul(count(drawn_here.len()));
                (n, allocate(n, &available))
            }
        };
        let mut drawn = 0;
        for (slot, &vi) in drawn_here.iter().enumerate() {
            let take = takes[slot];
            if take == 0 {
                continue;
            }
            let pool = units[slot];
            let stream_id = (vi as u64) << 8 | ht_index(ht);
            let mut rng = stream(seed, 2, stream_id);
            let mut chosen = match spec.household_method {
                HouseholdDrawMethod::Systematic => systematic(pool.len(), take as usize, &mut rng),
                HouseholdDrawMethod::Simple => {
                    rand::seq::index::sample(&mut rng, pool.len(), take as usize).into_vec()
                }
            };
            chosen.sort_unstable();
            let within = f64::from(take) / pool.len() as f64;
            let village = &villages[vi];
            for i in chosen {
                picked[vi].push(DrawnHousehold {
                    household_id: pool[i].id,
                    village_id: village.village_id,
                    village_type: vt,
                    household_type: ht,
                    probability: village.probability * within,
                });
            }
            drawn += take;
        }
        stratum_outcomes.push(StratumOutcome {
            village_type: vt,
            household_type: ht,
            frame: frame_strata.get(&(vt, ht)).map_or(0, |s| s.households),
            available: total_available,
            target,
            drawn,
            shortfall: target.saturating_sub(drawn),
        });
    }
    Draw {
        seed,
        frame_version: frame.version(),
        algorithm: DRAW_ALGORITHM,
        villages,
        households: picked.into_iter().flatten().collect(),
        village_outcomes,
        stratum_outcomes,
    }
}

/// The ChaCha20 stream of one part of the draw.
fn stream(seed: Seed, stage: u64, part: u64) -> ChaCha20Rng {
    let mut rng = ChaCha20Rng::seed_from_u64(seed.0);
    rng.set_stream(stage << 56 | part);
    rng
}

fn ht_index(ht: HouseholdType) -> u64 {
    HouseholdType::ALL
        .iter()
        .position(|h| *h == ht)
        .unwrap_or(0) as u64
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn simple_villages(
    candidates: &[&FrameVillage],
    k: u32,
    rng: &mut ChaCha20Rng,
) -> Vec<DrawnVillage> {
    let total = candidates.len();
    if total == 0 || k == 0 {
        return Vec::new();
    }
    let probability = f64::from(k) / total as f64;
    rand::seq::index::sample(rng, total, k as usize)
        .into_iter()
        .map(|i| DrawnVillage {
            village_id: candidates[i].id,
            village_type: candidates[i].village_type,
            probability,
            certainty: k as usize == total,
        })
        .collect()
}

/// PPS without replacement: villages at least as large as the sampling interval are taken
/// with certainty (largest first, recomputing the interval), then randomised systematic PPS
/// over the rest in a shuffled order, in exact integer arithmetic. A village with no
/// household count still gets size 1, so it can be drawn.
fn pps_villages(candidates: &[&FrameVillage], k: u32, rng: &mut ChaCha20Rng) -> Vec<DrawnVillage> {
    let mut rest: Vec<&FrameVillage> = candidates.to_vec();
    let size = |v: &FrameVillage| u64::from(v.households.max(1));
    let mut out = Vec::new();
    let mut k = u64::from(k).min(rest.len() as u64);
    loop {
        if k == 0 {
            return out;
        }
        let total: u64 = rest.iter().map(|v| size(v)).sum();
        // The largest village that fills an interval (size·k ≥ total), first in frame order.
        let big = rest
            .iter()
            .enumerate()
            .filter(|(_, v)| size(v) * k >= total)
            .max_by(|(ia, a), (ib, b)| size(a).cmp(&size(b)).then(ib.cmp(ia)))
            .map(|(i, _)| i);
        let Some(i) = big else { break };
        let v = rest.remove(i);
        out.push(DrawnVillage {
            village_id: v.id,
            village_type: v.village_type,
            probability: 1.0,
            certainty: true,
        });
        k -= 1;
    }
    rest.shuffle(rng);
    let total: u64 = rest.iter().map(|v| size(v)).sum();
    // Village i covers [C_i·k, C_(i+1)·k); the points are start + j·total, j < k. As every
    // size·k < total, no village is hit twice, and each is hit with probability size·k/total.
    let start = rng.random_range(0..total);
    let mut j = 0u64;
    let mut cumulative = 0u64;
    for v in rest {
        let from = cumulative * k;
        cumulative += size(v);
        let to = cumulative * k;
        let point = start + j * total;
        if j < k && (from..to).contains(&point) {
            out.push(DrawnVillage {
                village_id: v.id,
                village_type: v.village_type,
                probability: (size(v) * k) as f64 / total as f64,
                certainty: false,
            });
            j += 1;
        }
    }
    out
}

/// Systematic sampling of `take` of `len` roster positions: a random start u in [0, len) and
/// the positions ⌊(u + j·len) / take⌋, j < take. Each position has probability take/len.
fn systematic(len: usize, take: usize, rng: &mut ChaCha20Rng) -> Vec<usize> {
    if take == 0 || len == 0 {
        return Vec::new();
    }
    let (len, take) = (len as u64, take.min(len) as u64);
    let start = rng.random_range(0..len);
    (0..take)
        .map(|j| ((start + j * len) / take) as usize)
        .collect()
}

/// Splits `n` households over villages with `available` households each: equal shares in draw
/// order (the first villages take the remainder), capped at what each has, and what a village
/// lacks handed round to villages with households to spare, one at a time in draw order.
fn allocate(n: u32, available: &[u32]) -> Vec<u32> {
    let villages = count(available.len());
    if villages == 0 {
        return Vec::new();
    }
    let (base, extra) = (n / villages, n % villages);
    let mut takes: Vec<u32> = available
        .iter()
        .enumerate()
        .map(|(i, &a)| (base + u32::from(count(i) < extra)).min(a))
        .collect();
    let mut missing = n - takes.iter().sum::<u32>();
    while missing > 0 {
        let mut moved = false;
        for (take, &a) in takes.iter_mut().zip(available) {
            if missing > 0 && *take < a {
                *take += 1;
                missing -= 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    takes
}
