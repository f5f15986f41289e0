//! The API contract (docs/api.md), one test per row and per error case, against real PostgreSQL.

mod helpers;

mod create;
mod delete;
mod health_and_page;
mod list;
mod show;
mod update;
