//! The HTTP surface: one router per area, merged here.

mod health;
mod openapi;
mod page;
mod todos;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use sqlx::PgPool;

use crate::error::ApiError;
use crate::todos::TodoRepository;

pub use openapi::ApiDoc;

/// Bodies of a few hundred bytes are all the API ever needs.
const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct AppState {
    pub todos: TodoRepository,
}

pub fn router(pool: PgPool) -> Router {
    let state = AppState {
        todos: TodoRepository::new(pool),
    };
    Router::new()
        .merge(page::router())
        .nest(
            "/api/v1",
            Router::new()
                .merge(health::router())
                .merge(todos::router())
                .merge(openapi::router()),
        )
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
