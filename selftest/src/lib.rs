//! The kit's own tests live in `tests/`: they prove that the pieces of the kit agree with
//! each other (see README.md, "For kit maintainers"). This library holds what they share, in
//! rooms of its own:
//!
//! - this file: the kit's root folder (xtask's), a command's output as text, copying a folder,
//!   the lab's tasks;
//! - [`terraform_rules`]: the rules `terraform/` keeps, checked on the parsed HCL, one file per
//!   family of rules (`tests/terraform_rules.rs` plants mistakes and expects each rule to fire);
//! - [`doc_commands`]: the commands of the docs' ```sh blocks and running one as a student would
//!   (`tests/doc_commands.rs` holds the table of known commands and their runners).

pub mod doc_commands;
pub mod terraform_rules;

use std::fs;
use std::path::Path;
use std::process::Output;

/// The kit's root folder, as the maintainers' commands find it.
pub use xtask::kit_root;

/// The lab tasks a pristine starter must fail: every task of the grader but the one that checks
/// the API still works, which the untouched starter passes.
pub fn lab_tasks() -> impl Iterator<Item = &'static str> {
    checks::tasks::ALL
        .iter()
        .map(|task| task.name)
        .filter(|name| *name != "api_still_works")
}

/// A finished command's standard output, then its standard error, as text.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Copies the folder `from` to `to`, recursively, leaving out every entry whose name `skip`
/// accepts (at any depth).
pub fn copy_dir(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) {
    fs::create_dir_all(to).unwrap_or_else(|error| panic!("{}: {error}", to.display()));
    let entries = fs::read_dir(from).unwrap_or_else(|error| panic!("{}: {error}", from.display()));
    for entry in entries {
        let entry = entry.expect("a folder entry");
        let name = entry.file_name();
        if skip(&name.to_string_lossy()) {
            continue;
        }
        let destination = to.join(&name);
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &destination, skip);
        } else {
            fs::copy(entry.path(), &destination)
                .unwrap_or_else(|error| panic!("{}: {error}", entry.path().display()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn the_kit_root_holds_the_workspace() {
        assert!(kit_root().join("Cargo.toml").is_file());
        assert!(kit_root().join("selftest").is_dir());
    }

    #[test]
    fn a_copy_leaves_out_what_skip_names_at_any_depth() {
        let from = tempfile_dir("from");
        fs::create_dir_all(from.join("a/target")).expect("a folder");
        fs::write(from.join("a/kept.txt"), "kept").expect("written");
        fs::write(from.join("a/target/left-out.txt"), "no").expect("written");
        let to = tempfile_dir("to");
        copy_dir(&from, &to, &|name| name == "target");
        assert_eq!(
            fs::read_to_string(to.join("a/kept.txt")).expect("copied"),
            "kept"
        );
        assert!(!to.join("a/target").exists());
        let _ = fs::remove_dir_all(from);
        let _ = fs::remove_dir_all(to);
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "selftest-lib-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }
}
