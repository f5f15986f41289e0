use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

#[tokio::test]
async fn health_says_ok() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/health").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn the_web_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/", app.address))
        .await
        .expect("the app answers");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.expect("a body");
    assert!(page.contains("<title>TaskOverflow</title>"));
    assert!(page.contains("/api/v1/todos"), "the page drives the API");
}

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn_app().await;
    let reply = app.get("/api/v1/nothing-here").await;
    assert_error(&reply, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = spawn_app().await;
    let reply = app
        .send(reqwest::Method::PATCH, "/api/v1/todos", None)
        .await;
    assert_error(&reply, StatusCode::METHOD_NOT_ALLOWED);
}
