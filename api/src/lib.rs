//! TaskOverflow: a small to-do API for the logging and load-testing lab.
//!
//! Both apps, `starter/` (as handed out) and `solution/` (after the lab), serve this API
//! unchanged; they differ only in their logging, which each wraps around the router
//! (see [`startup::Application::run_until`]).

pub mod configuration;
pub mod database;
pub mod error;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod todos;
