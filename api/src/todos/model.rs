use chrono::NaiveDateTime;
use serde::Serialize;

use super::timestamp::{self, PgTimestamp};

/// A todo as the API returns it. Times are UTC, without an offset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": 1, "title": "CSSE6400 Cloud Assignment", "description": null, "completed": false, "deadline_at": "2023-12-04T14:00:00", "created_at": "2023-11-20T09:30:00", "updated_at": "2023-11-20T09:30:00"}))]
pub struct Todo {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[serde(serialize_with = "timestamp::serialize_option")]
    #[schema(value_type = Option<String>, pattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$")]
    pub deadline_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, pattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "timestamp::serialize")]
    #[schema(value_type = String, pattern = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}$")]
    pub updated_at: NaiveDateTime,
}

/// A todo borrowed from its database row: what the list writes as JSON straight from each row,
/// without copying its title and description into a `Todo`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TodoRef<'a> {
    pub id: i64,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub completed: bool,
    pub deadline_at: Option<PgTimestamp>,
    pub created_at: PgTimestamp,
    pub updated_at: PgTimestamp,
}
