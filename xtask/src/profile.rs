//! `cargo xtask profile`: where the solution's CPU goes while it serves `GET /api/v1/todos`
//! under the benchmark's load. `perf record` samples the app (the deployed build with line
//! tables, the `profiling` profile); each sample is put in the first part of the work its call stack
//! belongs to, and the parts are printed as shares and as microseconds per request
//! (docs/performance.md).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::bench::database::Database;
use crate::calibrate::emulated::POSTGRES_IMAGE;
use crate::machine::process_cpu;

const APP_CPU: usize = 0;
const OTHER_CPU: usize = 1;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Todos in the table.
    #[arg(long, default_value_t = 400)]
    pub todos: u32,
    /// Seconds of load sampled (after 2 s of warm-up).
    #[arg(long, default_value_t = 8.0)]
    pub duration: f64,
    /// RUST_LOG for the app: `off` shows the cost without logging.
    #[arg(long, default_value = "info")]
    pub rust_log: String,
    /// Concurrent keep-alive connections of the load generator.
    #[arg(long, default_value_t = 20)]
    pub connections: u16,
    /// Ship the logs to a local `moto_server` as well, as the lab runs the app.
    #[arg(long)]
    pub ship: bool,
    /// Copy perf's recording here, for `perf report -i PATH` afterwards.
    #[arg(long, value_name = "PATH")]
    pub keep_data: Option<std::path::PathBuf>,
}

/// The parts of the work, in the order a sample is tested against them: a sample belongs to the
/// first part one of whose frames its stack contains.
pub const PARTS: [(&str, &[&str]); 6] = [
    (
        "logging: writing and shipping log lines",
        &[
            "json_subscriber",
            "cloudwatch_shipper",
            "tracing_subscriber::fmt",
            "Event::dispatch",
            "Subscriber>::event",
        ],
    ),
    (
        "logging: entering and leaving spans",
        &[
            "as tracing_core::subscriber::Subscriber>::enter",
            "as tracing_core::subscriber::Subscriber>::exit",
            "as tracing_core::subscriber::Subscriber>::new_span",
            "as tracing_core::subscriber::Subscriber>::try_close",
            "as tracing_core::subscriber::Subscriber>::clone_span",
        ],
    ),
    (
        "rows: decoding columns (sqlx, chrono, UTF-8 checks)",
        // The list's decoding is inlined into the handler: its frames are named without a path.
        &[
            "FromRow<",
            "borrow_row",
            "check_column_types",
            "try_get_unchecked",
        ],
    ),
    (
        "rows: PostgreSQL's messages and sqlx's row stream",
        &["TryAsyncStream<T> as futures_core::stream::Stream>::poll_next"],
    ),
    (
        "response: writing the JSON",
        &[
            "TodoListJson",
            "list_json::",
            "civil_from_days",
            "serde_json::ser",
        ],
    ),
    (
        "HTTP: reading requests, writing responses (hyper, kernel)",
        &[
            "Dispatcher<D,Bs,I,T>::poll_flush",
            "Dispatcher<D,Bs,I,T>::poll_read",
            "poll_write_buf",
        ],
    ),
];
const REST: &str = "the rest: runtime, routing, pool, other kernel work";

/// How many samples fell in each part (`PARTS` order, then the rest), from the text of
/// `perf script -F ip,sym`: one frame per line, leaf first, a blank line after each sample.
pub fn fold(perf_script: &str) -> (Vec<u64>, u64) {
    let mut counts = vec![0; PARTS.len() + 1];
    let mut total = 0;
    let mut frames: Vec<&str> = Vec::new();
    let mut finish = |frames: &mut Vec<&str>| {
        if frames.is_empty() {
            return;
        }
        let part = PARTS
            .iter()
            .position(|(_, patterns)| {
                frames
                    .iter()
                    .any(|frame| patterns.iter().any(|pattern| frame.contains(pattern)))
            })
            .unwrap_or(PARTS.len());
        counts[part] += 1;
        total += 1;
        frames.clear();
    };
    for line in perf_script.lines() {
        let line = line.trim();
        if line.is_empty() {
            finish(&mut frames);
        } else if line.starts_with(|c: char| c.is_ascii_hexdigit()) && line.contains(' ') {
            frames.push(line);
        }
        // Anything else is a sample's header line (command, pid, time, event).
    }
    finish(&mut frames);
    (counts, total)
}

