//! The watch mode (`cargo run -p checks --bin watch`): grade, wait until a lab file changes, grade
//! again. Which changes count is [`is_lab_change`]; the waiting is notify's debouncer, so that one
//! save (often several events: write, rename, metadata) starts one grading.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult};

use crate::lab_files::{is_lab_file, LAB_FILES};

/// How long the files must be quiet before a grading starts: an editor's save and a
/// `git checkout` are over by then.
const QUIET: Duration = Duration::from_millis(500);

/// Whether an event of this kind on this path (absolute) changed one of the student's files of
/// the repository at `root`. Reading a file does not count: the grader reads them all.
pub fn is_lab_change(root: &Path, kind: &EventKind, path: &Path) -> bool {
    let changed = matches!(
        kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
    );
    changed
        && !is_editor_leftover(path)
        && path
            .strip_prefix(root)
            .ok()
            .and_then(relative_with_slashes)
            .is_some_and(|relative| is_lab_file(&relative))
}

/// An editor's swap, backup or temporary file (`.main.rs.swp`, `main.rs~`, `.#main.rs`),
/// written beside a lab file but not graded.
fn is_editor_leftover(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_none_or(|name| name.starts_with('.') || name.ends_with('~'))
}

fn relative_with_slashes(path: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = path.iter().map(|part| part.to_str()).collect();
    Some(parts?.join("/"))
}

/// What to watch for the lab files: a folder pattern's folder and everything under it, a file's
/// folder alone (an editor that saves by renaming replaces the file itself).
pub fn watched_folders(root: &Path) -> Vec<(PathBuf, RecursiveMode)> {
    let mut folders: Vec<(PathBuf, RecursiveMode)> = Vec::new();
    for file in LAB_FILES {
        let (folder, mode) = match file.pattern.strip_suffix("/**") {
            Some(folder) => (root.join(folder), RecursiveMode::Recursive),
            None => match root.join(file.pattern).parent() {
                Some(parent) => (parent.to_path_buf(), RecursiveMode::NonRecursive),
                None => continue,
            },
        };
        if !folders.iter().any(|(known, _)| *known == folder) {
            folders.push((folder, mode));
        }
    }
    folders
}

/// Calls `grade` once, then again after every change of a lab file of the repository at `root`,
/// until `grade` says to stop. Changes made while a grading runs start the next one as soon as
/// it ends.
pub fn watch(
    root: &Path,
    mut grade: impl FnMut(&[String]) -> ControlFlow<()>,
) -> anyhow::Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot find {}", root.display()))?;
    let (sender, events) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = new_debouncer(QUIET, None, sender).context("cannot watch files")?;
    for (folder, mode) in watched_folders(&root) {
        // A folder the student removed (their own tests, say) has nothing to grade.
        if !folder.is_dir() {
            eprintln!("watch: {} does not exist, not watched", folder.display());
            continue;
        }
        debouncer
            .watch(&folder, mode)
            .with_context(|| format!("cannot watch {}", folder.display()))?;
    }
    let mut changed: Vec<String> = Vec::new();
    loop {
        if grade(&changed).is_break() {
            return Ok(());
        }
        changed.clear();
        // Wait for a change of a lab file, with every change queued behind it: one grading for
        // all of them.
        while changed.is_empty() {
            let first = events.recv().context("the file watcher stopped")?;
            for batch in std::iter::once(first).chain(events.try_iter()) {
                changed.extend(lab_changes(&root, batch));
            }
        }
        changed.sort();
        changed.dedup();
    }
}

