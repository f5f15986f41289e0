use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, id_of, spawn_app};

#[tokio::test]
async fn delete_returns_the_deleted_todo_and_it_is_gone() {
    let app = spawn_app().await;
    let created = app.create_titled("CSSE6400 Clout Assignment").await;
    let path = format!("/api/v1/todos/{}", id_of(&created));
    let reply = app.delete(&path).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, created);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/todos").await.body, json!([]));
}

#[tokio::test]
async fn delete_of_an_unknown_id_is_200_with_an_empty_object() {
    let app = spawn_app().await;
    let reply = app.delete("/api/v1/todos/424242").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({}));
}

#[tokio::test]
async fn delete_of_a_non_integer_id_is_404() {
    let app = spawn_app().await;
    let reply = app.delete("/api/v1/todos/undefined").await;
    assert_eq!(
        assert_error(&reply, StatusCode::NOT_FOUND),
        "Todo not found"
    );
}
