//! The statistics of a pass-prediction (EVALUATION.md §8): intervals for one rate (Wilson by
//! default, Clopper–Pearson as an option), sample sizes, the design effect of clustered
//! samples, the person-based ratio estimator over household samples, stratified estimates,
//! the composite incidence and the decision of §8.5. Pure functions over counts.
//!
//! Counts are `f64` where the formulas allow effective (non-integer) sample sizes: a ratio
//! estimate from a clustered sample is turned into an interval through its effective sample
//! size, n / deff.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

pub use crate::evaluation::IntervalMethod;

/// A point estimate with a two-sided interval, all as fractions (0.02 = 2 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Why a statistic could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("样本为空，无法估计")]
    EmptySample,
    #[error("发现数 {found} 大于样本数 {sample}")]
    MoreFoundThanSampled { found: f64, sample: f64 },
    #[error("置信度须在 0 与 1 之间")]
    Confidence,
    #[error("比例须在 0 与 1 之间")]
    Proportion,
    #[error("精度（半宽）须大于 0")]
    HalfWidth,
}

impl StatsError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            StatsError::EmptySample => "spot.empty_sample",
            StatsError::MoreFoundThanSampled { .. } => "spot.more_found_than_sampled",
            StatsError::Confidence => "spot.bad_confidence",
            StatsError::Proportion => "spot.bad_proportion",
            StatsError::HalfWidth => "spot.bad_half_width",
        }
    }
}

/// The two-sided normal quantile of a confidence level: 1.959964 for 95 %.
pub fn z_value(confidence: f64) -> Result<f64, StatsError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::Confidence);
    }
    Ok(Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0))
}

/// The interval of a proportion with `found` of `sample` (§8.1). Both may be effective
/// (non-integer) counts. 0 and `sample` findings are handled explicitly: Clopper–Pearson's
/// lower bound is exactly 0 with none found and its upper bound exactly 1 with all found,
/// where the Beta quantile is undefined.
pub fn proportion_interval(
    found: f64,
    sample: f64,
    confidence: f64,
    method: IntervalMethod,
) -> Result<Interval, StatsError> {
    if !positive(sample) {
        return Err(StatsError::EmptySample);
    }
    if found.is_nan() || found < 0.0 || found > sample {
        return Err(StatsError::MoreFoundThanSampled { found, sample });
    }
    let z = z_value(confidence)?;
    let p = found / sample;
    let (lower, upper) = match method {
        IntervalMethod::Wilson => {
            let z2 = z * z;
            let denom = 1.0 + z2 / sample;
            let centre = (p + z2 / (2.0 * sample)) / denom;
            let half = z / denom * (p * (1.0 - p) / sample + z2 / (4.0 * sample * sample)).sqrt();
            // With none (all) found the bound is exactly 0 (1); rounding must not say otherwise.
            let lower = if found == 0.0 { 0.0 } else { centre - half };
            let upper = if found == sample { 1.0 } else { centre + half };
            (lower, upper)
        }
        IntervalMethod::ClopperPearson => {
            let alpha = 1.0 - confidence;
            let lower = if found == 0.0 {
                0.0
            } else {
                beta_quantile(found, sample - found + 1.0, alpha / 2.0)
            };
            let upper = if found == sample {
                1.0
            } else {
                beta_quantile(found + 1.0, sample - found, 1.0 - alpha / 2.0)
            };
            (lower, upper)
        }
    };
    Ok(Interval {
        estimate: p,
        lower: lower.clamp(0.0, 1.0),
        upper: upper.clamp(0.0, 1.0),
    })
}

/// The one-sided upper bound with no findings in `sample`: 1 − α^(1/n), about 3/n at 95 %
/// ("rule of three", §8.1).
pub fn zero_findings_upper(sample: f64, confidence: f64) -> Result<f64, StatsError> {
    if !positive(sample) {
        return Err(StatsError::EmptySample);
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::Confidence);
    }
    Ok(1.0 - (1.0 - confidence).powf(1.0 / sample))
}

