//! Spot-checks (抽查) and evaluation readiness (EVALUATION.md §2–§5, §8, §9): sampling plans
//! and their reproducible two-stage draw, the blind check a supervisor records at the door,
//! the non-registered household screening, and the estimates of 错退率, 漏评率 and 群众认可度
//! with intervals and the pass/fail/uncertain decision. Pure: the seed, the frame and the
//! results come in as arguments.
//!
//! - [`frame`]: the sampling frame read from the register at one version.
//! - [`plan`]: what to draw, the plan's states (draft → drawn → published, locked), assignments.
//! - [`draw`]: the draw itself (seeded ChaCha20).
//! - [`check`]: the check records that sync (入户核查, 非建档立卡户排查, 村排查情况) and the
//!   problem a finding raises.
//! - [`diff`]: observed vs registered values, field by field, after the observation.
//! - [`stats`]: intervals, sample sizes, design effect, ratio and stratified estimates.
//! - [`estimate`]: the indicators per village, town and county, and the decision.
//! - [`policy`]: the thresholds as versioned data.
//! - [`codes`]: the code lists.

pub mod check;
pub mod codes;
pub mod diff;
pub mod draw;
pub mod estimate;
pub mod forms;
pub mod frame;
pub mod plan;
pub mod policy;
pub mod stats;
