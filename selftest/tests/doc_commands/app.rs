//! Runners that start the app or its database: the README's PostgreSQL container and `cargo run`,
//! the handout's, and the scripts that build and export the PostgreSQL image.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use selftest::doc_commands::shell::{
    http_get, one_at_a_time, run, shell_quote, signal_group, spawn_logging_to, student_shell,
    substitute, tail, tempfile,
};
use selftest::doc_commands::{documented_starting_with, exported_postgres_image, folder_of};
use selftest::{kit_root, output_text as text};

/// A fresh database on the test PostgreSQL (the image the README exports).
pub(crate) fn test_database() -> Result<String, String> {
    std::env::set_var("CHECKS_POSTGRES_IMAGE", exported_postgres_image());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("no tokio runtime: {error}"))?;
    runtime
        .block_on(testkit::fresh_database())
        .map(|database| database.url)
        .map_err(|error| format!("no test PostgreSQL: {error:#}"))
}

/// How long `cargo run` may take to build and start the app.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(900);

/// The README's PostgreSQL container, then its `cargo run` against that database: run once for
/// both table entries.
pub(crate) static POSTGRES_THEN_CARGO_RUN: OnceLock<Result<(), String>> = OnceLock::new();

pub(crate) fn postgres_then_cargo_run(_command: &str) -> Result<(), String> {
    POSTGRES_THEN_CARGO_RUN
        .get_or_init(|| {
            let docker_run = documented_starting_with("docker run ")?;
            let cargo_run = documented_starting_with("DATABASE_URL=")?;
            let port = postgres_port()?;
            let result = cargo_run_starter(
                &cargo_run,
                &substitute(
                    &cargo_run,
                    "@localhost:5432/",
                    &format!("@localhost:{port}/"),
                )?,
            );
            result.map_err(|problem| format!("with the database of `{docker_run}`: {problem}"))
        })
        .clone()
}

/// The README's PostgreSQL container, started once for every command that needs it: its host port.
pub(crate) static POSTGRES_PORT: OnceLock<Result<u16, String>> = OnceLock::new();

pub(crate) fn postgres_port() -> Result<u16, String> {
    POSTGRES_PORT
        .get_or_init(|| run_postgres_container(&documented_starting_with("docker run ")?))
        .clone()
}

