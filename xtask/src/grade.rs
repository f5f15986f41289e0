//! `cargo xtask grade`: the grading command on a submission made from the kit, with the kit as
//! the template: the lab's answer (`--solved`, what tutors check the grader with), the
//! handed-out files, or a folder of your own.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};

use crate::{cargo_variables_of_this_test, kit_root, submission, target_dir};

#[derive(clap::Args)]
pub struct Args {
    /// Grade the lab's answer (the solution's code, the solved k6 script and task size).
    #[arg(long, conflicts_with = "submission")]
    solved: bool,
    /// A submission folder to grade (default: the handed-out files, untouched).
    submission: Option<PathBuf>,
    /// Grade only this task (repeatable).
    #[arg(long = "task")]
    tasks: Vec<String>,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let made = tempfile::Builder::new()
        .prefix("taskoverflow-submission-")
        .tempdir()
        .context("cannot create a folder for the submission")?;
    let submission = match &args.submission {
        Some(dir) => dir.clone(),
        None if args.solved => {
            submission::solved(made.path())?;
            made.path().to_path_buf()
        }
        None => {
            submission::untouched(made.path())?;
            made.path().to_path_buf()
        }
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for key in cargo_variables_of_this_test() {
        command.env_remove(key);
    }
    let status = command
        .current_dir(kit_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .args([
            "run", "--quiet", "--locked", "-p", "checks", "--bin", "grade", "--",
        ])
        .arg("--template")
        .arg(kit_root())
        .arg("--submission")
        .arg(&submission)
        .arg("--target-dir")
        .arg(crate::copies_target_dir())
        .arg("--out")
        .arg(target_dir().join("checks/xtask-grade"))
        .args(args.tasks.iter().flat_map(|task| ["--task", task.as_str()]))
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("the grading did not give full marks ({status})");
    }
    Ok(())
}
