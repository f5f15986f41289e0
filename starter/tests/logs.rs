//! The app's logs, captured from the real binary. The first tests hold before and after the
//! lab, whatever the log format: they are what your logging must keep doing.

use std::path::Path;

use serde_json::json;
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
