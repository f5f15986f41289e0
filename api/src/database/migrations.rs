//! The schema's migrations, compiled into the binary.
//!
//! `sqlx::migrate!("./migrations")` does the same from the folder, but its macro crate compiles a
//! second copy of sqlx and its PostgreSQL driver for the compiler, about a sixth of an optimised
//! build. A migration added to `api/migrations/` is added to `FILES` too: a test compares them.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};

/// Each migration's file name in `api/migrations/` and its SQL.
const FILES: &[(&str, &str)] = &[(
    "20231204000000_create_todos.sql",
    include_str!("../../migrations/20231204000000_create_todos.sql"),
)];

/// The migrations of `FILES`, read as `sqlx::migrate!` reads a folder.
pub async fn migrator() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded).await
}

#[derive(Debug)]
struct Embedded;

type Resolved<'s> = Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>>;

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> Resolved<'s> {
        Box::pin(async {
            FILES
                .iter()
                .map(|(name, sql)| migration(name, sql))
                .collect()
        })
    }
}

/// `VERSION_DESCRIPTION.sql` → a simple migration in a transaction, as sqlx names and runs it
/// (a first line `-- no-transaction` runs it outside one).
fn migration(name: &str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let stem = name
        .strip_suffix(".sql")
        .ok_or_else(|| format!("migration {name} does not end in .sql"))?;
    let (version, description) = stem
        .split_once('_')
        .ok_or_else(|| format!("migration {name} is not VERSION_DESCRIPTION.sql"))?;
    let version = version
        .parse()
        .map_err(|_| format!("migration {name} does not start with a version number"))?;
    Ok(Migration::new(
        version,
        Cow::Owned(description.replace('_', " ")),
        MigrationType::Simple,
        Cow::Borrowed(sql),
        sql.starts_with("-- no-transaction"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_folder_is_compiled_in_with_its_contents() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&folder)
            .expect("api/migrations/")
            .map(|entry| {
                let path = entry.expect("an entry").path();
                let name = path
                    .file_name()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned();
                (name, std::fs::read_to_string(&path).expect("readable"))
            })
            .collect();
        on_disk.sort();
        let compiled: Vec<(String, String)> = FILES
            .iter()
            .map(|(name, sql)| ((*name).to_owned(), (*sql).to_owned()))
            .collect();
        assert_eq!(compiled, on_disk);
    }

    #[test]
    fn names_are_read_as_sqlx_reads_them() {
        let read = migration("20231204000000_create_todos.sql", "SELECT 1").expect("read");
        assert_eq!(read.version, 20231204000000);
        assert_eq!(read.description, "create todos");
        assert_eq!(read.migration_type, MigrationType::Simple);
        assert!(!read.no_tx);
        assert!(migration("create_todos.sql", "").is_err());
        assert!(migration("20231204000000_create_todos.txt", "").is_err());
        assert!(migration("x_y.sql", "").is_err());
        assert!(
            migration("1_x.sql", "-- no-transaction\nSELECT 1")
                .expect("read")
                .no_tx
        );
    }
}