/// The lab files (relative to `root`) that one batch of the debouncer's events changed.
fn lab_changes(root: &Path, batch: DebounceEventResult) -> Vec<String> {
    match batch {
        Ok(events) => events
            .iter()
            .flat_map(|event| {
                event
                    .paths
                    .iter()
                    .filter(|path| is_lab_change(root, &event.kind, path))
            })
            .filter_map(|path| relative_with_slashes(path.strip_prefix(root).ok()?))
            .collect(),
        Err(errors) => {
            for error in errors {
                eprintln!("watch: {error}");
            }
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify_debouncer_full::notify::event::{
        AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RemoveKind,
    };

    const WRITE: EventKind = EventKind::Modify(ModifyKind::Data(DataChange::Any));

    fn counts(kind: EventKind, relative: &str) -> bool {
        let root = Path::new("/home/student/lab");
        is_lab_change(root, &kind, &root.join(relative))
    }

    #[test]
    fn a_change_of_a_lab_file_counts() {
        for relative in [
            "starter/src/telemetry.rs",
            "starter/src/telemetry/request_id.rs",
            "starter/tests/logs.rs",
            "starter/Cargo.toml",
            "k6/planners-and-studiers.js",
            "terraform/task-size.auto.tfvars",
        ] {
            assert!(counts(WRITE, relative), "{relative}");
        }
        let created = EventKind::Create(CreateKind::File);
        assert!(counts(created, "starter/src/telemetry/span.rs"));
        let removed = EventKind::Remove(RemoveKind::File);
        assert!(counts(removed, "starter/tests/json.rs"));
    }

    #[test]
    fn other_files_and_reading_do_not() {
        for relative in [
            "README.md",
            "checks/src/lib.rs",
            "target/debug/starter",
            "target/checks/results.json",
            "terraform/ecs.tf",
            "k6/solved.js",
            "starter/build.rs",
        ] {
            assert!(!counts(WRITE, relative), "{relative}");
        }
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert!(!counts(read, "starter/src/telemetry.rs"));
        assert!(!counts(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "starter/Cargo.toml"
        ));
        assert!(!counts(WRITE, "/elsewhere/starter/src/main.rs"));
    }

    #[test]
    fn an_editors_leftovers_do_not() {
        for relative in [
            "starter/src/.telemetry.rs.swp",
            "starter/src/telemetry.rs~",
            "starter/src/.#telemetry.rs",
            "k6/.planners-and-studiers.js.swp",
        ] {
            assert!(!counts(WRITE, relative), "{relative}");
        }
    }

    #[test]
    fn every_lab_file_is_under_a_watched_folder() {
        let root = Path::new("/lab");
        let folders = watched_folders(root);
        for relative in [
            "starter/src/a/b.rs",
            "starter/tests/x.rs",
            "starter/Cargo.toml",
            "k6/planners-and-studiers.js",
            "terraform/task-size.auto.tfvars",
        ] {
            let path = root.join(relative);
            let watched = folders.iter().any(|(folder, mode)| match mode {
                RecursiveMode::Recursive => path.starts_with(folder),
                RecursiveMode::NonRecursive => path.parent() == Some(folder.as_path()),
            });
            assert!(watched, "{relative} is in none of {folders:?}");
        }
        // The build's output is never watched: it changes all the time.
        assert!(folders
            .iter()
            .all(|(folder, _)| !folder.starts_with("/lab/target")));
    }

    #[test]
    fn saving_a_lab_file_starts_another_grading() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().to_path_buf();
        for relative in [
            "starter/src/main.rs",
            "starter/tests/logs.rs",
            "starter/Cargo.toml",
            "k6/planners-and-studiers.js",
            "terraform/task-size.auto.tfvars",
            "terraform/ecs.tf",
        ] {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().context("a parent")?)?;
            std::fs::write(path, "before")?;
        }
        let (graded, gradings) = mpsc::channel::<Vec<String>>();
        let watched = root.clone();
        let watcher = std::thread::spawn(move || {
            let mut count = 0;
            watch(&watched, |changed| {
                count += 1;
                // The test has gone (and failed) when nobody listens.
                match graded.send(changed.to_vec()) {
                    Ok(()) if count < 2 => ControlFlow::Continue(()),
                    _ => ControlFlow::Break(()),
                }
            })
        });
        let wait = Duration::from_secs(20);
        assert_eq!(gradings.recv_timeout(wait)?, Vec::<String>::new());
        // Files beside the lab files first: they must start no grading of their own, nor be
        // named in the next one.
        std::fs::write(root.join("terraform/ecs.tf"), "after")?;
        std::fs::write(root.join("starter/src/.main.rs.swp"), "after")?;
        std::fs::write(root.join("starter/src/main.rs"), "after")?;
        assert_eq!(gradings.recv_timeout(wait)?, vec!["starter/src/main.rs"]);
        match watcher.join() {
            Ok(outcome) => outcome,
            Err(_) => anyhow::bail!("the watcher panicked"),
        }
    }
}
