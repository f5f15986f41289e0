//! The API reference, generated from the handlers and models: `GET /api/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use super::{health, todos, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskOverflow",
        description = "A to-do API. All bodies are JSON; every error is `{\"error\": \"<message>\"}`, and no client input yields a 5xx."
    ),
    paths(
        health::health,
        todos::list,
        todos::create,
        todos::show,
        todos::update,
        todos::remove
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
