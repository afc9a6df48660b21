//! Spot-check plans (抽查方案): what to draw (the spec: strata, sizes, methods), the draw, and
//! the plan's states. A plan is a draft until drawn; a drawn plan may be drawn again or edited
//! (the draw is thrown away); once published to the checkers it is locked: no method of
//! [`PublishedPlan`] changes its draw, and [`Plan::draw`] and [`Plan::edit`] refuse it, so no
//! endpoint built on these types can swap a household unseen (EVALUATION.md §3.3, §9.1).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codes::{HouseholdDrawMethod, HouseholdType, VillageDrawMethod, VillageType};
use super::draw::{self, DRAW_ALGORITHM, Draw, Seed};
use super::frame::Frame;
use super::stats::{Precision, StatsError, needed_size};
use crate::codes::Coded;
use crate::time::Timestamp;

/// How many villages of a type to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    Count(u32),
    /// Every village of the type.
    All,
}

/// How many households of a stratum to draw across its drawn villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    /// This many in all, shared equally among the drawn villages of the type.
    Total(u32),
    /// This many per drawn village (a "quick check" of 5 + 5 + 5, [E:35]); a village short
    /// of households hands its share to the others.
    PerVillage(u32),
    /// Every household of the stratum in the drawn villages (the high-risk sub-stratum, §3.3).
    All,
}

/// Villages to draw of one village type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageQuota {
    pub village_type: VillageType,
    pub take: Take,
}

/// Households to draw of one stratum (village type × household type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StratumQuota {
    pub village_type: VillageType,
    pub household_type: HouseholdType,
    pub size: Quota,
}

/// What a plan draws (EVALUATION.md §3.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSpec {
    /// The year evaluated: 当年脱贫户 are the households that exited in it.
    pub year: i32,
    pub village_method: VillageDrawMethod,
    pub household_method: HouseholdDrawMethod,
    /// Villages per village type; a type not listed is not drawn.
    pub villages: Vec<VillageQuota>,
    /// Households per stratum; a stratum not listed is not drawn.
    pub strata: Vec<StratumQuota>,
}

impl PlanSpec {
    /// A county "mock evaluation" as the evaluators ran one (EVALUATION.md §3.1–3.3): about
    /// 26 villages ([E:30]: 24–26; [E:11]: two poor villages for one non-poor), by PPS;
    /// about half the households inside the register and half outside ([E:29], [E:32]);
    /// every high-risk non-registered household of the drawn villages ([E:28]); households
    /// systematically from the roster ([E:33]). Per village: 16 of this year's exits, 8
    /// earlier exits, 6 not exited and 28 non-registered in a poor village; 6 + 4 + 2 and 38
    /// in a non-poor one: about 1 500 households in all. The split is our reading ([I]).
    pub fn mock_evaluation(year: i32) -> PlanSpec {
        use HouseholdType::*;
        use VillageType::*;
        let mut strata = Vec::new();
        for (vt, per) in [
            (PoorNotExited, [16, 8, 6, 28]),
            (PoorExited, [16, 8, 6, 28]),
            (NotPoor, [6, 4, 2, 38]),
        ] {
            for (ht, n) in [ExitedThisYear, ExitedEarlier, NotExited, NonRegistered]
                .into_iter()
                .zip(per)
            {
                strata.push(StratumQuota {
                    village_type: vt,
                    household_type: ht,
                    size: Quota::PerVillage(n),
                });
            }
            strata.push(StratumQuota {
                village_type: vt,
                household_type: NonRegisteredHighRisk,
                size: Quota::All,
            });
        }
        PlanSpec {
            year,
            village_method: VillageDrawMethod::Pps,
            household_method: HouseholdDrawMethod::Systematic,
            villages: vec![
                VillageQuota {
                    village_type: PoorNotExited,
                    take: Take::Count(8),
                },
                VillageQuota {
                    village_type: PoorExited,
                    take: Take::Count(10),
                },
                VillageQuota {
                    village_type: NotPoor,
                    take: Take::Count(8),
                },
            ],
            strata,
        }
    }

