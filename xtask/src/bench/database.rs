//! PostgreSQL for the benchmark (a container on the clients' CPU), its seed data, and pgbench
//! running the app's list query in the app's place.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use testkit::{Container, ContainerSpec};

const PASSWORD: &str = "benchmark";

pub struct Database {
    container: Container,
    ip: String,
    image: String,
}

/// The list SELECT of api/src/todos/repository.rs with both filters absent (what
/// GET /api/v1/todos binds). pgbench cannot bind NULL, so the NULLs are literal.
const LIST_QUERY: &str = "SELECT id, title, description, completed, deadline_at, created_at, \
    updated_at FROM todos WHERE (NULL::boolean IS NULL OR completed = NULL::boolean) AND \
    (NULL::timestamp IS NULL OR deadline_at <= NULL::timestamp) ORDER BY created_at DESC, id DESC;";

impl Database {
    pub fn start(image: &str, cpu: usize) -> anyhow::Result<Self> {
        let mut spec = ContainerSpec::new(image);
        spec.cpuset = Some(cpu.to_string());
        spec.env = vec![
            ("POSTGRES_PASSWORD".into(), PASSWORD.into()),
            ("POSTGRES_DB".into(), "taskoverflow".into()),
        ];
        // Commits do not wait for this machine's disk, which is not what is measured.
        spec.cmd = ["-c", "synchronous_commit=off", "-c", "max_connections=100"]
            .map(str::to_owned)
            .to_vec();
        let container = Container::start(&spec)?;
        let ip = container.ip()?.to_string();
        let database = Self {
            container,
            ip,
            image: image.to_owned(),
        };
        let started = Instant::now();
        // The image's entrypoint restarts the server once after initdb: wait for a TCP query.
        while started.elapsed() < Duration::from_secs(90) {
            if database.psql(&["SELECT 1"]).is_ok() {
                return Ok(database);
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        bail!("PostgreSQL ({image}) did not accept queries within 90 s")
    }

    pub fn url(&self) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@{}:5432/taskoverflow",
            self.ip
        )
    }

    /// Each statement on its own (VACUUM cannot run inside the transaction of a multi-statement
    /// query).
    fn psql(&self, statements: &[&str]) -> anyhow::Result<String> {
        let password = format!("PGPASSWORD={PASSWORD}");
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
            bail!("psql failed: {}", output.stderr.trim());
        }
        Ok(output.stdout)
    }

    /// `count` todos, spread over time so that ORDER BY created_at has work to do.
    pub fn seed(&self, count: u32) -> anyhow::Result<()> {
        let insert = format!(
            "INSERT INTO todos (title, description, completed, deadline_at, created_at, updated_at) \
             SELECT 'Revise chapter ' || i, 'Read the notes again and do the exercises of week ' || i, \
             i % 3 = 0, now() AT TIME ZONE 'utc' + i * interval '1 hour', \
             now() AT TIME ZONE 'utc' - i * interval '1 minute', now() AT TIME ZONE 'utc' \
             FROM generate_series(1, {count}) AS i"
        );
        self.psql(&[
            "TRUNCATE todos RESTART IDENTITY",
            &insert,
            "VACUUM ANALYZE todos",
        ])
        .with_context(|| format!("could not seed {count} todos"))?;
        Ok(())
    }

    /// pgbench with `clients` connections running the list query for `seconds`, from a
    /// container pinned to `cpu`: (transactions per second, average latency in ms).
    pub fn pgbench(&self, cpu: usize, clients: u32, seconds: u32) -> anyhow::Result<(f64, f64)> {
        let mut spec = ContainerSpec::new(&self.image);
        spec.cpuset = Some(cpu.to_string());
        spec.entrypoint = Some("sleep".into());
        spec.cmd = vec!["infinity".into()];
        let client = Container::start(&spec)?;
        let script = format!(
            "printf '%s\\n' \"$1\" > /tmp/list.sql && shift && export PGPASSWORD={PASSWORD} && exec pgbench \"$@\""
        );
        let (clients, seconds) = (clients.to_string(), seconds.to_string());
        let output = client.exec(&[
            "sh",
            "-c",
            &script,
            "pgbench",
            LIST_QUERY,
            "-h",
            &self.ip,
            "-U",
            "postgres",
            "-n",
            "-M",
            "prepared",
            "-c",
            &clients,
            "-j",
            "1",
            "-T",
            &seconds,
            "-f",
            "/tmp/list.sql",
            "taskoverflow",
        ]);
        let output = output?;
        let text = format!("{}{}", output.stdout, output.stderr);
        let number_after = |prefix: &str| {
            text.lines()
                .rev()
                .filter_map(|line| line.strip_prefix(prefix))
                .find_map(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        };
        match (number_after("tps = "), number_after("latency average = ")) {
            (Some(tps), latency) => Ok((tps, latency.unwrap_or(0.0))),
            _ => bail!("no tps in pgbench's output: {text}"),
        }
    }
}
