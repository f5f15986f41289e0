//! Every request gets one correlation ID: in its log lines (SQL included) and in the
//! `x-request-id` response header; a client's own id is kept only when well-formed.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::app;
use crate::hints;
use crate::task::{Problem, Task, TaskContext};
use crate::traffic::{self, Exchange, RawExchange};

pub const TASK: Task = Task {
    name: "correlation_ids",
    points: 3,
    run: |ctx| Box::pin(run(ctx)),
};

fn fail(ctx: &TaskContext, problem: impl std::fmt::Display) -> Problem {
    hints::failure(ctx.task, problem)
}

/// How the app must treat an incoming `x-request-id`.
enum Rule {
    Keep,
    Replace,
}

/// Each class of incoming id, by the rule: 1–64 characters of `[A-Za-z0-9._-]` are kept,
/// anything else (and a header sent twice) is replaced by a fresh UUID v4.
fn id_cases() -> Vec<(Vec<&'static [u8]>, Rule)> {
    const LONGEST: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._";
    const TOO_LONG: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-";
    let mut cases = vec![
        (vec![&b"lab-42.trace_A"[..]], Rule::Keep),
        (vec![LONGEST], Rule::Keep),
        (vec![TOO_LONG], Rule::Replace),
        (vec![&b""[..]], Rule::Replace),
        (vec![&b"lab-1"[..], b"lab-2"], Rule::Replace),
    ];
    for bad in [
        &b"a\"b"[..],
        b"a/b",
        b"a b",
        b"a\\b",
        b"a\tb",
        "\u{e9}".as_bytes(),
        b"{\"level\":\"ERROR\"}",
    ] {
        cases.push((vec![bad], Rule::Replace));
    }
    cases
}

/// Shows a header value as the student would type it.
fn shown(ids: &[Vec<u8>]) -> String {
    let shown: Vec<_> = ids
        .iter()
        .map(|id| {
            format!(
                "`x-request-id: {}`",
                String::from_utf8_lossy(id).escape_debug()
            )
        })
        .collect();
    shown.join(" and ")
}

/// Checks what came back for one raw request: the id in the response follows the rule, and
/// every line logged for the request carries that id, its exact method and its exact url.
fn check_raw(
    ctx: &TaskContext,
    exchange: &RawExchange,
    rule: &Rule,
    lines: &[Map<String, Value>],
) -> Result<String, Problem> {
    let request = format!(
        "`{} {}` sent with {}",
        exchange.method,
        exchange.target,
        shown(&exchange.ids_sent)
    );
    let Some(id) = exchange.request_id.clone() else {
        return Err(fail(
            ctx,
            format!("the response to {request} has no x-request-id header"),
        ));
    };
    match rule {
        Rule::Keep if exchange.ids_sent.first().map(Vec::as_slice) != Some(id.as_bytes()) => {
            return Err(fail(
                ctx,
                format!(
                "{request} got back `x-request-id: {id}`: a well-formed id (1–64 characters of \
                 [A-Za-z0-9._-]) must be kept exactly"
            ),
            ));
        }
        Rule::Replace
            if uuid::Uuid::parse_str(&id).map_or(true, |uuid| uuid.get_version_num() != 4) =>
        {
            return Err(fail(
                ctx,
                format!(
                    "{request} got back `x-request-id: {}`: an id that is not 1–64 characters of \
                 [A-Za-z0-9._-] (or one sent twice) must be replaced by a fresh UUID v4",
                    id.escape_debug()
                ),
            ));
        }
        _ => {}
    }
    // The target is unique to this request: every line that names it belongs to it.
    for line in lines
        .iter()
        .filter(|line| line.get("url") == Some(&json!(exchange.target)))
    {
        if line.get("request_id") != Some(&json!(id)) {
            return Err(fail(
                ctx,
                format!(
                "a log line of {request} has request_id {}, but the response said {id:?}: every \
                 line must carry the id the client got back",
                line.get("request_id").map_or("none".to_owned(), Value::to_string)
            ),
            ));
        }
    }
    let of_request = lines_of_request(ctx, &request, &id, lines)?;
    for line in &of_request {
        if line.get("url") != Some(&json!(exchange.target))
            || line.get("method") != Some(&json!(exchange.method))
        {
            return Err(fail(
                ctx,
                format!(
                "a line of {request} shows method {} and url {}: both must be exactly what the \
                 client sent (the raw request target, query included)",
                line.get("method").map_or("none".to_owned(), Value::to_string),
                line.get("url").map_or("none".to_owned(), Value::to_string)
            ),
            ));
        }
    }
    Ok(id)
}

