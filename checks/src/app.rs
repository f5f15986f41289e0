//! The graded app as a running process, with a fresh database.

use std::path::Path;

use serde_json::{Map, Value};
use testkit::AppProcess;

use crate::app_build::BuildFailure;
use crate::task::{Problem, TaskContext};

/// The task that shows the compiler's errors when the app does not build; every other task
/// says it was not run.
const SHOWS_BUILD_ERRORS: &str = "api_still_works";

/// The built app, or why there is none, worded for this task.
pub fn binary(ctx: &TaskContext) -> Result<&Path, Problem> {
    ctx.graded.binary().map_err(|failure| match failure {
        BuildFailure::Compile(errors) if ctx.task == SHOWS_BUILD_ERRORS => Problem::Task(format!(
            "{} does not compile. The compiler's first errors:\n{errors}\nRun `cargo build -p \
             starter` to see them all.",
            crate::graded::APP
        )),
        BuildFailure::Compile(_) => Problem::Task(format!(
            "not run: {} does not compile (the compiler's errors are under \
             {SHOWS_BUILD_ERRORS})",
            crate::graded::APP
        )),
        BuildFailure::Machine(message) => Problem::Environment(format!(
            "the app could not be built on this machine: {message}"
        )),
    })
}

/// Builds (once) and starts the target app on a fresh database; `env` adds to the variables
/// it gets.
pub async fn start(ctx: &TaskContext, env: &[(&str, &str)]) -> Result<AppProcess, Problem> {
    // A build error is the student's to fix, whatever the database does.
    binary(ctx)?;
    let database = fresh_database().await?;
    start_on(ctx, &database, env)
}

/// A database of its own for one check.
pub async fn fresh_database() -> Result<String, Problem> {
    let database = testkit::fresh_database().await.map_err(|error| {
        Problem::Environment(format!(
            "cannot get a PostgreSQL database to run the app against: {error:#}"
        ))
    })?;
    Ok(database.url)
}

/// Starts the target app on a database that may already hold its tables.
pub fn start_on(
    ctx: &TaskContext,
    database_url: &str,
    env: &[(&str, &str)],
) -> Result<AppProcess, Problem> {
    let binary = binary(ctx)?;
    AppProcess::start(binary, database_url, env).map_err(|error| {
        Problem::Task(format!(
            "{} does not start and listen: {error:#}",
            crate::graded::APP
        ))
    })
}

/// Stops the app with SIGTERM and returns what it printed.
pub fn stop(app: AppProcess) -> Result<Vec<String>, Problem> {
    app.stop().map(|(_, lines)| lines).map_err(|error| {
        Problem::Task(format!(
            "{} did not shut down cleanly on SIGTERM: {error:#}",
            crate::graded::APP
        ))
    })
}

/// Every line as a JSON object, or the first line that is not one.
pub fn json_lines(lines: &[String]) -> Result<Vec<Map<String, Value>>, (usize, String)> {
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => Ok(object),
            _ => Err((index + 1, line.clone())),
        })
        .collect()
}

/// Shortens a log line for a message a student reads in a terminal.
pub fn excerpt(line: &str) -> String {
    const MAX: usize = 160;
    if line.chars().count() <= MAX {
        line.to_owned()
    } else {
        format!("{}…", line.chars().take(MAX).collect::<String>())
    }
}
