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
    Ok(TodoList(state.todos.list(filter).await?))
}

/// Room for one todo in JSON: a title and a description of ordinary length fit.
const BYTES_PER_TODO: usize = 256;

/// A list of todos as a JSON array, like `Json<Vec<Todo>>` but written into a buffer sized for
/// the list: `Json` starts at 128 bytes and doubles, ten reallocations and copies for a
/// 400-todo list (about 100 KB).
pub struct TodoList(pub Vec<Todo>);

impl IntoResponse for TodoList {
    fn into_response(self) -> Response {
        let mut body = Vec::with_capacity(2 + self.0.len() * BYTES_PER_TODO);
        match serde_json::to_writer(&mut body, &self.0) {
            Ok(()) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(error) => ApiError::from(error).into_response(),
        }
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

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use chrono::NaiveDate;

    use super::*;

    fn todo(id: i64, title: &str, description: Option<&str>) -> Todo {
        let at = NaiveDate::from_ymd_opt(2023, 12, 4)
            .and_then(|day| day.and_hms_opt(14, 0, 0))
            .expect("a valid time");
        Todo {
            id,
            title: title.to_owned(),
            description: description.map(str::to_owned),
            completed: id % 2 == 0,
            deadline_at: (id % 3 == 0).then_some(at),
            created_at: at,
            updated_at: at,
        }
    }

    #[tokio::test]
    async fn a_todo_list_is_the_json_array_that_json_would_write() {
        for todos in [
            Vec::new(),
            vec![todo(1, "Quotes \" and \\ and é", None)],
            (1..=400)
                .map(|id| todo(id, &format!("Todo {id}"), Some(&"d".repeat(120))))
                .collect(),
        ] {
            let expected = serde_json::to_vec(&todos).expect("serialisable");
            let response = TodoList(todos).into_response();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
            let body = to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            assert_eq!(body, expected);
        }
    }
}
