use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, id_of, spawn_app};

#[tokio::test]
async fn show_returns_the_todo_with_every_field() {
    let app = spawn_app().await;
    let created = app
        .create(json!({
            "title": "Write the report",
            "description": "Section 3",
            "deadline_at": "2023-12-04T14:00:00"
        }))
        .await;
    let reply = app.get(&format!("/api/v1/todos/{}", id_of(&created))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, created);
    let todo = reply.body.as_object().expect("an object");
    let mut keys: Vec<_> = todo.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "completed",
            "created_at",
            "deadline_at",
            "description",
            "id",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(todo["title"], "Write the report");
    assert_eq!(todo["description"], "Section 3");
    assert_eq!(todo["completed"], false);
    assert_eq!(todo["deadline_at"], "2023-12-04T14:00:00");
    for field in ["created_at", "updated_at"] {
        let text = todo[field].as_str().expect("a string");
        assert!(
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "{field} = {text:?} is not ISO 8601 without an offset"
        );
    }
}

#[tokio::test]
async fn show_of_an_unknown_id_is_404() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/todos/999999").await;
    assert_eq!(
        assert_error(&reply, StatusCode::NOT_FOUND),
        "Todo not found"
    );
}

#[tokio::test]
async fn show_of_a_non_integer_id_is_404() {
    let app = spawn_app().await;
    for id in ["undefined", "1.5", "-", "99999999999999999999999", "%FF"] {
        let reply = app.get(&format!("/api/v1/todos/{id}")).await;
        assert_eq!(
            assert_error(&reply, StatusCode::NOT_FOUND),
            "Todo not found",
            "{id}"
        );
    }
}
