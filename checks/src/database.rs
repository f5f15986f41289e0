//! What the grader does in the graded app's database, besides what the app does: it watches
//! which todos are created and deleted, and makes PostgreSQL say something hostile.

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};

use crate::task::Problem;

/// A notice PostgreSQL sends on every new todo once [`notice_on_insert`] ran: control
/// characters, line breaks, quotes, a backslash and non-ASCII text, which the app logs as a
/// `sqlx::postgres::notice` line. HTTP cannot carry raw control characters; the database can.
pub const HOSTILE_NOTICE: &str =
    "grader: line one\nline two\r\n\ttabbed \u{1}\u{1b}[31m \"quoted\" \\ {braces} café ☕ \u{7f}";

fn machine(error: sqlx::Error) -> Problem {
    Problem::Environment(format!(
        "the grader's own use of PostgreSQL failed: {error}"
    ))
}

pub async fn connect(url: &str) -> Result<PgPool, Problem> {
    PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(machine)
}

/// Makes PostgreSQL send [`HOSTILE_NOTICE`] to the app whenever it inserts a todo (the app's
/// tables must exist).
pub async fn notice_on_insert(url: &str) -> Result<(), Problem> {
    let pool = connect(url).await?;
    let literal = HOSTILE_NOTICE.replace('\'', "''");
    let function = format!(
        "CREATE OR REPLACE FUNCTION grader_notice() RETURNS trigger LANGUAGE plpgsql AS $grader$ \
         BEGIN RAISE NOTICE '%', '{literal}'; RETURN NEW; END $grader$"
    );
    sqlx::query(&function)
        .execute(&pool)
        .await
        .map_err(machine)?;
    sqlx::query(
        "CREATE TRIGGER grader_notice AFTER INSERT ON todos \
         FOR EACH ROW EXECUTE FUNCTION grader_notice()",
    )
    .execute(&pool)
    .await
    .map_err(machine)?;
    pool.close().await;
    Ok(())
}

/// One row the app inserted or deleted while the audit ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created(i64),
    Deleted(i64),
}

/// Records every todo inserted or deleted from now on, in order.
pub async fn start_audit(pool: &PgPool) -> Result<(), Problem> {
    for statement in [
        "CREATE TABLE grader_audit (seq bigserial PRIMARY KEY, op text NOT NULL, todo bigint NOT NULL)",
        "CREATE OR REPLACE FUNCTION grader_audit() RETURNS trigger LANGUAGE plpgsql AS $grader$ \
         BEGIN \
           IF TG_OP = 'INSERT' THEN INSERT INTO grader_audit (op, todo) VALUES ('created', NEW.id); RETURN NEW; \
           ELSE INSERT INTO grader_audit (op, todo) VALUES ('deleted', OLD.id); RETURN OLD; END IF; \
         END $grader$",
        "CREATE TRIGGER grader_audit AFTER INSERT OR DELETE ON todos \
         FOR EACH ROW EXECUTE FUNCTION grader_audit()",
    ] {
        sqlx::query(statement)
            .execute(pool)
            .await
            .map_err(machine)?;
    }
    Ok(())
}

/// What the audit recorded, in order.
pub async fn audit(pool: &PgPool) -> Result<Vec<Change>, Problem> {
    let rows = sqlx::query("SELECT op, todo FROM grader_audit ORDER BY seq")
        .fetch_all(pool)
        .await
        .map_err(machine)?;
    rows.iter()
        .map(|row| {
            let op: String = row.try_get("op").map_err(machine)?;
            let id: i64 = row.try_get("todo").map_err(machine)?;
            Ok(if op == "created" {
                Change::Created(id)
            } else {
                Change::Deleted(id)
            })
        })
        .collect()
}

/// The ids of every todo in the database.
pub async fn todo_ids(pool: &PgPool) -> Result<Vec<i64>, Problem> {
    let rows = sqlx::query("SELECT id FROM todos ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(machine)?;
    rows.iter()
        .map(|row| row.try_get::<i64, _>("id").map_err(machine))
        .collect()
}
