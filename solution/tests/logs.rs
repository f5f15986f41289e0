//! The app's logs, captured from the real binary. The first tests hold before and after the
//! lab, whatever the log format: they are what your logging must keep doing.

use std::path::Path;

use serde_json::{json, Map, Value};
use testkit::AppProcess;

const BINARY: &str = env!(concat!("CARGO_BIN_EXE_", env!("CARGO_PKG_NAME")));

async fn start(env: &[(&str, &str)]) -> AppProcess {
    let database = testkit::fresh_database().await.expect("a database");
    AppProcess::start(Path::new(BINARY), &database.url, env).expect("the app starts")
}

/// Creates, lists and deletes a todo, then stops the app and returns its log lines.
async fn run_app_with_traffic() -> (bool, Vec<String>) {
    run_app_with_traffic_and(&[]).await
}

/// The same, with more environment variables for the app.
async fn run_app_with_traffic_and(env: &[(&str, &str)]) -> (bool, Vec<String>) {
    let app = start(env).await;
    let client = reqwest::Client::new();
    let todos = format!("{}/api/v1/todos", app.base_url());
    let created: serde_json::Value = client
        .post(&todos)
        .json(&json!({ "title": "CSSE6400 Cloud Assignment" }))
        .send()
        .await
        .expect("POST answers")
        .json()
        .await
        .expect("JSON");
    client.get(&todos).send().await.expect("GET answers");
    client
        .delete(format!("{todos}/{}", created["id"]))
        .send()
        .await
        .expect("DELETE answers");
    let (status, lines) = app.stop().expect("the app stops on SIGTERM");
    (status.success(), lines)
}

#[tokio::test]
async fn every_request_and_every_sql_statement_is_logged() {
    let (clean_exit, lines) = run_app_with_traffic().await;
    let all = lines.join("\n");
    assert!(clean_exit, "exits 0 after SIGTERM:\n{all}");
    // One line names the method, the path and the status of each request.
    for (method, path, status) in [
        ("POST", "/api/v1/todos", "201"),
        ("GET", "/api/v1/todos", "200"),
        ("DELETE", "/api/v1/todos/", "200"),
    ] {
        assert!(
            lines
                .iter()
                .any(|line| line.contains(method) && line.contains(path) && line.contains(status)),
            "no line for {method} {path} with status {status}:\n{all}"
        );
    }
    assert!(
        lines.iter().any(|line| line.contains("INSERT INTO todos")),
        "no SQL statement line:\n{all}"
    );
    assert!(
        all.contains("TaskOverflow stopped"),
        "graceful shutdown is logged:\n{all}"
    );
}

#[tokio::test]
async fn without_aws_credentials_the_app_warns_once_and_serves() {
    let (_, lines) = run_app_with_traffic().await;
    let warnings = lines
        .iter()
        .filter(|line| line.contains("no AWS credentials"))
        .count();
    assert_eq!(warnings, 1, "exactly one warning:\n{}", lines.join("\n"));
}

#[tokio::test]
async fn rust_log_turns_one_source_down_and_leaves_the_others() {
    let (_, lines) = run_app_with_traffic_and(&[("RUST_LOG", "info,sqlx=warn")]).await;
    let all = lines.join("\n");
    assert!(
        !lines.iter().any(|line| line.contains("INSERT INTO todos")),
        "RUST_LOG=info,sqlx=warn still logs SQL statements:\n{all}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("POST") && line.contains("/api/v1/todos")),
        "RUST_LOG=info,sqlx=warn lost the access lines:\n{all}"
    );
}

// After the lab: one JSON object per line, and one correlation ID per request that reaches
// every line of that request, SQL included.

const REQUIRED: [&str; 5] = ["timestamp", "level", "location", "message", "hostname"];

fn parse(lines: &[String]) -> Vec<Map<String, Value>> {
    lines
        .iter()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            _ => panic!("not a JSON object: {line}"),
        })
        .collect()
}

