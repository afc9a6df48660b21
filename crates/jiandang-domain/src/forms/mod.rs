//! The form definitions, one module per group of records (the spot-check forms sit with the
//! spot-checks, in `spotcheck::forms`); `catalog` gathers them into the form bundle.

pub mod exit_procedure;
pub mod gps;
pub mod help;
pub mod household;
pub mod measures;
pub mod member;
pub mod member_change;
pub mod problem;
pub mod procedure;
pub mod village;
pub mod visit;