async fn run(ctx: TaskContext) -> Result<(), Problem> {
    let app = app::start(&ctx, &[]).await?;
    let base_url = app.base_url();
    let exchanges = traffic::scripted(&base_url).await?;
    // The same request without the header: what every request with an id, good or bad, must get.
    let plain = traffic::send_raw(&base_url, "GET", "/api/v1/health?case=plain", &[]).await?;
    let mut raw = Vec::new();
    for (number, (ids, rule)) in id_cases().into_iter().enumerate() {
        let target = format!("/api/v1/health?case={number}");
        raw.push((
            traffic::send_raw(&base_url, "GET", &target, &ids).await?,
            rule,
        ));
    }
    for target in traffic::HOSTILE_TARGETS {
        raw.push((
            traffic::send_raw(&base_url, "GET", target, &[]).await?,
            Rule::Replace,
        ));
    }
    let lines = app::stop(app)?;
    let lines = app::json_lines(&lines).map_err(|(number, _)| {
        fail(&ctx, format!("line {number} of the app's stdout is not JSON, so no request id can be read from it (the structured_logs task comes first)"))
    })?;

    let mut ids = Vec::new();
    for exchange in &exchanges {
        let id = exchange.request_id.clone().ok_or_else(|| {
            fail(
                &ctx,
                format!(
                    "the response to `{} {}` has no x-request-id header",
                    exchange.method, exchange.path
                ),
            )
        })?;
        if ids.contains(&id) {
            return Err(fail(
                &ctx,
                format!("two requests got the same id {id:?}: each request needs a fresh one"),
            ));
        }
        check_request_lines(&ctx, exchange, &id, &lines)?;
        ids.push(id);
    }
    let mut fresh = ids.clone();
    for (exchange, _) in raw
        .iter()
        .filter(|(exchange, _)| !exchange.ids_sent.is_empty())
    {
        if (exchange.status, exchange.body.as_str()) != (plain.status, plain.body.as_str()) {
            return Err(fail(
                &ctx,
                format!(
                    "`{} {}` sent with {} was answered {} {}, while the same request without the \
                     header is answered {} {}: whatever the header holds, the request must be \
                     served as any other",
                    exchange.method,
                    exchange.target,
                    shown(&exchange.ids_sent),
                    exchange.status,
                    app::excerpt(exchange.body.trim()),
                    plain.status,
                    app::excerpt(plain.body.trim())
                ),
            ));
        }
    }
    for (exchange, rule) in &raw {
        let id = check_raw(&ctx, exchange, rule, &lines)?;
        if matches!(rule, Rule::Replace) {
            if fresh.contains(&id) {
                return Err(fail(
                    &ctx,
                    format!(
                        "two requests got the same id {id:?}: each replaced id must be a fresh one"
                    ),
                ));
            }
            fresh.push(id);
        }
    }
    snapshot(&ctx, &exchanges, &ids, &lines)
}

/// The lines that carry `id`, which must include the request's `Request started` and
/// `Request finished` lines.
fn lines_of_request<'a>(
    ctx: &TaskContext,
    request: &str,
    id: &str,
    lines: &'a [Map<String, Value>],
) -> Result<Vec<&'a Map<String, Value>>, Problem> {
    let of_request: Vec<_> = lines
        .iter()
        .filter(|line| line.get("request_id") == Some(&json!(id)))
        .collect();
    if of_request.is_empty() {
        return Err(fail(
            ctx,
            format!(
                "no log line has the request_id {id:?} that {request} returned in x-request-id"
            ),
        ));
    }
    for message in ["Request started", "Request finished"] {
        if !of_request
            .iter()
            .any(|line| line.get("message") == Some(&json!(message)))
        {
            return Err(fail(
                ctx,
                format!("{request} logged no {message:?} line with its request_id {id:?}"),
            ));
        }
    }
    Ok(of_request)
}