#[tokio::test]
async fn every_line_from_start_to_shutdown_is_json_with_the_required_fields() {
    let app = start(&[]).await;
    let todos = format!("{}/api/v1/todos", app.base_url());
    let client = reqwest::Client::new();
    client
        .post(&todos)
        .json(&json!({ "title": "CSSE6400 Cloud Assignment" }))
        .send()
        .await
        .expect("POST answers");
    client.get(&todos).send().await.expect("GET answers");
    let (status, lines) = app.stop().expect("stops on SIGTERM");
    assert!(status.success(), "exits 0 after SIGTERM");
    let all = lines.join("\n");
    for line in parse(&lines) {
        for field in REQUIRED {
            assert!(line.contains_key(field), "no {field} in {line:?}");
        }
        let timestamp = line["timestamp"].as_str().expect("timestamp is a string");
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok() && timestamp.ends_with('Z'),
            "timestamp {timestamp} is not RFC 3339 UTC"
        );
    }
    for expected in [
        "Connected to the database",
        "listening on",
        "TaskOverflow stopped",
    ] {
        assert!(all.contains(expected), "no {expected:?} line:\n{all}");
    }
}

#[tokio::test]
async fn one_request_id_ties_together_all_lines_of_a_request_sql_included() {
    let app = start(&[]).await;
    let client = reqwest::Client::new();
    let todos = format!("{}/api/v1/todos", app.base_url());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = client
            .post(&todos)
            .json(&json!({ "title": "plan" }))
            .send()
            .await
            .expect("POST answers");
        let id = response.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        ids.push(id);
    }
    let (_, lines) = app.stop().expect("stops");
    let lines = parse(&lines);
    assert_ne!(ids[0], ids[1], "each request gets its own id");
    for id in &ids {
        let of_request: Vec<_> = lines
            .iter()
            .filter(|line| line.get("request_id") == Some(&json!(id)))
            .collect();
        let messages: Vec<_> = of_request.iter().map(|line| &line["message"]).collect();
        assert!(
            messages.contains(&&json!("Request started")),
            "{messages:?}"
        );
        let finished = of_request
            .iter()
            .find(|line| line["message"] == "Request finished")
            .expect("a Request finished line");
        assert_eq!(finished["status"], 201);
        assert!(finished["latency_ms"].is_f64(), "latency_ms is a float");
        assert_eq!(finished["method"], "POST");
        assert_eq!(finished["url"], "/api/v1/todos");
        assert!(
            of_request.iter().any(|line| {
                line["location"]
                    .as_str()
                    .is_some_and(|l| l.starts_with("sqlx"))
                    && line
                        .get("db.statement")
                        .is_some_and(|s| s.to_string().contains("INSERT"))
            }),
            "the INSERT is logged with the request's id: {of_request:?}"
        );
    }
}

#[tokio::test]
async fn a_valid_incoming_request_id_is_kept_and_a_bad_one_replaced() {
    let app = start(&[]).await;
    let client = reqwest::Client::new();
    let health = format!("{}/api/v1/health", app.base_url());
    let echoed = |id: &str| {
        let request = client.get(&health).header("x-request-id", id);
        async move {
            let response = request.send().await.expect("answers");
            response.headers()["x-request-id"]
                .to_str()
                .expect("ascii")
                .to_owned()
        }
    };
    assert_eq!(echoed("lab-42.trace_A").await, "lab-42.trace_A");
    let bad = [
        "a".repeat(65),
        "say \"hi\"".to_owned(),
        "two words".to_owned(),
    ];
    let mut replacements = Vec::new();
    for id in &bad {
        let replaced = echoed(id).await;
        assert_ne!(&replaced, id);
        assert!(
            uuid::Uuid::parse_str(&replaced).is_ok(),
            "{replaced} is a UUID"
        );
        replacements.push(replaced);
    }
    let (_, lines) = app.stop().expect("stops");
    let lines = parse(&lines);
    for id in &replacements {
        assert!(
            lines
                .iter()
                .any(|line| line.get("request_id") == Some(&json!(id))),
            "the logs use the replacement id {id}"
        );
    }
    for id in &bad {
        assert!(
            lines
                .iter()
                .all(|line| line.get("request_id") != Some(&json!(id))),
            "a bad id never reaches the logs"
        );
    }
}
