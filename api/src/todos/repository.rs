//! Every SQL statement the app runs.

use futures_util::TryStreamExt;
use sqlx::postgres::PgRow;
use sqlx::{Either, Executor, FromRow, PgPool, Row};

use super::{ListFilter, NewTodo, Todo, TodoChanges, TodoRef};

/// A macro rather than a const so that every statement is one `&'static str` built at compile time.
macro_rules! columns {
    () => {
        "id, title, description, completed, deadline_at, created_at, updated_at"
    };
}

/// Reads the columns by position, in the order of `columns!()`: the derived `FromRow` looks each
/// one up by name, a hash of its name per field and row.
impl FromRow<'_, PgRow> for Todo {
    fn from_row(row: &PgRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get(0)?,
            title: row.try_get(1)?,
            description: row.try_get(2)?,
            completed: row.try_get(3)?,
            deadline_at: row.try_get(4)?,
            created_at: row.try_get(5)?,
            updated_at: row.try_get(6)?,
        })
    }
}

/// The list's rows, borrowed: the same columns as `Todo`'s `FromRow`, without copying the text.
/// The type checks that `try_get` makes for every value are made once per list, on its first
/// row (`check_column_types`): every row of one result has the same column types.
fn borrow_row(row: &PgRow) -> sqlx::Result<TodoRef<'_>> {
    Ok(TodoRef {
        id: row.try_get_unchecked(0)?,
        title: row.try_get_unchecked(1)?,
        description: row.try_get_unchecked(2)?,
        completed: row.try_get_unchecked(3)?,
        deadline_at: row.try_get_unchecked(4)?,
        created_at: row.try_get_unchecked(5)?,
        updated_at: row.try_get_unchecked(6)?,
    })
}

fn check_column_types(row: &PgRow) -> sqlx::Result<()> {
    Todo::from_row(row).map(drop)
}

#[derive(Debug, Clone)]
pub struct TodoRepository {
    pool: PgPool,
}

impl TodoRepository {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Newest first; the filters run in SQL so the app never loads rows it drops. Each todo goes
    /// to `each` as its row arrives, borrowed from the row: a list is hundreds of rows, and
    /// copying each into a `Todo` before writing it out cost more than writing it.
    pub async fn list(
        &self,
        filter: ListFilter,
        mut each: impl FnMut(TodoRef<'_>),
    ) -> sqlx::Result<()> {
        let mut connection = self.pool.acquire().await?;
        let query = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM todos \
             WHERE ($1::boolean IS NULL OR completed = $1) \
               AND ($2::timestamp IS NULL OR deadline_at <= $2) \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(filter.completed)
        .bind(filter.due_before);
        // `fetch_many` rather than `fetch`: `fetch` is `fetch_many` with the statement's result
        // filtered out by one more stream, which every one of the list's rows passed through.
        let mut results = connection.fetch_many(query);
        let mut first = true;
        while let Some(result) = results.try_next().await? {
            let Either::Right(row) = result else {
                continue;
            };
            if first {
                check_column_types(&row)?;
                first = false;
            }
            each(borrow_row(&row)?);
        }
        Ok(())
    }

    pub async fn get(&self, id: i64) -> sqlx::Result<Option<Todo>> {
        sqlx::query_as(concat!("SELECT ", columns!(), " FROM todos WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn create(&self, todo: NewTodo) -> sqlx::Result<Todo> {
        sqlx::query_as(concat!(
            "INSERT INTO todos (title, description, completed, deadline_at) \
             VALUES ($1, $2, $3, $4) RETURNING ",
            columns!()
        ))
        .bind(todo.title)
        .bind(todo.description)
        .bind(todo.completed)
        .bind(todo.deadline_at)
        .fetch_one(&self.pool)
        .await
    }

    pub async fn update(&self, id: i64, changes: TodoChanges) -> sqlx::Result<Option<Todo>> {
        sqlx::query_as(concat!(
            "UPDATE todos SET \
               title = COALESCE($2, title), \
               description = CASE WHEN $3 THEN $4 ELSE description END, \
               completed = COALESCE($5, completed), \
               deadline_at = CASE WHEN $6 THEN $7 ELSE deadline_at END, \
               updated_at = now() AT TIME ZONE 'utc' \
             WHERE id = $1 RETURNING ",
            columns!()
        ))
        .bind(id)
        .bind(changes.title)
        .bind(changes.description.is_some())
        .bind(changes.description.flatten())
        .bind(changes.completed)
        .bind(changes.deadline_at.is_some())
        .bind(changes.deadline_at.flatten())
        .fetch_optional(&self.pool)
        .await
    }

    pub async fn delete(&self, id: i64) -> sqlx::Result<Option<Todo>> {
        sqlx::query_as(concat!(
            "DELETE FROM todos WHERE id = $1 RETURNING ",
            columns!()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
    }
}
