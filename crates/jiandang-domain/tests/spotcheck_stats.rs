//! The estimate functions reproduce EVALUATION.md's worked figures (§2, §8.1–§8.5), each case
//! citing its section. Intervals are compared in percentage points to 0.01 pp.

use jiandang_domain::spotcheck::policy::{EvaluationPolicy, Rate, Region};
use jiandang_domain::spotcheck::stats::{
    Direction, IncidenceBase, Interval, IntervalMethod, Precision, RatioUnit, SampleState, Sides,
    StatsError, StratumEstimate, Verdict, composite_incidence, design_effect, finite_population,
    more_households, needed_size, normal_sample_size, proportion_interval, ratio_estimate,
    size_to_show_below, stratified, verdict, wilson_sample_size, zero_findings_size,
    zero_findings_upper,
};

const C95: f64 = 0.95;

/// Percentage points, rounded to two decimals.
fn pp(x: f64) -> f64 {
    (x * 10_000.0).round() / 100.0
}

fn check_interval(found: f64, n: f64, method: IntervalMethod, lower_pp: f64, upper_pp: f64) {
    let i = proportion_interval(found, n, C95, method).unwrap();
    assert!(
        (pp(i.lower) - lower_pp).abs() <= 0.01 && (pp(i.upper) - upper_pp).abs() <= 0.01,
        "{found}/{n} {method:?}: {:.4}–{:.4} %, expected {lower_pp}–{upper_pp} %",
        i.lower * 100.0,
        i.upper * 100.0
    );
}

/// §8.1: "Worked Wilson 95 % intervals (computed)". The document rounds some bounds to one
/// decimal (2.5 %, 86.1 %); those are given here to two, as computed.
#[test]
fn wilson_intervals_of_section_8_1() {
    for (x, n, lo, hi) in [
        (0.0, 150.0, 0.0, 2.50),
        (0.0, 300.0, 0.0, 1.26),
        (1.0, 300.0, 0.06, 1.86),
        (3.0, 300.0, 0.34, 2.90),
        (6.0, 300.0, 0.92, 4.29),
        (20.0, 1000.0, 1.30, 3.07),
        (270.0, 300.0, 86.08, 92.91),
        (285.0, 300.0, 91.92, 96.95),
    ] {
        check_interval(x, n, IntervalMethod::Wilson, lo, hi);
    }
    // The document's one-decimal figures, as it prints them.
    let i = proportion_interval(270.0, 300.0, C95, IntervalMethod::Wilson).unwrap();
    assert_eq!(
        ((i.lower * 1000.0).round(), (i.upper * 1000.0).round()),
        (861.0, 929.0)
    );
    // 285/300: the document prints 91.9–97.0 %; the upper bound is 96.947 %, which rounds to
    // 96.9 at one decimal: the 97.0 is a double rounding (96.947 → 96.95 → 97.0). 91.9 holds.
    let i = proportion_interval(285.0, 300.0, C95, IntervalMethod::Wilson).unwrap();
    assert_eq!((i.lower * 1000.0).round(), 919.0);
    assert_eq!((i.upper * 10_000.0).round(), 9695.0);
}

/// §8.1: Clopper–Pearson as an option; with 0 found the lower bound is exactly 0 and the
/// one-sided upper bound is 1 − α^(1/n) (≈ 3/n, the rule of three); with all found the upper
/// bound is exactly 1.
#[test]
fn clopper_pearson_handles_none_and_all_found_section_8_1() {
    // Two-sided 95 %: with 0 of n the upper bound is 1 − 0.025^(1/n).
    let i = proportion_interval(0.0, 300.0, C95, IntervalMethod::ClopperPearson).unwrap();
    assert_eq!(i.lower, 0.0);
    assert!(
        (i.upper - (1.0 - 0.025f64.powf(1.0 / 300.0))).abs() < 1e-9,
        "{i:?}"
    );
    let i = proportion_interval(300.0, 300.0, C95, IntervalMethod::ClopperPearson).unwrap();
    assert_eq!(i.upper, 1.0);
    assert!((i.lower - 0.025f64.powf(1.0 / 300.0)).abs() < 1e-9, "{i:?}");
    // Rule of three: the one-sided bound with none found is about 3/n.
    let u = zero_findings_upper(300.0, C95).unwrap();
    assert!((u - 3.0 / 300.0).abs() < 0.0002, "{u}");
    assert_eq!(pp(u), 0.99);
    // Exact intervals are wider than Wilson's: 1/300 and 20/1000 (values of the exact Beta
    // quantiles, as scipy's binomtest(...).proportion_ci('exact') gives them).
    check_interval(1.0, 300.0, IntervalMethod::ClopperPearson, 0.01, 1.84);
    check_interval(20.0, 1000.0, IntervalMethod::ClopperPearson, 1.23, 3.07);
    // Wilson's bounds with none or all found are exact too.
    let w = proportion_interval(0.0, 150.0, C95, IntervalMethod::Wilson).unwrap();
    assert_eq!(w.lower, 0.0);
    let w = proportion_interval(150.0, 150.0, C95, IntervalMethod::Wilson).unwrap();
    assert_eq!(w.upper, 1.0);
}

