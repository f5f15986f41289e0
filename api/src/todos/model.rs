use chrono::NaiveDateTime;
use serde::Serialize;

use super::timestamp;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Todo {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[serde(serialize_with = "timestamp::serialize_option")]
    pub deadline_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "timestamp::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "timestamp::serialize")]
    pub updated_at: NaiveDateTime,
}
