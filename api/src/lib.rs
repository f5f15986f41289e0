//! TaskOverflow: a small to-do API for the logging and load-testing lab.
//!
//! The app in `starter/` serves this API, and so does the same app after the lab: the lab
//! changes only the logging, which each app wraps around the router
//! (see [`startup::Application::run_until`]).

pub mod configuration;
pub mod database;
pub mod error;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod todos;
