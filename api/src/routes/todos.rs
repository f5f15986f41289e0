use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::AppState;
use crate::error::ApiError;
use crate::todos::{ListFilter, NewTodo, Todo, TodoChanges};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/todos", get(list).post(create))
        .route("/todos/{id}", get(show).put(update).delete(remove))
}

/// Ids that are not integers name no todo, so they are a 404 rather than a 400.
fn todo_id(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    path.ok()
        .and_then(|Path(raw)| raw.parse().ok())
        .ok_or(ApiError::TodoNotFound)
}

fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::bad_request("could not read the request body"),
    })
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Vec<Todo>>, ApiError> {
    let Query(pairs) = query.map_err(|_| ApiError::bad_request("malformed query string"))?;
    let filter = ListFilter::from_pairs_now(&pairs)?;
    Ok(Json(state.todos.list(filter).await?))
}

async fn show(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Todo>, ApiError> {
    let id = todo_id(id)?;
    state
        .todos
        .get(id)
        .await?
        .map(Json)
        .ok_or(ApiError::TodoNotFound)
}

async fn create(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Todo>), ApiError> {
    let todo = NewTodo::from_body(&body(raw)?)?;
    Ok((StatusCode::CREATED, Json(state.todos.create(todo).await?)))
}

async fn update(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<Todo>, ApiError> {
    let id = todo_id(id)?;
    let changes = TodoChanges::from_body(&body(raw)?)?;
    state
        .todos
        .update(id, changes)
        .await?
        .map(Json)
        .ok_or(ApiError::TodoNotFound)
}

/// Deleting a todo that is already gone succeeds with `{}`, so retries are harmless.
async fn remove(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = todo_id(id)?;
    Ok(Json(match state.todos.delete(id).await? {
        Some(todo) => json!(todo),
        None => json!({}),
    }))
}
