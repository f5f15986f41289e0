use std::process::Command;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, PgConnection};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{GenericImage, ImageExt};
use url::Url;

/// Used when `CHECKS_POSTGRES_IMAGE` is not set; machines without a registry build their own.
pub const DEFAULT_POSTGRES_IMAGE: &str = "postgres:16-alpine";
/// Containers carry this label so a CI run can sweep up any a crashed test left behind.
pub const CONTAINER_LABEL: &str = "taskoverflow.test";
const PASSWORD: &str = "taskoverflow";
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A PostgreSQL server the tests may create databases on.
#[derive(Debug, Clone)]
pub struct PostgresServer {
    /// An URL with rights to `CREATE DATABASE`.
    pub admin_url: Url,
}

/// An empty database of its own for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

static SERVER: OnceLock<Result<PostgresServer, String>> = OnceLock::new();
static CONTAINERS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The server for this test binary, started on first use.
pub fn server() -> anyhow::Result<&'static PostgresServer> {
    SERVER
        .get_or_init(|| {
            // Start on a thread of its own: callers may be inside an async runtime.
            std::thread::spawn(start_server)
                .join()
                .map_err(|_| "starting PostgreSQL panicked".to_owned())
                .and_then(|started| started.map_err(|error| format!("{error:#}")))
        })
        .as_ref()
        .map_err(|error| anyhow!("{error}"))
}

/// Creates a uniquely named database on the shared server.
pub async fn fresh_database() -> anyhow::Result<TestDatabase> {
    let server = server()?;
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = connect_with_retry(&server.admin_url, READY_TIMEOUT).await?;
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .with_context(|| format!("could not create database {name}"))?;
    admin.close().await.ok();
    let mut url = server.admin_url.clone();
    url.set_path(&name);
    Ok(TestDatabase {
        name,
        url: url.to_string(),
    })
}

fn start_server() -> anyhow::Result<PostgresServer> {
    if let Ok(url) = std::env::var("CHECKS_DATABASE_URL") {
        let admin_url = Url::parse(&url).context("CHECKS_DATABASE_URL is not a valid URL")?;
        return Ok(PostgresServer { admin_url });
    }
    let image = std::env::var("CHECKS_POSTGRES_IMAGE")
        .ok()
        .filter(|image| !image.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_IMAGE.to_owned());
    let (name, tag) = image.rsplit_once(':').unwrap_or((image.as_str(), "latest"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let container = GenericImage::new(name, tag)
            .with_exposed_port(5432.tcp())
            .with_wait_for(WaitFor::message_on_either_std(
                "database system is ready to accept connections",
            ))
            .with_env_var("POSTGRES_PASSWORD", PASSWORD)
            .with_label(CONTAINER_LABEL, "1")
            // Durability is no concern for throw-away test data.
            .with_cmd(["-c", "fsync=off", "-c", "max_connections=500"])
            .with_startup_timeout(READY_TIMEOUT)
            .start()
            .await
            .map_err(|error| explain_container_error(&image, &error.to_string()))?;
        remember_for_cleanup(container.id());
        let port = container.get_host_port_ipv4(5432).await?;
        let admin_url = Url::parse(&format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
        ))?;
        // The image may log "ready" during its init phase, before it listens on TCP.
        connect_with_retry(&admin_url, READY_TIMEOUT).await?;
        // The container is removed at process exit, not when this handle drops.
        std::mem::forget(container);
        Ok(PostgresServer { admin_url })
    })
}

fn explain_container_error(image: &str, error: &str) -> anyhow::Error {
    let lower = error.to_lowercase();
    if ["docker client", "socket", "connect", "connection refused"]
        .iter()
        .any(|sign| lower.contains(sign))
    {
        anyhow!(
            "no Docker engine is reachable ({error}): start Docker, or set CHECKS_DATABASE_URL \
             to an existing PostgreSQL server"
        )
    } else if ["no such image", "pull", "not found"]
        .iter()
        .any(|sign| lower.contains(sign))
    {
        anyhow!(
            "the PostgreSQL image {image} is not here and cannot be pulled ({error}): build one \
             with scripts/build-postgres-image.sh and set CHECKS_POSTGRES_IMAGE to its tag, or \
             set CHECKS_DATABASE_URL to an existing server"
        )
    } else {
        anyhow!("could not start PostgreSQL from {image}: {error}")
    }
}

async fn connect_with_retry(url: &Url, timeout: Duration) -> anyhow::Result<PgConnection> {
    let options = PgConnectOptions::from_str(url.as_str())?.disable_statement_logging();
    let started = Instant::now();
    loop {
        match options.connect().await {
            Ok(connection) => return Ok(connection),
            Err(_) if started.elapsed() < timeout => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => bail!("PostgreSQL at {url} did not accept connections: {error}"),
        }
    }
}

fn remember_for_cleanup(id: &str) {
    let mut containers = CONTAINERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if containers.is_empty() {
        // SAFETY: registering a plain `extern "C"` function has no preconditions.
        unsafe {
            libc::atexit(remove_containers);
        }
    }
    containers.push(id.to_owned());
}

extern "C" fn remove_containers() {
    let containers = CONTAINERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for id in containers.iter() {
        let _ = Command::new("docker").args(["rm", "-fv", id]).output();
    }
}
