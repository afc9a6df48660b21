//! The year's policy as data (年度政策参数): where and when it applies, the income period, the
//! poverty line, which transfers count, the exit thresholds, the age reference date and the
//! year's timeline. A county's office sets it for its county and year; the server serves it
//! and a device keeps it with its snapshot, so every rule takes it as an argument and next
//! year (or another county) is new data, not new code.
//!
//! JSON form: `policies/shangqiu-2018.json` in this crate is the demo's (and a complete
//! example). [`YearPolicy::from_json`] reads and checks one.

use serde::{Deserialize, Serialize};

use crate::code_list;
use crate::money::Money;
use crate::time::Date;

/// A transfer-income item of the household form (转移性收入 sub-items, FORMS.md §1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferItem {
    /// 计划生育金 (aac076).
    FamilyPlanning,
    /// 低保金 (aac077).
    MinimumAllowance,
    /// 特困供养金 / 五保金 (aac086).
    ExtremePovertySupport,
    /// 养老保险金 (aac087).
    Pension,
    /// 生态补偿金 (aac078).
    EcologicalCompensation,
    /// 其他转移性收入 (aac083).
    Other,
}

impl TransferItem {
    pub const ALL: [TransferItem; 6] = [
        TransferItem::FamilyPlanning,
        TransferItem::MinimumAllowance,
        TransferItem::ExtremePovertySupport,
        TransferItem::Pension,
        TransferItem::EcologicalCompensation,
        TransferItem::Other,
    ];
}

code_list! {
    /// A phase of the year's timeline (NOTICE.md "Timeline").
    pub enum PhaseName: "phase", "2018", "工作阶段" {
        Deployment = ("deployment", "动员部署", "deployment and training"),
        FieldWork = ("field_work", "入户调查", "field work: appraisals, exits, identification, collection"),
        Entry = ("entry", "数据录入", "data entry; closes at the end of its last day"),
        Analysis = ("analysis", "数据分析", "analysis; the problem list goes to the counties"),
        Verification = ("verification", "问题核实", "field verification of the problem list"),
        Correction = ("correction", "数据整改", "corrections in the system"),
        Summary = ("summary", "总结上报", "summary report"),
    }
}

/// One phase of the timeline, with its Beijing dates (both inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub name: PhaseName,
    pub starts: Date,
    /// Inclusive: `entry` ending 2018-11-30 closes at 11-30 24:00 Beijing time.
    pub ends: Date,
    /// Whether devices may write records during the phase (the server's entry window).
    pub writes_open: bool,
    /// Whether, with writes closed, devices may still write the records an open problem is
    /// about (the verification and correction phases work through the problem list;
    /// `crate::phase`). Absent: no.
    #[serde(default)]
    pub problem_writes_open: bool,
}

/// Where a policy applies: the city or county whose office set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyArea {
    /// The leading digits of the administrative division code it covers (`4114` = 商丘市,
    /// every county under it; a six-digit code is one county).
    pub code: String,
    pub name: String,
}

impl PolicyArea {
    /// Whether the policy covers the place with this division code (a village's 12 digits).
    pub fn covers(&self, division_code: &str) -> bool {
        !self.code.is_empty() && division_code.starts_with(&self.code)
    }
}

/// The policy parameters of one year's dynamic management in one area, with the exit
/// evaluation's standard the county is held to that year (`evaluation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearPolicy {
    /// Where it applies.
    pub area: PolicyArea,
    /// The data year (aar040), e.g. 2018.
    pub year: i32,
    /// The document that sets it (for the county office and the exports).
    pub source: String,
    /// First day of the income period (C6), Beijing date.
    pub income_period_start: Date,
    /// Last day of the income period, inclusive.
    pub income_period_end: Date,
    /// Per-capita net income a household must exceed to exit (W1), yuan per person per year.
    pub poverty_line: Money,
    /// Transfer items counted in income (C6). Items not listed are shown but not summed.
    pub counted_transfers: Vec<TransferItem>,
    /// The fewest days the exit notice (退出公示) stays up in the village before the town may
    /// announce the exit (W1; the provincial procedure asks for a notice without objection,
    /// seven days is Henan's practice and our reading).
    pub exit_notice_min_days: u32,
    /// A village may exit (W4) and an exited village is fine (W3) when its poverty incidence
    /// is below this many per cent.
    pub village_exit_incidence_percent: u32,
    /// The first day of the year's door-to-door field work (the notice's timeline: 10-01): a
    /// household's 入户核实日期 on or after it is a visit of this year.
    pub visits_from: Date,
    /// The date ages are computed on (FORMS.md §7.4).
    pub age_reference_date: Date,
    /// Youngest age of compulsory education (义务教育), inclusive.
    pub compulsory_school_age_min: i32,
    /// Oldest age of compulsory education, inclusive.
    pub compulsory_school_age_max: i32,
    /// Youngest working age (劳动年龄), inclusive.
    pub working_age_min: i32,
    /// Oldest working age, inclusive.
    pub working_age_max: i32,
    /// The year's timeline, in order, not overlapping.
    pub phases: Vec<Phase>,
    /// The exit evaluation's thresholds (错退率, 漏评率, 群众认可度, incidence) the spot-check
    /// estimates are judged against (EVALUATION.md §2).
    pub evaluation: crate::evaluation::EvaluationPolicy,
}

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not a policy document at all.
    #[error("政策参数格式错误：{0}")]
    Syntax(String),
    /// A policy, but its values do not fit together.
    #[error("政策参数不一致：{0}")]
    Inconsistent(String),
}

