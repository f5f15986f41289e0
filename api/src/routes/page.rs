use axum::response::Html;
use axum::routing::get;
use axum::Router;

use super::AppState;

/// Built into the binary so the app ships as one file.
const INDEX: &str = include_str!("../../static/index.html");

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(|| async { Html(INDEX) }))
}