/// Whether a bound is one-sided or two-sided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    One,
    Two,
}

/// The smallest sample with no findings whose exact upper bound falls below `threshold`
/// (§8.2: 149 for 2 % one-sided at 95 %, 183 two-sided).
pub fn zero_findings_size(
    threshold: f64,
    confidence: f64,
    sides: Sides,
) -> Result<u32, StatsError> {
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(StatsError::Proportion);
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(StatsError::Confidence);
    }
    let alpha = match sides {
        Sides::One => 1.0 - confidence,
        Sides::Two => (1.0 - confidence) / 2.0,
    };
    // 1 − α^(1/n) < t  ⇔  n > ln α / ln(1 − t).
    Ok(to_count(
        (alpha.ln() / (1.0 - threshold).ln()).floor() + 1.0,
    ))
}

/// Normal-approximation sample size for a half-width `half_width` around `p` (§8.2):
/// n = z² p(1−p) / E², rounded up.
pub fn normal_sample_size(p: f64, half_width: f64, confidence: f64) -> Result<u32, StatsError> {
    check_p_and_width(p, half_width)?;
    let z = z_value(confidence)?;
    Ok(to_count(
        (z * z * p * (1.0 - p) / (half_width * half_width)).ceil(),
    ))
}

/// The smallest sample whose Wilson interval around an observed `p` has a half-width of at
/// most `half_width` (§8.2: 223 for p = 2 %, ±2 pp).
pub fn wilson_sample_size(p: f64, half_width: f64, confidence: f64) -> Result<u32, StatsError> {
    check_p_and_width(p, half_width)?;
    let z = z_value(confidence)?;
    let wide = |n: u32| {
        let n = f64::from(n);
        let z2 = z * z;
        z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() > half_width
    };
    Ok(smallest(wide))
}

/// The smallest sample whose Wilson upper bound is expected to fall below `threshold` when
/// the true rate is `rate` (§8.2: about 750 persons at 1 %, 335 at 0.5 %, for 2 %). `None`
/// when the rate is not below the threshold: no sample would show it.
pub fn size_to_show_below(
    rate: f64,
    threshold: f64,
    confidence: f64,
) -> Result<Option<u32>, StatsError> {
    check_p_and_width(rate, threshold)?;
    if rate >= threshold {
        return Ok(None);
    }
    let z = z_value(confidence)?;
    let above = |n: u32| wilson_upper(rate, f64::from(n), z) >= threshold;
    Ok(Some(smallest(above)))
}

/// Finite population correction (§8.2): n = n₀ / (1 + (n₀−1)/N), rounded up; never more than
/// the population.
pub fn finite_population(n0: u32, population: u32) -> u32 {
    if population == 0 {
        return 0;
    }
    let n0f = f64::from(n0);
    let n = (n0f / (1.0 + (n0f - 1.0) / f64::from(population))).ceil();
    to_count(n).min(population)
}

/// The design effect of a clustered sample (§8.2): deff ≈ 1 + (m−1)ρ, with m households per
/// village and ρ the intra-village correlation.
pub fn design_effect(per_cluster: f64, rho: f64) -> f64 {
    1.0 + (per_cluster - 1.0).max(0.0) * rho
}

/// A target precision for a stratum's size (§8.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    /// The rate expected (e.g. 0.02).
    pub expected: f64,
    /// The half-width wanted (e.g. 0.02 for ±2 pp).
    pub half_width: f64,
    pub confidence: f64,
    /// Design effect to multiply by (1 for an unclustered sample).
    pub design_effect: f64,
}

/// The sample a stratum of `population` units needs for `precision`: the Wilson size, times
/// the design effect, then corrected for the finite population (§8.2).
pub fn needed_size(precision: &Precision, population: u32) -> Result<u32, StatsError> {
    let n0 = wilson_sample_size(
        precision.expected,
        precision.half_width,
        precision.confidence,
    )?;
    let clustered = to_count((f64::from(n0) * precision.design_effect.max(1.0)).ceil());
    Ok(finite_population(clustered, population))
}