fn check_request_lines(
    ctx: &TaskContext,
    exchange: &Exchange,
    id: &str,
    lines: &[Map<String, Value>],
) -> Result<(), Problem> {
    let request = format!("`{} {}`", exchange.method, exchange.path);
    let of_request = lines_of_request(ctx, &request, id, lines)?;
    let finished = of_request
        .iter()
        .find(|line| line.get("message") == Some(&json!("Request finished")));
    if let Some(line) = finished {
        if line.get("status") != Some(&json!(exchange.status)) {
            return Err(fail(ctx, format!("the \"Request finished\" line of {request} should have \"status\": {}, it has {:?}", exchange.status, line.get("status"))));
        }
        if !line.get("latency_ms").is_some_and(Value::is_number) {
            return Err(fail(
                ctx,
                format!("the \"Request finished\" line of {request} needs a numeric latency_ms"),
            ));
        }
    }
    for line in &of_request {
        for field in ["method", "url"] {
            if !line.get(field).is_some_and(Value::is_string) {
                return Err(fail(ctx, format!("a line of {request} has no `{field}`")));
            }
        }
    }
    let runs_sql = exchange.method == Method::POST || exchange.method == Method::DELETE;
    let sql_with_id = of_request.iter().any(|line| {
        line.get("location")
            .and_then(Value::as_str)
            .is_some_and(|l| l.starts_with("sqlx"))
    });
    if runs_sql && !sql_with_id {
        return Err(fail(
            ctx,
            format!(
                "the SQL lines (location sqlx::query) of {request} do not carry its request_id"
            ),
        ));
    }
    Ok(())
}

/// The request lines projected onto the handout's fields, dynamic values redacted.
fn snapshot(
    ctx: &TaskContext,
    exchanges: &[Exchange],
    ids: &[String],
    lines: &[Map<String, Value>],
) -> Result<(), Problem> {
    let projected: Vec<BTreeMap<&str, Value>> = lines
        .iter()
        .filter(|line| {
            matches!(
                line.get("message").and_then(Value::as_str),
                Some("Request started" | "Request finished")
            )
        })
        .filter_map(|line| {
            let id = line.get("request_id")?.as_str()?;
            let number = ids.iter().position(|known| known == id)? + 1;
            Some(project(line, number))
        })
        .collect();
    let expected_lines = exchanges.len() * 2;
    if projected.len() != expected_lines {
        return Err(fail(ctx, format!(
            "expected {expected_lines} \"Request started\"/\"Request finished\" lines for the {} scripted requests, found {}",
            exchanges.len(),
            projected.len()
        )));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(ctx.graded.root().join("checks/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!("request_lines", projected));
    }));
    outcome.map_err(|_| {
        fail(
            ctx,
            "the request lines differ from the expected format (the diff is printed above; \
                   checks/snapshots/request_lines.snap is the expected form)",
        )
    })
}

/// A sorted map, so the snapshot does not depend on serde_json's `preserve_order` feature.
fn project(line: &Map<String, Value>, request: usize) -> BTreeMap<&'static str, Value> {
    let redact = |field: &str, placeholder: &str, valid: fn(&Value) -> bool| match line.get(field) {
        Some(value) if valid(value) => json!(placeholder),
        Some(value) => value.clone(),
        None => json!("<missing>"),
    };
    let copy = |field: &str| line.get(field).cloned().unwrap_or(json!("<missing>"));
    let mut out = BTreeMap::new();
    out.insert(
        "timestamp",
        redact("timestamp", "[rfc3339]", |v| {
            v.as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        }),
    );
    out.insert("level", copy("level"));
    out.insert(
        "location",
        redact("location", "[target]", |v| {
            v.as_str().is_some_and(|s| !s.is_empty())
        }),
    );
    out.insert("message", copy("message"));
    out.insert(
        "hostname",
        redact("hostname", "[hostname]", |v| {
            v.as_str().is_some_and(|s| !s.is_empty())
        }),
    );
    out.insert("request_id", json!(format!("[id of request {request}]")));
    out.insert("method", copy("method"));
    out.insert("url", copy("url"));
    if line.get("message") == Some(&json!("Request finished")) {
        out.insert("status", copy("status"));
        out.insert(
            "latency_ms",
            redact("latency_ms", "[milliseconds]", Value::is_number),
        );
    }
    out
}
