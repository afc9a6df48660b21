//! Exit-measure checklists (C4): 2018年脱贫户脱贫措施信息采集表 (FORMS.md §5.1) and
//! 2018年出列贫困村脱贫措施信息采集表 (§5.2). Collected only for households and villages that
//! exited in 2018; they list every kind of measure received over the years, each kind ticked
//! once even when received several times. The exit year is the household's (脱贫年度) or the
//! village's (出列年度), not repeated on the sheet.
//!
//! A checklist is a list of rows, one per ticked kind. The list is one field for sync (arrays
//! are leaves), so two collectors ticking different kinds of one sheet meet as a conflict the
//! county resolves, never as a silently doubled row.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::village::{HouseholdMeasureKind, VillageMeasureKind};
use crate::money::Money;
use crate::time::Date;

/// 2018年脱贫户脱贫措施信息采集表: the measures a household that exited received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HouseholdExitMeasures {
    pub id: Uuid,
    pub village_id: Uuid,
    /// The 脱贫户.
    pub household_id: Uuid,
    /// The ticked kinds, one row each.
    pub measures: Vec<HouseholdMeasure>,
    /// 备注.
    pub note: Option<String>,
}

/// One ticked row of the household checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdMeasure {
    pub kind: HouseholdMeasureKind,
    /// 首次享受年度.
    #[serde(default)]
    pub first_year: Option<i32>,
    /// 金额 (元), e.g. the loan of 扶贫小额信贷 or the subsidy of 危房改造.
    #[serde(default)]
    pub amount: Option<Money>,
    /// 实施单位.
    #[serde(default)]
    pub implementing_unit: Option<String>,
}

/// 2018年出列贫困村脱贫措施信息采集表: the measures an exited village received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VillageExitMeasures {
    pub id: Uuid,
    pub village_id: Uuid,
    /// The ticked rows.
    pub measures: Vec<VillageMeasure>,
    /// 备注.
    pub note: Option<String>,
}

/// One row of the village checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VillageMeasure {
    pub kind: VillageMeasureKind,
    /// 是否达标.
    #[serde(default)]
    pub met: Option<bool>,
    /// 建设项目/措施.
    #[serde(default)]
    pub project: Option<String>,
    /// 首次实施年度.
    #[serde(default)]
    pub first_year: Option<i32>,
    /// 投资 (元).
    #[serde(default)]
    pub investment: Option<Money>,
    /// 资金来源.
    #[serde(default)]
    pub funding_source: Option<String>,
    /// 实施单位.
    #[serde(default)]
    pub implementing_unit: Option<String>,
    /// 完成时间.
    #[serde(default)]
    pub completed_on: Option<Date>,
}
