use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, id_of, spawn_app};

#[tokio::test]
async fn update_changes_only_the_fields_given() {
    let app = spawn_app().await;
    let created = app
        .create(json!({ "title": "Plan", "description": "keep me", "deadline_at": "2030-01-01T09:00:00" }))
        .await;
    let path = format!("/api/v1/todos/{}", id_of(&created));
    let reply = app.put(&path, json!({ "completed": true })).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["completed"], true);
    for unchanged in ["id", "title", "description", "deadline_at", "created_at"] {
        assert_eq!(reply.body[unchanged], created[unchanged], "{unchanged}");
    }
    let reply = app
        .put(
            &path,
            json!({ "title": "Plan B", "description": null, "deadline_at": null }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["title"], "Plan B");
    assert_eq!(reply.body["description"], json!(null));
    assert_eq!(reply.body["deadline_at"], json!(null));
    assert_eq!(reply.body["completed"], true, "kept from the first update");
    assert_eq!(
        app.get(&path).await.body,
        reply.body,
        "the update is stored"
    );
}

#[tokio::test]
async fn update_with_extra_fields_is_400_even_for_an_unknown_id() {
    let app = spawn_app().await;
    let created = app.create_titled("t").await;
    for id in [id_of(&created), 987_654] {
        let reply = app
            .put(
                &format!("/api/v1/todos/{id}"),
                json!({ "title": "x", "priority": 1 }),
            )
            .await;
        assert_eq!(
            assert_error(&reply, StatusCode::BAD_REQUEST),
            "extra fields"
        );
    }
}

#[tokio::test]
async fn update_of_an_unknown_id_is_404() {
    let app = spawn_app().await;
    let reply = app
        .put("/api/v1/todos/987654", json!({ "completed": true }))
        .await;
    assert_eq!(
        assert_error(&reply, StatusCode::NOT_FOUND),
        "Todo not found"
    );
}

#[tokio::test]
async fn update_of_a_non_integer_id_is_404() {
    let app = spawn_app().await;
    let reply = app
        .put("/api/v1/todos/undefined", json!({ "completed": true }))
        .await;
    assert_eq!(
        assert_error(&reply, StatusCode::NOT_FOUND),
        "Todo not found"
    );
}

#[tokio::test]
async fn update_with_wrong_types_or_lengths_is_400() {
    let app = spawn_app().await;
    let created = app.create_titled("t").await;
    let path = format!("/api/v1/todos/{}", id_of(&created));
    for body in [
        json!({ "title": null }),
        json!({ "completed": "done" }),
        json!({ "deadline_at": "someday" }),
        json!({ "title": "x".repeat(81) }),
        json!({ "description": "x".repeat(121) }),
        json!([1]),
    ] {
        let reply = app.put(&path, body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.get(&path).await.body, created, "nothing changed");
}
