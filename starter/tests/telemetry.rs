//! The starter's logs, captured from the real binary: plain text, an access line per request,
//! every SQL statement, and no request IDs.

use std::path::Path;

use serde_json::json;
use testkit::AppProcess;

async fn run_app_with_traffic() -> (bool, Vec<String>) {
    let database = testkit::fresh_database().await.expect("a database");
    let app = AppProcess::start(Path::new(env!("CARGO_BIN_EXE_starter")), &database.url, &[])
        .expect("the starter starts");
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
    let (status, lines) = app.stop().expect("the starter stops on SIGTERM");
    (status.success(), lines)
}

#[tokio::test]
async fn starter_logs_are_text_with_access_and_sql_lines() {
    let (clean_exit, lines) = run_app_with_traffic().await;
    let all = lines.join("\n");
    assert!(clean_exit, "exits 0 after SIGTERM:\n{all}");
    assert!(
        lines
            .iter()
            .all(|line| serde_json::from_str::<serde_json::Value>(line).is_err()),
        "the starter logs text, not JSON:\n{all}"
    );
    for access in [
        "\"POST /api/v1/todos HTTP/1.1\" 201",
        "\"GET /api/v1/todos HTTP/1.1\" 200",
        "\"DELETE /api/v1/todos/",
    ] {
        assert!(all.contains(access), "no access line {access:?}:\n{all}");
    }
    assert!(
        lines
            .iter()
            .any(|line| line.contains("sqlx::query") && line.contains("INSERT INTO todos")),
        "no SQL statement line:\n{all}"
    );
    assert!(
        !all.contains("request_id"),
        "the starter has no correlation IDs yet:\n{all}"
    );
    assert!(
        all.contains("TaskOverflow stopped"),
        "graceful shutdown is logged:\n{all}"
    );
}

#[tokio::test]
async fn starter_without_aws_credentials_warns_once_and_serves() {
    let (_, lines) = run_app_with_traffic().await;
    let warnings = lines
        .iter()
        .filter(|line| line.contains("no AWS credentials"))
        .count();
    assert_eq!(warnings, 1, "exactly one warning:\n{}", lines.join("\n"));
}
