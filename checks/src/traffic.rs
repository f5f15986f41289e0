//! The scripted requests the log checks send: the lab's story in four calls.

use reqwest::Method;
use serde_json::{json, Value};

use crate::task::Problem;

#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: Method,
    pub path: String,
    pub status: u16,
    /// The `x-request-id` the response carried, if any.
    pub request_id: Option<String>,
    pub body: Value,
}

pub async fn send(
    client: &reqwest::Client,
    base_url: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    request_id: Option<&str>,
) -> Result<Exchange, Problem> {
    let mut request = client.request(method.clone(), format!("{base_url}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    let response = request
        .send()
        .await
        .map_err(|error| Problem::Task(format!("{method} {path} got no answer: {error}")))?;
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = response.json().await.unwrap_or(Value::Null);
    Ok(Exchange {
        method,
        path: path.to_owned(),
        status,
        request_id,
        body,
    })
}

/// A planner creates a todo, a studier lists, a buggy client deletes `undefined`, and the
/// planner deletes the todo by its id.
pub async fn scripted(base_url: &str) -> Result<Vec<Exchange>, Problem> {
    let client = reqwest::Client::new();
    let todos = "/api/v1/todos";
    let created = send(
        &client,
        base_url,
        Method::POST,
        todos,
        Some(json!({ "title": "CSSE6400 Cloud Assignment" })),
        None,
    )
    .await?;
    let Some(id) = created.body.get("id").and_then(Value::as_i64) else {
        return Err(Problem::Task(format!(
            "POST {todos} answered {} without a todo id: the API itself is broken (see the api_still_works task)",
            created.status
        )));
    };
    let listed = send(&client, base_url, Method::GET, todos, None, None).await?;
    let undefined = send(
        &client,
        base_url,
        Method::GET,
        &format!("{todos}/undefined"),
        None,
        None,
    )
    .await?;
    let deleted = send(
        &client,
        base_url,
        Method::DELETE,
        &format!("{todos}/{id}"),
        None,
        None,
    )
    .await?;
    Ok(vec![created, listed, undefined, deleted])
}
