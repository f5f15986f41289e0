//! The API contract of the handout still holds: logging must not change behaviour.

use reqwest::Method;
use serde_json::{json, Value};

use crate::app;
use crate::hints;
use crate::task::{Problem, Task, TaskContext};
use crate::traffic::{send, Exchange};

pub const TASK: Task = Task {
    name: "api_still_works",
    points: 1,
    run: |ctx| Box::pin(run(ctx)),
};

fn expect(exchange: &Exchange, status: u16, ctx: &TaskContext) -> Result<(), Problem> {
    if exchange.status == status {
        return Ok(());
    }
    Err(hints::failure(
        ctx.task,
        format!(
            "`{} {}` answered {}, where docs/api.md documents {status}",
            exchange.method, exchange.path, exchange.status,
        ),
    ))
}

fn expect_error(
    exchange: &Exchange,
    status: u16,
    message: Option<&str>,
    ctx: &TaskContext,
) -> Result<(), Problem> {
    expect(exchange, status, ctx)?;
    let error = exchange.body.get("error").and_then(Value::as_str);
    match (error, message) {
        (Some(actual), Some(wanted)) if actual != wanted => Err(hints::failure(
            ctx.task,
            format!(
                "`{} {}` answered {{\"error\": {actual:?}}}, where docs/api.md documents \
                 {{\"error\": {wanted:?}}}",
                exchange.method, exchange.path
            ),
        )),
        (None, _) => Err(hints::failure(
            ctx.task,
            format!(
                "`{} {}` answered {status} without an {{\"error\": ...}} body",
                exchange.method, exchange.path
            ),
        )),
        _ => Ok(()),
    }
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let app = app::start(&ctx, &[]).await?;
    let base = app.base_url();
    let client = reqwest::Client::new();
    let call = |method: Method, path: String, body: Option<Value>| {
        let (client, base) = (&client, &base);
        async move { send(client, base, method, &path, body, None).await }
    };
    let todos = "/api/v1/todos".to_owned();

    let health = call(Method::GET, "/api/v1/health".into(), None).await?;
    expect(&health, 200, &ctx)?;
    let created = call(
        Method::POST,
        todos.clone(),
        Some(json!({ "title": "Check the API", "deadline_at": "2023-12-04T14:00:00" })),
    )
    .await?;
    expect(&created, 201, &ctx)?;
    let id = created.body["id"].as_i64().ok_or_else(|| {
        hints::failure(
            ctx.task,
            "POST /api/v1/todos did not return the new todo with its id",
        )
    })?;
    let one = format!("{todos}/{id}");
    expect(&call(Method::GET, todos.clone(), None).await?, 200, &ctx)?;
    expect(&call(Method::GET, one.clone(), None).await?, 200, &ctx)?;
    let updated = call(Method::PUT, one.clone(), Some(json!({ "completed": true }))).await?;
    expect(&updated, 200, &ctx)?;
    let done = call(Method::GET, format!("{todos}?completed=true"), None).await?;
    expect(&done, 200, &ctx)?;
    if done.body.as_array().map(Vec::len) != Some(1) {
        return Err(hints::failure(
            ctx.task,
            format!(
                "`GET {todos}?completed=true` listed {}, not the one completed todo",
                done.body
            ),
        ));
    }
    let bad_filter = call(Method::GET, format!("{todos}?completed=maybe"), None).await?;
    expect_error(&bad_filter, 400, None, &ctx)?;
    let bad_window = call(Method::GET, format!("{todos}?window=-1"), None).await?;
    expect_error(&bad_window, 400, None, &ctx)?;
    let extra = call(
        Method::POST,
        todos.clone(),
        Some(json!({ "title": "x", "colour": "red" })),
    )
    .await?;
    expect_error(&extra, 400, Some("extra fields"), &ctx)?;
    let untitled = call(Method::POST, todos.clone(), Some(json!({}))).await?;
    expect_error(&untitled, 400, Some("missing title"), &ctx)?;
    let not_a_number = call(Method::GET, format!("{todos}/not-a-number"), None).await?;
    expect_error(&not_a_number, 404, Some("Todo not found"), &ctx)?;
    let deleted = call(Method::DELETE, one.clone(), None).await?;
    expect(&deleted, 200, &ctx)?;
    let again = call(Method::DELETE, one, None).await?;
    expect(&again, 200, &ctx)?;
    if again.body != json!({}) {
        return Err(hints::failure(
            ctx.task,
            format!(
                "deleting a todo that is already gone answered {}, where docs/api.md documents {{}}",
                again.body
            ),
        ));
    }
    app::stop(app)?;
    Ok(())
}