#[test]
fn an_empty_or_impossible_sample_is_an_error_not_a_number() {
    assert_eq!(
        proportion_interval(0.0, 0.0, C95, IntervalMethod::Wilson),
        Err(StatsError::EmptySample)
    );
    assert!(matches!(
        proportion_interval(4.0, 3.0, C95, IntervalMethod::ClopperPearson),
        Err(StatsError::MoreFoundThanSampled { .. })
    ));
    assert_eq!(
        ratio_estimate(&[], 0.0).unwrap_err().code(),
        "spot.empty_sample"
    );
}

/// §8.2: normal-approximation sizes for ±2 pp and ±1 pp at 95 %.
#[test]
fn normal_sample_sizes_of_section_8_2() {
    for (p, two, one) in [
        (0.5, 2401, 9604),
        (0.2, 1537, 6147),
        (0.1, 865, 3458),
        (0.05, 457, 1825),
        (0.02, 189, 753),
        (0.01, 96, 381),
    ] {
        assert_eq!(
            normal_sample_size(p, 0.02, C95).unwrap(),
            two,
            "p = {p}, ±2 pp"
        );
        assert_eq!(
            normal_sample_size(p, 0.01, C95).unwrap(),
            one,
            "p = {p}, ±1 pp"
        );
    }
}

/// §8.2: Wilson-based sizes for a half-width of at most 2 pp.
#[test]
fn wilson_sample_sizes_of_section_8_2() {
    for (p, n) in [
        (0.01, 150),
        (0.02, 223),
        (0.05, 469),
        (0.1, 868),
        (0.5, 2398),
    ] {
        assert_eq!(wilson_sample_size(p, 0.02, C95).unwrap(), n, "p = {p}");
    }
}

/// §8.2: showing a rate is below 2 %: 149 with zero findings one-sided, 183 two-sided; about
/// 750 persons if the true rate is 1 %, about 335 at 0.5 %.
#[test]
fn sizes_to_show_a_rate_below_two_percent_section_8_2() {
    assert_eq!(zero_findings_size(0.02, C95, Sides::One).unwrap(), 149);
    assert_eq!(zero_findings_size(0.02, C95, Sides::Two).unwrap(), 183);
    assert_eq!(size_to_show_below(0.005, 0.02, C95).unwrap(), Some(335));
    let at_one = size_to_show_below(0.01, 0.02, C95).unwrap().unwrap();
    assert!((740..=770).contains(&at_one), "about 750: {at_one}");
    assert_eq!(size_to_show_below(0.02, 0.02, C95).unwrap(), None);
}

/// §8.2: finite population correction and the design effect of clusters.
#[test]
fn finite_population_and_design_effect_section_8_2() {
    assert_eq!(finite_population(189, 500), 138);
    assert_eq!(finite_population(189, 1000), 160);
    // 189 / (1 + 188/50) = 39.7: a small stratum needs most of itself.
    assert_eq!(finite_population(189, 50), 40);
    assert_eq!(
        finite_population(5000, 10),
        10,
        "never more than the stratum has"
    );
    assert!((design_effect(15.0, 0.05) - 1.7).abs() < 1e-12);
    assert!((design_effect(15.0, 0.1) - 2.4).abs() < 1e-12);
    // The size a stratum needs: Wilson size, times the design effect, then the FPC.
    let precision = Precision {
        expected: 0.02,
        half_width: 0.02,
        confidence: C95,
        design_effect: 1.7,
    };
    // 223 × 1.7 = 379.1 → 380; in a stratum of 1 000: 380 / (1 + 379/1000) = 275.6 → 276.
    assert_eq!(needed_size(&precision, 1000).unwrap(), 276);
}

