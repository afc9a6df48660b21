//! The 2018 dynamic-management domain of Jiandang: typed forms, versioned code lists,
//! policy rules and the household lifecycle. Pure: no IO, no clock, no randomness; time,
//! ids and the year's policy come in as arguments.

pub mod action;
pub mod bundle;
pub mod catalog;
pub mod codes;
pub mod county;
pub mod decode;
pub mod evaluation;
pub mod exit;
pub mod exit_procedure;
pub mod finding;
pub mod form;
pub mod forms;
pub mod geo;
pub mod help;
pub mod household;
pub mod id_number;
pub mod income;
pub mod judge;
pub mod lifecycle;
pub mod measures;
pub mod member;
pub mod member_change;
pub mod money;
pub mod phase;
pub mod phone;
pub mod photo;
pub mod policy;
pub mod problem;
pub mod procedure;
pub mod record;
pub mod rules;
pub mod spotcheck;
pub mod steps;
pub mod time;
pub mod village;
pub mod visit;

pub use finding::{Finding, Severity};
pub use money::Money;
pub use record::{RecordKind, StoredRecord};
pub use time::{Date, Timestamp};
