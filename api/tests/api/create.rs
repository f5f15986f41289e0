use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, id_of, spawn_app};

#[tokio::test]
async fn create_returns_201_and_the_stored_todo() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/todos",
            json!({ "title": "CSSE6400 Cloud Assignment" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let todo = &reply.body;
    assert!(id_of(todo) > 0);
    assert_eq!(todo["title"], "CSSE6400 Cloud Assignment");
    assert_eq!(todo["description"], json!(null));
    assert_eq!(todo["completed"], false);
    assert_eq!(todo["deadline_at"], json!(null));
    assert_eq!(todo["created_at"], todo["updated_at"]);
    let stored = app.get(&format!("/api/v1/todos/{}", id_of(todo))).await;
    assert_eq!(&stored.body, todo);
}

#[tokio::test]
async fn create_accepts_every_field() {
    let app = spawn_app().await;
    let todo = app
        .create(json!({
            "title": "Ship it",
            "description": "before the demo",
            "completed": true,
            "deadline_at": "2023-12-05T00:00:00+10:00"
        }))
        .await;
    assert_eq!(todo["description"], "before the demo");
    assert_eq!(todo["completed"], true);
    assert_eq!(todo["deadline_at"], "2023-12-04T14:00:00", "stored in UTC");
}

#[tokio::test]
async fn create_with_extra_fields_is_400() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/v1/todos",
            json!({ "title": "t", "id": 7, "owner": "me" }),
        )
        .await;
    assert_eq!(
        assert_error(&reply, StatusCode::BAD_REQUEST),
        "extra fields"
    );
}

#[tokio::test]
async fn create_without_a_title_is_400() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({ "description": "no title" }),
        json!({ "title": null }),
    ] {
        let reply = app.post("/api/v1/todos", body).await;
        assert_eq!(
            assert_error(&reply, StatusCode::BAD_REQUEST),
            "missing title"
        );
    }
}

#[tokio::test]
async fn create_with_wrong_types_is_400() {
    let app = spawn_app().await;
    for body in [
        json!({ "title": 42 }),
        json!({ "title": "t", "completed": "yes" }),
        json!({ "title": "t", "description": ["a"] }),
        json!({ "title": "t", "deadline_at": 1701698400 }),
    ] {
        let reply = app.post("/api/v1/todos", body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn create_with_a_bad_date_is_400() {
    let app = spawn_app().await;
    for date in [
        "next tuesday",
        "2023-02-30T00:00:00",
        "2023-12-04T25:00:00",
        "12345-01-01",
    ] {
        let reply = app
            .post(
                "/api/v1/todos",
                json!({ "title": "t", "deadline_at": date }),
            )
            .await;
        let message = assert_error(&reply, StatusCode::BAD_REQUEST);
        assert!(message.contains("deadline_at"), "{date}: {message}");
    }
}

#[tokio::test]
async fn create_with_a_non_json_body_is_400() {
    let app = spawn_app().await;
    for body in [
        &b"title=hello"[..],
        b"{\"title\": ",
        b"",
        b"[]",
        b"\"title\"",
    ] {
        let reply = app
            .send(reqwest::Method::POST, "/api/v1/todos", Some(body.to_vec()))
            .await;
        assert_error(&reply, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn create_with_a_title_over_80_characters_is_400() {
    let app = spawn_app().await;
    app.create_titled(&"x".repeat(80)).await;
    let reply = app
        .post("/api/v1/todos", json!({ "title": "x".repeat(81) }))
        .await;
    let message = assert_error(&reply, StatusCode::BAD_REQUEST);
    assert!(message.contains("80"), "{message}");
}

#[tokio::test]
async fn create_with_a_description_over_120_characters_is_400() {
    let app = spawn_app().await;
    app.create(json!({ "title": "t", "description": "ü".repeat(120) }))
        .await;
    let reply = app
        .post(
            "/api/v1/todos",
            json!({ "title": "t", "description": "ü".repeat(121) }),
        )
        .await;
    let message = assert_error(&reply, StatusCode::BAD_REQUEST);
    assert!(message.contains("120"), "{message}");
}

#[tokio::test]
async fn no_client_input_yields_a_5xx() {
    let app = spawn_app().await;
    let nasty: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "POST",
            "/api/v1/todos",
            br#"{"title": "nul \u0000 byte"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/todos",
            br#"{"title": {"nested": [1, 2]}}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/todos",
            br#"{"title": "t", "deadline_at": "-4713-01-01T00:00:00"}"#.to_vec(),
        ),
        ("POST", "/api/v1/todos", vec![b'x'; 200 * 1024]),
        ("POST", "/api/v1/todos", vec![0xff, 0xfe, 0x00]),
        (
            "PUT",
            "/api/v1/todos/9223372036854775807",
            br#"{"title": "max id"}"#.to_vec(),
        ),
        (
            "PUT",
            "/api/v1/todos/-1",
            br#"{"completed": null}"#.to_vec(),
        ),
        (
            "GET",
            "/api/v1/todos?window=99999999999999999999",
            Vec::new(),
        ),
        ("GET", "/api/v1/todos?completed=%ZZ", Vec::new()),
        ("GET", "/api/v1/todos/0", Vec::new()),
        ("DELETE", "/api/v1/todos/-9223372036854775808", Vec::new()),
    ];
    for (method, path, body) in nasty {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let body = (!body.is_empty()).then_some(body);
        let reply = app.send(method.clone(), path, body).await;
        assert!(
            reply.status.as_u16() < 500,
            "{method} {path} gave {}: {}",
            reply.status,
            reply.body
        );
    }
}
