//! Submissions made from the kit, as a student would hand them in: the lab's files only (the
//! list is `checks/src/lab_files.rs`), untouched or with the lab's answer.

use std::fs;
use std::path::Path;

use anyhow::{ensure, Context};

use crate::kit_root;

/// The handed-out files a student changes, and where the answer to each is in the kit.
const ANSWERS: [(&str, &str); 7] = [
    ("starter/src", "solution/src"),
    ("starter/tests", "solution/tests"),
    ("starter/Cargo.toml", "solution/Cargo.toml"),
    (
        "k6/planners-and-studiers.js",
        "k6/solved/planners-and-studiers.js",
    ),
    (
        "terraform/task-size.auto.tfvars",
        "terraform/solved/task-size.auto.tfvars",
    ),
    ("terraform/CAPACITY.md", "terraform/solved/CAPACITY.md"),
    // Nothing is handed out here: the student exports it from their deployment. The answer is
    // the kit's export of a real run standing in for one (`cargo xtask evidence-fixture`).
    (
        "evidence/deployment-logs.json",
        "selftest/fixtures/deployment-evidence/deployment-logs.json",
    ),
];

/// Writes into `dir` the lab's files as handed out (a lab file the kit does not hand out, the
/// deployment's evidence, is left out).
pub fn untouched(dir: &Path) -> anyhow::Result<()> {
    let kit = kit_root();
    for (handed_out, _) in ANSWERS {
        if kit.join(handed_out).exists() {
            copy(&kit.join(handed_out), &dir.join(handed_out))?;
        }
    }
    Ok(())
}

/// Writes into `dir` the lab's files with the lab's answer: the solution's code, tests and
/// dependencies in `starter/`, the solved k6 script, task size and capacity estimate, and the
/// kit's stand-in for a deployment's evidence.
pub fn solved(dir: &Path) -> anyhow::Result<()> {
    let kit = kit_root();
    for (handed_out, answer) in ANSWERS {
        copy(&kit.join(answer), &dir.join(handed_out))?;
    }
    let manifest = dir.join("starter/Cargo.toml");
    let text = fs::read_to_string(&manifest)?;
    ensure!(
        text.contains("name = \"solution\""),
        "solution/Cargo.toml no longer names the package `solution`"
    );
    fs::write(
        &manifest,
        text.replace("name = \"solution\"", "name = \"starter\""),
    )?;
    Ok(())
}

/// Copies a file, or a folder with everything in it.
pub fn copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}
