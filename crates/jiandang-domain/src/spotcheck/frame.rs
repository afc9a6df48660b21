//! The sampling frame (抽样框): the villages and households a plan draws from, as the register
//! stood at one version, with the attributes the strata need (EVALUATION.md §3.3). The server
//! reads it from its records; the domain only orders and checks it, so that the same frame
//! gives the same draw whatever order the rows came in.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codes::{HouseholdType, RiskFlag, VillageType};
use crate::codes::household::ExitStatus;
use crate::codes::village::VillageAttribute;
use crate::household::Household;
use crate::member::Member;
use crate::village::Village;

/// The version of the register a frame was read at: the server's change sequence number, so
/// the frame can be read again as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FrameVersion(pub u64);

/// A village of the frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameVillage {
    pub id: Uuid,
    /// The town (乡镇) the village belongs to: the first 9 digits of its division code, for
    /// town-level estimates; `None` when unknown.
    pub town: Option<String>,
    pub village_type: VillageType,
    /// 总户数: the size measure of a PPS draw.
    pub households: u32,
}

/// A household of the frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameHousehold {
    pub id: Uuid,
    pub village_id: Uuid,
    pub household_type: HouseholdType,
    /// Persons in the household (present members): the denominator of person-based rates.
    pub persons: u32,
    /// Where the household stands on the village roster (户编号 for a registered household),
    /// the order of a systematic draw.
    pub roster_key: String,
    /// Risk flags of a non-registered household (§3.3); empty for registered ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risk: Vec<RiskFlag>,
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("抽样框中村 {0} 重复")]
    DuplicateVillage(Uuid),
    #[error("抽样框中户 {0} 重复")]
    DuplicateHousehold(Uuid),
    #[error("户 {household} 所属的村 {village} 不在抽样框中")]
    UnknownVillage { household: Uuid, village: Uuid },
}

impl FrameError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::DuplicateVillage(_) => "spot.frame_duplicate_village",
            FrameError::DuplicateHousehold(_) => "spot.frame_duplicate_household",
            FrameError::UnknownVillage { .. } => "spot.frame_unknown_village",
        }
    }
}

/// A checked, canonically ordered frame. Villages are ordered by id, households by village,
/// roster key and id: the draw depends on the frame's content, never on the order it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FrameRows")]
pub struct Frame {
    version: FrameVersion,
    villages: Vec<FrameVillage>,
    households: Vec<FrameHousehold>,
}

/// A frame as rows, before it is checked and ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameRows {
    pub version: FrameVersion,
    pub villages: Vec<FrameVillage>,
    pub households: Vec<FrameHousehold>,
}

impl TryFrom<FrameRows> for Frame {
    type Error = FrameError;
    fn try_from(rows: FrameRows) -> Result<Frame, FrameError> {
        Frame::new(rows.version, rows.villages, rows.households)
    }
}

impl Frame {
    /// Checks and orders a frame: every id once, every household in a village of the frame.
    pub fn new(
        version: FrameVersion,
        mut villages: Vec<FrameVillage>,
        mut households: Vec<FrameHousehold>,
    ) -> Result<Frame, FrameError> {
        villages.sort_by_key(|v| v.id);
        for pair in villages.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(FrameError::DuplicateVillage(pair[0].id));
            }
        }
        let known: BTreeSet<Uuid> = villages.iter().map(|v| v.id).collect();
        let mut seen = BTreeSet::new();
        for h in &households {
            if !seen.insert(h.id) {
                return Err(FrameError::DuplicateHousehold(h.id));
            }
            if !known.contains(&h.village_id) {
                return Err(FrameError::UnknownVillage {
                    household: h.id,
                    village: h.village_id,
                });
            }
        }
        for h in &mut households {
            h.risk.sort();
            h.risk.dedup();
        }
        households.sort_by(|a, b| {
            (a.village_id, &a.roster_key, a.id).cmp(&(b.village_id, &b.roster_key, b.id))
        });
        Ok(Frame {
            version,
            villages,
            households,
        })
    }

    pub fn version(&self) -> FrameVersion {
        self.version
    }

    /// The villages, ordered by id.
    pub fn villages(&self) -> &[FrameVillage] {
        &self.villages
    }

    /// The households, ordered by village, roster key and id.
    pub fn households(&self) -> &[FrameHousehold] {
        &self.households
    }

    pub fn village(&self, id: Uuid) -> Option<&FrameVillage> {
        self.villages
            .binary_search_by_key(&id, |v| v.id)
            .ok()
            .map(|i| &self.villages[i])
    }

    pub fn household(&self, id: Uuid) -> Option<&FrameHousehold> {
        self.households.iter().find(|h| h.id == id)
    }

    /// Households and persons of the frame per stratum (village type × household type).
    pub fn strata(&self) -> BTreeMap<(VillageType, HouseholdType), StratumSize> {
        self.strata_within(&self.villages.iter().map(|v| v.id).collect())
    }
}

