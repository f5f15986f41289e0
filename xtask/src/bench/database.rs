//! PostgreSQL for the benchmark (a container on the clients' CPU), its seed data, and pgbench
//! running the app's list query in the app's place.

use crate::load_rig::{Container, ContainerSpec, PostgresContainer};
use anyhow::{bail, Context};

/// PostgreSQL on the clients' CPU.
pub struct Database {
    server: PostgresContainer,
    image: String,
}

/// The list SELECT of api/src/todos/repository.rs with both filters absent (what
/// GET /api/v1/todos binds). pgbench cannot bind NULL, so the NULLs are literal.
const LIST_QUERY: &str = "SELECT id, title, description, completed, deadline_at, created_at, \
    updated_at FROM todos WHERE (NULL::boolean IS NULL OR completed = NULL::boolean) AND \
    (NULL::timestamp IS NULL OR deadline_at <= NULL::timestamp) ORDER BY created_at DESC, id DESC;";

impl Database {
    pub fn start(image: &str, cpu: usize) -> anyhow::Result<Self> {
        Ok(Self {
            server: PostgresContainer::start(image, Some(cpu))?,
            image: image.to_owned(),
        })
    }

    pub fn url(&self) -> String {
        self.server.url()
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
        self.server
            .psql(&[
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
            "printf '%s\\n' \"$1\" > /tmp/list.sql && shift && export PGPASSWORD={} && exec pgbench \"$@\"",
            self.server.password()
        );
        let (clients, seconds) = (clients.to_string(), seconds.to_string());
        let output = client.exec(&[
            "sh",
            "-c",
            &script,
            "pgbench",
            LIST_QUERY,
            "-h",
            self.server.ip(),
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
