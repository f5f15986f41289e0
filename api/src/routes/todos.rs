use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::todos::{ListFilter, NewTodo, Todo, TodoChanges, TodoListJson};

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

/// The todos, newest first, optionally filtered.
#[utoipa::path(get, path = "/api/v1/todos", tag = "todos",
    params(
        ("completed" = Option<bool>, Query, description = "`true` or `false`: only todos with that completion"),
        ("window" = Option<u32>, Query, description = "Only todos due within this many days from now (past deadlines kept, todos without a deadline dropped)"),
    ),
    responses(
        (status = 200, description = "The todos, newest first", body = Vec<Todo>),
        (status = 400, description = "`completed` is not `true`/`false`, or `window` is not a whole number >= 0", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<TodoList, ApiError> {
    let Query(pairs) = query.map_err(|_| ApiError::bad_request("malformed query string"))?;
    let filter = ListFilter::from_pairs_now(&pairs)?;
    let mut list = TodoListJson::with_capacity(TYPICAL_LIST);
    state.todos.list(filter, |todo| list.push(&todo)).await?;
    Ok(TodoList(list))
}

/// Room for this many ordinary todos (about 100 KB) from the start: a list that long is written
/// without its buffer being copied as it grows, and a shorter one leaves the rest untouched.
const TYPICAL_LIST: usize = 400;

/// A list of todos, the JSON array that `Json<Vec<Todo>>` would send.
pub struct TodoList(pub TodoListJson);

impl IntoResponse for TodoList {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0.into_bytes(),
        )
            .into_response()
    }
}

/// One todo.
#[utoipa::path(get, path = "/api/v1/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "The todo's id")),
    responses(
        (status = 200, description = "The todo", body = Todo),
        (status = 404, description = "No todo has this id, or the id is not an integer: `Todo not found`", body = ErrorBody),
    ))]
pub async fn show(
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

/// Creates a todo.
#[utoipa::path(post, path = "/api/v1/todos", tag = "todos",
    request_body = NewTodo,
    responses(
        (status = 201, description = "The todo created", body = Todo),
        (status = 400, description = "Not a JSON object, keys other than title/description/completed/deadline_at (`extra fields`), no title (`missing title`), wrong types, a bad date, a title over 80 or a description over 120 characters", body = ErrorBody),
        (status = 413, description = "A body over 64 KiB", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Todo>), ApiError> {
    let todo = NewTodo::from_body(&body(raw)?)?;
    Ok((StatusCode::CREATED, Json(state.todos.create(todo).await?)))
}

/// Changes the fields given, leaves the others alone.
#[utoipa::path(put, path = "/api/v1/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "The todo's id")),
    request_body = TodoChanges,
    responses(
        (status = 200, description = "The todo after the change", body = Todo),
        (status = 400, description = "As for POST (extra fields are reported even for an unknown id); the title is optional here", body = ErrorBody),
        (status = 404, description = "No todo has this id, or the id is not an integer", body = ErrorBody),
        (status = 413, description = "A body over 64 KiB", body = ErrorBody),
    ))]
pub async fn update(
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

/// What a DELETE answers: the todo it deleted, or `{}` when there was none.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Deleted {
    Todo(Todo),
    Nothing(Nothing),
}

/// `{}`: nothing had this id.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Nothing {}

/// Deletes a todo. Deleting a todo that is already gone succeeds with `{}`, so retries are
/// harmless.
#[utoipa::path(delete, path = "/api/v1/todos/{id}", tag = "todos",
    params(("id" = i64, Path, description = "The todo's id")),
    responses(
        (status = 200, description = "The todo deleted, or `{}` if no todo had this id", body = Deleted),
        (status = 404, description = "The id is not an integer", body = ErrorBody),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Deleted>, ApiError> {
    let id = todo_id(id)?;
    Ok(Json(match state.todos.delete(id).await? {
        Some(todo) => Deleted::Todo(todo),
        None => Deleted::Nothing(Nothing {}),
    }))
}
