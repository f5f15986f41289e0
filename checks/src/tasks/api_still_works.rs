//! The API contract of the handout still holds: logging must not change behaviour.

use reqwest::Method;
use serde_json::{json, Value};

use crate::app;
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
    Err(Problem::Task(format!(
        "`{} {}` answered {}, expected {status}. The lab does not change the API: compare \
         {} with the handed-out code (`git diff -- {}`).",
        exchange.method,
        exchange.path,
        exchange.status,
        ctx.graded.file("src/routes/"),
        ctx.graded.file("src/"),
    )))
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
        (Some(actual), Some(wanted)) if actual != wanted => Err(Problem::Task(format!(
            "`{} {}` answered {{\"error\": {actual:?}}}, expected {{\"error\": {wanted:?}}}",
            exchange.method, exchange.path
        ))),
        (None, _) => Err(Problem::Task(format!(
            "`{} {}` answered {status} without an {{\"error\": ...}} body",
            exchange.method, exchange.path
        ))),
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
        Problem::Task("POST /api/v1/todos did not return the new todo with its id".to_owned())
    })?;
    let one = format!("{todos}/{id}");
    expect(&call(Method::GET, todos.clone(), None).await?, 200, &ctx)?;
    expect(&call(Method::GET, one.clone(), None).await?, 200, &ctx)?;
    let updated = call(Method::PUT, one.clone(), Some(json!({ "completed": true }))).await?;
    expect(&updated, 200, &ctx)?;
    let done = call(Method::GET, format!("{todos}?completed=true"), None).await?;
    expect(&done, 200, &ctx)?;
    if done.body.as_array().map(Vec::len) != Some(1) {
        return Err(Problem::Task(format!(
            "`GET {todos}?completed=true` should list the one completed todo, got {}",
            done.body
        )));
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
    let undefined = call(Method::GET, format!("{todos}/undefined"), None).await?;
    expect_error(&undefined, 404, Some("Todo not found"), &ctx)?;
    let deleted = call(Method::DELETE, one.clone(), None).await?;
    expect(&deleted, 200, &ctx)?;
    let again = call(Method::DELETE, one, None).await?;
    expect(&again, 200, &ctx)?;
    if again.body != json!({}) {
        return Err(Problem::Task(format!(
            "deleting a todo that is already gone should answer {{}}, got {}",
            again.body
        )));
    }
    app::stop(app)?;
    Ok(())
}