/// One cluster of a ratio estimate (§8.3): `cases` persons found (错退 or 漏评) among
/// `persons` persons of the denominator group. A cluster is a household, or a village when
/// the estimate spans villages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatioUnit {
    pub cases: f64,
    pub persons: f64,
}

/// A person-based rate from a cluster sample (§8.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatioEstimate {
    /// R̂ = Σ yᵢ / Σ mᵢ.
    pub ratio: f64,
    /// Var(R̂) ≈ (1−f) / (n(n−1) m̄²) · Σ (yᵢ − R̂ mᵢ)²; `None` with a single cluster.
    pub variance: Option<f64>,
    /// Clusters in the sample (n).
    pub clusters: usize,
    /// Σ yᵢ: the raw count of persons found, shown beside the rate (§8.5).
    pub cases: f64,
    /// Σ mᵢ.
    pub persons: f64,
}

/// The ratio estimator of §8.3 over `units`, with sampling fraction `sampling_fraction` (f).
pub fn ratio_estimate(
    units: &[RatioUnit],
    sampling_fraction: f64,
) -> Result<RatioEstimate, StatsError> {
    let cases: f64 = units.iter().map(|u| u.cases).sum();
    let persons: f64 = units.iter().map(|u| u.persons).sum();
    if units.is_empty() || persons <= 0.0 {
        return Err(StatsError::EmptySample);
    }
    if cases > persons || units.iter().any(|u| u.cases < 0.0 || u.persons < 0.0) {
        return Err(StatsError::MoreFoundThanSampled {
            found: cases,
            sample: persons,
        });
    }
    let ratio = cases / persons;
    let n = units.len() as f64;
    let variance = (units.len() >= 2).then(|| {
        let mean = persons / n;
        let ss: f64 = units
            .iter()
            .map(|u| (u.cases - ratio * u.persons).powi(2))
            .sum();
        (1.0 - sampling_fraction.clamp(0.0, 1.0)) / (n * (n - 1.0) * mean * mean) * ss
    });
    Ok(RatioEstimate {
        ratio,
        variance,
        clusters: units.len(),
        cases,
        persons,
    })
}

impl RatioEstimate {
    /// The design effect the sample shows: its variance over the variance of a simple random
    /// sample of as many persons. `None` where it cannot be estimated: a single cluster, or a
    /// rate of exactly 0 or 1 (no variation to measure).
    pub fn design_effect(&self) -> Option<f64> {
        let srs = self.ratio * (1.0 - self.ratio) / self.persons;
        match self.variance {
            Some(v) if srs > 0.0 => Some(v / srs),
            _ => None,
        }
    }

    /// The effective sample size: persons over the design effect. The design effect is the
    /// sample's own where it can be estimated, else `assumed` (from the design, §8.2); never
    /// below 1, so that chance homogeneity does not narrow the interval below a simple random
    /// sample's.
    pub fn effective_persons(&self, assumed_design_effect: f64) -> f64 {
        let deff = self
            .design_effect()
            .unwrap_or(assumed_design_effect)
            .max(1.0);
        self.persons / deff
    }

    /// The interval of the rate: the chosen method applied at the effective sample size.
    pub fn interval(
        &self,
        confidence: f64,
        method: IntervalMethod,
        assumed_design_effect: f64,
    ) -> Result<Interval, StatsError> {
        let n = self.effective_persons(assumed_design_effect);
        proportion_interval(self.ratio * n, n, confidence, method)
    }
}

/// One stratum of a stratified estimate (§8.4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StratumEstimate {
    /// N_h: the stratum's size in the population (persons or households, as the estimate).
    pub population: f64,
    /// p̂_h.
    pub estimate: f64,
    /// Var(p̂_h).
    pub variance: f64,
    /// The stratum's (effective) sample size, for the effective size of the whole.
    pub sample: f64,
}

