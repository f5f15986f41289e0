//! The connection pool: waiting for PostgreSQL at start-up, and migrations.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::ConnectOptions;
use tracing::log::LevelFilter;

mod migrations;

/// How long start-up keeps trying to reach the database before giving up.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub delay: Duration,
}

impl Default for Retry {
    /// 30 tries a second apart: enough for a database container or RDS instance that is still booting.
    fn default() -> Self {
        Self {
            attempts: 30,
            delay: Duration::from_secs(1),
        }
    }
}

/// Sized for one small ECS task: the lab's load test is meant to find this limit, not hide it.
const MAX_CONNECTIONS: u32 = 10;

pub fn connect_options(database_url: &str) -> anyhow::Result<PgConnectOptions> {
    let options = PgConnectOptions::from_str(database_url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        // Every statement is logged at INFO: the lab reads them to see what a request costs.
        .log_statements(LevelFilter::Info)
        .log_slow_statements(LevelFilter::Warn, Duration::from_millis(500));
    Ok(options)
}

/// Connects with bounded retries, logging one line per failed attempt, then migrates.
pub async fn connect(database_url: &str, retry: Retry) -> anyhow::Result<PgPool> {
    let options = connect_options(database_url)?;
    let pool_options = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(5));
    let mut attempt = 1;
    let pool = loop {
        match pool_options.clone().connect_with(options.clone()).await {
            Ok(pool) => break pool,
            Err(error) if attempt < retry.attempts => {
                tracing::warn!(
                    attempt,
                    max_attempts = retry.attempts,
                    %error,
                    "Database not reachable yet, retrying in {:?}",
                    retry.delay
                );
                attempt += 1;
                tokio::time::sleep(retry.delay).await;
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!("could not reach the database after {attempt} attempts")
                });
            }
        }
    };
    tracing::info!(attempt, "Connected to the database");
    migrations::migrator()
        .await
        .context("could not read the database migrations")?
        .run(&pool)
        .await
        .context("could not run the database migrations")?;
    tracing::info!("Database migrations are up to date");
    Ok(pool)
}