/// The value of `-e NAME=value` in a `docker run` command.
pub(crate) fn docker_run_env(docker_run: &str, name: &str) -> Result<String, String> {
    docker_run
        .split_whitespace()
        .find_map(|word| word.strip_prefix(&format!("{name}=")))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{docker_run}` sets no {name}"))
}

/// The handout's `export DATABASE_URL=...`, checked against the `docker run` it follows (same
/// user, password, database and host port), with the port moved to that container's.
pub(crate) fn exported_database_url() -> Result<String, String> {
    let export = documented_starting_with("export DATABASE_URL=")?;
    let docker_run = documented_starting_with("docker run ")?;
    let host_port = docker_run
        .split_whitespace()
        .skip_while(|word| *word != "-p")
        .nth(1)
        .and_then(|mapping| mapping.split(':').nth(1))
        .ok_or_else(|| format!("`{docker_run}` publishes no port as -p ADDRESS:PORT:5432"))?;
    let expected = format!(
        "export DATABASE_URL=postgres://{}:{}@localhost:{host_port}/{}",
        docker_run_env(&docker_run, "POSTGRES_USER")?,
        docker_run_env(&docker_run, "POSTGRES_PASSWORD")?,
        docker_run_env(&docker_run, "POSTGRES_DB")?,
    );
    if export != expected {
        return Err(format!(
            "`{export}` does not name the database of `{docker_run}`: expected `{expected}`"
        ));
    }
    let port = postgres_port()?;
    substitute(
        &export,
        &format!("@localhost:{host_port}/"),
        &format!("@localhost:{port}/"),
    )
}

/// The handout's `cargo run` commands, in a shell that ran its `export DATABASE_URL=...` first
/// (the export itself is followed by the handout's `cargo run -p starter`). `tee app.log` writes
/// to a scratch folder instead, and the log must hold the app's line of the health request.
pub(crate) fn handout_cargo_run(command: &str) -> Result<(), String> {
    let export = exported_database_url()?;
    let log = tempfile("handout-app.log")?;
    let _ = std::fs::remove_file(&log);
    let shell = if command.starts_with("export DATABASE_URL=") {
        format!("{export} && cargo run -p starter")
    } else if command.contains("tee app.log") {
        let tee = format!("tee {}", shell_quote(&log.display().to_string()));
        format!("{export} && {}", substitute(command, "tee app.log", &tee)?)
    } else {
        format!("{export} && {command}")
    };
    cargo_run_starter(command, &shell)?;
    if command.contains("tee app.log") {
        let captured = std::fs::read_to_string(&log)
            .map_err(|error| format!("`{command}` wrote no app.log: {error}"))?;
        if !captured.contains("/api/v1/health") {
            return Err(format!(
                "app.log lacks the line of GET /api/v1/health:\n{}",
                tail(&captured)
            ));
        }
    }
    Ok(())
}

/// The name of the README's PostgreSQL container, once started.
pub(crate) static POSTGRES_CONTAINER: OnceLock<String> = OnceLock::new();

/// Runs the README's `docker run` of PostgreSQL, with the image the README exports, a name of its
/// own, a free host port and the test label; returns the host port once PostgreSQL answers.
pub(crate) fn run_postgres_container(documented: &str) -> Result<u16, String> {
    let name = format!("taskoverflow-db-doc-commands-{}", std::process::id());
    let mut command = substitute(
        documented,
        "docker run ",
        &format!("docker run --label {}=1 ", testkit::CONTAINER_LABEL),
    )?;
    command = substitute(
        &command,
        "--name taskoverflow-db ",
        &format!("--name {name} "),
    )?;
    command = substitute(&command, "-p 127.0.0.1:5432:5432", "-p 127.0.0.1::5432")?;
    command = substitute(
        &command,
        " postgres:16-alpine",
        &format!(" {}", exported_postgres_image()),
    )?;
    let output = run(&command, &kit_root(), &[])?;
    if !output.status.success() {
        return Err(format!("`{command}` failed:\n{}", text(&output)));
    }
    // Removed when the trials are done (remove_containers).
    let _ = POSTGRES_CONTAINER.set(name.clone());
    let mapped = run(&format!("docker port {name} 5432/tcp"), &kit_root(), &[])?;
    let port: u16 = String::from_utf8_lossy(&mapped.stdout)
        .lines()
        .next()
        .and_then(|line| line.rsplit(':').next())
        .and_then(|port| port.trim().parse().ok())
        .ok_or_else(|| format!("no host port for {name}: {}", text(&mapped)))?;
    let started = Instant::now();
    loop {
        // TCP inside the container: the image's first start runs a socket-only server first.
        let ready = run(
            &format!("docker exec {name} pg_isready -h 127.0.0.1 -p 5432"),
            &kit_root(),
            &[],
        )?;
        if ready.status.success() {
            return Ok(port);
        }
        if started.elapsed() > Duration::from_secs(90) {
            let logs = run(&format!("docker logs {name}"), &kit_root(), &[])?;
            return Err(format!(
                "PostgreSQL in {name} did not get ready within 90 s:\n{}",
                tail(&text(&logs))
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Removes the README's PostgreSQL container at the end (statics are never dropped).
pub(crate) fn remove_containers() {
    if let Some(name) = POSTGRES_CONTAINER.get() {
        let _ = Command::new("docker").args(["rm", "-fv", name]).output();
    }
}

/// Runs `command` (the documented `cargo run`, its DATABASE_URL pointed at a live database) on
/// a free port, asks /api/v1/health, and stops it with Ctrl-C.
pub(crate) fn cargo_run_starter(documented: &str, command: &str) -> Result<(), String> {
    let port = testkit::moto::free_port()
        .map_err(|error| format!("no free port: {error}"))?
        .to_string();
    let _turn = one_at_a_time();
    let log = tempfile("cargo-run-starter.log")?;
    let mut shell = student_shell(command, &folder_of(documented), &[]);
    let mut child = spawn_logging_to(shell.env("PORT", &port), &log)?;
    let output = || std::fs::read_to_string(&log).unwrap_or_default();
    let port: u16 = port.parse().map_err(|_| "port".to_owned())?;
    let started = Instant::now();
    let health = loop {
        if let Some(answer) = http_get(port, "/api/v1/health") {
            break answer;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "`{command}` exited ({status}) before answering:\n{}",
                tail(&output())
            ));
        }
        if started.elapsed() > START_TIMEOUT {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            return Err(format!(
                "`{command}` did not answer on port {port} within {START_TIMEOUT:?}:\n{}",
                tail(&output())
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    signal_group(child.id(), "-INT");
    let stopping = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if stopping.elapsed() > Duration::from_secs(30) {
            signal_group(child.id(), "-KILL");
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (code, body) = health;
    if code != 200 || !body.contains("ok") {
        return Err(format!(
            "GET /api/v1/health answered {code} {body:?}:\n{}",
            tail(&output())
        ));
    }
    if status.is_none() {
        return Err(format!(
            "the app did not stop within 30 s of Ctrl-C:\n{}",
            tail(&output())
        ));
    }
    Ok(())
}

pub(crate) fn build_postgres_image(command: &str) -> Result<(), String> {
    let _turn = one_at_a_time();
    let output = run(command, &folder_of(command), &[])?;
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let exported = exported_postgres_image();
    if !output.status.success() || printed != exported {
        return Err(format!(
            "`{command}` ({}) printed {printed:?}, but the README exports \
             CHECKS_POSTGRES_IMAGE={exported}:\n{}",
            output.status,
            tail(&text(&output))
        ));
    }
    Ok(())
}

pub(crate) fn export_postgres_image(command: &str) -> Result<(), String> {
    let image = exported_postgres_image();
    let output = run(
        &format!("{command} && docker image inspect \"$CHECKS_POSTGRES_IMAGE\" >/dev/null"),
        &folder_of(command),
        &[],
    )?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{image} does not exist: scripts/build-postgres-image.sh should have built it:\n{}",
            text(&output)
        ))
    }
}
