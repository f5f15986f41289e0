//! The repository explains itself: no file points a reader at a document, an issue tracker or a
//! repository the reader does not have, or at a service that no longer runs.

use std::fs;
use std::path::{Path, PathBuf};

use selftest::kit_root;

/// Every text file of the kit, skipping build output, VCS data and the lock file.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "target" || name == ".git" || name == "Cargo.lock" || name == ".terraform" {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// What a citation of an outside document looks like. Built from pieces so that this file does
/// not match itself.
fn citations(line: &str) -> Vec<&'static str> {
    let lower = line.to_lowercase();
    let section = format!("spec {}", '\u{a7}');
    let classroom = format!("github {}", "classroom");
    let patterns: [(&str, bool); 6] = [
        ("a section of an outside spec", lower.contains(&section)),
        (
            "an issue number",
            lower.match_indices("issue ").any(|(at, found)| {
                lower[at + found.len()..].starts_with(|c: char| c.is_ascii_digit())
            }),
        ),
        (
            "the planners' repository",
            lower.contains(&format!("planning {}", "repo")),
        ),
        (
            "the planning spec's path",
            lower.contains(&format!("shared/{}", "spec")),
        ),
        // The service ended on 2026-08-28; a line may say so, but not send anyone to it.
        (
            "a classroom service that has shut down",
            lower.contains(&classroom) && !lower.contains("shut down"),
        ),
        (
            "that service's autograding actions",
            lower.contains(&format!("classroom-{}/", "resources"))
                || lower.contains(&format!("autograding-{}", "command-grader")),
        ),
    ];
    patterns
        .into_iter()
        .filter(|(_, found)| *found)
        .map(|(what, _)| what)
        .collect()
}

#[test]
fn no_file_cites_what_a_reader_of_the_repo_cannot_see() {
    let mut all = Vec::new();
    files(&kit_root(), &mut all);
    assert!(
        all.len() > 50,
        "found only {} files under {:?}",
        all.len(),
        kit_root()
    );
    let mut found = Vec::new();
    for path in all {
        let Ok(text) = fs::read_to_string(&path) else {
            continue; // binary files cite nothing
        };
        for (number, line) in text.lines().enumerate() {
            for what in citations(line) {
                found.push(format!(
                    "{}:{}: {what}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "say it in the repository's own words instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_citation_patterns_match_what_they_should() {
    assert_eq!(citations("see the spec \u{a7}3 table").len(), 1);
    assert_eq!(citations(&format!("fixed in {} 12", "Issue")).len(), 1);
    assert!(citations("an issue with the database").is_empty());
    assert!(citations("the API reference, docs/api.md").is_empty());
    let service = format!("GitHub {}", "Classroom");
    assert_eq!(
        citations(&format!(
            "make it the starter code of a {service} assignment"
        ))
        .len(),
        1
    );
    assert!(citations(&format!("{service} shut down in August 2026.")).is_empty());
    assert_eq!(
        citations(&format!(
            "uses: classroom-{}/autograding-grading-reporter@v1",
            "resources"
        ))
        .len(),
        1
    );
}
