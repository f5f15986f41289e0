//! What a client may send in a POST or PUT body, validated before any SQL runs.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::timestamp;
use crate::error::ApiError;

const FIELDS: [&str; 4] = ["title", "description", "completed", "deadline_at"];
pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_DESCRIPTION_CHARS: usize = 120;

/// The fields a PUT sets. `None` leaves a field alone; `Some(None)` clears a nullable one.
/// Any other key is a 400 `extra fields`.
#[derive(Debug, Default, Clone, PartialEq, utoipa::ToSchema)]
pub struct TodoChanges {
    #[schema(min_length = 1, max_length = 80)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, max_length = 120)]
    pub description: Option<Option<String>>,
    pub completed: Option<bool>,
    /// UTC, without an offset, e.g. `2023-12-04T14:00:00`.
    #[schema(value_type = Option<String>, example = "2023-12-04T14:00:00")]
    pub deadline_at: Option<Option<NaiveDateTime>>,
}

/// A POST body: like a PUT, but the title is required. Any other key is a 400 `extra fields`.
#[derive(Debug, Clone, PartialEq, utoipa::ToSchema)]
#[schema(example = json!({"title": "CSSE6400 Cloud Assignment", "deadline_at": "2023-12-04T14:00:00"}))]
pub struct NewTodo {
    #[schema(min_length = 1, max_length = 80)]
    pub title: String,
    #[schema(max_length = 120)]
    pub description: Option<String>,
    /// `false` when left out.
    #[schema(required = false)]
    pub completed: bool,
    /// UTC, without an offset, e.g. `2023-12-04T14:00:00`.
    #[schema(value_type = Option<String>, example = "2023-12-04T14:00:00")]
    pub deadline_at: Option<NaiveDateTime>,
}

impl TodoChanges {
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        Self::from_object(json_object(body)?)
    }

    /// Unknown keys are reported first, before any other problem.
    fn from_object(object: Map<String, Value>) -> Result<Self, ApiError> {
        if object.keys().any(|key| !FIELDS.contains(&key.as_str())) {
            return Err(ApiError::bad_request("extra fields"));
        }
        let mut changes = Self::default();
        for (key, value) in object {
            match key.as_str() {
                "title" => changes.title = Some(title(&value)?),
                "description" => changes.description = Some(description(&value)?),
                "completed" => changes.completed = Some(completed(&value)?),
                _ => changes.deadline_at = Some(deadline(&value)?),
            }
        }
        Ok(changes)
    }
}

impl NewTodo {
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        let mut object = json_object(body)?;
        // A JSON null title counts as no title at all.
        if object.get("title").is_some_and(Value::is_null) {
            object.remove("title");
        }
        let changes = TodoChanges::from_object(object)?;
        let Some(title) = changes.title else {
            return Err(ApiError::bad_request("missing title"));
        };
        Ok(Self {
            title,
            description: changes.description.flatten(),
            completed: changes.completed.unwrap_or(false),
            deadline_at: changes.deadline_at.flatten(),
        })
    }
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(_) => Err(ApiError::bad_request("request body is not valid JSON")),
    }
}

fn text(value: &str, field: &str, max_chars: usize) -> Result<String, ApiError> {
    if value.chars().count() > max_chars {
        return Err(ApiError::bad_request(format!(
            "{field} must be at most {max_chars} characters"
        )));
    }
    // PostgreSQL text cannot hold NUL, so refuse it here rather than fail in the database.
    if value.contains('\0') {
        return Err(ApiError::bad_request(format!(
            "{field} must not contain NUL characters"
        )));
    }
    Ok(value.to_owned())
}

fn title(value: &Value) -> Result<String, ApiError> {
    match value {
        Value::String(title) if title.trim().is_empty() => {
            Err(ApiError::bad_request("title must not be empty"))
        }
        Value::String(title) => text(title, "title", MAX_TITLE_CHARS),
        _ => Err(ApiError::bad_request("title must be a string")),
    }
}

fn description(value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(description) => {
            text(description, "description", MAX_DESCRIPTION_CHARS).map(Some)
        }
        _ => Err(ApiError::bad_request(
            "description must be a string or null",
        )),
    }
}

fn completed(value: &Value) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| ApiError::bad_request("completed must be true or false"))
}

fn deadline(value: &Value) -> Result<Option<NaiveDateTime>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => timestamp::parse(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(
                "deadline_at must be an ISO 8601 date and time, e.g. 2023-12-04T14:00:00",
            )
        }),
        _ => Err(ApiError::bad_request(
            "deadline_at must be a string or null",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<impl std::fmt::Debug, ApiError>) -> String {
        result.expect_err("should be refused").to_string()
    }

    #[test]
    fn extra_fields_are_reported_before_anything_else() {
        assert_eq!(message(NewTodo::from_body(br#"{"id": 3}"#)), "extra fields");
        assert_eq!(
            message(TodoChanges::from_body(br#"{"title": 1, "x": 1}"#)),
            "extra fields"
        );
    }

    #[test]
    fn a_new_todo_needs_a_title() {
        assert_eq!(message(NewTodo::from_body(b"{}")), "missing title");
        assert_eq!(
            message(NewTodo::from_body(br#"{"title": null}"#)),
            "missing title"
        );
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let ok = format!(r#"{{"title": "{}"}}"#, "é".repeat(80));
        assert!(NewTodo::from_body(ok.as_bytes()).is_ok());
        let long = format!(r#"{{"title": "{}"}}"#, "é".repeat(81));
        assert!(message(NewTodo::from_body(long.as_bytes())).contains("at most 80"));
        let long = format!(r#"{{"title": "t", "description": "{}"}}"#, "x".repeat(121));
        assert!(message(NewTodo::from_body(long.as_bytes())).contains("at most 120"));
    }

    #[test]
    fn partial_changes_keep_absent_fields_untouched() {
        let changes =
            TodoChanges::from_body(br#"{"completed": true, "deadline_at": null}"#).expect("valid");
        assert_eq!(
            changes,
            TodoChanges {
                completed: Some(true),
                deadline_at: Some(None),
                ..TodoChanges::default()
            }
        );
    }

    #[test]
    fn wrong_types_and_bodies_are_refused() {
        for body in [
            &br#"{"title": "t", "completed": "yes"}"#[..],
            br#"{"title": "t", "deadline_at": "soon"}"#,
            br#"{"title": "t", "description": 5}"#,
            br#"{"title": "nul\u0000"}"#,
            b"[1, 2]",
            b"not json",
            b"",
        ] {
            assert!(
                NewTodo::from_body(body).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