/// The functions the samples were in (the innermost frame, inlined ones included), most
/// frequent first.
pub fn leaves(perf_script: &str) -> Vec<(String, u64)> {
    let mut counts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut in_sample = false;
    for line in perf_script.lines() {
        let line = line.trim();
        if line.is_empty() {
            in_sample = false;
        } else if let Some((_, frame)) = line
            .split_once(' ')
            .filter(|_| line.starts_with(|c: char| c.is_ascii_hexdigit()))
        {
            if !in_sample {
                let name = frame.trim().trim_end_matches(" (inlined)");
                let name = name.rsplit_once("+0x").map_or(name, |(name, _)| name);
                *counts.entry(name.to_owned()).or_default() += 1;
                in_sample = true;
            }
        }
    }
    let mut leaves: Vec<(String, u64)> = counts.into_iter().collect();
    leaves.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    leaves
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.duration.is_nan() || args.duration < 2.0 {
        bail!("--duration must be at least 2 seconds");
    }
    if crate::machine::online_cpus() < 2 {
        bail!("the profile needs 2 CPUs (the app on one, everything else on the other)");
    }
    let perf = Command::new("perf").arg("--version").output();
    if !perf.is_ok_and(|output| output.status.success()) {
        bail!("perf is not installed: `apt-get install linux-perf` (Debian)");
    }
    crate::calibrate::emulated::check_environment()?;
    crate::cargo_build("profiling", &["solution"])?;
    crate::cargo_build(crate::DEPLOY_PROFILE, &["bench"])?;
    let work = tempfile::Builder::new()
        .prefix("taskoverflow-profile.")
        .tempdir()?;
    let binary = work.path().join("solution");
    std::fs::copy(crate::target_dir().join("profiling/solution"), &binary)
        .context("cannot copy the profiling build of the solution")?;
    let loadgen = work.path().join("loadgen");
    std::fs::copy(
        crate::target_dir()
            .join(crate::DEPLOY_PROFILE)
            .join("loadgen"),
        &loadgen,
    )
    .context("cannot copy loadgen")?;

    let _lock = crate::load_rig::load_test_lock()?;
    crate::load_rig::pin_to_cpu(0, OTHER_CPU).context("cannot pin this process to CPU 1")?;
    let db = Database::start(POSTGRES_IMAGE, OTHER_CPU)?;
    // Started here, after the pinning: on CPU 1 like the rest.
    let moto = args.ship.then(testkit::Moto::start).transpose()?;
    let moto_env = moto
        .as_ref()
        .map(testkit::Moto::app_env)
        .unwrap_or_default();
    let mut env = vec![
        ("LOG_GROUP", "profile"),
        ("RUST_LOG", args.rust_log.as_str()),
    ];
    env.extend(moto_env.iter().map(|(key, value)| (*key, value.as_str())));
    let port = testkit::moto::free_port()?;
    let app = crate::load_rig::LoggedApp::spawn(
        &binary,
        &db.url(),
        &env,
        port,
        &work.path().join("app.log"),
        Some(APP_CPU),
    )?;
    let health = Command::new(&loadgen)
        .args(["wait-healthy", "--url"])
        .arg(format!("{}/api/v1/health", app.base_url()))
        .args(["--since-ns", "0", "--timeout", "60"])
        .output()?;
    if !health.status.success() {
        bail!(
            "the app did not answer /api/v1/health: {}",
            String::from_utf8_lossy(&health.stderr)
        );
    }
    // After the app's start: its migrations create the table.
    db.seed(args.todos)?;

    let warmup = 2.0;
    let load = Command::new(&loadgen)
        .args(["get", "--url"])
        .arg(format!("{}/api/v1/todos", app.base_url()))
        .args(["--connections", &args.connections.to_string()])
        .args(["--duration", &args.duration.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start loadgen")?;
    std::thread::sleep(Duration::from_secs_f64(warmup));
    let cpu_before = process_cpu(app.pid())?;
    let data = work.path().join("perf.data");
    let recorded = Command::new("perf")
        .args([
            "record",
            "--quiet",
            "-F",
            "499",
            "--call-graph",
            "dwarf,16384",
        ])
        .arg("-o")
        .arg(&data)
        .args(["-p", &app.pid().to_string(), "--", "sleep"])
        .arg(format!("{:.1}", args.duration - 0.5))
        .stdout(Stdio::null())
        .status()
        .context("cannot run perf record")?;
    let output = load.wait_with_output()?;
    let cpu = process_cpu(app.pid())?.saturating_sub(cpu_before);
    app.stop()?;
    if !recorded.success() {
        bail!("perf record failed ({recorded}): is perf_event_paranoid too strict?");
    }
    let measured: crate::bench::Load =
        serde_json::from_slice(&output.stdout).with_context(|| {
            format!(
                "loadgen printed {:?}",
                String::from_utf8_lossy(&output.stdout)
            )
        })?;
    if measured.operations == 0 || measured.errors > 0 {
        bail!(
            "the load had {} requests and {} errors",
            measured.operations,
            measured.errors
        );
    }
    // The CPU was read from the end of the warm-up to the end of the load: the measured part.
    let us_per_request = cpu.as_secs_f64() * 1e6 / measured.operations as f64;
    if let Some(keep) = &args.keep_data {
        std::fs::copy(&data, keep)
            .with_context(|| format!("cannot copy perf's recording to {}", keep.display()))?;
    }
    let script = perf_script(&data)?;
    let (counts, total) = fold(&script);
    print!(
        "{}",
        render(&args, measured.rate, us_per_request, &counts, total)
    );
    println!("\nthe functions the samples were in (top 15)");
    for (name, count) in leaves(&script).into_iter().take(15) {
        let name: String = name.chars().take(100).collect();
        println!(
            "{:>6.1}%  {name}",
            count as f64 * 100.0 / total.max(1) as f64
        );
    }
    Ok(())
}

fn perf_script(data: &Path) -> anyhow::Result<String> {
    let output = Command::new("perf")
        .args(["script", "-F", "ip,sym", "-i"])
        .arg(data)
        .stderr(Stdio::null())
        .output()
        .context("cannot run perf script")?;
    if !output.status.success() {
        bail!("perf script failed ({})", output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn render(args: &Args, rate: f64, us_per_request: f64, counts: &[u64], total: u64) -> String {
    let (shipped, ship_flag) = if args.ship {
        (", logs shipped to moto", " --ship")
    } else {
        ("", "")
    };
    let mut out = format!(
        "==== where the CPU goes: GET /api/v1/todos with {} todos, solution, RUST_LOG={}{}\n\
         command       cargo xtask profile --todos {} --duration {} --rust-log {}{}\n\
         load          {} keep-alive connections, {:.0} req/s, app on CPU {APP_CPU} alone\n\
         app CPU       {us_per_request:.0} us per request\n\
         samples       {total} (perf record -F 499 --call-graph dwarf)\n\n\
         {:<60} {:>7} {:>9}\n",
        args.todos,
        args.rust_log,
        shipped,
        args.todos,
        args.duration,
        args.rust_log,
        ship_flag,
        args.connections,
        rate,
        "part of the work",
        "share",
        "us/req",
    );
    let labels = PARTS.iter().map(|(label, _)| *label).chain([REST]);
    for (label, count) in labels.zip(counts) {
        let share = if total == 0 {
            0.0
        } else {
            *count as f64 / total as f64
        };
        out.push_str(&format!(
            "{label:<60} {:>6.1}% {:>9.0}\n",
            share * 100.0,
            share * us_per_request
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "\
solution 11213  1528.610165:    2000000 cpu-clock:pppH:
\t          63b746 <tracing_subscriber::layer::layered::Layered<L,S> as tracing_core::subscriber::Subscriber>::enter+0x266
\t          788380 <tracing::instrument::Instrumented<T> as core::future::future::Future>::poll+0x30
\t          7c28f0 <sqlx_core::ext::async_stream::TryAsyncStream<T> as futures_core::stream::Stream>::poll_next+0xb7

solution 11213  1528.610166:    2000000 cpu-clock:pppH:
\t          817dd3 core::str::converts::from_utf8
\t          817dd4 borrow_row (inlined)
\t          7c28f0 <F as axum::handler::Handler<(M,T1,T2),S>>::call::{{closure}}+0xb7

solution 11213  1528.610167:    2000000 cpu-clock:pppH:
\t          97aec _int_malloc
\t          7c28f1 tokio::runtime::scheduler::multi_thread::worker::Context::run
";

    #[test]
    fn a_sample_goes_to_the_first_part_its_stack_contains() {
        let (counts, total) = fold(SCRIPT);
        assert_eq!(total, 3);
        // The span enter under the row stream is logging's, not the stream's.
        assert_eq!(counts[1], 1);
        assert_eq!(counts[2], 1);
        assert_eq!(counts[3], 0);
        assert_eq!(counts[PARTS.len()], 1);
    }

    #[test]
    fn the_innermost_frame_of_each_sample_is_counted() {
        let leaves = leaves(SCRIPT);
        assert_eq!(leaves.len(), 3);
        assert!(leaves.iter().all(|(_, count)| *count == 1));
        assert!(leaves.iter().any(|(name, _)| name == "_int_malloc"));
        assert!(leaves.iter().any(|(name, _)| name
            == "<tracing_subscriber::layer::layered::Layered<L,S> as tracing_core::subscriber::Subscriber>::enter"));
    }

    #[test]
    fn the_report_says_whether_the_logs_were_shipped() {
        let mut args = Args {
            todos: 400,
            duration: 8.0,
            rust_log: "info".into(),
            connections: 20,
            ship: false,
            keep_data: None,
        };
        let counts = vec![0; PARTS.len() + 1];
        let local = render(&args, 1.0, 1.0, &counts, 0);
        assert!(local.contains("--rust-log info\n"), "{local}");
        assert!(!local.contains("shipped"), "{local}");
        args.ship = true;
        let shipped = render(&args, 1.0, 1.0, &counts, 0);
        assert!(shipped.contains("--rust-log info --ship\n"), "{shipped}");
        assert!(
            shipped.contains("RUST_LOG=info, logs shipped to moto\n"),
            "{shipped}"
        );
    }

    #[test]
    fn an_empty_script_has_no_samples() {
        assert_eq!(fold("").1, 0);
    }
}
