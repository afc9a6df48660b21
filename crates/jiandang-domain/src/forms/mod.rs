//! The form definitions, one module per group of records; [`crate::record::forms`] lists
//! them in record-kind order for the form bundle.

pub mod gps;
pub mod help;
pub mod household;
pub mod measures;
pub mod member;
pub mod member_change;
pub mod procedure;
pub mod spotcheck;
pub mod village;