    /// A quick check of `villages` villages of every type, 15 households each: 5 not exited,
    /// 5 exited this year, 5 high-risk non-registered ([E:35]), by simple random sampling.
    pub fn quick_check(year: i32, villages: u32) -> PlanSpec {
        let mut strata = Vec::new();
        for vt in VillageType::ALL.iter().copied() {
            for ht in [
                HouseholdType::NotExited,
                HouseholdType::ExitedThisYear,
                HouseholdType::NonRegisteredHighRisk,
            ] {
                strata.push(StratumQuota {
                    village_type: vt,
                    household_type: ht,
                    size: Quota::PerVillage(5),
                });
            }
        }
        PlanSpec {
            year,
            village_method: VillageDrawMethod::Simple,
            household_method: HouseholdDrawMethod::Simple,
            villages: VillageType::ALL
                .iter()
                .map(|vt| VillageQuota {
                    village_type: *vt,
                    take: Take::Count(villages),
                })
                .collect(),
            strata,
        }
    }

    /// Every reason the spec cannot be drawn: a village type or stratum listed twice, or a
    /// stratum whose village type draws no village.
    pub fn check(&self) -> Result<(), PlanError> {
        let mut types = BTreeSet::new();
        for v in &self.villages {
            if !types.insert(v.village_type) {
                return Err(PlanError::Spec(format!(
                    "村类型「{}」重复",
                    v.village_type.zh()
                )));
            }
        }
        let mut strata = BTreeSet::new();
        for s in &self.strata {
            if !strata.insert((s.village_type, s.household_type)) {
                return Err(PlanError::Spec(format!(
                    "层「{} × {}」重复",
                    s.village_type.zh(),
                    s.household_type.zh()
                )));
            }
            if !types.contains(&s.village_type) {
                return Err(PlanError::Spec(format!(
                    "层「{} × {}」所在的村类型未设抽村数",
                    s.village_type.zh(),
                    s.household_type.zh()
                )));
            }
        }
        Ok(())
    }

    /// The sample each stratum needs for a target precision of a person-based rate (§8.2),
    /// in households: the persons needed over the stratum's mean household size in the
    /// frame. Strata the frame does not have are left out.
    pub fn needed_sizes(
        &self,
        frame: &Frame,
        precision: &Precision,
    ) -> Result<Vec<NeededSize>, StatsError> {
        let sizes = frame.strata();
        let mut out = Vec::new();
        for s in &self.strata {
            let Some(size) = sizes.get(&(s.village_type, s.household_type)) else {
                continue;
            };
            if size.households == 0 || size.persons == 0 {
                continue;
            }
            let persons = u32::try_from(size.persons).unwrap_or(u32::MAX);
            let needed_persons = needed_size(precision, persons)?;
            let per_household = size.persons as f64 / f64::from(size.households);
            let households =
                ((f64::from(needed_persons) / per_household).ceil() as u32).min(size.households);
            out.push(NeededSize {
                village_type: s.village_type,
                household_type: s.household_type,
                frame_households: size.households,
                frame_persons: size.persons,
                persons: needed_persons,
                households,
            });
        }
        Ok(out)
    }

    pub(crate) fn village_take(&self, vt: VillageType) -> Option<Take> {
        self.villages
            .iter()
            .find(|v| v.village_type == vt)
            .map(|v| v.take)
    }

    /// The strata in code-list order (village type, then household type), whatever order the
    /// spec lists them in: the draw depends on the content only.
    pub(crate) fn strata_in_order(&self) -> Vec<StratumQuota> {
        let rank = |s: &StratumQuota| {
            (
                VillageType::ALL.iter().position(|v| *v == s.village_type),
                HouseholdType::ALL
                    .iter()
                    .position(|h| *h == s.household_type),
            )
        };
        let mut strata = self.strata.clone();
        strata.sort_by_key(rank);
        strata
    }
}

/// The size a stratum needs for a precision (§8.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeededSize {
    pub village_type: VillageType,
    pub household_type: HouseholdType,
    pub frame_households: u32,
    pub frame_persons: u64,
    /// Persons needed.
    pub persons: u32,
    /// Households needed, at the stratum's mean household size.
    pub households: u32,
}

/// Why a plan operation was refused. Part 2's endpoints answer with [`PlanError::code`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("方案设置有误：{0}")]
    Spec(String),
    #[error("方案已发布，抽样结果已锁定，不能重抽或修改")]
    Locked,
    #[error("方案尚未抽样，不能发布或分配")]
    NotDrawn,
    #[error("抽样框版本 {frame} 与抽样所用版本 {drawn} 不同")]
    FrameVersion { drawn: u64, frame: u64 },
    #[error("按种子和抽样框重抽的结果与保存的抽样结果不一致")]
    DrawMismatch,
    #[error("抽样算法版本 {0} 不是本程序的版本，无法复核")]
    Algorithm(u32),
    #[error("户 {0} 不在本方案的抽中名单中")]
    HouseholdNotDrawn(Uuid),
    #[error("村 {0} 不在本方案的抽中村中")]
    VillageNotDrawn(Uuid),
    #[error("户 {0} 已分配给其他核查组")]
    HouseholdTaken(Uuid),
    #[error("核查组须由两名不同的核查人组成")]
    Pair,
    #[error("分配为空：请至少选择一户或一个村")]
    EmptyAssignment,
}

