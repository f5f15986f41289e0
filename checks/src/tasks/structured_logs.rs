//! Every line the app prints is one JSON object with the fields every line must have.

use serde_json::{Map, Value};

use crate::app::{self, excerpt};
use crate::task::{Problem, Task, TaskContext};
use crate::traffic;

pub const TASK: Task = Task {
    name: "structured_logs",
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

/// Fields every line carries (docs/handout.md, "Structured logging").
pub const EVERY_LINE: [&str; 5] = ["timestamp", "level", "location", "message", "hostname"];
const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

fn hint(ctx: &TaskContext) -> String {
    format!(
        "Look at {} and docs/handout.md, section \"Structured logging\".",
        ctx.target.file("src/telemetry.rs")
    )
}

/// Checks one line's required fields; the error names the first problem.
pub fn check_line(line: &Map<String, Value>) -> Result<(), String> {
    for field in EVERY_LINE {
        match line.get(field) {
            Some(Value::String(_)) => {}
            Some(other) => return Err(format!("`{field}` should be a string, not {other}")),
            None => return Err(format!("it has no `{field}` field")),
        }
    }
    let timestamp = line["timestamp"].as_str().unwrap_or_default();
    let utc = chrono::DateTime::parse_from_rfc3339(timestamp)
        .is_ok_and(|moment| moment.offset().local_minus_utc() == 0);
    if !utc {
        return Err(format!(
            "`timestamp` {timestamp:?} is not an RFC 3339 time in UTC"
        ));
    }
    let level = line["level"].as_str().unwrap_or_default();
    if !LEVELS.contains(&level) {
        return Err(format!("`level` {level:?} should be one of {LEVELS:?}"));
    }
    Ok(())
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let app = app::start(&ctx, &[]).await?;
    let base_url = app.base_url();
    traffic::scripted(&base_url).await?;
    let lines = app::stop(&ctx, app)?;
    if lines.is_empty() {
        return Err(Problem::Task(format!(
            "the app printed nothing to stdout. {}",
            hint(&ctx)
        )));
    }
    let objects = app::json_lines(&lines).map_err(|(number, line)| {
        Problem::Task(format!(
            "line {number} of the app's output is not one JSON object: `{}`. Every line, from \
             start-up to shutdown, must be JSON. {}",
            excerpt(&line),
            hint(&ctx)
        ))
    })?;
    for (index, object) in objects.iter().enumerate() {
        check_line(object).map_err(|problem| {
            Problem::Task(format!(
                "line {} of the app's output: {problem}: `{}`. {}",
                index + 1,
                excerpt(&lines[index]),
                hint(&ctx)
            ))
        })?;
    }
    Ok(())
}
