//! The evaluation's thresholds as versioned data (评估考核标准): 错退率, 漏评率, 群众认可度 and
//! 综合贫困发生率 (EVALUATION.md §2, §9.4), the confidence the county office reads them at, and
//! an optional stricter internal target. Estimates take it as an argument, so another year or
//! province is new data, not new code: it is the `evaluation` of the year's policy document
//! (`policies/*.json`). A module of its own, below `policy` and `spotcheck`, so that the
//! year's policy can hold it without depending on the spot-checks.

use serde::{Deserialize, Serialize};

/// How an interval for a rate is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Wilson score interval: good near 0 and 1, the default (§8.1).
    Wilson,
    /// Clopper–Pearson exact interval from Beta quantiles: conservative (§8.1).
    ClopperPearson,
}

impl IntervalMethod {
    /// The method's name as a report prints it, zh-CN.
    pub fn zh(self) -> &'static str {
        match self {
            IntervalMethod::Wilson => "Wilson得分区间",
            IntervalMethod::ClopperPearson => "Clopper–Pearson精确区间",
        }
    }
}

/// A rate in basis points (万分之一): 200 is 2 %. Policy thresholds are exact data, so they
/// are integers; estimates are floating point fractions compared against [`Rate::fraction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rate(pub u32);

impl Rate {
    /// `n` per cent.
    pub const fn percent(n: u32) -> Rate {
        Rate(n * 100)
    }

    /// The rate as a fraction (0.02 for 2 %).
    pub fn fraction(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }
}

/// Which incidence threshold applies to a county (中部 < 2 %, 西部 < 3 %; EVALUATION.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// 中部地区 (Henan).
    Central,
    /// 西部地区.
    Western,
}

/// The exit evaluation's standard of one year and region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationPolicy {
    /// Stable id of this version of the standard, e.g. `henan-2018`.
    pub id: String,
    /// The evaluation year (the exits being evaluated).
    pub year: i32,
    /// The region whose incidence threshold applies.
    pub region: Region,
    /// 脱贫人口错退率 must be below this ("高于2%的不得退出").
    pub wrong_exit_max: Rate,
    /// 贫困人口漏评率 must be below this (2 % officially; some pages say 1 %, see §2 "traps").
    pub missed_max: Rate,
    /// 群众认可度 must reach this.
    pub recognition_min: Rate,
    /// 综合贫困发生率 must be below this in central China.
    pub incidence_max_central: Rate,
    /// 综合贫困发生率 must be below this in western China.
    pub incidence_max_western: Rate,
    /// A stricter internal target for 错退率 and 漏评率 that counties kept as a margin (about
    /// 1 %, [E:18]); when set, the decision is also shown against it.
    pub internal_target: Option<Rate>,
    /// Confidence of the intervals, e.g. 95 %.
    pub confidence: Rate,
    /// The interval method shown by default.
    pub interval: IntervalMethod,
}

impl EvaluationPolicy {
    /// The 2018 standard as Henan applied it to the Shangqiu counties (EVALUATION.md §1.2, §2):
    /// 错退率 < 2 %, 漏评率 < 2 %, 认可度 ≥ 90 %, incidence < 2 % (central; 3 % western), an
    /// internal target of 1 %, 95 % Wilson intervals.
    pub fn henan_2018() -> EvaluationPolicy {
        EvaluationPolicy {
            id: "henan-2018".to_owned(),
            year: 2018,
            region: Region::Central,
            wrong_exit_max: Rate::percent(2),
            missed_max: Rate::percent(2),
            recognition_min: Rate::percent(90),
            incidence_max_central: Rate::percent(2),
            incidence_max_western: Rate::percent(3),
            internal_target: Some(Rate::percent(1)),
            confidence: Rate::percent(95),
            interval: IntervalMethod::Wilson,
        }
    }

    /// The incidence threshold of this policy's region.
    pub fn incidence_max(&self) -> Rate {
        match self.region {
            Region::Central => self.incidence_max_central,
            Region::Western => self.incidence_max_western,
        }
    }
}