impl PlanError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::Spec(_) => "spot.plan_spec",
            PlanError::Locked => "spot.plan_locked",
            PlanError::NotDrawn => "spot.plan_not_drawn",
            PlanError::FrameVersion { .. } => "spot.frame_version",
            PlanError::DrawMismatch => "spot.draw_mismatch",
            PlanError::Algorithm(_) => "spot.draw_algorithm",
            PlanError::HouseholdNotDrawn(_) => "spot.household_not_drawn",
            PlanError::VillageNotDrawn(_) => "spot.village_not_drawn",
            PlanError::HouseholdTaken(_) => "spot.household_taken",
            PlanError::Pair => "spot.pair",
            PlanError::EmptyAssignment => "spot.empty_assignment",
        }
    }
}

/// A plan's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    /// 草稿.
    Draft,
    /// 已抽样: drawn, not yet shown to any checker.
    Drawn,
    /// 已发布: published to the checkers; the draw is locked.
    Published,
}

impl PlanState {
    pub const ALL: [PlanState; 3] = [PlanState::Draft, PlanState::Drawn, PlanState::Published];

    /// The zh-CN name the county office reads.
    pub fn zh(self) -> &'static str {
        match self {
            PlanState::Draft => "草稿",
            PlanState::Drawn => "已抽样",
            PlanState::Published => "已发布",
        }
    }
}

/// A plan being written: no draw yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftPlan {
    pub id: Uuid,
    /// 方案名称.
    pub title: String,
    pub spec: PlanSpec,
}

/// A drawn plan: its draw may still be thrown away (drawn again, or the spec edited).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawnPlan {
    id: Uuid,
    title: String,
    spec: PlanSpec,
    draw: Draw,
}

/// A published plan. Its fields are private and it has no method that changes them: the
/// draw it holds is the one the checkers were given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedPlan {
    id: Uuid,
    title: String,
    spec: PlanSpec,
    draw: Draw,
    published_at: Timestamp,
}

/// A plan in any state, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Plan {
    Draft(DraftPlan),
    Drawn(DrawnPlan),
    Published(PublishedPlan),
}

impl DraftPlan {
    pub fn new(id: Uuid, title: String, spec: PlanSpec) -> DraftPlan {
        DraftPlan { id, title, spec }
    }

    /// Draws the sample from `frame` with `seed`.
    pub fn draw(self, frame: &Frame, seed: Seed) -> Result<DrawnPlan, PlanError> {
        self.spec.check()?;
        let draw = draw::draw(frame, &self.spec, seed);
        Ok(DrawnPlan {
            id: self.id,
            title: self.title,
            spec: self.spec,
            draw,
        })
    }
}

impl DrawnPlan {
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn spec(&self) -> &PlanSpec {
        &self.spec
    }

    pub fn draw(&self) -> &Draw {
        &self.draw
    }

    /// Throws the draw away: back to a draft.
    pub fn discard(self) -> DraftPlan {
        DraftPlan {
            id: self.id,
            title: self.title,
            spec: self.spec,
        }
    }

    /// Publishes the plan to its checkers at `at`: from now on the draw is locked.
    pub fn publish(self, at: Timestamp) -> PublishedPlan {
        PublishedPlan {
            id: self.id,
            title: self.title,
            spec: self.spec,
            draw: self.draw,
            published_at: at,
        }
    }
}

impl PublishedPlan {
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn spec(&self) -> &PlanSpec {
        &self.spec
    }

    pub fn draw(&self) -> &Draw {
        &self.draw
    }

    pub fn published_at(&self) -> Timestamp {
        self.published_at
    }

