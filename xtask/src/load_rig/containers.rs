//! A container for the load tests, with the limits an ECS task size needs (CPUs, memory, a
//! CPU set), a bind-mounted host binary, and `exec`: testcontainers, driven from plain
//! (non-async) code. The container is removed when the handle drops.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Context};
use testcontainers::core::{ExecCommand, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use testkit::CONTAINER_LABEL;

/// What to start: an image, its command, and the task's limits.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    /// `name:tag`.
    pub image: String,
    pub entrypoint: Option<String>,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    /// (host path, container path, read-only).
    pub binds: Vec<(String, String, bool)>,
    /// `docker run --cpus`: a CFS quota of this many CPUs.
    pub cpus: Option<f64>,
    /// `docker run --memory` (and as much swap: none), in MiB.
    pub memory_mib: Option<u32>,
    /// `docker run --cpuset-cpus`, e.g. "1".
    pub cpuset: Option<String>,
    /// A line the container prints when it is ready (stdout or stderr); none: started is ready.
    pub ready_message: Option<String>,
}

impl ContainerSpec {
    pub fn new(image: &str) -> Self {
        Self {
            image: image.to_owned(),
            ..Self::default()
        }
    }
}

/// A running container, labelled like the tests' other containers (`taskoverflow.test=1`).
pub struct Container {
    runtime: tokio::runtime::Runtime,
    inner: Option<ContainerAsync<GenericImage>>,
}

/// What `exec` returns.
pub struct ExecOutput {
    pub code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

impl Container {
    pub fn start(spec: &ContainerSpec) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (name, tag) = spec
            .image
            .rsplit_once(':')
            .unwrap_or((spec.image.as_str(), "latest"));
        let mut image = GenericImage::new(name, tag);
        if let Some(entrypoint) = &spec.entrypoint {
            image = image.with_entrypoint(entrypoint);
        }
        if let Some(message) = &spec.ready_message {
            image = image.with_wait_for(WaitFor::message_on_either_std(message.as_str()));
        }
        let mut request = image
            .with_label(CONTAINER_LABEL, "1")
            .with_cmd(spec.cmd.clone())
            .with_startup_timeout(Duration::from_secs(120));
        for (key, value) in &spec.env {
            request = request.with_env_var(key, value);
        }
        for (host, inside, read_only) in &spec.binds {
            let mount = Mount::bind_mount(host, inside);
            request = request.with_mount(if *read_only {
                mount.with_access_mode(testcontainers::core::AccessMode::ReadOnly)
            } else {
                mount
            });
        }
        let (cpus, memory, cpuset) = (spec.cpus, spec.memory_mib, spec.cpuset.clone());
        request = request.with_host_config_modifier(move |config| {
            // Named, so that the container's address can be looked up by the network's name
            // (some engines call the default bridge "default").
            config.network_mode = Some("bridge".to_owned());
            if let Some(cpus) = cpus {
                config.nano_cpus = Some((cpus * 1e9).round() as i64);
            }
            if let Some(mib) = memory {
                let bytes = i64::from(mib) * 1024 * 1024;
                config.memory = Some(bytes);
                config.memory_swap = Some(bytes);
            }
            if let Some(cpuset) = &cpuset {
                config.cpuset_cpus = Some(cpuset.clone());
            }
        });
        let image_name = spec.image.clone();
        let inner = runtime
            .block_on(request.start())
            .map_err(|error| explain(&image_name, &error.to_string()))?;
        Ok(Self {
            runtime,
            inner: Some(inner),
        })
    }

    fn inner(&self) -> anyhow::Result<&ContainerAsync<GenericImage>> {
        self.inner
            .as_ref()
            .ok_or_else(|| anyhow!("the container was removed"))
    }

    pub fn id(&self) -> String {
        self.inner
            .as_ref()
            .map_or_else(String::new, |inner| inner.id().to_owned())
    }

    /// Its address on Docker's bridge network: reachable from this machine without
    /// docker-proxy, and from the other containers.
    pub fn ip(&self) -> anyhow::Result<IpAddr> {
        let inner = self.inner()?;
        self.runtime
            .block_on(inner.get_bridge_ip_address())
            .context("the container has no address on the bridge network")
    }

    pub fn is_running(&self) -> bool {
        self.inner()
            .is_ok_and(|inner| self.runtime.block_on(inner.is_running()).unwrap_or(false))
    }

