//! The JSON lines reach CloudWatch Logs, read back with GetLogEvents from a local emulator
//! (moto). Each run ships to a log group of its own (`LOG_GROUP`, which the app reads), so that
//! an emulator shared by several gradings never mixes their events.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use testkit::Moto;

use crate::app;
use crate::hints;
use crate::task::{Problem, Task, TaskContext};
use crate::traffic;

pub const TASK: Task = Task {
    name: "logs_reach_cloudwatch",
    points: 2,
    run: |ctx| Box::pin(run(ctx)),
};

fn fail(ctx: &TaskContext, problem: impl std::fmt::Display) -> Problem {
    hints::failure(ctx.task, problem)
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let moto = Moto::start_program(ctx.graded.tools.moto_server.as_deref().ok())
        .map_err(|error| Problem::Environment(format!("{error:#}")))?;
    let group = format!("taskoverflow-grading-{}", uuid::Uuid::new_v4().simple());
    let mut env = moto.app_env();
    env.push(("LOG_GROUP", group.clone()));
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(key, value)| (*key, value.as_str()))
        .collect();
    let group = group.as_str();
    let app = app::start(&ctx, &env).await?;
    let base_url = app.base_url();
    let exchanges = traffic::scripted(&base_url).await?;
    // The app flushes its buffer on SIGTERM; what it has not sent by then is lost.
    app::stop(app)?;

    let events = moto.read_group(group).await.map_err(|error| {
        fail(
            &ctx,
            format!(
                "nothing arrived in CloudWatch log group {group:?}, the one the app was started \
                 with (LOG_GROUP={group}) ({error:#})"
            ),
        )
    })?;
    if events.is_empty() {
        return Err(fail(
            &ctx,
            format!("log group {group:?} exists but holds no events"),
        ));
    }
    // Counted, not quoted: the student reads the events themselves in the log group.
    let mut objects = Vec::new();
    let mut not_json: BTreeMap<&str, usize> = BTreeMap::new();
    for (stream, message) in &events {
        match serde_json::from_str::<Value>(message) {
            Ok(Value::Object(object)) => objects.push(object),
            _ => *not_json.entry(stream.as_str()).or_default() += 1,
        }
    }
    if !not_json.is_empty() {
        let streams: Vec<String> = not_json
            .iter()
            .map(|(stream, count)| format!("{count} in stream {stream:?}"))
            .collect();
        return Err(fail(
            &ctx,
            format!(
                "{} of the {} events in log group {group:?} are not JSON objects ({})",
                not_json.values().sum::<usize>(),
                events.len(),
                streams.join(", ")
            ),
        ));
    }
    for exchange in &exchanges {
        let Some(id) = &exchange.request_id else {
            return Err(fail(&ctx, format!(
                "`{} {}` returned no x-request-id, so its lines cannot be found in CloudWatch (see correlation_ids)",
                exchange.method, exchange.path
            )));
        };
        let finished = objects.iter().any(|line| {
            line.get("request_id") == Some(&json!(id))
                && line.get("message") == Some(&json!("Request finished"))
        });
        if !finished {
            return Err(fail(&ctx, format!(
                "the \"Request finished\" line of `{} {}` (request_id {id}) never reached CloudWatch",
                exchange.method, exchange.path
            )));
        }
    }
    Ok(())
}
