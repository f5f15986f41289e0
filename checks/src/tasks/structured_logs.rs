//! Every line the app prints is one JSON object with the fields every line must have, even
//! when a value holds what a hand-made JSON line breaks on: the grader sends quotes,
//! backslashes, percent-encoded newlines, tabs and non-ASCII text, starts the app twice on one
//! database (PostgreSQL's notice that a table already exists quotes its name), and before the
//! second start makes PostgreSQL send a notice holding raw control characters and line breaks
//! whenever a todo is created, which the app logs (`sqlx::postgres::notice`).

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app;
use crate::database;
use crate::hints;
use crate::log_format;
use crate::task::{Problem, Task, TaskContext};
use crate::traffic;

pub const TASK: Task = Task {
    name: "structured_logs",
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// A title with every character class a JSON string must escape, and some it must not mangle.
pub const HOSTILE_TITLE: &str = "Say \"hi\" \\ to café ☕\n\tthen {leave}";

/// Checks one line's required fields; the error names the first problem.
pub fn check_line(line: &Map<String, Value>) -> Result<(), String> {
    for field in log_format::every_line() {
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

/// Client traffic with hostile values in every part a client controls: the body, the path,
/// the query and the `x-request-id` header.
async fn hostile_traffic(base_url: &str) -> Result<(), Problem> {
    traffic::scripted(base_url).await?;
    let client = reqwest::Client::new();
    let body = json!({ "title": HOSTILE_TITLE, "description": HOSTILE_TITLE });
    let todos = "/api/v1/todos";
    traffic::send(&client, base_url, Method::POST, todos, Some(body), None).await?;
    for target in traffic::HOSTILE_TARGETS {
        traffic::send_raw(base_url, "GET", target, &[b"say\"hi\"\\\tcaf\xC3\xA9"]).await?;
    }
    Ok(())
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    app::binary(&ctx)?;
    let database = app::fresh_database().await?;
    // The second start finds the tables of the first: its migration notice quotes a name. Before
    // it, PostgreSQL is told to send a notice with control characters and line breaks on every
    // new todo, which the app logs while serving the POSTs.
    let mut lines = Vec::new();
    for start in 0..2 {
        if start == 1 {
            database::notice_on_insert(&database).await?;
        }
        let app = app::start_on(&ctx, &database, &[])?;
        hostile_traffic(&app.base_url()).await?;
        lines.extend(app::stop(app)?);
    }
    let task = ctx.task;
    if lines.is_empty() {
        return Err(hints::failure(
            task,
            "the app printed nothing to stdout over two runs",
        ));
    }
    // What was observed, never the line itself: the student reads it in the app's own output.
    let objects = app::json_lines(&lines).map_err(|(number, line)| {
        hints::failure(
            task,
            format!(
                "line {number} of the app's stdout (of {} over two runs, with the grader's \
                 requests in between) is not one JSON object: {}",
                lines.len(),
                not_json(&line)
            ),
        )
    })?;
    for (index, object) in objects.iter().enumerate() {
        check_line(object).map_err(|problem| {
            hints::failure(
                task,
                format!("line {} of the app's stdout: {problem}", index + 1),
            )
        })?;
    }
    Ok(())
}

/// Why a line is not one JSON object, in the parser's words (where it stopped), not the line's.
fn not_json(line: &str) -> String {
    match serde_json::from_str::<Value>(line) {
        Ok(value) => format!("it is JSON, but {}, not an object", kind(&value)),
        Err(error) => {
            let at = format!(" at line {} column {}", error.line(), error.column());
            let why = error.to_string().replace(&at, "");
            format!("a JSON parser stops at column {}: {why}", error.column())
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