    /// Runs `cmd` inside the container and waits for it to finish.
    pub fn exec(&self, cmd: &[&str]) -> anyhow::Result<ExecOutput> {
        let inner = self.inner()?;
        self.runtime.block_on(async {
            let mut result = inner
                .exec(ExecCommand::new(cmd.iter().copied()))
                .await
                .with_context(|| format!("docker exec {cmd:?}"))?;
            let stdout = String::from_utf8_lossy(&result.stdout_to_vec().await?).into_owned();
            let stderr = String::from_utf8_lossy(&result.stderr_to_vec().await?).into_owned();
            let code = result.exit_code().await?;
            Ok(ExecOutput {
                code,
                stdout,
                stderr,
            })
        })
    }

    /// Asks the main process to stop (SIGTERM, then SIGKILL after `timeout`).
    pub fn stop(&self, timeout: Duration) -> anyhow::Result<()> {
        let inner = self.inner()?;
        let seconds = i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX);
        self.runtime
            .block_on(inner.stop_with_timeout(Some(seconds)))
            .context("docker stop")
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let _ = self.runtime.block_on(inner.rm());
        }
    }
}

/// Whether `image` is on this machine (no registry is asked).
pub fn image_exists(image: &str) -> bool {
    std::process::Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn explain(image: &str, error: &str) -> anyhow::Error {
    if !image_exists(image) {
        anyhow!(
            "the image {image} is not on this machine ({error}): build it without a registry with \
             scripts/build-postgres-image.sh or scripts/build-runtime-image.sh"
        )
    } else {
        anyhow!("could not start a container of {image}: {error}")
    }
}

/// A bind mount's host side must be absolute.
pub fn absolute(path: &Path) -> anyhow::Result<String> {
    let path = std::path::absolute(path)?;
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{} is not UTF-8", path.display()))
}

/// A PostgreSQL server in a container of its own (an image like taskoverflow/postgres:15-bookworm)
/// with a database `taskoverflow`, for the load tests: reached at its bridge address.
pub struct PostgresContainer {
    pub container: Container,
    ip: String,
}

const LOAD_TEST_PASSWORD: &str = "loadtest";

impl PostgresContainer {
    /// Starts it (pinned to `cpuset` if given) and waits until it answers a query over TCP.
    pub fn start(image: &str, cpuset: Option<usize>) -> anyhow::Result<Self> {
        let mut spec = ContainerSpec::new(image);
        spec.cpuset = cpuset.map(|cpu| cpu.to_string());
        spec.env = vec![
            ("POSTGRES_PASSWORD".into(), LOAD_TEST_PASSWORD.into()),
            ("POSTGRES_DB".into(), "taskoverflow".into()),
        ];
        // Commits do not wait for this machine's disk, which is not what a load test measures
        // (in AWS the database is a separate RDS instance).
        spec.cmd = ["-c", "synchronous_commit=off", "-c", "max_connections=100"]
            .map(str::to_owned)
            .to_vec();
        let container = Container::start(&spec)?;
        let ip = container.ip()?.to_string();
        let server = Self { container, ip };
        let started = std::time::Instant::now();
        // The image's entrypoint restarts the server once after initdb: wait for a TCP query.
        while started.elapsed() < Duration::from_secs(90) {
            if server.psql(&["SELECT 1"]).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        anyhow::bail!("PostgreSQL ({image}) did not accept queries within 90 s")
    }

    pub fn ip(&self) -> &str {
        &self.ip
    }

    pub fn password(&self) -> &str {
        LOAD_TEST_PASSWORD
    }

    /// The database's URL for an app on this machine or in another container.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres:{LOAD_TEST_PASSWORD}@{}:5432/taskoverflow",
            self.ip
        )
    }

    /// Runs each statement on its own with psql (VACUUM cannot run inside the transaction of a
    /// multi-statement query); returns psql's output.
    pub fn psql(&self, statements: &[&str]) -> anyhow::Result<String> {
        let password = format!("PGPASSWORD={LOAD_TEST_PASSWORD}");
        let mut cmd = vec![
            "env",
            &password,
            "psql",
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-h",
            &self.ip,
            "-U",
            "postgres",
            "-d",
            "taskoverflow",
        ];
        for statement in statements {
            cmd.extend(["-c", statement]);
        }
        let output = self.container.exec(&cmd)?;
        if output.code != Some(0) {
            anyhow::bail!("psql failed: {}", output.stderr.trim());
        }
        Ok(output.stdout)
    }
}
