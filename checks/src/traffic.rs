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

/// A planner creates a todo, a studier lists, a client asks for a todo by an id that is not a
/// number (answered 404), and the planner deletes the todo by its id.
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
    let not_found = send(
        &client,
        base_url,
        Method::GET,
        &format!("{todos}/not-a-number"),
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
    Ok(vec![created, listed, not_found, deleted])
}

/// What a raw request sent and what came back: the log lines of the request must carry
/// exactly these values.
#[derive(Debug, Clone)]
pub struct RawExchange {
    pub method: &'static str,
    /// The request target, byte for byte as sent (the `url` its log lines must show).
    pub target: String,
    /// Each `x-request-id` header sent, in order.
    pub ids_sent: Vec<Vec<u8>>,
    pub status: u16,
    pub request_id: Option<String>,
    /// The response body as sent (unchunked only; the app sends JSON with a length).
    pub body: String,
}

/// Sends one HTTP/1.1 request over a plain socket, so that nothing normalises what a hostile
/// client would send: quotes and backslashes in the path, odd bytes or a repeated header.
pub async fn send_raw(
    base_url: &str,
    method: &'static str,
    target: &str,
    ids: &[&[u8]],
) -> Result<RawExchange, Problem> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = base_url.trim_start_matches("http://");
    let mut request = format!("{method} {target} HTTP/1.1\r\nHost: {address}\r\n").into_bytes();
    for id in ids {
        request.extend_from_slice(b"x-request-id: ");
        request.extend_from_slice(id);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    let failed =
        |error: std::io::Error| Problem::Task(format!("{method} {target} got no answer: {error}"));
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(failed)?;
    stream.write_all(&request).await.map_err(failed)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.map_err(failed)?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| Problem::Task(format!("{method} {target} got no HTTP status line")))?;
    let request_id = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("x-request-id"))
        .map(|(_, value)| value.trim().to_owned());
    Ok(RawExchange {
        method,
        target: target.to_owned(),
        ids_sent: ids.iter().map(|id| id.to_vec()).collect(),
        status,
        request_id,
        body: body.to_owned(),
    })
}

/// Request targets with what a hand-made JSON line breaks on, sent raw: quotes, a backslash,
/// braces, and percent-encoded newline, tab and non-ASCII (HTTP allows no raw ones). The app
/// answers each with a 404 or 400 and must log it as faithfully as any other request.
pub const HOSTILE_TARGETS: [&str; 4] = [
    "/api/v1/todos/say\"hi\"",
    "/api/v1/todos/back\\slash{}",
    "/api/v1/todos?completed='yes'",
    "/api/v1/todos?window=%0A%09caf%C3%A9%E2%98%95",
];