impl YearPolicy {
    /// Shangqiu 2018 (商脱贫组办〔2018〕48号): income period 2017-10-01 … 2018-09-30, line
    /// 3400 元, 低保金 and 养老保险金 counted (C6) along with the form's other regular transfers,
    /// field work from 2018-10-01, entry closing 2018-11-30, ages on 2018-12-31, compulsory
    /// school age 6–15, working age 16–65, village exit below 2 %. The demo county's policy
    /// and the tests' one; nothing else takes it as a default.
    pub fn shangqiu_2018() -> YearPolicy {
        match YearPolicy::from_json(SHANGQIU_2018) {
            Ok(policy) => policy,
            // `tests/policy.rs` reads the embedded document, so this cannot happen in a build
            // that passed its tests.
            Err(e) => panic!("the embedded Shangqiu 2018 policy does not read: {e}"),
        }
    }

    /// Reads a policy document (the JSON form of this type) and checks that its values fit
    /// together.
    pub fn from_json(text: &str) -> Result<YearPolicy, PolicyError> {
        let policy: YearPolicy =
            serde_json::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        policy.check()?;
        Ok(policy)
    }

    /// Whether the values fit together: the income period in order, a positive line, age
    /// ranges in order, the phases in order and not overlapping.
    pub fn check(&self) -> Result<(), PolicyError> {
        let bad = |m: String| Err(PolicyError::Inconsistent(m));
        if self.income_period_start > self.income_period_end {
            return bad("收入计算期起始日期晚于截止日期".to_owned());
        }
        if self.poverty_line.fen() <= 0 {
            return bad("扶贫标准应大于0".to_owned());
        }
        if self.compulsory_school_age_min > self.compulsory_school_age_max
            || self.working_age_min > self.working_age_max
        {
            return bad("年龄范围的下限大于上限".to_owned());
        }
        if self.village_exit_incidence_percent > 100 {
            return bad("贫困发生率标准应在0至100之间".to_owned());
        }
        for phase in &self.phases {
            if phase.starts > phase.ends {
                return bad(format!("阶段“{}”的开始日期晚于结束日期", zh(phase.name)));
            }
        }
        for pair in self.phases.windows(2) {
            if pair[1].starts <= pair[0].ends {
                return bad(format!(
                    "阶段“{}”与“{}”的日期重叠或顺序颠倒",
                    zh(pair[0].name),
                    zh(pair[1].name)
                ));
            }
        }
        Ok(())
    }

    /// Whether a transfer item counts toward income this year.
    pub fn counts(&self, item: TransferItem) -> bool {
        self.counted_transfers.contains(&item)
    }

    /// Age on the reference date of someone born on `birth`.
    pub fn age(&self, birth: Date) -> i32 {
        birth.age_on(self.age_reference_date)
    }

    /// Whether `age` is compulsory-education age.
    pub fn is_compulsory_school_age(&self, age: i32) -> bool {
        (self.compulsory_school_age_min..=self.compulsory_school_age_max).contains(&age)
    }

    /// Whether `age` is working age.
    pub fn is_working_age(&self, age: i32) -> bool {
        (self.working_age_min..=self.working_age_max).contains(&age)
    }

    /// Whether `date` falls in the income period.
    pub fn in_income_period(&self, date: Date) -> bool {
        (self.income_period_start..=self.income_period_end).contains(&date)
    }

    /// The phase `date` (Beijing) falls in, if any.
    pub fn phase_on(&self, date: Date) -> Option<&Phase> {
        self.phases
            .iter()
            .find(|p| (p.starts..=p.ends).contains(&date))
    }

    /// Whether devices may write records on `date` by the timeline (a county may still reopen
    /// a village after it; that is the server's).
    pub fn writes_open_on(&self, date: Date) -> bool {
        self.phase_on(date).is_some_and(|p| p.writes_open)
    }

    /// The last day of the data year: dates of the year's records (member changes, procedure
    /// steps) are not later than it.
    pub fn year_end(&self) -> Date {
        Date::new(self.year, 12, 31).unwrap_or(self.age_reference_date)
    }
}

/// The Shangqiu 2018 policy document.
pub const SHANGQIU_2018: &str = include_str!("../policies/shangqiu-2018.json");

fn zh(name: PhaseName) -> &'static str {
    crate::codes::Coded::zh(name)
}
