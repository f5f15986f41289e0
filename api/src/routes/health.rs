use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;

/// The load balancer's health check: answers without touching the database.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}