/// §8.3: the ratio estimator R̂ = Σy/Σm with Var ≈ (1−f)/(n(n−1)m̄²) Σ(y − R̂m)².
#[test]
fn ratio_estimator_section_8_3() {
    // Four exited households of 4, 3, 5 and 2 persons; the 3-person one exited wrongly.
    let units: Vec<RatioUnit> = [(0.0, 4.0), (3.0, 3.0), (0.0, 5.0), (0.0, 2.0)]
        .into_iter()
        .map(|(cases, persons)| RatioUnit { cases, persons })
        .collect();
    let r = ratio_estimate(&units, 0.0).unwrap();
    assert_eq!((r.cases, r.persons, r.clusters), (3.0, 14.0, 4));
    assert!((r.ratio - 3.0 / 14.0).abs() < 1e-12);
    // By hand: R = 3/14, m̄ = 3.5; residuals −12/14, 3 − 9/14, −15/14, −6/14.
    let rr = 3.0 / 14.0;
    let ss: f64 = [(0.0f64, 4.0f64), (3.0, 3.0), (0.0, 5.0), (0.0, 2.0)]
        .iter()
        .map(|(y, m)| (y - rr * m).powi(2))
        .sum();
    let expected = ss / (4.0 * 3.0 * 3.5 * 3.5);
    assert!((r.variance.unwrap() - expected).abs() < 1e-12);
    // The finite population correction scales it.
    let half = ratio_estimate(&units, 0.5).unwrap();
    assert!((half.variance.unwrap() - expected / 2.0).abs() < 1e-12);
    // One cluster: no variance to estimate.
    assert_eq!(ratio_estimate(&units[..1], 0.0).unwrap().variance, None);
    // Clustered findings widen the interval beyond a simple random sample of as many persons.
    let deff = r.design_effect().unwrap();
    assert!(deff > 1.0, "{deff}");
    let clustered = r.interval(C95, IntervalMethod::Wilson, 1.0).unwrap();
    let srs = proportion_interval(3.0, 14.0, C95, IntervalMethod::Wilson).unwrap();
    assert!(clustered.upper - clustered.lower > srs.upper - srs.lower);
}

/// §8.4: p̂ = Σ W_h p̂_h, Var = Σ W_h² Var(p̂_h), with W_h = N_h / N.
#[test]
fn stratified_estimate_section_8_4() {
    let strata = [
        StratumEstimate {
            population: 9000.0,
            estimate: 0.01,
            variance: 0.00004,
            sample: 300.0,
        },
        StratumEstimate {
            population: 1000.0,
            estimate: 0.05,
            variance: 0.0004,
            sample: 100.0,
        },
    ];
    let s = stratified(&strata).unwrap();
    assert!((s.estimate - (0.9 * 0.01 + 0.1 * 0.05)).abs() < 1e-12);
    assert!((s.variance - (0.81 * 0.00004 + 0.01 * 0.0004)).abs() < 1e-12);
    // A rate of 0 everywhere has no variance: Kish's effective size 1 / Σ W²/n is used.
    let zero = stratified(&[
        StratumEstimate {
            population: 1.0,
            estimate: 0.0,
            variance: 0.0,
            sample: 200.0,
        },
        StratumEstimate {
            population: 1.0,
            estimate: 0.0,
            variance: 0.0,
            sample: 200.0,
        },
    ])
    .unwrap();
    assert!((zero.effective_sample - 400.0).abs() < 1e-9);
}

/// §2 "Notes and traps": rural population 800 000, 4 000 not exited, 100 000 exited:
/// 错退 1 % and 漏评 1 % give 1.50 %; 漏评 2 % alone 2.24 % (fails); 错退 2 % alone 0.75 %.
#[test]
fn composite_incidence_illustration_section_2() {
    let base = IncidenceBase {
        remaining_poor: 4000.0,
        exited: 100_000.0,
        non_registered: 800_000.0 - 104_000.0,
        rural_population: 800_000.0,
    };
    let cpi = |err: f64, miss: f64| {
        composite_incidence(&base, (err, 0.0), (miss, 0.0), C95)
            .unwrap()
            .estimate
    };
    assert_eq!(pp(cpi(0.01, 0.01)), 1.50);
    assert_eq!(pp(cpi(0.0, 0.02)), 2.24);
    assert_eq!(pp(cpi(0.02, 0.0)), 0.75);
    let policy = EvaluationPolicy::henan_2018();
    assert!(cpi(0.0, 0.02) > policy.incidence_max().fraction());
    // §8.4: Var(CPI) = (X² Var_err + Z² Var_miss) / P²: the 漏评 sample drives it.
    let with_var = composite_incidence(&base, (0.01, 1e-5), (0.01, 1e-5), C95).unwrap();
    let sd = ((1e10 * 1e-5 + 696_000f64.powi(2) * 1e-5) / 6.4e11).sqrt();
    assert!((with_var.upper - with_var.estimate - 1.959964 * sd).abs() < 1e-6);
}

