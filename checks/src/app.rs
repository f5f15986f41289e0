//! The graded app as a running process, with a fresh database.

use serde_json::{Map, Value};
use testkit::AppProcess;

use crate::task::{Problem, TaskContext};

/// Builds (once) and starts the target app on a fresh database; `env` adds to the variables
/// it gets.
pub async fn start(ctx: &TaskContext, env: &[(&str, &str)]) -> Result<AppProcess, Problem> {
    // A build error is the student's to fix, whatever the database does.
    ctx.target.binary()?;
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
    let binary = ctx.target.binary()?;
    AppProcess::start(&binary, database_url, env).map_err(|error| {
        Problem::Task(format!(
            "{} does not start and listen: {error:#}",
            ctx.target.crate_path
        ))
    })
}

/// Stops the app with SIGTERM and returns what it printed.
pub fn stop(ctx: &TaskContext, app: AppProcess) -> Result<Vec<String>, Problem> {
    app.stop().map(|(_, lines)| lines).map_err(|error| {
        Problem::Task(format!(
            "{} did not shut down cleanly on SIGTERM: {error:#}",
            ctx.target.crate_path
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
