//! Test support shared by the kit's crates.
//!
//! One PostgreSQL server per test binary (a container, or the server named by
//! `CHECKS_DATABASE_URL`), a fresh, empty database for every test, the app run as a real
//! process with its stdout captured, and moto's CloudWatch Logs emulator. What only the kit's
//! load tests use (containers with a task's limits, CPU pinning, the machine-wide lock) lives
//! in `xtask`, so that students' builds never compile it.

pub mod moto;
mod postgres;
mod process;

pub use moto::Moto;
pub use postgres::{
    fresh_database, server, PostgresServer, TestDatabase, CONTAINER_LABEL, DEFAULT_POSTGRES_IMAGE,
};
pub use process::{AppProcess, NO_AWS};
