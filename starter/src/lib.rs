//! TaskOverflow: a small to-do API for the logging and load-testing lab.
//!
//! Everything here is shared byte-for-byte by `starter/` and `solution/`
//! except `telemetry.rs`, which is the lab's exercise.

pub mod configuration;
pub mod database;
pub mod error;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
pub mod todos;
