//! The lab's autograder.
//!
//! Each lab task is one file in `tasks/`; `cargo test -p checks` runs them against the
//! student's `starter/`, `k6/` and `terraform/` (`CHECKS_TARGET` names another crate of the
//! workspace to grade, see [`Target::from_env`]), prints one line per task and writes
//! `target/checks/results.json` for GitHub Classroom or an LMS.

pub mod app;
pub mod log_format;
pub mod report;
pub mod target;
pub mod task;
pub mod tasks;
pub mod terraform;
pub mod traffic;

pub use report::Report;
pub use target::Target;
pub use task::{Outcome, Problem, Task, TaskContext, TaskResult};
pub use tasks::grade;
