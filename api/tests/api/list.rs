use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app};

fn titles(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|todo| todo["title"].as_str().expect("a title"))
        .collect()
}

fn in_days(days: i64) -> String {
    (Utc::now().naive_utc() + TimeDelta::days(days))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn list_is_empty_at_first() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/todos").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!([]));
}

#[tokio::test]
async fn list_is_newest_first() {
    let app = spawn_app().await;
    for title in ["first", "second", "third"] {
        app.create_titled(title).await;
    }
    let reply = app.get("/api/v1/todos").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(titles(&reply.body), ["third", "second", "first"]);
}

#[tokio::test]
async fn list_filters_on_completed() {
    let app = spawn_app().await;
    app.create(json!({ "title": "done", "completed": true }))
        .await;
    app.create_titled("open").await;
    let done = app.get("/api/v1/todos?completed=true").await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(titles(&done.body), ["done"]);
    let open = app.get("/api/v1/todos?completed=false").await;
    assert_eq!(titles(&open.body), ["open"]);
}

#[tokio::test]
async fn list_with_a_bad_completed_value_is_400() {
    let app = spawn_app().await;
    for value in ["yes", "1", "TRUE", ""] {
        let reply = app.get(&format!("/api/v1/todos?completed={value}")).await;
        let message = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(message.contains("completed"), "{value}: {message}");
    }
}

#[tokio::test]
async fn list_window_keeps_deadlines_within_n_days_and_past_ones() {
    let app = spawn_app().await;
    app.create(json!({ "title": "overdue", "deadline_at": in_days(-3) }))
        .await;
    app.create(json!({ "title": "tomorrow", "deadline_at": in_days(1) }))
        .await;
    app.create(json!({ "title": "next month", "deadline_at": in_days(30) }))
        .await;
    app.create_titled("no deadline").await;

    let week = app.get("/api/v1/todos?window=7").await;
    assert_eq!(week.status, StatusCode::OK);
    assert_eq!(titles(&week.body), ["tomorrow", "overdue"]);
    let today = app.get("/api/v1/todos?window=0").await;
    assert_eq!(titles(&today.body), ["overdue"]);
    let both = app.get("/api/v1/todos?window=365&completed=false").await;
    assert_eq!(titles(&both.body), ["next month", "tomorrow", "overdue"]);
}

#[tokio::test]
async fn list_with_a_bad_window_is_400() {
    let app = spawn_app().await;
    for value in ["-1", "1.5", "week", "", "1e3"] {
        let reply = app.get(&format!("/api/v1/todos?window={value}")).await;
        let message = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(message.contains("window"), "{value}: {message}");
    }
}

/// The list reads its values without sqlx's per-value type check, after checking the first
/// row's types: a column whose type changed fails the list instead of being misread (a
/// `bigint` read as a timestamp's microseconds would be a date in 2000).
#[tokio::test]
async fn a_list_whose_column_types_changed_fails_instead_of_misreading_them() {
    let app = spawn_app().await;
    app.create_titled("first").await;
    sqlx::query(
        "ALTER TABLE todos ALTER COLUMN created_at DROP DEFAULT, \
         ALTER COLUMN created_at TYPE bigint USING 0",
    )
    .execute(&app.pool)
    .await
    .expect("the column's type changes");
    let reply = app.get("/api/v1/todos").await;
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        reply.body
    );
    assert_eq!(reply.body, json!({ "error": "Internal server error" }));
}
