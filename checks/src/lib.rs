//! The lab's autograder.
//!
//! Each lab task is one file in `tasks/`. A grading takes the student's lab files (the list in
//! [`lab_files`]) and every other file from the template ([`template`]), builds the app from
//! that ([`app_build`]) and runs each task against it ([`grading`]). `cargo test -p checks`
//! grades the repository it runs in; the `grade` binary grades any submission against a
//! template, for course platforms and tutors; the `watch` binary grades the repository it was
//! built from again whenever a lab file changes ([`watch`]).

pub mod app;
pub mod app_build;
pub mod app_manifest;
pub mod capacity_estimate;
pub mod database;
pub mod graded;
pub mod grading;
pub mod hints;
pub mod lab_files;
pub mod log_format;
pub mod report;
pub mod stand_in_api;
pub mod submission;
pub mod task;
pub mod tasks;
pub mod template;
pub mod terraform;
pub mod tools;
pub mod traffic;
pub mod watch;

pub use graded::Graded;
pub use grading::{grade, Grading, Request};
pub use report::Report;
pub use task::{Outcome, Problem, Task, TaskContext, TaskResult};
