//! Rules over the records: plain functions returning [`crate::Finding`]s with stable codes.
//! Each module names the records it checks; `crate::bundle::check_household_bundle` runs the
//! household-level ones together.

pub mod gps;
pub mod help;
pub mod household;
pub mod measures;
pub mod member;
pub mod member_change;
pub mod village;