/// §8.5: likely pass when the upper bound is below the threshold, likely fail when the
/// lower bound is above it, otherwise uncertain with how many more households would settle
/// it; 认可度 the other way round.
#[test]
fn decision_section_8_5() {
    let wilson = |x: f64, n: f64| proportion_interval(x, n, C95, IntervalMethod::Wilson).unwrap();
    let two = Rate::percent(2).fraction();
    // 0/300 → 0–1.26 %: pass. 20/1000 → 1.30–3.07 %: uncertain. 6/100: fail (lower > 2 %).
    assert_eq!(
        verdict(&wilson(0.0, 300.0), two, Direction::Below),
        Verdict::LikelyPass
    );
    assert_eq!(
        verdict(&wilson(20.0, 1000.0), two, Direction::Below),
        Verdict::Uncertain
    );
    assert_eq!(
        verdict(&wilson(12.0, 200.0), two, Direction::Below),
        Verdict::LikelyFail
    );
    // 0/150 → upper 2.50 %: uncertain; at the same rate (0) 189 persons settle it, since the
    // Wilson upper bound with none found is z²/(n + z²) < 2 % from n = 189.
    let state = SampleState {
        rate: 0.0,
        units: 150.0,
        households: 50.0,
        design_effect: 1.0,
    };
    let more = more_households(&state, two, Direction::Below, C95, IntervalMethod::Wilson)
        .unwrap()
        .unwrap();
    assert_eq!(
        more,
        63 - 50,
        "189 persons at 3 per household is 63 households"
    );
    // docs/spot-checks.md's worked example: 3 错退 persons of 300 in 100 households give
    // 0.34–2.90 %, uncertain; if 1 % held, 151 more households of 3 (deff 1) settle it as a
    // pass: 753 persons put the Wilson upper bound at 1.9999 %.
    let three = wilson(3.0, 300.0);
    assert_eq!(verdict(&three, two, Direction::Below), Verdict::Uncertain);
    let example = SampleState {
        rate: 0.01,
        units: 300.0,
        households: 100.0,
        design_effect: 1.0,
    };
    assert_eq!(
        more_households(&example, two, Direction::Below, C95, IntervalMethod::Wilson).unwrap(),
        Some(151)
    );
    // A rate exactly on the threshold is never settled.
    let on = SampleState {
        rate: 0.02,
        ..state
    };
    assert_eq!(
        more_households(&on, two, Direction::Below, C95, IntervalMethod::Wilson).unwrap(),
        None
    );
    // 认可度: 285/300 → 91.9–97.0 %: pass against 90 %; 270/300 → 86.1–92.9 %: uncertain.
    let ninety = EvaluationPolicy::henan_2018().recognition_min.fraction();
    assert_eq!(
        verdict(&wilson(285.0, 300.0), ninety, Direction::AtLeast),
        Verdict::LikelyPass
    );
    assert_eq!(
        verdict(&wilson(270.0, 300.0), ninety, Direction::AtLeast),
        Verdict::Uncertain
    );
    assert_eq!(
        verdict(
            &Interval {
                estimate: 0.8,
                lower: 0.75,
                upper: 0.85
            },
            ninety,
            Direction::AtLeast
        ),
        Verdict::LikelyFail
    );
}

/// §2, §9.4: the thresholds are versioned data: 2 %, 2 %, 90 %, incidence 2 % / 3 %, an
/// internal target of 1 %.
#[test]
fn henan_2018_policy_is_data() {
    let p = EvaluationPolicy::henan_2018();
    assert_eq!(
        (p.wrong_exit_max, p.missed_max, p.recognition_min),
        (Rate(200), Rate(200), Rate(9000))
    );
    assert_eq!(p.incidence_max(), Rate(200));
    let western = EvaluationPolicy {
        region: Region::Western,
        ..p.clone()
    };
    assert_eq!(western.incidence_max(), Rate(300));
    assert_eq!(p.internal_target, Some(Rate(100)));
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["wrong_exit_max"], 200);
    assert_eq!(json["interval"], "wilson");
    let back: EvaluationPolicy = serde_json::from_value(json).unwrap();
    assert_eq!(back, p);
}
