use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    status: &'static str,
}

/// The load balancer's health check: answers without touching the database.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// Whether the app is up (the load balancer's health check).
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses((status = 200, description = "The app is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}
