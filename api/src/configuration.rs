//! Settings, read once from the environment at start-up.

use std::env;
use std::fmt;

use anyhow::{bail, Context};

pub const DEFAULT_PORT: u16 = 6400;
pub const DEFAULT_LOG_GROUP: &str = "taskoverflow";

#[derive(Clone)]
pub struct Settings {
    /// Holds the database password: never printed (see the `Debug` impl below).
    pub database_url: String,
    pub port: u16,
    /// CloudWatch Logs group the logs are shipped to.
    pub log_group: String,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| env::var(key).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let Some(database_url) = lookup("DATABASE_URL").filter(|url| !url.trim().is_empty()) else {
            bail!("DATABASE_URL is not set (e.g. postgres://user:password@localhost:5432/taskoverflow)");
        };
        let port = match lookup("PORT") {
            Some(raw) => raw
                .trim()
                .parse()
                .with_context(|| format!("PORT must be a number from 0 to 65535, got {raw:?}"))?,
            None => DEFAULT_PORT,
        };
        let log_group = lookup("LOG_GROUP")
            .filter(|group| !group.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_LOG_GROUP.to_owned());
        Ok(Self {
            database_url,
            port,
            log_group,
        })
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Settings")
            .field("database_url", &"(hidden: it holds a password)")
            .field("port", &self.port)
            .field("log_group", &self.log_group)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        Settings::from_lookup(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn defaults_apply_when_only_the_database_is_given() {
        let s = settings(&[("DATABASE_URL", "postgres://db/x")]).expect("valid");
        assert_eq!(s.port, 6400);
        assert_eq!(s.log_group, "taskoverflow");
    }

    #[test]
    fn port_and_log_group_can_be_overridden() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://db/x"),
            ("PORT", "8080"),
            ("LOG_GROUP", "lab"),
        ])
        .expect("valid");
        assert_eq!(s.port, 8080);
        assert_eq!(s.log_group, "lab");
    }

    #[test]
    fn debug_output_never_shows_the_database_password() {
        let s = settings(&[("DATABASE_URL", "postgres://user:s3cret@db/x")]).expect("valid");
        let printed = format!("{s:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("6400"), "{printed}");
    }

    #[test]
    fn missing_database_url_is_a_clear_error() {
        let err = settings(&[]).expect_err("must fail").to_string();
        assert!(err.contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn bad_port_is_a_clear_error() {
        let err = settings(&[("DATABASE_URL", "postgres://db/x"), ("PORT", "http")])
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("PORT"), "{err}");
    }
}
