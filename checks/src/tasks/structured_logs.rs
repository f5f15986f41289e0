//! Every line the app prints is one JSON object with the fields every line must have, even
//! when a value holds what a hand-made JSON line breaks on: the grader sends quotes,
//! backslashes, percent-encoded newlines, tabs and non-ASCII text, starts the app twice on one
//! database (PostgreSQL's notice that a table already exists quotes its name), and before the
//! second start makes PostgreSQL send a notice holding raw control characters and line breaks
//! whenever a todo is created, which the app logs (`sqlx::postgres::notice`).

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app::{self, excerpt};
use crate::database;
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

/// A title with every character class a JSON string must escape, and some it must not mangle.
pub const HOSTILE_TITLE: &str = "Say \"hi\" \\ to café ☕\n\tthen {leave}";

fn hint(ctx: &TaskContext) -> String {
    format!(
        "Look at {} and docs/handout.md, section \"Structured logging\".",
        ctx.graded.file("src/telemetry.rs")
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
    if lines.is_empty() {
        return Err(Problem::Task(format!(
            "the app printed nothing to stdout. {}",
            hint(&ctx)
        )));
    }
    let objects = app::json_lines(&lines).map_err(|(number, line)| {
        Problem::Task(format!(
            "line {number} of the app's output is not one JSON object: `{}`. Every line, from \
             start-up to shutdown, must be JSON, whatever its values hold (quotes, backslashes, \
             newlines: use a JSON library, not `format!`). {}",
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
