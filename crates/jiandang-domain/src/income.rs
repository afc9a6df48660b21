//! 三、上年度收入 (FORMS.md §1.7): the income items a collector enters and the totals the
//! domain derives from them (转移性收入, 财产性收入, 年收入, 纯收入, 人均纯收入).

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::policy::{TransferItem, YearPolicy};

/// Last year's income of a household, yuan over the policy's income period. Entered items are
/// `None` until answered (a blank is not 0: the national checks ask for 0 to be entered).
/// The `*_total`, `gross`, `net` and `net_per_capita` fields are derived ([`Income::derive`])
/// and never typed; rules recompute them rather than trust stored values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Income {
    /// 工资性收入 (aac073).
    pub wage: Option<Money>,
    /// 生产经营性收入 (aac071), gross.
    pub business_income: Option<Money>,
    /// 生产经营性支出 (aac074).
    pub business_expense: Option<Money>,
    /// 资产收益扶贫分红收入 (aac092).
    pub asset_dividend: Option<Money>,
    /// 其他财产性收入 (aac093).
    pub other_property: Option<Money>,
    /// 计划生育金 (aac076).
    pub family_planning: Option<Money>,
    /// 低保金 (aac077), counted (C6).
    pub minimum_allowance: Option<Money>,
    /// 特困供养金 / 五保金 (aac086).
    pub extreme_poverty_support: Option<Money>,
    /// 养老保险金 (aac087), counted (C6).
    pub pension: Option<Money>,
    /// 生态补偿金 (aac078).
    pub ecological_compensation: Option<Money>,
    /// 其他转移性收入 (aac083).
    pub other_transfer: Option<Money>,
    /// 财产性收入 (aac072) = 分红 + 其他财产性收入. Derived.
    pub property_total: Option<Money>,
    /// 转移性收入 (aac085) = the counted transfer items. Derived.
    pub transfer_total: Option<Money>,
    /// 年收入 (aac081) = 工资 + 经营收入 + 财产 + 转移. Derived.
    pub gross: Option<Money>,
    /// 纯收入 (aac079) = 年收入 − 生产经营性支出. Derived.
    pub net: Option<Money>,
    /// 人均纯收入 (aac082) = 纯收入 ÷ 家庭人口数 (members present), to the fen. Derived.
    pub net_per_capita: Option<Money>,
}

/// The derived totals of an [`Income`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IncomeTotals {
    pub property_total: Money,
    pub transfer_total: Money,
    pub gross: Money,
    pub net: Money,
    /// `None` when the household has no member present.
    pub net_per_capita: Option<Money>,
}

/// Why the totals could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncomeError {
    #[error("收入金额过大，无法计算")]
    Overflow,
}

impl Income {
    /// The amount of a transfer item (0 when blank).
    pub fn transfer(&self, item: TransferItem) -> Money {
        let v = match item {
            TransferItem::FamilyPlanning => self.family_planning,
            TransferItem::MinimumAllowance => self.minimum_allowance,
            TransferItem::ExtremePovertySupport => self.extreme_poverty_support,
            TransferItem::Pension => self.pension,
            TransferItem::EcologicalCompensation => self.ecological_compensation,
            TransferItem::Other => self.other_transfer,
        };
        v.unwrap_or(Money::ZERO)
    }

    /// Computes the totals per FORMS.md §1.7 for a household of `present_members` people,
    /// counting only the transfer items the policy counts. Blank items count as 0. Never
    /// panics: sums that overflow are an error.
    pub fn totals(
        &self,
        present_members: usize,
        policy: &YearPolicy,
    ) -> Result<IncomeTotals, IncomeError> {
        let z = |m: Option<Money>| m.unwrap_or(Money::ZERO);
        let sum = |items: &[Money]| -> Result<Money, IncomeError> {
            items.iter().try_fold(Money::ZERO, |acc, m| {
                acc.checked_add(*m).ok_or(IncomeError::Overflow)
            })
        };
        let property_total = sum(&[z(self.asset_dividend), z(self.other_property)])?;
        let counted: Vec<Money> = TransferItem::ALL
            .into_iter()
            .filter(|i| policy.counts(*i))
            .map(|i| self.transfer(i))
            .collect();
        let transfer_total = sum(&counted)?;
        let gross = sum(&[
            z(self.wage),
            z(self.business_income),
            property_total,
            transfer_total,
        ])?;
        let net = gross
            .fen()
            .checked_sub(z(self.business_expense).fen())
            .map(Money::from_fen)
            .ok_or(IncomeError::Overflow)?;
        let members = i64::try_from(present_members).map_err(|_| IncomeError::Overflow)?;
        Ok(IncomeTotals {
            property_total,
            transfer_total,
            gross,
            net,
            net_per_capita: net.div_round(members),
        })
    }

    /// This income with its derived fields filled in (what the app shows and stores).
    pub fn derive(&self, present_members: usize, policy: &YearPolicy) -> Income {
        let mut out = self.clone();
        match self.totals(present_members, policy) {
            Ok(t) => {
                out.property_total = Some(t.property_total);
                out.transfer_total = Some(t.transfer_total);
                out.gross = Some(t.gross);
                out.net = Some(t.net);
                out.net_per_capita = t.net_per_capita;
            }
            Err(IncomeError::Overflow) => {
                out.property_total = None;
                out.transfer_total = None;
                out.gross = None;
                out.net = None;
                out.net_per_capita = None;
            }
        }
        out
    }
}
