//! `diff -ru starter solution` must read like the lab's answer: the telemetry and the
//! manifests differ, everything else is byte-identical. The starter has the id rule's file too
//! (an exercise with its tests), so the answer's change to it is a diff, not a new file.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Paths (relative to the crate) that may differ. A directory entry covers all files in it (the
/// answer may split its telemetry into more modules).
const MAY_DIFFER: [&str; 4] = [
    "Cargo.toml",
    "src/telemetry.rs",
    "src/telemetry/",
    "tests/logs.rs",
];

fn files(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries.map(|entry| entry.expect("a directory entry")) {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).expect("under root").to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

fn allowed(path: &Path) -> bool {
    let path = path.to_string_lossy();
    MAY_DIFFER.iter().any(|allowed| {
        if allowed.ends_with('/') {
            path.starts_with(allowed)
        } else {
            path == *allowed
        }
    })
}

fn differing_paths() -> Vec<String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (starter, solution) = (workspace.join("starter"), workspace.join("solution"));
    let all: BTreeSet<_> = files(&starter).union(&files(&solution)).cloned().collect();
    all.into_iter()
        .filter(|path| fs::read(starter.join(path)).ok() != fs::read(solution.join(path)).ok())
        .map(|path| path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn starter_and_solution_differ_only_in_the_lab_files() {
    let unexpected: Vec<_> = differing_paths()
        .into_iter()
        .filter(|path| !allowed(Path::new(path)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "starter/ and solution/ must be byte-identical outside {MAY_DIFFER:?}, \
         but these differ: {unexpected:?}. Make the change in both, or move it into the telemetry files."
    );
}

#[test]
fn the_lab_files_really_differ() {
    let differing = differing_paths();
    for path in [
        "Cargo.toml",
        "src/telemetry.rs",
        "src/telemetry/request_id.rs",
        "tests/logs.rs",
    ] {
        assert!(
            differing.iter().any(|d| d == path),
            "{path} is the lab's change but is identical"
        );
    }
}

/// The id rule's tests, from `mod tests` on: what the student makes pass.
fn id_rule_tests(app: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(app)
        .join("src/telemetry/request_id.rs");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let start = text
        .find("\nmod tests {")
        .unwrap_or_else(|| panic!("{} has no `mod tests`", path.display()));
    text[start..].to_owned()
}

#[test]
fn the_id_rule_tests_are_the_same_in_the_starter_and_the_answer() {
    assert_eq!(
        id_rule_tests("starter"),
        id_rule_tests("solution"),
        "the answer must pass the very tests the starter hands out (only the `#[cfg(...)]` \
         line above them differs)"
    );
}