/// A stratified estimate (§8.4): p̂ = Σ W_h p̂_h, Var = Σ W_h² Var(p̂_h), W_h = N_h / N.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StratifiedEstimate {
    pub estimate: f64,
    pub variance: f64,
    /// The effective sample size: p(1−p)/Var where that is defined, else Kish's
    /// 1 / Σ (W_h² / n_h) (a rate of 0 has no variance to measure).
    pub effective_sample: f64,
}

/// Combines strata (§8.4). Strata with no sample are left out of the weights: their share
/// cannot be estimated, and the caller reports them as not covered.
pub fn stratified(strata: &[StratumEstimate]) -> Result<StratifiedEstimate, StatsError> {
    let covered: Vec<&StratumEstimate> = strata
        .iter()
        .filter(|s| s.sample > 0.0 && s.population > 0.0)
        .collect();
    let total: f64 = covered.iter().map(|s| s.population).sum();
    if covered.is_empty() || total <= 0.0 {
        return Err(StatsError::EmptySample);
    }
    let mut estimate = 0.0;
    let mut variance = 0.0;
    let mut kish = 0.0;
    for s in &covered {
        let w = s.population / total;
        estimate += w * s.estimate;
        variance += w * w * s.variance;
        kish += w * w / s.sample;
    }
    let srs = estimate * (1.0 - estimate);
    let effective_sample = if variance > 0.0 && srs > 0.0 {
        srs / variance
    } else {
        1.0 / kish
    };
    Ok(StratifiedEstimate {
        estimate,
        variance,
        effective_sample,
    })
}

impl StratifiedEstimate {
    /// The interval at the effective sample size.
    pub fn interval(
        &self,
        confidence: f64,
        method: IntervalMethod,
    ) -> Result<Interval, StatsError> {
        let n = self.effective_sample;
        proportion_interval(self.estimate * n, n, confidence, method)
    }
}

/// What the county's register says, for the composite incidence (§8.4).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IncidenceBase {
    /// U: registered poor persons not yet exited.
    pub remaining_poor: f64,
    /// X: exited persons.
    pub exited: f64,
    /// Z: non-registered rural persons.
    pub non_registered: f64,
    /// P: rural population.
    pub rural_population: f64,
}

/// 综合贫困发生率 (§2, §8.4): CPI = (U + R̂_err·X + R̂_miss·Z) / P with
/// Var ≈ (X² Var(R̂_err) + Z² Var(R̂_miss)) / P²; the interval is normal, clamped to [0, 1].
pub fn composite_incidence(
    base: &IncidenceBase,
    wrong_exit: (f64, f64),
    missed: (f64, f64),
    confidence: f64,
) -> Result<Interval, StatsError> {
    if !positive(base.rural_population) {
        return Err(StatsError::EmptySample);
    }
    let p = base.rural_population;
    let estimate =
        (base.remaining_poor + wrong_exit.0 * base.exited + missed.0 * base.non_registered) / p;
    let variance =
        (base.exited.powi(2) * wrong_exit.1 + base.non_registered.powi(2) * missed.1) / (p * p);
    let half = z_value(confidence)? * variance.max(0.0).sqrt();
    Ok(Interval {
        estimate,
        lower: (estimate - half).clamp(0.0, 1.0),
        upper: (estimate + half).clamp(0.0, 1.0),
    })
}

/// Which side of its threshold an indicator must be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The rate must stay below the threshold (错退率, 漏评率, incidence).
    Below,
    /// The rate must reach the threshold (认可度).
    AtLeast,
}

/// The traffic light of §8.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval is on the right side of the threshold.
    LikelyPass,
    /// The whole interval is on the wrong side.
    LikelyFail,
    /// The interval straddles the threshold: sample more.
    Uncertain,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::LikelyPass, Verdict::LikelyFail, Verdict::Uncertain];

    /// The zh-CN label the county office reads.
    pub fn zh(self) -> &'static str {
        match self {
            Verdict::LikelyPass => "大概率达标",
            Verdict::LikelyFail => "大概率不达标",
            Verdict::Uncertain => "尚不确定，需增加样本",
        }
    }
}

