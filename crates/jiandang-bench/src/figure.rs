//! What a benchmark reports: figures, each beside the baseline measured in the same run, the
//! targets of issue 5, and the correctness checks that must hold whatever the speed.

use serde::Serialize;

/// One measured figure and its baseline. `ratio` is `value / baseline`.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// The scenario: `snapshot`, `ingest`, `pull`, `device`, `photo`, `load`.
    pub scenario: &'static str,
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub baseline_name: String,
    pub baseline: f64,
    pub ratio: f64,
}

impl Figure {
    pub fn new(
        scenario: &'static str,
        name: impl Into<String>,
        value: f64,
        unit: &'static str,
        baseline_name: impl Into<String>,
        baseline: f64,
    ) -> Figure {
        Figure {
            scenario,
            name: name.into(),
            value,
            unit,
            baseline_name: baseline_name.into(),
            baseline,
            ratio: if baseline == 0.0 {
                0.0
            } else {
                value / baseline
            },
        }
    }
}

/// A target of issue 5 and whether this run met it.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

/// A correctness check: these must hold in every run, quick or full, fast machine or slow.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

impl Check {
    pub fn new(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            passed,
            detail: detail.into(),
        }
    }
}

/// A number as the table shows it: at most 3 significant decimals, no exponent.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        "0".to_owned()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}
