//! The year's policy as data (年度政策参数): income period, poverty line, which transfers
//! count, the age reference date. Rules take it as an argument so next year is new data,
//! not new code.

use serde::{Deserialize, Serialize};

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

/// The policy parameters of one year's dynamic management.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearPolicy {
    /// The data year (aar040), e.g. 2018.
    pub year: i32,
    /// First day of the income period (C6), Beijing date.
    pub income_period_start: Date,
    /// Last day of the income period, inclusive.
    pub income_period_end: Date,
    /// Per-capita net income a household must exceed to exit (W1), yuan per person per year.
    pub poverty_line: Money,
    /// Transfer items counted in income (C6). Items not listed are shown but not summed.
    pub counted_transfers: Vec<TransferItem>,
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
    /// A village may exit (W4) and an exited village is fine (W3) when its poverty incidence
    /// is below this many per cent.
    pub village_exit_incidence_percent: u32,
}

impl YearPolicy {
    /// Shangqiu 2018 (商脱贫组办〔2018〕48号): income period 2017-10-01 … 2018-09-30, line
    /// 3400 元, 低保金 and 养老保险金 counted (C6) along with the form's other regular transfers,
    /// field work from 2018-10-01, ages on 2018-12-31, compulsory school age 6–15, working age
    /// 16–65, village exit below 2 %.
    pub fn shangqiu_2018() -> YearPolicy {
        let date = |y, m, d| Date::new(y, m, d).unwrap_or_else(|_| unreachable_date());
        YearPolicy {
            year: 2018,
            income_period_start: date(2017, 10, 1),
            income_period_end: date(2018, 9, 30),
            poverty_line: Money::from_yuan(3400),
            counted_transfers: TransferItem::ALL.to_vec(),
            visits_from: date(2018, 10, 1),
            age_reference_date: date(2018, 12, 31),
            compulsory_school_age_min: 6,
            compulsory_school_age_max: 15,
            working_age_min: 16,
            working_age_max: 65,
            village_exit_incidence_percent: 2,
        }
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
}

// The constant dates above are valid; this keeps `unwrap()` out of library code.
fn unreachable_date() -> Date {
    Date::from_days_since_epoch(0)
}