/// The size of a stratum in the frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumSize {
    pub households: u32,
    pub persons: u64,
}

impl VillageType {
    /// The village type of a village record: from 村属性, with an exit year making a poor
    /// village an exited one. `None` when 村属性 is not filled in.
    pub fn of(village: &Village) -> Option<VillageType> {
        match village.basic.attribute? {
            VillageAttribute::Exited => Some(VillageType::PoorExited),
            VillageAttribute::Poor if village.basic.exit_year.is_some() => {
                Some(VillageType::PoorExited)
            }
            VillageAttribute::Poor => Some(VillageType::PoorNotExited),
            VillageAttribute::NotPoor => Some(VillageType::NotPoor),
        }
    }
}

impl HouseholdType {
    /// The stratum of a registered household in the plan's `year`: exited that year, exited
    /// earlier, or not exited (预脱贫 and 返贫 included). `None` while 脱贫状态 is not filled in,
    /// or an exited household has no 脱贫年度: the frame leaves such households out and the
    /// caller lists them.
    pub fn of_registered(household: &Household, year: i32) -> Option<HouseholdType> {
        match household.basic.status? {
            ExitStatus::Exited | ExitStatus::ExitedNoPolicy => {
                let exit_year = household.basic.exit_year?;
                Some(if exit_year == year {
                    HouseholdType::ExitedThisYear
                } else {
                    HouseholdType::ExitedEarlier
                })
            }
            ExitStatus::NotExited | ExitStatus::PreExit | ExitStatus::Returned => {
                Some(HouseholdType::NotExited)
            }
        }
    }
}

impl FrameVillage {
    /// The frame row of a village record; `None` when its type is unknown.
    pub fn of(village: &Village) -> Option<FrameVillage> {
        Some(FrameVillage {
            id: village.id,
            town: village
                .basic
                .division_code
                .as_deref()
                .filter(|c| c.len() >= 9 && c.is_ascii())
                .map(|c| c[..9].to_owned()),
            village_type: VillageType::of(village)?,
            households: village.population.households.unwrap_or(0),
        })
    }
}

impl FrameHousehold {
    /// The frame row of a registered household with its members; `None` when its stratum is
    /// unknown (see [`HouseholdType::of_registered`]).
    pub fn registered(
        household: &Household,
        members: &[Member],
        year: i32,
    ) -> Option<FrameHousehold> {
        let persons = members
            .iter()
            .filter(|m| m.household_id == household.id && m.is_present())
            .count();
        Some(FrameHousehold {
            id: household.id,
            village_id: household.village_id,
            household_type: HouseholdType::of_registered(household, year)?,
            persons: u32::try_from(persons).unwrap_or(u32::MAX),
            roster_key: household
                .basic
                .household_number
                .clone()
                .unwrap_or_else(|| household.id.to_string()),
            risk: Vec::new(),
        })
    }

    /// The frame row of a non-registered household from a village roster or a department's
    /// list (民政 低保/特困, 残联, 住建 危房): high-risk when a high-risk flag is set.
    pub fn non_registered(
        id: Uuid,
        village_id: Uuid,
        persons: u32,
        roster_key: String,
        risk: Vec<RiskFlag>,
    ) -> FrameHousehold {
        let household_type = if risk.iter().any(|r| r.is_high_risk()) {
            HouseholdType::NonRegisteredHighRisk
        } else {
            HouseholdType::NonRegistered
        };
        FrameHousehold {
            id,
            village_id,
            household_type,
            persons,
            roster_key,
            risk,
        }
    }
}

impl Frame {
    /// [`Frame::strata`] over the villages in `villages` only (a town, one village).
    pub fn strata_within(
        &self,
        villages: &BTreeSet<Uuid>,
    ) -> BTreeMap<(VillageType, HouseholdType), StratumSize> {
        let types: BTreeMap<Uuid, VillageType> = self
            .villages
            .iter()
            .filter(|v| villages.contains(&v.id))
            .map(|v| (v.id, v.village_type))
            .collect();
        let mut out: BTreeMap<(VillageType, HouseholdType), StratumSize> = BTreeMap::new();
        for h in &self.households {
            if let Some(vt) = types.get(&h.village_id) {
                let size = out.entry((*vt, h.household_type)).or_default();
                size.households += 1;
                size.persons += u64::from(h.persons);
            }
        }
        out
    }
}