    /// Assigns drawn households, and drawn villages to screen for non-registered households,
    /// to a pair of checkers (EVALUATION.md §3.1: enumerators work in pairs). Only what the
    /// draw holds can be assigned, and a household only to one pair: `existing` are the
    /// plan's other assignments.
    pub fn assign(
        &self,
        existing: &[Assignment],
        id: Uuid,
        checkers: [Uuid; 2],
        households: Vec<Uuid>,
        villages: Vec<Uuid>,
    ) -> Result<Assignment, PlanError> {
        if checkers[0] == checkers[1] {
            return Err(PlanError::Pair);
        }
        if households.is_empty() && villages.is_empty() {
            return Err(PlanError::EmptyAssignment);
        }
        let taken: BTreeMap<Uuid, Uuid> = existing
            .iter()
            .filter(|a| a.plan_id == self.id && a.id != id)
            .flat_map(|a| a.households.iter().map(move |h| (*h, a.id)))
            .collect();
        for h in &households {
            if !self.draw.contains_household(*h) {
                return Err(PlanError::HouseholdNotDrawn(*h));
            }
            if taken.contains_key(h) {
                return Err(PlanError::HouseholdTaken(*h));
            }
        }
        for v in &villages {
            if !self.draw.contains_village(*v) {
                return Err(PlanError::VillageNotDrawn(*v));
            }
        }
        let mut households = households;
        households.sort();
        households.dedup();
        let mut villages = villages;
        villages.sort();
        villages.dedup();
        Ok(Assignment {
            id,
            plan_id: self.id,
            checkers,
            households,
            villages,
        })
    }
}

impl Plan {
    pub fn id(&self) -> Uuid {
        match self {
            Plan::Draft(p) => p.id,
            Plan::Drawn(p) => p.id,
            Plan::Published(p) => p.id,
        }
    }

    pub fn state(&self) -> PlanState {
        match self {
            Plan::Draft(_) => PlanState::Draft,
            Plan::Drawn(_) => PlanState::Drawn,
            Plan::Published(_) => PlanState::Published,
        }
    }

    pub fn spec(&self) -> &PlanSpec {
        match self {
            Plan::Draft(p) => &p.spec,
            Plan::Drawn(p) => &p.spec,
            Plan::Published(p) => &p.spec,
        }
    }

    /// The draw, once there is one.
    pub fn drawn(&self) -> Option<&Draw> {
        match self {
            Plan::Draft(_) => None,
            Plan::Drawn(p) => Some(&p.draw),
            Plan::Published(p) => Some(&p.draw),
        }
    }

    /// Replaces the title and spec: a drawn plan's draw is thrown away; a published plan is
    /// refused.
    pub fn edit(self, title: String, spec: PlanSpec) -> Result<Plan, PlanError> {
        spec.check()?;
        match self {
            Plan::Published(_) => Err(PlanError::Locked),
            Plan::Draft(p) => Ok(Plan::Draft(DraftPlan { title, spec, ..p })),
            Plan::Drawn(p) => Ok(Plan::Draft(DraftPlan {
                title,
                spec,
                ..p.discard()
            })),
        }
    }

    /// Draws (or draws again) from `frame` with `seed`; a published plan is refused.
    pub fn draw(self, frame: &Frame, seed: Seed) -> Result<Plan, PlanError> {
        match self {
            Plan::Published(_) => Err(PlanError::Locked),
            Plan::Draft(p) => Ok(Plan::Drawn(p.draw(frame, seed)?)),
            Plan::Drawn(p) => Ok(Plan::Drawn(p.discard().draw(frame, seed)?)),
        }
    }

    /// Publishes a drawn plan; a draft is refused (nothing to publish), a published plan too.
    pub fn publish(self, at: Timestamp) -> Result<Plan, PlanError> {
        match self {
            Plan::Draft(_) => Err(PlanError::NotDrawn),
            Plan::Drawn(p) => Ok(Plan::Published(p.publish(at))),
            Plan::Published(_) => Err(PlanError::Locked),
        }
    }

    /// Checks that the stored draw is what the seed and the frame give: the frame must be the
    /// version drawn from, and the draw made by this algorithm. An audit of a stored plan.
    pub fn verify(&self, frame: &Frame) -> Result<(), PlanError> {
        let Some(stored) = self.drawn() else {
            return Err(PlanError::NotDrawn);
        };
        if stored.algorithm != DRAW_ALGORITHM {
            return Err(PlanError::Algorithm(stored.algorithm));
        }
        if stored.frame_version != frame.version() {
            return Err(PlanError::FrameVersion {
                drawn: stored.frame_version.0,
                frame: frame.version().0,
            });
        }
        if draw::draw(frame, self.spec(), stored.seed) != *stored {
            return Err(PlanError::DrawMismatch);
        }
        Ok(())
    }
}

/// 核查分配: drawn households (and villages to screen) given to a pair of checkers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The two checkers (users).
    pub checkers: [Uuid; 2],
    /// Drawn households to check at the door, ordered by id.
    pub households: Vec<Uuid>,
    /// Drawn villages to screen for non-registered households (排查), ordered by id.
    pub villages: Vec<Uuid>,
}
