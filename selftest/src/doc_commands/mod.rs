//! The commands the docs show, as `tests/doc_commands.rs` reads them: every command of the
//! ```sh blocks of [`DOCS`], and the problems between them and the test's table of known commands.
//! [`shell`] runs a command as a student would.

pub mod shell;

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::kit_root;

/// The docs whose ```sh blocks are checked, and the folder (relative to the kit's root) their
/// commands run in.
pub const DOCS: &[(&str, &str)] = &[
    ("README.md", "."),
    ("docs/handout.md", "."),
    // The handout sends students here to install and run k6.
    ("k6/README.md", "."),
    // The handout's "Deploying with Terraform" says to follow it; its commands run in terraform/.
    ("terraform/README.md", "terraform"),
    // The student edition's README (`cargo xtask student-repo`): the same commands, run here.
    ("xtask/student-edition/README.md", "."),
];

/// One command of a doc, as the test matches it: comments dropped, continuation lines joined,
/// white space collapsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocCommand {
    pub doc: String,
    pub folder: String,
    pub command: String,
}

/// The commands of the ```sh (or bash, shell) blocks of one Markdown text.
pub fn commands_in(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_shell = false;
    let mut in_other = false;
    let mut pending = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(tag) = trimmed.strip_prefix("```") {
            if in_shell {
                in_shell = false;
                if !pending.trim().is_empty() {
                    commands.push(normalise(&pending));
                }
                pending.clear();
            } else if in_other {
                in_other = false;
            } else if ["sh", "bash", "shell", "console"].contains(&tag.trim()) {
                in_shell = true;
            } else {
                in_other = true;
            }
            continue;
        }
        if !in_shell {
            continue;
        }
        let code = strip_comment(line);
        if let Some(continued) = code.trim_end().strip_suffix('\\') {
            pending.push_str(continued);
            pending.push(' ');
            continue;
        }
        pending.push_str(&code);
        if !pending.trim().is_empty() {
            commands.push(normalise(&pending));
        }
        pending.clear();
    }
    commands
}

/// The line without a shell comment: a `#` that starts a word outside quotes.
fn strip_comment(line: &str) -> String {
    let mut out = String::new();
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for c in line.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => break,
            _ => {}
        }
        out.push(c);
        previous = c;
    }
    out
}

pub fn normalise(command: &str) -> String {
    command.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn read(relative: &str) -> String {
    std::fs::read_to_string(kit_root().join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

pub fn documented_commands() -> Vec<DocCommand> {
    DOCS.iter()
        .flat_map(|(doc, folder)| {
            commands_in(&read(doc))
                .into_iter()
                .map(move |command| DocCommand {
                    doc: (*doc).to_owned(),
                    folder: (*folder).to_owned(),
                    command,
                })
        })
        .collect()
}

/// The one documented command that starts with `prefix`.
pub fn documented_starting_with(prefix: &str) -> Result<String, String> {
    documented_commands()
        .into_iter()
        .map(|doc| doc.command)
        .find(|command| command.starts_with(prefix))
        .ok_or_else(|| format!("no doc shows a command starting with `{prefix}` any more"))
}

/// The folder a documented command runs in (the first doc that shows it).
pub fn folder_of(command: &str) -> PathBuf {
    let folder = documented_commands()
        .into_iter()
        .find(|doc| doc.command == command)
        .map_or_else(|| ".".to_owned(), |doc| doc.folder);
    kit_root().join(folder)
}

/// The README's `export CHECKS_POSTGRES_IMAGE=...`: what a student without a registry sets.
pub fn exported_postgres_image() -> String {
    let command = documented_commands()
        .into_iter()
        .find(|doc| doc.command.starts_with("export CHECKS_POSTGRES_IMAGE="))
        .expect("README.md exports CHECKS_POSTGRES_IMAGE for machines without a registry");
    command
        .command
        .trim_start_matches("export CHECKS_POSTGRES_IMAGE=")
        .to_owned()
}

/// Problems between the docs' commands and the table: commands the table lacks, entries no doc
/// shows, entries listed twice.
pub fn table_problems(documented: &[DocCommand], table: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let known: BTreeSet<&str> = table.iter().copied().collect();
    if known.len() != table.len() {
        problems.push("TABLE lists a command twice".to_owned());
    }
    for command in documented {
        if !known.contains(command.command.as_str()) {
            problems.push(format!(
                "{} shows `{}`, which selftest/tests/doc_commands.rs does not know: add it to TABLE \
                 with how to exercise it and what counts as success",
                command.doc, command.command
            ));
        }
    }
    let shown: BTreeSet<&str> = documented.iter().map(|c| c.command.as_str()).collect();
    for entry in known.difference(&shown) {
        problems.push(format!(
            "TABLE lists `{entry}`, which no doc of {:?} shows any more: remove it from TABLE \
             (or put the command back in the doc)",
            DOCS.iter().map(|(doc, _)| *doc).collect::<Vec<_>>()
        ));
    }
    problems
}
