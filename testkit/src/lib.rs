//! Test support shared by the kit's crates.
//!
//! One PostgreSQL server per test binary (a container, or the server named by
//! `CHECKS_DATABASE_URL`), a fresh, empty database for every test, and the app run as a
//! real process with its stdout captured; containers with a task's limits for the load tests,
//! and the machine-wide lock they take turns with.

pub mod container;
mod lock;
pub mod moto;
mod postgres;
mod process;

pub use container::{Container, ContainerSpec, PostgresContainer};
pub use lock::{load_test_lock, LoadTestLock, LOAD_TEST_LOCK};
pub use moto::Moto;
pub use postgres::{
    fresh_database, server, PostgresServer, TestDatabase, CONTAINER_LABEL, DEFAULT_POSTGRES_IMAGE,
};
pub use process::{pin_to_cpu, AppProcess, NO_AWS};
