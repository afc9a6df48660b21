//! The evaluation's thresholds, kept in [`crate::evaluation`] so that the year's policy can
//! hold them; re-exported here where the estimates read them.

pub use crate::evaluation::*;