/// Where an interval lies against a threshold (§8.5): for a rate that must stay below, pass
/// when the upper bound is below and fail when the lower bound is above; for 认可度, pass when
/// the lower bound is above and fail when the upper bound is below.
pub fn verdict(interval: &Interval, threshold: f64, direction: Direction) -> Verdict {
    match direction {
        Direction::Below if interval.upper < threshold => Verdict::LikelyPass,
        Direction::Below if interval.lower > threshold => Verdict::LikelyFail,
        Direction::AtLeast if interval.lower > threshold => Verdict::LikelyPass,
        Direction::AtLeast if interval.upper < threshold => Verdict::LikelyFail,
        _ => Verdict::Uncertain,
    }
}

/// A sample as the decision sees it: the rate found, and how many persons (or households, for
/// 认可度) it rests on, in how many households, at what design effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleState {
    pub rate: f64,
    /// The denominator persons (households for 认可度).
    pub units: f64,
    /// Households sampled.
    pub households: f64,
    /// Design effect assumed for more of the same sample (≥ 1).
    pub design_effect: f64,
}

/// How many more households would settle an uncertain indicator if the rate found held (§8.5),
/// keeping the persons per household and the design effect. `None` when no sample would: the
/// rate sits exactly on the threshold, or more than a million households would be needed.
pub fn more_households(
    state: &SampleState,
    threshold: f64,
    direction: Direction,
    confidence: f64,
    method: IntervalMethod,
) -> Result<Option<u32>, StatsError> {
    if !(state.households > 0.0 && state.units > 0.0) {
        return Err(StatsError::EmptySample);
    }
    if !(0.0..=1.0).contains(&state.rate) {
        return Err(StatsError::Proportion);
    }
    let per_household = state.units / state.households;
    let deff = state.design_effect.max(1.0);
    let unsettled = |households: u32| -> Result<bool, StatsError> {
        let n = f64::from(households) * per_household / deff;
        let interval = proportion_interval(state.rate * n, n, confidence, method)?;
        Ok(verdict(&interval, threshold, direction) == Verdict::Uncertain)
    };
    let have = to_count(state.households.ceil());
    if !unsettled(have)? {
        return Ok(Some(0));
    }
    const CAP: u32 = 1_000_000;
    if unsettled(CAP)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (have, CAP);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if unsettled(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(Some(hi - have))
}

/// A finite number above zero (NaN is not).
fn positive(x: f64) -> bool {
    x > 0.0 && x.is_finite()
}

fn wilson_upper(p: f64, n: f64, z: f64) -> f64 {
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    (p + z2 / (2.0 * n)) / denom + z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt()
}

fn beta_quantile(a: f64, b: f64, q: f64) -> f64 {
    // Both shapes are positive here (0 < found < sample is handled by the caller), so the
    // distribution exists; NaN would surface as a clamped bound, never a panic.
    Beta::new(a, b).map_or(f64::NAN, |d| d.inverse_cdf(q))
}

fn check_p_and_width(p: f64, width: f64) -> Result<(), StatsError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::Proportion);
    }
    if !positive(width) {
        return Err(StatsError::HalfWidth);
    }
    Ok(())
}

/// The smallest n ≥ 1 for which `too_small(n)` is false, for a predicate that is true up to
/// some n and false from there on.
fn smallest(too_small: impl Fn(u32) -> bool) -> u32 {
    if !too_small(1) {
        return 1;
    }
    let (mut lo, mut hi) = (1u32, 2u32);
    while too_small(hi) {
        if hi >= u32::MAX / 2 {
            return u32::MAX;
        }
        lo = hi;
        hi *= 2;
    }
    // too_small(lo) holds and too_small(hi) does not.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if too_small(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

fn to_count(x: f64) -> u32 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        x as u32
    }
}
